//! v7: `GET /v7/rest/sync/responses`, `GET /v7/rest/sync/non-responses` (cursor export
//! of the stored surveys), `GET /v7/rest/sync/close-loop` (the cases) and
//! `PUT /v7/rest/close-loop/status`.
//!
//! Cursors are JSON integers, as art 5000880297 documents ("the cursor is an integer",
//! `cursor=123`): the id of the last item sent (CG-ID, or case id for close-loop).

use axum::http::StatusCode;
use axum::response::Response;

use crate::app::App;
use crate::params::{self, Params};
use crate::respond::{self, Val, Validation};
use crate::state::{Case, Survey, SurveyKind};

/// Default page size.
pub const DEFAULT_PER_PAGE: usize = 100;
/// Largest page size.
pub const MAX_PER_PAGE: usize = 1000;
/// Cursors of earlier sandbox versions (`cg1_<hex>`), still read so stored cursors work.
const LEGACY_CURSOR_PREFIX: &str = "cg1_";
const LEGACY_CURSOR_MASK: u64 = 0x5A5A_1234_C0DE_7777;
const RELATIONS: [&str; 4] = ["drivers", "tags", "questions", "properties"];
const PERIOD_FIELDS: [&str; 4] = [
    "date_creation",
    "date_order",
    "date_sent",
    "date_survey_response",
];
const NPS_QUESTION: &str = "How likely are you to recommend us to a friend or colleague?";

/// The cursor after the item `id`: a JSON integer.
pub(crate) fn encode_cursor(id: u64) -> Val {
    Val::from(id)
}

/// The integer in text form (what a client sends back), or a legacy `cg1_` cursor.
fn decode_cursor(text: &str) -> Option<u64> {
    if let Some(id) = params::parse_u64(text) {
        return Some(id);
    }
    let hex = text.strip_prefix(LEGACY_CURSOR_PREFIX)?;
    if hex.len() != 16 {
        return None;
    }
    u64::from_str_radix(hex, 16)
        .ok()
        .map(|v| v ^ LEGACY_CURSOR_MASK)
}

fn parse_cursor(params: &Params) -> Result<u64, Rejection> {
    match params.get("cursor").map(str::trim) {
        None | Some("") => Ok(0),
        Some(c) => {
            decode_cursor(c).ok_or_else(|| Rejection::Bad("The cursor is invalid.".to_owned()))
        }
    }
}

fn parse_per_page(params: &Params, errors: &mut Validation) -> usize {
    match params.non_empty("per_page") {
        None => DEFAULT_PER_PAGE,
        Some(v) => match params::parse_u64(v).and_then(|n| usize::try_from(n).ok()) {
            Some(n) if (1..=MAX_PER_PAGE).contains(&n) => n,
            Some(_) => {
                errors.add("per_page", "The per page field must be between 1 and 1000.");
                DEFAULT_PER_PAGE
            }
            None => {
                errors.add("per_page", "The per page field must be an integer.");
                DEFAULT_PER_PAGE
            }
        },
    }
}

/// A `YYYY-mm-dd` query value; `attribute` names it in the 422 answer.
fn parse_date_param(
    params: &Params,
    key: &str,
    attribute: &str,
    errors: &mut Validation,
) -> Option<chrono::NaiveDate> {
    let v = params.non_empty(key)?;
    let d = params::parse_date(v);
    if d.is_none() {
        errors.add(
            attribute,
            format!("The {attribute} field must match the format Y-m-d."),
        );
    }
    d
}

struct Query {
    per_page: usize,
    after: u64,
    with: Vec<&'static str>,
    field: &'static str,
    start: Option<chrono::NaiveDate>,
    end: Option<chrono::NaiveDate>,
}

/// Why a query was refused.
enum Rejection {
    /// 422 with field errors.
    Invalid(Validation),
    /// 400 with a message.
    Bad(String),
}

impl Rejection {
    fn into_response(self) -> Response {
        match self {
            Rejection::Invalid(errors) => errors.into_response(),
            Rejection::Bad(message) => respond::message(StatusCode::BAD_REQUEST, &message),
        }
    }
}

