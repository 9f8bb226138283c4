//! `cg demo`: the main job. Imports the sample contacts (or `--file`) and lists what
//! arrived; with no credentials configured, against the embedded sandbox.

use std::io::IsTerminal;

use crate::cli::{DemoArgs, ImportArgs};
use crate::connect::Connection;
use crate::error::CliError;
use crate::output::Printer;

/// The sample shipped with the tool (also `crates/cg-cli/examples/contacts.csv`).
pub const SAMPLE: &str = include_str!("../../examples/contacts.csv");

pub async fn run(conn: &Connection, args: DemoArgs, out: &mut Printer) -> Result<(), CliError> {
    let file = match args.file {
        Some(f) => f,
        None => {
            let path = std::env::temp_dir()
                .join(format!("cg-demo-{}", std::process::id()))
                .join("contacts.csv");
            let io = |source| CliError::Io {
                path: path.display().to_string(),
                source,
            };
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(io)?;
            }
            std::fs::write(&path, SAMPLE).map_err(io)?;
            path
        }
    };
    let where_ = match &conn.sandbox {
        Some(s) => format!("the embedded sandbox at {}", s.api_url()),
        None => "CustomerGauge".to_string(),
    };
    eprintln!("importing {} into {where_}", file.display());
    let args = ImportArgs {
        file,
        configuration: args.configuration,
        concurrency: 8,
        dry_run: false,
    };
    let progress = std::io::stderr().is_terminal() && std::io::stdout().is_terminal();
    let report = super::records::import(conn, &args, progress).await?;
    eprintln!(
        "imported {} record(s); {} not imported{}",
        report.imported + report.confirmed_by_duplicate,
        report.duplicates + report.rejected + report.failed + report.broken,
        report
            .rejected_file
            .as_ref()
            .map(|p| format!(" (see {})", p.display()))
            .unwrap_or_default()
    );
    eprintln!("surveys queued:");
    super::transactions::list_recent(&conn.client, out).await?;
    out.finish()?;
    super::records::summarize_quiet(&report)
}
