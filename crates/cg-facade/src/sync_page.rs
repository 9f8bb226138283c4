//! One page of a v7 cursor listing (`{"data": [..], "cursor": {"next": ..}}`), read
//! leniently: the items as the facade's tolerant models, the cursor as it came.

use cg_auth::HostFamily;
use progenitor_client::ClientInfo;
use serde_json::Value;

use crate::call::{call, send_request};
use crate::client::raw_client;
use crate::lenient::{self, Item};
use crate::paging::{Cursor, Page};
use crate::{Client, Error, Result};

/// The v7 envelope. Only `data` is required: an answer without it is not a page.
#[derive(serde::Deserialize)]
struct Envelope {
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

/// GETs one page of `path` (a v7 sync listing) with `query`.
pub(crate) async fn cursor_page<T: Item>(
    client: &Client,
    operation: cg_auth::Operation,
    path: &str,
    query: &[(&str, String)],
) -> Result<Page<T>> {
    let raw = raw_client!(client, cg_raw_sync, HostFamily::Api);
    let request = raw
        .client()
        .get(format!("{}{path}", raw.baseurl()))
        .query(query);
    let envelope: Envelope = call(
        client.ctx(),
        operation.id,
        send_request(&raw, operation, request),
    )
    .await?;
    let next = envelope.next();
    Ok(Page {
        items: lenient::items(envelope.data),
        next,
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

/// `per_page` and, past the first page, `cursor` (sent as its text: an integer as its
/// digits): the start of every v7 page's query.
pub(crate) fn page_query(per_page: u32, cursor: Option<Cursor>) -> Vec<(&'static str, String)> {
    let mut query = vec![("per_page", per_page.to_string())];
    if let Some(cursor) = cursor {
        query.push(("cursor", cursor.to_string()));
    }
    query
}
