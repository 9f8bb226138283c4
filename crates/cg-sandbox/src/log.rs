//! The request log: what each host family was asked and what it answered.

use std::collections::VecDeque;
use std::sync::Mutex;

use axum::http::{HeaderMap, header};
use serde::{Deserialize, Serialize};

/// The three host families of the CustomerGauge API; each gets its own listener.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// `api.{region}.customergauge.com`: `/v4.1/...` and `/v7/rest/...`.
    Api,
    /// `imports.api.{region}.customergauge.com`: `/records/`, `/accounts`.
    Imports,
    /// `auth.{region}.customergauge.com`: `/oauth2/token`.
    Auth,
}

/// The kind of credentials a request carried (never the secret itself).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthKind {
    /// No `Authorization` header.
    None,
    /// `Authorization: Bearer ..`.
    Bearer,
    /// `Authorization: api_key ..`.
    ApiKey,
    /// Any other `Authorization` header (e.g. `Basic`).
    Other,
}

impl AuthKind {
    /// The kind of the `Authorization` header in `headers`.
    pub fn of(headers: &HeaderMap) -> AuthKind {
        let Some(value) = headers.get(header::AUTHORIZATION) else {
            return AuthKind::None;
        };
        let text = value.to_str().unwrap_or("");
        let scheme = text.split_whitespace().next().unwrap_or("");
        if scheme.eq_ignore_ascii_case("bearer") {
            AuthKind::Bearer
        } else if scheme.eq_ignore_ascii_case("api_key") {
            AuthKind::ApiKey
        } else {
            AuthKind::Other
        }
    }
}

/// One request as the sandbox saw it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggedRequest {
    /// The listener it arrived on.
    pub family: Family,
    /// HTTP method.
    pub method: String,
    /// Path, without the query string.
    pub path: String,
    /// Query string, if any (values of keys such as `client_secret` or `token` redacted).
    pub query: Option<String>,
    /// Status answered; `0` when a fault closed the connection without answering.
    pub status: u16,
    /// Kind of credentials sent.
    pub auth: AuthKind,
    /// The injected fault, if any (see [`crate::Fault`]), e.g. `status 503`, `drop`.
    pub fault: Option<String>,
}

/// Query keys whose values never reach the log.
const SECRET_KEYS: [&str; 7] = [
    "client_secret",
    "access_token",
    "api_key",
    "apikey",
    "token",
    "password",
    "secret",
];

/// The query string as logged: values of secret-looking keys become `REDACTED`.
pub(crate) fn redact_query(query: &str) -> String {
    let lower = query.to_ascii_lowercase();
    if !SECRET_KEYS.iter().any(|k| lower.contains(k)) {
        return query.to_owned();
    }
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if SECRET_KEYS.iter().any(|k| key.eq_ignore_ascii_case(k)) => {
                format!("{key}=REDACTED")
            }
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A bounded log (oldest entries go first once `capacity` is reached).
#[derive(Debug)]
pub(crate) struct RequestLog {
    entries: Mutex<VecDeque<LoggedRequest>>,
    capacity: usize,
}

impl RequestLog {
    pub(crate) fn new(capacity: usize) -> RequestLog {
        RequestLog {
            entries: Mutex::new(VecDeque::new()),
            capacity,
        }
    }

    pub(crate) fn push(&self, entry: LoggedRequest) {
        if self.capacity == 0 {
            return;
        }
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if entries.len() >= self.capacity {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    pub(crate) fn snapshot(&self) -> Vec<LoggedRequest> {
        let entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        entries.iter().cloned().collect()
    }

    pub(crate) fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::redact_query;

    #[test]
    fn secrets_are_redacted() {
        assert_eq!(redact_query("start=0&limit=5"), "start=0&limit=5");
        assert_eq!(
            redact_query("client_id=a&client_secret=b&Token=c&tokens=d"),
            "client_id=a&client_secret=REDACTED&Token=REDACTED&tokens=d"
        );
    }
}
