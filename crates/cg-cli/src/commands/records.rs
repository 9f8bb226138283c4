//! `cg records import|put` and `cg accounts put`.
//!
//! An import keeps a journal (`FILE.journal` unless `--journal`): each row is journaled
//! as started before it is sent and its outcome as soon as it is known, so running the
//! same command again after a crash, a kill or Ctrl-C resumes without sending anyone a
//! second survey. Rows that did not get in go to `FILE.rejected.csv` (refused, failed)
//! and `FILE.unknown.csv` (sent, fate unknown) as they happen.

use std::collections::{BTreeMap, HashMap};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cg_facade::Client;
use cg_facade::modules::accounts::AccountOutcome;
use cg_facade::modules::bulk::BulkResult;
use cg_facade::modules::journal::{FileJournal, Journal, JournalError, JournalHeader, sha256_file};
use cg_facade::modules::records::{Record, RecordOutcome};
use futures::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use crate::cli::{AccountsCommand, ImportArgs, RecordsCommand};
use crate::connect::Connection;
use crate::error::CliError;
use crate::output::Printer;

/// After Ctrl-C, how long the rows in flight get to finish before the journal is closed
/// (those still unanswered then are unknown on the next run).
pub const INTERRUPT_GRACE: Duration = Duration::from_secs(10);

/// Rows read ahead of the requests, beyond the concurrency.
const READ_AHEAD: usize = 64;

/// What the CSV reader hands on: a record with its line.
struct Row {
    line: u64,
    record: Record,
}

/// One of the CSV files of rows that did not get in (`line,reason,<header...>`),
/// created at its first row and written as rows come.
struct RowFile {
    path: PathBuf,
    header: Vec<String>,
    writer: Option<csv::Writer<std::fs::File>>,
    rows: u64,
}

impl RowFile {
    /// Removes what an earlier run left; the file is written anew.
    fn new(path: PathBuf, header: &[String]) -> RowFile {
        let _ = std::fs::remove_file(&path);
        RowFile {
            path,
            header: header.to_vec(),
            writer: None,
            rows: 0,
        }
    }

    fn io(&self, e: csv::Error) -> CliError {
        CliError::Io {
            path: self.path.display().to_string(),
            source: std::io::Error::other(e),
        }
    }

    fn write(&mut self, line: u64, reason: &str, fields: &[String]) -> Result<(), CliError> {
        if self.writer.is_none() {
            let mut w = csv::WriterBuilder::new()
                .flexible(true)
                .from_path(&self.path)
                .map_err(|e| self.io(e))?;
            let mut head = vec!["line".to_string(), "reason".to_string()];
            head.extend(self.header.iter().cloned());
            w.write_record(&head).map_err(|e| self.io(e))?;
            self.writer = Some(w);
        }
        let mut row = vec![line.to_string(), reason.to_string()];
        row.extend(fields.iter().cloned());
        let result = match self.writer.as_mut() {
            Some(w) => w.write_record(&row),
            None => Ok(()),
        };
        result.map_err(|e| self.io(e))?;
        self.rows += 1;
        Ok(())
    }

    fn write_record(&mut self, line: u64, reason: &str, record: &Record) -> Result<(), CliError> {
        let fields: Vec<String> = self
            .header
            .iter()
            .map(|h| record.get(h).unwrap_or("").to_string())
            .collect();
        self.write(line, reason, &fields)
    }

    /// Flushes; the path when any row was written.
    fn finish(&mut self) -> Result<Option<PathBuf>, CliError> {
        match self.writer.as_mut() {
            Some(w) => {
                w.flush().map_err(|source| CliError::Io {
                    path: self.path.display().to_string(),
                    source,
                })?;
                Ok(Some(self.path.clone()))
            }
            None => Ok(None),
        }
    }
}

