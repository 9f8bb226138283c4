//! `cg unsubscribes ...` and `cg bounces ...`.

use cg_facade::Client;
use cg_facade::modules::lists::{Bounce, Unsubscribe};
use serde_json::json;

use crate::cli::{BouncesCommand, UnsubscribesCommand};
use crate::commands::print_stream;
use crate::error::CliError;
use crate::output::{Listed, Printer};

impl Listed for Unsubscribe {
    const TABLE: &'static [(&'static str, &'static str)] = &[("Email", "email"), ("Date", "date")];
    fn extra_keys(&self) -> Vec<String> {
        self.extra.keys().cloned().collect()
    }
}

impl Listed for Bounce {
    const TABLE: &'static [(&'static str, &'static str)] = &[
        ("Email", "email"),
        ("Type", "type"),
        ("Reason", "reason"),
        ("Date", "date"),
    ];
    fn extra_keys(&self) -> Vec<String> {
        self.extra.keys().cloned().collect()
    }
}

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
        UnsubscribesCommand::List { range, limit } => {
            let mut list = client.unsubscribes().list();
            if let Some(from) = range.since {
                list = list.from(from);
            }
            if let Some(to) = range.until {
                list = list.to(to);
            }
            print_stream(list.stream(), limit, out).await?;
        }
    }
    Ok(())
}

pub async fn bounces(
    client: &Client,
    cmd: BouncesCommand,
    out: &mut Printer,
) -> Result<(), CliError> {
    let BouncesCommand::List {
        range,
        page_size,
        limit,
    } = cmd;
    let mut list = client.bounces().list().limit(page_size);
    if let Some(from) = range.since {
        list = list.from(from);
    }
    if let Some(to) = range.until {
        list = list.to(to);
    }
    print_stream(list.stream(), limit, out).await
}
