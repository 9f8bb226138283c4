//! [`Client`] and [`ClientBuilder`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use cg_auth::{
    AuthConfig, AuthMiddleware, Authenticator, Credentials, Endpoints, HostFamily, Pipeline, Region,
};

use crate::call::CallContext;
use crate::error::{Error, Result};
use crate::retry::RetryPolicy;
use crate::runtime::SdkMiddleware;

/// The wire format of v4.1 answers (imports and v7 speak JSON only).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Format {
    /// `.json` paths (the default).
    #[default]
    Json,
    /// `.xml` paths, decoded into the same models.
    Xml,
}

impl Format {
    /// The path suffix without its dot.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Xml => "xml",
        }
    }
}

impl std::str::FromStr for Format {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "json" => Ok(Format::Json),
            "xml" => Ok(Format::Xml),
            _ => Err(Error::invalid(
                "format",
                format!("{s:?} is not a format; use json or xml"),
            )),
        }
    }
}

/// Default whole-request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Configures a [`Client`]: where, with which credentials, how patiently.
#[derive(Default)]
pub struct ClientBuilder {
    region: Option<Region>,
    endpoints: Option<Endpoints>,
    overrides: Vec<(HostFamily, String)>,
    credentials: Option<Credentials>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    user_agent: Option<String>,
    retry: Option<RetryPolicy>,
    format: Format,
    http: Option<reqwest::Client>,
    prefetch: Option<bool>,
    auth: Option<Authenticator>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("region", &self.region)
            .field("endpoints", &self.endpoints)
            .field("credentials", &self.credentials)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The production hosts of a region.
    pub fn region(mut self, region: Region) -> Self {
        self.region = Some(region);
        self
    }

    /// Explicit hosts (a sandbox, a proxy).
    pub fn endpoints(mut self, endpoints: Endpoints) -> Self {
        self.endpoints = Some(endpoints);
        self
    }

    /// Overrides the base URL of the v4.1/v7 API host.
    pub fn api_url(mut self, url: impl Into<String>) -> Self {
        self.overrides.push((HostFamily::Api, url.into()));
        self
    }

    /// Overrides the base URL of the imports host.
    pub fn imports_url(mut self, url: impl Into<String>) -> Self {
        self.overrides.push((HostFamily::Imports, url.into()));
        self
    }

    /// Overrides the base URL of the OAuth2 host.
    pub fn auth_url(mut self, url: impl Into<String>) -> Self {
        self.overrides.push((HostFamily::Auth, url.into()));
        self
    }

    /// The credentials.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// The whole-request timeout (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The connect timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, agent: impl Into<String>) -> Self {
        self.user_agent = Some(agent.into());
        self
    }

    /// How failed requests are retried.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// The wire format of v4.1 answers.
    pub fn format(mut self, format: Format) -> Self {
        self.format = format;
        self
    }

    /// A reqwest client of your own (its timeouts and user agent then apply).
    ///
    /// With the default `rustls` feature, reqwest has no TLS crypto provider of its own:
    /// build it with [`cg_auth::tls::client_builder`], or call
    /// [`cg_auth::tls::install_crypto_provider`] first (see [`cg_auth::tls`]).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Whether paging streams fetch the next page while the current one is consumed (default on).
    pub fn prefetch(mut self, prefetch: bool) -> Self {
        self.prefetch = Some(prefetch);
        self
    }

    /// A prepared authenticator (shares its token cache; e.g. an injected clock in tests).
    pub fn authenticator(mut self, auth: Authenticator) -> Self {
        self.auth = Some(auth);
        self
    }

    /// Builds the client. Fails when no hosts or no credentials are configured.
    pub fn build(self) -> Result<Client> {
        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let connect_timeout = self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT);
        let user_agent = self
            .user_agent
            .unwrap_or_else(|| concat!("customergauge-rs/", env!("CARGO_PKG_VERSION")).to_string());
        let auth = match self.auth {
            Some(auth) => auth,
            None => {
                let mut endpoints = match (self.endpoints, self.region) {
                    (Some(e), _) => e,
                    (None, Some(region)) => Endpoints::for_region(region),
                    (None, None) => {
                        return Err(Error::Config(
                            "no region and no endpoints: call .region(..) or .endpoints(..)".into(),
                        ));
                    }
                };
                for (family, url) in &self.overrides {
                    endpoints = endpoints
                        .with_base_url(*family, url)
                        .map_err(|e| Error::Config(e.to_string()))?;
                }
                let credentials = self.credentials.ok_or_else(|| {
                    Error::Config(
                        "no credentials: call .credentials(..) or use Client::from_env()".into(),
                    )
                })?;
                // The token request obeys the same bounds as every call, and follows no
                // redirect: the client secret goes to the token URL and nowhere else.
                let token_http = cg_auth::tls::client_builder()
                    .timeout(timeout)
                    .connect_timeout(connect_timeout)
                    .user_agent(user_agent.clone())
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .map_err(|e| Error::Config(format!("HTTP client: {e}")))?;
                Authenticator::builder(AuthConfig::with_endpoints(endpoints, credentials))
                    .http_client(token_http)
                    .build()
            }
        };
        let http = match self.http {
            Some(http) => http,
            None => cg_auth::tls::client_builder()
                .timeout(timeout)
                .connect_timeout(connect_timeout)
                .user_agent(user_agent)
                .build()
                .map_err(|e| Error::Config(format!("HTTP client: {e}")))?,
        };
        let middleware = SdkMiddleware {
            auth: AuthMiddleware::new(auth.clone()),
            retry: self.retry.unwrap_or_default(),
        };
        let pipeline = Pipeline::new(middleware);
        Ok(Client {
            inner: Arc::new(Inner {
                #[cfg(feature = "imports")]
                imports: cg_raw_imports::Client::new_with_client(
                    auth.endpoints().base_url(HostFamily::Imports),
                    http.clone(),
                    pipeline.clone(),
                ),
                endpoints: auth.endpoints().clone(),
                auth,
                http,
                pipeline,
                ctx: CallContext {
                    format: self.format,
                    timeout,
                },
                prefetch: self.prefetch.unwrap_or(true),
            }),
        })
    }
}

