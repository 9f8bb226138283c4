//! Cases 1 and 2: bulk import through the facade, a plain reqwest loop and Python httpx.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::{Value, json};

use crate::Env;
use crate::procfs;
use crate::report::{CaseOut, Row, thousands};
use crate::sandbox::{Options, SandboxProc};
use crate::stats::{median, range, rounded};
use crate::workload::{self, OPEN_CONFIGURATION};

/// Who sends the records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// `client.records().import(..).concurrency(n).run()`.
    Facade,
    /// `reqwest` `PUT`s through `buffer_unordered(n)`.
    Raw,
    /// `scripts/bench_httpx.py`: httpx `AsyncClient` with n workers.
    Python,
    /// `scripts/bench_aiohttp.py`: aiohttp `ClientSession` with n workers.
    Aiohttp,
}

impl Side {
    fn name(self) -> &'static str {
        match self {
            Side::Facade => "facade",
            Side::Raw => "raw reqwest",
            Side::Python => "python httpx",
            Side::Aiohttp => "python aiohttp",
        }
    }
}

/// One timed import.
#[derive(Clone, Debug)]
pub struct ImportRun {
    side: Side,
    records: usize,
    imported: usize,
    elapsed_s: f64,
    client_cpu_s: f64,
    sandbox_cpu_s: f64,
    mean_in_flight: Option<f64>,
    max_in_flight: Option<u64>,
}

impl ImportRun {
    fn rate(&self) -> f64 {
        self.imported as f64 / self.elapsed_s.max(1e-9)
    }

    fn json(&self) -> Value {
        json!({
            "side": self.side.name(),
            "records": self.records,
            "imported": self.imported,
            "elapsed_s": self.elapsed_s,
            "records_per_s": self.rate(),
            "client_cpu_s": self.client_cpu_s,
            "sandbox_cpu_s": self.sandbox_cpu_s,
            "mean_in_flight": self.mean_in_flight,
            "max_in_flight": self.max_in_flight,
        })
    }
}

/// Samples a gauge every 2 ms until stopped; yields the mean.
struct Sampler {
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<f64>,
}

impl Sampler {
    fn start(gauge: impl Fn() -> u64 + Send + 'static) -> Sampler {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let task = tokio::spawn(async move {
            let (mut sum, mut count) = (0u64, 0u64);
            let mut tick = tokio::time::interval(Duration::from_millis(2));
            while !flag.load(Ordering::Relaxed) {
                tick.tick().await;
                sum += gauge();
                count += 1;
            }
            sum as f64 / count.max(1) as f64
        });
        Sampler { stop, task }
    }

    async fn mean(self) -> Option<f64> {
        self.stop.store(true, Ordering::Relaxed);
        self.task.await.ok()
    }
}

async fn facade_run(
    sandbox: &SandboxProc,
    n: usize,
    concurrency: usize,
    run: &str,
    sample: bool,
) -> Result<ImportRun, String> {
    let client = workload::facade_oauth(sandbox)?;
    // The raw side fetches its token before the clock starts; so does this one.
    client
        .authenticator()
        .token()
        .await
        .map_err(|e| e.to_string())?;
    let records: Vec<_> = (0..n).map(|i| workload::record(run, i)).collect();
    let import = client
        .records()
        .import(OPEN_CONFIGURATION, records)
        .concurrency(concurrency);
    let progress = import.progress();
    let gauge = progress.clone();
    let sampler = sample.then(|| Sampler::start(move || gauge.in_flight()));
    let (cpu0, sb0, t0) = (procfs::self_cpu(), sandbox.cpu_seconds(), Instant::now());
    let mut not_imported = cg_facade::modules::bulk::NotImported::default();
    let summary = import
        .run_into(&mut not_imported)
        .await
        .map_err(|e| e.to_string())?;
    let elapsed_s = t0.elapsed().as_secs_f64();
    let (client_cpu_s, sandbox_cpu_s) = (procfs::self_cpu() - cpu0, sandbox.cpu_seconds() - sb0);
    let mean_in_flight = match sampler {
        Some(s) => s.mean().await,
        None => None,
    };
    if let Some(first) = not_imported.0.first() {
        eprintln!(
            "  facade: {} not imported, e.g. #{}: {}",
            not_imported.0.len(),
            first.index,
            first.result
        );
    }
    Ok(ImportRun {
        side: Side::Facade,
        records: n,
        imported: summary.imported as usize,
        elapsed_s,
        client_cpu_s,
        sandbox_cpu_s,
        mean_in_flight,
        max_in_flight: Some(progress.max_in_flight()),
    })
}

