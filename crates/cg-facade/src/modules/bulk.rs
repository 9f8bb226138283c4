//! Bulk record import: many `PUT /records/` calls, a bounded number in flight, one
//! outcome per input record.
//!
//! ```no_run
//! # async fn run(client: cg_facade::Client) {
//! use cg_facade::modules::records::Record;
//!
//! let records = (0..1000).map(|i| Record::new().field("Email", format!("user{i}@example.com")).field("Account Name", "ACME"));
//! let import = client.records().import("9dd58237-c913-4073-9c76-07da0b49ff50", records).concurrency(16);
//! let progress = import.progress(); // readable from another task while it runs
//! let summary = import.run().await;
//! println!("{} imported, {} not; {} done", summary.imported, summary.not_imported.len(), progress.done());
//! # }
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures::stream::{BoxStream, Stream, StreamExt};

use crate::Error;
use crate::modules::records::{
    Record, RecordEncoding, RecordOutcome, Records, check, import_checked, parse_configuration,
};

/// Records in flight when [`BulkImport::concurrency`] is not set.
pub const DEFAULT_CONCURRENCY: usize = 8;

impl Records {
    /// Imports every record of `records` through the Inbound Mapping `configuration`.
    /// Nothing happens until the returned [`BulkImport`] is streamed or run.
    pub fn import<I>(&self, configuration: impl Into<String>, records: I) -> BulkImport
    where
        I: IntoIterator<Item = Record>,
        I::IntoIter: Send + 'static,
    {
        let records = records.into_iter();
        let total = match records.size_hint() {
            (low, Some(high)) if low == high => u64::try_from(low).ok(),
            _ => None,
        };
        BulkImport::new(
            self.client.clone(),
            configuration.into(),
            futures::stream::iter(records).boxed(),
            total,
        )
    }

    /// Like [`import`](Self::import), for records that arrive as a stream (a file being
    /// read, a query being paged). The stream is read only as fast as slots free up.
    pub fn import_stream<S>(&self, configuration: impl Into<String>, records: S) -> BulkImport
    where
        S: Stream<Item = Record> + Send + 'static,
    {
        BulkImport::new(
            self.client.clone(),
            configuration.into(),
            records.boxed(),
            None,
        )
    }
}

/// A prepared bulk import: `.concurrency(n)`, `.form()`, then `.stream()` or `.run()`.
#[must_use = "nothing is imported until .stream() is polled or .run() awaited"]
pub struct BulkImport {
    client: crate::Client,
    configuration: String,
    records: BoxStream<'static, Record>,
    concurrency: usize,
    encoding: RecordEncoding,
    local_checks: bool,
    progress: Progress,
}

impl fmt::Debug for BulkImport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BulkImport")
            .field("configuration", &self.configuration)
            .field("concurrency", &self.concurrency)
            .field("encoding", &self.encoding)
            .field("progress", &self.progress.snapshot())
            .finish_non_exhaustive()
    }
}

impl BulkImport {
    fn new(
        client: crate::Client,
        configuration: String,
        records: BoxStream<'static, Record>,
        total: Option<u64>,
    ) -> Self {
        BulkImport {
            client,
            configuration,
            records,
            concurrency: DEFAULT_CONCURRENCY,
            encoding: RecordEncoding::Json,
            local_checks: true,
            progress: Progress::new(total),
        }
    }

    /// At most this many records in flight at once (default 8; 0 counts as 1). A new
    /// record is sent as soon as one finishes, so every slot stays busy.
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Sends the bodies form-encoded instead of JSON.
    pub fn form(self) -> Self {
        self.encoding(RecordEncoding::Form)
    }

    /// Chooses the body encoding.
    pub fn encoding(mut self, encoding: RecordEncoding) -> Self {
        self.encoding = encoding;
        self
    }

    /// Whether each record is checked with [`Record::validate`] before sending (on by
    /// default); see [`PutRecord::local_checks`](crate::modules::records::PutRecord::local_checks).
    pub fn local_checks(mut self, on: bool) -> Self {
        self.local_checks = on;
        self
    }

    /// A handle on the counters, readable (from any task) while the import runs.
    pub fn progress(&self) -> Progress {
        self.progress.clone()
    }

