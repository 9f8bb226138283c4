//! A token server and an API stand-in on 127.0.0.1, and a clock the test moves.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use cg_auth::{
    AuthConfig, Authenticator, Clock, Credentials, Endpoints, RefreshPolicy, TokenCache,
};

pub const CLIENT_ID: &str = "client-abc";
pub const CLIENT_SECRET: &str = "s3cr3t-VALUE-never-shown";

/// What the token endpoint answers to the n-th request (1-based): status and body.
pub type Answer = Arc<dyn Fn(usize) -> (u16, String) + Send + Sync>;

pub struct Server {
    pub addr: SocketAddr,
    pub token_hits: Arc<AtomicUsize>,
    pub api_hits: Arc<AtomicUsize>,
    pub forms: Arc<Mutex<Vec<HashMap<String, String>>>>,
    pub api_auth_headers: Arc<Mutex<Vec<Option<String>>>>,
}

#[derive(Clone)]
struct AppState {
    token_hits: Arc<AtomicUsize>,
    api_hits: Arc<AtomicUsize>,
    forms: Arc<Mutex<Vec<HashMap<String, String>>>>,
    api_auth_headers: Arc<Mutex<Vec<Option<String>>>>,
    answer: Answer,
    delay: Duration,
    /// The bearer token the API accepts.
    good_token: String,
}

impl Server {
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn token_hits(&self) -> usize {
        self.token_hits.load(Ordering::SeqCst)
    }

    pub fn api_hits(&self) -> usize {
        self.api_hits.load(Ordering::SeqCst)
    }

    /// Endpoints with every family on this server.
    pub fn endpoints(&self) -> Endpoints {
        let b = self.base_url();
        Endpoints::from_urls(&b, &b, &b).expect("loopback endpoints")
    }

    pub fn config(&self) -> AuthConfig {
        AuthConfig::with_endpoints(
            self.endpoints(),
            Credentials::client_credentials(CLIENT_ID, CLIENT_SECRET),
        )
    }

    pub fn cache(&self, clock: Arc<TestClock>) -> TokenCache {
        Authenticator::builder(self.config())
            .clock(clock)
            .refresh_policy(exact_policy())
            .build()
            .token_cache()
            .expect("client credentials give a cache")
            .clone()
    }
}

/// No margin, no jitter: a token is refreshed exactly when it expires.
pub fn exact_policy() -> RefreshPolicy {
    RefreshPolicy {
        margin: Duration::ZERO,
        jitter: Duration::ZERO,
        ..RefreshPolicy::default()
    }
}

/// Tokens `tok-1`, `tok-2`, ... with the given `expires_in` JSON (or none).
pub fn numbered_tokens(expires_in: Option<&'static str>) -> Answer {
    Arc::new(move |n| {
        let body = match expires_in {
            Some(e) => {
                format!(r#"{{"access_token":"tok-{n}","token_type":"Bearer","expires_in":{e}}}"#)
            }
            None => format!(r#"{{"access_token":"tok-{n}"}}"#),
        };
        (200, body)
    })
}

pub async fn start(answer: Answer) -> Server {
    start_with(answer, Duration::ZERO, "tok-2").await
}

pub async fn start_with(answer: Answer, delay: Duration, good_token: &str) -> Server {
    let state = AppState {
        token_hits: Arc::default(),
        api_hits: Arc::default(),
        forms: Arc::default(),
        api_auth_headers: Arc::default(),
        answer,
        delay,
        good_token: good_token.to_owned(),
    };
    let server = Server {
        addr: "127.0.0.1:0".parse().expect("addr"),
        token_hits: state.token_hits.clone(),
        api_hits: state.api_hits.clone(),
        forms: state.forms.clone(),
        api_auth_headers: state.api_auth_headers.clone(),
    };
    let app = Router::new()
        .route("/oauth2/token", post(token))
        .route("/v4.1/hierarchy.json", get(api).post(api))
        .route("/records/", axum::routing::put(api))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Server { addr, ..server }
}

async fn token(
    State(state): State<AppState>,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Response {
    let n = state.token_hits.fetch_add(1, Ordering::SeqCst) + 1;
    state.forms.lock().expect("forms").push(form);
    if !state.delay.is_zero() {
        tokio::time::sleep(state.delay).await;
    }
    let (status, body) = (state.answer)(n);
    (
        StatusCode::from_u16(status).expect("status"),
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

async fn api(
    State(state): State<AppState>,
    headers: HeaderMap,
    _body: axum::body::Bytes,
) -> Response {
    state.api_hits.fetch_add(1, Ordering::SeqCst);
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    state
        .api_auth_headers
        .lock()
        .expect("headers")
        .push(auth.clone());
    if auth.as_deref() == Some(&format!("Bearer {}", state.good_token)) {
        (StatusCode::OK, r#"{"Data":[]}"#).into_response()
    } else {
        (
            StatusCode::UNAUTHORIZED,
            r#"{"message":"Unauthenticated."}"#,
        )
            .into_response()
    }
}

/// A clock that moves only when told.
#[derive(Debug)]
pub struct TestClock {
    base: Instant,
    offset: Mutex<Duration>,
}

impl TestClock {
    pub fn new() -> Arc<Self> {
        Arc::new(TestClock {
            base: Instant::now(),
            offset: Mutex::new(Duration::ZERO),
        })
    }

    pub fn advance(&self, by: Duration) {
        *self.offset.lock().expect("clock") += by;
    }

    pub fn start(&self) -> Instant {
        self.base
    }
}

impl Clock for TestClock {
    fn now(&self) -> Instant {
        self.base + *self.offset.lock().expect("clock")
    }
}
