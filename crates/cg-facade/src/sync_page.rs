//! One page of a v7 cursor listing (`{"data": [..], "cursor": {"next": ..}}`), read
//! leniently: the items as the facade's tolerant models, the cursor as it came.

use cg_auth::HostFamily;
use progenitor_client::ClientInfo;
use serde_json::Value;

use crate::call::{call, send_request};
use crate::client::raw_client;
use crate::lenient::{self, Item};
use crate::paging::{Cursor, Page};
use crate::{Client, Result};

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
