//! `cg-bench`: the benchmarks of the CustomerGauge SDK, run by `cargo xtask bench`.
//!
//! ```text
//! cg-bench [--quick] [--cases 1,2,..] [--sandbox-bin PATH] [--python PATH]
//!          [--script PATH] [--root DIR] [--out FILE] [--command TEXT]
//! cg-bench paging-child --api URL --api-key KEY --mode facade|facade-no-prefetch|raw
//!          [--consumer count|csv]
//! ```
//!
//! Each case runs its sides back to back (rotating the order between repetitions)
//! against the release `cg-sandbox` binary in its own process, prints a table and
//! writes every measurement as JSON.
#![forbid(unsafe_code)]

mod adaptive;
mod build_cost;
mod decode;
mod export;
mod import;
mod paging;
mod procfs;
mod refused;
mod report;
mod sandbox;
mod sandbox_rps;
mod stats;
mod token;
mod workload;

use std::path::PathBuf;
use std::process::{Command, ExitCode};

use report::CaseOut;

/// Where things are.
pub struct Env {
    /// The `cg-sandbox` binary.
    pub sandbox_bin: PathBuf,
    /// A Python with httpx, when there is one.
    pub python: Option<PathBuf>,
    /// Why there is none.
    pub python_problem: String,
    /// `scripts/bench_httpx.py`.
    pub script: PathBuf,
    /// The workspace root.
    pub root: PathBuf,
    /// This program (the paging walks run in children of it).
    pub self_exe: PathBuf,
    /// Where results and scratch files go.
    pub out_dir: PathBuf,
    /// Case 1 runs only these sides (`--sides facade,raw`; all when empty), e.g. to
    /// profile one side alone.
    pub sides: Vec<String>,
}

/// How much each case does.
struct Sizes {
    import_records: usize,
    import_reps: usize,
    latency_records: usize,
    latency_reps: usize,
    token_calls: usize,
    token_reps: usize,
    bounces: usize,
    paging_reps: usize,
    decode_iterations: usize,
    decode_reps: usize,
    sandbox_requests: usize,
    refused_records: u64,
    build_cost: bool,
    rate_limited_records: usize,
    rate_limited_reps: usize,
    export_responses: usize,
}

impl Sizes {
    fn full() -> Sizes {
        Sizes {
            import_records: 20_000,
            // On 2 shared cores one pair of runs ranges from 0.6x to 1.3x: the median of
            // 15 ratios is what holds still from run to run (Python joins only 3).
            import_reps: 15,
            latency_records: 20_000,
            latency_reps: 2,
            token_calls: 1_000,
            token_reps: 5,
            bounces: 1_000_000,
            paging_reps: 3,
            decode_iterations: 300,
            decode_reps: 3,
            sandbox_requests: 20_000,
            refused_records: 1_000_000,
            build_cost: true,
            rate_limited_records: 4_000,
            rate_limited_reps: 2,
            export_responses: 1_000_000,
        }
    }

    fn quick() -> Sizes {
        Sizes {
            import_records: 2_000,
            import_reps: 2,
            latency_records: 2_000,
            latency_reps: 1,
            token_calls: 1_000,
            token_reps: 2,
            bounces: 100_000,
            paging_reps: 2,
            decode_iterations: 60,
            decode_reps: 2,
            sandbox_requests: 3_000,
            refused_records: 1_000_000,
            build_cost: false,
            rate_limited_records: 1_000,
            rate_limited_reps: 1,
            export_responses: 100_000,
        }
    }
}

struct Args {
    quick: bool,
    cases: Vec<u8>,
    sandbox_bin: Option<PathBuf>,
    python: Option<PathBuf>,
    script: Option<PathBuf>,
    root: Option<PathBuf>,
    out: Option<PathBuf>,
    command: Option<String>,
    sides: Vec<String>,
}

