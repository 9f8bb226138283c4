//! Bulk record import under injected faults: every record ends imported exactly once or
//! reported failed with its reason, the sandbox's surveys agree with the SDK's report
//! record by record, and no record gets two surveys.
//!
//! Run with `cargo test -p cg-tests --test reliability_bulk -- --nocapture` to see the
//! figures.

mod reliability_common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

use cg_facade::Error;
use cg_facade::modules::bulk::{BulkOutcome, BulkResult, NotImported};
use cg_facade::modules::records::Record;
use cg_sandbox::{Configuration, Family, Fault, FaultConfig, Sandbox};
use futures::StreamExt;
use reliability_common::{client, fast_retries, fault_counts, requests_to};

/// The client's whole-request timeout; the slow answers take [`SLOW`].
const TIMEOUT: Duration = Duration::from_millis(300);
/// How long a "slow" answer takes: well past [`TIMEOUT`].
const SLOW: Duration = Duration::from_millis(800);

/// Record `i`'s address. Lengths vary with `i`: the sandbox finds contacts and
/// duplicates by scanning every earlier survey, and a length mismatch settles most
/// comparisons at once (10,000 same-length addresses make that scan dominate the run).
fn email(i: usize) -> String {
    format!("reliable-{i}.{}@example.com", "x".repeat(i % 61))
}

fn record(i: usize) -> Record {
    Record::new()
        .field("Email", email(i))
        .field("First Name", format!("User {i}"))
        .field("Account Name", format!("Account {}", i % 97))
}

/// A mapping with a duplication rule: what makes resending an ambiguous attempt safe.
fn mapping(sandbox: &Sandbox) -> String {
    sandbox.add_configuration(Configuration::standard("reliability").duplication_window_days(30))
}

/// Whether the service may have acted on the request that failed with `error`.
fn maybe_processed(error: &Error) -> bool {
    match error {
        Error::Timeout { .. } => true,
        Error::Transport { maybe_sent, .. } => *maybe_sent,
        other => other.status().is_some_and(|s| s >= 500),
    }
}

/// The surveys `PUT /records/` created, by e-mail: (count, CG-IDs).
fn surveys_by_email(sandbox: &Sandbox) -> HashMap<String, Vec<u64>> {
    let mut by_email: HashMap<String, Vec<u64>> = HashMap::new();
    for s in sandbox
        .state()
        .surveys
        .iter()
        .filter(|s| s.source == "records")
    {
        let key = s.email.clone().unwrap_or_default().to_ascii_lowercase();
        by_email
            .entry(key)
            .or_default()
            .push(s.number_customergauge);
    }
    by_email
}

/// What one import run came to, for the checks and the printed figures.
#[derive(Debug, Default)]
struct Tally {
    imported: u64,
    confirmed_by_duplicate: u64,
    unknown: u64,
    failed: u64,
    failed_maybe_processed: u64,
    failed_landed: u64,
    attempts: u64,
}

