//! Secret hygiene over a full run: every tracing event at TRACE (the SDK's own and, via
//! the `log` bridge, reqwest's) and every Debug and Display of clients, builders,
//! credentials, tokens and errors met on the way are captured, and no client secret,
//! API key or access token appears in any of it.
//!
//! Alone in its binary: the subscriber is process-wide.

mod reliability_common;

use std::fmt::{Debug, Display};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cg_auth::{AuthConfig, Authenticator, Secret};
use cg_facade::modules::files::{UploadFile, UploadKind};
use cg_facade::modules::records::Record;
use cg_facade::{Client, Credentials, Error, Format};
use cg_sandbox::{DEMO_API_KEY, DEMO_CLIENT_SECRET, Fault, FaultConfig, Sandbox};
use futures::TryStreamExt;
use reliability_common::{endpoints, fast_retries};
use tracing_subscriber::util::SubscriberInitExt;

/// A writer keeping everything written to it.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Debug and Display of everything the run formats.
#[derive(Default)]
struct Shown(Vec<String>);

impl Shown {
    fn debug(&mut self, what: &str, value: &impl Debug) {
        self.0.push(format!("{what}: {value:?}"));
        self.0.push(format!("{what}: {value:#?}"));
    }
    fn both(&mut self, what: &str, value: &(impl Debug + Display)) {
        self.debug(what, value);
        self.0.push(format!("{what}: {value}"));
    }
    fn result<T: Debug>(&mut self, what: &str, value: &Result<T, Error>) {
        match value {
            Ok(v) => self.debug(what, v),
            Err(e) => {
                self.both(what, e);
                let mut source = std::error::Error::source(e);
                while let Some(s) = source {
                    self.0.push(format!("{what} caused by: {s} / {s:?}"));
                    source = s.source();
                }
            }
        }
    }
}

