//! `cargo xtask bench [--quick] [--cases 1,2,..]`: builds the benchmark and the sandbox
//! in release, makes sure the Python side has its venv (`.venv-bench/`, httpx and aiohttp
//! from `scripts/requirements-bench.txt`), then runs `cg-bench` (cases 1 to 10) under
//! `nice -n 10`, which prints the table and writes it as JSON (and Markdown) under
//! `target/bench/`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use clap::ArgAction;

/// What `bench` accepts; passed on to cg-bench.
#[derive(Debug, clap::Args)]
#[command(args_override_self = true)]
pub struct BenchArgs {
    /// Smaller runs and no build-cost case (6): a quick check, not numbers to quote.
    #[arg(long)]
    pub quick: bool,
    /// The cases to run, in this order (comma-separated) [default: 1 to 10].
    #[arg(
        long,
        value_name = "1,2,..",
        value_delimiter = ',',
        action = ArgAction::Set,
        value_parser = parse_case
    )]
    pub cases: Option<Vec<u8>>,
}

/// One case number of `--cases`, as cg-bench reads it (blanks around it allowed).
fn parse_case(word: &str) -> Result<u8, String> {
    word.trim().parse::<u8>().map_err(|e| e.to_string())
}

/// Runs the benchmarks.
pub fn run(root: &Path, args: &BenchArgs) -> Result<ExitCode, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    eprintln!("bench: cargo build --release -p cg-bench -p cg-sandbox -p cg-cli");
    let built = Command::new(&cargo)
        .current_dir(root)
        .args([
            "build",
            "--release",
            "-p",
            "cg-bench",
            "-p",
            "cg-sandbox",
            "-p",
            "cg-cli",
        ])
        .status()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    if !built.success() {
        return Err(format!("the release build failed ({built})"));
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|t| if t.is_absolute() { t } else { root.join(t) })
        .unwrap_or_else(|| root.join("target"));
    let release = target.join("release");

    let python = python_venv(root);

    // Lower priority: the machine is shared, and the cases compare sides run by run.
    let mut bench = Command::new("nice");
    bench
        .args(["-n", "10"])
        .arg(release.join("cg-bench"))
        .current_dir(root)
        .args(cg_bench_args(root, &release, python, args));
    let status = bench
        .status()
        .map_err(|e| format!("could not run cg-bench: {e}"))?;
    Ok(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The arguments of `cg-bench`: where things are, and `args` passed on.
fn cg_bench_args(
    root: &Path,
    release: &Path,
    python: Option<PathBuf>,
    args: &BenchArgs,
) -> Vec<OsString> {
    let mut argv: Vec<OsString> = vec![
        "--root".into(),
        root.into(),
        "--sandbox-bin".into(),
        release.join("cg-sandbox").into(),
        "--command".into(),
        if args.quick {
            "cargo xtask bench --quick"
        } else {
            "cargo xtask bench"
        }
        .into(),
    ];
    if let Some(python) = python {
        argv.extend(["--python".into(), python.into()]);
    }
    if args.quick {
        argv.push("--quick".into());
    }
    if let Some(cases) = &args.cases {
        let list = cases
            .iter()
            .map(u8::to_string)
            .collect::<Vec<_>>()
            .join(",");
        argv.extend(["--cases".into(), list.into()]);
    }
    argv
}

/// `.venv-bench/bin/python` with the pinned httpx, made on first use. `None` (and a
/// warning) when it cannot be made: the benchmark then leaves the Python side out.
fn python_venv(root: &Path) -> Option<PathBuf> {
    let venv = root.join(".venv-bench");
    let python = venv.join("bin").join("python");
    let requirements = root.join("scripts").join("requirements-bench.txt");
    if !python.exists() {
        eprintln!("bench: python3 -m venv {}", venv.display());
        let made = Command::new("python3")
            .arg("-m")
            .arg("venv")
            .arg(&venv)
            .status();
        if !made.is_ok_and(|s| s.success()) {
            eprintln!("bench: warning: could not create {}", venv.display());
            return None;
        }
    }
    let installed = Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
        ])
        .arg(&requirements)
        .status();
    if !installed.is_ok_and(|s| s.success()) {
        eprintln!(
            "bench: warning: pip install -r {} failed",
            requirements.display()
        );
        return None;
    }
    Some(python)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(python: Option<&str>, args: &BenchArgs) -> Vec<String> {
        cg_bench_args(
            Path::new("/ws"),
            Path::new("/ws/target/release"),
            python.map(PathBuf::from),
            args,
        )
        .into_iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect()
    }

    #[test]
    fn options_are_passed_on_to_cg_bench() {
        let full = BenchArgs {
            quick: false,
            cases: None,
        };
        assert_eq!(
            argv(None, &full),
            [
                "--root",
                "/ws",
                "--sandbox-bin",
                "/ws/target/release/cg-sandbox",
                "--command",
                "cargo xtask bench",
            ]
        );
        let quick = BenchArgs {
            quick: true,
            cases: Some(vec![1, 8]),
        };
        assert_eq!(
            argv(Some("/ws/.venv-bench/bin/python"), &quick),
            [
                "--root",
                "/ws",
                "--sandbox-bin",
                "/ws/target/release/cg-sandbox",
                "--command",
                "cargo xtask bench --quick",
                "--python",
                "/ws/.venv-bench/bin/python",
                "--quick",
                "--cases",
                "1,8",
            ]
        );
    }
}
