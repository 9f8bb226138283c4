//! Attaching credentials, refusing hosts, and the 401 retry of `AuthMiddleware`.

mod common;

use std::sync::Arc;

use cg_auth::{
    Accepts, AuthConfig, AuthError, AuthMiddleware, Authenticator, Credentials, Endpoints,
    Operation, Pipeline, Region,
};
use common::{CLIENT_SECRET, TestClock, exact_policy, numbered_tokens, start};
use reqwest::header::AUTHORIZATION;
use reqwest::{Method, Request, StatusCode, Url};

const KEY: &str = "the-api-key-789";

const LIST: Operation = Operation::new("getHierarchy", Accepts::OAUTH2_OR_API_KEY);
const PUT_RECORD: Operation = Operation::new("putRecord", Accepts::OAUTH2);
const TOKEN: Operation = Operation::new("getToken", Accepts::NONE);

fn request(method: Method, url: &str) -> Request {
    Request::new(method, Url::parse(url).expect("url"))
}

fn auth_header(req: &Request) -> Option<&str> {
    req.headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
}

fn api_key_only() -> Authenticator {
    Authenticator::new(AuthConfig::new(Region::Eu, Credentials::api_key(KEY)))
}

#[tokio::test]
async fn api_key_for_v41_operations() {
    let auth = api_key_only();
    let mut req = request(
        Method::GET,
        "https://api.eu.customergauge.com/v4.1/hierarchy.json",
    );
    auth.authorize(&mut req, LIST).await.expect("authorized");
    assert_eq!(auth_header(&req), Some("api_key the-api-key-789"));
    assert!(req.headers()[AUTHORIZATION].is_sensitive());
}

#[tokio::test]
async fn api_key_only_and_an_oauth2_only_operation_is_a_clear_error() {
    let auth = api_key_only();
    let mut req = request(
        Method::PUT,
        "https://imports.api.eu.customergauge.com/records/",
    );
    let err = auth
        .authorize(&mut req, PUT_RECORD)
        .await
        .expect_err("needs OAuth2");
    assert!(
        matches!(
            err,
            AuthError::OAuth2Required {
                operation: "putRecord"
            }
        ),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("putRecord") && msg.contains("OAuth2") && msg.contains("API key"),
        "{msg}"
    );
    assert!(!msg.contains(KEY));
    assert!(req.headers().get(AUTHORIZATION).is_none());

    // The same through the pipeline: a PrepareError with the same sentence.
    let pipeline = AuthMiddleware::new(auth).into_pipeline();
    let err = pipeline
        .prepare(&mut req, PUT_RECORD)
        .await
        .expect_err("needs OAuth2");
    assert_eq!(err.message, msg);
}

#[tokio::test]
async fn accepts_none_adds_nothing() {
    let auth = api_key_only();
    let mut req = request(Method::POST, "https://elsewhere.example/oauth2/token");
    auth.authorize(&mut req, TOKEN)
        .await
        .expect("nothing to do");
    assert!(req.headers().get(AUTHORIZATION).is_none());
}

#[tokio::test]
async fn fixed_bearer_token() {
    let auth = Authenticator::new(AuthConfig::new(
        Region::Us,
        Credentials::bearer_token("fixed-token").with_api_key(KEY),
    ));
    let mut req = request(
        Method::PUT,
        "https://imports.api.us.customergauge.com/records/",
    );
    auth.authorize(&mut req, PUT_RECORD).await.expect("bearer");
    assert_eq!(auth_header(&req), Some("Bearer fixed-token"));
    assert!(req.headers()[AUTHORIZATION].is_sensitive());
    // OAuth2 wins over the API key when both are accepted.
    let mut req = request(
        Method::GET,
        "https://api.us.customergauge.com/v4.1/hierarchy.json",
    );
    auth.authorize(&mut req, LIST).await.expect("bearer");
    assert_eq!(auth_header(&req), Some("Bearer fixed-token"));
    assert!(!auth.can_refresh());
}

