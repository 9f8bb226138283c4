//! Adds an address to the unsubscribe list and walks the unsubscribe and bounce
//! lists page by page, against a local sandbox.
//!
//! `cargo run -p cg-facade --example lists`

use cg_facade::modules::lists::BounceKind;
use cg_facade::{Client, Credentials, Endpoints, Format};
use cg_sandbox::Sandbox;
use chrono::NaiveDate;
use futures::{StreamExt, TryStreamExt};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = Sandbox::builder().seed_demo(true).start().await;
    sandbox.seed_bounces(2_000);
    let (id, secret) = sandbox.demo_client();
    let client = Client::builder()
        .endpoints(Endpoints::from_urls(
            &sandbox.api_url(),
            &sandbox.imports_url(),
            &sandbox.auth_url(),
        )?)
        .credentials(Credentials::client_credentials(id, secret))
        .build()?;

    client.unsubscribes().add("leaving@example.com").await?;
    if let Err(e) = client.unsubscribes().add("leaving@example.com").await {
        println!("Adding it twice: {e}");
    }
    let unsubscribes: Vec<_> = client.unsubscribes().list().stream().try_collect().await?;
    println!("{} unsubscribed addresses:", unsubscribes.len());
    for u in &unsubscribes {
        println!(
            "  {} since {}",
            u.email.as_deref().unwrap_or("?"),
            u.date.as_deref().unwrap_or("?")
        );
    }

    // Bounces, 500 per page, fetched only as the stream is consumed.
    let mut hard = 0;
    let mut bounces = std::pin::pin!(client.bounces().list().limit(500).stream());
    let mut total = 0;
    while let Some(bounce) = bounces.next().await {
        let bounce = bounce?;
        total += 1;
        hard += usize::from(bounce.kind == Some(BounceKind::Hard));
    }
    println!("{total} bounces, {hard} of them hard.");

    let day = NaiveDate::from_ymd_opt(2024, 1, 1).ok_or("bad date")?;
    let first_day: Vec<_> = client
        .with_format(Format::Xml)
        .bounces()
        .list()
        .from(day)
        .to(day)
        .stream()
        .try_collect()
        .await?;
    println!("{} bounces on {day} (read as XML).", first_day.len());
    Ok(())
}
