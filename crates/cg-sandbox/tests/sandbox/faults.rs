use std::time::{Duration, Instant};

use cg_sandbox::{DEMO_OPEN_CONFIGURATION, Family, Fault, FaultConfig, RateLimit, Sandbox};
use serde_json::json;

use super::common::Ctx;

async fn raw(ctx: &Ctx, path: &str) -> Result<reqwest::Response, reqwest::Error> {
    ctx.http
        .get(ctx.v41(path))
        .header("Authorization", ctx.bearer())
        .send()
        .await
}

#[tokio::test]
async fn scripted_statuses_and_rate_limits() {
    let ctx = Ctx::new().await;
    ctx.sb.push_faults([
        Fault::Status(503),
        Fault::Status(500),
        Fault::RateLimit {
            retry_after_secs: 7,
        },
        Fault::Pass,
    ]);
    let r = raw(&ctx, "reasons.json").await.unwrap();
    assert_eq!(r.status().as_u16(), 503);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let r = raw(&ctx, "reasons.json").await.unwrap();
    assert_eq!(r.status().as_u16(), 500);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["Error"]["Code"], 500);
    let r = raw(&ctx, "reasons.json").await.unwrap();
    assert_eq!(r.status().as_u16(), 429);
    assert_eq!(r.headers()["retry-after"], "7");
    assert_eq!(
        raw(&ctx, "reasons.json").await.unwrap().status().as_u16(),
        200
    );
    assert_eq!(
        raw(&ctx, "reasons.json").await.unwrap().status().as_u16(),
        200
    );
    let faults: Vec<Option<String>> = ctx
        .sb
        .requests()
        .iter()
        .filter(|r| r.family == Family::Api)
        .map(|r| r.fault.clone())
        .collect();
    assert_eq!(faults[0].as_deref(), Some("status 503"));
    assert_eq!(faults[3], None);
}

#[tokio::test]
async fn auth_is_spared_unless_asked() {
    let sb = Sandbox::builder()
        .faults(FaultConfig::default().server_errors(1.0))
        .start()
        .await;
    let (id, secret) = sb.demo_client();
    let http = cg_auth::tls::client_builder().build().expect("http client");
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", id.as_str()),
        ("client_secret", secret.as_str()),
    ];
    assert_eq!(
        http.post(sb.token_url())
            .form(&form)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    let r = http
        .get(format!("{}/v4.1/reasons.json", sb.api_url()))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_server_error());
    sb.set_faults(
        FaultConfig::default()
            .server_errors(1.0)
            .families([Family::Auth]),
    );
    assert!(
        http.post(sb.token_url())
            .form(&form)
            .send()
            .await
            .unwrap()
            .status()
            .is_server_error()
    );
    sb.set_faults(FaultConfig::none());
    assert_eq!(
        http.post(sb.token_url())
            .form(&form)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
}

#[tokio::test]
async fn dropped_connections_and_malformed_bodies() {
    let ctx = Ctx::new().await;
    ctx.sb.push_faults([Fault::Drop, Fault::Malformed]);
    assert!(
        raw(&ctx, "reasons.json").await.is_err(),
        "the connection closes without an answer"
    );
    let r = raw(&ctx, "reasons.json").await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(serde_json::from_slice::<serde_json::Value>(&r.bytes().await.unwrap()).is_err());
    assert_eq!(
        raw(&ctx, "reasons.json").await.unwrap().status().as_u16(),
        200
    );
    let log = ctx.sb.requests();
    let dropped = log
        .iter()
        .find(|r| r.fault.as_deref() == Some("drop"))
        .unwrap();
    assert_eq!(dropped.status, 0);
}

#[tokio::test]
async fn latency_and_slow_answers() {
    let ctx = Ctx::new().await;
    ctx.sb
        .set_faults(FaultConfig::default().latency(Duration::from_millis(50)));
    let t = Instant::now();
    assert_eq!(
        raw(&ctx, "reasons.json").await.unwrap().status().as_u16(),
        200
    );
    assert!(t.elapsed() >= Duration::from_millis(50));
    ctx.sb
        .set_faults(FaultConfig::default().slow(1.0, Duration::from_millis(300)));
    let client = cg_auth::tls::client_builder()
        .timeout(Duration::from_millis(150))
        .build()
        .unwrap();
    let r = client
        .get(ctx.v41("reasons.json"))
        .header("Authorization", ctx.bearer())
        .send()
        .await;
    assert!(r.is_err_and(|e| e.is_timeout()));
}

#[tokio::test]
async fn same_seed_same_sequence() {
    let run = || async {
        let config = FaultConfig::default()
            .seed(42)
            .server_errors(0.3)
            .rate_limits(0.2, 1)
            .malformed(0.1);
        let ctx = Ctx::with(Sandbox::builder().faults(config)).await;
        let mut statuses = Vec::new();
        for _ in 0..30 {
            statuses.push(raw(&ctx, "reasons.json").await.unwrap().status().as_u16());
        }
        statuses
    };
    let a = run().await;
    assert_eq!(a, run().await);
    assert!(a.contains(&200) && a.iter().any(|s| *s >= 500) && a.contains(&429));
}

