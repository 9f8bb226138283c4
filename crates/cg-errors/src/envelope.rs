//! The two error bodies the service sends, parsed into typed values.
//!
//! - v4.1: `{"Error":{"Message":"...","Code":400184}}`, `Code` as a number or a string.
//! - imports and v7: `{"message":"...","errors":{"<field>":["..."]}}`, `errors` optional.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde_json::Value;

use crate::ErrorCode;

/// How much of an unreadable body an [`EnvelopeError`] keeps.
const SNIPPET_LEN: usize = 200;

/// A v4.1 error: the table's code and the service's message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// The code, [`ErrorCode::Unknown`] when the table does not list it.
    pub code: ErrorCode,
    /// The message as sent (may differ in wording from the table's reason).
    pub message: String,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code.code(), self.message)
    }
}

/// An imports or v7 error: a message and, for 422 answers, messages per field.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ValidationErrors {
    /// The summary message, e.g. `The Email field must be a valid email address.`
    pub message: String,
    /// Field name to its messages, in field-name order.
    pub errors: BTreeMap<String, Vec<String>>,
}

impl ValidationErrors {
    /// The CG-ID named by a "duplicates with `<CG-ID>`" answer: the record was already
    /// imported (by an earlier attempt or within the duplication rule's window).
    pub fn duplicate_of(&self) -> Option<&str> {
        let messages = self.errors.get("duplicate")?;
        messages.iter().find_map(|m| {
            let rest = m.split("duplicates with ").nth(1)?;
            let id = rest.trim().trim_end_matches('.').trim();
            (!id.is_empty()).then_some(id)
        })
    }

    /// The messages for one field, empty when it has none.
    pub fn field(&self, name: &str) -> &[String] {
        self.errors.get(name).map(Vec::as_slice).unwrap_or(&[])
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        for (field, messages) in &self.errors {
            write!(f, "; {field}: {}", messages.join(" "))?;
        }
        Ok(())
    }
}

/// Either error family, for callers that do not know which one a host speaks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorBody {
    /// The v4.1 `{"Error":{...}}` body.
    Api(ApiError),
    /// The imports/v7 `{"message":...}` body.
    Validation(ValidationErrors),
}

/// A body that is not the error envelope it was expected to be.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{problem} (body starts: {snippet:?})")]
pub struct EnvelopeError {
    /// What is wrong, e.g. "`Error.Code` is not a number".
    pub problem: String,
    /// The first bytes of the body, lossily decoded.
    pub snippet: String,
}

impl EnvelopeError {
    fn new(problem: impl Into<String>, body: &[u8]) -> Self {
        let text = String::from_utf8_lossy(body);
        let snippet: String = text.chars().take(SNIPPET_LEN).collect();
        EnvelopeError {
            problem: problem.into(),
            snippet,
        }
    }
}

/// A code sent as `400184`, `"400184"` or `" 400184 "`.
pub fn parse_code(value: &Value) -> Option<u32> {
    match value {
        Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Parses a v4.1 error body.
pub fn parse_api_error(body: &[u8]) -> Result<ApiError, EnvelopeError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| EnvelopeError::new(format!("not JSON: {e}"), body))?;
    api_error_from_value(&value).map_err(|problem| EnvelopeError::new(problem, body))
}

fn api_error_from_value(value: &Value) -> Result<ApiError, String> {
    let error = value
        .get("Error")
        .and_then(Value::as_object)
        .ok_or("no `Error` object")?;
    let code = error.get("Code").ok_or("`Error.Code` is missing")?;
    let code = parse_code(code).ok_or_else(|| format!("`Error.Code` is not a code: {code}"))?;
    let message = match error.get("Message") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    Ok(ApiError {
        code: ErrorCode::from_code(code),
        message,
    })
}

#[derive(Deserialize)]
struct RawValidation {
    message: String,
    #[serde(default)]
    errors: Option<BTreeMap<String, OneOrMany>>,
}

/// Field messages come as a list; a bare string is accepted too.
#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    Many(Vec<String>),
    One(String),
}

/// Parses an imports or v7 error body.
pub fn parse_validation_errors(body: &[u8]) -> Result<ValidationErrors, EnvelopeError> {
    let raw: RawValidation = serde_json::from_slice(body)
        .map_err(|e| EnvelopeError::new(format!("not an imports error body: {e}"), body))?;
    let errors = raw
        .errors
        .unwrap_or_default()
        .into_iter()
        .map(|(field, messages)| {
            let messages = match messages {
                OneOrMany::Many(m) => m,
                OneOrMany::One(m) => vec![m],
            };
            (field, messages)
        })
        .collect();
    Ok(ValidationErrors {
        message: raw.message,
        errors,
    })
}

/// Parses either family, recognising it by its keys.
pub fn parse_error_body(body: &[u8]) -> Result<ErrorBody, EnvelopeError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| EnvelopeError::new(format!("not JSON: {e}"), body))?;
    if value.get("Error").is_some() {
        return api_error_from_value(&value)
            .map(ErrorBody::Api)
            .map_err(|problem| EnvelopeError::new(problem, body));
    }
    if value.get("message").is_some() {
        return parse_validation_errors(body).map(ErrorBody::Validation);
    }
    Err(EnvelopeError::new(
        "neither an `Error` nor a `message` error body",
        body,
    ))
}
