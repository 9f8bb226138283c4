//! The token cache against a token server on 127.0.0.1.

mod common;

use std::sync::Arc;
use std::time::Duration;

use cg_auth::{AuthError, ClientCredentials, TokenCache};
use common::{CLIENT_ID, CLIENT_SECRET, TestClock, numbered_tokens, start, start_with};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousand_concurrent_calls_on_a_cold_cache_make_one_request() {
    let server = start_with(
        numbered_tokens(Some("3600")),
        Duration::from_millis(200),
        "tok-1",
    )
    .await;
    let cache = server.cache(TestClock::new());

    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let cache = cache.clone();
            tokio::spawn(async move { cache.token().await })
        })
        .collect();
    let mut inline: Vec<_> = (0..1000).map(|_| cache.token()).collect::<Vec<_>>();
    let inline = futures::future::join_all(inline.drain(..)).await;

    for t in futures::future::join_all(tasks).await {
        let token = t.expect("task").expect("token");
        assert_eq!(token.secret().expose_secret(), "tok-1");
    }
    for t in inline {
        assert_eq!(t.expect("token").secret().expose_secret(), "tok-1");
    }
    assert_eq!(server.token_hits(), 1);
    assert_eq!(cache.requests_sent(), 1);

    // The request was a client-credentials grant with the configured id and secret.
    let forms = server.forms.lock().expect("forms");
    assert_eq!(
        forms[0].get("grant_type").map(String::as_str),
        Some("client_credentials")
    );
    assert_eq!(
        forms[0].get("client_id").map(String::as_str),
        Some(CLIENT_ID)
    );
    assert_eq!(
        forms[0].get("client_secret").map(String::as_str),
        Some(CLIENT_SECRET)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_request_is_shared_by_concurrent_callers_too() {
    let server = start_with(
        Arc::new(|_| (500, r#"{"error":"server_error"}"#.to_owned())),
        Duration::from_millis(200),
        "tok-1",
    )
    .await;
    let cache = server.cache(TestClock::new());
    let results = futures::future::join_all((0..200).map(|_| cache.token())).await;
    assert!(
        results
            .iter()
            .all(|r| matches!(r, Err(AuthError::TokenEndpoint { status: 500, .. })))
    );
    // One flight for all 200, its three attempts (a 5xx is retried with backoff).
    assert_eq!(server.token_hits(), 3);
    assert!(
        results[0]
            .as_ref()
            .err()
            .is_some_and(AuthError::is_retryable)
    );
    // The next call tries again.
    assert!(cache.token().await.is_err());
    assert_eq!(server.token_hits(), 6);
}

#[tokio::test]
async fn expiry_triggers_exactly_one_refetch() {
    let server = start(numbered_tokens(Some("600"))).await;
    let clock = TestClock::new();
    let cache = server.cache(clock.clone());

    let first = cache.token().await.expect("token");
    assert_eq!(first.secret().expose_secret(), "tok-1");
    assert_eq!(
        first.expires_at(),
        Some(clock.start() + Duration::from_secs(600))
    );

    clock.advance(Duration::from_secs(599));
    for _ in 0..10 {
        assert_eq!(cache.token().await.expect("token"), first);
    }
    assert_eq!(server.token_hits(), 1);

    clock.advance(Duration::from_secs(1));
    let results = futures::future::join_all((0..50).map(|_| cache.token())).await;
    for r in results {
        assert_eq!(r.expect("token").secret().expose_secret(), "tok-2");
    }
    assert_eq!(server.token_hits(), 2);
}

#[tokio::test]
async fn expires_in_missing_means_one_hour() {
    let server = start(numbered_tokens(None)).await;
    let clock = TestClock::new();
    let cache = server.cache(clock.clone());

    let t = cache.token().await.expect("token");
    assert_eq!(
        t.expires_at(),
        Some(clock.start() + Duration::from_secs(3600))
    );
    clock.advance(Duration::from_secs(3599));
    assert_eq!(cache.token().await.expect("token"), t);
    assert_eq!(server.token_hits(), 1);
    clock.advance(Duration::from_secs(1));
    assert_eq!(
        cache.token().await.expect("token").secret().expose_secret(),
        "tok-2"
    );
    assert_eq!(server.token_hits(), 2);
}

#[tokio::test]
async fn expires_in_as_a_string_is_used() {
    let server = start(numbered_tokens(Some(r#""120""#))).await;
    let clock = TestClock::new();
    let cache = server.cache(clock.clone());
    let t = cache.token().await.expect("token");
    assert_eq!(
        t.expires_at(),
        Some(clock.start() + Duration::from_secs(120))
    );
}

#[tokio::test]
async fn unusable_expires_in_falls_back_to_one_hour() {
    let server = start(numbered_tokens(Some(r#""later""#))).await;
    let clock = TestClock::new();
    let cache = server.cache(clock.clone());
    let t = cache.token().await.expect("token");
    assert_eq!(
        t.expires_at(),
        Some(clock.start() + Duration::from_secs(3600))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_ahead_serves_the_old_token_while_one_refresh_runs() {
    // The token server takes 300 ms, so the old token must be served meanwhile.
    let server = start_with(
        numbered_tokens(Some("3600")),
        Duration::from_millis(300),
        "tok-1",
    )
    .await;
    let clock = TestClock::new();
    let cache = TokenCache::builder(
        ClientCredentials::new(CLIENT_ID, CLIENT_SECRET),
        server.endpoints().token_url(),
    )
    .clock(clock.clone())
    .refresh_policy(cg_auth::RefreshPolicy {
        margin: Duration::from_secs(300),
        jitter: Duration::from_secs(60),
        ..Default::default()
    })
    .build();

    let first = cache.token().await.expect("token");
    // 3600 - 300 - 60 = 3240: inside the window whatever the jitter was.
    clock.advance(Duration::from_secs(3300));
    for _ in 0..20 {
        assert_eq!(cache.token().await.expect("token"), first);
    }
    // The background refresh lands; exactly one request was made for it.
    for _ in 0..200 {
        if cache.token().await.expect("token") != first {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        cache.token().await.expect("token").secret().expose_secret(),
        "tok-2"
    );
    assert_eq!(server.token_hits(), 2);
}

#[tokio::test]
async fn invalidate_then_refetch_once() {
    let server = start(numbered_tokens(Some("3600"))).await;
    let cache = server.cache(TestClock::new());

    let first = cache.token().await.expect("token");
    assert!(cache.invalidate(&first));
    let second = cache.token().await.expect("token");
    assert_eq!(second.secret().expose_secret(), "tok-2");
    assert_eq!(server.token_hits(), 2);

    // A late invalidation of the old token leaves the new one alone.
    assert!(!cache.invalidate(&first));
    assert_eq!(cache.token().await.expect("token"), second);
    assert_eq!(server.token_hits(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_callers_invalidating_the_same_token_cause_one_refetch() {
    let server = start(numbered_tokens(Some("3600"))).await;
    let cache = server.cache(TestClock::new());
    let first = cache.token().await.expect("token");

    let results = futures::future::join_all((0..100).map(|_| {
        let cache = cache.clone();
        let first = first.clone();
        async move {
            cache.invalidate(&first);
            cache.token().await
        }
    }))
    .await;
    for r in results {
        assert_eq!(r.expect("token").secret().expose_secret(), "tok-2");
    }
    assert_eq!(server.token_hits(), 2);
}

#[tokio::test]
async fn bad_credentials_give_the_server_error_without_the_secret() {
    let answer = format!(
        r#"{{"error":"invalid_client","error_description":"Client authentication failed for {CLIENT_SECRET}"}}"#
    );
    let server = start(Arc::new(move |_| (401, answer.clone()))).await;
    let cache = server.cache(TestClock::new());
    let err = cache.token().await.expect_err("401");
    match &err {
        AuthError::BadCredentials {
            status,
            error,
            description,
        } => {
            assert_eq!(*status, 401);
            assert_eq!(error.as_deref(), Some("invalid_client"));
            assert!(
                description
                    .as_deref()
                    .is_some_and(|d| d.starts_with("Client authentication failed"))
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("invalid_client"), "{shown}");
    assert!(!shown.contains(CLIENT_SECRET), "{shown}");
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn bad_request_without_a_body() {
    let server = start(Arc::new(|_| (400, String::new()))).await;
    let err = server
        .cache(TestClock::new())
        .token()
        .await
        .expect_err("400");
    assert!(matches!(
        err,
        AuthError::BadCredentials {
            status: 400,
            error: None,
            description: None
        }
    ));
}

#[tokio::test]
async fn an_answer_without_access_token_is_a_decode_error() {
    let server = start(Arc::new(|_| (200, r#"{"token":"x"}"#.to_owned()))).await;
    let err = server
        .cache(TestClock::new())
        .token()
        .await
        .expect_err("decode");
    assert!(matches!(err, AuthError::Decode { .. }), "{err:?}");
    assert!(err.to_string().contains("access_token"));

    let server = start(Arc::new(|_| (200, "<html>".to_owned()))).await;
    let err = server
        .cache(TestClock::new())
        .token()
        .await
        .expect_err("decode");
    assert!(matches!(err, AuthError::Decode { .. }), "{err:?}");
}

#[tokio::test]
async fn transport_errors_are_typed_and_redacted() {
    // A port that was just free: nothing listens there.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let url = format!("http://{addr}/oauth2/token").parse().expect("url");
    let cache = TokenCache::new(ClientCredentials::new(CLIENT_ID, CLIENT_SECRET), url);
    let err = cache.token().await.expect_err("nothing listens");
    assert!(matches!(err, AuthError::Transport(_)), "{err:?}");
    assert!(err.is_retryable());
    let shown = format!("{err} {err:?} {:?}", std::error::Error::source(&err));
    assert!(!shown.contains(CLIENT_SECRET), "{shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_refresh_keeps_the_valid_token_until_it_expires() {
    let server = start(Arc::new(|n| {
        if n == 1 {
            (
                200,
                r#"{"access_token":"tok-1","expires_in":3600}"#.to_owned(),
            )
        } else {
            (503, String::new())
        }
    }))
    .await;
    let clock = TestClock::new();
    let cache = TokenCache::builder(
        ClientCredentials::new(CLIENT_ID, CLIENT_SECRET),
        server.endpoints().token_url(),
    )
    .clock(clock.clone())
    .refresh_policy(cg_auth::RefreshPolicy {
        margin: Duration::from_secs(600),
        jitter: Duration::ZERO,
        token_attempts: 1,
        ..Default::default()
    })
    .build();
    let first = cache.token().await.expect("token");
    clock.advance(Duration::from_secs(3100));
    assert_eq!(cache.token().await.expect("old token served"), first);
    for _ in 0..200 {
        if server.token_hits() == 2 && cache.requests_sent() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(server.token_hits(), 2);
    // Still valid: served, and no new request within the back-off.
    assert_eq!(cache.token().await.expect("old token served"), first);
    assert_eq!(server.token_hits(), 2);
    // Expired: the failure reaches the caller.
    clock.advance(Duration::from_secs(600));
    let err = cache.token().await.expect_err("expired and refresh fails");
    assert!(
        matches!(err, AuthError::TokenEndpoint { status: 503, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_transient_token_failure_is_retried_and_a_refusal_remembered() {
    let server = start(Arc::new(|n| {
        if n == 1 {
            (502, String::new())
        } else {
            (
                200,
                r#"{"access_token":"tok-2","expires_in":3600}"#.to_owned(),
            )
        }
    }))
    .await;
    let cache = server.cache(TestClock::new());
    cache.token().await.expect("the second attempt succeeds");
    assert_eq!(server.token_hits(), 2);

    let refusing = start(Arc::new(|_| {
        (401, r#"{"error":"invalid_client"}"#.to_owned())
    }))
    .await;
    let clock = TestClock::new();
    let cache = refusing.cache(clock.clone());
    for _ in 0..50 {
        let e = cache.token().await.expect_err("refused");
        assert!(
            matches!(e, AuthError::BadCredentials { status: 401, .. }),
            "{e:?}"
        );
    }
    assert_eq!(
        refusing.token_hits(),
        1,
        "a refusal is not retried, and remembered"
    );
    clock.advance(Duration::from_secs(31));
    assert!(cache.token().await.is_err());
    assert_eq!(
        refusing.token_hits(),
        2,
        "asked again once the memory lapses"
    );
}
