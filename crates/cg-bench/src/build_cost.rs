//! Case 6: what a user pays to build: one raw crate (with cg-auth) vs the whole facade,
//! each a clean debug build in its own target directory under `target/bench-build/`.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use serde_json::{Value, json};

use crate::procfs;
use crate::report::{CaseOut, Row};

fn cargo() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// Distinct packages in `cargo tree -e normal` of `package` (itself included).
fn tree_count(root: &Path, package: &str) -> Result<usize, String> {
    let output = Command::new(cargo())
        .current_dir(root)
        .args([
            "tree",
            "--offline",
            "-e",
            "normal",
            "--prefix",
            "none",
            "-p",
            package,
        ])
        .output()
        .map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).trim().to_owned());
    }
    let names: BTreeSet<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| l.trim_end_matches(" (*)").trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect();
    Ok(names.len())
}

struct Build {
    package: &'static str,
    seconds: f64,
    cpu_seconds: f64,
    compiled: usize,
    tree: usize,
    load_before: String,
    load_after: String,
}

fn clean_build(root: &Path, name: &str, package: &'static str) -> Result<Build, String> {
    let dir = root.join("target").join("bench-build").join(name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let load_before = procfs::loadavg();
    let cpu0 = procfs::children_cpu();
    let t0 = Instant::now();
    let output = Command::new(cargo())
        .current_dir(root)
        .env("CARGO_TARGET_DIR", &dir)
        .args(["build", "--offline", "--color", "never", "-p", package])
        .output()
        .map_err(|e| e.to_string())?;
    let seconds = t0.elapsed().as_secs_f64();
    let cpu_seconds = procfs::children_cpu() - cpu0;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!("cargo build -p {package}: {}", stderr.trim()));
    }
    let compiled = stderr
        .lines()
        .filter(|l| l.trim_start().starts_with("Compiling "))
        .count();
    Ok(Build {
        package,
        seconds,
        cpu_seconds,
        compiled,
        tree: tree_count(root, package)?,
        load_before,
        load_after: procfs::loadavg(),
    })
}

/// Case 6.
pub fn build_cost(root: &Path) -> Result<CaseOut, String> {
    let mut builds = Vec::new();
    for (name, package) in [("raw", "cg-raw-imports"), ("facade", "cg-facade")] {
        eprintln!("case 6: clean debug build of {package} (minutes)");
        let b = clean_build(root, name, package)?;
        eprintln!(
            "case 6: {package}: {:.0} s ({:.0} CPU s), {} crates compiled, load {} -> {}",
            b.seconds, b.cpu_seconds, b.compiled, b.load_before, b.load_after
        );
        builds.push(b);
    }
    let (raw, facade) = (&builds[0], &builds[1]);
    let rows = vec![
        Row::info(
            "clean debug build: cg-raw-imports (+ cg-auth) / cg-facade (all modules)",
            format!(
                "{:.0} s / {:.0} s ({:.2}x)",
                raw.seconds,
                facade.seconds,
                facade.seconds / raw.seconds
            ),
        ),
        Row::info(
            "CPU time of those builds (cargo and rustc; steadier than wall time on a shared machine)",
            format!(
                "{:.0} s / {:.0} s ({:.2}x)",
                raw.cpu_seconds,
                facade.cpu_seconds,
                facade.cpu_seconds / raw.cpu_seconds
            ),
        ),
        Row::info(
            "crates compiled (build dependencies and proc macros included)",
            format!("{} / {}", raw.compiled, facade.compiled),
        ),
        Row::info(
            "packages in `cargo tree -e normal` (itself included)",
            format!("{} / {}", raw.tree, facade.tree),
        ),
        Row::info(
            "load average before each build (1, 5, 15 min)",
            format!("{} / {}", raw.load_before, facade.load_before),
        ),
    ];
    let details: Vec<Value> = builds
        .iter()
        .map(|b| {
            json!({
                "package": b.package,
                "seconds": b.seconds,
                "cpu_seconds": b.cpu_seconds,
                "crates_compiled": b.compiled,
                "cargo_tree_normal_packages": b.tree,
                "loadavg_before": b.load_before,
                "loadavg_after": b.load_after,
            })
        })
        .collect();
    Ok(CaseOut {
        id: 6,
        title: "build cost",
        rows,
        details: json!({
            "profile": "dev (debug), default features, --offline, separate CARGO_TARGET_DIR under target/bench-build/",
            "builds": details,
        }),
    })
}