pub(crate) struct Inner {
    /// Built once: a bulk import sends thousands of records through it.
    #[cfg(feature = "imports")]
    pub imports: cg_raw_imports::Client,
    pub endpoints: Endpoints,
    pub auth: Authenticator,
    pub http: reqwest::Client,
    pub pipeline: Pipeline,
    pub ctx: CallContext,
    pub prefetch: bool,
}

/// The CustomerGauge client: cheap to clone, shares one connection pool and token cache.
///
/// ```no_run
/// # async fn run() -> Result<(), cg_facade::Error> {
/// let client = cg_facade::Client::from_env()?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("endpoints", &self.inner.endpoints)
            .field("credentials", self.inner.auth.credentials())
            .field("format", &self.inner.ctx.format)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A builder.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// From `CG_REGION`, `CG_CLIENT_ID`, `CG_CLIENT_SECRET`, `CG_API_KEY` and the
    /// `CG_API_URL`, `CG_IMPORTS_URL`, `CG_AUTH_URL` overrides.
    pub fn from_env() -> Result<Client> {
        let config = AuthConfig::from_env().map_err(|e| Error::Config(e.to_string()))?;
        Client::builder()
            .authenticator(Authenticator::new(config))
            .build()
    }

    /// The configured hosts.
    pub fn endpoints(&self) -> &Endpoints {
        &self.inner.endpoints
    }

    /// The authenticator (token cache) this client uses.
    pub fn authenticator(&self) -> &Authenticator {
        &self.inner.auth
    }

    /// The wire format of v4.1 answers.
    pub fn format(&self) -> Format {
        self.inner.ctx.format
    }

    /// A copy of this client speaking another wire format (same pool and token cache).
    pub fn with_format(&self, format: Format) -> Client {
        let inner = &self.inner;
        Client {
            inner: Arc::new(Inner {
                #[cfg(feature = "imports")]
                imports: inner.imports.clone(),
                endpoints: inner.endpoints.clone(),
                auth: inner.auth.clone(),
                http: inner.http.clone(),
                pipeline: inner.pipeline.clone(),
                ctx: CallContext {
                    format,
                    ..inner.ctx
                },
                prefetch: inner.prefetch,
            }),
        }
    }

    /// The escape hatch: the generated client of a host family's base URL, sharing this
    /// client's pool and pipeline, e.g. `cg_raw_lists::Client::new_with_client(..)`.
    pub fn raw_parts(&self, family: HostFamily) -> (String, reqwest::Client, Pipeline) {
        (
            self.inner.endpoints.base_url(family).to_string(),
            self.inner.http.clone(),
            self.inner.pipeline.clone(),
        )
    }

    pub(crate) fn ctx(&self) -> CallContext {
        self.inner.ctx
    }
}

/// Builds a generated client of one module on this client's plumbing.
macro_rules! raw_client {
    ($client:expr, $krate:ident, $family:expr) => {{
        let (url, http, pipeline) = $client.raw_parts($family);
        $krate::Client::new_with_client(&url, http, pipeline)
    }};
}
pub(crate) use raw_client;
