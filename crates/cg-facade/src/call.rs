//! One facade call over a generated method: tracing span, call record, and the
//! translation of `progenitor_client::Error<E>` (one type per operation) into [`Error`].

use std::future::Future;
use std::time::Duration;

use cg_errors::envelope::{parse_error_body, parse_validation_errors};
use cg_errors::{ApiError, ErrorBody, ErrorCode};
use futures::FutureExt;
use progenitor_client::ResponseValue;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::Format;
use crate::error::{BODY_SNIPPET, Error, Result};
use crate::runtime::{CallRecord, record_call};

/// What a call needs to know of the client.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CallContext {
    pub format: Format,
    pub timeout: Duration,
}

/// A successful answer and what it took.
#[derive(Debug)]
pub(crate) struct Answer<T> {
    pub value: T,
    pub record: CallRecord,
}

/// Runs a generated call and returns its typed value.
///
/// This and [`call_recorded`] are not `async fn`s: one taking the generated future would
/// hold it twice (as its argument and as what it awaits).
pub(crate) fn call<R, E, F>(
    ctx: CallContext,
    operation: &'static str,
    fut: F,
) -> impl Future<Output = Result<R>>
where
    R: DeserializeOwned,
    E: Serialize,
    F: Future<Output = std::result::Result<ResponseValue<R>, progenitor_client::Error<E>>>,
{
    call_recorded(ctx, operation, fut).map(|r| r.map(|a| a.value).map_err(|(e, _)| e))
}

/// Like [`call`], keeping the call record on both paths (bulk import needs the attempts).
// The error is progenitor's, as every generated method returns it.
#[allow(clippy::result_large_err)]
pub(crate) fn call_recorded<R, E, F>(
    ctx: CallContext,
    operation: &'static str,
    fut: F,
) -> impl Future<Output = std::result::Result<Answer<R>, (Error, CallRecord)>>
where
    R: DeserializeOwned,
    E: Serialize,
    F: Future<Output = std::result::Result<ResponseValue<R>, progenitor_client::Error<E>>>,
{
    // Boxed at once, the large generated future is not copied again by each wrapper
    // (task-local scope, span) around it.
    let fut = Box::pin(fut);
    call_recorded_with(ctx, operation, move || {
        fut.map(|r| r.map(ResponseValue::into_inner))
    })
}

/// [`call_recorded`] for the future `make` builds, which yields the value itself; built
/// inside the call's scope and not boxed (a hand-written send whose state is small,
/// e.g. a record import).
pub(crate) async fn call_recorded_with<R, E, Fut>(
    ctx: CallContext,
    operation: &'static str,
    make: impl FnOnce() -> Fut,
) -> std::result::Result<Answer<R>, (Error, CallRecord)>
where
    R: DeserializeOwned,
    E: Serialize,
    Fut: Future<Output = std::result::Result<R, progenitor_client::Error<E>>>,
{
    let span = tracing::info_span!(
        "cg.operation",
        operation,
        status = tracing::field::Empty,
        attempts = tracing::field::Empty
    );
    // The clock is read only for the events below (see `SdkMiddleware::run`).
    let started = tracing::enabled!(tracing::Level::INFO).then(std::time::Instant::now);
    let elapsed_ms = move || started.map_or(0, |t| t.elapsed().as_millis() as u64);
    let (result, record) = record_call(make).instrument(span.clone()).await;
    let outcome = match result {
        Ok(value) => Ok(value),
        // Boxed: an error's conversion (it may read the body) is not part of the state
        // every call carries.
        Err(e) => Box::pin(convert(ctx, operation, e, &record)).await,
    };
    if let Some(status) = record.last_status {
        span.record("status", status);
    }
    span.record("attempts", record.attempts);
    span.in_scope(|| match &outcome {
        Ok(_) => tracing::info!(elapsed_ms = elapsed_ms(), "ok"),
        Err(e) => {
            tracing::info!(elapsed_ms = elapsed_ms(), error = %e, "failed")
        }
    });
    match outcome {
        Ok(value) => Ok(Answer { value, record }),
        Err(e) => Err((e, record)),
    }
}

