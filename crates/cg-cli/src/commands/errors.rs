//! `cg errors explain|list`: the error-code table, offline.

use cg_errors::ErrorCode;
use serde_json::{Value, json};

use crate::cli::ErrorsCommand;
use crate::error::CliError;
use crate::output::{Printer, Row};

fn row(code: ErrorCode) -> Row {
    vec![
        ("code", json!(code.code())),
        (
            "http_status",
            code.http_status().map_or(Value::Null, |s| json!(s)),
        ),
        ("category", json!(code.category())),
        ("subcategory", json!(code.subcategory())),
        ("reason", json!(code.reason())),
    ]
}

pub fn run(cmd: ErrorsCommand, out: &mut Printer) -> Result<(), CliError> {
    match cmd {
        ErrorsCommand::Explain { code } => {
            let code: ErrorCode = code.parse().map_err(|e| CliError::Usage(format!("{e}")))?;
            if !code.is_known() {
                return Err(CliError::Usage(format!(
                    "{} is not in the CustomerGauge error table",
                    code.code()
                )));
            }
            out.row(row(code))?;
        }
        ErrorsCommand::List(limit) => {
            for code in ErrorCode::ALL.into_iter().take(limit.count()) {
                out.row(row(code))?;
            }
        }
    }
    Ok(())
}
