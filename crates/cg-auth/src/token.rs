//! [`TokenCache`]: OAuth2 client-credentials tokens, fetched once for every
//! concurrent caller, refreshed ahead of expiry, dropped on a 401.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant};

use futures::future::{BoxFuture, FutureExt, Shared};
use reqwest::Url;
use reqwest::header::{ACCEPT, HeaderValue};
use serde_json::Value;

use crate::clock::{Clock, SystemClock};
use crate::credentials::ClientCredentials;
use crate::error::AuthError;
use crate::secret::{REDACTED, Secret};

/// The lifetime assumed when the token endpoint sends no `expires_in`
/// (the documentation says tokens live "up to 1 hour").
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// How long a still-valid token keeps being served after a failed refresh
/// before the next refresh attempt.
const RETRY_AFTER_FAILED_REFRESH: Duration = Duration::from_secs(5);

/// Tokens are never cached longer than this, whatever `expires_in` says.
const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(366 * 24 * 3600);

/// A bearer token. `Debug` shows its expiry, never its value.
///
/// Cheap to clone: every request of a client gets the cached token, so its value and
/// its `Authorization` header value are built once, when the token arrives, and shared.
#[derive(Clone)]
pub struct AccessToken {
    value: Arc<TokenValue>,
    expires_at: Option<Instant>,
}

struct TokenValue {
    secret: Secret,
    /// `Bearer <token>`, marked sensitive; `None` when the token cannot be a header value.
    header: Option<HeaderValue>,
}

impl AccessToken {
    /// A token that expires at `expires_at` (`None`: unknown, e.g. a fixed token).
    pub fn new(secret: impl Into<Secret>, expires_at: Option<Instant>) -> Self {
        let secret = secret.into();
        let header = secret.header_value("Bearer ").ok();
        AccessToken {
            value: Arc::new(TokenValue { secret, header }),
            expires_at,
        }
    }

    /// The token value.
    pub fn secret(&self) -> &Secret {
        &self.value.secret
    }

    /// When the token expires, when known.
    pub fn expires_at(&self) -> Option<Instant> {
        self.expires_at
    }

    /// `Bearer <token>`, marked sensitive.
    pub fn header_value(&self) -> Result<HeaderValue, AuthError> {
        self.value.header.clone().ok_or(AuthError::InvalidHeader {
            what: "access token",
        })
    }

    /// The bearer token in an `Authorization` header value, if it holds one.
    pub fn from_header(value: &HeaderValue) -> Option<AccessToken> {
        let text = value.to_str().ok()?;
        let (scheme, token) = text.split_once(' ')?;
        let token = token.trim();
        (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty())
            .then(|| AccessToken::new(token, None))
    }
}

/// Two tokens are equal when their values are; the expiry is ignored.
impl PartialEq for AccessToken {
    fn eq(&self, other: &Self) -> bool {
        self.value.secret == other.value.secret
    }
}

impl Eq for AccessToken {}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("secret", &self.value.secret)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// When a cached token is replaced.
///
/// A token of lifetime `L` is refreshed `min(margin + random(0..=jitter), L / 2)`
/// before it expires. Callers arriving in that window get the current token
/// while one caller's refresh runs in the background; callers arriving after
/// expiry wait for the refresh.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefreshPolicy {
    /// Refresh at least this long before expiry.
    pub margin: Duration,
    /// Plus a random extra of up to this, so many clients do not refresh in step.
    pub jitter: Duration,
    /// The lifetime assumed when the answer has no `expires_in`.
    pub default_lifetime: Duration,
    /// Token requests per fetch: a 5xx, 429 or transport failure (timeout included) of
    /// the token endpoint is retried up to this many attempts in all.
    pub token_attempts: u32,
    /// The delay bound before the second token attempt, doubled for each further one
    /// (full jitter).
    pub token_backoff: Duration,
    /// How long a refusal of the credentials (`invalid_client`, HTTP 400/401) is
    /// remembered: callers meanwhile get it without another token request.
    pub remember_refusal: Duration,
}