    /// One [`BulkOutcome`] per input record, in completion order (see
    /// [`BulkOutcome::index`] for the input position). Records failing local
    /// validation come out [`BulkResult::Rejected`] without being sent; the rest go on.
    ///
    /// Requests advance while the stream is polled: handle each outcome quickly, or
    /// hand it on through a channel.
    pub fn stream(self) -> impl Stream<Item = BulkOutcome> + Send + 'static {
        let BulkImport {
            client,
            configuration,
            records,
            concurrency,
            encoding,
            local_checks,
            progress,
        } = self;
        // An invalid configuration rejects every record, so each is still accounted for.
        let configuration = parse_configuration(&configuration).map_err(|e| match e {
            Error::InvalidInput { field, problem } => (field, problem),
            other => ("configuration".to_owned(), other.to_string()),
        });
        records
            .enumerate()
            .map(move |(index, record)| {
                progress.inner.submitted.fetch_add(1, Ordering::Relaxed);
                let (client, progress, configuration) =
                    (client.clone(), progress.clone(), configuration.clone());
                async move {
                    let how = How {
                        encoding,
                        local_checks,
                    };
                    let outcome =
                        import_one(&client, configuration, index, record, how, &progress).await;
                    progress.count(&outcome.result);
                    outcome
                }
            })
            .buffer_unordered(concurrency)
    }

    /// Runs the whole import and returns the counts and every record not imported.
    pub async fn run(self) -> BulkSummary {
        let mut summary = BulkSummary::default();
        let mut outcomes = std::pin::pin!(self.stream());
        while let Some(outcome) = outcomes.next().await {
            summary.add(outcome);
        }
        summary.not_imported.sort_by_key(|o| o.index);
        summary
    }
}

/// How each record is sent.
#[derive(Clone, Copy)]
struct How {
    encoding: RecordEncoding,
    local_checks: bool,
}

async fn import_one(
    client: &crate::Client,
    configuration: Result<String, (String, String)>,
    index: usize,
    record: Record,
    how: How,
    progress: &Progress,
) -> BulkOutcome {
    let rejected = |errors: BTreeMap<String, Vec<String>>, message: String| BulkResult::Rejected {
        sent: false,
        message,
        errors,
    };
    let configuration = match configuration {
        Ok(c) => c,
        Err((field, problem)) => {
            let message = format!("invalid {field}: {problem}");
            let result = rejected(BTreeMap::from([(field, vec![problem])]), message);
            return BulkOutcome {
                index,
                record,
                result,
                attempts: 0,
            };
        }
    };
    let mut errors: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if how.local_checks {
        for (field, problem) in record.problems() {
            errors.entry(field).or_default().push(problem);
        }
    }
    // The local rules were just listed above; only what the encoding cannot carry is left.
    if errors.is_empty()
        && let Err(Error::InvalidInput { field, problem }) = check(&record, how.encoding, false)
    {
        errors.insert(field, vec![problem]);
    }
    if !errors.is_empty() {
        let message = errors
            .iter()
            .map(|(f, p)| format!("invalid {f}: {}", p.join("; ")))
            .collect::<Vec<_>>()
            .join("; ");
        return BulkOutcome {
            index,
            record,
            result: rejected(errors, message),
            attempts: 0,
        };
    }
    let slot = InFlight::enter(&progress.inner);
    let (answer, call) = import_checked(client, &configuration, &record, how.encoding).await;
    drop(slot);
    let result = match answer {
        Ok(RecordOutcome::ImportedConfirmedByDuplicate { cg_id }) => {
            BulkResult::ImportedConfirmedByDuplicate { cg_id }
        }
        Ok(RecordOutcome::Duplicate { cg_id }) => BulkResult::Duplicate { cg_id },
        Ok(_) => BulkResult::Imported,
        Err(Error::Validation {
            message, errors, ..
        }) => BulkResult::Rejected {
            sent: true,
            message,
            errors,
        },
        Err(Error::InvalidInput { field, problem }) => {
            let message = format!("invalid {field}: {problem}");
            rejected(BTreeMap::from([(field, vec![problem])]), message)
        }
        Err(error) => BulkResult::Failed { error },
    };
    BulkOutcome {
        index,
        record,
        result,
        attempts: call.attempts,
    }
}

/// Counts a request in flight until dropped (also when the stream is dropped mid-call).
struct InFlight<'a>(&'a Counters);

