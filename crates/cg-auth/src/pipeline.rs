//! The one seam between the generated `cg-raw-*` clients and the SDK's runtime.
//!
//! Every generated `Client` carries a [`Pipeline`] as its inner value; the
//! `ClientHooks` impl that `cargo xtask regen` emits beside each generated file
//! hands every request to it. Auth, retries and tracing therefore exist once,
//! whatever the number of raw crates.

use std::fmt;
use std::sync::Arc;

use futures_core::future::BoxFuture;

/// Which credentials an operation accepts, as its spec's `security` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Accepts {
    /// OAuth2 client credentials (a bearer token).
    pub oauth2: bool,
    /// The v4.1 `Authorization: api_key <KEY>` header.
    pub api_key: bool,
}

impl Accepts {
    /// No credentials at all (the token endpoint).
    pub const NONE: Accepts = Accepts {
        oauth2: false,
        api_key: false,
    };
    /// A bearer token only (imports, v7).
    pub const OAUTH2: Accepts = Accepts {
        oauth2: true,
        api_key: false,
    };
    /// A bearer token or an API key (the v4.1 suite).
    pub const OAUTH2_OR_API_KEY: Accepts = Accepts {
        oauth2: true,
        api_key: true,
    };
}

/// What the pipeline knows of the call it is asked to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Operation {
    /// The spec's `operationId`, e.g. `putRecord`.
    pub id: &'static str,
    /// The credentials the operation accepts.
    pub accepts: Accepts,
}

/// Why a request could not be prepared (never carries a secret).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PrepareError {
    /// A sentence naming what is wrong, e.g. "putRecord needs OAuth2 client credentials; only an API key is configured".
    pub message: String,
}

/// The runtime behind every generated client: attaches credentials, runs the
/// request (with whatever retry policy the implementation has).
pub trait Middleware: Send + Sync + fmt::Debug + 'static {
    /// Called before sending: add credentials and headers, or refuse.
    fn prepare<'a>(
        &'a self,
        request: &'a mut reqwest::Request,
        operation: Operation,
    ) -> BoxFuture<'a, Result<(), PrepareError>>;

    /// Sends the request with `client` and returns the final answer.
    fn execute<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        operation: Operation,
    ) -> BoxFuture<'a, reqwest::Result<reqwest::Response>>;
}

/// A cheap, cloneable handle to a [`Middleware`]; the default sends requests as they are.
#[derive(Clone, Default)]
pub struct Pipeline(Option<Arc<dyn Middleware>>);

impl fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Some(m) => f.debug_tuple("Pipeline").field(m).finish(),
            None => f.write_str("Pipeline(plain)"),
        }
    }
}

impl Pipeline {
    /// A pipeline running every request through `middleware`.
    pub fn new(middleware: impl Middleware) -> Self {
        Pipeline(Some(Arc::new(middleware)))
    }

    /// A pipeline sharing an existing middleware.
    pub fn from_arc(middleware: Arc<dyn Middleware>) -> Self {
        Pipeline(Some(middleware))
    }

    /// See [`Middleware::prepare`].
    pub async fn prepare(
        &self,
        request: &mut reqwest::Request,
        operation: Operation,
    ) -> Result<(), PrepareError> {
        match &self.0 {
            Some(m) => m.prepare(request, operation).await,
            None => Ok(()),
        }
    }

    /// See [`Middleware::execute`].
    pub async fn execute(
        &self,
        client: &reqwest::Client,
        request: reqwest::Request,
        operation: Operation,
    ) -> reqwest::Result<reqwest::Response> {
        match &self.0 {
            Some(m) => m.execute(client, request, operation).await,
            None => client.execute(request).await,
        }
    }
}
