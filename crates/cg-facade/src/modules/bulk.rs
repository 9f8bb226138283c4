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
//! println!("{summary}; {} done", progress.done());
//! # }
//! ```
//!
//! Every outcome can go to a sink of the caller's choosing as it happens
//! ([`BulkImport::run_into`]), so a million records take no more memory than the
//! records in flight; a [`Journal`] makes the import resumable after a crash.
//!
//! A record whose request was sent and not answered (a 5xx without Retry-After, a
//! timeout, a dropped connection) ends [`BulkResult::Unknown`]: it may be in, and it is
//! not resent unless [`RetryPolicy::resend_ambiguous_records`](crate::RetryPolicy) says so.

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use futures::stream::{BoxStream, Stream, StreamExt};

use crate::Error;
use crate::adaptive::{self, AdaptiveLimiter};
use crate::modules::journal::{Journal, JournalOutcome, Resume};
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
    adaptive: bool,
    progress: Progress,
    journal: Option<Arc<dyn Journal>>,
    resume: Arc<Resume>,
    stop: StopHandle,
    resend_ambiguous: Option<bool>,
}

impl fmt::Debug for BulkImport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BulkImport")
            .field("configuration", &self.configuration)
            .field("concurrency", &self.concurrency)
            .field("encoding", &self.encoding)
            .field("progress", &self.progress.snapshot())
            .field("journal", &self.journal)
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
            adaptive: false,
            progress: Progress::new(total),
            journal: None,
            resume: Arc::new(Resume::fresh()),
            stop: StopHandle::default(),
            resend_ambiguous: None,
        }
    }

    /// Overrides the client's [`RetryPolicy::resend_ambiguous_records`](crate::RetryPolicy)
    /// for this import. Safe **only when the mapping has a duplication rule**: a record
    /// that did arrive is then answered as a duplicate (and counted imported); without
    /// one, its contact gets a second survey.
    pub fn resend_ambiguous(mut self, on: bool) -> Self {
        self.resend_ambiguous = Some(on);
        self
    }

    /// Journals every record (started before its request leaves, outcome when known)
    /// and skips the records `resume` holds a final outcome for: they come out with
    /// that outcome and [`BulkOutcome::resumed`] set, without being sent. Record
    /// positions are the input's, so resume with the same input in the same order.
    pub fn journal(mut self, journal: impl Journal, resume: Resume) -> Self {
        self.journal = Some(Arc::new(journal));
        self.resume = Arc::new(resume);
        self
    }

    /// A handle that stops the import from another task (e.g. on Ctrl-C): no record is
    /// taken from the input after [`StopHandle::stop`]; those in flight finish.
    pub fn stop_handle(&self) -> StopHandle {
        self.stop.clone()
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

    /// Adapts the send rate to what the service accepts (off by default): after a 429,
    /// sends are paced, the pace cut on each further 429 and raised while the service
    /// accepts (smithy-rs's adaptive retry mode). [`concurrency`](Self::concurrency)
    /// stays the cap on requests in flight; [`Progress::send_rate`] shows the pace.
    pub fn adaptive(mut self, on: bool) -> Self {
        self.adaptive = on;
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
            adaptive,
            progress,
            journal,
            resume,
            stop,
            resend_ambiguous,
        } = self;
        let limiter = adaptive.then(|| {
            let limiter = Arc::new(AdaptiveLimiter::new());
            let _ = progress.inner.limiter.set(limiter.clone());
            limiter
        });
        // An invalid configuration rejects every record, so each is still accounted for.
        let configuration = parse_configuration(&configuration).map_err(|e| match e {
            Error::InvalidInput { field, problem } => (field, problem),
            other => ("configuration".to_owned(), other.to_string()),
        });
        let taking = stop.clone();
        let shared = Arc::new(Shared {
            client,
            configuration,
            how: How {
                encoding,
                local_checks,
                resend_ambiguous,
            },
            progress,
            limiter,
            journal,
            resume,
            stop,
        });
        records
            .enumerate()
            .take_while(move |_| std::future::ready(!taking.is_stopped()))
            .map(move |(index, record)| {
                shared
                    .progress
                    .inner
                    .submitted
                    .fetch_add(1, Ordering::Relaxed);
                let shared = shared.clone();
                async move {
                    let s = &*shared;
                    let outcome = match s.resume.outcome(index as u64) {
                        Some(earlier) => {
                            // A row started without an outcome gets its final one now.
                            if let (JournalOutcome::Unknown { .. }, Some(journal)) =
                                (earlier, s.journal.as_deref())
                                && let Err(e) = journal.finished(index as u64, earlier)
                            {
                                tracing::warn!(row = index, error = %e, "could not journal an outcome");
                            }
                            BulkOutcome {
                                index,
                                record,
                                result: BulkResult::from_journal(earlier),
                                attempts: 0,
                                resumed: true,
                            }
                        }
                        // Built in place as the scope's future: held once, not as a local
                        // and again as what is awaited.
                        None => adaptive::scope(s.limiter.clone(), import_one(s, index, record)).await,
                    };
                    if let BulkResult::Failed {
                        error: error @ Error::Auth { .. },
                    } = &outcome.result
                    {
                        // Wrong credentials fail every record alike: stop at the first.
                        s.stop.stop_because(StopReason::Auth(error.to_string()));
                    }
                    s.progress.count(&outcome.result);
                    outcome
                }
            })
            .buffer_unordered(concurrency)
    }

    /// Runs the whole import and returns the counts. To see the records that did not
    /// get in, use [`run_into`](Self::run_into) with a sink such as [`NotImported`].
    pub async fn run(self) -> BulkSummary {
        let mut discard = |_: BulkOutcome| Ok(());
        match self.run_into(&mut discard).await {
            Ok(summary) => summary,
            Err(_) => unreachable!("the discarding sink does not fail"),
        }
    }

    /// Runs the whole import, handing every outcome to `sink` as it happens (nothing
    /// is kept but the counts). A failing sink stops the import: no further record is
    /// taken, those in flight finish (and are journaled), and its error is returned.
    pub async fn run_into<S: OutcomeSink + ?Sized>(self, sink: &mut S) -> io::Result<BulkSummary> {
        let stop = self.stop.clone();
        let journal = self.journal.clone();
        let mut summary = BulkSummary::default();
        let mut failure = None;
        let mut outcomes = std::pin::pin!(self.stream());
        while let Some(outcome) = outcomes.next().await {
            summary.add(&outcome);
            if failure.is_none()
                && let Err(e) = sink.accept(outcome)
            {
                stop.stop_because(StopReason::Sink(e.to_string()));
                failure = Some(e);
            }
        }
        summary.stopped = stop.reason();
        if let Some(journal) = journal {
            journal.sync()?;
        }
        match failure {
            Some(e) => Err(e),
            None => Ok(summary),
        }
    }
}

