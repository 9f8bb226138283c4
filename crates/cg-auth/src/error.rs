//! [`AuthError`] (getting or attaching credentials) and [`ConfigError`]
//! (building the configuration). Neither ever holds a secret or a token.

use std::sync::Arc;

use crate::pipeline::PrepareError;

/// Why credentials could not be obtained or attached.
///
/// Cloneable, so one failed token request can be handed to every caller that
/// waited on it. Never contains a client secret, API key or token.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The token endpoint refused the client credentials (HTTP 400 or 401).
    #[error("the token endpoint rejected the client credentials (HTTP {status}){}", server_says(.error, .description))]
    BadCredentials {
        /// The HTTP status, 400 or 401.
        status: u16,
        /// The OAuth2 `error` code, e.g. `invalid_client`, when the server sent one.
        error: Option<String>,
        /// The server's `error_description` (or `message`), when it sent one.
        description: Option<String>,
    },
    /// The token endpoint answered with an unexpected status (e.g. 5xx).
    #[error("the token endpoint answered HTTP {status}{}", server_says(.error, .description))]
    TokenEndpoint {
        /// The HTTP status.
        status: u16,
        /// The OAuth2 `error` code, when the server sent one.
        error: Option<String>,
        /// The server's `error_description` (or `message`), when it sent one.
        description: Option<String>,
    },
    /// The token request could not be sent or its answer not received.
    #[error("could not reach the token endpoint: {0}")]
    Transport(#[source] Arc<reqwest::Error>),
    /// The token endpoint's answer was not the JSON expected.
    #[error("could not read the token endpoint's answer: {reason}")]
    Decode {
        /// What was wrong (never the body itself).
        reason: String,
    },
    /// The operation takes only OAuth2 and only an API key is configured.
    #[error(
        "{operation} needs OAuth2 client credentials (CG_CLIENT_ID and CG_CLIENT_SECRET) or a bearer token; \
         only an API key is configured, and the API key works only for the v4.1 API"
    )]
    OAuth2Required {
        /// The operation's id.
        operation: &'static str,
    },
    /// The operation accepts none of the configured kinds of credentials.
    #[error("{operation} accepts {accepted}, which is not configured")]
    NoAcceptedCredentials {
        /// The operation's id.
        operation: &'static str,
        /// What it accepts, in words.
        accepted: &'static str,
    },
    /// The request goes to a host that is not one of the configured endpoints.
    #[error(
        "refusing to send credentials to {origin}: it is not one of the configured CustomerGauge hosts"
    )]
    ForeignHost {
        /// Scheme, host and port of the request.
        origin: String,
    },
    /// The request would carry credentials over plain http to a non-loopback host.
    #[error(
        "refusing to send credentials over plain http to {origin}; use https (http is allowed only to loopback)"
    )]
    InsecureTransport {
        /// Scheme, host and port of the request.
        origin: String,
    },
    /// A credential contains characters that an HTTP header cannot carry.
    #[error("the configured {what} contains characters not allowed in an HTTP header")]
    InvalidHeader {
        /// Which credential: "access token" or "API key".
        what: &'static str,
    },
}

fn server_says(error: &Option<String>, description: &Option<String>) -> String {
    match (error, description) {
        (Some(e), Some(d)) => format!(": {e}: {d}"),
        (Some(e), None) => format!(": {e}"),
        (None, Some(d)) => format!(": {d}"),
        (None, None) => String::new(),
    }
}

impl AuthError {
    /// The token endpoint's HTTP status, when it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            AuthError::BadCredentials { status, .. } | AuthError::TokenEndpoint { status, .. } => {
                Some(*status)
            }
            _ => None,
        }
    }

    /// Whether trying again later may succeed (transport errors, 429, 5xx).
    pub fn is_retryable(&self) -> bool {
        match self {
            AuthError::Transport(_) => true,
            AuthError::TokenEndpoint { status, .. } => *status == 429 || *status >= 500,
            _ => false,
        }
    }
}

impl From<AuthError> for PrepareError {
    fn from(e: AuthError) -> Self {
        PrepareError {
            message: e.to_string(),
        }
    }
}

/// Why a configuration could not be built. Names the variable or setting at fault.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No region and not every base URL overridden.
    #[error(
        "CG_REGION is not set; set it to eu, us or au (or override all of CG_API_URL, CG_IMPORTS_URL and CG_AUTH_URL)"
    )]
    MissingRegion,
    /// The region variable holds something else.
    #[error("{var}={value:?} is not a CustomerGauge region; expected one of eu, us, au")]
    InvalidRegion {
        /// The variable, `CG_REGION`.
        var: &'static str,
        /// Its value.
        value: String,
    },
    /// One half of a pair is set, the other not.
    #[error(
        "{set} is set but {missing} is not; set both for OAuth2 client credentials, or neither"
    )]
    Incomplete {
        /// The variable that is set.
        set: &'static str,
        /// The variable that is missing.
        missing: &'static str,
    },
    /// No credentials at all.
    #[error(
        "no CustomerGauge credentials: set CG_CLIENT_ID and CG_CLIENT_SECRET (OAuth2, every API) or CG_API_KEY (v4.1 only)"
    )]
    NoCredentials,
    /// A base URL override is not usable.
    #[error("{name} is not a usable base URL ({value}): {reason}")]
    InvalidUrl {
        /// The variable or setting, e.g. `CG_API_URL`.
        name: String,
        /// Its value (hidden when it may contain user credentials).
        value: String,
        /// What is wrong.
        reason: &'static str,
    },
}
