//! `cg records import|put` and `cg accounts put`.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cg_facade::Client;
use cg_facade::modules::accounts::AccountOutcome;
use cg_facade::modules::bulk::{BulkOutcome, BulkResult};
use cg_facade::modules::records::{Record, RecordOutcome};
use futures::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use crate::cli::{AccountsCommand, ImportArgs, RecordsCommand};
use crate::connect::Connection;
use crate::error::CliError;
use crate::output::Printer;

/// A CSV row that could not become a record (wrong number of fields, bad UTF-8).
struct BrokenRow {
    line: u64,
    reason: String,
    fields: Vec<String>,
}

/// The rows of the CSV as records, lazily; broken rows are set aside with their line.
struct CsvRecords {
    header: Vec<String>,
    rows: csv::ByteRecordsIntoIter<std::fs::File>,
    /// Line of every record handed out, by record index.
    lines: Arc<Mutex<Vec<u64>>>,
    broken: Arc<Mutex<Vec<BrokenRow>>>,
}

impl Iterator for CsvRecords {
    type Item = Record;
    fn next(&mut self) -> Option<Record> {
        loop {
            let row = self.rows.next()?;
            let row = match row {
                Ok(row) => row,
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    push(
                        &self.broken,
                        BrokenRow {
                            line,
                            reason: format!("unreadable CSV row: {e}"),
                            fields: Vec::new(),
                        },
                    );
                    continue;
                }
            };
            let line = row.position().map_or(0, |p| p.line());
            let fields: Vec<String> = row
                .iter()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect();
            if fields.len() != self.header.len() {
                let reason = format!(
                    "{} fields where the header has {}",
                    fields.len(),
                    self.header.len()
                );
                push(
                    &self.broken,
                    BrokenRow {
                        line,
                        reason,
                        fields,
                    },
                );
                continue;
            }
            if row.iter().any(|f| std::str::from_utf8(f).is_err()) {
                push(
                    &self.broken,
                    BrokenRow {
                        line,
                        reason: "not valid UTF-8".into(),
                        fields,
                    },
                );
                continue;
            }
            push(&self.lines, line);
            // Empty cells are left out: the mapping then treats the field as not given.
            return Some(
                self.header
                    .iter()
                    .cloned()
                    .zip(fields)
                    .filter(|(_, v)| !v.is_empty())
                    .collect(),
            );
        }
    }
}

fn push<T>(to: &Mutex<Vec<T>>, item: T) {
    if let Ok(mut v) = to.lock() {
        v.push(item);
    }
}