/// Progenitor's error into ours. XML answers arrive here as undecodable payloads.
async fn convert<R, E>(
    ctx: CallContext,
    operation: &'static str,
    e: progenitor_client::Error<E>,
    record: &CallRecord,
) -> Result<R>
where
    R: DeserializeOwned,
    E: Serialize,
{
    use progenitor_client::Error as P;
    Err(match e {
        P::InvalidRequest(problem) => Error::InvalidInput {
            field: operation.to_string(),
            problem,
        },
        P::Custom(_) if record.auth_timed_out => Error::Timeout {
            operation,
            after: ctx.timeout,
        },
        P::Custom(message) => Error::Auth {
            operation,
            status: None,
            message,
            cause: record.auth_error.clone(),
        },
        P::CommunicationError(source)
        | P::InvalidUpgrade(source)
        | P::ResponseBodyError(source) => transport(ctx, operation, source),
        P::ErrorResponse(answer) => {
            let status = answer.status().as_u16();
            let body = serde_json::to_vec(answer.as_ref()).unwrap_or_default();
            from_error_body(operation, status, &body, record)
        }
        P::InvalidResponsePayload(bytes, problem) => {
            let status = record.last_status;
            if ctx.format == Format::Xml && looks_like_xml(&bytes) {
                return decode_xml(operation, status, &bytes, record);
            }
            Error::Decode {
                operation,
                status,
                problem: problem.to_string(),
                body: snippet(&bytes),
            }
        }
        P::UnexpectedResponse(response) => {
            let status = response.status().as_u16();
            match response.bytes().await {
                Ok(bytes)
                    if ctx.format == Format::Xml
                        && looks_like_xml(&bytes)
                        && (200..300).contains(&status) =>
                {
                    return decode_xml(operation, Some(status), &bytes, record);
                }
                Ok(bytes) => from_error_body(operation, status, &bytes, record),
                Err(source) => transport(ctx, operation, source),
            }
        }
    })
}

fn transport(ctx: CallContext, operation: &'static str, mut source: reqwest::Error) -> Error {
    // A query string may carry personal data (anonymize sends e-mail and phone there).
    if let Some(url) = source.url_mut() {
        url.set_query(None);
    }
    if source.is_timeout() {
        Error::Timeout {
            operation,
            after: ctx.timeout,
        }
    } else {
        Error::Transport {
            operation,
            maybe_sent: !source.is_connect(),
            source,
        }
    }
}

fn looks_like_xml(bytes: &[u8]) -> bool {
    bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<')
}

fn decode_xml<R: DeserializeOwned>(
    operation: &'static str,
    status: Option<u16>,
    bytes: &[u8],
    record: &CallRecord,
) -> Result<R> {
    match status {
        Some(s) if (200..300).contains(&s) => {
            crate::xml::from_slice(bytes).map_err(|e| Error::Decode {
                operation,
                status,
                problem: format!("XML: {e}"),
                body: snippet(bytes),
            })
        }
        _ => Err(from_error_body(
            operation,
            status.unwrap_or(0),
            bytes,
            record,
        )),
    }
}

#[derive(serde::Deserialize)]
struct XmlErrorEnvelope {
    #[serde(rename = "Error")]
    error: XmlErrorInner,
}

#[derive(serde::Deserialize)]
struct XmlErrorInner {
    #[serde(rename = "Message", default)]
    message: String,
    #[serde(rename = "Code")]
    code: String,
}

/// An error answer (JSON of either family, or v4.1 XML) into [`Error`].
pub(crate) fn from_error_body(
    operation: &'static str,
    status: u16,
    body: &[u8],
    record: &CallRecord,
) -> Error {
    let parsed = if looks_like_xml(body) {
        crate::xml::from_slice::<XmlErrorEnvelope>(body)
            .ok()
            .and_then(|e| {
                e.error.code.trim().parse::<u32>().ok().map(|c| {
                    ErrorBody::Api(ApiError {
                        code: ErrorCode::from_code(c),
                        message: e.error.message,
                    })
                })
            })
    } else {
        parse_error_body(body).ok()
    };
    match parsed {
        Some(ErrorBody::Api(api)) if status == 401 => Error::Auth {
            operation,
            status: Some(status),
            message: api.to_string(),
            cause: None,
        },
        Some(ErrorBody::Api(api)) => Error::Api {
            operation,
            status,
            code: api.code,
            message: api.message,
        },
        // A busy or failing service may send its message in the imports shape: still a
        // transient failure, not a refusal of the input.
        Some(ErrorBody::Validation(_)) if status == 429 || status >= 500 => Error::Http {
            operation,
            status,
            retry_after: record.retry_after,
        },
        Some(ErrorBody::Validation(v)) if status == 401 => Error::Auth {
            operation,
            status: Some(status),
            message: v.message,
            cause: None,
        },
        Some(ErrorBody::Validation(v)) => Error::Validation {
            operation,
            status,
            message: v.message,
            errors: v.errors,
        },
        None if status == 401 => Error::Auth {
            operation,
            status: Some(401),
            message: "the service refused the credentials".into(),
            cause: None,
        },
        None if status == 429 || status >= 500 => Error::Http {
            operation,
            status,
            retry_after: record.retry_after,
        },
        None if (400..500).contains(&status) => match parse_validation_errors(body) {
            Ok(v) => Error::Validation {
                operation,
                status,
                message: v.message,
                errors: v.errors,
            },
            Err(e) => Error::Decode {
                operation,
                status: Some(status),
                problem: e.problem,
                body: snippet(body),
            },
        },
        None => Error::Http {
            operation,
            status,
            retry_after: record.retry_after,
        },
    }
}

pub(crate) fn snippet(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .chars()
        .take(BODY_SNIPPET)
        .collect()
}