fn parse_query(params: &Params) -> Result<Query, Rejection> {
    let mut errors = Validation::new();
    let per_page = parse_per_page(params, &mut errors);
    let field = match params.non_empty("period[field]") {
        None => "date_creation",
        Some(v) => PERIOD_FIELDS
            .iter()
            .find(|f| **f == v)
            .copied()
            .unwrap_or_else(|| {
                errors.add("period.field", "The selected period.field is invalid.");
                "date_creation"
            }),
    };
    let start = parse_date_param(params, "period[start]", "period.start", &mut errors);
    let end = parse_date_param(params, "period[end]", "period.end", &mut errors);
    if !errors.is_empty() {
        return Err(Rejection::Invalid(errors));
    }
    let mut with = Vec::new();
    for (key, value) in params.pairs() {
        let is_with =
            key == "with" || key == "with[]" || (key.starts_with("with[") && key.ends_with(']'));
        if !is_with {
            continue;
        }
        for v in value.split(',').map(str::trim).filter(|v| !v.is_empty()) {
            match RELATIONS.iter().find(|r| **r == v) {
                Some(r) if !with.contains(r) => with.push(*r),
                Some(_) => {}
                None => {
                    return Err(Rejection::Bad(format!("Unknown relation '{v}' in with[].")));
                }
            }
        }
    }
    let after = parse_cursor(params)?;
    Ok(Query {
        per_page,
        after,
        with,
        field,
        start,
        end,
    })
}

fn period_value<'a>(s: &'a Survey, field: &str) -> Option<&'a str> {
    match field {
        "date_order" => s.date_order.as_deref(),
        "date_sent" => s.date_sent.as_deref(),
        "date_survey_response" => s.date_survey_response.as_deref(),
        _ => Some(s.date_creation.as_str()),
    }
}

fn item(s: &Survey, with: &[&str]) -> Val {
    let mut v = Val::obj()
        .with("number_customergauge", s.number_customergauge)
        .with(
            "number_customer",
            Val::opt_str(s.number_customer.as_deref()),
        )
        .with("email", Val::opt_str(s.email.as_deref()))
        .with("phone", Val::opt_str(s.phone.as_deref()))
        .with("first_name", Val::opt_str(s.first_name.as_deref()))
        .with("last_name", Val::opt_str(s.last_name.as_deref()))
        .with("account_name", Val::opt_str(s.account_name.as_deref()))
        .with("account_number", Val::opt_str(s.account_number.as_deref()))
        .with("nps", s.nps.map_or(Val::Null, Val::Int))
        .with("comment", Val::opt_str(s.comment.as_deref()))
        .with("status", s.status.clone())
        .with("date_creation", s.date_creation.clone())
        .with("date_order", Val::opt_str(s.date_order.as_deref()))
        .with("date_sent", Val::opt_str(s.date_sent.as_deref()))
        .with(
            "date_survey_response",
            Val::opt_str(s.date_survey_response.as_deref()),
        );
    for relation in with {
        v = match *relation {
            "properties" => v.with(
                "properties",
                Val::Arr(
                    s.fields
                        .iter()
                        .map(|(k, val)| Val::obj().with("field", k).with("reference", val))
                        .collect(),
                ),
            ),
            "drivers" => v.with(
                "drivers",
                Val::Arr(
                    s.drivers
                        .iter()
                        .map(|d| Val::obj().with("label", d))
                        .collect(),
                ),
            ),
            "tags" => v.with("tags", Val::Arr(s.tags.iter().map(Val::from).collect())),
            _ => v.with(
                "questions",
                Val::Arr(
                    s.nps
                        .map(|n| Val::obj().with("question", NPS_QUESTION).with("answer", n))
                        .into_iter()
                        .collect(),
                ),
            ),
        };
    }
    v
}

/// `GET /v7/rest/sync/responses` (`responses == true`) and `/sync/non-responses`.
pub(crate) fn export(app: &App, responses: bool, params: &Params) -> Response {
    let query = match parse_query(params) {
        Ok(q) => q,
        Err(r) => return r.into_response(),
    };
    let kind = if responses {
        SurveyKind::Response
    } else {
        SurveyKind::NonResponse
    };
    let (items, last) = app.store.read(|s| {
        let start = s
            .surveys
            .partition_point(|sv| sv.number_customergauge <= query.after);
        let mut last = query.after;
        let items: Vec<Val> = s.surveys[start..]
            .iter()
            .filter(|sv| sv.kind == kind)
            .filter(|sv| {
                (query.start.is_none() && query.end.is_none())
                    || period_value(sv, query.field)
                        .is_some_and(|d| params::in_range(d, query.start, query.end))
            })
            .take(query.per_page)
            .map(|sv| {
                last = sv.number_customergauge;
                item(sv, &query.with)
            })
            .collect();
        (items, last)
    });
    respond::json(StatusCode::OK, &app.profile().v7(page(items, last)))
}