#[tokio::test]
async fn http_to_a_non_loopback_host_is_refused() {
    let auth = api_key_only();
    let mut req = request(
        Method::GET,
        "http://api.eu.customergauge.com/v4.1/hierarchy.json",
    );
    let err = auth
        .authorize(&mut req, LIST)
        .await
        .expect_err("plain http");
    assert!(
        matches!(err, AuthError::InsecureTransport { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("http://api.eu.customergauge.com"));
    assert!(req.headers().get(AUTHORIZATION).is_none());

    // And as a configured endpoint.
    assert!(
        Endpoints::for_region(Region::Eu)
            .with_api_url("http://10.0.0.8:8080")
            .is_err()
    );
    assert!(
        Endpoints::for_region(Region::Eu)
            .with_api_url("http://[::1]:8080")
            .is_ok()
    );
}

#[tokio::test]
async fn credentials_are_not_attached_for_a_foreign_host() {
    let auth = api_key_only();
    for url in [
        "https://evil.example/v4.1/hierarchy.json",
        "https://api.us.customergauge.com/v4.1/hierarchy.json",
        "https://api.eu.customergauge.com:8443/v4.1/hierarchy.json",
        "https://api.eu.customergauge.com.evil.example/v4.1/hierarchy.json",
    ] {
        let mut req = request(Method::GET, url);
        let err = auth.authorize(&mut req, LIST).await.expect_err(url);
        assert!(
            matches!(err, AuthError::ForeignHost { .. }),
            "{url}: {err:?}"
        );
        assert!(req.headers().get(AUTHORIZATION).is_none(), "{url}");
        assert!(!err.to_string().contains(KEY));
    }
    // Case and an explicit default port do not matter.
    let mut req = request(
        Method::GET,
        "https://API.EU.customergauge.com:443/v4.1/hierarchy.json",
    );
    auth.authorize(&mut req, LIST).await.expect("same origin");
}

#[tokio::test]
async fn no_token_is_fetched_for_a_foreign_host() {
    let server = start(numbered_tokens(Some("3600"))).await;
    let auth = Authenticator::new(server.config());
    let mut req = request(Method::GET, "https://evil.example/v4.1/hierarchy.json");
    assert!(auth.authorize(&mut req, LIST).await.is_err());
    assert_eq!(server.token_hits(), 0);
}

#[tokio::test]
async fn the_pipeline_attaches_a_bearer_token_and_sends() {
    let server = start(numbered_tokens(Some("3600"))).await;
    let auth = Authenticator::builder(server.config())
        .clock(TestClock::new())
        .refresh_policy(exact_policy())
        .build();
    let pipeline = Pipeline::new(AuthMiddleware::new(auth));
    let client = cg_auth::tls::client_builder().build().expect("http client");
    for (i, expected) in ["Bearer tok-1", "Bearer tok-2", "Bearer tok-2"]
        .into_iter()
        .enumerate()
    {
        let mut req = request(
            Method::GET,
            &format!("{}/v4.1/hierarchy.json", server.base_url()),
        );
        pipeline.prepare(&mut req, LIST).await.expect("prepared");
        assert_eq!(auth_header(&req), Some(expected), "call {i}");
        // The API stand-in accepts only tok-2: 401, new token, sent once more.
        let resp = pipeline.execute(&client, req, LIST).await.expect("sent");
        assert_eq!(resp.status(), StatusCode::OK);
    }
    // The first call met a 401 and was retried with tok-2; the later ones got
    // the cached tok-2 from prepare.
    assert_eq!(server.token_hits(), 2);
    let seen = server.api_auth_headers.lock().expect("headers").clone();
    assert_eq!(
        seen,
        vec![
            Some("Bearer tok-1".to_owned()),
            Some("Bearer tok-2".to_owned()),
            Some("Bearer tok-2".to_owned()),
            Some("Bearer tok-2".to_owned()),
        ]
    );
}

#[tokio::test]
async fn a_401_is_retried_once_only() {
    // The API accepts no token at all: one retry, then the 401 is returned.
    let server = common::start_with(
        numbered_tokens(Some("3600")),
        std::time::Duration::ZERO,
        "never",
    )
    .await;
    let mw = AuthMiddleware::new(Authenticator::new(server.config()));
    let client = cg_auth::tls::client_builder().build().expect("http client");
    let mut req = request(
        Method::GET,
        &format!("{}/v4.1/hierarchy.json", server.base_url()),
    );
    mw.authenticator()
        .authorize(&mut req, LIST)
        .await
        .expect("prepared");
    let resp = mw.send(&client, req, LIST).await.expect("sent");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(server.api_hits(), 2);
    assert_eq!(server.token_hits(), 2);
}

#[tokio::test]
async fn a_401_with_a_body_that_cannot_be_cloned_is_returned_as_is() {
    let server = start(numbered_tokens(Some("3600"))).await;
    let mw = AuthMiddleware::new(Authenticator::new(server.config()));
    let client = cg_auth::tls::client_builder().build().expect("http client");
    let mut req = request(
        Method::POST,
        &format!("{}/v4.1/hierarchy.json", server.base_url()),
    );
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = vec![Ok(b"division=x".to_vec())];
    *req.body_mut() = Some(reqwest::Body::wrap_stream(futures::stream::iter(chunks)));
    mw.authenticator()
        .authorize(&mut req, LIST)
        .await
        .expect("prepared");
    let resp = mw.send(&client, req, LIST).await.expect("sent");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(server.api_hits(), 1);
    assert_eq!(server.token_hits(), 1);
}

#[tokio::test]
async fn a_401_with_an_api_key_is_not_retried() {
    let server = start(numbered_tokens(Some("3600"))).await;
    let config = AuthConfig::with_endpoints(server.endpoints(), Credentials::api_key(KEY));
    let mw = AuthMiddleware::new(Authenticator::new(config));
    let client = cg_auth::tls::client_builder().build().expect("http client");
    let mut req = request(
        Method::GET,
        &format!("{}/v4.1/hierarchy.json", server.base_url()),
    );
    mw.authenticator()
        .authorize(&mut req, LIST)
        .await
        .expect("prepared");
    let resp = mw.send(&client, req, LIST).await.expect("sent");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(server.api_hits(), 1);
    assert_eq!(server.token_hits(), 0);
}

#[tokio::test]
async fn token_errors_reach_prepare_without_the_secret() {
    let server = start(Arc::new(|_| {
        (
            401,
            r#"{"error":"invalid_client","error_description":"bad secret"}"#.to_owned(),
        )
    }))
    .await;
    let pipeline = AuthMiddleware::new(Authenticator::new(server.config())).into_pipeline();
    let mut req = request(Method::PUT, &format!("{}/records/", server.base_url()));
    let err = pipeline
        .prepare(&mut req, PUT_RECORD)
        .await
        .expect_err("refused");
    assert!(err.message.contains("invalid_client"), "{}", err.message);
    assert!(!format!("{err} {err:?}").contains(CLIENT_SECRET));
}
