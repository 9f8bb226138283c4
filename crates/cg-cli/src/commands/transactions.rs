//! `cg transactions list`.

use cg_facade::Client;
use cg_facade::modules::transactions::Transaction;

use crate::cli::{Limit, TransactionsCommand};
use crate::commands::misc::pair;
use crate::commands::print_stream;
use crate::error::CliError;
use crate::output::{Listed, Printer};

impl Listed for Transaction {
    const TABLE: &'static [(&'static str, &'static str)] = &[
        ("number_customergauge", "cg_id"),
        ("email", "email"),
        ("first_name", "first_name"),
        ("last_name", "last_name"),
        ("status", "status"),
        ("nps", "nps"),
        ("date_sent", "date_sent"),
    ];
    fn extra_keys(&self) -> Vec<String> {
        self.extra.keys().cloned().collect()
    }
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
        limit,
    } = cmd;
    let mut list = client.transactions().list();
    if let Some(d) = days {
        list = list.days(d);
    }
    if let Some(f) = range.since {
        list = list.from(f);
    }
    if let Some(t) = range.until {
        list = list.to(t);
    }
    for f in &filters {
        let (field, value) = pair("--filter", f)?;
        list = list.filter(field, value);
    }
    print_stream(list.stream(), limit, out).await
}

/// The surveys of the last week (what `cg demo` shows after importing).
pub async fn list_recent(client: &Client, out: &mut Printer) -> Result<(), CliError> {
    let all = Limit { limit: None };
    print_stream(client.transactions().list().days(7).stream(), all, out).await
}
