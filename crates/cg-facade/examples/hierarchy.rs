//! Lists the hierarchy as a tree, then adds, renames, moves and deletes divisions
//! against a local sandbox.
//!
//! `cargo run -p cg-facade --example hierarchy`

use cg_facade::{Client, Credentials, Endpoints, Error, ErrorCode};
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
    let hierarchy = client.hierarchy();

    println!("The demo hierarchy:\n{}", hierarchy.tree().send().await?);

    let asia = hierarchy.add("Asia").send().await?;
    let japan = hierarchy.add("Japan").parent("Asia").send().await?;
    println!("Added Asia (id {asia}) and Japan (id {japan}).");
    hierarchy.rename("Benelux", "Low Countries").send().await?;
    hierarchy.move_to("Japan", "Global").send().await?;
    hierarchy.delete("Asia", "Global").send().await?;

    let tree = hierarchy.tree().send().await?;
    println!("\nAfter renaming Benelux, moving Japan and deleting Asia:\n{tree}");
    if let Some(path) = tree.path("Low Countries") {
        println!("Path to Low Countries: {}", path.join(" > "));
    }

    // The service's refusals come back with their code.
    match hierarchy.delete("Europe", "Global").send().await {
        Err(Error::Api {
            code: ErrorCode::HierarchyParentNotDeletable,
            message,
            ..
        }) => {
            println!("\nEurope cannot be deleted while it has children: {message}");
        }
        other => println!("\nUnexpected: {other:?}"),
    }
    Ok(())
}
