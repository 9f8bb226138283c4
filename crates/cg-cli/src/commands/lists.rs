//! `cg unsubscribes ...` and `cg bounces ...`.

use cg_facade::Client;
use futures::StreamExt;
use serde_json::json;

use crate::cli::{BouncesCommand, UnsubscribesCommand};
use crate::error::CliError;
use crate::output::Printer;

pub async fn unsubscribes(
    client: &Client,
    cmd: UnsubscribesCommand,
    out: &mut Printer,
) -> Result<(), CliError> {
    match cmd {
        UnsubscribesCommand::Add { email } => {
            client.unsubscribes().add(email.clone()).await?;
            out.row(vec![("email", json!(email)), ("result", json!("added"))])?;
        }
        UnsubscribesCommand::List(range) => {
            let mut list = client.unsubscribes().list();
            if let Some(from) = range.from {
                list = list.from(from);
            }
            if let Some(to) = range.to {
                list = list.to(to);
            }
            let mut items = Box::pin(list.stream());
            while let Some(item) = items.next().await {
                let u = item?;
                out.row(vec![("email", json!(u.email)), ("date", json!(u.date))])?;
            }
        }
    }
    Ok(())
}

pub async fn bounces(
    client: &Client,
    cmd: BouncesCommand,
    out: &mut Printer,
) -> Result<(), CliError> {
    let BouncesCommand::List { range, page_size } = cmd;
    let mut list = client.bounces().list().limit(page_size);
    if let Some(from) = range.from {
        list = list.from(from);
    }
    if let Some(to) = range.to {
        list = list.to(to);
    }
    let mut items = Box::pin(list.stream());
    while let Some(item) = items.next().await {
        let b = item?;
        let kind = b.kind.as_ref().map(|k| k.as_str());
        out.row(vec![
            ("email", json!(b.email)),
            ("type", json!(kind)),
            ("reason", json!(b.reason)),
            ("date", json!(b.date)),
        ])?;
    }
    Ok(())
}