/// `PUT /v7/rest/close-loop/status`.
pub(crate) fn close_loop(app: &App, body: &[u8]) -> Response {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_slice::<serde_json::Value>(body)
    else {
        return respond::message(
            StatusCode::BAD_REQUEST,
            "The request body must be a JSON object.",
        );
    };
    let mut errors = Validation::new();
    let id = match map.get("number_customergauge") {
        None | Some(serde_json::Value::Null) => {
            errors.add(
                "number_customergauge",
                "The number customergauge field is required.",
            );
            None
        }
        Some(v) => {
            let id = match v {
                serde_json::Value::Number(n) => n.as_u64(),
                serde_json::Value::String(s) => params::parse_u64(s),
                _ => None,
            };
            if id.is_none() {
                errors.add(
                    "number_customergauge",
                    "The number customergauge field must be an integer.",
                );
            }
            id
        }
    };
    let status = match map.get("status") {
        None | Some(serde_json::Value::Null) => {
            errors.add("status", "The status field is required.");
            None
        }
        Some(serde_json::Value::String(s))
            if ["open", "progress", "closed"].contains(&s.as_str()) =>
        {
            Some(s.clone())
        }
        Some(_) => {
            errors.add("status", "The selected status is invalid.");
            None
        }
    };
    let note = match map.get("note") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Some(_) => {
            errors.add("note", "The note field must be a string.");
            None
        }
    };
    if status.as_deref() == Some("progress")
        && note.is_none()
        && !map
            .get("note")
            .is_some_and(|n| !n.is_string() && !n.is_null())
    {
        errors.add(
            "note",
            "The note field is required when status is progress.",
        );
    }
    let happened_at = match map.get("happened_at") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) if params::parse_datetime(s).is_some() => {
            Some(s.clone())
        }
        Some(_) => {
            errors.add(
                "happened_at",
                "The happened at field must match the format Y-m-d H:i:s.",
            );
            None
        }
    };
    let (Some(id), Some(status)) = (id, status) else {
        return errors.into_response();
    };
    if !errors.is_empty() {
        return errors.into_response();
    }
    let at = happened_at.unwrap_or_else(params::now_string);
    let found = app.store.write(|s| {
        let has_case = match s.survey(id) {
            None => return false,
            Some(survey) => survey.workflow.case.is_some(),
        };
        if !has_case {
            s.counters.case += 1;
        }
        let next_case = s.counters.case;
        let Some(survey) = s.survey_mut(id) else {
            return false;
        };
        survey.workflow.status = Some(status.clone());
        survey.workflow.happened_at = Some(at.clone());
        let case = survey.workflow.case.get_or_insert_with(|| Case {
            id: next_case,
            created_at: at.clone(),
            ..Case::default()
        });
        apply_status(case, &status, &at);
        if let Some(n) = note {
            case.note = Some(n.clone());
            survey.workflow.notes.push(n);
        }
        true
    });
    if !found {
        return respond::message(StatusCode::NOT_FOUND, "Survey not found.");
    }
    respond::json(
        StatusCode::OK,
        &app.profile().v7(Val::obj()
            .with("message", "Status updated.")
            .with("number_customergauge", id)
            .with("status", status)),
    )
}

/// Whole hours from `from` to `to` (both `YYYY-MM-DD HH:MM:SS`), never negative.
fn hours_between(from: &str, to: &str) -> Option<i64> {
    let (a, b) = (params::parse_datetime(from)?, params::parse_datetime(to)?);
    Some((b - a).num_hours().max(0))
}