impl Default for RefreshPolicy {
    fn default() -> Self {
        RefreshPolicy {
            margin: Duration::from_secs(120),
            jitter: Duration::from_secs(60),
            default_lifetime: DEFAULT_TOKEN_LIFETIME,
            token_attempts: 3,
            token_backoff: Duration::from_millis(250),
            remember_refusal: Duration::from_secs(30),
        }
    }
}

impl RefreshPolicy {
    fn refresh_before(&self, lifetime: Duration) -> Duration {
        let jitter_ms = u64::try_from(self.jitter.as_millis()).unwrap_or(u64::MAX);
        let extra = if jitter_ms == 0 {
            Duration::ZERO
        } else {
            Duration::from_millis(rand::random_range(0..=jitter_ms))
        };
        self.margin.saturating_add(extra).min(lifetime / 2)
    }
}

type Flight = Shared<BoxFuture<'static, Result<AccessToken, AuthError>>>;

/// A cache of OAuth2 client-credentials tokens for one client id.
///
/// Cheap to clone; clones share the cache. One token request serves all
/// concurrent callers (single flight), including when it fails.
#[derive(Clone)]
pub struct TokenCache {
    inner: Arc<Inner>,
}

struct Inner {
    fetcher: Fetcher,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    cached: Option<Cached>,
    inflight: Option<Flight>,
    /// The last refusal of the credentials, until when it is handed out as is.
    refused: Option<(AuthError, Instant)>,
}

struct Cached {
    token: AccessToken,
    refresh_at: Instant,
    expires_at: Instant,
}

/// What a token request needs; cloned into the request's future so that the
/// future does not keep the cache alive.
#[derive(Clone)]
struct Fetcher {
    // Why the default client could not be built, told on each token request.
    http: Result<reqwest::Client, Arc<reqwest::Error>>,
    token_url: Url,
    credentials: ClientCredentials,
    clock: Arc<dyn Clock>,
    policy: RefreshPolicy,
    requests: Arc<AtomicU64>,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.inner.lock();
        f.debug_struct("TokenCache")
            .field("token_url", &self.inner.fetcher.token_url.as_str())
            .field("client_id", &self.inner.fetcher.credentials.client_id())
            .field("cached", &state.cached.as_ref().map(|_| REDACTED))
            .field("refreshing", &state.inflight.is_some())
            .finish()
    }
}

/// Builds a [`TokenCache`].
#[derive(Debug)]
pub struct TokenCacheBuilder {
    credentials: ClientCredentials,
    token_url: Url,
    http: Option<reqwest::Client>,
    clock: Arc<dyn Clock>,
    policy: RefreshPolicy,
}

impl TokenCacheBuilder {
    /// The HTTP client for token requests. The default has finite timeouts
    /// and follows no redirects (the client secret goes to the token URL only).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// The clock (tests pass one they control).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// When tokens are refreshed.
    pub fn refresh_policy(mut self, policy: RefreshPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The cache, empty.
    pub fn build(self) -> TokenCache {
        let http = match self.http {
            Some(http) => Ok(http),
            None => default_token_client().map_err(Arc::new),
        };
        TokenCache {
            inner: Arc::new(Inner {
                fetcher: Fetcher {
                    http,
                    token_url: self.token_url,
                    credentials: self.credentials,
                    clock: self.clock,
                    policy: self.policy,
                    requests: Arc::new(AtomicU64::new(0)),
                },
                state: Mutex::new(State::default()),
            }),
        }
    }
}

/// A client for token requests: 10 s to connect, 30 s in all, no redirects. Fails
/// when the TLS backend cannot be set up (e.g. no root certificates can be loaded).
pub fn default_token_client() -> reqwest::Result<reqwest::Client> {
    crate::tls::client_builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .build()
}

impl TokenCache {
    /// A cache fetching tokens for `credentials` from `token_url`
    /// (usually [`Endpoints::token_url`](crate::Endpoints::token_url)).
    pub fn new(credentials: ClientCredentials, token_url: Url) -> Self {
        Self::builder(credentials, token_url).build()
    }