/// Reads the CSV on a blocking thread: records go down the channel (bounded, so at
/// most a few rows are read ahead), broken rows straight to the rejected file.
fn spawn_reader(
    path: PathBuf,
    header_len: usize,
    header: Vec<String>,
    reader: csv::Reader<std::fs::File>,
    rejected: Arc<Mutex<RowFile>>,
    broken: Arc<std::sync::atomic::AtomicU64>,
    tx: tokio::sync::mpsc::Sender<Row>,
) -> tokio::task::JoinHandle<Result<(), CliError>> {
    tokio::task::spawn_blocking(move || {
        let _ = path;
        let set_aside = |line: u64, reason: String, fields: Vec<String>| {
            broken.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            match rejected.lock() {
                Ok(mut f) => f.write(line, &reason, &fields),
                Err(_) => Err(CliError::Usage("internal: a lock was poisoned".into())),
            }
        };
        for row in reader.into_byte_records() {
            let row = match row {
                Ok(row) => row,
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    set_aside(line, format!("unreadable CSV row: {e}"), Vec::new())?;
                    continue;
                }
            };
            let line = row.position().map_or(0, |p| p.line());
            let fields: Vec<String> = row
                .iter()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect();
            if fields.len() != header_len {
                let reason = format!("{} fields where the header has {header_len}", fields.len());
                set_aside(line, reason, fields)?;
                continue;
            }
            if row.iter().any(|f| std::str::from_utf8(f).is_err()) {
                set_aside(line, "not valid UTF-8".into(), fields)?;
                continue;
            }
            // Empty cells are left out: the mapping then treats the field as not given.
            let record: Record = header
                .iter()
                .cloned()
                .zip(fields)
                .filter(|(_, v)| !v.is_empty())
                .collect();
            if tx.blocking_send(Row { line, record }).is_err() {
                // The import stopped taking rows.
                break;
            }
        }
        Ok(())
    })
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

fn beside(input: &Path, suffix: &str) -> PathBuf {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "records".into());
    input.with_file_name(format!("{stem}.{suffix}"))
}

/// `FILE.csv` -> `FILE.rejected.csv` beside it.
pub fn rejected_path(input: &Path) -> PathBuf {
    beside(input, "rejected.csv")
}

/// `FILE.csv` -> `FILE.unknown.csv` beside it: rows sent whose fate is unknown.
pub fn unknown_path(input: &Path) -> PathBuf {
    beside(input, "unknown.csv")
}

/// `FILE.csv` -> `FILE.csv.journal` beside it.
pub fn journal_path(input: &Path) -> PathBuf {
    let mut name = input
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".journal");
    input.with_file_name(name)
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
    pub unknown: u64,
    pub failed: u64,
    pub broken: u64,
    /// Of the above, outcomes read from the journal of an earlier run.
    pub resumed: u64,
    pub rejected_file: Option<PathBuf>,
    pub unknown_file: Option<PathBuf>,
    pub journal: Option<PathBuf>,
    /// Stopped by Ctrl-C before the end of the input.
    pub interrupted: bool,
}

impl ImportReport {
    fn not_imported(&self) -> u64 {
        self.duplicates + self.rejected + self.unknown + self.failed + self.broken
    }
}