async fn raw_run(
    sandbox: &SandboxProc,
    n: usize,
    concurrency: usize,
    run: &str,
    sample: bool,
) -> Result<ImportRun, String> {
    let http = workload::raw_http()?;
    let bearer = format!("Bearer {}", workload::raw_token(&http, sandbox).await?);
    let url = format!("{}/records/", sandbox.imports);
    let bodies: Vec<Value> = (0..n).map(|i| workload::raw_body(run, i)).collect();
    let in_flight = Arc::new(AtomicU64::new(0));
    let max_in_flight = Arc::new(AtomicU64::new(0));
    let gauge = in_flight.clone();
    let sampler = sample.then(|| Sampler::start(move || gauge.load(Ordering::Relaxed)));
    let (cpu0, sb0, t0) = (procfs::self_cpu(), sandbox.cpu_seconds(), Instant::now());
    let imported = futures::stream::iter(bodies)
        .map(|body| {
            let (http, url, bearer) = (&http, &url, &bearer);
            let (in_flight, max_in_flight) = (in_flight.clone(), max_in_flight.clone());
            async move {
                let now = in_flight.fetch_add(1, Ordering::Relaxed) + 1;
                max_in_flight.fetch_max(now, Ordering::Relaxed);
                // The facade's request header for header (its generated client sends
                // `accept` and the spec's `api-version`): the sandbox does the same work.
                let sent = http
                    .put(url)
                    .header(reqwest::header::AUTHORIZATION, bearer)
                    .header(reqwest::header::ACCEPT, "application/json")
                    .header("api-version", "1")
                    .json(&body)
                    .send()
                    .await;
                let ok = match sent {
                    Ok(answer) => {
                        let status = answer.status();
                        answer.bytes().await.is_ok() && status.is_success()
                    }
                    Err(_) => false,
                };
                in_flight.fetch_sub(1, Ordering::Relaxed);
                ok
            }
        })
        .buffer_unordered(concurrency)
        .filter(|ok| futures::future::ready(*ok))
        .count()
        .await;
    let elapsed_s = t0.elapsed().as_secs_f64();
    let (client_cpu_s, sandbox_cpu_s) = (procfs::self_cpu() - cpu0, sandbox.cpu_seconds() - sb0);
    let mean_in_flight = match sampler {
        Some(s) => s.mean().await,
        None => None,
    };
    Ok(ImportRun {
        side: Side::Raw,
        records: n,
        imported,
        elapsed_s,
        client_cpu_s,
        sandbox_cpu_s,
        mean_in_flight,
        max_in_flight: Some(max_in_flight.load(Ordering::Relaxed)),
    })
}