    /// A builder, to set the HTTP client, the clock or the refresh policy.
    pub fn builder(credentials: ClientCredentials, token_url: Url) -> TokenCacheBuilder {
        TokenCacheBuilder {
            credentials,
            token_url,
            http: None,
            clock: Arc::new(SystemClock),
            policy: RefreshPolicy::default(),
        }
    }

    /// A valid token: the cached one, or a new one from the token endpoint.
    ///
    /// Concurrent callers share one token request. Within the refresh window
    /// before expiry the current token is returned at once while a refresh
    /// runs in the background.
    pub async fn token(&self) -> Result<AccessToken, AuthError> {
        enum Next {
            Ready(AccessToken),
            RefreshAhead(AccessToken, Flight),
            Wait(Flight),
        }
        let next = {
            let mut state = self.inner.lock();
            let now = self.inner.fetcher.clock.now();
            if let Some((refusal, until)) = &state.refused {
                if now < *until && state.cached.is_none() {
                    return Err(refusal.clone());
                }
                state.refused = None;
            }
            match &state.cached {
                Some(c) if now < c.refresh_at => Next::Ready(c.token.clone()),
                Some(c) if now < c.expires_at => {
                    let token = c.token.clone();
                    if state.inflight.is_some() {
                        Next::Ready(token)
                    } else {
                        let flight = self.start_flight();
                        state.inflight = Some(flight.clone());
                        Next::RefreshAhead(token, flight)
                    }
                }
                _ => Next::Wait(
                    state
                        .inflight
                        .get_or_insert_with(|| self.start_flight())
                        .clone(),
                ),
            }
        };
        match next {
            Next::Ready(token) => Ok(token),
            Next::RefreshAhead(token, flight) => {
                tracing::debug!(
                    client_id = self.client_id(),
                    "OAuth2 token due for refresh; refreshing ahead of expiry"
                );
                match tokio::runtime::Handle::try_current() {
                    Ok(rt) => {
                        rt.spawn(flight);
                        Ok(token)
                    }
                    // No runtime to refresh in the background: refresh now.
                    Err(_) => self.await_flight(flight).await,
                }
            }
            Next::Wait(flight) => self.await_flight(flight).await,
        }
    }

    async fn await_flight(&self, flight: Flight) -> Result<AccessToken, AuthError> {
        match flight.await {
            Ok(token) => Ok(token),
            // A failed refresh while the old token is still valid: keep using it.
            Err(e) => self.cached_valid().ok_or(e),
        }
    }

    /// Forgets `token` if it is still the cached one (the server refused it),
    /// so that the next [`TokenCache::token`] fetches a new one. Returns
    /// whether it was dropped; a token already replaced is left alone.
    pub fn invalidate(&self, token: &AccessToken) -> bool {
        let mut state = self.inner.lock();
        let is_current = state.cached.as_ref().is_some_and(|c| c.token == *token);
        if is_current {
            state.cached = None;
            tracing::debug!(
                client_id = self.inner.fetcher.credentials.client_id(),
                "OAuth2 token invalidated"
            );
        }
        is_current
    }

    /// The cached token if it has not expired, without fetching.
    pub fn cached_valid(&self) -> Option<AccessToken> {
        let state = self.inner.lock();
        let now = self.inner.fetcher.clock.now();
        state
            .cached
            .as_ref()
            .filter(|c| now < c.expires_at)
            .map(|c| c.token.clone())
    }

    /// How many token requests this cache has sent.
    pub fn requests_sent(&self) -> u64 {
        self.inner.fetcher.requests.load(Ordering::Relaxed)
    }

    /// The client id the cache fetches tokens for.
    pub fn client_id(&self) -> &str {
        self.inner.fetcher.credentials.client_id()
    }

