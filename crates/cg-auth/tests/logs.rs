//! Debug logs of a full flow (token fetch, 401, refetch, resend) carry no
//! secret and no token. Alone in its binary: the subscriber is process-wide.

mod common;

use std::sync::{Arc, Mutex};

use cg_auth::{Accepts, AuthMiddleware, Authenticator, Operation};
use common::{CLIENT_SECRET, numbered_tokens, start};
use reqwest::{Method, Request, StatusCode, Url};

const LIST: Operation = Operation::new("getHierarchy", Accepts::OAUTH2_OR_API_KEY);

/// A `tracing` writer that keeps everything written to it.
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

#[tokio::test]
async fn debug_logs_carry_no_secret_or_token() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("first subscriber");

    let server = start(numbered_tokens(Some("3600"))).await;
    let mw = AuthMiddleware::new(Authenticator::new(server.config()));
    let client = cg_auth::tls::client_builder().build().expect("http client");
    let url = Url::parse(&format!("{}/v4.1/hierarchy.json", server.base_url())).expect("url");
    let mut req = Request::new(Method::GET, url);
    mw.authenticator()
        .authorize(&mut req, LIST)
        .await
        .expect("prepared");
    let resp = mw.send(&client, req, LIST).await.expect("sent");
    assert_eq!(resp.status(), StatusCode::OK);

    let text = String::from_utf8(logs.0.lock().expect("logs").clone()).expect("utf-8");
    assert!(text.contains("requesting an OAuth2 token"), "{text}");
    assert!(text.contains("401 answer"), "{text}");
    for secret in [CLIENT_SECRET, "tok-1", "tok-2"] {
        assert!(!text.contains(secret), "{secret} in logs:\n{text}");
    }
}
