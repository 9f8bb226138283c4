//! The one error type of the SDK.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use cg_errors::ErrorCode;

/// How much of an unreadable body a [`Error::Decode`] keeps.
pub(crate) const BODY_SNIPPET: usize = 300;

/// Everything that can go wrong in a call. Never contains a secret or a token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input was refused before anything was sent.
    #[error("invalid {field}: {problem}")]
    InvalidInput {
        /// The argument or field at fault.
        field: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The connection failed. `maybe_sent` says whether the server may have received the request.
    #[error("{operation}: transport error ({}): {source}", if *.maybe_sent { "the request may have been sent" } else { "the request was not sent" })]
    Transport {
        /// The operationId.
        operation: &'static str,
        /// Whether the request may have reached the server.
        maybe_sent: bool,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// No answer within the configured timeout (the request may have been sent).
    #[error("{operation}: no answer within {after:?} (the request may have been sent)")]
    Timeout {
        /// The operationId.
        operation: &'static str,
        /// The timeout that elapsed.
        after: Duration,
    },
    /// The service answered with an error code of its table.
    #[error("{operation}: HTTP {status}: {code} ({message})", code = .code.code())]
    Api {
        /// The operationId.
        operation: &'static str,
        /// The HTTP status.
        status: u16,
        /// The code from the body.
        code: ErrorCode,
        /// The message from the body.
        message: String,
    },
    /// The imports or v7 API refused the input (HTTP 422), with messages per field.
    #[error("{operation}: HTTP {status}: {message}{}", field_summary(.errors))]
    Validation {
        /// The operationId.
        operation: &'static str,
        /// The HTTP status (422, or 400 for v7).
        status: u16,
        /// The summary message.
        message: String,
        /// Field name to messages.
        errors: BTreeMap<String, Vec<String>>,
    },
    /// Credentials could not be obtained or were refused.
    #[error("{operation}: authentication failed: {message}")]
    Auth {
        /// The operationId.
        operation: &'static str,
        /// The HTTP status when the service refused the credentials (401).
        status: Option<u16>,
        /// What happened (never a secret).
        message: String,
        /// The typed cause when getting or attaching the credentials failed (token
        /// endpoint refusal or failure, missing credentials); `None` for a 401 of the API.
        #[source]
        cause: Option<cg_auth::AuthError>,
    },
    /// An answer with a status the API does not document, without a readable error body.
    #[error("{operation}: unexpected HTTP {status}{}", retry_after.map(|d| format!(" (retry after {d:?})")).unwrap_or_default())]
    Http {
        /// The operationId.
        operation: &'static str,
        /// The HTTP status.
        status: u16,
        /// The server's Retry-After, when it sent one.
        retry_after: Option<Duration>,
    },
    /// An answer that could not be decoded. The body's start is kept for diagnosis but
    /// is not part of the message (it may hold personal data): see [`Error::body_excerpt`].
    #[error("{operation}: could not decode the answer (HTTP {}): {problem}", status.map(|s| s.to_string()).unwrap_or_else(|| "status unknown".into()))]
    Decode {
        /// The operationId.
        operation: &'static str,
        /// The HTTP status, when known.
        status: Option<u16>,
        /// What was wrong.
        problem: String,
        /// The start of the body.
        body: String,
    },
    /// The client could not be configured.
    #[error("configuration: {0}")]
    Config(String),
    /// A bulk import's journal could not be written (the record was not sent), or an
    /// earlier run's failure read back from it.
    #[error("journal: {0}")]
    Journal(String),
}

fn field_summary(errors: &BTreeMap<String, Vec<String>>) -> String {
    if errors.is_empty() {
        return String::new();
    }
    let fields: Vec<String> = errors
        .iter()
        .map(|(f, m)| format!("{f}: {}", m.join(" ")))
        .collect();
    format!(" [{}]", fields.join("; "))
}

impl Error {
    /// The service's error code, when it sent one.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Error::Api { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// The HTTP status of the answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. }
            | Error::Validation { status, .. }
            | Error::Http { status, .. } => Some(*status),
            Error::Auth { status, .. } | Error::Decode { status, .. } => *status,
            _ => None,
        }
    }

    /// The message: the service's, or a description of what failed.
    pub fn message(&self) -> String {
        match self {
            Error::Api { message, .. }
            | Error::Validation { message, .. }
            | Error::Auth { message, .. } => message.clone(),
            other => other.to_string(),
        }
    }

    /// The operationId the error belongs to, when it belongs to one.
    pub fn operation(&self) -> Option<&'static str> {
        match self {
            Error::Transport { operation, .. }
            | Error::Timeout { operation, .. }
            | Error::Api { operation, .. }
            | Error::Validation { operation, .. }
            | Error::Auth { operation, .. }
            | Error::Http { operation, .. }
            | Error::Decode { operation, .. } => Some(operation),
            _ => None,
        }
    }

    /// The start of an undecodable answer's body ([`Error::Decode`]), for diagnosis.
    /// Not shown by `Display`: it may hold personal data; log it only where that is allowed.
    pub fn body_excerpt(&self) -> Option<&str> {
        match self {
            Error::Decode { body, .. } => Some(body),
            _ => None,
        }
    }

    /// The typed cause of an [`Error::Auth`] that came from getting or attaching
    /// credentials (e.g. [`AuthError::BadCredentials`](cg_auth::AuthError::BadCredentials)).
    pub fn auth_error(&self) -> Option<&cg_auth::AuthError> {
        match self {
            Error::Auth { cause, .. } => cause.as_ref(),
            _ => None,
        }
    }

    /// Field messages of a validation error (empty otherwise).
    pub fn field_errors(&self) -> &BTreeMap<String, Vec<String>> {
        static EMPTY: BTreeMap<String, Vec<String>> = BTreeMap::new();
        match self {
            Error::Validation { errors, .. } => errors,
            _ => &EMPTY,
        }
    }

    /// Whether the same call may succeed later: transport failures, timeouts, 429 and 5xx.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport { .. } | Error::Timeout { .. } => true,
            Error::Http { status, .. } => *status == 429 || *status >= 500,
            Error::Api { status, .. } => *status == 429 || *status >= 500,
            _ => false,
        }
    }

    pub(crate) fn invalid(field: impl Into<String>, problem: impl fmt::Display) -> Self {
        Error::InvalidInput {
            field: field.into(),
            problem: problem.to_string(),
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
