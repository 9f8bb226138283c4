//! `cargo xtask bench [--quick] [--cases 1,2,..]`: builds the benchmark and the sandbox
//! in release, makes sure the Python side has its venv (`.venv-bench/`, httpx and aiohttp
//! from `scripts/requirements-bench.txt`), then runs `cg-bench` (cases 1 to 10) under
//! `nice -n 10`, which prints the table and writes it as JSON (and Markdown) under
//! `target/bench/`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// What `bench` accepts.
pub const USAGE: &str = "cargo xtask bench [--quick] [--cases 1,2,..]";

/// Runs the benchmarks; `args` are the words after `bench`.
pub fn run(root: &Path, args: &[String]) -> Result<ExitCode, String> {
    let mut quick = false;
    let mut cases = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--quick" => quick = true,
            "--cases" => cases = Some(it.next().ok_or("--cases needs a list, e.g. 1,4")?),
            other => return Err(format!("unknown option {other:?}; {USAGE}")),
        }
    }

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
        .arg("--root")
        .arg(root)
        .arg("--sandbox-bin")
        .arg(release.join("cg-sandbox"))
        .arg("--command")
        .arg(if quick {
            "cargo xtask bench --quick"
        } else {
            "cargo xtask bench"
        });
    if let Some(python) = python {
        bench.arg("--python").arg(python);
    }
    if quick {
        bench.arg("--quick");
    }
    if let Some(cases) = cases {
        bench.args(["--cases", cases]);
    }
    let status = bench
        .status()
        .map_err(|e| format!("could not run cg-bench: {e}"))?;
    Ok(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
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
