//! `client.records().import(..)` against the sandbox: every record accounted for once,
//! counts that add up, the sandbox holding exactly the imported records, the
//! concurrency bound, and resends after processed-but-5xx attempts.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use cg_facade::modules::bulk::{BulkOutcome, BulkResult};
use cg_facade::modules::records::Record;
use cg_sandbox::{Family, Fault, FaultConfig, Sandbox};
use futures::StreamExt;

/// What each generated record should come out as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Expect {
    Imported,
    /// Refused locally: neither Email nor Phone.
    NoContact,
    /// Refused locally: a phone with letters.
    BadPhone,
    /// Refused by the service: a Touchpoint not in the mapping's list.
    BadTouchpoint,
    /// A contact the demo data surveyed recently.
    Duplicate,
}

fn expect(i: usize) -> Expect {
    if i % 97 == 13 {
        Expect::NoContact
    } else if i % 89 == 7 {
        Expect::BadPhone
    } else if i % 83 == 5 {
        Expect::BadTouchpoint
    } else if i % 211 == 3 {
        Expect::Duplicate
    } else {
        Expect::Imported
    }
}

/// Record `i`: e-mail contacts, every fifth one by phone only.
fn record(i: usize) -> Record {
    let base = Record::new()
        .field("First Name", format!("User {i}"))
        .field("Account Name", "ACME");
    match expect(i) {
        Expect::NoContact => base,
        Expect::BadPhone => base
            .field("Phone", format!("+31 6 {i} ext"))
            .field("Touchpoint", "Support"),
        Expect::BadTouchpoint => base
            .field("Email", format!("bulk-{i}@example.com"))
            .field("Touchpoint", "Fax"),
        Expect::Duplicate => base.field("Email", "joe.doe@example.com"),
        Expect::Imported if i.is_multiple_of(5) => base.field("Phone", format!("+1 555 {i:05}")),
        Expect::Imported => base
            .field("Email", format!("bulk-{i}@example.com"))
            .field("Touchpoint", "Purchase"),
    }
}

/// The contact key (e-mail, else phone) of a record or survey.
fn contact(email: Option<&str>, phone: Option<&str>) -> String {
    email.or(phone).unwrap_or_default().to_owned()
}

/// Contacts of the surveys the imports created.
fn imported_contacts(sandbox: &Sandbox) -> Vec<String> {
    let state = sandbox.state();
    state
        .surveys
        .iter()
        .filter(|s| s.source == "records")
        .map(|s| contact(s.email.as_deref(), s.phone.as_deref()))
        .collect()
}

fn record_puts(sandbox: &Sandbox) -> usize {
    sandbox
        .requests()
        .iter()
        .filter(|r| r.family == Family::Imports && r.path == "/records/")
        .count()
}

fn kind(result: &BulkResult) -> Expect {
    match result {
        BulkResult::Imported | BulkResult::ImportedConfirmedByDuplicate { .. } => Expect::Imported,
        BulkResult::Duplicate { .. } => Expect::Duplicate,
        BulkResult::Rejected {
            sent: false,
            errors,
            ..
        } if errors.contains_key("Email") => Expect::NoContact,
        BulkResult::Rejected {
            sent: false,
            errors,
            ..
        } if errors.contains_key("Phone") => Expect::BadPhone,
        BulkResult::Rejected {
            sent: true, errors, ..
        } if errors.contains_key("Touchpoint") => Expect::BadTouchpoint,
        other => panic!("unexpected outcome {other}"),
    }
}

