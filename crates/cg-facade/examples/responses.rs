//! Exports survey responses with the v7 cursor API (a full load, then an incremental
//! sync from the stored cursor) and sets a close-loop status, against a local sandbox.
//!
//! `cargo run -p cg-facade --example responses`

use futures::TryStreamExt;

use cg_facade::modules::close_loop::CloseLoopStatus;
use cg_facade::modules::responses::With;
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

    // Initial load, page by page, keeping the cursor of the last page.
    let mut cursor = None;
    let mut detractor = None;
    loop {
        let mut export = client
            .responses()
            .export()
            .with(&[With::Drivers, With::Properties])
            .per_page(4);
        if let Some(c) = cursor.clone() {
            export = export.cursor(c);
        }
        let page = export.send().await?;
        if page.items.is_empty() {
            break;
        }
        for r in &page.items {
            println!(
                "  {:?} {:<28} nps {:?} drivers {:?} region {:?}",
                r.number_customergauge,
                r.email.as_deref().unwrap_or("?"),
                r.nps,
                r.driver_labels().collect::<Vec<_>>(),
                r.property("Region")
            );
            if r.nps.is_some_and(|n| n <= 6) && detractor.is_none() {
                detractor = r.number_customergauge;
            }
        }
        cursor = page.next.or(cursor);
    }
    println!("Initial load done; stored cursor {cursor:?}");

    // Later: a new response arrives, and the sync from the stored cursor sees only it.
    client
        .transactions()
        .create_response([
            ("Email", "late@example.com"),
            ("NetPromoterScore", "7"),
            ("DateFormCompleted", "2024-06-01 09:00:00"),
        ])
        .await?;
    let mut sync = client.responses().export();
    if let Some(c) = cursor {
        sync = sync.cursor(c);
    }
    let new: Vec<_> = sync.stream().try_collect().await?;
    println!(
        "New since the last sync: {:?}",
        new.iter().map(|r| &r.email).collect::<Vec<_>>()
    );

    let non_responses: Vec<_> = client
        .responses()
        .export_non_responses()
        .stream()
        .try_collect()
        .await?;
    println!("Unanswered invitations: {}", non_responses.len());

    // Close the loop with the first detractor.
    if let Some(id) = detractor {
        client
            .close_loop()
            .set_status(id, CloseLoopStatus::Progress)
            .note("Called back; replacement sent.")
            .send()
            .await?;
        client
            .close_loop()
            .set_status(id, CloseLoopStatus::Closed)
            .send()
            .await?;
        let survey = sandbox
            .state()
            .surveys
            .into_iter()
            .find(|s| s.number_customergauge == id);
        println!("Close loop of {id}: {:?}", survey.map(|s| s.workflow));
        if let Err(e) = client
            .close_loop()
            .set_status(id, CloseLoopStatus::Progress)
            .send()
            .await
        {
            println!("Refused locally: {e}");
        }
    }
    Ok(())
}
