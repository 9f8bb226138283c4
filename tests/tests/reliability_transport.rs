//! Timeouts and redirects: a server that accepts and never answers makes a call fail
//! with a timeout error within the configured bound; a 30x to another host never
//! carries the `Authorization` header (nor any secret).
//!
//! Run with `cargo test -p cg-tests --test reliability_transport -- --nocapture` to see
//! the figures.

mod reliability_common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::Response;
use cg_facade::{Client, Credentials, Endpoints, Error, RetryPolicy};
use reliability_common::fast_retries;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const CONFIGURATION: &str = "9dd58237-c913-4073-9c76-07da0b49ff50";
/// Generous slack over a computed bound, for a shared, noisy machine: what is checked
/// is "bounded by the configuration", not "fast".
const SLACK: Duration = Duration::from_secs(5);

async fn listener() -> (TcpListener, String) {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    (listener, url)
}

/// How a black hole treats a connection.
#[derive(Clone, Copy)]
enum Hole {
    /// Reads the request, never answers.
    Silent,
    /// Answers the status line and headers of a 200 with a long body, then stalls.
    StallsInBody,
}

/// A server that accepts connections and never finishes an answer. Counts the requests
/// it read; keeps every connection open.
async fn black_hole(hole: Hole) -> (String, Arc<AtomicUsize>) {
    let (listener, url) = listener().await;
    let requests = Arc::new(AtomicUsize::new(0));
    let seen = requests.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                continue;
            };
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                let mut got = Vec::new();
                while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                    }
                }
                seen.fetch_add(1, Ordering::SeqCst);
                if let Hole::StallsInBody = hole {
                    let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{\"Data\":[";
                    let _ = socket.write_all(head.as_bytes()).await;
                }
                // Hold the connection (and read whatever comes) until the client leaves.
                while let Ok(n) = socket.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                }
            });
        }
    });
    (url, requests)
}

fn client_for(
    url: &str,
    credentials: Credentials,
    retry: RetryPolicy,
    timeout: Duration,
) -> Client {
    Client::builder()
        .endpoints(Endpoints::from_urls(url, url, url).expect("urls"))
        .credentials(credentials)
        .retry_policy(retry)
        .timeout(timeout)
        .build()
        .expect("client")
}

fn bearer() -> Credentials {
    Credentials::bearer_token("transport-bearer-token")
}

/// The configured timeout, no retries: a `Timeout` error naming the operation and the
/// bound, after at least the bound and within it plus slack. Both for a server that
/// never answers and for one that stalls in the middle of the body.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_never_answers_times_out_within_the_configured_bound() {
    const TIMEOUT: Duration = Duration::from_millis(300);
    for hole in [Hole::Silent, Hole::StallsInBody] {
        let (url, requests) = black_hole(hole).await;
        let client = client_for(&url, bearer(), RetryPolicy::none(), TIMEOUT);
        let started = Instant::now();
        let error = client.bounces().list().send().await.expect_err("no answer");
        let elapsed = started.elapsed();
        let name = match hole {
            Hole::Silent => "silent",
            Hole::StallsInBody => "stalls in the body",
        };
        println!(
            "{name}: `{error}` after {elapsed:.2?} ({} request)",
            requests.load(Ordering::SeqCst)
        );
        match &error {
            Error::Timeout { operation, after } => {
                assert_eq!((*operation, *after), ("listBounces", TIMEOUT))
            }
            other => panic!("{name}: expected a timeout, got {other:?}"),
        }
        assert!(error.is_retryable());
        assert!(
            error.to_string().contains("no answer within 300ms"),
            "{error}"
        );
        assert!(
            elapsed >= TIMEOUT,
            "{name}: gave up after {elapsed:?}, before the timeout"
        );
        assert!(elapsed < TIMEOUT + SLACK, "{name}: took {elapsed:?}");
        assert_eq!(requests.load(Ordering::SeqCst), 1);
    }
}

