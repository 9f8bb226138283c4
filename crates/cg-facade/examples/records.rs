//! Imports single records and upserts an account against a local sandbox.
//!
//! `cargo run -p cg-facade --example records`

use cg_facade::modules::records::{Record, RecordOutcome};
use cg_facade::{Client, Credentials, Endpoints, Error};
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
    let mapping = sandbox.demo_configuration();

    // One record, JSON body.
    let outcome = client
        .records()
        .put(&mapping)
        .field("Email", "ada@example.com")
        .field("First Name", "Ada")
        .field("Account Name", "ACME")
        .field("Touchpoint", "Onboarding")
        .send()
        .await?;
    println!("ada@example.com: {outcome:?}");

    // The same contact again, form-encoded: the mapping's duplication rule answers.
    match client
        .records()
        .put(&mapping)
        .field("Email", "ada@example.com")
        .field("Account Name", "ACME")
        .form()
        .send()
        .await?
    {
        RecordOutcome::Duplicate { cg_id } => {
            println!("ada@example.com again: duplicate of CG-ID {cg_id}")
        }
        other => println!("ada@example.com again: {other:?}"),
    }

    // Refused before sending: the field is named.
    let record = Record::new()
        .field("Email", "not an address")
        .field("Account Name", "ACME");
    if let Err(e @ Error::InvalidInput { .. }) =
        client.records().put(&mapping).record(record).send().await
    {
        println!("refused locally: {e}");
    }

    // Refused by the service: the mapping's field settings.
    let err = client
        .records()
        .put(&mapping)
        .field("Email", "bob@example.com")
        .field("Account Name", "ACME")
        .field("Touchpoint", "Fax")
        .send()
        .await
        .err();
    if let Some(e) = err {
        println!(
            "refused by the service (HTTP {:?}): {:?}",
            e.status(),
            e.field_errors()
        );
    }

    // Accounts: created, then updated.
    let created = client
        .accounts()
        .put("Umbrella Corp")
        .number("UMB-001")
        .region("Europe")
        .send()
        .await?;
    let updated = client
        .accounts()
        .put("Umbrella Corp")
        .manager("alice@example.com")
        .send()
        .await?;
    println!("Umbrella Corp: {created:?}, then {updated:?}");

    let state = sandbox.state();
    println!(
        "sandbox now holds {} surveys from record imports and {} accounts",
        state
            .surveys
            .iter()
            .filter(|s| s.source == "records")
            .count(),
        state.accounts.len()
    );
    Ok(())
}