/// Where [`BulkImport::run_into`] hands each outcome.
pub trait OutcomeSink: Send {
    /// Takes one outcome.
    fn accept(&mut self, outcome: BulkOutcome) -> io::Result<()>;
}

impl<F: FnMut(BulkOutcome) -> io::Result<()> + Send> OutcomeSink for F {
    fn accept(&mut self, outcome: BulkOutcome) -> io::Result<()> {
        self(outcome)
    }
}

/// A sink keeping the outcomes of the records that were not imported, in input order
/// once [`into_sorted`](Self::into_sorted). Memory grows with them: for large inputs,
/// write them out instead.
#[derive(Debug, Default)]
pub struct NotImported(pub Vec<BulkOutcome>);

impl NotImported {
    /// The outcomes, by input position.
    pub fn into_sorted(mut self) -> Vec<BulkOutcome> {
        self.0.sort_by_key(|o| o.index);
        self.0
    }
}

impl OutcomeSink for NotImported {
    fn accept(&mut self, outcome: BulkOutcome) -> io::Result<()> {
        if !outcome.result.is_imported() {
            self.0.push(outcome);
        }
        Ok(())
    }
}

/// Why an import stopped taking records before the end of its input.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StopReason {
    /// [`StopHandle::stop`] was called.
    Requested,
    /// The credentials were refused or could not be obtained (the message says which).
    Auth(String),
    /// The sink of [`BulkImport::run_into`] failed.
    Sink(String),
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopReason::Requested => f.write_str("stopped on request"),
            StopReason::Auth(m) => write!(f, "stopped: {m}"),
            StopReason::Sink(m) => write!(f, "stopped: the outcome sink failed: {m}"),
        }
    }
}

/// Stops a running bulk import; clones share it. See [`BulkImport::stop_handle`].
#[derive(Clone, Debug, Default)]
pub struct StopHandle {
    stopped: Arc<AtomicBool>,
    reason: Arc<Mutex<Option<StopReason>>>,
}

