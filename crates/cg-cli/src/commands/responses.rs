//! `cg responses export`: JSON lines on stdout, progress on stderr.

use std::io::{IsTerminal, Write};

use cg_facade::Client;
use cg_facade::modules::responses::{SurveyResponse, With};
use futures::StreamExt;
use indicatif::ProgressBar;
use serde_json::{Map, Value, json};

use crate::cli::ResponsesCommand;
use crate::error::CliError;

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

pub async fn run(client: &Client, cmd: ResponsesCommand) -> Result<(), CliError> {
    let ResponsesCommand::Export {
        since,
        until,
        non_responses,
    } = cmd;
    let mut export = if non_responses {
        client.responses().export_non_responses()
    } else {
        client.responses().export()
    };
    export = export.with(&[With::Properties, With::Drivers, With::Tags, With::Questions]);
    if let Some(d) = since {
        export = export.since(d);
    }
    if let Some(d) = until {
        export = export.until(d);
    }
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new_spinner();
        bar.set_message("exporting");
        bar
    });
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut items = Box::pin(export.stream());
    let mut count = 0u64;
    while let Some(item) = items.next().await {
        let line = serde_json::to_string(&to_json(item?)).map_err(std::io::Error::other)?;
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
        count += 1;
        if let Some(bar) = &bar {
            bar.set_position(count);
            bar.set_message(format!("{count} exported"));
        }
    }
    out.flush()?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    eprintln!("{count} record(s) exported");
    Ok(())
}
