//! Case 9: a bulk import at concurrency 64 against a service that accepts R requests per
//! second (the sandbox's rate-limit fault: a token bucket per client, 429 with
//! Retry-After beyond it), with a fixed concurrency and with `.adaptive(true)`, side by
//! side in one run.

use std::time::Instant;

use futures::StreamExt;
use serde_json::{Value, json};

use crate::Env;
use crate::procfs;
use crate::report::{CaseOut, Row, thousands};
use crate::sandbox::{Options, SandboxProc};
use crate::stats::median;
use crate::workload::{self, OPEN_CONFIGURATION};

/// Requests per second the sandbox accepts.
pub const RATE: u32 = 200;
const CONCURRENCY: usize = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Fixed,
    Adaptive,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Fixed => "fixed",
            Mode::Adaptive => "adaptive",
        }
    }
}

#[derive(Debug)]
struct Run {
    mode: Mode,
    records: usize,
    imported: u64,
    failed: u64,
    requests: u64,
    answered_429: u64,
    elapsed_s: f64,
    client_cpu_s: f64,
    send_rate: Option<f64>,
}

impl Run {
    fn accepted_per_s(&self) -> f64 {
        self.imported as f64 / self.elapsed_s.max(1e-9)
    }

    fn share_429(&self) -> f64 {
        self.answered_429 as f64 / self.requests.max(1) as f64
    }

    fn json(&self) -> Value {
        json!({
            "mode": self.mode.name(),
            "records": self.records,
            "imported": self.imported,
            "failed": self.failed,
            "requests": self.requests,
            "answered_429": self.answered_429,
            "share_429": self.share_429(),
            "elapsed_s": self.elapsed_s,
            "accepted_per_s": self.accepted_per_s(),
            "client_cpu_s": self.client_cpu_s,
            "final_send_rate": self.send_rate,
        })
    }
}

async fn one_run(env: &Env, mode: Mode, n: usize, run: &str) -> Result<Run, String> {
    let options = Options {
        rate_limit: Some(RATE),
        ..Options::default()
    };
    let sandbox = SandboxProc::start(&env.sandbox_bin, &options)?;
    let client = workload::facade_oauth(&sandbox)?;
    client
        .authenticator()
        .token()
        .await
        .map_err(|e| e.to_string())?;
    let records: Vec<_> = (0..n).map(|i| workload::record(run, i)).collect();
    let import = client
        .records()
        .import(OPEN_CONFIGURATION, records)
        .concurrency(CONCURRENCY)
        .adaptive(mode == Mode::Adaptive);
    let progress = import.progress();
    let (cpu0, t0) = (procfs::self_cpu(), Instant::now());
    let (mut imported, mut failed, mut requests) = (0u64, 0u64, 0u64);
    let mut outcomes = std::pin::pin!(import.stream());
    let mut first_failure = None;
    while let Some(outcome) = outcomes.next().await {
        requests += u64::from(outcome.attempts);
        if outcome.result.is_imported() {
            imported += 1;
        } else {
            failed += 1;
            first_failure.get_or_insert_with(|| outcome.result.to_string());
        }
    }
    let elapsed_s = t0.elapsed().as_secs_f64();
    let client_cpu_s = procfs::self_cpu() - cpu0;
    if let Some(first) = first_failure {
        eprintln!("  {}: {failed} not imported, e.g. {first}", mode.name());
    }
    // The only fault is the rate limit: every attempt but an imported record's last one
    // was answered 429.
    let answered_429 = requests - imported;
    if mode == Mode::Adaptive && progress.throttled() != answered_429 {
        eprintln!(
            "  note: the limiter saw {} answers 429, the attempts say {answered_429}",
            progress.throttled()
        );
    }
    let result = Run {
        mode,
        records: n,
        imported,
        failed,
        requests,
        answered_429,
        elapsed_s,
        client_cpu_s,
        send_rate: progress.send_rate(),
    };
    eprintln!(
        "  {:<9} {imported:>5} of {n} in {elapsed_s:>6.2} s: {:>6.1} accepted/s, {} requests, {} answered 429 ({:.1}%)",
        mode.name(),
        result.accepted_per_s(),
        requests,
        answered_429,
        100.0 * result.share_429()
    );
    Ok(result)
}

/// Case 9: fixed and adaptive concurrency against R = 200/s, `reps` of each, rotated.
pub async fn rate_limited(env: &Env, records: usize, reps: usize) -> Result<CaseOut, String> {
    let mut runs = Vec::new();
    for rep in 0..reps {
        let order = if rep % 2 == 0 {
            [Mode::Fixed, Mode::Adaptive]
        } else {
            [Mode::Adaptive, Mode::Fixed]
        };
        for mode in order {
            eprintln!(
                "case 9: {} (repetition {} of {reps}), {records} records at concurrency {CONCURRENCY}, sandbox limit {RATE}/s",
                mode.name(),
                rep + 1
            );
            runs.push(one_run(env, mode, records, &format!("c8r{rep}{}", mode.name())).await?);
        }
    }
    let of = |mode: Mode, f: fn(&Run) -> f64| {
        let v: Vec<f64> = runs.iter().filter(|r| r.mode == mode).map(f).collect();
        median(&v)
    };
    let r = f64::from(RATE);
    let mut rows = Vec::new();
    for mode in [Mode::Fixed, Mode::Adaptive] {
        let accepted = of(mode, Run::accepted_per_s);
        let share = of(mode, Run::share_429);
        let failed = of(mode, |r| r.failed as f64);
        let requests = of(mode, |r| r.requests as f64);
        let (rate_target, share_target) = match mode {
            Mode::Adaptive => (
                Some((">= 0.9 R", accepted >= 0.9 * r)),
                Some(("<= 5%", share <= 0.05)),
            ),
            Mode::Fixed => (None, None),
        };
        let rate_text = format!(
            "{accepted:.1} /s = {:.3} R ({} records, {} not imported)",
            accepted / r,
            thousands(records as f64),
            failed
        );
        let share_text = format!("{:.2}% of {} requests", 100.0 * share, thousands(requests));
        let measure_rate = format!("{}: records accepted per second (median)", mode.name());
        let measure_share = format!("{}: requests answered 429 (median)", mode.name());
        rows.push(match rate_target {
            Some((t, met)) => Row::target(measure_rate, rate_text, t, met),
            None => Row::info(measure_rate, rate_text),
        });
        rows.push(match share_target {
            Some((t, met)) => Row::target(measure_share, share_text, t, met),
            None => Row::info(measure_share, share_text),
        });
    }
    let final_rates: Vec<String> = runs
        .iter()
        .filter(|r| r.mode == Mode::Adaptive)
        .map(|r| r.send_rate.map_or("-".into(), |v| format!("{v:.0}")))
        .collect();
    rows.push(Row::info(
        "adaptive: paced rate at the end of each run (/s)",
        final_rates.join(", "),
    ));
    let details = json!({
        "rate_limit_per_s": RATE,
        "concurrency": CONCURRENCY,
        "records": records,
        "repetitions": reps,
        "order": "fixed and adaptive alternate first, a fresh sandbox process per run",
        "retry_policy": "the facade's default (4 attempts, Retry-After honoured)",
        "runs": runs.iter().map(Run::json).collect::<Vec<_>>(),
    });
    Ok(CaseOut {
        id: 9,
        title: "adaptive concurrency",
        rows,
        details,
    })
}