const USAGE: &str = "usage: cg-bench [--quick] [--cases 1,2,..] [--sandbox-bin PATH] [--python PATH] [--script PATH] [--root DIR] [--out FILE] [--command TEXT] [--sides facade,raw,httpx,aiohttp]\n       cg-bench paging-child --api URL --api-key KEY --mode facade|facade-no-prefetch|raw [--consumer count|csv]\n       cg-bench refused-child --rows N";

fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut parsed = Args {
        quick: false,
        cases: (1..=10).collect(),
        sandbox_bin: None,
        python: None,
        script: None,
        root: None,
        out: None,
        command: None,
        sides: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{arg} needs a value"))
        };
        match arg.as_str() {
            "--quick" => parsed.quick = true,
            "--cases" => {
                parsed.cases = value()?
                    .split(',')
                    .map(|c| c.trim().parse::<u8>().map_err(|e| format!("--cases: {e}")))
                    .collect::<Result<_, _>>()?;
            }
            "--sandbox-bin" => parsed.sandbox_bin = Some(value()?.into()),
            "--python" => parsed.python = Some(value()?.into()),
            "--script" => parsed.script = Some(value()?.into()),
            "--root" => parsed.root = Some(value()?.into()),
            "--out" => parsed.out = Some(value()?.into()),
            "--command" => parsed.command = Some(value()?),
            "--sides" => parsed.sides = value()?.split(',').map(str::to_owned).collect(),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(parsed)
}

/// A Python that can import httpx, or why not.
fn check_python(python: &std::path::Path) -> Result<(), String> {
    check_python_module(python, "httpx")
}

/// Whether `python` can import `module` (and print its version), or why not.
pub fn check_python_module(python: &std::path::Path, module: &str) -> Result<(), String> {
    let output = Command::new(python)
        .args([
            "-c",
            &format!("import {module}; print({module}.__version__)"),
        ])
        .output()
        .map_err(|e| format!("{}: {e}", python.display()))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{} cannot import {module}: {}",
            python.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        // Told apart from the sandbox's `tokio-rt-worker` threads in a profile.
        .thread_name("cg-bench-worker")
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
}

