//! Case 3: 1,000 concurrent first calls on a client without a token.

use std::time::Instant;

use serde_json::{Value, json};

use crate::Env;
use crate::report::{CaseOut, Row};
use crate::sandbox::{Options, SandboxProc};
use crate::stats::{median, percentile, rounded};
use crate::workload;

/// One burst of calls on a fresh client.
struct Burst {
    cold: bool,
    token_requests: u64,
    failed: usize,
    /// Completion time of each call, from the start of the burst, in seconds.
    latencies: Vec<f64>,
    wall_s: f64,
}

impl Burst {
    fn json(&self) -> Value {
        json!({
            "cold": self.cold,
            "token_requests": self.token_requests,
            "failed": self.failed,
            "wall_s": self.wall_s,
            "first_s": percentile(&self.latencies, 0.0),
            "p50_s": percentile(&self.latencies, 50.0),
            "p99_s": percentile(&self.latencies, 99.0),
            "max_s": percentile(&self.latencies, 100.0),
        })
    }
}

/// A new client (so a new token cache) on the shared, already connected pool.
fn client_on(sandbox: &SandboxProc, http: &reqwest::Client) -> Result<cg_facade::Client, String> {
    let endpoints = cg_facade::Endpoints::from_urls(&sandbox.api, &sandbox.imports, &sandbox.auth)
        .map_err(|e| e.to_string())?;
    cg_facade::Client::builder()
        .endpoints(endpoints)
        .credentials(cg_facade::Credentials::client_credentials(
            &sandbox.client_id,
            sandbox.client_secret.as_str(),
        ))
        .http_client(http.clone())
        .build()
        .map_err(|e| e.to_string())
}

async fn burst(
    sandbox: &SandboxProc,
    http: &reqwest::Client,
    calls: usize,
    cold: bool,
) -> Result<Burst, String> {
    let client = client_on(sandbox, http)?;
    if !cold {
        client
            .authenticator()
            .token()
            .await
            .map_err(|e| e.to_string())?;
    }
    let before = token_requests(&client);
    let t0 = Instant::now();
    let handles: Vec<_> = (0..calls)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                let ok = client.bounces().list().limit(1).send().await.is_ok();
                (ok, t0.elapsed().as_secs_f64())
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(calls);
    let mut failed = 0;
    for handle in handles {
        match handle.await {
            Ok((true, at)) => latencies.push(at),
            _ => failed += 1,
        }
    }
    let wall_s = t0.elapsed().as_secs_f64();
    Ok(Burst {
        cold,
        token_requests: token_requests(&client) - before,
        failed,
        latencies,
        wall_s,
    })
}

fn token_requests(client: &cg_facade::Client) -> u64 {
    client
        .authenticator()
        .token_cache()
        .map_or(0, cg_auth::TokenCache::requests_sent)
}

/// The token endpoint's round trip alone (median of 20 on one connection).
async fn token_rtt(sandbox: &SandboxProc) -> Result<f64, String> {
    let http = workload::raw_http()?;
    workload::raw_token(&http, sandbox).await?;
    let mut times = Vec::new();
    for _ in 0..20 {
        let t0 = Instant::now();
        workload::raw_token(&http, sandbox).await?;
        times.push(t0.elapsed().as_secs_f64());
    }
    Ok(median(&times))
}