#[tokio::test]
async fn records_fault_after_processing() {
    let ctx = Ctx::new().await;
    ctx.sb.set_faults(
        FaultConfig::default()
            .after_processing(true)
            .families([Family::Imports])
            .script([Fault::Status(502)]),
    );
    let body =
        json!({"configuration": DEMO_OPEN_CONFIGURATION, "record": {"Email": "retry@example.com"}});
    let r = ctx
        .http
        .put(ctx.imports("/records/"))
        .header("Authorization", ctx.bearer())
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 502);
    let state = ctx.sb.state();
    assert_eq!(
        state.surveys.len(),
        1,
        "the record exists although the caller saw a failure"
    );
    assert_eq!(state.surveys[0].email.as_deref(), Some("retry@example.com"));

    ctx.sb.set_faults(
        FaultConfig::default()
            .families([Family::Imports])
            .script([Fault::Drop]),
    );
    let r = ctx
        .http
        .put(ctx.imports("/records/"))
        .header("Authorization", ctx.bearer())
        .json(&body)
        .send()
        .await;
    assert!(r.is_err());
    assert_eq!(
        ctx.sb.state().surveys.len(),
        1,
        "a fault before processing leaves no record"
    );
    assert!(ctx.sb.faults().script.is_empty());
}

/// A record answered 502 after it was processed, then sent again: with a duplication
/// rule the resend is refused as a duplicate of the first survey; without one it sends a
/// second survey (why a client must not resend an unknown outcome by default).
#[tokio::test]
async fn after_processing_faults_on_both_kinds_of_mapping() {
    let ctx = Ctx::new().await;
    let put = |configuration: &'static str, email: &'static str| {
        ctx.http
            .put(ctx.imports("/records/"))
            .header("Authorization", ctx.bearer())
            .json(&json!({"configuration": configuration, "record": {"Email": email, "Account Name": "ACME"}}))
            .send()
    };
    for (configuration, email) in [
        (cg_sandbox::DEMO_CONFIGURATION, "ruled@example.com"),
        (
            cg_sandbox::DEMO_CONFIGURATION_NO_RULE,
            "unruled@example.com",
        ),
    ] {
        ctx.sb.set_faults(
            FaultConfig::default()
                .after_processing(true)
                .families([Family::Imports])
                .script([Fault::Status(502)]),
        );
        assert_eq!(put(configuration, email).await.unwrap().status(), 502);
        let again = put(configuration, email).await.unwrap();
        let surveys = ctx
            .sb
            .state()
            .surveys
            .iter()
            .filter(|s| s.email.as_deref() == Some(email))
            .count();
        if configuration == cg_sandbox::DEMO_CONFIGURATION {
            assert_eq!(again.status(), 422);
            let body: serde_json::Value = again.json().await.unwrap();
            assert!(
                body["errors"]["duplicate"][0]
                    .as_str()
                    .is_some_and(|m| m.contains("duplicates with"))
            );
            assert_eq!(surveys, 1, "the rule keeps one survey");
        } else {
            assert_eq!(again.status(), 200);
            assert_eq!(surveys, 2, "no rule: the resend surveyed the contact twice");
        }
    }
}

/// A burst of N requests from one client past a bucket of B (refilling too slowly to
/// matter here) gets exactly N - B answers 429 with Retry-After, none of them processed;
/// another client has its own bucket.
#[tokio::test]
async fn rate_limit_per_client() {
    let ctx = Ctx::new().await;
    ctx.sb
        .set_faults(FaultConfig::default().rate_limit(RateLimit::new(0.001, 4)));
    let mut limited = 0;
    for i in 0..12 {
        let r = ctx
            .http
            .put(ctx.imports("/records/"))
            .header("Authorization", ctx.bearer())
            .json(&json!({"configuration": DEMO_OPEN_CONFIGURATION, "record": {"Email": format!("r{i}@example.com")}}))
            .send()
            .await
            .unwrap();
        match r.status().as_u16() {
            200 => {}
            429 => {
                limited += 1;
                let retry_after: u64 = r.headers()["retry-after"]
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                assert!(retry_after >= 1);
                let body: serde_json::Value = r.json().await.unwrap();
                assert_eq!(body, json!({"message": "Too Many Attempts."}));
            }
            other => panic!("status {other}"),
        }
    }
    assert_eq!(limited, 12 - 4);
    assert_eq!(
        ctx.sb.state().surveys.len(),
        4,
        "a refused request is not processed"
    );
    // The bucket is per client: the API key has its own, on the v4.1 family too.
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let r = ctx
            .http
            .get(ctx.v41("reasons.json"))
            .header("Authorization", "api_key sandbox-demo-api-key")
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses, vec![200, 200, 200, 200, 429, 429]);
    let log = ctx.sb.requests();
    assert_eq!(
        log.iter()
            .filter(|r| r
                .fault
                .as_deref()
                .is_some_and(|f| f.starts_with("rate limit exceeded")))
            .count(),
        8 + 2
    );
    // Off again: everything passes.
    ctx.sb.set_faults(FaultConfig::none());
    assert_eq!(ctx.get("reasons.json").await.0, 200);
}