/// Imports the CSV, journaled; rows that did not get in go to `FILE.rejected.csv` and
/// `FILE.unknown.csv` as they happen.
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

    let journal = if args.dry_run {
        None
    } else {
        let path = args
            .journal
            .clone()
            .unwrap_or_else(|| journal_path(&args.file));
        let input_sha256 = sha256_file(&args.file).map_err(|source| CliError::Io {
            path: args.file.display().to_string(),
            source,
        })?;
        let header = JournalHeader {
            input_sha256,
            configuration: configuration.trim().to_string(),
        };
        let (journal, mut resume) =
            FileJournal::open(&path, &header, args.restart).map_err(|e| match e {
                JournalError::Io { path, source } => CliError::Io {
                    path: path.display().to_string(),
                    source,
                },
                other => CliError::Usage(other.to_string()),
            })?;
        if !resume.is_empty() {
            let unknown = resume.unknown_rows().len();
            if args.resend_ambiguous {
                resume.resend_unknown();
            }
            eprintln!(
                "resuming from {}: {} row(s) done earlier are skipped; {unknown} row(s) of unknown outcome are {}",
                path.display(),
                resume.len(),
                if args.resend_ambiguous {
                    "sent again (--resend-ambiguous)"
                } else {
                    "not resent (see --resend-ambiguous)"
                }
            );
        }
        Some((journal, resume, path))
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

    let rejected = Arc::new(Mutex::new(RowFile::new(rejected_path(&args.file), &header)));
    let mut unknown = RowFile::new(unknown_path(&args.file), &header);
    let broken = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let (tx, mut rx) = tokio::sync::mpsc::channel(args.concurrency.max(1) + READ_AHEAD);
    let reading = spawn_reader(
        args.file.clone(),
        header.len(),
        header.clone(),
        reader,
        rejected.clone(),
        broken.clone(),
        tx,
    );

    let mut report = ImportReport {
        dry_run: args.dry_run,
        ..ImportReport::default()
    };
    // Line of every row in flight, by record index: O(concurrency).
    let lines: Arc<Mutex<HashMap<usize, u64>>> = Arc::default();
    let mut auth_error = None;
    if args.dry_run {
        while let Some(Row { line, record }) = rx.recv().await {
            let result = match record.validate() {
                Ok(()) => BulkResult::Imported,
                Err(e) => BulkResult::Rejected {
                    sent: false,
                    message: e.to_string(),
                    errors: BTreeMap::new(),
                },
            };
            tally(&mut report, &result, false);
            if !result.is_imported() {
                lock(&rejected)?.write_record(line, &reason(&result), &record)?;
            }
            if let Some(bar) = &bar {
                bar.inc(1);
            }
        }
    } else {
        let (journal, resume, path) = journal
            .ok_or_else(|| CliError::Usage("internal: an import without its journal".into()))?;
        report.journal = Some(path.clone());
        let journal_handle = journal.clone();
        let index_lines = lines.clone();
        let records = futures::stream::unfold((rx, 0usize), move |(mut rx, index)| {
            let index_lines = index_lines.clone();
            async move {
                let Row { line, record } = rx.recv().await?;
                if let Ok(mut l) = index_lines.lock() {
                    l.insert(index, line);
                }
                Some((record, (rx, index + 1)))
            }
        });
        let import = conn
            .client
            .records()
            .import_stream(configuration, records)
            .concurrency(args.concurrency.max(1))
            .adaptive(!args.fixed_rate)
            .journal(journal, resume)
            .resend_ambiguous(args.resend_ambiguous);
        let stop = import.stop_handle();
        let pace = import.progress();
        let mut outcomes = Box::pin(import.stream());
        let ctrl_c = tokio::signal::ctrl_c();
        tokio::pin!(ctrl_c);
        let grace = tokio::time::sleep(Duration::MAX / 4);
        tokio::pin!(grace);
        loop {
            let outcome = tokio::select! {
                outcome = outcomes.next() => outcome,
                _ = &mut ctrl_c, if !report.interrupted => {
                    report.interrupted = true;
                    stop.stop();
                    eprintln!(
                        "interrupted: no new rows are sent; waiting up to {}s for the rows in flight",
                        INTERRUPT_GRACE.as_secs()
                    );
                    grace.as_mut().reset(tokio::time::Instant::now() + INTERRUPT_GRACE);
                    continue;
                }
                _ = &mut grace, if report.interrupted => {
                    // Still unanswered: journaled as started, unknown on the next run.
                    break;
                }
            };
            let Some(outcome) = outcome else { break };
            let line = lines
                .lock()
                .ok()
                .and_then(|mut l| l.remove(&outcome.index))
                .unwrap_or(0);
            tally(&mut report, &outcome.result, outcome.resumed);
            if let Some(bar) = &bar {
                bar.inc(1);
                // Once the service has answered 429, the rate the import adapted to.
                let paced = pace.send_rate().map_or(String::new(), |rate| {
                    format!(", paced at {rate:.0}/s ({} throttled)", pace.throttled())
                });
                bar.set_message(format!(
                    "{} imported, {} not{paced}",
                    report.imported + report.confirmed_by_duplicate,
                    report.not_imported()
                ));
            }
            match outcome.result {
                BulkResult::Unknown { .. } => {
                    unknown.write_record(line, &reason(&outcome.result), &outcome.record)?;
                }
                BulkResult::Failed {
                    error: error @ cg_facade::Error::Auth { .. },
                } => {
                    lock(&rejected)?.write_record(
                        line,
                        &format!("failed: {error}"),
                        &outcome.record,
                    )?;
                    auth_error.get_or_insert(error);
                }
                ref result if !result.is_imported() => {
                    lock(&rejected)?.write_record(line, &reason(result), &outcome.record)?;
                }
                _ => {}
            }
        }
        // Rows still in flight (an interrupt's grace ran out) stay "started": unknown.
        drop(outcomes);
        journal_handle.sync().map_err(|source| CliError::Io {
            path: path.display().to_string(),
            source,
        })?;
    }
    let read = reading.await;
    if !report.interrupted && auth_error.is_none() {
        match read {
            Ok(result) => result?,
            Err(e) => {
                return Err(CliError::Usage(format!(
                    "internal: the CSV reader failed: {e}"
                )));
            }
        }
    }
    report.broken = broken.load(std::sync::atomic::Ordering::Relaxed);
    if let Some(bar) = &bar {
        bar.inc(report.broken);
        bar.finish_and_clear();
    }
    report.rejected_file = lock(&rejected)?.finish()?;
    report.unknown_file = unknown.finish()?;
    if let Some(error) = auth_error {
        return Err(CliError::Api(error));
    }
    Ok(report)
}

