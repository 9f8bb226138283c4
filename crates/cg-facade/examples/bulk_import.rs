//! Imports 1,000 records with bounded concurrency against a local sandbox that answers
//! some requests with a 5xx *after* processing them, and shows progress while it runs.
//!
//! `cargo run -p cg-facade --example bulk_import`

use std::time::Duration;

use cg_facade::modules::bulk::NotImported;
use cg_facade::modules::records::Record;
use cg_facade::{Client, Credentials, Endpoints, RetryPolicy};
use cg_sandbox::{FaultConfig, Sandbox};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = Sandbox::builder()
        .seed_demo(true)
        .faults(
            FaultConfig::default()
                .seed(1)
                .server_errors(0.05)
                .after_processing(true)
                .latency(Duration::from_millis(5)),
        )
        .start()
        .await;
    let (id, secret) = sandbox.demo_client();
    let client = Client::builder()
        .endpoints(Endpoints::from_urls(
            &sandbox.api_url(),
            &sandbox.imports_url(),
            &sandbox.auth_url(),
        )?)
        .credentials(Credentials::client_credentials(id, secret))
        .retry_policy(RetryPolicy {
            initial_backoff: Duration::from_millis(20),
            ..RetryPolicy::default()
        })
        .build()?;

    // Every 100th record lacks a contact (refused locally); every 150th has a
    // touchpoint the mapping does not know (refused by the service).
    let records = (0..1000).map(|i| {
        let record = Record::new()
            .field("First Name", format!("Customer {i}"))
            .field("Account Name", "ACME");
        let record = if i % 100 == 99 {
            record
        } else {
            record.field("Email", format!("customer{i}@example.com"))
        };
        if i % 150 == 149 {
            record.field("Touchpoint", "Fax")
        } else {
            record
        }
    });

    let import = client
        .records()
        .import(sandbox.demo_configuration(), records)
        .concurrency(16);
    let progress = import.progress();
    let reporter = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(250)).await;
            println!("  {}", progress.snapshot());
            if Some(progress.done()) == progress.total() {
                break;
            }
        }
    });
    // Outcomes go to a sink as they happen; this one keeps those not imported.
    let mut not_imported = NotImported::default();
    let summary = import.run_into(&mut not_imported).await?;
    reporter.await?;

    println!("{summary}");
    for outcome in not_imported.into_sorted().iter().take(5) {
        println!(
            "  #{} {:?}: {}",
            outcome.index,
            outcome.record.email(),
            outcome.result
        );
    }
    let surveys = sandbox
        .state()
        .surveys
        .iter()
        .filter(|s| s.source == "records")
        .count();
    println!(
        "sandbox holds {surveys} imported surveys (imported: {})",
        summary.imported
    );
    Ok(())
}