impl<'a> InFlight<'a> {
    fn enter(counters: &'a Counters) -> Self {
        let now = counters.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
        counters.max_in_flight.fetch_max(now, Ordering::Relaxed);
        InFlight(counters)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// What became of one input record.
#[derive(Debug)]
pub struct BulkOutcome {
    /// Its position in the input, from 0.
    pub index: usize,
    /// The record as given.
    pub record: Record,
    /// What happened.
    pub result: BulkResult,
    /// Requests sent for it (0 when refused before sending).
    pub attempts: u32,
}

/// The fate of one record of a bulk import.
#[derive(Debug)]
#[non_exhaustive]
pub enum BulkResult {
    /// Imported.
    Imported,
    /// Imported by an attempt whose answer was lost; the resend was answered as a
    /// duplicate of `cg_id` (see [`RecordOutcome::ImportedConfirmedByDuplicate`]).
    ImportedConfirmedByDuplicate {
        /// The CG-ID the service named.
        cg_id: u64,
    },
    /// Not imported: the contact already got a survey within the duplication rule.
    Duplicate {
        /// The CG-ID of the existing record.
        cg_id: u64,
    },
    /// Refused: by the local checks (`sent == false`) or by the service (HTTP 422).
    Rejected {
        /// Whether the record reached the service.
        sent: bool,
        /// The summary message.
        message: String,
        /// Field name to messages.
        errors: BTreeMap<String, Vec<String>>,
    },
    /// No usable answer, after the retries the policy allows (transport, 5xx, auth).
    Failed {
        /// The last error.
        error: Error,
    },
}

impl BulkResult {
    /// Whether the record is in the system.
    pub fn is_imported(&self) -> bool {
        matches!(
            self,
            BulkResult::Imported | BulkResult::ImportedConfirmedByDuplicate { .. }
        )
    }
}

impl fmt::Display for BulkResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BulkResult::Imported => f.write_str("imported"),
            BulkResult::ImportedConfirmedByDuplicate { cg_id } => write!(
                f,
                "imported (confirmed by the duplicate answer, CG-ID {cg_id})"
            ),
            BulkResult::Duplicate { cg_id } => write!(f, "duplicate of CG-ID {cg_id}"),
            BulkResult::Rejected { sent, message, .. } => {
                write!(
                    f,
                    "rejected{}: {message}",
                    if *sent {
                        " by the service"
                    } else {
                        " before sending"
                    }
                )
            }
            BulkResult::Failed { error } => write!(f, "failed: {error}"),
        }
    }
}

/// Counts of a finished bulk import, and the records that did not get in.
#[derive(Debug, Default)]
pub struct BulkSummary {
    /// Records read from the input.
    pub total: u64,
    /// Imported, confirmed ones included.
    pub imported: u64,
    /// Of `imported`, those confirmed by a duplicate answer after an ambiguous attempt.
    pub confirmed_by_duplicate: u64,
    /// Duplicates (not imported).
    pub duplicates: u64,
    /// Rejected locally or by the service.
    pub rejected: u64,
    /// Failed after retries.
    pub failed: u64,
    /// Every outcome other than imported, by input position.
    pub not_imported: Vec<BulkOutcome>,
}

impl BulkSummary {
    /// Whether every record was imported.
    pub fn all_imported(&self) -> bool {
        self.imported == self.total
    }

    fn add(&mut self, outcome: BulkOutcome) {
        self.total += 1;
        match &outcome.result {
            BulkResult::Imported => self.imported += 1,
            BulkResult::ImportedConfirmedByDuplicate { .. } => {
                self.imported += 1;
                self.confirmed_by_duplicate += 1;
            }
            BulkResult::Duplicate { .. } => self.duplicates += 1,
            BulkResult::Rejected { .. } => self.rejected += 1,
            BulkResult::Failed { .. } => self.failed += 1,
        }
        if !outcome.result.is_imported() {
            self.not_imported.push(outcome);
        }
    }
}

impl fmt::Display for BulkSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} records: {} imported ({} confirmed by duplicate), {} duplicates, {} rejected, {} failed",
            self.total,
            self.imported,
            self.confirmed_by_duplicate,
            self.duplicates,
            self.rejected,
            self.failed
        )
    }
}

#[derive(Debug, Default)]
struct Counters {
    total: Option<u64>,
    submitted: AtomicU64,
    done: AtomicU64,
    imported: AtomicU64,
    confirmed_by_duplicate: AtomicU64,
    duplicates: AtomicU64,
    rejected: AtomicU64,
    failed: AtomicU64,
    in_flight: AtomicU64,
    max_in_flight: AtomicU64,
}