/// Case 3.
pub async fn first_calls(env: &Env, calls: usize, reps: usize) -> Result<CaseOut, String> {
    let sandbox = SandboxProc::start(
        &env.sandbox_bin,
        &Options {
            seed_demo: true,
            ..Options::default()
        },
    )?;
    let rtt = token_rtt(&sandbox).await?;
    // Every burst runs on one pool, connected by a warm-up burst (not counted), so
    // that cold and warm bursts differ only in the token, not in connecting.
    let http = workload::raw_http()?;
    burst(&sandbox, &http, calls, false).await?;
    let mut bursts = Vec::new();
    for rep in 0..reps {
        let order = if rep % 2 == 0 {
            [true, false]
        } else {
            [false, true]
        };
        for cold in order {
            let b = burst(&sandbox, &http, calls, cold).await?;
            eprintln!(
                "case 3: {} burst of {calls}: {} token request(s), {} failed, p50 {:.1} ms, max {:.1} ms",
                if cold { "cold" } else { "warm" },
                b.token_requests,
                b.failed,
                percentile(&b.latencies, 50.0) * 1e3,
                percentile(&b.latencies, 100.0) * 1e3
            );
            bursts.push(b);
        }
    }
    let cold: Vec<&Burst> = bursts.iter().filter(|b| b.cold).collect();
    let warm: Vec<&Burst> = bursts.iter().filter(|b| !b.cold).collect();
    let tokens: Vec<u64> = cold.iter().map(|b| b.token_requests).collect();
    let failed: usize = bursts.iter().map(|b| b.failed).sum();
    let all_one = tokens.iter().all(|t| *t == 1) && failed == 0;
    let stat = |set: &[&Burst], p: f64| {
        let v: Vec<f64> = set.iter().map(|b| percentile(&b.latencies, p)).collect();
        median(&v)
    };
    let wall = |set: &[&Burst]| {
        let v: Vec<f64> = set.iter().map(|b| b.wall_s).collect();
        median(&v)
    };
    let ms = |s: f64| s * 1e3;
    let rows = vec![
        Row::target(
            format!("token requests per burst of {calls} first calls ({reps} bursts)"),
            format!("{tokens:?}, {failed} calls failed"),
            "exactly 1",
            all_one,
        ),
        Row::info(
            "first call done: cold / warm (added)",
            format!(
                "{:.1} / {:.1} ms ({:+.1} ms)",
                ms(stat(&cold, 0.0)),
                ms(stat(&warm, 0.0)),
                ms(stat(&cold, 0.0) - stat(&warm, 0.0))
            ),
        ),
        Row::info(
            "completion p50: cold / warm (added)",
            format!(
                "{:.1} / {:.1} ms ({:+.1} ms)",
                ms(stat(&cold, 50.0)),
                ms(stat(&warm, 50.0)),
                ms(stat(&cold, 50.0) - stat(&warm, 50.0))
            ),
        ),
        Row::info(
            "completion p99: cold / warm (added)",
            format!(
                "{:.1} / {:.1} ms ({:+.1} ms)",
                ms(stat(&cold, 99.0)),
                ms(stat(&warm, 99.0)),
                ms(stat(&cold, 99.0) - stat(&warm, 99.0))
            ),
        ),
        Row::info(
            "whole burst: cold / warm (added)",
            format!(
                "{:.1} / {:.1} ms ({:+.1} ms)",
                ms(wall(&cold)),
                ms(wall(&warm)),
                ms(wall(&cold) - wall(&warm))
            ),
        ),
        Row::info(
            "token request alone (median of 20)",
            format!("{:.2} ms", ms(rtt)),
        ),
    ];
    let details = json!({
        "calls": calls,
        "repetitions": reps,
        "call": "client.bounces().list().limit(1).send(), each on its own task, all spawned at once",
        "cold": "a new client (new token cache): all 1,000 first calls need a token",
        "warm": "a new client whose token was fetched before the burst",
        "pool": "every client shares one reqwest pool that a warm-up burst connected, so no burst pays for connecting",
        "token_rtt_s": rtt,
        "bursts": bursts.iter().map(Burst::json).collect::<Vec<_>>(),
        "sandbox_peak_kib": sandbox.peak_kib(),
        "cold_p50_s": rounded(&cold.iter().map(|b| percentile(&b.latencies, 50.0)).collect::<Vec<_>>(), 5),
        "warm_p50_s": rounded(&warm.iter().map(|b| percentile(&b.latencies, 50.0)).collect::<Vec<_>>(), 5),
    });
    Ok(CaseOut {
        id: 3,
        title: "token, 1,000 first calls",
        rows,
        details,
    })
}