fn lock(f: &Mutex<RowFile>) -> Result<std::sync::MutexGuard<'_, RowFile>, CliError> {
    f.lock()
        .map_err(|_| CliError::Usage("internal: a lock was poisoned".into()))
}

fn tally(report: &mut ImportReport, result: &BulkResult, resumed: bool) {
    if resumed {
        report.resumed += 1;
    }
    match result {
        BulkResult::Imported => report.imported += 1,
        BulkResult::ImportedConfirmedByDuplicate { .. } => report.confirmed_by_duplicate += 1,
        BulkResult::Duplicate { .. } => report.duplicates += 1,
        BulkResult::Rejected { .. } => report.rejected += 1,
        BulkResult::Unknown { .. } => report.unknown += 1,
        _ => report.failed += 1,
    }
}

/// Prints the summary; a partial failure is its own error (exit code 3), an
/// interrupted import another (exit code 5).
pub fn summarize(report: &ImportReport, out: &mut Printer) -> Result<(), CliError> {
    out.row(vec![
        (
            if report.dry_run { "valid" } else { "imported" },
            json!(report.imported + report.confirmed_by_duplicate),
        ),
        ("duplicates", json!(report.duplicates)),
        ("rejected", json!(report.rejected + report.broken)),
        ("unknown", json!(report.unknown)),
        ("failed", json!(report.failed)),
        ("resumed", json!(report.resumed)),
        (
            "rejected_file",
            json!(
                report
                    .rejected_file
                    .as_ref()
                    .map(|p| p.display().to_string())
            ),
        ),
        (
            "unknown_file",
            json!(
                report
                    .unknown_file
                    .as_ref()
                    .map(|p| p.display().to_string())
            ),
        ),
    ])?;
    out.finish()?;
    summarize_quiet(report)
}

/// The exit status of an import whose summary was already shown another way.
pub fn summarize_quiet(report: &ImportReport) -> Result<(), CliError> {
    let journal = report
        .journal
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    if report.interrupted {
        return Err(CliError::Interrupted(format!(
            "interrupted; the journal {journal} is complete: run the same command again to resume"
        )));
    }
    let missing = report.not_imported();
    if missing == 0 {
        return Ok(());
    }
    let mut see: Vec<String> = [&report.rejected_file, &report.unknown_file]
        .into_iter()
        .flatten()
        .map(|p| p.display().to_string())
        .collect();
    if see.is_empty() {
        see.push(journal);
    }
    let unknown = if report.unknown > 0 {
        format!(
            " ({} of unknown outcome: sent without an answer, they may have been imported; not resent)",
            report.unknown
        )
    } else {
        String::new()
    };
    Err(CliError::Partial(format!(
        "{missing} record(s) not imported{unknown}; see {}",
        see.join(" and ")
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
                RecordOutcome::Unknown { ref reason } => {
                    out.row(vec![("result", json!("unknown")), ("cg_id", json!(null))])?;
                    out.finish()?;
                    return Err(CliError::Partial(format!("outcome unknown: {reason}")));
                }
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