/// Every index from 0 to n-1 exactly once.
fn assert_each_index_once(outcomes: &[BulkOutcome], n: usize) {
    let mut seen = HashSet::new();
    for o in outcomes {
        assert!(seen.insert(o.index), "index {} came out twice", o.index);
    }
    assert_eq!(seen.len(), n);
    assert!(seen.iter().all(|i| *i < n));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_records_each_accounted_for_once() {
    let (sandbox, client) = common::start().await;
    const N: usize = 2000;
    let import = client
        .records()
        .import(sandbox.demo_configuration(), (0..N).map(record))
        .concurrency(8);
    let progress = import.progress();
    assert_eq!(progress.total(), Some(N as u64));
    let outcomes: Vec<BulkOutcome> = import.stream().collect().await;

    assert_each_index_once(&outcomes, N);
    let mut counts: BTreeMap<Expect, u64> = BTreeMap::new();
    for o in &outcomes {
        assert_eq!(
            kind(&o.result),
            expect(o.index),
            "record {}: {}",
            o.index,
            o.result
        );
        assert_eq!(o.record, record(o.index), "the outcome carries its record");
        *counts.entry(expect(o.index)).or_default() += 1;
        if let BulkResult::Duplicate { cg_id } = o.result {
            let joe = sandbox
                .state()
                .surveys
                .iter()
                .find(|s| s.email.as_deref() == Some("joe.doe@example.com"))
                .unwrap()
                .number_customergauge;
            assert_eq!(cg_id, joe);
        }
        let sent = !matches!(o.result, BulkResult::Rejected { sent: false, .. });
        assert_eq!(
            o.attempts,
            u32::from(sent),
            "no faults, so one attempt per record sent"
        );
    }
    let count = |k| counts.get(&k).copied().unwrap_or(0);
    assert!(
        count(Expect::NoContact) > 0
            && count(Expect::BadPhone) > 0
            && count(Expect::BadTouchpoint) > 0
            && count(Expect::Duplicate) > 0
    );

    let p = progress.snapshot();
    assert_eq!((p.submitted, p.done, p.in_flight), (N as u64, N as u64, 0));
    assert_eq!(p.imported, count(Expect::Imported));
    assert_eq!(p.duplicates, count(Expect::Duplicate));
    assert_eq!(
        p.rejected,
        count(Expect::NoContact) + count(Expect::BadPhone) + count(Expect::BadTouchpoint)
    );
    assert_eq!((p.failed, p.confirmed_by_duplicate), (0, 0));
    assert_eq!(p.imported + p.duplicates + p.rejected + p.failed, N as u64);
    assert!(progress.max_in_flight() <= 8);

    // The sandbox holds exactly the imported records, once each.
    let mut held = imported_contacts(&sandbox);
    held.sort();
    let mut expected: Vec<String> = outcomes
        .iter()
        .filter(|o| o.result.is_imported())
        .map(|o| contact(o.record.email(), o.record.phone()))
        .collect();
    expected.sort();
    assert_eq!(held, expected);
    // Only the records that passed the local checks were sent.
    assert_eq!(
        record_puts(&sandbox) as u64,
        N as u64 - count(Expect::NoContact) - count(Expect::BadPhone)
    );
}

#[tokio::test]
async fn run_returns_counts_and_the_records_not_imported_in_input_order() {
    let (sandbox, client) = common::start().await;
    let summary = client
        .records()
        .import(sandbox.demo_configuration(), (0..200).map(record))
        .form()
        .concurrency(3)
        .run()
        .await;
    let expected: Vec<usize> = (0..200)
        .filter(|i| expect(*i) != Expect::Imported)
        .collect();
    assert_eq!(summary.total, 200);
    assert_eq!(summary.imported, 200 - expected.len() as u64);
    assert_eq!(
        summary.imported + summary.duplicates + summary.rejected + summary.failed,
        summary.total
    );
    assert!(!summary.all_imported());
    assert_eq!(
        summary
            .not_imported
            .iter()
            .map(|o| o.index)
            .collect::<Vec<_>>(),
        expected
    );
    for o in &summary.not_imported {
        assert_eq!(kind(&o.result), expect(o.index));
    }
    let text = summary.to_string();
    assert!(text.starts_with("200 records: "), "{text}");
    assert_eq!(
        imported_contacts(&sandbox).len() as u64,
        summary.imported,
        "form-encoded bulk import"
    );
}

#[tokio::test]
async fn a_blank_configuration_rejects_every_record_without_sending() {
    let (sandbox, client) = common::start().await;
    let summary = client
        .records()
        .import("  ", (0..25).map(record))
        .run()
        .await;
    assert_eq!(
        (summary.total, summary.rejected, summary.imported),
        (25, 25, 0)
    );
    for o in &summary.not_imported {
        match &o.result {
            BulkResult::Rejected {
                sent: false,
                errors,
                ..
            } => assert!(errors.contains_key("configuration")),
            other => panic!("{other}"),
        }
    }
    assert!(sandbox.requests().is_empty());
}

#[tokio::test]
async fn an_empty_input_is_a_complete_success() {
    let (sandbox, client) = common::start().await;
    let summary = client
        .records()
        .import(sandbox.demo_configuration(), Vec::new())
        .run()
        .await;
    assert_eq!(summary.total, 0);
    assert!(summary.all_imported());
}

/// A stream input with latency on every answer: never more than `n` in flight, the
/// input read only as slots free up, progress readable while it runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrency_is_bounded_and_the_input_read_lazily() {
    let (sandbox, client) = common::start().await;
    const N: usize = 48;
    const SLOTS: usize = 4;
    let latency = Duration::from_millis(40);
    sandbox.set_faults(FaultConfig::default().latency(latency));
    let pulled = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = pulled.clone();
    let input = futures::stream::iter(0..N).map(move |i| {
        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Record::new()
            .field("Email", format!("slot-{i}@example.com"))
            .field("Account Name", "ACME")
    });
    let import = client
        .records()
        .import_stream(sandbox.demo_configuration(), input)
        .concurrency(SLOTS);
    let progress = import.progress();
    assert_eq!(progress.total(), None, "a stream does not say its length");

    let watcher = {
        let progress = progress.clone();
        let pulled = pulled.clone();
        tokio::spawn(async move {
            let mut samples = Vec::new();
            while progress.done() < N as u64 {
                // Input read first: it can only be further ahead of a later `done`.
                let read = pulled.load(std::sync::atomic::Ordering::SeqCst) as u64;
                samples.push((progress.in_flight(), read, progress.done()));
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            samples
        })
    };
    let started = Instant::now();
    let outcomes: Vec<BulkOutcome> = import.stream().collect().await;
    let elapsed = started.elapsed();
    let samples = watcher.await.unwrap();

    assert_each_index_once(&outcomes, N);
    assert!(outcomes.iter().all(|o| o.result.is_imported()));
    assert_eq!(
        progress.max_in_flight(),
        SLOTS as u64,
        "all slots used, none more"
    );
    let rounds = (N / SLOTS) as u32;
    assert!(
        elapsed >= latency * rounds - Duration::from_millis(20),
        "{elapsed:?}: more than {SLOTS} at once?"
    );
    assert!(samples.len() > 3, "progress was readable while running");
    for (in_flight, pulled, done) in samples {
        assert!(in_flight <= SLOTS as u64);
        // At most the slots' worth (plus the one being handed out) read ahead of the outcomes.
        assert!(
            pulled <= done + SLOTS as u64 + 1,
            "input read ahead: {pulled} pulled, {done} done"
        );
    }
    assert_eq!(imported_contacts(&sandbox).len(), N);
}

/// One record stuck on a slow answer does not hold up the others: the free slots keep
/// going (no waiting for a whole batch).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_record_does_not_hold_up_the_other_slots() {
    let (sandbox, client) = common::start().await;
    const N: usize = 40;
    let slow = Duration::from_millis(2000);
    sandbox.set_faults(
        FaultConfig::default()
            .latency(Duration::from_millis(10))
            .script([Fault::Slow { millis: 2000 }]),
    );
    let records = (0..N).map(|i| {
        Record::new()
            .field("Email", format!("slow-{i}@example.com"))
            .field("Account Name", "ACME")
    });
    let started = Instant::now();
    let mut times = Vec::new();
    let mut outcomes = client
        .records()
        .import(sandbox.demo_configuration(), records)
        .concurrency(4)
        .stream();
    while let Some(o) = outcomes.next().await {
        assert!(o.result.is_imported(), "{}", o.result);
        times.push(started.elapsed());
    }
    assert_eq!(times.len(), N);
    assert!(times[N - 1] >= slow, "the slow one is last");
    assert!(
        times[N - 2] < slow - Duration::from_millis(500),
        "the other 39 finished meanwhile: {:?}",
        times[N - 2]
    );
}