/// Live counters of a bulk import; clones share them. Each counter is exact on its
/// own; read together while running they may be one record apart.
#[derive(Clone, Debug)]
pub struct Progress {
    inner: Arc<Counters>,
}

impl Progress {
    fn new(total: Option<u64>) -> Self {
        Progress {
            inner: Arc::new(Counters {
                total,
                ..Counters::default()
            }),
        }
    }

    fn count(&self, result: &BulkResult) {
        let c = &self.inner;
        match result {
            BulkResult::Imported => c.imported.fetch_add(1, Ordering::Relaxed),
            BulkResult::ImportedConfirmedByDuplicate { .. } => {
                c.confirmed_by_duplicate.fetch_add(1, Ordering::Relaxed);
                c.imported.fetch_add(1, Ordering::Relaxed)
            }
            BulkResult::Duplicate { .. } => c.duplicates.fetch_add(1, Ordering::Relaxed),
            BulkResult::Rejected { .. } => c.rejected.fetch_add(1, Ordering::Relaxed),
            BulkResult::Failed { .. } => c.failed.fetch_add(1, Ordering::Relaxed),
        };
        c.done.fetch_add(1, Ordering::Release);
    }

    /// The number of input records, when the input said (an iterator of exact size).
    pub fn total(&self) -> Option<u64> {
        self.inner.total
    }

    /// Records taken from the input so far.
    pub fn submitted(&self) -> u64 {
        self.inner.submitted.load(Ordering::Relaxed)
    }

    /// Records with an outcome.
    pub fn done(&self) -> u64 {
        self.inner.done.load(Ordering::Acquire)
    }

    /// Imported records, confirmed ones included.
    pub fn imported(&self) -> u64 {
        self.inner.imported.load(Ordering::Relaxed)
    }

    /// Imported records confirmed by a duplicate answer after an ambiguous attempt.
    pub fn confirmed_by_duplicate(&self) -> u64 {
        self.inner.confirmed_by_duplicate.load(Ordering::Relaxed)
    }

    /// Duplicates.
    pub fn duplicates(&self) -> u64 {
        self.inner.duplicates.load(Ordering::Relaxed)
    }

    /// Rejected records.
    pub fn rejected(&self) -> u64 {
        self.inner.rejected.load(Ordering::Relaxed)
    }

    /// Failed records.
    pub fn failed(&self) -> u64 {
        self.inner.failed.load(Ordering::Relaxed)
    }

    /// Records being sent right now (retries included).
    pub fn in_flight(&self) -> u64 {
        self.inner.in_flight.load(Ordering::Relaxed)
    }

    /// The most records that were in flight at once.
    pub fn max_in_flight(&self) -> u64 {
        self.inner.max_in_flight.load(Ordering::Relaxed)
    }

    /// All counters at once.
    pub fn snapshot(&self) -> ProgressSnapshot {
        ProgressSnapshot {
            total: self.total(),
            submitted: self.submitted(),
            done: self.done(),
            imported: self.imported(),
            confirmed_by_duplicate: self.confirmed_by_duplicate(),
            duplicates: self.duplicates(),
            rejected: self.rejected(),
            failed: self.failed(),
            in_flight: self.in_flight(),
        }
    }
}

/// The counters of a [`Progress`] at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProgressSnapshot {
    /// See [`Progress::total`].
    pub total: Option<u64>,
    /// See [`Progress::submitted`].
    pub submitted: u64,
    /// See [`Progress::done`].
    pub done: u64,
    /// See [`Progress::imported`].
    pub imported: u64,
    /// See [`Progress::confirmed_by_duplicate`].
    pub confirmed_by_duplicate: u64,
    /// See [`Progress::duplicates`].
    pub duplicates: u64,
    /// See [`Progress::rejected`].
    pub rejected: u64,
    /// See [`Progress::failed`].
    pub failed: u64,
    /// See [`Progress::in_flight`].
    pub in_flight: u64,
}

impl fmt::Display for ProgressSnapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.total {
            Some(total) => write!(f, "{}/{total} done", self.done)?,
            None => write!(f, "{} done", self.done)?,
        }
        write!(
            f,
            " ({} imported, {} duplicates, {} rejected, {} failed, {} in flight)",
            self.imported, self.duplicates, self.rejected, self.failed, self.in_flight
        )
    }
}
