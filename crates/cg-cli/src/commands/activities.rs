//! `cg activities put`: one customer activity (imports, art 5000810958).

use clap::Subcommand;

use cg_facade::Client;
use cg_facade::modules::activities::{Activity, ActivityOutcome};
use serde_json::{Value, json};

use crate::error::CliError;
use crate::output::Printer;

/// `cg activities ...`
#[derive(Debug, Subcommand)]
pub enum ActivitiesCommand {
    /// Create or update an activity (the reference, when given, identifies it).
    // The usage in two lines: four required options do not fit 80 columns.
    #[command(
        override_usage = "cg activities put --account <ACCOUNT> --type <TYPE> --source <SOURCE>\n       \
                                --happened-at <TIME> [OPTIONS]"
    )]
    Put {
        /// The account it belongs to.
        #[arg(long)]
        account: String,
        /// Its type, e.g. Ticket.
        #[arg(long = "type", value_name = "TYPE")]
        activity_type: String,
        /// Where it comes from, e.g. Freshdesk.
        #[arg(long)]
        source: String,
        /// When it happened: YYYY-MM-DD HH:MM:SS, optionally with an offset (+0530).
        #[arg(long, value_name = "TIME")]
        happened_at: String,
        /// Its reference in the source system.
        #[arg(long)]
        reference: Option<String>,
        /// The contact it concerns.
        #[arg(long)]
        contact: Option<String>,
        /// More details, as a JSON object.
        #[arg(long, value_name = "JSON")]
        additional_information: Option<String>,
    },
}

/// `--additional-information`: a JSON object, or a usage error saying what it is instead.
fn details(text: &str) -> Result<serde_json::Map<String, Value>, CliError> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(other) => Err(CliError::Usage(format!(
            "--additional-information: expected a JSON object, got {}",
            kind(&other)
        ))),
        Err(e) => Err(CliError::Usage(format!(
            "--additional-information is not JSON: {e}"
        ))),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

pub async fn run(
    client: &Client,
    cmd: ActivitiesCommand,
    out: &mut Printer,
) -> Result<(), CliError> {
    let ActivitiesCommand::Put {
        account,
        activity_type,
        source,
        happened_at,
        reference,
        contact,
        additional_information,
    } = cmd;
    let mut activity = Activity::new(account, activity_type, source, happened_at);
    if let Some(r) = reference.clone() {
        activity = activity.reference(r);
    }
    if let Some(c) = contact {
        activity = activity.contact(c);
    }
    if let Some(text) = additional_information {
        for (k, v) in details(&text)? {
            activity = activity.detail(k, v);
        }
    }
    let (result, message) = match client.activities().put(activity).await? {
        ActivityOutcome::Created { message } => ("created", message),
        ActivityOutcome::Updated { message } => ("updated", message),
        _ => ("done", None),
    };
    out.row(vec![
        ("reference", json!(reference)),
        ("result", json!(result)),
        ("message", json!(message)),
    ])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn additional_information_is_an_object() {
        assert_eq!(
            details(r#"{"priority": "high", "n": 2}"#)
                .map(|m| m.len())
                .ok(),
            Some(2)
        );
        for (bad, says) in [
            ("[1]", "a list"),
            ("{oops", "not JSON"),
            ("\"x\"", "a string"),
        ] {
            let e = details(bad).map(|_| ()).unwrap_err().to_string();
            assert!(
                e.contains("--additional-information") && e.contains(says),
                "{e}"
            );
        }
    }
}
