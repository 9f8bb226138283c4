//! Reading what the service sends loosely typed: numbers as numbers or strings, blank
//! text for "not set", and "no records" error codes where a listing is simply empty.

use std::fmt::Display;
use std::future::Future;
use std::str::FromStr;

use cg_errors::ErrorCode;
use progenitor_client::ResponseValue;
use serde_json::Value;

use crate::call::{CallContext, call};
use crate::error::{Error, Result};
use crate::lenient::{self, Item};

/// The status of an answer decoded after the call succeeded: the v4.1 API answers
/// every success with 200, so a model-level decode error names it.
pub(crate) const SUCCESS_STATUS: Option<u16> = Some(200);

/// `{"Data": ..}` with any payload, for answers read leniently (uploads, stream).
#[derive(serde::Deserialize)]
pub(crate) struct DataEnvelope {
    #[serde(rename = "Data", default)]
    pub data: Option<serde_json::Value>,
}

/// A number sent as a number or a numeric string; absent or blank is `None`.
pub(crate) fn number<T: FromStr>(
    operation: &'static str,
    field: &str,
    value: Option<impl Display>,
) -> Result<Option<T>> {
    let Some(value) = value else { return Ok(None) };
    let text = value.to_string();
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    trimmed.parse().map(Some).map_err(|_| Error::Decode {
        operation,
        status: SUCCESS_STATUS,
        problem: format!("{field} {text:?} is not a whole number in range"),
        body: text.clone(),
    })
}

/// Like [`number`], for a value the answer must carry.
pub(crate) fn required<T: FromStr>(
    operation: &'static str,
    field: &str,
    value: Option<impl Display>,
) -> Result<T> {
    number(operation, field, value)?.ok_or_else(|| Error::Decode {
        operation,
        status: SUCCESS_STATUS,
        problem: format!("{field} is missing"),
        body: String::new(),
    })
}

/// `{"Data": [..]}` of a v4.1 listing; only an answer without `Data` fails.
#[derive(serde::Deserialize)]
pub(crate) struct DataList {
    #[serde(rename = "Data", deserialize_with = "lenient::data_list")]
    data: Vec<Value>,
}

/// Reads a v4.1 listing sent by a generated `*_as` method tolerantly; "no records" is
/// an empty listing.
pub(crate) async fn read_list<T, F>(
    ctx: CallContext,
    operation: cg_auth::Operation,
    answer: F,
) -> Result<Vec<T>>
where
    T: Item,
    F: Future<Output = std::result::Result<ResponseValue<DataList>, progenitor_client::Error<()>>>,
{
    let answer = call(ctx, operation.id, answer).await;
    Ok(lenient::items(empty_when_none(answer.map(|l| l.data))?))
}

/// Whether an error is the service's way of saying "nothing (more) here".
pub(crate) fn is_no_records(e: &Error) -> bool {
    matches!(
        e.code(),
        Some(
            ErrorCode::ListsRecordNotFound
                | ErrorCode::FileNoDataFound
                | ErrorCode::TransactionRecordNotFound
        )
    )
}

/// An empty listing where the service answers "no records".
pub(crate) fn empty_when_none<T>(result: Result<Vec<T>>) -> Result<Vec<T>> {
    match result {
        Err(e) if is_no_records(&e) => Ok(Vec::new()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_sent() {
        assert_eq!(number::<u64>("op", "id", Some("12")).unwrap(), Some(12));
        assert_eq!(number::<u64>("op", "id", Some(" 7 ")).unwrap(), Some(7));
        assert_eq!(number::<u64>("op", "id", Some("")).unwrap(), None);
        assert_eq!(number::<u64>("op", "id", None::<&str>).unwrap(), None);
        let e = number::<u64>("op", "id", Some("-3"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("op") && e.contains("id \"-3\""), "{e}");
        assert!(number::<u8>("op", "level", Some(300)).is_err());
        assert!(
            required::<u64>("op", "id", None::<u64>)
                .unwrap_err()
                .to_string()
                .contains("id is missing")
        );
    }
}
