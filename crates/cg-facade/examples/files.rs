//! Uploads a contact file, lists every upload family page by page (also in XML),
//! and removes the upload again, against a local sandbox.
//!
//! `cargo run -p cg-facade --example files`

use futures::TryStreamExt;

use cg_facade::modules::files::{UploadFile, UploadKind};
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
    let files = client.files();

    let csv = "Email,First Name,Last Name,Account Name\nana.lima@example.com,Ana,Lima,ACME\nno-address,Bad,Row,ACME\n";
    let outcome = files
        .upload(
            UploadKind::Contact,
            UploadFile::bytes("contacts-june.csv", csv),
        )
        .await?;
    println!("Contact upload: {outcome:?}");
    match files
        .upload(
            UploadKind::Contact,
            UploadFile::bytes("contacts-june.csv", csv),
        )
        .await
    {
        Ok(again) => println!("Uploaded twice?! {again:?}"),
        Err(e) => println!("The same file again: {e}"),
    }

    for kind in [
        UploadKind::CompanyRevenue,
        UploadKind::Contact,
        UploadKind::Historical,
        UploadKind::Transactional,
    ] {
        let uploads: Vec<_> = files.list(kind).limit(100).stream().try_collect().await?;
        println!("{kind:?}: {} upload(s)", uploads.len());
        for u in uploads {
            println!(
                "  #{} {} {} ok {} / failed {} {:?}",
                u.id,
                u.status,
                u.source_filename.as_deref().unwrap_or("?"),
                u.successful_records,
                u.unsuccessful_records,
                u.logs
            );
        }
    }

    // The same listing with `.xml` answers, decoded into the same records.
    let xml = client
        .with_format(Format::Xml)
        .files()
        .list(UploadKind::Contact)
        .send()
        .await?;
    println!("Contact uploads read from XML: {}", xml.len());

    if let Some(id) = outcome.id() {
        files.delete(id).await?;
        println!(
            "Deleted upload #{id}; listing it now gives {:?}",
            files.list(UploadKind::Contact).id(id).send().await?
        );
        if let Err(e) = files.delete(id).await {
            println!("Deleting it again: {e}");
        }
    }
    Ok(())
}