/// A scripted 500 after processing: that record's resend is answered as a duplicate,
/// it counts as imported, and the sandbox holds one survey for it.
#[tokio::test]
async fn a_processed_attempt_answered_5xx_is_imported_once() {
    let (sandbox, client) = common::start().await;
    sandbox.set_faults(FaultConfig::default().after_processing(true).script([
        Fault::Pass,
        Fault::Pass,
        Fault::Status(500),
    ]));
    let records = (0..30).map(|i| {
        Record::new()
            .field("Email", format!("one-fault-{i}@example.com"))
            .field("Account Name", "ACME")
    });
    let summary = client
        .records()
        .import(sandbox.demo_configuration(), records)
        .concurrency(4)
        .run()
        .await;
    assert_eq!(
        (
            summary.total,
            summary.imported,
            summary.confirmed_by_duplicate
        ),
        (30, 30, 1)
    );
    assert!(summary.not_imported.is_empty());
    let contacts = imported_contacts(&sandbox);
    assert_eq!(contacts.len(), 30, "30 surveys, not 31");
    assert_eq!(contacts.iter().collect::<HashSet<_>>().len(), 30);
    assert_eq!(record_puts(&sandbox), 31, "one resend");
}

/// Random 5xx answers after processing (seeded), with every status the gateway sends:
/// each confirmed record names the CG-ID of its one survey, and nothing is imported twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_5xx_after_processing_never_imports_twice() {
    let (sandbox, client) = common::start().await;
    sandbox.set_faults(
        FaultConfig::default()
            .seed(7)
            .server_errors(0.1)
            .after_processing(true),
    );
    const N: usize = 300;
    let records = (0..N).map(|i| {
        Record::new()
            .field("Email", format!("chaos-{i}@example.com"))
            .field("Account Name", "ACME")
    });
    let import = client
        .records()
        .import(sandbox.demo_configuration(), records)
        .concurrency(8);
    let progress = import.progress();
    let outcomes: Vec<BulkOutcome> = import.stream().collect().await;
    sandbox.set_faults(FaultConfig::none());

    assert_each_index_once(&outcomes, N);
    let state = sandbox.state();
    let surveys_of = |email: &str| {
        state
            .surveys
            .iter()
            .filter(|s| s.email.as_deref() == Some(email))
            .collect::<Vec<_>>()
    };
    let mut confirmed = 0;
    for o in &outcomes {
        let email = o.record.email().unwrap();
        let surveys = surveys_of(email);
        match &o.result {
            BulkResult::Imported => assert_eq!(surveys.len(), 1, "{email}"),
            BulkResult::ImportedConfirmedByDuplicate { cg_id } => {
                confirmed += 1;
                assert_eq!(surveys.len(), 1, "{email}");
                assert_eq!(surveys[0].number_customergauge, *cg_id);
                assert!(o.attempts >= 2);
            }
            // Every attempt answered 5xx: unknown to the caller, at most one survey.
            BulkResult::Failed { error } => {
                assert!(error.is_retryable(), "{error}");
                assert!(surveys.len() <= 1, "{email}");
            }
            other => panic!("{email}: {other}"),
        }
    }
    assert!(confirmed > 10, "the faults hit: {confirmed} confirmed");
    assert_eq!(progress.confirmed_by_duplicate(), confirmed);
    assert_eq!(progress.imported() + progress.failed(), N as u64);
    let faulted = sandbox
        .requests()
        .iter()
        .filter(|r| r.fault.is_some())
        .count() as u64;
    assert!(faulted >= confirmed);
}
