//! Closes the workflow of a survey record with a comment and an assignee, against a
//! local sandbox.
//!
//! `cargo run -p cg-facade --example workflow`

use cg_facade::modules::workflow::WorkflowStatus;
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

    let updated = client
        .workflow()
        .update(4)
        .status(WorkflowStatus::InProgress)
        .comment("Called the customer, follow-up next week.")
        .assigned_to("jane.roe@example.com")
        .send()
        .await?;
    println!("Record {updated} is in progress.");

    client
        .workflow()
        .update(4)
        .status(WorkflowStatus::Closed)
        .comment("Resolved.")
        .send()
        .await?;
    let workflow = sandbox
        .state()
        .surveys
        .iter()
        .find(|s| s.number_customergauge == 4)
        .map(|s| s.workflow.clone());
    println!("Stored workflow of record 4: {workflow:?}");

    match client
        .workflow()
        .update(9999)
        .status(WorkflowStatus::Open)
        .send()
        .await
    {
        Err(e) => println!("Record 9999: {e}"),
        Ok(id) => println!("Record {id} updated"),
    }
    Ok(())
}
