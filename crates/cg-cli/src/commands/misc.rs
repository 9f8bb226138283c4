//! `cg workflow update`, `cg reasons list`, `cg report nps`.

use cg_facade::Client;
use cg_facade::modules::reasons::{Reason, ShowFor};
use cg_facade::modules::report::NpsReport;
use cg_facade::modules::workflow::WorkflowStatus;
use serde_json::json;

use crate::cli::{ReasonsCommand, ReportCommand, WorkflowCommand};
use crate::commands::print_all;
use crate::error::CliError;
use crate::output::{Listed, Printer};

impl Listed for Reason {
    const TABLE: &'static [(&'static str, &'static str)] = &[
        ("reason_code", "reason_code"),
        ("label", "label"),
        ("show_for", "show_for"),
        ("good_bad", "good_bad"),
        ("level", "level"),
    ];
    fn extra_keys(&self) -> Vec<String> {
        self.extra.keys().cloned().collect()
    }
}

impl Listed for NpsReport {
    const TABLE: &'static [(&'static str, &'static str)] = &[
        ("nps", "nps"),
        ("promoters", "promoters"),
        ("passives", "passives"),
        ("detractors", "detractors"),
        ("responses", "responses"),
    ];
    fn extra_keys(&self) -> Vec<String> {
        self.extra.keys().cloned().collect()
    }
}

/// `NAME=VALUE` -> (NAME, VALUE).
pub fn pair<'a>(option: &str, text: &'a str) -> Result<(&'a str, &'a str), CliError> {
    text.split_once('=')
        .ok_or_else(|| CliError::Usage(format!("{option} {text:?}: expected NAME=VALUE")))
}

pub async fn workflow(
    client: &Client,
    cmd: WorkflowCommand,
    out: &mut Printer,
) -> Result<(), CliError> {
    let WorkflowCommand::Update {
        number,
        status,
        comment,
        assigned_to,
    } = cmd;
    let mut update = client.workflow().update(number);
    if let Some(s) = status {
        update = update.status(
            s.parse::<WorkflowStatus>()
                .map_err(|e| CliError::Usage(e.to_string()))?,
        );
    }
    if let Some(c) = comment {
        update = update.comment(c);
    }
    if let Some(a) = assigned_to {
        update = update.assigned_to(a);
    }
    let id = update.send().await?;
    out.row(vec![
        ("number_customergauge", json!(id)),
        ("result", json!("updated")),
    ])?;
    Ok(())
}

pub async fn reasons(
    client: &Client,
    cmd: ReasonsCommand,
    out: &mut Printer,
) -> Result<(), CliError> {
    let ReasonsCommand::List { show_for, limit } = cmd;
    let mut list = client.reasons().list();
    if let Some(s) = show_for {
        let normalized = if s.eq_ignore_ascii_case("detractor-neutral") {
            "detractor&neutral".to_string()
        } else {
            s
        };
        list = list.show_for(
            normalized
                .parse::<ShowFor>()
                .map_err(|e| CliError::Usage(e.to_string()))?,
        );
    }
    print_all(list.send().await?, limit, out)
}

pub async fn report(
    client: &Client,
    cmd: ReportCommand,
    out: &mut Printer,
) -> Result<(), CliError> {
    let ReportCommand::Nps { range, filters } = cmd;
    let mut nps = client.report().nps();
    if let Some(f) = range.since {
        nps = nps.from(f);
    }
    if let Some(t) = range.until {
        nps = nps.to(t);
    }
    for f in &filters {
        let (segment, value) = pair("--filter", f)?;
        nps = nps.filter(segment, value);
    }
    Ok(out.item(&nps.send().await?)?)
}
