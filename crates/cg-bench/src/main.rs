//! `cg-bench`: the benchmarks of the CustomerGauge SDK, run by `cargo xtask bench`.
//!
//! ```text
//! cg-bench [--quick] [--cases 1,2,..] [--sandbox-bin PATH] [--python PATH]
//!          [--script PATH] [--root DIR] [--out FILE] [--command TEXT]
//!          [--sides facade,raw,httpx,aiohttp]
//! cg-bench paging-child --api URL --api-key KEY --mode facade|facade-no-prefetch|raw
//!          [--consumer count|csv|work]
//! cg-bench refused-child --rows N
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

use clap::{ArgAction, Parser, Subcommand};

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

/// The benchmarks of the CustomerGauge SDK against the sandbox (run with `cargo xtask bench`).
#[derive(Debug, Parser)]
#[command(
    name = "cg-bench",
    args_conflicts_with_subcommands = true,
    args_override_self = true,
    disable_help_subcommand = true
)]
struct Cli {
    /// A child process of a case (cg-bench runs these itself).
    #[command(subcommand)]
    child: Option<Child>,
    #[command(flatten)]
    args: Args,
}

/// The options of a benchmark run.
#[derive(Debug, clap::Args)]
struct Args {
    /// Smaller runs and no build-cost case (6): a quick check, not numbers to quote.
    #[arg(long)]
    quick: bool,
    /// The cases to run, in this order (comma-separated).
    #[arg(
        long,
        value_name = "1,2,..",
        value_delimiter = ',',
        action = ArgAction::Set,
        value_parser = parse_case,
        default_value = "1,2,3,4,5,6,7,8,9,10"
    )]
    cases: Vec<u8>,
    /// The `cg-sandbox` binary [default: next to this program].
    #[arg(long, value_name = "PATH")]
    sandbox_bin: Option<PathBuf>,
    /// A Python with httpx (and aiohttp) [default: ROOT/.venv-bench/bin/python].
    #[arg(long, value_name = "PATH")]
    python: Option<PathBuf>,
    /// The Python side's script [default: ROOT/scripts/bench_httpx.py].
    #[arg(long, value_name = "PATH")]
    script: Option<PathBuf>,
    /// The workspace root [default: the current directory].
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    /// The JSON results; the Markdown table goes next to it
    /// [default: ROOT/target/bench/bench-quick.json or bench-full.json].
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// The command recorded in the results [default: cargo xtask bench [--quick]].
    #[arg(long, value_name = "TEXT", allow_hyphen_values = true)]
    command: Option<String>,
    /// Case 1 runs only the sides whose name contains one of these words
    /// (comma-separated: facade, raw, httpx, aiohttp) [default: all].
    #[arg(long, value_name = "facade,raw,..", value_delimiter = ',', action = ArgAction::Set)]
    sides: Vec<String>,
}

/// The child processes the cases start from this program.
#[derive(Debug, Subcommand)]
enum Child {
    /// One walk of case 4's bounce list, in its own process (prints one JSON line).
    #[command(args_override_self = true)]
    PagingChild {
        /// The sandbox's API base URL.
        #[arg(long, value_name = "URL")]
        api: String,
        /// The API key to send.
        #[arg(long, value_name = "KEY", allow_hyphen_values = true)]
        api_key: String,
        /// How to walk the list.
        #[arg(long, value_enum)]
        mode: paging::Mode,
        /// What to do with each item.
        #[arg(long, value_enum, default_value_t = paging::Consumer::Count)]
        consumer: paging::Consumer,
    },
    /// Case 8's bulk import of records refused locally, in its own process (peak memory).
    #[command(args_override_self = true)]
    RefusedChild {
        /// How many records to import.
        #[arg(long, value_name = "N")]
        rows: u64,
    },
}

/// One case number of `--cases` (blanks around it allowed, as in `--cases "1, 8"`).
fn parse_case(word: &str) -> Result<u8, String> {
    word.trim().parse::<u8>().map_err(|e| e.to_string())
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

fn paging_child(api: &str, key: &str, mode: paging::Mode, consumer: paging::Consumer) -> ExitCode {
    let result = runtime().and_then(|rt| rt.block_on(paging::child(api, key, mode, consumer)));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("paging child: {e}");
            ExitCode::FAILURE
        }
    }
}

