//! Sends survey records as an XML document (`/stream/transactional` and
//! `/stream/historical`) and shows what the service made of them, against a local sandbox.
//!
//! `cargo run -p cg-facade --example stream`

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

    // Field names of the upload mapping; values are escaped for you.
    let receipt = client
        .stream()
        .transactional([
            vec![
                ("Email", "lee_klameth@directness.net"),
                ("FirstName", "Lee"),
                ("LastName", "Klameth"),
            ],
            vec![
                ("Email", "anna@example.com"),
                ("FirstName", "Anna"),
                ("Comment", "<3 & thanks"),
            ],
            vec![("Email", "not an address"), ("FirstName", "Typo")],
        ])
        .await?;
    println!("Transactional: {receipt:?}");

    let receipt = client
        .stream()
        .historical([[
            ("Email", "old.customer@example.com"),
            ("NetPromoterScore", "8"),
            ("DateFormCompleted", "2023-01-10 09:00:00"),
        ]])
        .await?;
    println!("Historical: {receipt:?}");

    for survey in sandbox
        .state()
        .surveys
        .iter()
        .filter(|s| s.source == "stream")
    {
        println!(
            "  stored CG-ID {} {:?} {:?} {:?}",
            survey.number_customergauge, survey.kind, survey.email, survey.comment
        );
    }

    // Refused before sending: nothing to send, a field name XML cannot carry.
    if let Err(e) = client
        .stream()
        .transactional(Vec::<Vec<(String, String)>>::new())
        .await
    {
        println!("Refused locally: {e}");
    }
    if let Err(e) = client
        .stream()
        .transactional([[("Account Name", "ACME")]])
        .await
    {
        println!("Refused locally: {e}");
    }
    Ok(())
}
