//! One page of a v7 cursor listing (`{"data": [..], "cursor": {"next": ..}}`), read
//! leniently: the items as the facade's tolerant models, the cursor as it came.

use std::future::Future;

use cg_raw_sync::types::IntOrString;
use progenitor_client::ResponseValue;
use serde_json::Value;

use crate::call::{CallContext, call};
use crate::lenient::{self, Item};
use crate::paging::{Cursor, CursorPage, Page};
use crate::{Error, Result};

/// The v7 envelope. Only `data` is required: an answer without it is not a page.
#[derive(serde::Deserialize)]
pub(crate) struct Envelope {
    #[serde(deserialize_with = "lenient::data_list")]
    data: Vec<Value>,
    #[serde(default)]
    cursor: Value,
}

impl Envelope {
    /// `cursor.next`; a missing, null or blank cursor (or one not in an object) is none.
    fn next(&self) -> Option<Cursor> {
        let next = self.cursor.get("next")?.clone();
        Some(Cursor::from(next)).filter(|c| !c.is_empty())
    }
}

/// Reads one page of a v7 sync listing sent by a generated `*_as` method.
pub(crate) async fn cursor_page<T, F>(
    ctx: CallContext,
    operation: cg_auth::Operation,
    answer: F,
) -> Result<Page<T>>
where
    T: Item,
    F: Future<Output = std::result::Result<ResponseValue<Envelope>, progenitor_client::Error<()>>>,
{
    let envelope: Envelope = call(ctx, operation.id, answer).await?;
    let next = envelope.next();
    Ok(Page {
        items: lenient::items(envelope.data),
        next,
    })
}

/// The page's cursor as the generated query takes it: an integer cursor stays an
/// integer, any other is sent as its text.
pub(crate) fn wire_cursor(at: &CursorPage) -> Option<IntOrString> {
    at.cursor.as_ref().map(|c| match c.as_json().as_i64() {
        Some(n) => IntOrString::Int64(n),
        None => IntOrString::String(c.to_string()),
    })
}

/// The checks every v7 cursor listing makes before its first request: `per_page`
/// within `1..=max`, `since` not after `until`.
pub(crate) fn check_window(
    per_page: u32,
    max: u32,
    since: Option<chrono::NaiveDate>,
    until: Option<chrono::NaiveDate>,
) -> Result<()> {
    if per_page == 0 || per_page > max {
        return Err(Error::invalid(
            "per_page",
            format!("{per_page} is outside 1..={max}"),
        ));
    }
    if let (Some(since), Some(until)) = (since, until)
        && since > until
    {
        return Err(Error::invalid(
            "since",
            format!("{since} is after until {until}"),
        ));
    }
    Ok(())
}
