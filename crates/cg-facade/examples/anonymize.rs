//! Looks up what anonymizing a person would change (dry run), then anonymizes them,
//! against a local sandbox.
//!
//! `cargo run -p cg-facade --example anonymize`

use cg_facade::{Client, Credentials, Endpoints};
use cg_sandbox::Sandbox;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = Sandbox::builder().seed_demo(true).start().await;
    let (id, secret) = sandbox.demo_client();
    let client = Client::builder()
        .endpoints(Endpoints::from_urls(
            &sandbox.api_url(),
            &sandbox.imports_url(),
            &sandbox.auth_url(),
        )?)
        .credentials(Credentials::client_credentials(id, secret))
        .build()?;
    let email = "joe.doe@example.com";

    let candidates = client.anonymize().validate().email(email).send().await?;
    println!(
        "Anonymizing {email} would change {} record(s):",
        candidates.len()
    );
    for c in &candidates {
        println!(
            "  CG-ID {:?}: {} {}",
            c.number_customergauge,
            c.first_name.as_deref().unwrap_or("?"),
            c.last_name.as_deref().unwrap_or("?")
        );
    }

    let result = client.anonymize().execute().email(email).send().await?;
    println!("Anonymized: {:?} record(s).", result.anonymized);
    let left = client.anonymize().validate().email(email).send().await?;
    println!("Records of {email} left: {}", left.len());

    // Exactly one of e-mail and telephone, checked before anything is sent.
    if let Err(e) = client
        .anonymize()
        .validate()
        .telephone("call me")
        .send()
        .await
    {
        println!("Refused locally: {e}");
    }
    Ok(())
}
