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
    // The sample goes to a temporary folder, removed at the end unless rows were
    // rejected (their file is written beside it and must stay readable).
    let mut sample_dir = None;
    let file = match args.file {
        Some(f) => f,
        None => {
            let io = |source| CliError::Io {
                path: std::env::temp_dir().display().to_string(),
                source,
            };
            let dir = tempfile::Builder::new()
                .prefix("cg-demo-")
                .tempdir()
                .map_err(io)?;
            let path = dir.path().join("contacts.csv");
            std::fs::write(&path, SAMPLE).map_err(io)?;
            sample_dir = Some(dir);
            path
        }
    };
    let where_ = match conn.sandbox_url() {
        Some(url) => format!("the embedded sandbox at {url}"),
        None => "CustomerGauge".to_string(),
    };
    eprintln!("importing {} into {where_}", file.display());
    let args = ImportArgs {
        file,
        configuration: args.configuration,
        concurrency: 8,
        fixed_rate: false,
        dry_run: false,
        journal: None,
        resend_ambiguous: false,
        // The demo imports its sample afresh each time.
        restart: true,
    };
    let progress = std::io::stderr().is_terminal() && std::io::stdout().is_terminal();
    let report = super::records::import(conn, &args, progress).await?;
    if let Some(dir) = sample_dir
        && report.rejected_file.is_some()
    {
        let _kept = dir.keep();
    }
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