impl StopHandle {
    /// Takes no further record from the input; those in flight finish.
    pub fn stop(&self) {
        self.stop_because(StopReason::Requested);
    }

    /// Whether the import was stopped.
    pub fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::Acquire)
    }

    /// Why it was stopped (the first reason given).
    pub fn reason(&self) -> Option<StopReason> {
        self.reason.lock().ok().and_then(|r| r.clone())
    }

    fn stop_because(&self, reason: StopReason) {
        if let Ok(mut slot) = self.reason.lock()
            && slot.is_none()
        {
            *slot = Some(reason);
        }
        self.stopped.store(true, Ordering::Release);
    }
}

/// What every record of one import shares: one reference count to take per record
/// instead of one per field.
struct Shared {
    client: crate::Client,
    configuration: Result<String, (String, String)>,
    how: How,
    progress: Progress,
    limiter: Option<Arc<AdaptiveLimiter>>,
    journal: Option<Arc<dyn Journal>>,
    resume: Arc<Resume>,
    stop: StopHandle,
}

/// How each record is sent.
#[derive(Clone, Copy)]
struct How {
    encoding: RecordEncoding,
    local_checks: bool,
    resend_ambiguous: Option<bool>,
}

async fn import_one(shared: &Shared, index: usize, record: Record) -> BulkOutcome {
    let journal = shared.journal.as_deref();
    let outcome = send_one(shared, index, record).await;
    if let Some(journal) = journal
        && let Err(e) = journal.finished(index as u64, &JournalOutcome::of(&outcome.result))
    {
        // The outcome is still reported; a later run sees the row as started, unknown.
        tracing::warn!(row = index, error = %e, "could not journal an outcome");
    }
    outcome
}

async fn send_one(shared: &Shared, index: usize, record: Record) -> BulkOutcome {
    let (client, how, progress) = (&shared.client, shared.how, &shared.progress);
    let journal = shared.journal.as_deref();
    let rejected = |errors: BTreeMap<String, Vec<String>>, message: String| BulkResult::Rejected {
        sent: false,
        message,
        errors,
    };
    let configuration = match &shared.configuration {
        Ok(c) => c.as_str(),
        Err((field, problem)) => {
            let message = format!("invalid {field}: {problem}");
            let result = rejected(
                BTreeMap::from([(field.clone(), vec![problem.clone()])]),
                message,
            );
            return BulkOutcome {
                index,
                record,
                result,
                attempts: 0,
                resumed: false,
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
            resumed: false,
        };
    }
    // In the OS before the request leaves: a killed process leaves the row "started".
    if let Some(journal) = journal
        && let Err(e) = journal.started(index as u64)
    {
        return BulkOutcome {
            index,
            record,
            result: BulkResult::Failed {
                error: Error::Journal(format!("not sent: the journal cannot be written: {e}")),
            },
            attempts: 0,
            resumed: false,
        };
    }
    let slot = InFlight::enter(&progress.inner);
    let send = import_checked(client, configuration, &record, how.encoding);
    let (answer, call) = crate::runtime::with_resend_ambiguous(how.resend_ambiguous, send).await;
    drop(slot);
    let result = match answer {
        Ok(RecordOutcome::ImportedConfirmedByDuplicate { cg_id }) => {
            BulkResult::ImportedConfirmedByDuplicate { cg_id }
        }
        Ok(RecordOutcome::Duplicate { cg_id }) => BulkResult::Duplicate { cg_id },
        Ok(RecordOutcome::Unknown { reason }) => BulkResult::Unknown { reason },
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
        resumed: false,
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
    /// Requests sent for it in this run (0 when refused before sending or resumed).
    pub attempts: u32,
    /// The outcome comes from the journal of an earlier run; nothing was sent now.
    pub resumed: bool,
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
    /// Sent, and no answer tells whether the service took it (5xx without
    /// Retry-After, timeout, dropped connection): it may be imported and surveyed. Not
    /// resent unless [`RetryPolicy::resend_ambiguous_records`](crate::RetryPolicy).
    Unknown {
        /// What happened.
        reason: String,
    },
    /// Not processed, after the retries the policy allows (connect errors, 429, auth):
    /// safe to send again.
    Failed {
        /// The last error.
        error: Error,
    },
}

impl BulkResult {
    fn from_journal(earlier: &JournalOutcome) -> BulkResult {
        match earlier {
            JournalOutcome::Imported => BulkResult::Imported,
            JournalOutcome::ImportedConfirmedByDuplicate { cg_id } => {
                BulkResult::ImportedConfirmedByDuplicate { cg_id: *cg_id }
            }
            JournalOutcome::Duplicate { cg_id } => BulkResult::Duplicate { cg_id: *cg_id },
            JournalOutcome::Rejected { sent, message } => BulkResult::Rejected {
                sent: *sent,
                message: message.clone(),
                errors: BTreeMap::new(),
            },
            JournalOutcome::Unknown { reason } => BulkResult::Unknown {
                reason: reason.clone(),
            },
            JournalOutcome::Failed { reason } => BulkResult::Failed {
                error: Error::Journal(reason.clone()),
            },
        }
    }

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
            BulkResult::Unknown { reason } => write!(f, "unknown: {reason}"),
            BulkResult::Failed { error } => write!(f, "failed: {error}"),
        }
    }
}

