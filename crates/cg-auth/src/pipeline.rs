//! The one seam between the generated `cg-raw-*` clients and the SDK's runtime.
//!
//! Every generated `Client` carries a [`Pipeline`] as its inner value; the
//! `ClientHooks` impl that `cargo xtask regen` emits beside each generated file
//! hands every request to it. Auth, retries and tracing therefore exist once,
//! whatever the number of raw crates.

use std::fmt;
use std::sync::Arc;

use futures::future::Either;
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

/// How an operation's answers are paged (`x-cg-paging` in its spec).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Paging {
    /// One answer holds everything.
    None,
    /// Pages by position (`start`/`limit` or similar).
    Offset,
    /// Pages by an opaque cursor the previous answer gave.
    Cursor,
}

/// What the pipeline knows of the call it is asked to run: its spec's security and
/// the `x-cg-*` facts every operation declares (see `spec/README.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Operation {
    /// The spec's `operationId`, e.g. `putRecord`.
    pub id: &'static str,
    /// The credentials the operation accepts.
    pub accepts: Accepts,
    /// `x-cg-idempotent`: whether the request may be resent when its fate is unknown
    /// (sending it twice leaves the same state as sending it once).
    pub idempotent: bool,
    /// `x-cg-sends-survey`: whether a successful call may send a survey to a person.
    pub sends_survey: bool,
    /// `x-cg-paging`: how its answers are paged.
    pub paging: Paging,
}

impl Operation {
    /// An operation of which nothing is known but its id and credentials: treated as
    /// not idempotent (never resent when its fate is unknown) and unpaged.
    pub const fn new(id: &'static str, accepts: Accepts) -> Operation {
        Operation {
            id,
            accepts,
            idempotent: false,
            sends_survey: false,
            paging: Paging::None,
        }
    }

    /// With `x-cg-idempotent` set.
    pub const fn idempotent(mut self, idempotent: bool) -> Operation {
        self.idempotent = idempotent;
        self
    }

    /// With `x-cg-sends-survey` set.
    pub const fn sends_survey(mut self, sends_survey: bool) -> Operation {
        self.sends_survey = sends_survey;
        self
    }

    /// With `x-cg-paging` set.
    pub const fn paging(mut self, paging: Paging) -> Operation {
        self.paging = paging;
        self
    }
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
///
/// Making one installs the TLS crypto provider ([`crate::tls`]): every generated client
/// takes a pipeline, and builds its `reqwest::Client` after that.
#[derive(Clone)]
pub struct Pipeline(Option<Arc<dyn Middleware>>);

impl Default for Pipeline {
    fn default() -> Self {
        crate::tls::install_crypto_provider();
        Pipeline(None)
    }
}

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
        Self::from_arc(Arc::new(middleware))
    }

    /// A pipeline sharing an existing middleware.
    pub fn from_arc(middleware: Arc<dyn Middleware>) -> Self {
        crate::tls::install_crypto_provider();
        Pipeline(Some(middleware))
    }

    /// See [`Middleware::prepare`]. Not an `async fn`: the middleware's own future is
    /// returned as it is, not held inside another one with a copy of the arguments.
    pub fn prepare<'a>(
        &'a self,
        request: &'a mut reqwest::Request,
        operation: Operation,
    ) -> impl Future<Output = Result<(), PrepareError>> + Send + 'a {
        match &self.0 {
            Some(m) => Either::Left(m.prepare(request, operation)),
            None => Either::Right(std::future::ready(Ok(()))),
        }
    }

    /// See [`Middleware::execute`]. Not an `async fn`, for the reason given at
    /// [`Pipeline::prepare`] (a request is a few hundred bytes).
    pub fn execute<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        operation: Operation,
    ) -> impl Future<Output = reqwest::Result<reqwest::Response>> + Send + 'a {
        match &self.0 {
            Some(m) => Either::Left(m.execute(client, request, operation)),
            None => Either::Right(client.execute(request)),
        }
    }
}
