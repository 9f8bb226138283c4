//! Uploads an account revenue file, shows what the checks made before sending refuse,
//! and lists the revenue uploads with their statistics, against a local sandbox.
//!
//! `cargo run -p cg-facade --example revenue`

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

    // A file on disk, as most callers have it.
    let dir = std::env::temp_dir().join(format!("cg-revenue-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("revenue-2024-q1.csv");
    std::fs::write(
        &path,
        "Account Name,Revenue\nACME,1200.50\nGlobex,300\nInitech,n/a\n",
    )?;
    let outcome = client.revenue().upload_path(&path).await?;
    println!("Uploaded {}: {outcome:?}", path.display());
    std::fs::remove_dir_all(&dir)?;

    // Refused before anything is sent: a row the CSV reader cannot take, too many rows.
    let broken = "Account Name,Revenue\nACME,1\nGlobex\n";
    if let Err(e) = client.revenue().upload_bytes("broken.csv", broken).await {
        println!("Refused locally: {e}");
    }
    let mut many = String::from("Account Name,Revenue\n");
    for i in 0..1001 {
        many.push_str(&format!("Account {i},{i}\n"));
    }
    if let Err(e) = client.revenue().upload_bytes("many.csv", many).await {
        println!("Refused locally: {e}");
    }

    println!("Revenue uploads:");
    for u in client.revenue().list_uploads().send().await? {
        println!(
            "  #{} {} {}: {} of {} rows taken {:?}",
            u.id,
            u.date_upload.as_deref().unwrap_or("?"),
            u.source_filename.as_deref().unwrap_or("?"),
            u.successful_records,
            u.total_records,
            u.logs
        );
    }
    let state = sandbox.state();
    for account in state.accounts.iter().filter(|a| a.revenue.is_some()) {
        println!(
            "  {} now has revenue {:?}",
            account.reference, account.revenue
        );
    }
    Ok(())
}