/// Counts of a finished bulk import. `total` is the sum of the others: every record
/// taken from the input is accounted for.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BulkSummary {
    /// Records taken from the input.
    pub total: u64,
    /// Imported, confirmed ones included.
    pub imported: u64,
    /// Of `imported`, those confirmed by a duplicate answer after an ambiguous attempt.
    pub confirmed_by_duplicate: u64,
    /// Duplicates (not imported).
    pub duplicates: u64,
    /// Rejected locally or by the service.
    pub rejected: u64,
    /// Sent with no answer telling whether they got in ([`BulkResult::Unknown`]).
    pub unknown: u64,
    /// Not processed, after retries.
    pub failed: u64,
    /// Of all the above, outcomes read from the journal of an earlier run.
    pub resumed: u64,
    /// Why the import stopped before the end of its input, if it did.
    pub stopped: Option<StopReason>,
}

impl BulkSummary {
    /// Whether every record was imported.
    pub fn all_imported(&self) -> bool {
        self.imported == self.total && self.stopped.is_none()
    }

    fn add(&mut self, outcome: &BulkOutcome) {
        self.total += 1;
        if outcome.resumed {
            self.resumed += 1;
        }
        match &outcome.result {
            BulkResult::Imported => self.imported += 1,
            BulkResult::ImportedConfirmedByDuplicate { .. } => {
                self.imported += 1;
                self.confirmed_by_duplicate += 1;
            }
            BulkResult::Duplicate { .. } => self.duplicates += 1,
            BulkResult::Rejected { .. } => self.rejected += 1,
            BulkResult::Unknown { .. } => self.unknown += 1,
            BulkResult::Failed { .. } => self.failed += 1,
        }
    }
}

impl fmt::Display for BulkSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} records: {} imported ({} confirmed by duplicate), {} duplicates, {} rejected, {} unknown, {} failed",
            self.total,
            self.imported,
            self.confirmed_by_duplicate,
            self.duplicates,
            self.rejected,
            self.unknown,
            self.failed
        )?;
        if let Some(reason) = &self.stopped {
            write!(f, "; {reason}")?;
        }
        Ok(())
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
    unknown: AtomicU64,
    failed: AtomicU64,
    in_flight: AtomicU64,
    max_in_flight: AtomicU64,
    limiter: std::sync::OnceLock<Arc<AdaptiveLimiter>>,
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
            BulkResult::Unknown { .. } => c.unknown.fetch_add(1, Ordering::Relaxed),
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

    /// Records whose fate is unknown.
    pub fn unknown(&self) -> u64 {
        self.inner.unknown.load(Ordering::Relaxed)
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

    /// The adaptive pace in requests per second, once a 429 made it pace
    /// ([`BulkImport::adaptive`]); `None` before, or when not adaptive.
    pub fn send_rate(&self) -> Option<f64> {
        self.inner.limiter.get().and_then(|l| l.rate())
    }

    /// Requests answered 429 so far (counted when [`BulkImport::adaptive`] is on).
    pub fn throttled(&self) -> u64 {
        self.inner.limiter.get().map_or(0, |l| l.throttled())
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
            unknown: self.unknown(),
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
    /// See [`Progress::unknown`].
    pub unknown: u64,
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
            " ({} imported, {} duplicates, {} rejected, {} unknown, {} failed, {} in flight)",
            self.imported,
            self.duplicates,
            self.rejected,
            self.unknown,
            self.failed,
            self.in_flight
        )
    }
}