    fn start_flight(&self) -> Flight {
        let fetcher = self.inner.fetcher.clone();
        let cache: Weak<Inner> = Arc::downgrade(&self.inner);
        async move {
            let result = fetcher.fetch().await;
            if let Some(inner) = cache.upgrade() {
                inner.store(&result);
            }
            result.map(|fetched| fetched.token)
        }
        .boxed()
        .shared()
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn store(&self, result: &Result<Fetched, AuthError>) {
        let mut state = self.lock();
        state.inflight = None;
        match result {
            Ok(fetched) => {
                state.cached = Some(Cached {
                    token: fetched.token.clone(),
                    refresh_at: fetched.refresh_at,
                    expires_at: fetched.expires_at,
                });
            }
            Err(e) => {
                let now = self.fetcher.clock.now();
                if matches!(e, AuthError::BadCredentials { .. }) {
                    let until = now.checked_add(self.fetcher.policy.remember_refusal);
                    state.refused = until.map(|until| (e.clone(), until));
                }
                if let Some(c) = state.cached.as_mut().filter(|c| now < c.expires_at) {
                    c.refresh_at = now
                        .checked_add(RETRY_AFTER_FAILED_REFRESH)
                        .map_or(c.expires_at, |t| t.min(c.expires_at));
                }
            }
        }
    }
}

struct Fetched {
    token: AccessToken,
    refresh_at: Instant,
    expires_at: Instant,
}

impl Fetcher {
    /// [`fetch_once`](Self::fetch_once), retried with backoff while the endpoint fails
    /// transiently; a refusal of the credentials is not retried.
    async fn fetch(&self) -> Result<Fetched, AuthError> {
        let attempts = self.policy.token_attempts.max(1);
        let mut attempt = 1;
        loop {
            match self.fetch_once().await {
                Err(e) if e.is_retryable() && attempt < attempts => {
                    let bound = self
                        .policy
                        .token_backoff
                        .saturating_mul(1 << (attempt - 1).min(16));
                    let bound_ms = u64::try_from(bound.as_millis()).unwrap_or(u64::MAX);
                    let delay = Duration::from_millis(rand::random_range(0..=bound_ms));
                    tracing::debug!(
                        client_id = self.credentials.client_id(),
                        attempt,
                        delay_ms = delay.as_millis() as u64,
                        error = %e,
                        "token request failed; retrying"
                    );
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn fetch_once(&self) -> Result<Fetched, AuthError> {
        let started = self.clock.now();
        self.requests.fetch_add(1, Ordering::Relaxed);
        let client_id = self.credentials.client_id();
        tracing::debug!(
            client_id,
            token_url = self.token_url.as_str(),
            "requesting an OAuth2 token"
        );
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            (
                "client_secret",
                self.credentials.client_secret().expose_secret(),
            ),
        ];
        let http = self
            .http
            .as_ref()
            .map_err(|e| AuthError::Transport(e.clone()))?;
        let response = http
            .post(self.token_url.clone())
            .header(ACCEPT, "application/json")
            .form(&form)
            .send()
            .await
            .map_err(transport)?;
        let status = response.status();
        let body = response.bytes().await.map_err(transport)?;

        if !status.is_success() {
            let (error, description) = self.error_fields(&body);
            tracing::debug!(client_id, status = status.as_u16(), error = ?error, "token request refused");
            return Err(match status.as_u16() {
                s @ (400 | 401) => AuthError::BadCredentials {
                    status: s,
                    error,
                    description,
                },
                s => AuthError::TokenEndpoint {
                    status: s,
                    error,
                    description,
                },
            });
        }

        let answer: Value = serde_json::from_slice(&body).map_err(|e| AuthError::Decode {
            reason: format!("the answer is not JSON ({e})"),
        })?;
        let access_token = match answer.get("access_token") {
            Some(Value::String(t)) if !t.trim().is_empty() => t.trim().to_owned(),
            Some(_) => {
                return Err(AuthError::Decode {
                    reason: "`access_token` is not a non-empty string".to_owned(),
                });
            }
            None => {
                return Err(AuthError::Decode {
                    reason: "the answer has no `access_token`".to_owned(),
                });
            }
        };
        let lifetime = match answer.get("expires_in").and_then(seconds) {
            Some(d) => d,
            None => {
                if answer.get("expires_in").is_some_and(|v| !v.is_null()) {
                    tracing::debug!(
                        "unusable `expires_in` in the token answer; assuming the default lifetime"
                    );
                }
                self.policy.default_lifetime
            }
        }
        .min(MAX_TOKEN_LIFETIME);
        let expires_at = started.checked_add(lifetime).unwrap_or(started);
        let refresh_at = expires_at
            .checked_sub(self.policy.refresh_before(lifetime))
            .unwrap_or(started);
        let token_type = answer.get("token_type").and_then(|t| t.as_str());
        tracing::debug!(
            client_id,
            lifetime_secs = lifetime.as_secs(),
            token_type,
            "received an OAuth2 token"
        );
        Ok(Fetched {
            token: AccessToken::new(access_token, Some(expires_at)),
            refresh_at,
            expires_at,
        })
    }

    /// The OAuth2 `error` and `error_description` of an error body (or the
    /// CustomerGauge `message` / `Error.Message`), shortened, with the client
    /// secret removed should the server echo it.
    fn error_fields(&self, body: &[u8]) -> (Option<String>, Option<String>) {
        let Ok(v) = serde_json::from_slice::<Value>(body) else {
            return (None, None);
        };
        let text = |v: Option<&Value>| v.and_then(Value::as_str).map(|s| self.scrub(s));
        let error = text(v.get("error"));
        let description = text(v.get("error_description"))
            .or_else(|| text(v.get("message")))
            .or_else(|| text(v.get("Error").and_then(|e| e.get("Message"))));
        (error, description)
    }

    fn scrub(&self, s: &str) -> String {
        const MAX_CHARS: usize = 300;
        let secret = self.credentials.client_secret().expose_secret();
        let cleaned = if secret.is_empty() {
            s.to_owned()
        } else {
            s.replace(secret, REDACTED)
        };
        match cleaned.char_indices().nth(MAX_CHARS) {
            Some((cut, _)) => format!("{}...", &cleaned[..cut]),
            None => cleaned,
        }
    }
}

/// `expires_in` as a number or a numeric string of seconds; unusable values give `None`.
fn seconds(v: &Value) -> Option<Duration> {
    let secs = match v {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    (secs.is_finite() && secs > 0.0)
        .then(|| Duration::try_from_secs_f64(secs).ok())
        .flatten()
}

fn transport(e: reqwest::Error) -> AuthError {
    AuthError::Transport(Arc::new(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expires_in_forms() {
        assert_eq!(
            seconds(&serde_json::json!(3600)),
            Some(Duration::from_secs(3600))
        );
        assert_eq!(
            seconds(&serde_json::json!("120")),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            seconds(&serde_json::json!(" 90.5 ")),
            Some(Duration::from_millis(90_500))
        );
        assert_eq!(seconds(&serde_json::json!(0)), None);
        assert_eq!(seconds(&serde_json::json!(-5)), None);
        assert_eq!(seconds(&serde_json::json!("soon")), None);
        assert_eq!(seconds(&serde_json::json!(null)), None);
    }

    #[test]
    fn refresh_window_bounded_by_half_lifetime() {
        let p = RefreshPolicy::default();
        for _ in 0..100 {
            let before = p.refresh_before(Duration::from_secs(3600));
            assert!(before >= Duration::from_secs(120) && before <= Duration::from_secs(180));
        }
        assert_eq!(
            p.refresh_before(Duration::from_secs(60)),
            Duration::from_secs(30)
        );
    }

    #[test]
    fn bearer_from_header() {
        let h = HeaderValue::from_static("Bearer abc");
        assert_eq!(
            AccessToken::from_header(&h),
            Some(AccessToken::new("abc", None))
        );
        assert_eq!(
            AccessToken::from_header(&HeaderValue::from_static("api_key abc")),
            None
        );
        let t = AccessToken::new("abc", None);
        assert!(!format!("{t:?}").contains("abc"));
        let header = t.header_value().expect("header");
        assert!(header.is_sensitive());
        assert_eq!(header.to_str().ok(), Some("Bearer abc"));
        assert_eq!(t.clone().header_value().expect("header"), header);
        assert!(matches!(
            AccessToken::new("a\nb", None).header_value(),
            Err(AuthError::InvalidHeader { .. })
        ));
    }
}