/// A status change of a case at `at` (art 5000883702): follow-up time runs open ->
/// progress, close time progress -> closed; re-opening clears both.
pub(crate) fn apply_status(case: &mut Case, status: &str, at: &str) {
    match status {
        "open" => {
            case.opened_at = Some(at.to_owned());
            case.progress_at = None;
            case.time_to_follow_up = None;
            case.time_to_close = None;
        }
        "progress" => {
            case.time_to_follow_up = case.opened_at.as_deref().and_then(|o| hours_between(o, at));
            case.progress_at = Some(at.to_owned());
        }
        _ => {
            case.time_to_close = case
                .progress_at
                .as_deref()
                .and_then(|p| hours_between(p, at));
        }
    }
    case.status = status.to_owned();
    case.updated_at = at.to_owned();
}

/// A case as `GET /sync/close-loop` lists it (field names inferred, art 5000880297).
fn case_item(s: &Survey, case: &Case) -> Val {
    Val::obj()
        .with("number_customergauge", s.number_customergauge)
        .with("status", case.status.clone())
        .with("note", Val::opt_str(case.note.as_deref()))
        .with(
            "assigned_to",
            Val::opt_str(s.workflow.assigned_to.as_deref()),
        )
        .with(
            "time_to_follow_up",
            case.time_to_follow_up.map_or(Val::Null, Val::Int),
        )
        .with(
            "time_to_close",
            case.time_to_close.map_or(Val::Null, Val::Int),
        )
        .with("updated_at", case.updated_at.clone())
        .with("created_at", case.created_at.clone())
}

/// `GET /v7/rest/sync/close-loop`: cases in case-id order, `per_page`, integer `cursor`,
/// `updated_at[start]` / `updated_at[end]` (dates, inclusive).
pub(crate) fn cases(app: &App, params: &Params) -> Response {
    let mut errors = Validation::new();
    let per_page = parse_per_page(params, &mut errors);
    let start = parse_date_param(params, "updated_at[start]", "updated_at.start", &mut errors);
    let end = parse_date_param(params, "updated_at[end]", "updated_at.end", &mut errors);
    // The article documents an integer cursor: a bad one fails validation (422) here.
    let after = parse_cursor(params).unwrap_or_else(|_| {
        errors.add("cursor", "The cursor field must be an integer.");
        0
    });
    if !errors.is_empty() {
        return errors.into_response();
    }
    let (items, last) = app.store.read(|s| {
        let mut found: Vec<(&Case, &Survey)> = s
            .surveys
            .iter()
            .filter_map(|sv| sv.workflow.case.as_ref().map(|c| (c, sv)))
            .filter(|(c, _)| c.id > after && params::in_range(&c.updated_at, start, end))
            .collect();
        found.sort_unstable_by_key(|(c, _)| c.id);
        found.truncate(per_page);
        let last = found.last().map_or(after, |(c, _)| c.id);
        let items: Vec<Val> = found.iter().map(|(c, sv)| case_item(sv, c)).collect();
        (items, last)
    });
    respond::json(StatusCode::OK, &app.profile().v7(page(items, last)))
}

/// `{"data": [..], "cursor": {"next": <integer>}}`.
fn page(items: Vec<Val>, last: u64) -> Val {
    Val::obj()
        .with("data", Val::Arr(items))
        .with("cursor", Val::obj().with("next", encode_cursor(last)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trip() {
        for id in [0, 1, 42, i64::MAX as u64] {
            assert_eq!(encode_cursor(id), Val::Int(id as i64));
            assert_eq!(decode_cursor(&id.to_string()), Some(id));
        }
        assert_eq!(
            decode_cursor(&format!("cg1_{:016x}", 7 ^ LEGACY_CURSOR_MASK)),
            Some(7)
        );
        assert_eq!(decode_cursor("abc"), None);
        assert_eq!(decode_cursor("-1"), None);
        assert_eq!(decode_cursor("cg1_zz"), None);
    }

    #[test]
    fn case_times() {
        let mut case = Case::default();
        apply_status(&mut case, "open", "2024-05-01 10:00:00");
        apply_status(&mut case, "progress", "2024-05-01 13:30:00");
        apply_status(&mut case, "closed", "2024-05-03 13:30:00");
        assert_eq!(
            (case.time_to_follow_up, case.time_to_close),
            (Some(3), Some(48))
        );
        apply_status(&mut case, "open", "2024-05-04 00:00:00");
        assert_eq!((case.time_to_follow_up, case.time_to_close), (None, None));
        assert_eq!(case.status, "open");
    }
}
