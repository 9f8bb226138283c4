//! `/v4.1/lists/unsubscribe` (GET, POST) and `/v4.1/lists/bounce` (GET).

use cg_errors::ErrorCode;

use crate::app::App;
use crate::params::{self, Params};
use crate::respond::{ApiError, V41Result, Val};
use crate::state::Unsubscribe;

/// Unsubscribe listing page size (fixed by the service).
pub(crate) const UNSUBSCRIBE_PAGE: usize = 100;
/// Default and maximum `limit`.
pub(crate) const MAX_LIMIT: usize = 1000;

/// `start`: a non-negative offset, default 0.
pub(crate) fn start(params: &Params) -> Result<usize, ApiError> {
    match params.non_empty("start") {
        None => Ok(0),
        Some(v) => params::parse_u64(v)
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| invalid("start must be a non-negative integer")),
    }
}

/// `limit`: 1 to 1000, default 1000.
pub(crate) fn limit(params: &Params) -> Result<usize, ApiError> {
    match params.non_empty("limit") {
        None => Ok(MAX_LIMIT),
        Some(v) => params::parse_u64(v)
            .and_then(|n| usize::try_from(n).ok())
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| invalid("limit must be an integer from 1 to 1000")),
    }
}

/// 300001 with a hint.
pub(crate) fn invalid(hint: &str) -> ApiError {
    ApiError::with_message(
        ErrorCode::InvalidArguments,
        format!("Invalid arguments supplied: {hint}"),
    )
}

pub(crate) fn date_range(
    params: &Params,
) -> Result<(Option<chrono::NaiveDate>, Option<chrono::NaiveDate>), ApiError> {
    params::date_range(params).map_err(|()| invalid("dates must be YYYY-MM-DD"))
}

fn no_record() -> ApiError {
    ApiError::with_message(ErrorCode::ListsRecordNotFound, "Record does not exist")
}

/// `GET /lists/unsubscribe`.
pub(crate) fn list_unsubscribes(app: &App, params: &Params) -> V41Result {
    let (from, to) = date_range(params)?;
    let start = start(params)?;
    let page: Vec<Val> = app.store.read(|s| {
        s.unsubscribes
            .iter()
            .filter(|u| params::in_range(&u.date, from, to))
            .skip(start)
            .take(UNSUBSCRIBE_PAGE)
            .map(|u| Val::obj().with("Email", &u.email).with("Date", &u.date))
            .collect()
    });
    if page.is_empty() {
        return Err(no_record());
    }
    Ok(Val::Arr(page))
}

/// `POST /lists/unsubscribe`.
pub(crate) fn add_unsubscribe(app: &App, params: &Params) -> V41Result {
    let Some(email) = params.non_empty("email") else {
        return Err(ApiError::new(ErrorCode::ListsEmailRequired));
    };
    if !params::is_valid_email(email) {
        return Err(invalid("email is not a valid e-mail address"));
    }
    app.store.write(|s| {
        if s.is_unsubscribed(email) {
            return Err(ApiError::new(ErrorCode::ListsEmailAlreadyUnsubscribed));
        }
        s.unsubscribes.push(Unsubscribe {
            email: email.to_owned(),
            date: params::now_string(),
        });
        s.index_unsubscribe(email);
        Ok(())
    })?;
    Ok(Val::obj().with("Message", "Record added"))
}

/// `GET /lists/bounce`.
pub(crate) fn list_bounces(app: &App, params: &Params) -> V41Result {
    let (from, to) = date_range(params)?;
    let start = start(params)?;
    let limit = limit(params)?;
    let page: Vec<Val> = app.store.read(|s| {
        s.bounces
            .iter()
            .filter(|b| params::in_range(&b.date, from, to))
            .skip(start)
            .take(limit)
            .map(|b| {
                Val::obj()
                    .with("Email", &b.email)
                    .with("Type", &b.kind)
                    .with("Reason", &b.reason)
                    .with("Date", &b.date)
            })
            .collect()
    });
    if page.is_empty() {
        return Err(no_record());
    }
    Ok(Val::Arr(page))
}