/// With retries, a read is sent `max_attempts` times, each bounded by the timeout:
/// the whole call is bounded by attempts x timeout + the backoffs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retried_reads_are_bounded_by_attempts_times_the_timeout() {
    const TIMEOUT: Duration = Duration::from_millis(300);
    let (url, requests) = black_hole(Hole::Silent).await;
    let retry = fast_retries(3, Duration::from_millis(100));
    let client = client_for(&url, bearer(), retry, TIMEOUT);
    let started = Instant::now();
    let error = client.bounces().list().send().await.expect_err("no answer");
    let elapsed = started.elapsed();
    println!(
        "3 attempts: `{error}` after {elapsed:.2?} ({} requests)",
        requests.load(Ordering::SeqCst)
    );
    assert!(
        matches!(
            error,
            Error::Timeout {
                operation: "listBounces",
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        requests.load(Ordering::SeqCst),
        3,
        "each attempt reached the server"
    );
    assert!(elapsed >= 3 * TIMEOUT);
    // Backoffs: at most 10 ms, then 20 ms.
    assert!(
        elapsed < 3 * TIMEOUT + Duration::from_millis(30) + SLACK,
        "took {elapsed:?}"
    );
}

/// A record import that timed out is resent only when the policy allows resending
/// ambiguous records (a resend may send a second survey without a duplication rule).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_out_record_import_is_resent_only_when_the_policy_allows() {
    const TIMEOUT: Duration = Duration::from_millis(300);
    for resend in [false, true] {
        let (url, requests) = black_hole(Hole::Silent).await;
        let retry = RetryPolicy {
            resend_ambiguous_records: resend,
            ..fast_retries(3, Duration::from_millis(100))
        };
        let client = client_for(&url, bearer(), retry, TIMEOUT);
        let started = Instant::now();
        let outcome = client
            .records()
            .put(CONFIGURATION)
            .field("Email", "joe@example.com")
            .send()
            .await
            .expect("an outcome: unknown");
        let elapsed = started.elapsed();
        let sent = requests.load(Ordering::SeqCst);
        println!(
            "putRecord, resend_ambiguous_records={resend}: `{outcome:?}` after {elapsed:.2?}, {sent} requests"
        );
        // Sent and never answered: the record may be in; its fate is reported unknown.
        let cg_facade::modules::records::RecordOutcome::Unknown { reason } = &outcome else {
            panic!("{outcome:?}")
        };
        assert!(reason.contains("no answer within"), "{reason}");
        assert_eq!(sent, if resend { 3 } else { 1 });
        assert!(
            elapsed < sent as u32 * TIMEOUT + Duration::from_millis(30) + SLACK,
            "took {elapsed:?}"
        );
    }
}

/// A token endpoint that accepts and never answers: the call fails with a timeout
/// within the client's configured bound, as any other request would.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_endpoint_that_never_answers_times_out_within_the_configured_bound() {
    const TIMEOUT: Duration = Duration::from_millis(300);
    let (hole, _) = black_hole(Hole::Silent).await;
    let (api, _) = black_hole(Hole::Silent).await;
    let client = Client::builder()
        .endpoints(Endpoints::from_urls(&api, &api, &hole).expect("urls"))
        .credentials(Credentials::client_credentials(
            "transport-client",
            "transport-client-secret",
        ))
        .retry_policy(RetryPolicy::none())
        .timeout(TIMEOUT)
        .build()
        .expect("client");
    let started = Instant::now();
    let error = client.bounces().list().send().await.expect_err("no token");
    let elapsed = started.elapsed();
    println!("token endpoint silent: `{error}` after {elapsed:.2?}");
    assert!(
        elapsed < TIMEOUT + SLACK,
        "took {elapsed:?} with a {TIMEOUT:?} timeout"
    );
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
}

// ---------------------------------------------------------------------------------------
// Redirects.

/// What the other host saw of one request.
#[derive(Clone, Debug)]
struct Seen {
    method: Method,
    path: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

type Log = Arc<Mutex<Vec<Seen>>>;

async fn record(
    State(log): State<Log>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let path = uri.path().to_owned();
    log.lock().expect("log").push(Seen {
        method,
        path: path.clone(),
        headers,
        body: body.to_vec(),
    });
    let body = if path.starts_with("/oauth2/") {
        r#"{"access_token":"token-from-the-other-host","token_type":"Bearer","expires_in":3600}"#
    } else {
        r#"{"Data":[]}"#
    };
    let mut response = Response::new(Body::from(body));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    response
}

/// The other host: answers everything 200 and logs what it got.
async fn other_host() -> (u16, Log) {
    let (listener, _) = listener().await;
    let port = listener.local_addr().expect("addr").port();
    let log: Log = Arc::default();
    let app = axum::Router::new().fallback(record).with_state(log.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (port, log)
}

/// A host that answers every request with `status` and a Location on `target` (same
/// path and query).
async fn redirecting_host(status: u16, target: String) -> (String, Arc<AtomicUsize>) {
    let (listener, url) = listener().await;
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let app = axum::Router::new().fallback(move |uri: Uri| {
        let target = target.clone();
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            let location = format!(
                "{target}{}",
                uri.path_and_query().map_or("/", |p| p.as_str())
            );
            let mut response = Response::new(Body::empty());
            *response.status_mut() = StatusCode::from_u16(status).expect("status");
            response.headers_mut().insert(
                header::LOCATION,
                header::HeaderValue::from_str(&location).expect("location"),
            );
            response
        }
    });
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, hits)
}

