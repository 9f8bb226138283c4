//! `.adaptive(true)` on a bulk import: 429s are counted, turn pacing on, and every
//! record still gets in once; without it nothing is paced.

mod common;

use cg_sandbox::{DEMO_OPEN_CONFIGURATION, Family, Fault, FaultConfig, Sandbox};

const N: usize = 60;

fn records() -> impl Iterator<Item = cg_facade::modules::records::Record> + Send + 'static {
    (0..N).map(|i| {
        cg_facade::modules::records::Record::new()
            .field("Email", format!("adaptive-{i}@example.com"))
            .field("Account Name", "ACME")
    })
}

/// 30 requests pass, the next 3 are answered 429 (Retry-After: 0), the rest pass.
fn three_429s(sandbox: &Sandbox) {
    let mut script = vec![Fault::Pass; 30];
    let limited = Fault::RateLimit {
        retry_after_secs: 0,
    };
    script.extend(std::iter::repeat_n(limited, 3));
    sandbox.set_faults(
        FaultConfig::default()
            .families([Family::Imports])
            .script(script),
    );
}

fn answered_429(sandbox: &Sandbox) -> u64 {
    sandbox
        .requests()
        .iter()
        .filter(|r| r.family == Family::Imports && r.status == 429)
        .count() as u64
}

fn surveyed(sandbox: &Sandbox) -> usize {
    sandbox
        .state()
        .surveys
        .iter()
        .filter(|s| {
            s.email
                .as_deref()
                .is_some_and(|e| e.starts_with("adaptive-"))
        })
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adaptive_import_counts_429s_paces_and_imports_everything_once() {
    let (sandbox, client) = common::start().await;
    three_429s(&sandbox);
    let import = client
        .records()
        .import(DEMO_OPEN_CONFIGURATION, records())
        .concurrency(16)
        .adaptive(true);
    let progress = import.progress();
    assert_eq!(progress.send_rate(), None, "nothing paced before a 429");
    let summary = import.run().await;

    assert!(summary.all_imported(), "{summary}");
    assert_eq!(surveyed(&sandbox), N, "each record imported once");
    assert_eq!(answered_429(&sandbox), 3);
    assert_eq!(progress.throttled(), 3, "every 429 reached the limiter");
    let rate = progress.send_rate().expect("pacing on after a 429");
    assert!(rate > 0.0 && rate.is_finite(), "{rate}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fixed_import_is_not_paced() {
    let (sandbox, client) = common::start().await;
    three_429s(&sandbox);
    let import = client
        .records()
        .import(DEMO_OPEN_CONFIGURATION, records())
        .concurrency(16);
    let progress = import.progress();
    let summary = import.run().await;

    assert!(summary.all_imported(), "{summary}");
    assert_eq!(surveyed(&sandbox), N);
    assert_eq!(
        answered_429(&sandbox),
        3,
        "retried by the retry policy alone"
    );
    assert_eq!(progress.send_rate(), None);
    assert_eq!(progress.throttled(), 0, "counted only when adaptive");
}
