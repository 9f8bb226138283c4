//! Case 4: walking a million bounces, the facade's paging stream (with prefetch) vs
//! sequential page fetches with reqwest; each walk in a child process, so that its
//! peak memory (`VmHWM`) is its own.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use cg_facade::{Client, Credentials, Endpoints};
use futures::StreamExt;
use serde_json::{Value, json};

use crate::Env;
use crate::procfs;
use crate::report::{CaseOut, Row, thousands};
use crate::sandbox::{Options, SandboxProc};
use crate::stats::{median, range, rounded};
use crate::workload;

/// Items per page: the service's largest.
pub const PAGE: u64 = 1000;

/// How a child walks the list (on the command line: kebab-case, as [`Mode::name`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// `client.bounces().list().stream()`, prefetch on (the default).
    Facade,
    /// The same with `.prefetch(false)`: what prefetching is worth.
    FacadeNoPrefetch,
    /// `GET /v4.1/lists/bounce.json?start=..&limit=1000` one after the other, each page
    /// decoded with serde_json into the generated types.
    Raw,
}

impl Mode {
    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Facade => "facade",
            Mode::FacadeNoPrefetch => "facade-no-prefetch",
            Mode::Raw => "raw",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Mode::Facade => "facade stream (prefetch)",
            Mode::FacadeNoPrefetch => "facade stream, prefetch off",
            Mode::Raw => "raw sequential pages",
        }
    }
}

/// What the walker does with each item (on the command line: as [`Consumer::name`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Consumer {
    /// Counts it and adds its address's length to a checksum: next to no work, so
    /// there is nothing for a prefetch to overlap with but the decoding.
    Count,
    /// Writes it as a CSV line into a buffer emptied every 64 KiB (what an export to a
    /// file does, without the disk).
    Csv,
    /// Writes the CSV line, then hashes it [`WORK_ROUNDS`] times: about a microsecond
    /// of work per item, so a page takes the consumer about as long as the sandbox
    /// takes to serve one.
    Work,
}

/// Hash rounds per item of [`Consumer::Work`].
pub const WORK_ROUNDS: usize = 16;

impl Consumer {
    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Consumer::Count => "count",
            Consumer::Csv => "csv",
            Consumer::Work => "work",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Consumer::Count => "consumer counts",
            Consumer::Csv => "consumer writes CSV",
            Consumer::Work => "consumer works ~1 µs/item",
        }
    }
}

/// The consumer's state.
struct Sink {
    consumer: Consumer,
    items: u64,
    checksum: u64,
    buffer: String,
}

impl Sink {
    fn new(consumer: Consumer) -> Sink {
        Sink {
            consumer,
            items: 0,
            checksum: 0,
            buffer: String::with_capacity(80 * 1024),
        }
    }

