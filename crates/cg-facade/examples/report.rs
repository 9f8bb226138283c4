//! Net Promoter Score overall, per region and per date range, against a local sandbox.
//!
//! `cargo run -p cg-facade --example report`

use cg_facade::{Client, Credentials, Endpoints};
use cg_sandbox::Sandbox;
use chrono::{Duration, Utc};

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
    let report = client.report();

    let all = report.nps().send().await?;
    println!(
        "NPS of all responses: {:?} ({:?} responses)",
        all.nps, all.responses
    );

    for region in ["Europe", "North America", "Benelux"] {
        let r = report.nps().filter("Region", region).send().await?;
        println!(
            "  {region}: NPS {:?} ({:?} promoters, {:?} passives, {:?} detractors)",
            r.nps, r.promoters, r.passives, r.detractors
        );
    }

    let today = Utc::now().date_naive();
    let week = report
        .nps()
        .from(today - Duration::days(7))
        .to(today)
        .filter("Touchpoint", "Support")
        .send()
        .await?;
    println!(
        "Support, last 7 days: NPS {:?} over {:?} responses",
        week.nps, week.responses
    );

    if let Err(e) = report.nps().filter("Planet", "Mars").send().await {
        println!("Unknown segment: {e}");
    }
    Ok(())
}
