//! Answers: an ordered value type, the v4.1 `Data` / `Error` envelopes in JSON or XML,
//! and the imports / v7 / OAuth JSON bodies.

use std::borrow::Cow;
use std::fmt::Write as _;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use cg_errors::ErrorCode;
use serde::ser::{SerializeMap, SerializeSeq};

/// A JSON-like value whose objects keep their key order (so XML elements come out in a
/// stable, documented order).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Val {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Arr(Vec<Val>),
    Obj(Vec<(Cow<'static, str>, Val)>),
}

impl Val {
    /// An empty object to add keys to.
    pub(crate) fn obj() -> Val {
        Val::Obj(Vec::new())
    }

    /// Adds a key (builder style); no-op on anything but an object.
    pub(crate) fn with(mut self, key: impl Into<Cow<'static, str>>, value: impl Into<Val>) -> Val {
        if let Val::Obj(entries) = &mut self {
            entries.push((key.into(), value.into()));
        }
        self
    }

    /// A string value, or JSON `null` when absent.
    pub(crate) fn opt_str(value: Option<&str>) -> Val {
        value.map_or(Val::Null, |v| Val::Str(v.to_owned()))
    }
}

impl From<&str> for Val {
    fn from(v: &str) -> Val {
        Val::Str(v.to_owned())
    }
}
impl From<String> for Val {
    fn from(v: String) -> Val {
        Val::Str(v)
    }
}
impl From<&String> for Val {
    fn from(v: &String) -> Val {
        Val::Str(v.clone())
    }
}
impl From<bool> for Val {
    fn from(v: bool) -> Val {
        Val::Bool(v)
    }
}
impl From<i64> for Val {
    fn from(v: i64) -> Val {
        Val::Int(v)
    }
}
impl From<u64> for Val {
    fn from(v: u64) -> Val {
        Val::Int(i64::try_from(v).unwrap_or(i64::MAX))
    }
}
impl From<f64> for Val {
    fn from(v: f64) -> Val {
        Val::Float(v)
    }
}
impl From<Vec<Val>> for Val {
    fn from(v: Vec<Val>) -> Val {
        Val::Arr(v)
    }
}

impl serde::Serialize for Val {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Val::Null => s.serialize_unit(),
            Val::Bool(b) => s.serialize_bool(*b),
            Val::Int(i) => s.serialize_i64(*i),
            Val::Float(f) if f.is_finite() => s.serialize_f64(*f),
            Val::Float(_) => s.serialize_unit(),
            Val::Str(v) => s.serialize_str(v),
            Val::Arr(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Val::Obj(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k.as_ref(), v)?;
                }
                map.end()
            }
        }
    }
}

/// The answer format of a v4.1 request, picked by the path suffix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    Json,
    Xml,
}

/// Serializes `value` under a root element; see the crate README for the mapping.
pub(crate) fn to_xml(root: &str, value: &Val) -> String {
    let mut out = String::with_capacity(256);
    out.push_str(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    write_xml(&mut out, root, value);
    out
}

fn write_xml(out: &mut String, name: &str, value: &Val) {
    let name = xml_name(name);
    match value {
        Val::Null => {
            let _ = write!(out, "<{name}/>");
        }
        Val::Arr(items) => {
            let _ = write!(out, "<{name}>");
            for item in items {
                write_xml(out, "item", item);
            }
            let _ = write!(out, "</{name}>");
        }
        Val::Obj(entries) => {
            let _ = write!(out, "<{name}>");
            for (k, v) in entries {
                write_xml(out, k, v);
            }
            let _ = write!(out, "</{name}>");
        }
        scalar => {
            let text = scalar_text(scalar);
            let _ = write!(
                out,
                "<{name}>{}</{name}>",
                quick_xml::escape::escape(text.as_ref())
            );
        }
    }
}

fn scalar_text(value: &Val) -> Cow<'_, str> {
    match value {
        Val::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
        Val::Int(i) => Cow::Owned(i.to_string()),
        Val::Float(f) => Cow::Owned(f.to_string()),
        Val::Str(s) => Cow::Borrowed(s.as_str()),
        _ => Cow::Borrowed(""),
    }
}

/// Element names: letters, digits, `_`, `-`, `.`; anything else becomes `_`, and a name
/// that does not start with a letter or `_` gets a leading `_`.
fn xml_name(key: &str) -> Cow<'_, str> {
    let valid_start = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    let valid_rest = key
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if valid_start && valid_rest {
        return Cow::Borrowed(key);
    }
    let mut name = String::with_capacity(key.len() + 1);
    if !valid_start {
        name.push('_');
    }
    for c in key.chars() {
        name.push(
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '_'
            },
        );
    }
    Cow::Owned(name)
}

/// A response with a body and a content type.
pub(crate) fn raw(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Body>,
) -> Response {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// A response without a body.
pub(crate) fn empty(status: StatusCode) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
    response
}

/// A JSON response.
pub(crate) fn json(status: StatusCode, value: &Val) -> Response {
    let body = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
    raw(status, "application/json", body)
}

