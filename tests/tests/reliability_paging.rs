//! Paging walks that must lose nothing: a stream over 100,000 bounces under faults, a
//! malformed page and the resume after it, and tokens that expire during the walk.
//!
//! Run with `cargo test -p cg-tests --test reliability_paging -- --nocapture` to see the
//! figures.

mod reliability_common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use cg_auth::{AuthConfig, Authenticator, Credentials, RefreshPolicy};
use cg_facade::modules::lists::Bounce;
use cg_facade::{Client, Error};
use cg_sandbox::{Family, Fault, FaultConfig, Sandbox};
use futures::{StreamExt, TryStreamExt};
use reliability_common::{client, endpoints, fast_retries, fault_counts, query_value, requests_to};

const BOUNCES: &str = "/v4.1/lists/bounce";

/// Each seeded bounce exactly once, in the service's order.
fn assert_each_bounce_once(items: &[Bounce], n: usize) {
    assert_eq!(items.len(), n, "{} items for {n} bounces", items.len());
    for (k, b) in items.iter().enumerate() {
        let expected = format!("bounce-{k}@example.com");
        assert_eq!(
            b.email.as_deref(),
            Some(expected.as_str()),
            "item {k}: lost, repeated or out of order"
        );
    }
}

/// `start` of every page answered 200, and how often each was.
fn pages_answered(sandbox: &Sandbox) -> BTreeMap<u64, usize> {
    let mut pages = BTreeMap::new();
    for r in requests_to(sandbox, Family::Api, BOUNCES)
        .iter()
        .filter(|r| r.status == 200)
    {
        let start = query_value(r.query.as_deref(), "start")
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        *pages.entry(start).or_default() += 1;
    }
    pages
}

/// 100,000 bounces, 500 a page, with 10 % 5xx, 3 % 429, 1 % dropped connections and
/// 1 % answers slower than the timeout: every item comes out once, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_thousand_bounces_under_faults_each_exactly_once() {
    const N: usize = 100_000;
    const LIMIT: u32 = 500;
    let faults = FaultConfig::default()
        .seed(0xb0b)
        .server_errors(0.10)
        .rate_limits(0.03, 1)
        .drops(0.01)
        .slow(0.01, Duration::from_millis(2500))
        // The walk is only ~235 requests: one of each rare fault for certain, then the
        // seeded draws.
        .script(
            [
                vec![Fault::Pass; 40],
                vec![Fault::Drop],
                vec![Fault::Pass; 40],
                vec![Fault::Slow { millis: 2500 }],
            ]
            .concat(),
        );
    let sandbox = Sandbox::builder().faults(faults).start().await;
    sandbox.seed_bounces(N);
    let client = client(
        &sandbox,
        fast_retries(10, Duration::from_secs(2)),
        Duration::from_secs(1),
    );

    let started = Instant::now();
    let items: Vec<Bounce> = client
        .bounces()
        .list()
        .limit(LIMIT)
        .stream()
        .try_collect()
        .await
        .expect("the walk finishes");
    let elapsed = started.elapsed();

    let requests = requests_to(&sandbox, Family::Api, BOUNCES);
    let pages = pages_answered(&sandbox);
    let faults = fault_counts(&requests);
    println!("paging under faults: {N} bounces, limit {LIMIT}");
    println!(
        "  items {}; pages answered {} (+ the empty end), answered twice {}; requests logged {} ({} retries); faults {faults:?}; elapsed {elapsed:.2?}",
        items.len(),
        pages.len(),
        pages.values().filter(|n| **n > 1).count(),
        requests.len(),
        requests.len() - pages.len() - 1
    );
    assert_each_bounce_once(&items, N);
    let expected: Vec<u64> = (0..N as u64).step_by(LIMIT as usize).collect();
    let answered: Vec<u64> = pages.keys().copied().filter(|s| *s < N as u64).collect();
    assert_eq!(answered, expected, "every page was fetched, at its offset");
    for kind in ["5xx", "429", "drop"] {
        assert!(
            faults.get(kind).copied().unwrap_or(0) > 0,
            "no {kind} fault was injected: {faults:?}"
        );
    }
}