fn open_csv(path: &Path) -> Result<(Vec<String>, csv::Reader<std::fs::File>), CliError> {
    let io = |source| CliError::Io {
        path: path.display().to_string(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(file);
    let header = reader
        .headers()
        .map_err(|e| {
            CliError::Usage(format!(
                "{}: the header row cannot be read: {e}",
                path.display()
            ))
        })?
        .iter()
        .map(|h| h.trim().to_string())
        .collect::<Vec<_>>();
    if header.iter().all(String::is_empty) {
        return Err(CliError::Usage(format!(
            "{}: the header row is empty; it must hold the mapping's field names",
            path.display()
        )));
    }
    Ok((header, reader))
}

/// Data rows, for the progress bar's length (a quick pass; quoted newlines count right).
fn count_rows(path: &Path) -> Option<u64> {
    let (_, reader) = open_csv(path).ok()?;
    Some(reader.into_byte_records().count() as u64)
}

/// `FILE.csv` -> `FILE.rejected.csv` beside it.
pub fn rejected_path(input: &Path) -> PathBuf {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "records".into());
    input.with_file_name(format!("{stem}.rejected.csv"))
}

fn reason(result: &BulkResult) -> String {
    match result {
        // The service's summary repeats its field messages: the fields say it all.
        BulkResult::Rejected {
            sent: true, errors, ..
        } if !errors.is_empty() => {
            let fields: Vec<String> = errors
                .iter()
                .map(|(f, m)| format!("{f}: {}", m.join(" ")))
                .collect();
            format!("refused by the service: {}", fields.join("; "))
        }
        other => other.to_string(),
    }
}

/// What an import did, for the summary.
#[derive(Default)]
pub struct ImportReport {
    /// Checked only: `imported` counts the rows that would be sent.
    pub dry_run: bool,
    pub imported: u64,
    pub confirmed_by_duplicate: u64,
    pub duplicates: u64,
    pub rejected: u64,
    pub failed: u64,
    pub broken: u64,
    pub rejected_file: Option<PathBuf>,
}

impl ImportReport {
    fn not_imported(&self) -> u64 {
        self.duplicates + self.rejected + self.failed + self.broken
    }
}

/// Imports the CSV; rows that did not get in are written to `FILE.rejected.csv`.
pub async fn import(
    conn: &Connection,
    args: &ImportArgs,
    progress: bool,
) -> Result<ImportReport, CliError> {
    let configuration = match (&args.configuration, conn.demo_configuration()) {
        (Some(c), _) => c.clone(),
        (None, Some(demo)) => demo,
        (None, None) => {
            return Err(CliError::Usage(
                "--configuration is required (the Inbound Mapping's reference)".into(),
            ));
        }
    };
    let (header, reader) = open_csv(&args.file)?;
    let lines = Arc::new(Mutex::new(Vec::new()));
    let broken = Arc::new(Mutex::new(Vec::new()));
    let records = CsvRecords {
        header: header.clone(),
        rows: reader.into_byte_records(),
        lines: lines.clone(),
        broken: broken.clone(),
    };

    let bar = if progress {
        let bar = ProgressBar::new(count_rows(&args.file).unwrap_or(0));
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {bar:30} {pos}/{len} records  {per_sec}  ETA {eta}  {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        Some(bar)
    } else {
        None
    };

    let mut report = ImportReport {
        dry_run: args.dry_run,
        ..ImportReport::default()
    };
    let mut not_imported: Vec<BulkOutcome> = Vec::new();
    if args.dry_run {
        for (index, record) in records.enumerate() {
            let result = match record.validate() {
                Ok(()) => BulkResult::Imported,
                Err(e) => BulkResult::Rejected {
                    sent: false,
                    message: e.to_string(),
                    errors: BTreeMap::new(),
                },
            };
            tally(&mut report, &result);
            if !result.is_imported() {
                not_imported.push(BulkOutcome {
                    index,
                    record,
                    result,
                    attempts: 0,
                });
            }
            if let Some(bar) = &bar {
                bar.inc(1);
            }
        }
    } else {
        let import = conn
            .client
            .records()
            .import_stream(configuration, futures::stream::iter(records))
            .concurrency(args.concurrency.max(1));
        let mut outcomes = Box::pin(import.stream());
        while let Some(outcome) = outcomes.next().await {
            tally(&mut report, &outcome.result);
            if let Some(bar) = &bar {
                bar.inc(1);
                bar.set_message(format!(
                    "{} imported, {} not",
                    report.imported + report.confirmed_by_duplicate,
                    report.not_imported()
                ));
            }
            if !outcome.result.is_imported() {
                not_imported.push(outcome);
            }
        }
    }
    let broken = std::mem::take(
        &mut *broken
            .lock()
            .map_err(|_| CliError::Usage("internal: a lock was poisoned".into()))?,
    );
    report.broken = broken.len() as u64;
    if let Some(bar) = &bar {
        bar.inc(report.broken);
        bar.finish_and_clear();
    }

    let _ = std::fs::remove_file(rejected_path(&args.file));
    if !not_imported.is_empty() || !broken.is_empty() {
        let lines = lines.lock().map(|l| l.clone()).unwrap_or_default();
        let path = rejected_path(&args.file);
        write_rejected(&path, &header, &lines, not_imported, broken)?;
        report.rejected_file = Some(path);
    }
    Ok(report)
}

fn tally(report: &mut ImportReport, result: &BulkResult) {
    match result {
        BulkResult::Imported => report.imported += 1,
        BulkResult::ImportedConfirmedByDuplicate { .. } => report.confirmed_by_duplicate += 1,
        BulkResult::Duplicate { .. } => report.duplicates += 1,
        BulkResult::Rejected { .. } => report.rejected += 1,
        _ => report.failed += 1,
    }
}

/// `line,reason,<header...>`, in input order, so the rows can be fixed and re-run.
fn write_rejected(
    path: &Path,
    header: &[String],
    lines: &[u64],
    outcomes: Vec<BulkOutcome>,
    broken: Vec<BrokenRow>,
) -> Result<(), CliError> {
    let io = |e: csv::Error| CliError::Io {
        path: path.display().to_string(),
        source: std::io::Error::other(e),
    };
    let mut rows: Vec<(u64, String, Vec<String>)> = outcomes
        .into_iter()
        .map(|o| {
            let fields = header
                .iter()
                .map(|h| o.record.get(h).unwrap_or("").to_string())
                .collect();
            (
                lines.get(o.index).copied().unwrap_or(0),
                reason(&o.result),
                fields,
            )
        })
        .chain(broken.into_iter().map(|b| (b.line, b.reason, b.fields)))
        .collect();
    rows.sort_by_key(|(line, _, _)| *line);
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(io)?;
    let mut head = vec!["line".to_string(), "reason".to_string()];
    head.extend(header.iter().cloned());
    w.write_record(&head).map_err(io)?;
    for (line, reason, fields) in rows {
        let mut row = vec![line.to_string(), reason];
        row.extend(fields);
        w.write_record(&row).map_err(io)?;
    }
    w.flush().map_err(|e| CliError::Io {
        path: path.display().to_string(),
        source: e,
    })
}

/// Prints the summary; a partial failure is its own error (exit code 3).
pub fn summarize(report: &ImportReport, out: &mut Printer) -> Result<(), CliError> {
    out.row(vec![
        (
            if report.dry_run { "valid" } else { "imported" },
            json!(report.imported + report.confirmed_by_duplicate),
        ),
        ("duplicates", json!(report.duplicates)),
        ("rejected", json!(report.rejected + report.broken)),
        ("failed", json!(report.failed)),
        (
            "rejected_file",
            json!(
                report
                    .rejected_file
                    .as_ref()
                    .map(|p| p.display().to_string())
            ),
        ),
    ])?;
    out.finish()?;
    let missing = report.not_imported();
    if missing == 0 {
        return Ok(());
    }
    let file = report
        .rejected_file
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    Err(CliError::Partial(format!(
        "{missing} record(s) not imported; see {file}"
    )))
}

pub async fn run(
    conn: &Connection,
    cmd: RecordsCommand,
    out: &mut Printer,
) -> Result<(), CliError> {
    match cmd {
        RecordsCommand::Import(args) => {
            let progress = std::io::stderr().is_terminal() && std::io::stdout().is_terminal();
            let report = import(conn, &args, progress).await?;
            summarize(&report, out)
        }
        RecordsCommand::Put {
            configuration,
            fields,
            form,
        } => {
            let mut put = conn.client.records().put(configuration);
            for field in &fields {
                let (name, value) = field.split_once('=').ok_or_else(|| {
                    CliError::Usage(format!("--field {field:?}: expected NAME=VALUE"))
                })?;
                put = put.field(name, value);
            }
            if form {
                put = put.form();
            }
            let outcome = put.send().await?;
            let (result, cg_id) = match outcome {
                RecordOutcome::Imported => ("imported", None),
                RecordOutcome::ImportedConfirmedByDuplicate { cg_id } => {
                    ("imported (confirmed by duplicate)", Some(cg_id))
                }
                RecordOutcome::Duplicate { cg_id } => ("duplicate", Some(cg_id)),
                _ => ("imported", None),
            };
            out.row(vec![("result", json!(result)), ("cg_id", json!(cg_id))])?;
            // One record answered "duplicate" is an answer, not a partial failure: exit 0.
            if let (RecordOutcome::Duplicate { .. }, Some(id)) = (&outcome, cg_id) {
                eprintln!("not sent again: the contact already got survey CG-ID {id}");
            }
            Ok(())
        }
    }
}

pub async fn accounts(
    client: &Client,
    cmd: AccountsCommand,
    out: &mut Printer,
) -> Result<(), CliError> {
    let AccountsCommand::Put {
        reference,
        number,
        manager,
        parent,
        account_region,
    } = cmd;
    let mut put = client.accounts().put(reference.clone());
    if let Some(v) = number {
        put = put.number(v);
    }
    if let Some(v) = manager {
        put = put.manager(v);
    }
    if let Some(v) = parent {
        put = put.parent(v);
    }
    if let Some(v) = account_region {
        put = put.region(v);
    }
    let outcome = match put.send().await? {
        AccountOutcome::Created => "created",
        AccountOutcome::Updated => "updated",
    };
    out.row(vec![
        ("reference", json!(reference)),
        ("result", json!(outcome)),
    ])?;
    Ok(())
}

/// The exit status of an import whose summary was already shown another way.
pub fn summarize_quiet(report: &ImportReport) -> Result<(), CliError> {
    match report.not_imported() {
        0 => Ok(()),
        n => Err(CliError::Partial(format!(
            "{n} record(s) not imported; see {}",
            report
                .rejected_file
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        ))),
    }
}
