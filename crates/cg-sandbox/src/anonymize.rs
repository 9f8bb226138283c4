//! `/v4.1/anonymize`: list (GET, dry run) or anonymize (POST) the survey records of an
//! e-mail address or telephone number.

use cg_errors::ErrorCode;

use crate::app::App;
use crate::lists::invalid;
use crate::params::Params;
use crate::respond::{ApiError, V41Result, Val};
use crate::state::Survey;

/// Replaces names in anonymized records.
pub const ANONYMIZED: &str = "Anonymized";

enum Target {
    Email(String),
    Telephone(String),
}

fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

fn target(params: &Params) -> Result<Target, ApiError> {
    if let Some(email) = params.non_empty("email") {
        return Ok(Target::Email(email.to_owned()));
    }
    if let Some(phone) = params.non_empty("telephone") {
        let d = digits(phone);
        if d.is_empty() {
            return Err(invalid("telephone must contain digits"));
        }
        return Ok(Target::Telephone(d));
    }
    Err(ApiError::with_message(
        ErrorCode::AnonymizeIdMissing,
        "Required field ‘email’ or ‘telephone’ not supplied",
    ))
}

fn matches(target: &Target, email: Option<&str>, phone: Option<&str>) -> bool {
    match target {
        Target::Email(e) => email.is_some_and(|se| se.eq_ignore_ascii_case(e)),
        Target::Telephone(d) => phone.is_some_and(|p| digits(p) == *d),
    }
}

fn candidate(s: &Survey) -> Val {
    let text = |v: &Option<String>| Val::from(v.clone().unwrap_or_default());
    Val::obj()
        .with("first_name", text(&s.first_name))
        .with("last_name", text(&s.last_name))
        .with("email", text(&s.email))
        .with("sms_telephone", text(&s.phone))
        .with("number_customergauge", s.number_customergauge.to_string())
        .with("account_name", text(&s.account_name))
        .with("date_creation", s.date_creation.clone())
}

/// `GET /anonymize`.
pub(crate) fn validate(app: &App, params: &Params) -> V41Result {
    let target = target(params)?;
    Ok(app.store.read(|s| {
        Val::Arr(
            s.surveys
                .iter()
                .filter(|sv| matches(&target, sv.email.as_deref(), sv.phone.as_deref()))
                .map(candidate)
                .collect(),
        )
    }))
}

/// `POST /anonymize`.
pub(crate) fn execute(app: &App, params: &Params) -> V41Result {
    let target = target(params)?;
    let count = app.store.write(|s| {
        let mut count = 0u64;
        for survey in s
            .surveys
            .iter_mut()
            .filter(|sv| matches(&target, sv.email.as_deref(), sv.phone.as_deref()))
        {
            survey.first_name = Some(ANONYMIZED.to_owned());
            survey.last_name = Some(ANONYMIZED.to_owned());
            survey.email = None;
            survey.phone = None;
            survey.comment = survey.comment.as_ref().map(|_| String::new());
            survey.anonymized = true;
            count += 1;
        }
        for contact in s
            .contacts
            .iter_mut()
            .filter(|c| matches(&target, c.email.as_deref(), c.phone.as_deref()))
        {
            contact.first_name = Some(ANONYMIZED.to_owned());
            contact.last_name = Some(ANONYMIZED.to_owned());
            contact.email = None;
            contact.phone = None;
        }
        count
    });
    Ok(Val::obj().with("anonymized", count.to_string()))
}