/// A malformed page (a 200 with a truncated body) ends the stream with a decode error
/// naming the operation and the status, after the items before it; resuming at the
/// count of items seen finishes the walk without a loss or a repeat.
#[tokio::test]
async fn a_malformed_page_is_a_decode_error_and_the_walk_resumes_where_it_stopped() {
    const N: usize = 5_000;
    let sandbox = Sandbox::builder()
        .faults(FaultConfig::default().script([
            Fault::Pass,
            Fault::Pass,
            Fault::Pass,
            Fault::Malformed,
        ]))
        .start()
        .await;
    sandbox.seed_bounces(N);
    let client = client(
        &sandbox,
        fast_retries(4, Duration::from_millis(50)),
        Duration::from_secs(10),
    );

    let mut seen: Vec<Bounce> = Vec::new();
    let mut error = None;
    let mut stream = std::pin::pin!(client.bounces().list().limit(500).stream());
    while let Some(item) = stream.next().await {
        match item {
            Ok(b) => seen.push(b),
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    let error = error.expect("the malformed page ends the walk");
    assert_eq!(seen.len(), 1500, "the three good pages came out");
    match &error {
        Error::Decode {
            operation, status, ..
        } => assert_eq!((*operation, *status), ("listBounces", Some(200))),
        other => panic!("expected a decode error, got {other:?}"),
    }
    let text = error.to_string();
    assert!(
        text.contains("listBounces") && text.contains("HTTP 200"),
        "{text}"
    );
    assert!(stream.next().await.is_none(), "nothing after the error");

    let rest: Vec<Bounce> = client
        .bounces()
        .list()
        .limit(500)
        .start(seen.len() as u64)
        .stream()
        .try_collect()
        .await
        .expect("resumed");
    seen.extend(rest);
    assert_each_bounce_once(&seen, N);
    println!(
        "malformed page: 1500 items, then `{text}`; resumed at 1500, {} items in all",
        seen.len()
    );
}

/// A client whose authenticator uses `policy` to decide when to refresh.
fn client_with_policy(sandbox: &Sandbox, policy: RefreshPolicy) -> Client {
    let (id, secret) = sandbox.demo_client();
    let config = AuthConfig::with_endpoints(
        endpoints(sandbox),
        Credentials::client_credentials(id, secret),
    );
    let auth = Authenticator::builder(config)
        .refresh_policy(policy)
        .build();
    Client::builder()
        .authenticator(auth)
        .retry_policy(fast_retries(4, Duration::from_millis(50)))
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client builds")
}

/// Token requests and 401 answers the sandbox saw.
fn auth_figures(sandbox: &Sandbox) -> (usize, usize) {
    let tokens = requests_to(sandbox, Family::Auth, "/oauth2/token").len();
    let refused = requests_to(sandbox, Family::Api, BOUNCES)
        .iter()
        .filter(|r| r.status == 401)
        .count();
    (tokens, refused)
}

/// Tokens that live 5 s, a walk of at least 12 s (200 pages, 120 ms added to each
/// answer, two pages in flight): the default refresh policy replaces the token ahead of
/// expiry, the walk finishes, and no page is lost or repeated.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_expiring_every_5_s_during_a_long_walk() {
    const N: usize = 20_000;
    const TTL: Duration = Duration::from_secs(5);
    let sandbox = Sandbox::builder()
        .token_ttl(TTL)
        .faults(FaultConfig::default().latency(Duration::from_millis(120)))
        .start()
        .await;
    sandbox.seed_bounces(N);
    let client = client_with_policy(&sandbox, RefreshPolicy::default());

    let started = Instant::now();
    let items: Vec<Bounce> = client
        .bounces()
        .list()
        .limit(100)
        .stream()
        .try_collect()
        .await
        .expect("the walk finishes");
    let elapsed = started.elapsed();
    let (tokens, refused) = auth_figures(&sandbox);
    let pages = pages_answered(&sandbox);
    println!(
        "token TTL {TTL:?}, default refresh policy: {} items, {} pages, {tokens} token requests, {refused} answers 401, elapsed {elapsed:.2?}",
        items.len(),
        pages.len()
    );
    assert_each_bounce_once(&items, N);
    assert!(
        elapsed >= 2 * TTL,
        "the walk outlived two tokens ({elapsed:?})"
    );
    assert!(
        tokens >= 3,
        "the token was replaced during the walk: {tokens} token requests"
    );
    assert_eq!(pages.len(), N / 100, "each page answered once: {pages:?}");
    assert!(
        pages.values().all(|n| *n == 1),
        "a page was answered twice: {pages:?}"
    );
}

/// Tokens that live 1 s, used until the client thinks they expired (no refresh ahead),
/// and on top of that revoked by the sandbox every 2,000 items: each refused page is
/// fetched again with a new token, and the walk neither loses nor repeats a page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_refused_mid_walk_are_replaced_and_the_page_fetched_again() {
    const N: usize = 10_000;
    const TTL: Duration = Duration::from_secs(1);
    let sandbox = Sandbox::builder()
        .token_ttl(TTL)
        .faults(FaultConfig::default().latency(Duration::from_millis(40)))
        .start()
        .await;
    sandbox.seed_bounces(N);
    let no_margin = RefreshPolicy {
        margin: Duration::ZERO,
        jitter: Duration::ZERO,
        ..RefreshPolicy::default()
    };
    let client = client_with_policy(&sandbox, no_margin);

    let started = Instant::now();
    let mut items = Vec::new();
    let mut revoked = 0;
    let mut stream = std::pin::pin!(client.bounces().list().limit(100).stream());
    while let Some(item) = stream.next().await {
        items.push(item.expect("no page fails"));
        if items.len() % 2_000 == 0 {
            sandbox.expire_tokens();
            revoked += 1;
        }
    }
    let elapsed = started.elapsed();
    let (tokens, refused) = auth_figures(&sandbox);
    let pages = pages_answered(&sandbox);
    println!(
        "token TTL {TTL:?}, no refresh margin, revoked {revoked} times: {} items, {} pages, {tokens} token requests, {refused} answers 401, elapsed {elapsed:.2?}",
        items.len(),
        pages.len()
    );
    assert_each_bounce_once(&items, N);
    assert!(refused >= 1, "a revoked token was refused at least once");
    // Pages in flight together share the refusal of one revoked token, and its
    // replacement: the first token, then one per revocation that a request followed
    // (the last comes after the last item, when nothing more may be asked).
    assert!(
        tokens >= revoked,
        "every revocation fetched a new token: {tokens} for {revoked}"
    );
    assert_eq!(pages.len(), N / 100, "each page answered once: {pages:?}");
    assert!(
        pages.values().all(|n| *n == 1),
        "a page was answered twice: {pages:?}"
    );
}
