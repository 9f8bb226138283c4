//! [`Authenticator`]: decides which credentials an operation gets, checks the
//! target host, and attaches the `Authorization` header.

use std::sync::Arc;

use reqwest::header::AUTHORIZATION;

use crate::clock::{Clock, SystemClock};
use crate::config::AuthConfig;
use crate::credentials::{Credentials, OAuth2Credentials};
use crate::endpoints::Endpoints;
use crate::error::AuthError;
use crate::pipeline::{Accepts, Operation};
use crate::secret::Secret;
use crate::token::{AccessToken, RefreshPolicy, TokenCache};

/// Attaches credentials to requests. Cheap to clone; clones share the token cache.
///
/// The pieces are public so that a facade can compose them with its own
/// retries: [`Authenticator::authorize`] before sending, and on a 401
/// [`Authenticator::invalidate`] with the token that was used
/// ([`Authenticator::bearer_token_of`]) before authorizing and sending again.
#[derive(Clone, Debug)]
pub struct Authenticator {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    endpoints: Endpoints,
    bearer: Option<BearerSource>,
    api_key: Option<Secret>,
    credentials: Credentials,
}

#[derive(Debug)]
enum BearerSource {
    Cache(TokenCache),
    Fixed(AccessToken),
}

/// Builds an [`Authenticator`].
#[derive(Debug)]
pub struct AuthenticatorBuilder {
    config: AuthConfig,
    http: Option<reqwest::Client>,
    clock: Arc<dyn Clock>,
    policy: RefreshPolicy,
}

impl AuthenticatorBuilder {
    /// The HTTP client for token requests (default: finite timeouts, no redirects).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// The clock of the token cache (tests pass one they control).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// When cached tokens are refreshed.
    pub fn refresh_policy(mut self, policy: RefreshPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The authenticator.
    pub fn build(self) -> Authenticator {
        let endpoints = self.config.endpoints().clone();
        let credentials = self.config.credentials().clone();
        let bearer = match credentials.oauth2() {
            Some(OAuth2Credentials::ClientCredentials(c)) => {
                let mut builder = TokenCache::builder(c.clone(), endpoints.token_url())
                    .clock(self.clock)
                    .refresh_policy(self.policy);
                if let Some(http) = self.http {
                    builder = builder.http_client(http);
                }
                Some(BearerSource::Cache(builder.build()))
            }
            Some(OAuth2Credentials::BearerToken(t)) => {
                Some(BearerSource::Fixed(AccessToken::new(t.clone(), None)))
            }
            None => None,
        };
        Authenticator {
            inner: Arc::new(Inner {
                endpoints,
                bearer,
                api_key: credentials.api_key_secret().cloned(),
                credentials,
            }),
        }
    }
}

impl Authenticator {
    /// An authenticator with the default HTTP client, clock and refresh policy.
    pub fn new(config: AuthConfig) -> Self {
        Self::builder(config).build()
    }

    /// A builder, to set the token HTTP client, the clock or the refresh policy.
    pub fn builder(config: AuthConfig) -> AuthenticatorBuilder {
        AuthenticatorBuilder {
            config,
            http: None,
            clock: Arc::new(SystemClock),
            policy: RefreshPolicy::default(),
        }
    }

    /// The hosts credentials may be sent to.
    pub fn endpoints(&self) -> &Endpoints {
        &self.inner.endpoints
    }

    /// The configured credentials (they print redacted).
    pub fn credentials(&self) -> &Credentials {
        &self.inner.credentials
    }

    /// The token cache, when client credentials are configured.
    pub fn token_cache(&self) -> Option<&TokenCache> {
        match &self.inner.bearer {
            Some(BearerSource::Cache(c)) => Some(c),
            _ => None,
        }
    }

    /// Whether a refused bearer token can be replaced by a new one
    /// (client credentials, not a fixed token).
    pub fn can_refresh(&self) -> bool {
        self.token_cache().is_some()
    }

    /// A bearer token: from the cache (fetching when needed) or the fixed one.
    /// Fails when no OAuth2 credentials are configured.
    pub async fn token(&self) -> Result<AccessToken, AuthError> {
        self.bearer(Operation::new("token", Accepts::OAUTH2)).await
    }

    async fn bearer(&self, operation: Operation) -> Result<AccessToken, AuthError> {
        match &self.inner.bearer {
            Some(BearerSource::Cache(cache)) => cache.token().await,
            Some(BearerSource::Fixed(token)) => Ok(token.clone()),
            None => Err(self.missing(operation)),
        }
    }

    /// Adds the `Authorization` header `operation` calls for, or refuses.
    ///
    /// - [`Accepts::NONE`]: nothing is added.
    /// - OAuth2 accepted and configured: `Bearer <token>`.
    /// - Otherwise an API key, when accepted and configured: `api_key <KEY>`.
    /// - Otherwise an error naming the operation and what it needs.
    ///
    /// The request URL must be `https` (or `http` to loopback) on the scheme,
    /// host and port of a configured endpoint, else nothing is attached and an
    /// error is returned. Header values are marked sensitive.
    pub async fn authorize(
        &self,
        request: &mut reqwest::Request,
        operation: Operation,
    ) -> Result<(), AuthError> {
        let accepts = operation.accepts;
        if accepts == Accepts::NONE {
            return Ok(());
        }
        let use_bearer = accepts.oauth2 && self.inner.bearer.is_some();
        let api_key = self.inner.api_key.as_ref().filter(|_| accepts.api_key);
        if !use_bearer && api_key.is_none() {
            return Err(self.missing(operation));
        }
        let family = self
            .inner
            .endpoints
            .check_credential_target(request.url())?;
        let (value, scheme) = if use_bearer {
            (self.bearer(operation).await?.header_value()?, "bearer")
        } else {
            let key = api_key.ok_or_else(|| self.missing(operation))?;
            let value = key
                .header_value("api_key ")
                .map_err(|_| AuthError::InvalidHeader { what: "API key" })?;
            (value, "api_key")
        };
        request.headers_mut().insert(AUTHORIZATION, value);
        tracing::debug!(
            operation = operation.id,
            host = %family,
            scheme,
            "attached credentials"
        );
        Ok(())
    }

    /// Forgets `token` (the one a refused request carried) if it is still the
    /// cached one, so the next call fetches a new token. Returns whether it
    /// was dropped. A fixed bearer token cannot be dropped.
    pub fn invalidate(&self, token: &AccessToken) -> bool {
        match &self.inner.bearer {
            Some(BearerSource::Cache(cache)) => cache.invalidate(token),
            _ => false,
        }
    }

    /// The bearer token a request carries, if any.
    pub fn bearer_token_of(request: &reqwest::Request) -> Option<AccessToken> {
        request
            .headers()
            .get(AUTHORIZATION)
            .and_then(AccessToken::from_header)
    }

    fn missing(&self, operation: Operation) -> AuthError {
        let accepts = operation.accepts;
        if accepts.oauth2 && !accepts.api_key && self.inner.api_key.is_some() {
            return AuthError::OAuth2Required {
                operation: operation.id,
            };
        }
        let accepted = match (accepts.oauth2, accepts.api_key) {
            (true, false) => "only OAuth2 (client credentials or a bearer token)",
            (false, true) => "only an API key",
            _ => "OAuth2 or an API key",
        };
        AuthError::NoAcceptedCredentials {
            operation: operation.id,
            accepted,
        }
    }
}
