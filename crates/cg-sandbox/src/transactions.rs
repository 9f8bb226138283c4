//! `/v4.1/transactions` (list survey records) and `/v4.1/transactions/response`,
//! `/v4.1/transactions/non_response` (create with POST, update with PUT).

use cg_errors::ErrorCode;
use chrono::{Duration as Days, Utc};

use crate::app::App;
use crate::ingest;
use crate::lists::{self, invalid};
use crate::params::{self, Params};
use crate::respond::{ApiError, V41Result, Val};
use crate::state::{Survey, SurveyKind};

/// Accepted `status` values.
pub const STATUSES: [&str; 5] = ["BOUNCED", "ERROR", "PROCESSED", "QUEUE", "UNSUBSCRIBED"];

/// Standard keys of a listed transaction (usable as `filter_<key>`).
const STANDARD_KEYS: [&str; 17] = [
    "number_customergauge",
    "number_customer",
    "email",
    "phone",
    "first_name",
    "last_name",
    "account_name",
    "account_number",
    "status",
    "type",
    "date_creation",
    "date_order",
    "date_sent",
    "date_survey_response",
    "nps",
    "comment",
    "workflow_status",
];

fn text(v: &Option<String>) -> Val {
    Val::from(v.clone().unwrap_or_default())
}

/// A survey as the transactions listing shows it.
pub(crate) fn transaction(s: &Survey) -> Val {
    let mut v = Val::obj()
        .with("number_customergauge", s.number_customergauge.to_string())
        .with("number_customer", text(&s.number_customer))
        .with("email", text(&s.email))
        .with("phone", text(&s.phone))
        .with("first_name", text(&s.first_name))
        .with("last_name", text(&s.last_name))
        .with("account_name", text(&s.account_name))
        .with("account_number", text(&s.account_number))
        .with("status", s.status.clone())
        .with(
            "type",
            if s.kind == SurveyKind::Response {
                "response"
            } else {
                "non_response"
            },
        )
        .with("date_creation", s.date_creation.clone())
        .with("date_order", text(&s.date_order))
        .with("date_sent", text(&s.date_sent))
        .with("date_survey_response", text(&s.date_survey_response))
        .with("nps", s.nps.map(|n| n.to_string()).unwrap_or_default())
        .with("comment", text(&s.comment))
        .with("workflow_status", text(&s.workflow.status));
    for (k, value) in &s.fields {
        v = v.with(k.clone(), value.clone());
    }
    v
}

fn lookup<'a>(v: &'a Val, key: &str) -> Option<&'a Val> {
    match v {
        Val::Obj(entries) => entries
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v),
        _ => None,
    }
}

fn order_date(s: &Survey) -> &str {
    s.date_order.as_deref().unwrap_or(&s.date_creation)
}

/// `GET /transactions`.
pub(crate) fn list(app: &App, params: &Params) -> V41Result {
    let days = match params.non_empty("days") {
        None => None,
        Some(v) => {
            let n = params::parse_u64(v)
                .filter(|n| *n >= 1)
                .ok_or_else(|| invalid("days must be a positive integer"))?;
            if n > 365 {
                return Err(ApiError::new(ErrorCode::TransactionDaysOverLimit));
            }
            Some(n)
        }
    };
    if let Some(method) = params.non_empty("date_method")
        && method != "date_order"
    {
        return Err(ApiError::new(ErrorCode::TransactionDateMethodUnsupported));
    }
    let (from, to) = lists::date_range(params)?;
    let start = lists::start(params)?;
    let limit = lists::limit(params)?;
    let status = match params.non_empty("status") {
        None => None,
        Some(v) => Some(
            STATUSES
                .iter()
                .find(|s| s.eq_ignore_ascii_case(v))
                .ok_or_else(|| {
                    invalid("status must be BOUNCED, ERROR, PROCESSED, QUEUE or UNSUBSCRIBED")
                })?,
        ),
    };
    let filters: Vec<(&str, &str)> = params
        .pairs()
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("filter_").map(|f| (f, v.as_str())))
        .collect();
    let since = days.map(|d| {
        (Utc::now().naive_utc() - Days::days(i64::try_from(d).unwrap_or(365)))
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    });
    let page = app.store.read(|s| {
        for (field, _) in &filters {
            let known = STANDARD_KEYS.iter().any(|k| k.eq_ignore_ascii_case(field))
                || s.surveys
                    .iter()
                    .any(|sv| sv.fields.keys().any(|k| k.eq_ignore_ascii_case(field)));
            if !known {
                return Err(ApiError::with_message(
                    ErrorCode::TransactionFilterKeyUnknown,
                    format!("Filter key doesn’t exist: {field}"),
                ));
            }
        }
        Ok(s.surveys
            .iter()
            .filter(|sv| status.is_none_or(|st| sv.status == *st))
            .filter(|sv| {
                since
                    .as_ref()
                    .is_none_or(|since| order_date(sv) >= since.as_str())
            })
            .filter(|sv| params::in_range(order_date(sv), from, to))
            .map(transaction)
            .filter(|t| {
                filters.iter().all(|(field, value)| {
                    lookup(t, field)
                        .is_some_and(|v| matches!(v, Val::Str(s) if s.eq_ignore_ascii_case(value)))
                })
            })
            .skip(start)
            .take(limit)
            .collect::<Vec<_>>())
    })?;
    if page.is_empty() {
        return Err(ApiError::new(ErrorCode::TransactionRecordNotFound));
    }
    Ok(Val::Arr(page))
}

