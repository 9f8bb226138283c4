//! What every import path shares: upserting accounts and contacts, and turning a row
//! (upload, stream) into a survey record.

use crate::params;
use crate::rows::{self, Row};
use crate::state::{Account, Contact, State, Survey, SurveyKind};

/// Creates or updates the account `reference`; returns whether it was created.
pub(crate) fn upsert_account(
    state: &mut State,
    reference: &str,
    update: impl FnOnce(&mut Account),
) -> bool {
    let now = params::now_string();
    if let Some(account) = state
        .account_position(reference)
        .and_then(|i| state.accounts.get_mut(i))
    {
        update(account);
        account.date_updated = now;
        return false;
    }
    state.counters.account += 1;
    let mut account = Account {
        id: state.counters.account,
        reference: reference.to_owned(),
        date_created: now.clone(),
        date_updated: now,
        ..Account::default()
    };
    update(&mut account);
    state.accounts.push(account);
    state.index_new_account(state.accounts.len() - 1);
    true
}

/// The contact data of an import.
#[derive(Debug, Default)]
pub(crate) struct ContactData<'a> {
    pub(crate) email: Option<&'a str>,
    pub(crate) phone: Option<&'a str>,
    pub(crate) first_name: Option<&'a str>,
    pub(crate) last_name: Option<&'a str>,
    pub(crate) account: Option<&'a str>,
}

/// Creates or updates the contact with this e-mail address (else this phone).
pub(crate) fn upsert_contact(state: &mut State, data: &ContactData<'_>) {
    let now = params::now_string();
    let found = match (data.email, data.phone) {
        (Some(e), _) => state.contact_by_email(e),
        (None, Some(p)) => state.contact_by_phone_only(p),
        (None, None) => None,
    };
    let (position, created) = match found {
        Some(i) => (i, false),
        None => {
            state.counters.contact += 1;
            state.contacts.push(Contact {
                id: state.counters.contact,
                ..Contact::default()
            });
            (state.contacts.len() - 1, true)
        }
    };
    let Some(contact) = state.contacts.get_mut(position) else {
        return;
    };
    let set = |slot: &mut Option<String>, v: Option<&str>| {
        if let Some(v) = v {
            *slot = Some(v.to_owned());
        }
    };
    set(&mut contact.email, data.email);
    set(&mut contact.phone, data.phone);
    set(&mut contact.first_name, data.first_name);
    set(&mut contact.last_name, data.last_name);
    set(&mut contact.account, data.account);
    contact.date_updated = now;
    if created {
        state.index_new_contact(position);
    }
}

/// Columns a row maps onto survey attributes (everything else goes to `fields`).
const KNOWN: &[&[&str]] = &[
    rows::EMAIL,
    rows::PHONE,
    rows::FIRST_NAME,
    rows::LAST_NAME,
    rows::ACCOUNT_NAME,
    rows::ACCOUNT_NUMBER,
    rows::CUSTOMER_NUMBER,
    rows::NPS,
    rows::COMMENT,
    rows::DATE_COMPLETED,
    rows::DATE_ORDER,
];

/// A survey from an uploaded or streamed row. Historical rows with a score or a
/// completion date are responses; everything else is a queued invitation.
pub(crate) fn survey_from_row(row: &Row, historical: bool, source: &str) -> Result<Survey, String> {
    let email = row.get(rows::EMAIL);
    let phone = row.get(rows::PHONE);
    if email.is_none() && phone.is_none() {
        return Err("Email or Phone is required".to_owned());
    }
    if let Some(e) = email
        && !params::is_valid_email(e)
    {
        return Err(format!("Email '{e}' is not a valid e-mail address"));
    }
    if let Some(p) = phone
        && !params::is_valid_phone(p)
    {
        return Err(format!(
            "Phone '{p}' may contain only digits, space, ( ) - +"
        ));
    }
    let nps = match row.get(rows::NPS) {
        None => None,
        Some(v) => Some(
            parse_score(v)
                .ok_or_else(|| format!("NetPromoterScore '{v}' is not a number from 0 to 10"))?,
        ),
    };
    let date = |aliases: &[&str], what: &str| -> Result<Option<String>, String> {
        match row.get(aliases) {
            None => Ok(None),
            Some(v) if params::is_valid_date(v) => Ok(Some(v.to_owned())),
            Some(v) => Err(format!(
                "{what} '{v}' is not a date (YYYY-MM-DD HH:MM:SS or YYYY-MM-DD)"
            )),
        }
    };
    let completed = date(rows::DATE_COMPLETED, "DateFormCompleted")?;
    let order = date(rows::DATE_ORDER, "DateOrder")?;
    let response = historical && (nps.is_some() || completed.is_some());
    let now = params::now_string();
    let mut survey = Survey {
        kind: if response {
            SurveyKind::Response
        } else {
            SurveyKind::NonResponse
        },
        status: if historical { "PROCESSED" } else { "QUEUE" }.to_owned(),
        number_customer: row.get(rows::CUSTOMER_NUMBER).map(str::to_owned),
        email: email.map(str::to_owned),
        phone: phone.map(str::to_owned),
        first_name: row.get(rows::FIRST_NAME).map(str::to_owned),
        last_name: row.get(rows::LAST_NAME).map(str::to_owned),
        account_name: row.get(rows::ACCOUNT_NAME).map(str::to_owned),
        account_number: row.get(rows::ACCOUNT_NUMBER).map(str::to_owned),
        nps,
        comment: row.get(rows::COMMENT).map(str::to_owned),
        date_creation: now.clone(),
        date_order: order,
        date_sent: Some(if historical {
            completed.clone().unwrap_or_else(|| now.clone())
        } else {
            now
        }),
        date_survey_response: if response { completed } else { None },
        source: source.to_owned(),
        ..Survey::default()
    };
    for (k, v) in &row.cells {
        let n = rows::normalize(k);
        if !v.trim().is_empty() && !KNOWN.iter().any(|aliases| aliases.contains(&n.as_str())) {
            survey.fields.insert(k.clone(), v.trim().to_owned());
        }
    }
    Ok(survey)
}

/// A score 0-10.
pub(crate) fn parse_score(text: &str) -> Option<i64> {
    params::parse_u64(text)
        .and_then(|n| i64::try_from(n).ok())
        .filter(|n| (0..=10).contains(n))
}

/// Stores a survey: upserts its contact and account, marks it `UNSUBSCRIBED` when the
/// address is on the unsubscribe list, and returns its CG-ID.
pub(crate) fn store_survey(state: &mut State, mut survey: Survey) -> u64 {
    if let Some(reference) = survey.account_name.clone() {
        let number = survey.account_number.clone();
        upsert_account(state, &reference, |a| {
            if number.is_some() {
                a.number = number;
            }
        });
    }
    upsert_contact(
        state,
        &ContactData {
            email: survey.email.as_deref(),
            phone: survey.phone.as_deref(),
            first_name: survey.first_name.as_deref(),
            last_name: survey.last_name.as_deref(),
            account: survey.account_name.as_deref(),
        },
    );
    if survey.kind == SurveyKind::NonResponse
        && survey
            .email
            .as_deref()
            .is_some_and(|e| state.is_unsubscribed(e))
    {
        survey.status = "UNSUBSCRIBED".to_owned();
    }
    state.push_survey(survey)
}
