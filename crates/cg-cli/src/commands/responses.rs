//! `cg responses export`: JSON lines (or `-o table|csv`) on stdout, progress on stderr.

use cg_facade::Client;
use cg_facade::modules::responses::{SurveyResponse, With};
use futures::StreamExt;
use indicatif::ProgressBar;

use crate::cli::ResponsesCommand;
use crate::error::CliError;
use crate::output::{Listed, Printer, progress_on_stderr};

/// A table shows the scalar fields; properties, drivers, tags and questions are lists,
/// printed whole by `-o json` (and as JSON text by `-o csv`).
impl Listed for SurveyResponse {
    const TABLE: &'static [(&'static str, &'static str)] = &[
        ("number_customergauge", "number_customergauge"),
        ("email", "email"),
        ("first_name", "first_name"),
        ("last_name", "last_name"),
        ("account_name", "account_name"),
        ("nps", "nps"),
        ("comment", "comment"),
        ("date_sent", "date_sent"),
        ("date_survey_response", "date_survey_response"),
        ("number_customer", "number_customer"),
    ];
    fn extra_keys(&self) -> Vec<String> {
        self.extra.keys().cloned().collect()
    }
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
    let mut items = Box::pin(export.stream().take(limit.count()));
    let mut count = 0u64;
    while let Some(item) = items.next().await {
        out.item(&item?)?;
        count += 1;
        if let Some(bar) = &bar {
            bar.set_position(count);
            bar.set_message(format!("{count} exported"));
        }
    }
    out.finish()?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    eprintln!("{count} record(s) exported");
    Ok(())
}
