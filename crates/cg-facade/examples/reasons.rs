//! Lists the reason codes, all of them and per group, against a local sandbox.
//!
//! `cargo run -p cg-facade --example reasons`

use cg_facade::modules::reasons::ShowFor;
use cg_facade::{Client, Credentials, Endpoints, Format};
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

    for show_for in [ShowFor::Promoter, ShowFor::DetractorAndNeutral] {
        println!("Shown to {show_for}:");
        for r in client.reasons().list().show_for(show_for).send().await? {
            let indent = if r.level == Some(2) { "    " } else { "  " };
            let (code, label) = (
                r.reason_code.unwrap_or_default(),
                r.label.unwrap_or_default(),
            );
            println!("{indent}{code} {label} ({:?})", r.good_bad);
        }
    }

    // The same listing over XML decodes into the same values.
    let json = client.reasons().list().send().await?;
    let xml = client
        .with_format(Format::Xml)
        .reasons()
        .list()
        .send()
        .await?;
    println!(
        "{} reason codes; JSON and XML agree: {}",
        json.len(),
        json == xml
    );
    Ok(())
}