const WRONG_SECRET: &str = "wrong-secret-9f8e7d6c5b4a";
const FIXED_TOKEN_NAME: &str = "fixed bearer token";
const ENV_SECRET: &str = "env-secret-0a1b2c3d4e5f";
const ENV_API_KEY: &str = "env-api-key-6g7h8i9j";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_or_token_in_logs_or_formatted_values() {
    let logs = Captured::default();
    let writer = logs.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish()
        .try_init()
        .expect("the only subscriber of this binary");

    // Tokens live 2 s (refreshed during the run); some answers fail and are retried.
    let faults = FaultConfig::default()
        .seed(9)
        .server_errors(0.1)
        .drops(0.02)
        .rate_limits(0.02, 0);
    let sandbox = Sandbox::builder()
        .seed_demo(true)
        .token_ttl(Duration::from_secs(2))
        .faults(faults)
        .start()
        .await;
    sandbox.seed_bounces(1_000);
    let mut shown = Shown::default();
    let mut tokens: Vec<String> = Vec::new();

    // The main client: OAuth2 client credentials and an API key.
    let (id, secret) = sandbox.demo_client();
    let credentials =
        Credentials::client_credentials(id.clone(), secret.clone()).with_api_key(DEMO_API_KEY);
    shown.both("credentials", &credentials);
    let builder = Client::builder()
        .endpoints(endpoints(&sandbox))
        .credentials(credentials.clone())
        .retry_policy(fast_retries(6, Duration::from_millis(50)))
        .timeout(Duration::from_secs(10));
    shown.debug("builder", &builder);
    let client = builder.build().expect("client");
    shown.debug("client", &client);
    shown.debug("authenticator", client.authenticator());
    shown.debug("endpoints", client.endpoints());

    let token = client.authenticator().token().await.expect("a token");
    tokens.push(token.secret().expose_secret().to_owned());
    shown.debug("access token", &token);
    shown.both("token secret", token.secret());
    if let Some(cache) = client.authenticator().token_cache() {
        shown.debug("token cache", cache);
    }

    // Bulk import through faults, with an expired token in the middle.
    let records: Vec<Record> = (0..200)
        .map(|i| {
            let r = Record::new()
                .field("Email", format!("hygiene-{i}@example.com"))
                .field("Account Name", "ACME");
            if i % 50 == 7 {
                r.field("Touchpoint", "Fax")
            } else {
                r
            }
        })
        .collect();
    let import = client
        .records()
        .import(sandbox.demo_configuration(), records)
        .concurrency(8);
    shown.debug("bulk import", &import);
    let progress = import.progress();
    sandbox.expire_tokens();
    let mut not_imported = cg_facade::modules::bulk::NotImported::default();
    let summary = import.run_into(&mut not_imported).await.expect("kept");
    shown.debug("bulk summary", &summary);
    shown.debug("progress", &progress);
    for o in &not_imported.0 {
        shown.both("bulk outcome", &o.result);
    }
    assert!(
        summary.rejected > 0,
        "the service refused some records: {summary}"
    );

    // Paging in both formats, across token expiry.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let all: Result<Vec<_>, Error> = client
        .bounces()
        .list()
        .limit(200)
        .stream()
        .try_collect()
        .await;
    shown.result(
        "bounces",
        &all.as_ref()
            .map(Vec::len)
            .map_err(|e| Error::Config(e.to_string())),
    );
    let xml: Result<Vec<_>, Error> = client
        .with_format(Format::Xml)
        .bounces()
        .list()
        .limit(500)
        .stream()
        .try_collect()
        .await;
    shown.result("bounces xml", &xml.map(|v| v.len()));
    shown.result(
        "unsubscribe",
        &client.unsubscribes().add("hygiene@example.com").await,
    );
    shown.result(
        "unsubscribe again",
        &client.unsubscribes().add("hygiene@example.com").await,
    );
    shown.result(
        "unsubscribe invalid",
        &client.unsubscribes().add("not an address").await,
    );
    let upload = client
        .files()
        .upload(
            UploadKind::Contact,
            UploadFile::bytes(
                "hygiene.csv",
                b"Email,First Name\na@example.com,A\n".to_vec(),
            ),
        )
        .await;
    shown.result("upload", &upload);
    let refused = client
        .records()
        .put(sandbox.demo_configuration())
        .field("Email", "x@example.com")
        .field("Touchpoint", "Fax")
        .send()
        .await;
    shown.result("record refused", &refused);

    // An API key only: fine for v4.1, refused locally for imports.
    let key_client = Client::builder()
        .endpoints(endpoints(&sandbox))
        .credentials(Credentials::api_key(DEMO_API_KEY))
        .build()
        .expect("client");
    shown.debug("api key client", &key_client);
    shown.result(
        "api key listing",
        &key_client
            .bounces()
            .list()
            .limit(10)
            .send()
            .await
            .map(|v| v.len()),
    );
    shown.result(
        "api key import",
        &key_client
            .records()
            .put(sandbox.demo_configuration())
            .field("Email", "k@example.com")
            .send()
            .await,
    );

    // A fixed bearer token, valid and then revoked.
    let fixed = sandbox.issue_token();
    tokens.push(fixed.clone());
    let fixed_client = Client::builder()
        .endpoints(endpoints(&sandbox))
        .credentials(Credentials::bearer_token(fixed.clone()))
        .build()
        .expect("client");
    shown.debug(FIXED_TOKEN_NAME, &fixed_client);
    shown.result(
        "fixed token listing",
        &fixed_client
            .bounces()
            .list()
            .limit(10)
            .send()
            .await
            .map(|v| v.len()),
    );
    sandbox.expire_tokens();
    shown.result(
        "fixed token refused",
        &fixed_client
            .bounces()
            .list()
            .limit(10)
            .send()
            .await
            .map(|v| v.len()),
    );

    // A wrong secret: refused by the token endpoint.
    let wrong = Client::builder()
        .endpoints(endpoints(&sandbox))
        .credentials(Credentials::client_credentials(id.clone(), WRONG_SECRET))
        .build()
        .expect("client");
    shown.debug("wrong client", &wrong);
    shown.result(
        "wrong secret",
        &wrong.bounces().list().send().await.map(|v| v.len()),
    );
    shown.result(
        "wrong secret token",
        &wrong
            .authenticator()
            .token()
            .await
            .map_err(|e| Error::Config(e.to_string()))
            .map(|_| ()),
    );
    if let Err(e) = wrong.authenticator().token().await {
        shown.both("auth error", &e);
    }

    // Configuration from the environment (a lookup, not the process environment).
    let config = AuthConfig::from_lookup(|k| match k {
        "CG_API_URL" => Some(sandbox.api_url()),
        "CG_IMPORTS_URL" => Some(sandbox.imports_url()),
        "CG_AUTH_URL" => Some(sandbox.auth_url()),
        "CG_CLIENT_ID" => Some(id.clone()),
        "CG_CLIENT_SECRET" => Some(ENV_SECRET.to_owned()),
        "CG_API_KEY" => Some(ENV_API_KEY.to_owned()),
        _ => None,
    })
    .expect("config");
    shown.debug("auth config", &config);
    shown.both("env credentials", config.credentials());
    let env_auth = Authenticator::new(config);
    shown.debug("env authenticator", &env_auth);
    let env_client = Client::builder()
        .authenticator(env_auth)
        .build()
        .expect("client");
    shown.result(
        "env client",
        &env_client
            .bounces()
            .list()
            .limit(5)
            .send()
            .await
            .map(|v| v.len()),
    );
    shown.both("a secret", &Secret::new(ENV_SECRET));

    // Scripted faults on the last calls, to log retries of each kind once more.
    sandbox.push_faults([
        Fault::Status(503),
        Fault::Drop,
        Fault::RateLimit {
            retry_after_secs: 0,
        },
    ]);
    shown.result(
        "after faults",
        &client
            .bounces()
            .list()
            .limit(5)
            .send()
            .await
            .map(|v| v.len()),
    );

    // Every token the sandbox issued during the run.
    tokens.extend(sandbox.state().tokens.keys().cloned());
    tokens.sort();
    tokens.dedup();

    let log_text = String::from_utf8(logs.0.lock().expect("logs").clone()).expect("utf-8");
    let shown_text = shown.0.join("\n");
    let secrets: Vec<(&str, String)> = [
        ("client secret", DEMO_CLIENT_SECRET.to_owned()),
        ("client secret (sandbox)", secret),
        ("API key", DEMO_API_KEY.to_owned()),
        ("wrong client secret", WRONG_SECRET.to_owned()),
        ("client secret from the environment", ENV_SECRET.to_owned()),
        ("API key from the environment", ENV_API_KEY.to_owned()),
    ]
    .into_iter()
    .chain(tokens.iter().map(|t| ("access token", t.clone())))
    .collect();
    println!(
        "secret hygiene: {} lines of TRACE output, {} formatted values, {} secrets and tokens checked ({} tokens)",
        log_text.lines().count(),
        shown.0.len(),
        secrets.len(),
        tokens.len()
    );

    // The capture saw the run: spans of attempts, token requests, retries, a 401.
    for expected in [
        "cg.attempt",
        "cg.operation",
        "requesting an OAuth2 token",
        "retrying",
        "401 answer",
        "putRecord",
        "listBounces",
        "reqwest::",
    ] {
        assert!(
            log_text.contains(expected),
            "the capture lacks {expected:?}"
        );
    }
    assert!(
        tokens.len() >= 3,
        "tokens were refreshed during the run: {}",
        tokens.len()
    );
    // The formatted values are there (the client id shows; secrets show redacted).
    assert!(
        shown_text.contains(&id) && shown_text.contains(cg_auth::secret::REDACTED),
        "{shown_text}"
    );
    for (what, value) in &secrets {
        for (place, text) in [("logs", &log_text), ("Debug/Display", &shown_text)] {
            if let Some(at) = text.find(value.as_str()) {
                let line = text[..at].rsplit('\n').next().unwrap_or_default();
                panic!("the {what} appears in the {place}: ...{line}");
            }
        }
    }
}