/// A v4.1 success answer: `{"Data": value}` / `<Data>...</Data>`.
pub(crate) fn v41_data(format: Format, value: Val) -> Response {
    match format {
        Format::Json => json(StatusCode::OK, &Val::obj().with("Data", value)),
        Format::Xml => raw(StatusCode::OK, "application/xml", to_xml("Data", &value)),
    }
}

/// A v4.1 error: a code of the table, its HTTP status, and its reason as the message
/// unless another message is given.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ApiError {
    pub(crate) code: ErrorCode,
    pub(crate) message: Option<Cow<'static, str>>,
}

impl ApiError {
    pub(crate) fn new(code: ErrorCode) -> ApiError {
        ApiError {
            code,
            message: None,
        }
    }

    pub(crate) fn with_message(code: ErrorCode, message: impl Into<Cow<'static, str>>) -> ApiError {
        ApiError {
            code,
            message: Some(message.into()),
        }
    }

    pub(crate) fn message(&self) -> Cow<'static, str> {
        match &self.message {
            Some(m) => m.clone(),
            None => Cow::Borrowed(self.code.reason().unwrap_or("Error")),
        }
    }

    pub(crate) fn status(&self) -> StatusCode {
        self.code
            .http_status()
            .and_then(|s| StatusCode::from_u16(s).ok())
            .unwrap_or(StatusCode::BAD_REQUEST)
    }

    pub(crate) fn into_response(self, format: Format) -> Response {
        v41_error(
            format,
            self.status(),
            &self.message(),
            i64::from(self.code.code()),
        )
    }
}

impl From<ErrorCode> for ApiError {
    fn from(code: ErrorCode) -> ApiError {
        ApiError::new(code)
    }
}

/// `{"Error":{"Message":..,"Code":..}}` / `<Error><Message/><Code/></Error>`.
pub(crate) fn v41_error(format: Format, status: StatusCode, message: &str, code: i64) -> Response {
    let inner = Val::obj().with("Message", message).with("Code", code);
    match format {
        Format::Json => json(status, &Val::obj().with("Error", inner)),
        Format::Xml => raw(status, "application/xml", to_xml("Error", &inner)),
    }
}

/// The result type of v4.1 handlers: the `Data` payload or an error.
pub(crate) type V41Result = Result<Val, ApiError>;

/// `{"message": ..}` (imports, v7, and the not-found answers outside v4.1).
pub(crate) fn message(status: StatusCode, text: &str) -> Response {
    json(status, &Val::obj().with("message", text))
}

/// Laravel-style validation errors: each entry is (field, message in `errors`, message
/// used when this error comes first in the top-level `message`).
#[derive(Debug, Default)]
pub(crate) struct Validation {
    entries: Vec<(String, String, String)>,
}

impl Validation {
    pub(crate) fn new() -> Validation {
        Validation::default()
    }

    pub(crate) fn add(&mut self, field: impl Into<String>, text: impl Into<String>) {
        let text = text.into();
        self.entries.push((field.into(), text.clone(), text));
    }

    /// An error whose top-level summary differs from its field message (the vendor's
    /// "configuration invalid" example does this).
    pub(crate) fn add_with_summary(
        &mut self,
        field: impl Into<String>,
        text: impl Into<String>,
        summary: impl Into<String>,
    ) {
        self.entries
            .push((field.into(), text.into(), summary.into()));
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// `422 {"message": first (and N more errors), "errors": {field: [..]}}`.
    pub(crate) fn into_response(self) -> Response {
        let mut summary = self
            .entries
            .first()
            .map(|e| e.2.clone())
            .unwrap_or_default();
        let more = self.entries.len().saturating_sub(1);
        if more > 0 {
            let noun = if more == 1 { "error" } else { "errors" };
            let _ = write!(summary, " (and {more} more {noun})");
        }
        let mut fields: Vec<(Cow<'static, str>, Val)> = Vec::new();
        for (field, text, _) in self.entries {
            match fields.iter_mut().find(|(k, _)| k.as_ref() == field) {
                Some((_, Val::Arr(list))) => list.push(Val::Str(text)),
                _ => fields.push((Cow::Owned(field), Val::Arr(vec![Val::Str(text)]))),
            }
        }
        json(
            StatusCode::UNPROCESSABLE_ENTITY,
            &Val::obj()
                .with("message", summary)
                .with("errors", Val::Obj(fields)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_mapping() {
        let v = Val::obj()
            .with("id", "2")
            .with("list", vec![Val::from(1_i64), Val::Null])
            .with("Account Name", "A&B");
        assert_eq!(
            to_xml("Data", &v),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Data><id>2</id><list><item>1</item><item/></list>\
             <Account_Name>A&amp;B</Account_Name></Data>"
        );
        assert_eq!(xml_name("1abc"), "_1abc");
    }

    #[test]
    fn json_keeps_order() {
        let v = Val::obj().with("Message", "m").with("Code", 1_i64);
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            r#"{"Message":"m","Code":1}"#
        );
    }
}
