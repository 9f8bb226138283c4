//! Case 7: the sandbox itself. Requests per second it answers under a plain reqwest
//! load, and its CPU per request (so its capacity per core), next to what cases 1 and
//! 4 asked of it.

use std::time::Instant;

use futures::StreamExt;
use serde_json::{Value, json};

use crate::Env;
use crate::report::{CaseOut, Row, thousands};
use crate::sandbox::{Options, SandboxProc};
use crate::stats::median;
use crate::workload;

const CONCURRENCY: usize = 64;

struct Load {
    what: &'static str,
    requests: usize,
    ok: usize,
    elapsed_s: f64,
    sandbox_cpu_s: f64,
}

impl Load {
    fn rps(&self) -> f64 {
        self.ok as f64 / self.elapsed_s.max(1e-9)
    }
    fn cpu_us(&self) -> f64 {
        self.sandbox_cpu_s / self.ok.max(1) as f64 * 1e6
    }
}

async fn load(
    sandbox: &SandboxProc,
    what: &'static str,
    requests: usize,
    records: bool,
) -> Result<Load, String> {
    let http = workload::raw_http()?;
    let auth = if records {
        format!("Bearer {}", workload::raw_token(&http, sandbox).await?)
    } else {
        format!("api_key {}", sandbox.api_key)
    };
    let records_url = format!("{}/records/", sandbox.imports);
    let reasons_url = format!("{}/v4.1/reasons.json", sandbox.api);
    let bodies: Vec<Value> = (0..requests).map(|i| workload::raw_body("c7", i)).collect();
    let (sb0, t0) = (sandbox.cpu_seconds(), Instant::now());
    let ok = futures::stream::iter(bodies)
        .map(|body| {
            let (http, auth) = (&http, &auth);
            let request = if records {
                http.put(&records_url).json(&body)
            } else {
                http.get(&reasons_url)
            };
            async move {
                match request
                    .header(reqwest::header::AUTHORIZATION, auth)
                    .send()
                    .await
                {
                    Ok(answer) => {
                        let status = answer.status();
                        answer.bytes().await.is_ok() && status.is_success()
                    }
                    Err(_) => false,
                }
            }
        })
        .buffer_unordered(CONCURRENCY)
        .filter(|ok| futures::future::ready(*ok))
        .count()
        .await;
    Ok(Load {
        what,
        requests,
        ok,
        elapsed_s: t0.elapsed().as_secs_f64(),
        sandbox_cpu_s: sandbox.cpu_seconds() - sb0,
    })
}

/// Sandbox cores busy during the runs of `side` in case 1 (sandbox CPU s / wall s).
fn case1_busy(case1: Option<&Value>, side: &str) -> Option<(f64, f64)> {
    let runs = case1?["runs"].as_array()?;
    let (mut busy, mut rate) = (Vec::new(), Vec::new());
    for run in runs.iter().filter(|r| r["side"] == side) {
        let cpu = run["sandbox_cpu_s"].as_f64()?;
        let wall = run["elapsed_s"].as_f64()?;
        busy.push(cpu / wall);
        rate.push(run["records_per_s"].as_f64()?);
    }
    (!busy.is_empty()).then(|| (median(&busy), median(&rate)))
}

/// Case 7. `case1` is case 1's details; `page_cpu_s` the sandbox CPU per bounce page
/// measured in case 4.
pub async fn sandbox_rps(
    env: &Env,
    requests: usize,
    case1: Option<&Value>,
    page_cpu_s: Option<f64>,
) -> Result<CaseOut, String> {
    let mut loads = Vec::new();
    for (what, records) in [("PUT /records/", true), ("GET /v4.1/reasons.json", false)] {
        {
            // Warm-up (not counted), on a sandbox of its own.
            let warm = SandboxProc::start(&env.sandbox_bin, &Options::default())?;
            load(&warm, what, 500, records).await?;
        }
        // A fresh sandbox per load: the record store starts empty, as in case 1.
        let sandbox = SandboxProc::start(&env.sandbox_bin, &Options::default())?;
        let l = load(&sandbox, what, requests, records).await?;
        eprintln!(
            "case 7: {what}: {} requests/s at concurrency {CONCURRENCY}, sandbox CPU {:.0} µs per request",
            thousands(l.rps()),
            l.cpu_us()
        );
        loads.push(l);
    }
    let mut rows = Vec::new();
    for l in &loads {
        rows.push(Row::info(
            format!(
                "{}: answered/s at concurrency {CONCURRENCY} (client on the same 2 cores)",
                l.what
            ),
            format!("{} ({} of {} ok)", thousands(l.rps()), l.ok, l.requests),
        ));
        rows.push(Row::info(
            format!(
                "{}: sandbox CPU per request -> capacity per sandbox core",
                l.what
            ),
            format!("{:.0} µs -> {}/s", l.cpu_us(), thousands(1e6 / l.cpu_us())),
        ));
    }
    if let Some(page) = page_cpu_s {
        rows.push(Row::info(
            "GET bounce page of 1,000 (case 4): sandbox CPU per page -> capacity per core",
            format!(
                "{:.2} ms -> {} pages/s ({} items/s)",
                page * 1e3,
                thousands(1.0 / page),
                thousands(1000.0 / page)
            ),
        ));
    }
    for side in ["facade", "raw reqwest"] {
        if let Some((busy, rate)) = case1_busy(case1, side) {
            rows.push(Row::info(
                format!("case 1 {side} runs: sandbox cores busy, at records/s"),
                format!("{busy:.2} of 2 cores, at {}", thousands(rate)),
            ));
        }
    }
    let details = json!({
        "concurrency": CONCURRENCY,
        "client": "plain reqwest, buffer_unordered, in the benchmark process",
        "loads": loads.iter().map(|l| json!({
            "what": l.what,
            "requests": l.requests,
            "ok": l.ok,
            "elapsed_s": l.elapsed_s,
            "requests_per_s": l.rps(),
            "sandbox_cpu_s": l.sandbox_cpu_s,
            "sandbox_cpu_us_per_request": l.cpu_us(),
        })).collect::<Vec<_>>(),
        "bounce_page_sandbox_cpu_s": page_cpu_s,
    });
    Ok(CaseOut {
        id: 7,
        title: "the sandbox",
        rows,
        details,
    })
}
