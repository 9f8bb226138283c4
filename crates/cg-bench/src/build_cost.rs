//! Case 6: what a user pays to build: the whole facade against the floor of its
//! dependencies (an empty crate using reqwest, tokio and serde with the facade's
//! features), and that floor again with rustls on ring instead of aws-lc-rs (whose
//! aws-lc-sys builds C with cmake). Each is a clean debug build in its own target
//! directory under `target/bench-build/`, run under `nice -n 19`.

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
    package: String,
    seconds: f64,
    cpu_seconds: f64,
    compiled: usize,
    tree: usize,
    load_before: String,
    load_after: String,
}

/// The floor: an empty library using what the facade uses from these crates, with the
/// facade's features (the workspace's, plus the TLS backend of `tls`).
fn floor_crate(root: &Path, name: &str, tls: Tls) -> Result<std::path::PathBuf, String> {
    let dir = root
        .join("target")
        .join("bench-build")
        .join(format!("{name}-src"));
    std::fs::create_dir_all(dir.join("src")).map_err(|e| format!("{}: {e}", dir.display()))?;
    let (reqwest_tls, rustls) = match tls {
        Tls::AwsLc => (r#""rustls""#, ""),
        Tls::Ring => (
            r#""rustls-no-provider""#,
            "rustls = { version = \"0.23\", default-features = false, features = [\"ring\", \"std\", \"tls12\"] }\n",
        ),
    };
    let manifest = format!(
        r#"[package]
name = "{name}"
version = "0.0.0"
edition = "2024"
publish = false

# Not a member of the workspace above it.
[workspace]

[dependencies]
reqwest = {{ version = "0.13", default-features = false, features = ["json", "query", "form", "multipart", "stream", {reqwest_tls}] }}
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"
tokio = {{ version = "1", features = ["macros", "rt-multi-thread", "sync", "time", "net", "signal", "fs", "io-util"] }}
{rustls}"#
    );
    let write = |path: std::path::PathBuf, text: &str| {
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
    };
    write(dir.join("Cargo.toml"), &manifest)?;
    write(
        dir.join("src/lib.rs"),
        "//! The dependency floor of cg-facade.\npub use reqwest;\npub use serde;\npub use serde_json;\npub use tokio;\n",
    )?;
    // The workspace's versions, so both builds compile the same crates.
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"))
        .map_err(|e| format!("Cargo.lock: {e}"))?;
    Ok(dir)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tls {
    AwsLc,
    Ring,
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
    Ok(Build {
        package: package.to_owned(),
        seconds,
        cpu_seconds,
        compiled,
        tree: tree_count(manifest_dir.unwrap_or(root), package)?,
        load_before,
        load_after: procfs::loadavg(),
    })
}

/// Case 6.
pub fn build_cost(root: &Path) -> Result<CaseOut, String> {
    // Absolute: the floor builds run in their own directories.
    let root = &std::path::absolute(root).map_err(|e| format!("{}: {e}", root.display()))?;
    let floor_aws = floor_crate(root, "floor-aws-lc", Tls::AwsLc)?;
    let floor_ring = floor_crate(root, "floor-ring", Tls::Ring)?;
    let mut builds = Vec::new();
    for (name, package, manifest) in [
        ("floor-aws-lc", "floor-aws-lc", Some(floor_aws.as_path())),
        ("facade", "cg-facade", None),
        ("floor-ring", "floor-ring", Some(floor_ring.as_path())),
    ] {
        eprintln!("case 6: clean debug build of {package} (minutes)");
        let b = clean_build(root, name, package, manifest)?;
        eprintln!(
            "case 6: {package}: {:.0} s ({:.0} CPU s), {} crates compiled, load {} -> {}",
            b.seconds, b.cpu_seconds, b.compiled, b.load_before, b.load_after
        );
        builds.push(b);
    }
    let (floor, facade, ring) = (&builds[0], &builds[1], &builds[2]);
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
            "floor with rustls on ring instead of aws-lc-rs: CPU s (share of the aws-lc floor)",
            format!(
                "{:.0} ({:.2}x; aws-lc-rs costs {:.0} CPU s more)",
                ring.cpu_seconds,
                ring.cpu_seconds / floor.cpu_seconds,
                floor.cpu_seconds - ring.cpu_seconds
            ),
        ),
        Row::info(
            "crates compiled (build dependencies and proc macros included): floor / facade / floor on ring",
            format!(
                "{} / {} / {}",
                floor.compiled, facade.compiled, ring.compiled
            ),
        ),
        Row::info(
            "packages in `cargo tree -e normal`: floor / facade / floor on ring",
            format!("{} / {} / {}", floor.tree, facade.tree, ring.tree),
        ),
        Row::info(
            "load average before each build (1, 5, 15 min)",
            format!(
                "{} / {} / {}",
                floor.load_before, facade.load_before, ring.load_before
            ),
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
            "profile": "dev (debug), default features, --offline, nice -n 19, separate CARGO_TARGET_DIR under target/bench-build/; floors are generated crates with the workspace's Cargo.lock",
            "builds": details,
        }),
    })
}
