//! `cg close-loop list`: the close-loop cases (v7 sync, cursor paging).

use clap::Subcommand;

use cg_facade::modules::close_loop::{CloseLoopCase, MAX_CASES_PER_PAGE};
use cg_facade::{Client, Cursor};

use crate::cli::{DateRange, Limit};
use crate::commands::print_stream;
use crate::error::CliError;
use crate::output::{Listed, Printer};

/// `cg close-loop ...`
#[derive(Debug, Subcommand)]
pub enum CloseLoopCommand {
    /// List close-loop cases (every page), by the day they were last updated.
    List {
        #[command(flatten)]
        range: DateRange,
        /// Cases per page (1-1000).
        #[arg(long, default_value_t = MAX_CASES_PER_PAGE)]
        per_page: u32,
        /// Start from this cursor (as an earlier page gave it).
        #[arg(long, value_name = "CURSOR")]
        cursor: Option<String>,
        #[command(flatten)]
        limit: Limit,
    },
}

impl Listed for CloseLoopCase {
    const TABLE: &'static [(&'static str, &'static str)] = &[
        ("number_customergauge", "cg_id"),
        ("status", "status"),
        ("assigned_to", "assigned_to"),
        ("updated_at", "updated_at"),
        ("time_to_follow_up", "follow_up_h"),
        ("time_to_close", "close_h"),
        ("note", "note"),
    ];
    fn extra_keys(&self) -> Vec<String> {
        self.extra.keys().cloned().collect()
    }
}

/// The cursor as given: digits become the integer the service sends, anything else text.
fn cursor(text: &str) -> Cursor {
    match text.trim().parse::<i64>() {
        Ok(n) => Cursor::from(n),
        Err(_) => Cursor::from(text),
    }
}

pub async fn run(
    client: &Client,
    cmd: CloseLoopCommand,
    out: &mut Printer,
) -> Result<(), CliError> {
    let CloseLoopCommand::List {
        range,
        per_page,
        cursor: start,
        limit,
    } = cmd;
    let mut list = client.close_loop().cases().per_page(per_page);
    if let Some(d) = range.since {
        list = list.since(d);
    }
    if let Some(d) = range.until {
        list = list.until(d);
    }
    if let Some(c) = start {
        list = list.cursor(cursor(&c));
    }
    print_stream(list.stream(), limit, out).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_keep_the_type_they_came_with() {
        assert_eq!(cursor("42").as_json(), &serde_json::json!(42));
        assert_eq!(
            cursor("eyJpZCI6NDJ9").as_json(),
            &serde_json::json!("eyJpZCI6NDJ9")
        );
    }
}
