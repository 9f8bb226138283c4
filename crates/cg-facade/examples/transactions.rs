//! Creates and updates survey records with the v4.1 transactions API and lists them with
//! field filters, against a local sandbox.
//!
//! `cargo run -p cg-facade --example transactions`

use futures::TryStreamExt;

use cg_facade::modules::transactions::TransactionStatus;
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
    let transactions = client.transactions();

    let id = transactions
        .create_response([
            ("Email", "lee_klameth@directness.net"),
            ("FirstName", "Lee"),
            ("LastName", "Klameth"),
            ("NetPromoterScore", "9"),
            ("Comment", "Quick delivery."),
            ("DateFormCompleted", "2024-05-15 11:35:54"),
        ])
        .await?;
    println!("Created response CG-ID {id}");
    transactions
        .update_response(
            id,
            [
                ("NetPromoterScore", "10"),
                ("Comment", "Quick delivery, friendly driver."),
            ],
        )
        .await?;
    let invited = transactions
        .create_non_response([
            ("Email", "invited@example.com"),
            ("DateOrder", "2024-05-01 10:00:00"),
        ])
        .await?;
    println!("Created non-response CG-ID {invited}");

    if let Err(e) = transactions
        .create_response([("Email", "a@example.com")])
        .await
    {
        println!("A response without its completion date: {e}");
    }

    let mine = transactions
        .list()
        .filter("email", "lee_klameth@directness.net")
        .send()
        .await?;
    for t in &mine {
        println!(
            "  {} {:?} nps {:?}: {:?}",
            t.number_customergauge, t.email, t.nps, t.comment
        );
    }

    let queued: Vec<_> = transactions
        .list()
        .status(TransactionStatus::Queue)
        .limit(2)
        .stream()
        .try_collect()
        .await?;
    println!("Queued invitations: {}", queued.len());
    for t in queued {
        println!(
            "  {} {:?} ordered {:?}, touchpoint {:?}",
            t.number_customergauge,
            t.email,
            t.date_order,
            t.field("Touchpoint")
        );
    }

    if let Err(e) = transactions.list().days(400).send().await {
        println!("Refused locally: {e}");
    }
    Ok(())
}