/// The record-by-record comparison of the SDK's report with the sandbox's state.
fn check_against_state(sandbox: &Sandbox, outcomes: &[BulkOutcome], n: usize) -> Tally {
    let mut seen = HashSet::new();
    for o in outcomes {
        assert!(seen.insert(o.index), "record {} reported twice", o.index);
        assert!(o.index < n, "record {} was never submitted", o.index);
        assert_eq!(
            o.record,
            record(o.index),
            "the outcome carries its own record"
        );
    }
    assert_eq!(seen.len(), n, "every record has exactly one outcome");

    let surveys = surveys_by_email(sandbox);
    for (address, ids) in &surveys {
        assert_eq!(ids.len(), 1, "{address} got {} surveys: {ids:?}", ids.len());
    }
    let mut tally = Tally::default();
    for o in outcomes {
        tally.attempts += u64::from(o.attempts);
        let held = surveys.get(&email(o.index)).map_or(&[][..], Vec::as_slice);
        match &o.result {
            BulkResult::Imported => {
                tally.imported += 1;
                assert_eq!(
                    held.len(),
                    1,
                    "record {} reported imported, sandbox holds {held:?}",
                    o.index
                );
            }
            BulkResult::ImportedConfirmedByDuplicate { cg_id } => {
                tally.imported += 1;
                tally.confirmed_by_duplicate += 1;
                assert_eq!(
                    held,
                    [*cg_id],
                    "record {}: confirmed by CG-ID {cg_id}, sandbox holds {held:?}",
                    o.index
                );
                assert!(
                    o.attempts >= 2,
                    "record {}: a confirmation needs a resend",
                    o.index
                );
            }
            BulkResult::Unknown { reason } => {
                // Sent, no usable answer: at most the one survey, and it may be there.
                tally.unknown += 1;
                tally.failed_maybe_processed += 1;
                tally.failed_landed += held.len() as u64;
                assert!(
                    reason.contains("not resent") || reason.contains("attempts"),
                    "{reason}"
                );
            }
            BulkResult::Failed { error } => {
                tally.failed += 1;
                // A failure is reported with its reason, and names the operation.
                assert_eq!(
                    error.operation(),
                    Some("putRecord"),
                    "record {}: {error}",
                    o.index
                );
                assert!(!error.to_string().is_empty());
                if maybe_processed(error) {
                    tally.failed_maybe_processed += 1;
                    tally.failed_landed += held.len() as u64;
                } else {
                    assert!(
                        held.is_empty(),
                        "record {} failed before processing ({error}) yet the sandbox holds {held:?}",
                        o.index
                    );
                }
            }
            other => panic!("record {}: unexpected outcome {other}", o.index),
        }
    }
    let total_surveys: usize = surveys.values().map(Vec::len).sum();
    assert_eq!(
        total_surveys as u64,
        tally.imported + tally.failed_landed,
        "the sandbox holds exactly the imported records (plus those whose fate was unknown)"
    );
    tally
}

/// The scenario: 10,000 records, 10 % 5xx, 3 % 429 with Retry-After, 1 % dropped
/// connections, 1 % answers slower than the client's timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_records_under_faults_each_imported_once_or_reported() {
    const N: usize = 10_000;
    const CONCURRENCY: usize = 32;
    let faults = FaultConfig::default()
        .seed(0x5eed_2024)
        .server_errors(0.10)
        .rate_limits(0.03, 1)
        .drops(0.01)
        .slow(0.01, SLOW);
    let sandbox = Sandbox::builder().faults(faults).start().await;
    let configuration = mapping(&sandbox);
    // Ten attempts: a record fails only if all ten draw a fault (about 0.15^10).
    // max_backoff 2 s lets the 1 s Retry-After of the 429 answers be honoured.
    let client = client(&sandbox, fast_retries(10, Duration::from_secs(2)), TIMEOUT);

    let import = client
        .records()
        .import(configuration, (0..N).map(record))
        .concurrency(CONCURRENCY);
    let progress = import.progress();
    let started = Instant::now();
    let outcomes: Vec<BulkOutcome> = import.stream().collect().await;
    let elapsed = started.elapsed();

    let puts = requests_to(&sandbox, Family::Imports, "/records/");
    let faults = fault_counts(&puts);
    let logged = puts.len() as u64;
    let attempts: u64 = outcomes.iter().map(|o| u64::from(o.attempts)).sum();
    let duplicate_answers = puts.iter().filter(|r| r.status == 422).count();
    println!(
        "bulk import under faults: {N} records, concurrency {CONCURRENCY}, timeout {TIMEOUT:?}, slow answers {SLOW:?}"
    );
    println!(
        "  PUT /records/ in the sandbox log: {logged} ({} retries logged); SDK attempts {attempts} ({} abandoned at the timeout, never logged); duplicate answers {duplicate_answers}",
        logged.saturating_sub(N as u64),
        attempts.saturating_sub(logged)
    );
    println!("  faults logged: {faults:?}; elapsed {elapsed:.2?}");

    let tally = check_against_state(&sandbox, &outcomes, N);
    println!(
        "  imported {} (confirmed by duplicate {}), failed {} (of which fate unknown {}, landed {}); surveys held {}",
        tally.imported,
        tally.confirmed_by_duplicate,
        tally.failed,
        tally.failed_maybe_processed,
        tally.failed_landed,
        surveys_by_email(&sandbox).len()
    );
    let p = progress.snapshot();
    assert_eq!((p.submitted, p.done, p.in_flight), (N as u64, N as u64, 0));
    assert_eq!(
        (p.imported, p.confirmed_by_duplicate, p.unknown, p.failed),
        (
            tally.imported,
            tally.confirmed_by_duplicate,
            tally.unknown,
            tally.failed
        )
    );
    assert_eq!(
        (p.duplicates, p.rejected),
        (0, 0),
        "all records are valid and distinct"
    );
    assert_eq!(tally.imported + tally.unknown + tally.failed, N as u64);
    assert!(progress.max_in_flight() <= CONCURRENCY as u64);

    // The logged faults: the sandbox logs an answer when it sends it, so a slow answer the
    // client gave up on (the connection closed at the timeout, the sandbox stops) is not
    // logged; those show as SDK attempts missing from the log.
    for kind in ["5xx", "429", "drop"] {
        assert!(
            faults.get(kind).copied().unwrap_or(0) > 0,
            "no {kind} fault was injected: {faults:?}"
        );
    }
    let slow_logged = faults.get("slow").copied().unwrap_or(0);
    assert!(
        logged < attempts || slow_logged > 0,
        "the slow share shows, as attempts abandoned at the timeout or as logged slow answers: {logged} logged, {attempts} sent"
    );
    assert!(
        logged >= N as u64,
        "each record reached the sandbox at least once"
    );
}

