//! What the cases send: unique records, clients configured alike on both sides.

use std::time::Duration;

use cg_facade::modules::records::Record;
use cg_facade::{Client, Credentials, Endpoints};

use crate::sandbox::SandboxProc;

/// The sandbox's demo mapping without field rules and without a duplication rule
/// (`DEMO_OPEN_CONFIGURATION`): what is measured is the client, not the rules.
pub const OPEN_CONFIGURATION: &str = cg_sandbox::DEMO_OPEN_CONFIGURATION;

/// The facade's default timeouts, used by the raw clients too.
pub const TIMEOUT: Duration = cg_facade::DEFAULT_TIMEOUT;
/// See [`TIMEOUT`].
pub const CONNECT_TIMEOUT: Duration = cg_facade::DEFAULT_CONNECT_TIMEOUT;

/// A unique e-mail address for record `i` of run `run`. The leading hex digits differ
/// from one record to the next, so the sandbox's linear contact lookup (it compares
/// addresses byte by byte) stops at the first byte and stays cheap. The Python side
/// (`scripts/bench_httpx.py`) builds the same addresses.
pub fn email(run: &str, i: usize) -> String {
    let mixed = (i as u64).wrapping_mul(2_654_435_761) & 0xffff_ffff;
    format!("{mixed:08x}.{i}.{run}@bench.example")
}

/// The fields of record `i`, in the order every side sends them.
pub fn fields(run: &str, i: usize) -> [(&'static str, String); 4] {
    [
        ("Email", email(run, i)),
        ("First Name", "Bench".to_owned()),
        ("Last Name", format!("User {i}")),
        ("Account Name", "Bench Co".to_owned()),
    ]
}

/// Record `i` for the facade.
pub fn record(run: &str, i: usize) -> Record {
    fields(run, i).into_iter().collect()
}

/// The `PUT /records/` body of record `i` for the raw side.
pub fn raw_body(run: &str, i: usize) -> serde_json::Value {
    let record: serde_json::Map<String, serde_json::Value> = fields(run, i)
        .into_iter()
        .map(|(k, v)| (k.to_owned(), serde_json::Value::String(v)))
        .collect();
    serde_json::json!({ "configuration": OPEN_CONFIGURATION, "record": record })
}

/// A plain reqwest client with the facade's timeouts (and its default pool).
pub fn raw_http() -> Result<reqwest::Client, String> {
    cg_auth::tls::client_builder()
        .timeout(TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
        .user_agent("cg-bench-raw/0.1")
        .build()
        .map_err(|e| e.to_string())
}

/// A facade client on the sandbox with the demo OAuth2 client.
pub fn facade_oauth(sandbox: &SandboxProc) -> Result<Client, String> {
    facade(
        sandbox,
        Credentials::client_credentials(&sandbox.client_id, sandbox.client_secret.as_str()),
        true,
    )
}

/// A facade client on the sandbox with these credentials.
pub fn facade(
    sandbox: &SandboxProc,
    credentials: Credentials,
    prefetch: bool,
) -> Result<Client, String> {
    let endpoints = Endpoints::from_urls(&sandbox.api, &sandbox.imports, &sandbox.auth)
        .map_err(|e| e.to_string())?;
    Client::builder()
        .endpoints(endpoints)
        .credentials(credentials)
        .prefetch(prefetch)
        .build()
        .map_err(|e| e.to_string())
}

/// A bearer token for the raw side, fetched as any OAuth2 client would.
pub async fn raw_token(http: &reqwest::Client, sandbox: &SandboxProc) -> Result<String, String> {
    let answer: serde_json::Value = http
        .post(sandbox.token_url())
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", sandbox.client_id.as_str()),
            ("client_secret", sandbox.client_secret.as_str()),
        ])
        .send()
        .await
        .map_err(|e| format!("token request: {e}"))?
        .json()
        .await
        .map_err(|e| format!("token answer: {e}"))?;
    answer["access_token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("no access_token in {answer}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_unique_and_valid() {
        let a: std::collections::HashSet<String> = (0..10_000).map(|i| email("t", i)).collect();
        assert_eq!(a.len(), 10_000);
        assert!(record("t", 1).validate().is_ok());
        assert_eq!(email("r", 1), "9e3779b1.1.r@bench.example");
        assert_eq!(
            raw_body("r", 1)["record"]["Email"],
            "9e3779b1.1.r@bench.example"
        );
    }
}