/// Form keys with a meaning of their own; every other key becomes a field of the record.
const MAPPED: [&str; 9] = [
    "id",
    "CustomerNumber",
    "Email",
    "Phone",
    "FirstName",
    "LastName",
    "NetPromoterScore",
    "Comment",
    "DateOrder",
];
const DATE_COMPLETED: &str = "DateFormCompleted";

/// Writes the form fields into `survey`.
fn apply(survey: &mut Survey, params: &Params) -> Result<(), ApiError> {
    let get = |k: &str| params.non_empty(k).map(str::to_owned);
    if let Some(e) = params.non_empty("Email")
        && !params::is_valid_email(e)
    {
        return Err(invalid("Email is not a valid e-mail address"));
    }
    if let Some(p) = params.non_empty("Phone")
        && !params::is_valid_phone(p)
    {
        return Err(invalid("Phone may contain only digits, space, ( ) - +"));
    }
    if let Some(n) = params.non_empty("NetPromoterScore") {
        survey.nps = Some(
            ingest::parse_score(n).ok_or_else(|| invalid("NetPromoterScore must be 0 to 10"))?,
        );
    }
    for key in ["DateOrder", DATE_COMPLETED] {
        if let Some(d) = params.non_empty(key)
            && !params::is_valid_date(d)
        {
            return Err(invalid("dates must be YYYY-MM-DD HH:MM:SS or YYYY-MM-DD"));
        }
    }
    let set = |slot: &mut Option<String>, v: Option<String>| {
        if v.is_some() {
            *slot = v;
        }
    };
    set(&mut survey.number_customer, get("CustomerNumber"));
    set(&mut survey.email, get("Email"));
    set(&mut survey.phone, get("Phone"));
    set(&mut survey.first_name, get("FirstName"));
    set(&mut survey.last_name, get("LastName"));
    set(&mut survey.comment, get("Comment"));
    set(&mut survey.date_order, get("DateOrder"));
    set(&mut survey.date_survey_response, get(DATE_COMPLETED));
    for (k, v) in params.pairs() {
        if !MAPPED.contains(&k.as_str()) && k != DATE_COMPLETED && !v.trim().is_empty() {
            survey.fields.insert(k.clone(), v.trim().to_owned());
        }
    }
    Ok(())
}

/// `POST /transactions/response` and `/transactions/non_response`.
pub(crate) fn create(app: &App, kind: SurveyKind, params: &Params) -> V41Result {
    let completed = params.non_empty(DATE_COMPLETED).is_some();
    match kind {
        SurveyKind::Response if !completed => {
            return Err(ApiError::new(ErrorCode::TransactionDateCompletedRequired));
        }
        SurveyKind::NonResponse if completed => {
            return Err(ApiError::new(ErrorCode::TransactionDateCompletedForbidden));
        }
        _ => {}
    }
    if ["Email", "Phone", "CustomerNumber"]
        .iter()
        .all(|k| params.non_empty(k).is_none())
    {
        return Err(ApiError::with_message(
            ErrorCode::RequiredFieldMissing,
            "Required field does not supplied: Email, Phone or CustomerNumber",
        ));
    }
    let now = params::now_string();
    let mut survey = Survey {
        kind,
        status: if kind == SurveyKind::Response {
            "PROCESSED"
        } else {
            "QUEUE"
        }
        .to_owned(),
        date_creation: now.clone(),
        date_sent: Some(now),
        source: "transactions".to_owned(),
        ..Survey::default()
    };
    apply(&mut survey, params)?;
    let id = app.store.write(|s| ingest::store_survey(s, survey));
    Ok(Val::obj().with("id", id))
}

/// `PUT /transactions/response` and `/transactions/non_response`.
pub(crate) fn update(app: &App, kind: SurveyKind, params: &Params) -> V41Result {
    let raw = params
        .non_empty("id")
        .ok_or_else(|| ApiError::new(ErrorCode::TransactionIdEmpty))?;
    let id = params::parse_u64(raw).ok_or_else(|| ApiError::new(ErrorCode::TransactionWrongId))?;
    match kind {
        SurveyKind::Response
            if params.has(DATE_COMPLETED) && params.non_empty(DATE_COMPLETED).is_none() =>
        {
            return Err(ApiError::new(ErrorCode::TransactionDateCompletedRequired));
        }
        SurveyKind::NonResponse if params.non_empty(DATE_COMPLETED).is_some() => {
            return Err(ApiError::new(ErrorCode::TransactionDateCompletedForbidden));
        }
        _ => {}
    }
    app.store.write(|s| {
        let survey = s
            .survey_mut(id)
            .filter(|sv| sv.kind == kind)
            .ok_or_else(|| ApiError::new(ErrorCode::TransactionIdNotFound))?;
        let mut updated = survey.clone();
        apply(&mut updated, params)?;
        *survey = updated;
        s.index_survey(id);
        Ok(Val::obj().with("id", id))
    })
}