const API_KEY: &str = "transport-api-key-value";
const TOKEN: &str = "transport-bearer-token";
const CLIENT_SECRET: &str = "transport-client-secret";

/// Whether any header or the body the other host got holds a secret.
fn leaks(seen: &Seen) -> Option<String> {
    if seen.headers.contains_key(header::AUTHORIZATION) {
        return Some(format!(
            "{} {} carried Authorization",
            seen.method, seen.path
        ));
    }
    for (name, value) in &seen.headers {
        let value = String::from_utf8_lossy(value.as_bytes());
        for secret in [API_KEY, TOKEN, CLIENT_SECRET] {
            if value.contains(secret) {
                return Some(format!("header {name} carried {secret}"));
            }
        }
    }
    let body = String::from_utf8_lossy(&seen.body);
    [API_KEY, TOKEN, CLIENT_SECRET]
        .iter()
        .find(|s| body.contains(**s))
        .map(|s| format!("the body carried {s}"))
}

/// Every redirect status, to another host name and to another port of the same
/// address, for a v4.1 read with a bearer token and with an API key, and for a record
/// import (whose body a 307/308 carries along): the request arrives without
/// credentials.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_to_another_host_never_carries_the_authorization_header() {
    let (port, log) = other_host().await;
    let mut followed = 0;
    for target in [
        format!("http://localhost:{port}"),
        format!("http://127.0.0.1:{port}"),
    ] {
        for status in [301u16, 302, 303, 307, 308] {
            let (url, hits) = redirecting_host(status, target.clone()).await;
            for credentials in [
                Credentials::bearer_token(TOKEN),
                Credentials::api_key(API_KEY),
            ] {
                let client = client_for(
                    &url,
                    credentials,
                    RetryPolicy::none(),
                    Duration::from_secs(10),
                );
                let before = log.lock().expect("log").len();
                let answer = client.bounces().list().send().await;
                assert!(answer.is_ok(), "{status} to {target}: {answer:?}");
                assert_eq!(
                    log.lock().expect("log").len(),
                    before + 1,
                    "{status} to {target} was followed"
                );
                followed += 1;
            }
            let client = client_for(
                &url,
                Credentials::bearer_token(TOKEN),
                RetryPolicy::none(),
                Duration::from_secs(10),
            );
            let before = log.lock().expect("log").len();
            let _ = client
                .records()
                .put(CONFIGURATION)
                .field("Email", "joe@example.com")
                .send()
                .await;
            if log.lock().expect("log").len() > before {
                followed += 1;
            }
            assert!(hits.load(Ordering::SeqCst) >= 3);
        }
    }
    let seen = log.lock().expect("log").clone();
    let leaked: Vec<String> = seen.iter().filter_map(leaks).collect();
    let bodies = seen.iter().filter(|s| !s.body.is_empty()).count();
    println!(
        "redirects followed: {followed}; requests at the other host: {} ({bodies} with a body); leaks: {leaked:?}",
        seen.len()
    );
    assert!(leaked.is_empty(), "{leaked:#?}");
    assert!(
        bodies > 0,
        "a 307/308 of a PUT carried its body along, and still no credentials"
    );
}

/// A token endpoint that redirects: the client secret is not sent after it (the token
/// client follows no redirects), and the failure is an authentication error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirected_token_request_does_not_follow_with_the_client_secret() {
    let (port, log) = other_host().await;
    for status in [301u16, 302, 307, 308] {
        let (auth, hits) = redirecting_host(status, format!("http://localhost:{port}")).await;
        let (api, _) = black_hole(Hole::Silent).await;
        let client = Client::builder()
            .endpoints(Endpoints::from_urls(&api, &api, &auth).expect("urls"))
            .credentials(Credentials::client_credentials(
                "transport-client",
                CLIENT_SECRET,
            ))
            .retry_policy(RetryPolicy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .expect("client");
        let error = client.bounces().list().send().await.expect_err("no token");
        assert!(matches!(error, Error::Auth { .. }), "{status}: {error:?}");
        assert!(!error.to_string().contains(CLIENT_SECRET));
        assert_eq!(
            hits.load(Ordering::SeqCst),
            1,
            "{status}: one token request"
        );
        println!("token endpoint answering {status}: `{error}`");
    }
    let seen = log.lock().expect("log").clone();
    assert!(seen.is_empty(), "the other host got {seen:#?}");
}
