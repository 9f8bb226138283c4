//! `cg responses export`: JSON lines (or `-o table|csv`) on stdout, progress on stderr.

use std::io::Write;

use cg_facade::Client;
use cg_facade::modules::responses::{SurveyResponse, With};
use futures::StreamExt;
use indicatif::ProgressBar;
use serde_json::{Map, Value, json};

use crate::cli::{OutputFormat, ResponsesCommand};
use crate::error::CliError;
use crate::output::{Printer, Row, progress_on_stderr};

fn to_json(r: SurveyResponse) -> Value {
    let mut m = Map::new();
    m.insert("number_customergauge".into(), json!(r.number_customergauge));
    m.insert("number_customer".into(), json!(r.number_customer));
    m.insert("email".into(), json!(r.email));
    m.insert("phone".into(), json!(r.phone));
    m.insert("first_name".into(), json!(r.first_name));
    m.insert("last_name".into(), json!(r.last_name));
    m.insert("account_name".into(), json!(r.account_name));
    m.insert("account_number".into(), json!(r.account_number));
    m.insert("nps".into(), json!(r.nps));
    m.insert("comment".into(), json!(r.comment));
    m.insert("date_creation".into(), json!(r.date_creation));
    m.insert("date_order".into(), json!(r.date_order));
    m.insert("date_sent".into(), json!(r.date_sent));
    m.insert("date_survey_response".into(), json!(r.date_survey_response));
    let drivers: Vec<String> = r.driver_labels().map(str::to_owned).collect();
    let properties: Map<String, Value> = r
        .properties
        .into_iter()
        .filter_map(|p| p.field.map(|f| (f, json!(p.reference))))
        .collect();
    m.insert("properties".into(), Value::Object(properties));
    m.insert("drivers".into(), json!(drivers));
    m.insert("tags".into(), json!(r.tags));
    m.insert("questions".into(), json!(r.questions));
    Value::Object(m)
}

/// The columns of a table or CSV: the scalar fields (properties, drivers, tags and
/// questions are lists, printed by `-o json` only).
fn row(r: &Value) -> Row {
    const COLUMNS: [&str; 10] = [
        "number_customergauge",
        "email",
        "first_name",
        "last_name",
        "account_name",
        "nps",
        "comment",
        "date_sent",
        "date_survey_response",
        "number_customer",
    ];
    COLUMNS
        .iter()
        .map(|c| (*c, r.get(*c).cloned().unwrap_or(Value::Null)))
        .collect()
}

pub async fn run(
    client: &Client,
    cmd: ResponsesCommand,
    out: &mut Printer,
) -> Result<(), CliError> {
    let ResponsesCommand::Export {
        range,
        non_responses,
        limit,
    } = cmd;
    let mut export = if non_responses {
        client.responses().export_non_responses()
    } else {
        client.responses().export()
    };
    export = export.with(&[With::Properties, With::Drivers, With::Tags, With::Questions]);
    if let Some(d) = range.since {
        export = export.since(d);
    }
    if let Some(d) = range.until {
        export = export.until(d);
    }
    let bar = progress_on_stderr().then(|| {
        let bar = ProgressBar::new_spinner();
        bar.set_message("exporting");
        bar
    });
    let mut lines = std::io::BufWriter::new(std::io::stdout());
    let mut items = Box::pin(export.stream().take(limit.count()));
    let mut count = 0u64;
    while let Some(item) = items.next().await {
        let response = to_json(item?);
        if out.format() == OutputFormat::Json {
            // The whole response, nested lists included: not through the flat printer.
            let line = serde_json::to_string(&response).map_err(std::io::Error::other)?;
            lines.write_all(line.as_bytes())?;
            lines.write_all(b"\n")?;
        } else {
            out.row(row(&response))?;
        }
        count += 1;
        if let Some(bar) = &bar {
            bar.set_position(count);
            bar.set_message(format!("{count} exported"));
        }
    }
    lines.flush()?;
    out.finish()?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    eprintln!("{count} record(s) exported");
    Ok(())
}
