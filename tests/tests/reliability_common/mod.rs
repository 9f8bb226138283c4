//! Shared by the `reliability_*` tests: clients pointed at a sandbox, retry policies
//! fast enough for CI, and small helpers over the sandbox's request log.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::time::Duration;

use cg_facade::{Client, Credentials, Endpoints, RetryPolicy};
use cg_sandbox::{Family, LoggedRequest, Sandbox};

/// The endpoints of a running sandbox.
pub fn endpoints(sandbox: &Sandbox) -> Endpoints {
    Endpoints::from_urls(
        &sandbox.api_url(),
        &sandbox.imports_url(),
        &sandbox.auth_url(),
    )
    .expect("sandbox URLs are valid")
}

/// Retries with short backoffs: `attempts` in all, first backoff 10 ms, capped at
/// `max_backoff` (which also caps a server's Retry-After).
pub fn fast_retries(attempts: u32, max_backoff: Duration) -> RetryPolicy {
    RetryPolicy {
        max_attempts: attempts,
        initial_backoff: Duration::from_millis(10),
        max_backoff,
        resend_ambiguous_records: true,
    }
}

/// A client with the sandbox's demo OAuth2 client.
pub fn client(sandbox: &Sandbox, retry: RetryPolicy, timeout: Duration) -> Client {
    let (id, secret) = sandbox.demo_client();
    Client::builder()
        .endpoints(endpoints(sandbox))
        .credentials(Credentials::client_credentials(id, secret))
        .retry_policy(retry)
        .timeout(timeout)
        .build()
        .expect("client builds")
}

/// Logged requests of one family whose path starts with `prefix`.
pub fn requests_to(sandbox: &Sandbox, family: Family, prefix: &str) -> Vec<LoggedRequest> {
    sandbox
        .requests()
        .into_iter()
        .filter(|r| r.family == family && r.path.starts_with(prefix))
        .collect()
}

/// How many of `requests` carried each injected fault (`none` for the clean ones).
pub fn fault_counts(requests: &[LoggedRequest]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for r in requests {
        let label = match r.fault.as_deref() {
            None => "none".to_owned(),
            Some(l) if l.starts_with("status 5") => "5xx".to_owned(),
            Some(l) if l.starts_with("rate limit") => "429".to_owned(),
            Some(l) if l.starts_with("slow") => "slow".to_owned(),
            Some(l) => l.to_owned(),
        };
        *counts.entry(label).or_default() += 1;
    }
    counts
}

/// The value of `key` in a logged query string.
pub fn query_value(query: Option<&str>, key: &str) -> Option<String> {
    query?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == key).then(|| v.to_owned())
    })
}
