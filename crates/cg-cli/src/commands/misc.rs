//! `cg workflow update`, `cg reasons list`, `cg report nps`.

use cg_facade::Client;
use cg_facade::modules::reasons::ShowFor;
use cg_facade::modules::workflow::WorkflowStatus;
use serde_json::json;

use crate::cli::{ReasonsCommand, ReportCommand, WorkflowCommand};
use crate::error::CliError;
use crate::output::Printer;

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
    let ReasonsCommand::List { show_for } = cmd;
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
    for r in list.send().await? {
        let good_bad = r.good_bad.as_ref().map(|g| g.as_str());
        out.row(vec![
            ("reason_code", json!(r.reason_code)),
            ("label", json!(r.label)),
            ("show_for", json!(r.show_for.map(|s| s.to_string()))),
            ("good_bad", json!(good_bad)),
            ("level", json!(r.level)),
        ])?;
    }
    Ok(())
}

pub async fn report(
    client: &Client,
    cmd: ReportCommand,
    out: &mut Printer,
) -> Result<(), CliError> {
    let ReportCommand::Nps { range, filters } = cmd;
    let mut nps = client.report().nps();
    if let Some(f) = range.from {
        nps = nps.from(f);
    }
    if let Some(t) = range.to {
        nps = nps.to(t);
    }
    for f in &filters {
        let (segment, value) = pair("--filter", f)?;
        nps = nps.filter(segment, value);
    }
    let r = nps.send().await?;
    out.row(vec![
        ("nps", json!(r.nps)),
        ("promoters", json!(r.promoters)),
        ("passives", json!(r.passives)),
        ("detractors", json!(r.detractors)),
        ("responses", json!(r.responses)),
    ])?;
    Ok(())
}