/// Faults applied *after* the record was processed (the answer is lost, the record is
/// in): each resend is answered as a duplicate and reported as imported, with the
/// CG-ID of the one survey the sandbox holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_processed_before_the_fault_are_confirmed_not_sent_twice() {
    const N: usize = 2_000;
    // No 429 here: a 429 says "not processed", which a fault after processing would belie.
    let faults = FaultConfig::default()
        .seed(77)
        .server_errors(0.15)
        .drops(0.05)
        .after_processing(true);
    let sandbox = Sandbox::builder().faults(faults).start().await;
    let configuration = mapping(&sandbox);
    let client = client(
        &sandbox,
        fast_retries(10, Duration::from_millis(200)),
        Duration::from_secs(10),
    );

    let started = Instant::now();
    let outcomes: Vec<BulkOutcome> = client
        .records()
        .import(configuration, (0..N).map(record))
        .concurrency(32)
        .stream()
        .collect()
        .await;
    let elapsed = started.elapsed();
    let tally = check_against_state(&sandbox, &outcomes, N);
    assert_eq!(tally.imported, N as u64, "every record got in");
    assert!(
        tally.confirmed_by_duplicate > 0,
        "some resends were confirmed by the duplicate answer"
    );

    let puts = requests_to(&sandbox, Family::Imports, "/records/");
    let faults = fault_counts(&puts);
    println!("bulk import, faults after processing: {N} records");
    println!(
        "  imported {} (confirmed by duplicate {}), failed {}; PUT /records/ logged {} ({} retries); faults {faults:?}; elapsed {elapsed:.2?}",
        tally.imported,
        tally.confirmed_by_duplicate,
        tally.failed,
        puts.len(),
        puts.len() - N
    );
}