fn refused_child(rows: u64) -> ExitCode {
    match runtime().and_then(|rt| rt.block_on(refused::child(rows))) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("refused child: {e}");
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    // A usage error exits with 2 (clap's default), `--help` with 0.
    let cli = Cli::parse();
    match cli.child {
        Some(Child::PagingChild {
            api,
            api_key,
            mode,
            consumer,
        }) => paging_child(&api, &api_key, mode, consumer),
        Some(Child::RefusedChild { rows }) => refused_child(rows),
        None => match run(cli.args) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
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

#[cfg(test)]
mod tests {
    use clap::ValueEnum;

    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("cg-bench").chain(args.iter().copied()))
    }

    #[test]
    fn defaults_run_every_case_on_every_side() {
        let cli = parse(&[]).expect("no arguments is a full run");
        assert!(cli.child.is_none());
        let args = cli.args;
        assert!(!args.quick);
        assert_eq!(args.cases, (1..=10).collect::<Vec<u8>>());
        assert!(args.sides.is_empty());
        assert_eq!(args.sandbox_bin, None);
        assert_eq!(args.python, None);
        assert_eq!(args.script, None);
        assert_eq!(args.root, None);
        assert_eq!(args.out, None);
        assert_eq!(args.command, None);
    }

    #[test]
    fn comma_lists_and_paths() {
        let cli = parse(&[
            "--quick",
            "--cases",
            "1,8",
            "--sides",
            "facade",
            "--root",
            ".",
            "--sandbox-bin",
            "target/release/cg-sandbox",
            "--python",
            "/usr/bin/python3",
            "--script",
            "s.py",
            "--out",
            "o.json",
            "--command",
            "cargo xtask bench --quick",
        ])
        .expect("valid arguments");
        assert!(cli.child.is_none());
        let args = cli.args;
        assert!(args.quick);
        assert_eq!(args.cases, [1, 8]);
        assert_eq!(args.sides, ["facade"]);
        assert_eq!(args.root, Some(PathBuf::from(".")));
        assert_eq!(
            args.sandbox_bin,
            Some(PathBuf::from("target/release/cg-sandbox"))
        );
        assert_eq!(args.python, Some(PathBuf::from("/usr/bin/python3")));
        assert_eq!(args.script, Some(PathBuf::from("s.py")));
        assert_eq!(args.out, Some(PathBuf::from("o.json")));
        assert_eq!(args.command.as_deref(), Some("cargo xtask bench --quick"));
    }

    #[test]
    fn case_lists_as_before() {
        let cases = |list: &str| parse(&["--cases", list]).map(|c| c.args.cases);
        // Blanks around a number were allowed, and any u8 (an unknown case fails at run time).
        assert_eq!(cases("2, 4 ,10").expect("blanks"), [2, 4, 10]);
        assert_eq!(cases("11").expect("any u8"), [11]);
        assert_eq!(cases("--cases=3").ok(), None);
        for bad in ["x", "1,,2", "256", "-1", ""] {
            assert!(cases(bad).is_err(), "{bad:?} is not a case list");
        }
        // The last `--cases` wins, as with the parser this replaced.
        let last = parse(&["--cases", "1,2", "--cases", "9"]).expect("repeated");
        assert_eq!(last.args.cases, [9]);
        let last = parse(&["--sides", "raw", "--sides", "facade,httpx"]).expect("repeated");
        assert_eq!(last.args.sides, ["facade", "httpx"]);
        let sides = parse(&["--sides", "facade,raw,httpx"]).expect("sides");
        assert_eq!(sides.args.sides, ["facade", "raw", "httpx"]);
    }

    #[test]
    fn paging_child() {
        let cli = parse(&[
            "paging-child",
            "--api",
            "http://127.0.0.1:1234",
            "--api-key",
            "k-1",
            "--mode",
            "facade-no-prefetch",
            "--consumer",
            "csv",
        ])
        .expect("the argv paging::run_child builds");
        let Some(Child::PagingChild {
            api,
            api_key,
            mode,
            consumer,
        }) = cli.child
        else {
            panic!("not a paging child: {:?}", cli.child);
        };
        assert_eq!(api, "http://127.0.0.1:1234");
        assert_eq!(api_key, "k-1");
        assert_eq!(mode, paging::Mode::FacadeNoPrefetch);
        assert_eq!(consumer, paging::Consumer::Csv);

        // Every name the cases pass parses back to itself; the consumer defaults to count.
        for mode in paging::Mode::value_variants() {
            let cli = parse(&[
                "paging-child",
                "--api",
                "u",
                "--api-key",
                "k",
                "--mode",
                mode.name(),
            ])
            .expect("a known mode");
            let Some(Child::PagingChild {
                mode: parsed,
                consumer,
                ..
            }) = cli.child
            else {
                panic!("not a paging child");
            };
            assert_eq!(parsed, *mode);
            assert_eq!(consumer, paging::Consumer::Count);
        }
        for consumer in paging::Consumer::value_variants() {
            let cli = parse(&[
                "paging-child",
                "--api",
                "u",
                "--api-key",
                "k",
                "--mode",
                "raw",
                "--consumer",
                consumer.name(),
            ])
            .expect("a known consumer");
            assert!(
                matches!(cli.child, Some(Child::PagingChild { consumer: c, .. }) if c == *consumer)
            );
        }
    }

    #[test]
    fn value_names_agree_with_paging() {
        for mode in paging::Mode::value_variants() {
            assert_eq!(paging::Mode::from_str(mode.name(), false), Ok(*mode));
            assert_eq!(
                paging::Mode::from_str(&mode.name().to_uppercase(), true),
                Ok(*mode)
            );
        }
        for consumer in paging::Consumer::value_variants() {
            assert_eq!(
                paging::Consumer::from_str(consumer.name(), false),
                Ok(*consumer)
            );
        }
        assert!(paging::Mode::from_str("RAW", false).is_err());
        assert!(paging::Consumer::from_str("json", true).is_err());
    }

    #[test]
    fn paging_child_refuses_what_it_refused() {
        let base = ["paging-child", "--api", "u", "--api-key", "k"];
        let with = |extra: &[&str]| {
            parse(&base.iter().chain(extra).copied().collect::<Vec<_>>()).map(|_| ())
        };
        assert!(with(&["--mode", "raw"]).is_ok());
        // No mode, an unknown mode or consumer (names are exact), a flag without its value.
        assert!(with(&[]).is_err());
        assert!(with(&["--mode", "fast"]).is_err());
        assert!(with(&["--mode", "Raw"]).is_err());
        assert!(with(&["--mode", "raw", "--consumer", "json"]).is_err());
        assert!(with(&["--mode", "raw", "--consumer"]).is_err());
        assert!(with(&["--mode", "raw", "--rows", "3"]).is_err());
        assert!(parse(&["paging-child", "--api", "u", "--mode", "raw"]).is_err());
    }

    #[test]
    fn refused_child() {
        let cli =
            parse(&["refused-child", "--rows", "1000000"]).expect("the argv refused.rs builds");
        assert!(matches!(
            cli.child,
            Some(Child::RefusedChild { rows: 1_000_000 })
        ));
        assert!(parse(&["refused-child"]).is_err());
        assert!(parse(&["refused-child", "--rows", "many"]).is_err());
        assert!(parse(&["refused-child", "--rows", "-3"]).is_err());
    }

    #[test]
    fn unknown_words_are_usage_errors() {
        for argv in [
            &["--fast"][..],
            &["--cases"],
            &["bench"],
            &["help"],
            &["--quick", "refused-child", "--rows", "1"],
            &["refused-child", "--rows", "1", "--quick"],
        ] {
            let err = parse(argv).expect_err(&format!("{argv:?} is refused"));
            assert_eq!(err.exit_code(), 2, "{argv:?}: {err}");
        }
        let help = parse(&["--help"]).expect_err("help is printed, not run");
        assert_eq!(help.kind(), clap::error::ErrorKind::DisplayHelp);
        assert_eq!(help.exit_code(), 0);
    }

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
