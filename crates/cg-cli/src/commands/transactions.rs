//! `cg transactions list`.

use cg_facade::Client;
use cg_facade::modules::transactions::Transaction;
use futures::StreamExt;
use serde_json::json;

use crate::cli::TransactionsCommand;
use crate::commands::misc::pair;
use crate::error::CliError;
use crate::output::{Printer, Row};

fn row(t: &Transaction) -> Row {
    vec![
        ("cg_id", json!(t.number_customergauge)),
        ("email", json!(t.email)),
        ("first_name", json!(t.first_name)),
        ("last_name", json!(t.last_name)),
        ("status", json!(t.status)),
        ("nps", json!(t.nps)),
        ("date_sent", json!(t.date_sent)),
    ]
}

pub async fn run(
    client: &Client,
    cmd: TransactionsCommand,
    out: &mut Printer,
) -> Result<(), CliError> {
    let TransactionsCommand::List {
        days,
        range,
        filters,
    } = cmd;
    let mut list = client.transactions().list();
    if let Some(d) = days {
        list = list.days(d);
    }
    if let Some(f) = range.from {
        list = list.from(f);
    }
    if let Some(t) = range.to {
        list = list.to(t);
    }
    for f in &filters {
        let (field, value) = pair("--filter", f)?;
        list = list.filter(field, value);
    }
    let mut items = Box::pin(list.stream());
    while let Some(item) = items.next().await {
        out.row(row(&item?))?;
    }
    Ok(())
}

/// The surveys of the last week (what `cg demo` shows after importing).
pub async fn list_recent(client: &Client, out: &mut Printer) -> Result<(), CliError> {
    let mut items = Box::pin(client.transactions().list().days(7).stream());
    while let Some(item) = items.next().await {
        out.row(row(&item?))?;
    }
    Ok(())
}