/// The same faults after processing on a mapping WITHOUT a duplication rule, with the
/// default policy: no record is resent, so nobody gets two surveys; the records whose
/// answer was lost are reported unknown, each holding the one survey the sandbox made.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_duplication_rule_lost_answers_are_unknown_and_never_resent() {
    const N: usize = 2_000;
    let faults = FaultConfig::default()
        .seed(77)
        .server_errors(0.15)
        .drops(0.05)
        .after_processing(true);
    let sandbox = Sandbox::builder().faults(faults).start().await;
    let configuration = sandbox.add_configuration(Configuration::standard("no rule"));
    let retry = cg_facade::RetryPolicy {
        resend_ambiguous_records: false,
        ..fast_retries(10, Duration::from_millis(200))
    };
    let client = client(&sandbox, retry, Duration::from_secs(10));
    let outcomes: Vec<BulkOutcome> = client
        .records()
        .import(configuration, (0..N).map(record))
        .concurrency(32)
        .stream()
        .collect()
        .await;
    let tally = check_against_state(&sandbox, &outcomes, N);
    assert_eq!(tally.imported + tally.unknown, N as u64);
    assert!(tally.unknown > 100, "the faults hit: {tally:?}");
    assert_eq!(
        tally.failed_landed, tally.unknown,
        "each lost answer's record is in"
    );
    assert_eq!(tally.confirmed_by_duplicate, 0);
    let puts = requests_to(&sandbox, Family::Imports, "/records/");
    assert_eq!(puts.len(), N, "nothing resent");
    println!(
        "no duplication rule, faults after processing: {N} records: imported {}, unknown {}",
        tally.imported, tally.unknown
    );
}

/// A 429's Retry-After is waited out before the resend (a lower bound only: the
/// machine may be slow, never fast).
#[tokio::test]
async fn retry_after_is_honoured() {
    let sandbox = Sandbox::builder()
        .faults(FaultConfig::default().script([Fault::RateLimit {
            retry_after_secs: 1,
        }]))
        .start()
        .await;
    let configuration = mapping(&sandbox);
    let client = client(
        &sandbox,
        fast_retries(3, Duration::from_secs(5)),
        Duration::from_secs(10),
    );
    let started = Instant::now();
    let outcome = client
        .records()
        .put(configuration)
        .record(record(1))
        .send()
        .await
        .expect("imported");
    let elapsed = started.elapsed();
    assert!(outcome.is_imported());
    let puts = requests_to(&sandbox, Family::Imports, "/records/");
    assert_eq!(
        puts.iter().map(|r| r.status).collect::<Vec<_>>(),
        [429, 200]
    );
    assert!(
        elapsed >= Duration::from_secs(1),
        "resent after {elapsed:?}, before the 1 s Retry-After"
    );
    println!("retry-after: 429 then 200, resent after {elapsed:.2?}");
}

/// Retries exhausted on a transient answer of the imports host: after 429s the record
/// is `Failed` with a retryable error naming the status; after 500s (which may follow
/// processing) it is `Unknown`; never "rejected by the service".
#[tokio::test]
async fn transient_answers_that_outlast_the_retries_are_failures_not_rejections() {
    for (fault, status) in [
        (Fault::Status(500), 500u16),
        (
            Fault::RateLimit {
                retry_after_secs: 0,
            },
            429,
        ),
    ] {
        let sandbox = Sandbox::builder()
            .faults(FaultConfig::default().script([fault.clone(), fault.clone()]))
            .start()
            .await;
        let configuration = mapping(&sandbox);
        let client = client(
            &sandbox,
            fast_retries(2, Duration::from_millis(50)),
            Duration::from_secs(10),
        );
        let mut sink = NotImported::default();
        let summary = client
            .records()
            .import(configuration, [record(1)])
            .run_into(&mut sink)
            .await
            .expect("kept");
        let mut by_kind = BTreeMap::new();
        for o in &sink.0 {
            *by_kind.entry(o.result.to_string()).or_insert(0) += 1;
        }
        match &sink.0[0].result {
            // A 429 says the service did not act: a failure, safe to send again.
            BulkResult::Failed { error } => {
                assert_eq!(status, 429);
                assert_eq!((summary.failed, summary.rejected), (1, 0), "{by_kind:?}");
                assert_eq!(error.status(), Some(status), "{error}");
                assert!(
                    error.is_retryable(),
                    "{fault:?}: {error:?} should be retryable"
                );
            }
            // A 500 may come after processing: unknown, never "rejected".
            BulkResult::Unknown { reason } => {
                assert_eq!(status, 500);
                assert_eq!((summary.unknown, summary.rejected), (1, 0), "{by_kind:?}");
                assert!(reason.contains("HTTP 500"), "{reason}");
            }
            other => panic!("{fault:?}: {other}"),
        }
    }
}
