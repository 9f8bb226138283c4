//! Helpers: a started sandbox with a token, and JSON requests.

use cg_sandbox::{Sandbox, SandboxBuilder};
use reqwest::{Client, RequestBuilder};
use serde_json::Value;

/// A running sandbox, an HTTP client and a bearer token of the demo client.
pub struct Ctx {
    pub sb: Sandbox,
    pub http: Client,
    pub token: String,
}

impl Ctx {
    /// Default sandbox (credentials and mappings, no demo data).
    pub async fn new() -> Ctx {
        Ctx::with(Sandbox::builder()).await
    }

    /// Sandbox with the demo data set.
    pub async fn demo() -> Ctx {
        Ctx::with(Sandbox::builder().seed_demo(true)).await
    }

    pub async fn with(builder: SandboxBuilder) -> Ctx {
        let sb = builder.start().await;
        let http = cg_auth::tls::client_builder().build().expect("http client");
        let (id, secret) = sb.demo_client();
        let answer: Value = http
            .post(sb.token_url())
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", &id),
                ("client_secret", &secret),
            ])
            .send()
            .await
            .expect("token request")
            .json()
            .await
            .expect("token JSON");
        let token = answer["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned();
        Ctx { sb, http, token }
    }

    pub fn bearer(&self) -> String {
        format!("Bearer {}", self.token)
    }

    /// `api_url()/v4.1/<path>`.
    pub fn v41(&self, path: &str) -> String {
        format!("{}/v4.1/{path}", self.sb.api_url())
    }

    /// `api_url()/v7/rest/<path>`.
    pub fn v7(&self, path: &str) -> String {
        format!("{}/v7/rest/{path}", self.sb.api_url())
    }

    /// `imports_url()<path>`.
    pub fn imports(&self, path: &str) -> String {
        format!("{}{path}", self.sb.imports_url())
    }

    /// Sends with the bearer token; (status, JSON body or Null when empty).
    pub async fn send(&self, request: RequestBuilder) -> (u16, Value) {
        send(request.header("Authorization", self.bearer())).await
    }

    /// GET a v4.1 path with the bearer token.
    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.send(self.http.get(self.v41(path))).await
    }

    /// POST a form to a v4.1 path.
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
        self.send(self.http.post(self.v41(path)).form(form)).await
    }

    /// PUT a form to a v4.1 path.
    pub async fn put_form(&self, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
        self.send(self.http.put(self.v41(path)).form(form)).await
    }

    /// DELETE with a form body on a v4.1 path.
    pub async fn delete_form(&self, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
        self.send(self.http.delete(self.v41(path)).form(form)).await
    }
}

/// Sends as is; (status, JSON body or Null when empty).
pub async fn send(request: RequestBuilder) -> (u16, Value) {
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let bytes = response.bytes().await.expect("body");
    if bytes.is_empty() {
        return (status, Value::Null);
    }
    let value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&bytes)));
    (status, value)
}

/// Asserts a v4.1 error body with this code.
#[track_caller]
pub fn assert_code(answer: &(u16, Value), status: u16, code: u64) {
    assert_eq!(answer.0, status, "status of {}", answer.1);
    assert_eq!(
        answer.1["Error"]["Code"].as_u64(),
        Some(code),
        "code of {}",
        answer.1
    );
    assert!(
        answer.1["Error"]["Message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "message of {}",
        answer.1
    );
}

/// The `Data` array of an answer.
pub fn data_array(answer: &(u16, Value)) -> &Vec<Value> {
    answer.1["Data"]
        .as_array()
        .unwrap_or_else(|| panic!("no Data array in {}", answer.1))
}