fn python_run(
    sandbox: &SandboxProc,
    side: Side,
    n: usize,
    concurrency: usize,
    run: &str,
    python: &Path,
    script: &Path,
) -> Result<ImportRun, String> {
    let sb0 = sandbox.cpu_seconds();
    let output = Command::new(python)
        .arg(script)
        .args(["--imports", &sandbox.imports])
        .args(["--token-url", &sandbox.token_url()])
        .args(["--client-id", &sandbox.client_id])
        .args(["--client-secret", &sandbox.client_secret])
        .args(["--configuration", OPEN_CONFIGURATION])
        .args(["--records", &n.to_string()])
        .args(["--concurrency", &concurrency.to_string()])
        .args(["--run", run])
        .output()
        .map_err(|e| format!("could not run {}: {e}", python.display()))?;
    let sandbox_cpu_s = sandbox.cpu_seconds() - sb0;
    if !output.status.success() {
        return Err(format!(
            "{} failed ({}): {}",
            script.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    let answer: Value =
        serde_json::from_str(line).map_err(|e| format!("python printed {line:?}: {e}"))?;
    let number = |key: &str| {
        answer[key]
            .as_f64()
            .ok_or_else(|| format!("python printed no {key}: {answer}"))
    };
    Ok(ImportRun {
        side,
        records: n,
        imported: number("imported")? as usize,
        elapsed_s: number("elapsed_s")?,
        client_cpu_s: number("cpu_s")?,
        // Includes the interpreter's start-up, while the sandbox idles.
        sandbox_cpu_s,
        mean_in_flight: None,
        max_in_flight: None,
    })
}

/// One import of `n` fresh records on a fresh sandbox (so every run sees the same
/// state size: the sandbox's contact lookup is linear).
async fn one_run(
    env: &Env,
    side: Side,
    n: usize,
    concurrency: usize,
    run: &str,
    faults: Option<&str>,
    sample: bool,
) -> Result<(ImportRun, Option<f64>), String> {
    let options = Options {
        faults: faults.map(str::to_owned),
        ..Options::default()
    };
    let sandbox = SandboxProc::start(&env.sandbox_bin, &options)?;
    let rtt = match faults {
        Some(_) => Some(single_request_rtt(&sandbox, run).await?),
        None => None,
    };
    let result = match side {
        Side::Facade => facade_run(&sandbox, n, concurrency, run, sample).await?,
        Side::Raw => raw_run(&sandbox, n, concurrency, run, sample).await?,
        Side::Python | Side::Aiohttp => {
            let python = env.python.as_deref().ok_or("no Python")?;
            let script = match side {
                Side::Aiohttp => env.script.with_file_name("bench_aiohttp.py"),
                _ => env.script.clone(),
            };
            python_run(&sandbox, side, n, concurrency, run, python, &script)?
        }
    };
    eprintln!(
        "  {:<12} {:>6} records in {:>6.2} s: {:>8} rec/s (client CPU {:.2} s, sandbox CPU {:.2} s)",
        side.name(),
        result.imported,
        result.elapsed_s,
        thousands(result.rate()),
        result.client_cpu_s,
        result.sandbox_cpu_s
    );
    Ok((result, rtt))
}

/// The round trip of one record import alone (median of 15, after one to connect).
async fn single_request_rtt(sandbox: &SandboxProc, run: &str) -> Result<f64, String> {
    let http = workload::raw_http()?;
    let bearer = format!("Bearer {}", workload::raw_token(&http, sandbox).await?);
    let url = format!("{}/records/", sandbox.imports);
    let mut times = Vec::new();
    for i in 0..16 {
        let body = workload::raw_body(&format!("rtt-{run}"), i);
        let t0 = Instant::now();
        let answer = http
            .put(&url)
            .header(reqwest::header::AUTHORIZATION, &bearer)
            .json(&body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let _ = answer.bytes().await;
        if i > 0 {
            times.push(t0.elapsed().as_secs_f64());
        }
    }
    Ok(median(&times))
}

fn rotated<T: Copy>(items: &[T], by: usize) -> Vec<T> {
    let mut v = items.to_vec();
    if !v.is_empty() {
        let k = by % v.len();
        v.rotate_left(k);
    }
    v
}

fn rates(runs: &[ImportRun], side: Side) -> Vec<f64> {
    runs.iter()
        .filter(|r| r.side == side)
        .map(ImportRun::rate)
        .collect()
}

fn per_record_us(runs: &[ImportRun], side: Side, cpu: impl Fn(&ImportRun) -> f64) -> f64 {
    let v: Vec<f64> = runs
        .iter()
        .filter(|r| r.side == side)
        .map(|r| cpu(r) / r.imported.max(1) as f64 * 1e6)
        .collect();
    median(&v)
}

/// At most this many records for a Python side of case 1.
const PYTHON_RECORDS: usize = 4_000;
/// Python takes seconds per run: it joins the first repetitions only.
const PYTHON_REPS: usize = 3;

/// Case 1: 20,000 records at concurrency 32, facade vs raw reqwest vs Python httpx and aiohttp.
pub async fn bulk_import(env: &Env, records: usize, reps: usize) -> Result<CaseOut, String> {
    const CONCURRENCY: usize = 32;
    let mut sides = vec![Side::Facade, Side::Raw];
    let python_note = match &env.python {
        Some(_) => {
            sides.push(Side::Python);
            None
        }
        None => Some(env.python_problem.clone()),
    };
    let aiohttp_note = match &env.python {
        Some(python) => crate::check_python_module(python, "aiohttp").err(),
        None => Some(env.python_problem.clone()),
    };
    if aiohttp_note.is_none() {
        sides.push(Side::Aiohttp);
    }
    if !env.sides.is_empty() {
        sides.retain(|s| env.sides.iter().any(|w| s.name().contains(w.as_str())));
    }
    eprintln!("case 1: warm-up (not counted)");
    for side in [Side::Facade, Side::Raw] {
        if !sides.contains(&side) {
            continue;
        }
        one_run(env, side, 1000, CONCURRENCY, "warm", None, false).await?;
    }
    let mut runs = Vec::new();
    for rep in 0..reps {
        eprintln!("case 1: repetition {} of {reps}", rep + 1);
        for side in rotated(&sides, rep) {
            if matches!(side, Side::Python | Side::Aiohttp) && rep >= PYTHON_REPS {
                continue;
            }
            let run = format!("c1r{rep}");
            // Python is ~30x slower: fewer records keep its runs short; rates compare.
            let n = match side {
                Side::Python | Side::Aiohttp => records.min(PYTHON_RECORDS),
                _ => records,
            };
            let (result, _) = one_run(env, side, n, CONCURRENCY, &run, None, false).await?;
            if result.imported != n {
                return Err(format!(
                    "{}: only {} of {n} records imported",
                    side.name(),
                    result.imported
                ));
            }
            runs.push(result);
        }
    }
    let paired = |a: Side, b: Side| -> Vec<f64> {
        (0..reps)
            .map(|rep| {
                let rate = |s: Side| {
                    runs.iter()
                        .filter(|r| r.side == s)
                        .nth(rep)
                        .map_or(f64::NAN, ImportRun::rate)
                };
                rate(a) / rate(b)
            })
            .filter(|r| r.is_finite())
            .collect()
    };
    let vs_raw = paired(Side::Facade, Side::Raw);
    let vs_python = paired(Side::Facade, Side::Python);
    let vs_aiohttp = paired(Side::Facade, Side::Aiohttp);
    // Client CPU per record, facade over raw, within each repetition.
    let cpu_of = |side: Side, rep: usize| {
        runs.iter()
            .filter(|r| r.side == side)
            .nth(rep)
            .map_or(f64::NAN, |r| r.client_cpu_s / r.imported.max(1) as f64)
    };
    let cpu_vs_raw: Vec<f64> = (0..reps)
        .map(|rep| cpu_of(Side::Facade, rep) / cpu_of(Side::Raw, rep))
        .collect();
    let spread = |v: &[f64]| {
        let (lo, hi) = range(v);
        format!("{lo:.3} to {hi:.3}")
    };
    let cpu = |side: Side| per_record_us(&runs, side, |r| r.client_cpu_s);
    let mut cpu_text = format!("facade {:.1}, raw {:.1}", cpu(Side::Facade), cpu(Side::Raw));
    for side in [Side::Python, Side::Aiohttp] {
        if sides.contains(&side) {
            cpu_text.push_str(&format!(", {} {:.0}", side.name(), cpu(side)));
        }
    }
    let r_cpu = median(&cpu_vs_raw);
    let mut rows = vec![
        Row::info("client CPU µs per record (median)", cpu_text),
        Row::target(
            "client CPU per record, facade / raw reqwest (median of per-repetition ratios; range)",
            format!("{r_cpu:.3}x ({})", spread(&cpu_vs_raw)),
            "<= 1.05x",
            r_cpu <= 1.05,
        ),
    ];
    for side in &sides {
        let r = rates(&runs, *side);
        let (lo, hi) = range(&r);
        rows.push(Row::info(
            format!("{} records/s (median of {}; range)", side.name(), r.len()),
            format!(
                "{} ({} to {})",
                thousands(median(&r)),
                thousands(lo),
                thousands(hi)
            ),
        ));
    }
    let r_raw = median(&vs_raw);
    rows.push(Row::target(
        "facade / raw reqwest (median of per-repetition ratios; range)",
        format!("{r_raw:.3}x ({})", spread(&vs_raw)),
        ">= 0.95x",
        r_raw >= 0.95,
    ));
    match &python_note {
        None => {
            let r_py = median(&vs_python);
            rows.push(Row::target(
                "facade / python httpx (median of per-repetition ratios; range)",
                format!("{r_py:.2}x ({})", spread(&vs_python)),
                ">= 3x",
                r_py >= 3.0,
            ));
        }
        Some(problem) => rows.push(Row {
            measure: "facade / python httpx".into(),
            value: format!("not measured: {problem}"),
            target: ">= 3x".into(),
            met: None,
        }),
    }
    match &aiohttp_note {
        None => {
            let r = median(&vs_aiohttp);
            rows.push(Row::info(
                "facade / python aiohttp (median of per-repetition ratios; range)",
                format!("{r:.2}x ({})", spread(&vs_aiohttp)),
            ));
        }
        Some(problem) => rows.push(Row::info(
            "facade / python aiohttp",
            format!("not measured: {problem}"),
        )),
    }
    let sb_cpu = |side: Side| per_record_us(&runs, side, |r| r.sandbox_cpu_s);
    rows.push(Row::info(
        "sandbox CPU µs per record (facade run / raw run)",
        format!("{:.0} / {:.0}", sb_cpu(Side::Facade), sb_cpu(Side::Raw)),
    ));
    let details = json!({
        "records": records,
        "python_records": records.min(PYTHON_RECORDS),
        "concurrency": CONCURRENCY,
        "repetitions": reps,
        "order": "sides rotated per repetition, a fresh sandbox process per run",
        "mapping": OPEN_CONFIGURATION,
        "ratio_facade_raw": rounded(&vs_raw, 3),
        "ratio_facade_python": rounded(&vs_python, 3),
        "ratio_facade_aiohttp": rounded(&vs_aiohttp, 3),
        "ratio_cpu_per_record_facade_raw": rounded(&cpu_vs_raw, 4),
        "python": python_note.map_or(Value::Null, Value::String),
        "aiohttp": aiohttp_note.map_or(Value::Null, Value::String),
        "runs": runs.iter().map(ImportRun::json).collect::<Vec<_>>(),
    });
    Ok(CaseOut {
        id: 1,
        title: "bulk import",
        rows,
        details,
    })
}

/// Case 2: the same import with 50 ms added to every answer.
pub async fn latency_bound(env: &Env, records: usize, reps: usize) -> Result<CaseOut, String> {
    const CONCURRENCY: usize = 32;
    const LATENCY_MS: u64 = 50;
    let faults = format!(r#"{{"latency_ms":{LATENCY_MS}}}"#);
    let mut runs = Vec::new();
    let mut rtts = Vec::new();
    for rep in 0..reps {
        for side in rotated(&[Side::Facade, Side::Raw], rep) {
            eprintln!(
                "case 2: {} (repetition {} of {reps}), {LATENCY_MS} ms added",
                side.name(),
                rep + 1
            );
            let run = format!("c2r{rep}");
            let (result, rtt) =
                one_run(env, side, records, CONCURRENCY, &run, Some(&faults), true).await?;
            if let Some(rtt) = rtt {
                rtts.push(rtt);
                eprintln!(
                    "  round trip alone {:.1} ms; mean in flight {:.1}",
                    rtt * 1e3,
                    result.mean_in_flight.unwrap_or(0.0)
                );
            }
            runs.push(result);
        }
    }
    let rtt = median(&rtts);
    let bound = CONCURRENCY as f64 / rtt;
    let nominal = CONCURRENCY as f64 / (LATENCY_MS as f64 / 1e3);
    let facade = median(&rates(&runs, Side::Facade));
    let raw = median(&rates(&runs, Side::Raw));
    let in_flight = |side: Side| {
        let v: Vec<f64> = runs
            .iter()
            .filter(|r| r.side == side)
            .filter_map(|r| r.mean_in_flight)
            .collect();
        median(&v)
    };
    let rows = vec![
        Row::info(
            "round trip of one request alone (median)",
            format!("{:.1} ms (50 ms added)", rtt * 1e3),
        ),
        Row::info(
            "bound = 32 / round trip",
            format!(
                "{} records/s (32 / 50 ms = {})",
                thousands(bound),
                thousands(nominal)
            ),
        ),
        Row::target(
            "facade records/s / bound",
            format!(
                "{} / {} = {:.3} (vs 32 / 50 ms: {:.3})",
                thousands(facade),
                thousands(bound),
                facade / bound,
                facade / nominal
            ),
            ">= 0.95",
            facade / bound >= 0.95,
        ),
        Row::info(
            "raw reqwest records/s / bound",
            format!(
                "{} / {} = {:.3}",
                thousands(raw),
                thousands(bound),
                raw / bound
            ),
        ),
        Row::info(
            "requests in flight, mean over the run (facade / raw)",
            format!(
                "{:.1} / {:.1} of 32",
                in_flight(Side::Facade),
                in_flight(Side::Raw)
            ),
        ),
    ];
    let details = json!({
        "records": records,
        "concurrency": CONCURRENCY,
        "latency_ms": LATENCY_MS,
        "repetitions": reps,
        "single_request_rtt_s": rounded(&rtts, 5),
        "bound_records_per_s": bound,
        "nominal_bound_records_per_s": nominal,
        "runs": runs.iter().map(ImportRun::json).collect::<Vec<_>>(),
    });
    Ok(CaseOut {
        id: 2,
        title: "latency-bound import",
        rows,
        details,
    })
}
