//! Shared by the facade's tests: a sandbox with demo data and a client pointed at it.
#![allow(dead_code)]

use cg_facade::{Client, Credentials, Endpoints, RetryPolicy};
use cg_sandbox::Sandbox;

/// The endpoints of a running sandbox.
pub fn endpoints(sandbox: &Sandbox) -> Endpoints {
    Endpoints::from_urls(
        &sandbox.api_url(),
        &sandbox.imports_url(),
        &sandbox.auth_url(),
    )
    .expect("sandbox URLs are valid")
}

/// A client with the sandbox's demo OAuth2 client, fast retries.
pub fn client_for(sandbox: &Sandbox) -> Client {
    let (id, secret) = sandbox.demo_client();
    Client::builder()
        .endpoints(endpoints(sandbox))
        .credentials(Credentials::client_credentials(id, secret))
        .retry_policy(RetryPolicy {
            initial_backoff: std::time::Duration::from_millis(5),
            ..RetryPolicy::default()
        })
        .build()
        .expect("client builds")
}

/// A sandbox seeded with demo data, and a client for it.
pub async fn start() -> (Sandbox, Client) {
    let sandbox = Sandbox::builder().seed_demo(true).start().await;
    let client = client_for(&sandbox);
    (sandbox, client)
}
