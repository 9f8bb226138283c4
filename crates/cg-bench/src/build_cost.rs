//! Case 6: what a user pays to build: the whole facade against the floor of its
//! dependencies (an empty crate using reqwest, tokio and serde with the facade's
//! features, TLS included: rustls on ring, the default since aws-lc-rs, whose
//! aws-lc-sys builds C with cmake, cost 31 CPU s of 149). Each is a clean debug build
//! in its own target directory under `target/bench-build/`, run under `nice -n 19`.

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
fn tree_packages(root: &Path, package: &str) -> Result<BTreeSet<String>, String> {
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
    Ok(names)
}

struct Build {
    package: String,
    seconds: f64,
    cpu_seconds: f64,
    compiled: usize,
    tree: usize,
    aws_lc: bool,
    load_before: String,
    load_after: String,
}

/// The floor: an empty library using what the facade uses from these crates, with the
/// facade's features: the workspace's, plus its default TLS (reqwest's
/// `rustls-no-provider` and rustls on ring, as cg-auth's `rustls` feature).
fn floor_crate(root: &Path, name: &str) -> Result<std::path::PathBuf, String> {
    let dir = root
        .join("target")
        .join("bench-build")
        .join(format!("{name}-src"));
    std::fs::create_dir_all(dir.join("src")).map_err(|e| format!("{}: {e}", dir.display()))?;
    let manifest = format!(
        r#"[package]
name = "{name}"
version = "0.0.0"
edition = "2024"
publish = false

# Not a member of the workspace above it.
[workspace]

[dependencies]
reqwest = {{ version = "0.13", default-features = false, features = ["json", "query", "form", "multipart", "stream", "rustls-no-provider"] }}
rustls = {{ version = "0.23", default-features = false, features = ["ring", "std", "tls12"] }}
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"
tokio = {{ version = "1", features = ["macros", "rt-multi-thread", "sync", "time", "net", "signal", "fs", "io-util"] }}
"#
    );
    let write = |path: std::path::PathBuf, text: &str| {
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
    };
    write(dir.join("Cargo.toml"), &manifest)?;
    write(
        dir.join("src/lib.rs"),
        "//! The dependency floor of cg-facade.\npub use reqwest;\npub use rustls;\npub use serde;\npub use serde_json;\npub use tokio;\n",
    )?;
    // The workspace's versions, so both builds compile the same crates.
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"))
        .map_err(|e| format!("Cargo.lock: {e}"))?;
    Ok(dir)
}

/// `package` in the workspace, or the floor crate in `manifest_dir`.
fn clean_build(
    root: &Path,
    name: &str,
    package: &str,
    manifest_dir: Option<&Path>,
) -> Result<Build, String> {
    let dir = root.join("target").join("bench-build").join(name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let load_before = procfs::loadavg();
    let cpu0 = procfs::children_cpu();
    let t0 = Instant::now();
    // Lowest priority: the machine is shared; CPU time is what compares.
    let mut command = Command::new("nice");
    command
        .args(["-n", "19"])
        .arg(cargo())
        .current_dir(manifest_dir.unwrap_or(root))
        .env("CARGO_TARGET_DIR", &dir)
        .args(["build", "--offline", "--color", "never"]);
    if manifest_dir.is_none() {
        command.args(["-p", package]);
    }
    let output = command.output().map_err(|e| e.to_string())?;
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
    let tree = tree_packages(manifest_dir.unwrap_or(root), package)?;
    Ok(Build {
        package: package.to_owned(),
        seconds,
        cpu_seconds,
        compiled,
        tree: tree.len(),
        aws_lc: tree.iter().any(|p| p.starts_with("aws-lc-")),
        load_before,
        load_after: procfs::loadavg(),
    })
}

/// Case 6.
pub fn build_cost(root: &Path) -> Result<CaseOut, String> {
    // Absolute: the floor build runs in its own directory.
    let root = &std::path::absolute(root).map_err(|e| format!("{}: {e}", root.display()))?;
    let floor_dir = floor_crate(root, "floor")?;
    let mut builds = Vec::new();
    for (name, package, manifest) in [
        ("floor", "floor", Some(floor_dir.as_path())),
        ("facade", "cg-facade", None),
    ] {
        eprintln!("case 6: clean debug build of {package} (minutes)");
        let b = clean_build(root, name, package, manifest)?;
        eprintln!(
            "case 6: {package}: {:.0} s ({:.0} CPU s), {} crates compiled, load {} -> {}",
            b.seconds, b.cpu_seconds, b.compiled, b.load_before, b.load_after
        );
        builds.push(b);
    }
    let (floor, facade) = (&builds[0], &builds[1]);
    let rows = vec![
        Row::info(
            "clean debug build CPU s (cargo + rustc + build scripts): floor / cg-facade (all modules)",
            format!(
                "{:.0} / {:.0} ({:.2}x the floor)",
                floor.cpu_seconds,
                facade.cpu_seconds,
                facade.cpu_seconds / floor.cpu_seconds
            ),
        ),
        Row::info(
            "wall time of those builds (nice 19, shared machine)",
            format!(
                "{:.0} s / {:.0} s ({:.2}x)",
                floor.seconds,
                facade.seconds,
                facade.seconds / floor.seconds
            ),
        ),
        Row::info(
            "crates compiled (build dependencies and proc macros included): floor / facade",
            format!("{} / {}", floor.compiled, facade.compiled),
        ),
        Row::info(
            "packages in `cargo tree -e normal`: floor / facade",
            format!("{} / {}", floor.tree, facade.tree),
        ),
        Row::info(
            "aws-lc-rs in `cargo tree -e normal`: floor / facade (TLS is rustls on ring)",
            format!(
                "{} / {}",
                if floor.aws_lc { "yes" } else { "no" },
                if facade.aws_lc { "yes" } else { "no" }
            ),
        ),
        Row::info(
            "load average before each build (1, 5, 15 min)",
            format!("{} / {}", floor.load_before, facade.load_before),
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
                "aws_lc_in_tree": b.aws_lc,
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
            "profile": "dev (debug), default features, --offline, nice -n 19, separate CARGO_TARGET_DIR under target/bench-build/; the floor is a generated crate (reqwest with rustls-no-provider + rustls on ring, tokio, serde) with the workspace's Cargo.lock",
            "builds": details,
        }),
    })
}