fn paging_child(args: &[String]) -> ExitCode {
    let mut api = None;
    let mut key = None;
    let mut mode = None;
    let mut consumer = Some(paging::Consumer::Count);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match (arg.as_str(), it.next()) {
            ("--api", Some(v)) => api = Some(v.clone()),
            ("--api-key", Some(v)) => key = Some(v.clone()),
            ("--mode", Some(v)) => mode = paging::Mode::parse(v),
            ("--consumer", Some(v)) => consumer = paging::Consumer::parse(v),
            _ => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let (Some(api), Some(key), Some(mode), Some(consumer)) = (api, key, mode, consumer) else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let result = runtime().and_then(|rt| rt.block_on(paging::child(&api, &key, mode, consumer)));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("paging child: {e}");
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("paging-child") {
        return paging_child(&args[1..]);
    }
    if args.first().map(String::as_str) == Some("refused-child") {
        let rows = match args.get(1..3) {
            Some([flag, n]) if flag == "--rows" => n.parse::<u64>().ok(),
            _ => None,
        };
        let Some(rows) = rows else {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        };
        return match runtime().and_then(|rt| rt.block_on(refused::child(rows))) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("refused child: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let args = match parse_args(&args) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<ExitCode, String> {
    let self_exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let root = match args.root {
        Some(r) => r,
        None => std::env::current_dir().map_err(|e| e.to_string())?,
    };
    let sandbox_bin = args
        .sandbox_bin
        .unwrap_or_else(|| self_exe.with_file_name("cg-sandbox"));
    if !sandbox_bin.exists() {
        return Err(format!(
            "no sandbox binary at {} (cargo build --release -p cg-sandbox)",
            sandbox_bin.display()
        ));
    }
    let python = args
        .python
        .unwrap_or_else(|| root.join(".venv-bench/bin/python"));
    let (python, python_problem) = match check_python(&python) {
        Ok(()) => (Some(python), String::new()),
        Err(e) => {
            eprintln!("warning: the Python side is skipped: {e}");
            (None, e)
        }
    };
    let mode = if args.quick { "quick" } else { "full" };
    let out = args
        .out
        .unwrap_or_else(|| root.join(format!("target/bench/bench-{mode}.json")));
    let out_dir = out
        .parent()
        .map_or_else(|| root.join("target/bench"), PathBuf::from);
    std::fs::create_dir_all(&out_dir).map_err(|e| format!("{}: {e}", out_dir.display()))?;
    let env = Env {
        sandbox_bin,
        python,
        python_problem,
        script: args
            .script
            .unwrap_or_else(|| root.join("scripts/bench_httpx.py")),
        root,
        self_exe,
        out_dir,
        sides: args.sides,
    };
    let sizes = if args.quick {
        Sizes::quick()
    } else {
        Sizes::full()
    };
    let machine = procfs::machine();
    eprintln!("cg-bench ({mode}) on {machine}");
    let rt = runtime()?;
    let mut cases: Vec<CaseOut> = Vec::new();
    let mut page_cpu = None;
    let mut failed = false;
    for id in args.cases.iter().copied() {
        let started = std::time::Instant::now();
        let result: Result<CaseOut, String> = match id {
            1 => rt.block_on(import::bulk_import(
                &env,
                sizes.import_records,
                sizes.import_reps,
            )),
            2 => rt.block_on(import::latency_bound(
                &env,
                sizes.latency_records,
                sizes.latency_reps,
            )),
            3 => rt.block_on(token::first_calls(
                &env,
                sizes.token_calls,
                sizes.token_reps,
            )),
            4 => rt
                .block_on(paging::walk(&env, sizes.bounces, sizes.paging_reps))
                .map(|(case, for_sandbox)| {
                    page_cpu = Some(for_sandbox.cpu_per_page_s);
                    case
                }),
            5 => rt.block_on(decode::decoding(sizes.decode_iterations, sizes.decode_reps)),
            6 if !sizes.build_cost => {
                eprintln!("case 6 (build cost) runs in the full mode only");
                continue;
            }
            6 => build_cost::build_cost(&env.root),
            7 => {
                let case1 = cases.iter().find(|c| c.id == 1).map(|c| &c.details);
                rt.block_on(sandbox_rps::sandbox_rps(
                    &env,
                    sizes.sandbox_requests,
                    case1,
                    page_cpu,
                ))
            }
            8 => refused::refused_import(&env.self_exe, sizes.refused_records),
            9 => rt.block_on(adaptive::rate_limited(
                &env,
                sizes.rate_limited_records,
                sizes.rate_limited_reps,
            )),
            10 => rt.block_on(export::export(
                &env,
                sizes.export_responses,
                sizes.paging_reps,
            )),
            other => Err(format!("there is no case {other}")),
        };
        let case = result.unwrap_or_else(|e| {
            failed = true;
            eprintln!("case {id} failed: {e}");
            CaseOut::failed(id, "failed", &e)
        });
        eprintln!(
            "case {id} done in {:.0} s\n",
            started.elapsed().as_secs_f64()
        );
        cases.push(case);
    }
    let command = args.command.unwrap_or_else(|| {
        if args.quick {
            "cargo xtask bench --quick".into()
        } else {
            "cargo xtask bench".into()
        }
    });
    let table = report::table(&cases);
    println!("{table}");
    let json = report::to_json(machine, &command, mode, &cases);
    let text = serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?;
    std::fs::write(&out, text + "\n").map_err(|e| format!("{}: {e}", out.display()))?;
    let table_file = out.with_extension("md");
    std::fs::write(&table_file, &table).map_err(|e| format!("{}: {e}", table_file.display()))?;
    println!("results: {} and {}", out.display(), table_file.display());
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
