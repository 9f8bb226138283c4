//! Credentials through the facade: tokens expiring mid-run, a revoked token recovered
//! once, the API key where the API takes it, and refusals that name what is wrong.

mod common;

use std::time::Duration;

use cg_facade::{Client, Credentials, Error};
use cg_sandbox::{Family, Sandbox};
use futures::StreamExt;

fn token_requests(sandbox: &Sandbox) -> usize {
    sandbox
        .requests()
        .iter()
        .filter(|r| r.family == Family::Auth)
        .count()
}

#[tokio::test]
async fn a_walk_outlives_its_tokens() {
    let sandbox = Sandbox::builder()
        .seed_demo(true)
        .token_ttl(Duration::from_secs(1))
        .start()
        .await;
    sandbox.seed_bounces(1_500);
    let client = common::client_for(&sandbox);
    let mut bounces = client.bounces().list().limit(100).stream();
    let mut seen = std::collections::HashSet::new();
    let mut count = 0;
    while let Some(bounce) = bounces.next().await {
        let bounce = bounce.expect("every page arrives although tokens expire");
        count += 1;
        seen.insert(bounce.email.clone());
        if count % 300 == 0 {
            // Longer than the token's whole life.
            tokio::time::sleep(Duration::from_millis(1_100)).await;
        }
    }
    assert_eq!(count, seen.len(), "no item twice");
    assert!(count >= 1_500, "{count} items");
    assert!(
        token_requests(&sandbox) >= 3,
        "new tokens were fetched: {}",
        token_requests(&sandbox)
    );
    let refused = sandbox
        .requests()
        .iter()
        .filter(|r| r.status == 401)
        .count();
    assert_eq!(
        refused, 0,
        "tokens are renewed before they expire, not after a 401"
    );
}

#[tokio::test]
async fn a_revoked_token_is_replaced_once_and_the_call_succeeds() {
    let (sandbox, client) = common::start().await;
    client.hierarchy().list().send().await.expect("first call");
    assert_eq!(token_requests(&sandbox), 1);
    sandbox.expire_tokens();
    sandbox.clear_requests();

    let divisions = client
        .hierarchy()
        .list()
        .send()
        .await
        .expect("recovered after the 401");
    assert!(!divisions.is_empty());
    let log = sandbox.requests();
    let statuses: Vec<(Family, u16)> = log.iter().map(|r| (r.family, r.status)).collect();
    assert_eq!(
        statuses,
        vec![(Family::Api, 401), (Family::Auth, 200), (Family::Api, 200)],
        "{log:?}"
    );
}

#[tokio::test]
async fn one_token_request_serves_many_concurrent_first_calls() {
    let (sandbox, client) = common::start().await;
    let calls = (0..200).map(|_| {
        let client = client.clone();
        async move { client.reasons().list().send().await }
    });
    let answers = futures::future::join_all(calls).await;
    assert!(answers.iter().all(Result::is_ok));
    assert_eq!(token_requests(&sandbox), 1);
}

#[tokio::test]
async fn the_api_key_works_for_v41_and_imports_say_they_need_oauth2() {
    let sandbox = Sandbox::builder().seed_demo(true).start().await;
    let client = Client::builder()
        .endpoints(common::endpoints(&sandbox))
        .credentials(Credentials::api_key(sandbox.demo_api_key()))
        .build()
        .unwrap();
    assert!(!client.reasons().list().send().await.unwrap().is_empty());
    sandbox.clear_requests();

    let err = client
        .records()
        .put(sandbox.demo_configuration())
        .field("Email", "joe.doe@example.com")
        .send()
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert!(
        text.contains("putRecord") && text.contains("OAuth2"),
        "{text}"
    );
    assert!(
        !text.contains(&sandbox.demo_api_key()),
        "no secret in errors: {text}"
    );
    assert!(sandbox.requests().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn a_wrong_secret_is_an_auth_error_without_the_secret() {
    let sandbox = Sandbox::builder().seed_demo(true).start().await;
    let (id, _) = sandbox.demo_client();
    let client = Client::builder()
        .endpoints(common::endpoints(&sandbox))
        .credentials(Credentials::client_credentials(id, "not-the-secret-xyz"))
        .build()
        .unwrap();
    let err = client.hierarchy().list().send().await.unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    let shown = format!("{err} {err:?} {client:?}");
    assert!(!shown.contains("not-the-secret-xyz"), "{shown}");
    assert!(!err.is_retryable());
}