    fn take(&mut self, email: Option<&str>, kind: &str, reason: Option<&str>, date: Option<&str>) {
        self.items += 1;
        match self.consumer {
            Consumer::Count => {
                self.checksum = self
                    .checksum
                    .wrapping_add(email.map_or(0, |e| e.len() as u64));
            }
            Consumer::Csv | Consumer::Work => {
                use std::fmt::Write;
                let start = self.buffer.len();
                let _ = writeln!(
                    self.buffer,
                    "{},{kind},{},{}",
                    email.unwrap_or_default(),
                    reason.unwrap_or_default(),
                    date.unwrap_or_default()
                );
                if self.consumer == Consumer::Work {
                    let line = &self.buffer.as_bytes()[start..];
                    let mut hash = 0xcbf2_9ce4_8422_2325u64;
                    for _ in 0..WORK_ROUNDS {
                        for byte in std::hint::black_box(line) {
                            hash = (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
                        }
                    }
                    self.checksum = self.checksum.wrapping_add(hash);
                }
                if self.buffer.len() >= 64 * 1024 {
                    self.checksum = self.checksum.wrapping_add(self.buffer.len() as u64);
                    self.buffer.clear();
                }
            }
        }
    }
}

/// What a child reports.
#[derive(Clone, Debug)]
struct Walk {
    mode: Mode,
    consumer: Consumer,
    items: u64,
    elapsed_s: f64,
    cpu_s: f64,
    peak_kib: u64,
    sandbox_cpu_s: f64,
}

impl Walk {
    fn rate(&self) -> f64 {
        self.items as f64 / self.elapsed_s.max(1e-9)
    }
}

/// The child: walks every bounce once and prints one JSON line.
pub async fn child(api: &str, api_key: &str, mode: Mode, consumer: Consumer) -> Result<(), String> {
    let t0 = Instant::now();
    let cpu0 = procfs::self_cpu();
    let mut sink = Sink::new(consumer);
    match mode {
        Mode::Facade | Mode::FacadeNoPrefetch => {
            let client = Client::builder()
                .endpoints(Endpoints::from_urls(api, api, api).map_err(|e| e.to_string())?)
                .credentials(Credentials::api_key(api_key))
                .prefetch(mode == Mode::Facade)
                .build()
                .map_err(|e| e.to_string())?;
            let mut stream = std::pin::pin!(client.bounces().list().stream());
            while let Some(bounce) = stream.next().await {
                let bounce = bounce.map_err(|e| e.to_string())?;
                let kind = bounce.kind.as_ref().map_or("", |k| k.as_str());
                sink.take(
                    bounce.email.as_deref(),
                    kind,
                    bounce.reason.as_deref(),
                    bounce.date.as_deref(),
                );
            }
        }
        Mode::Raw => {
            let http = workload::raw_http()?;
            let url = format!("{api}/v4.1/lists/bounce.json");
            let auth = format!("api_key {api_key}");
            let mut start = 0u64;
            loop {
                let answer = http
                    .get(&url)
                    .query(&[("start", start), ("limit", PAGE)])
                    .header(reqwest::header::AUTHORIZATION, &auth)
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                let status = answer.status();
                let body = answer.bytes().await.map_err(|e| e.to_string())?;
                if status == reqwest::StatusCode::BAD_REQUEST {
                    // 400401 "Record does not exist": past the end, as the facade sees it.
                    break;
                }
                if !status.is_success() {
                    return Err(format!("page at {start}: HTTP {status}"));
                }
                let page: cg_raw_lists::types::BounceListResponse =
                    serde_json::from_slice(&body).map_err(|e| e.to_string())?;
                if page.data.is_empty() {
                    break;
                }
                start += page.data.len() as u64;
                for bounce in page.data {
                    let kind = bounce.type_.as_deref().unwrap_or("");
                    sink.take(
                        bounce.email.as_deref(),
                        kind,
                        bounce.reason.as_deref(),
                        bounce.date.as_deref(),
                    );
                }
            }
        }
    }
    let elapsed_s = t0.elapsed().as_secs_f64();
    let cpu_s = procfs::self_cpu() - cpu0;
    let peak_kib = procfs::status_kib("self", "VmHWM").unwrap_or(0);
    println!(
        "{}",
        json!({
            "mode": mode.name(),
            "consumer": consumer.name(),
            "items": sink.items,
            "checksum": sink.checksum,
            "elapsed_s": elapsed_s,
            "cpu_s": cpu_s,
            "peak_kib": peak_kib,
        })
    );
    Ok(())
}

fn run_child(
    env: &Env,
    sandbox: &SandboxProc,
    mode: Mode,
    consumer: Consumer,
) -> Result<Walk, String> {
    let sb0 = sandbox.cpu_seconds();
    let output = Command::new(&env.self_exe)
        .args(["paging-child", "--api", &sandbox.api])
        .args(["--api-key", &sandbox.api_key, "--mode", mode.name()])
        .args(["--consumer", consumer.name()])
        .output()
        .map_err(|e| format!("could not start the paging child: {e}"))?;
    let sandbox_cpu_s = sandbox.cpu_seconds() - sb0;
    if !output.status.success() {
        return Err(format!(
            "paging child {} failed: {}",
            mode.name(),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    let v: Value =
        serde_json::from_str(line).map_err(|e| format!("child printed {line:?}: {e}"))?;
    Ok(Walk {
        mode,
        consumer,
        items: v["items"].as_u64().unwrap_or(0),
        elapsed_s: v["elapsed_s"].as_f64().unwrap_or(f64::NAN),
        cpu_s: v["cpu_s"].as_f64().unwrap_or(f64::NAN),
        peak_kib: v["peak_kib"].as_u64().unwrap_or(0),
        sandbox_cpu_s,
    })
}

/// A state file with `n` bounces (and the demo credentials), written through the
/// sandbox library.
async fn state_file(dir: &Path, n: usize) -> Result<PathBuf, String> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let path = dir.join(format!("paging-state-{n}.json"));
    let sandbox = cg_sandbox::Sandbox::builder()
        .request_log_capacity(0)
        .try_start()
        .await
        .map_err(|e| e.to_string())?;
    sandbox.seed_bounces(n);
    let state = sandbox.state();
    sandbox.shutdown().await;
    let target = path.clone();
    tokio::task::spawn_blocking(move || cg_sandbox::persist::save(&target, &state))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    Ok(path)
}

/// The sandbox saves its state file once at start; waits until that is done (the file
/// is replaced by a rename, so its inode changes), so the save does not run during a walk.
fn wait_for_first_save(path: &Path, inode_before: u64) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(300);
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    loop {
        let replaced = std::fs::metadata(path).is_ok_and(|m| m.ino() != inode_before);
        if replaced && !Path::new(&tmp).exists() {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err("the sandbox did not save its state file within 5 minutes".into());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// What case 7 reuses: the sandbox's CPU per page while the raw walk ran.
pub struct PagingForSandbox {
    /// Sandbox CPU seconds per page (raw walks), median.
    pub cpu_per_page_s: f64,
}

/// Case 4.
pub async fn walk(
    env: &Env,
    bounces: usize,
    reps: usize,
) -> Result<(CaseOut, PagingForSandbox), String> {
    eprintln!("case 4: writing a state file with {bounces} bounces");
    let dir = env.out_dir.clone();
    let path = state_file(&dir, bounces).await?;
    let inode = std::fs::metadata(&path).map_err(|e| e.to_string())?.ino();
    let options = Options {
        state: Some(path.clone()),
        ..Options::default()
    };
    let sandbox = SandboxProc::start(&env.sandbox_bin, &options)?;
    eprintln!("case 4: waiting for the sandbox's first save of its state");
    let (p, i) = (path.clone(), inode);
    tokio::task::spawn_blocking(move || wait_for_first_save(&p, i))
        .await
        .map_err(|e| e.to_string())??;
    let modes = [Mode::Facade, Mode::Raw, Mode::FacadeNoPrefetch];
    let consumers = [Consumer::Count, Consumer::Csv, Consumer::Work];
    // Warm-up walk (not counted).
    run_child(env, &sandbox, Mode::Raw, Consumer::Count)?;
    let mut walks = Vec::new();
    for rep in 0..reps {
        for consumer in consumers {
            let mut order = modes.to_vec();
            order.rotate_left(rep % modes.len());
            for mode in order {
                let w = run_child(env, &sandbox, mode, consumer)?;
                eprintln!(
                    "case 4: {:<28} {:<20} {} items in {:.2} s: {:>9} items/s, peak {:.1} MiB, sandbox CPU {:.2} s",
                    mode.label(),
                    consumer.label(),
                    w.items,
                    w.elapsed_s,
                    thousands(w.rate()),
                    w.peak_kib as f64 / 1024.0,
                    w.sandbox_cpu_s
                );
                if w.items != bounces as u64 {
                    return Err(format!(
                        "{} walked {} of {bounces} items",
                        mode.name(),
                        w.items
                    ));
                }
                walks.push(w);
            }
        }
    }
    let sandbox_peak_kib = sandbox.peak_kib();
    drop(sandbox);
    let _ = std::fs::remove_file(&path);
    let of = |mode: Mode, consumer: Consumer, f: &dyn Fn(&Walk) -> f64| -> Vec<f64> {
        walks
            .iter()
            .filter(|w| w.mode == mode && w.consumer == consumer)
            .map(f)
            .collect()
    };
    let rate = |mode: Mode, consumer: Consumer| of(mode, consumer, &Walk::rate);
    let ratios = |consumer: Consumer| -> Vec<f64> {
        let (facade, raw) = (rate(Mode::Facade, consumer), rate(Mode::Raw, consumer));
        facade.iter().zip(&raw).map(|(f, r)| f / r).collect()
    };
    let mut rows = Vec::new();
    let mut details_ratios = serde_json::Map::new();
    for consumer in consumers {
        let mut parts = Vec::new();
        for mode in modes {
            parts.push(format!(
                "{} {}",
                mode.name(),
                thousands(median(&rate(mode, consumer)))
            ));
        }
        rows.push(Row::info(
            format!("items/s, {} (median of {reps})", consumer.label()),
            parts.join(", "),
        ));
        let r = ratios(consumer);
        let (lo, hi) = range(&r);
        let ratio = median(&r);
        rows.push(Row::target(
            format!(
                "facade / raw sequential, {} (median of per-repetition ratios; range)",
                consumer.label()
            ),
            format!("{ratio:.2}x ({lo:.2} to {hi:.2})"),
            "> 1x",
            ratio > 1.0,
        ));
        details_ratios.insert(consumer.name().into(), json!(rounded(&r, 3)));
    }
    let peak = |mode: Mode| {
        walks
            .iter()
            .filter(|w| w.mode == mode)
            .map(|w| w.peak_kib as f64 / 1024.0)
            .fold(0.0, f64::max)
    };
    rows.push(Row::target(
        "facade walker peak memory (VmHWM of its process, max of all walks)",
        format!("{:.1} MiB", peak(Mode::Facade)),
        "< 64 MiB",
        peak(Mode::Facade) < 64.0,
    ));
    rows.push(Row::info(
        "peak memory: raw walker / facade without prefetch",
        format!(
            "{:.1} / {:.1} MiB",
            peak(Mode::Raw),
            peak(Mode::FacadeNoPrefetch)
        ),
    ));
    let cpu = |mode: Mode| median(&of(mode, Consumer::Count, &|w| w.cpu_s));
    let pages = bounces as f64 / PAGE as f64 + 1.0;
    let sandbox_cpu = median(&of(Mode::Raw, Consumer::Count, &|w| w.sandbox_cpu_s));
    rows.push(Row::info(
        "CPU s per walk, consumer counts: facade / raw walker / sandbox",
        format!(
            "{:.2} / {:.2} / {:.2}",
            cpu(Mode::Facade),
            cpu(Mode::Raw),
            sandbox_cpu
        ),
    ));
    let details = json!({
        "bounces": bounces,
        "page": PAGE,
        "repetitions": reps,
        "order": "for each repetition and consumer, the three walkers in an order rotated per repetition; one sandbox process for all walks, loaded from a state file",
        "consumers": {
            "count": "counts each item and adds its e-mail length to a checksum",
            "csv": "writes each item as a CSV line into a String emptied every 64 KiB",
            "work": format!("csv, then FNV-1a over the line {WORK_ROUNDS} times"),
        },
        "ratio_facade_raw": details_ratios,
        "sandbox_peak_kib": sandbox_peak_kib,
        "walks": walks.iter().map(|w| json!({
            "mode": w.mode.name(),
            "consumer": w.consumer.name(),
            "items": w.items,
            "elapsed_s": w.elapsed_s,
            "items_per_s": w.rate(),
            "cpu_s": w.cpu_s,
            "peak_kib": w.peak_kib,
            "sandbox_cpu_s": w.sandbox_cpu_s,
        })).collect::<Vec<_>>(),
    });
    Ok((
        CaseOut {
            id: 4,
            title: "paging",
            rows,
            details,
        },
        PagingForSandbox {
            cpu_per_page_s: sandbox_cpu / pages,
        },
    ))
}
