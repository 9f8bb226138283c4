//! `cargo xtask <command>`: code generation from `spec/` and project chores.
#![forbid(unsafe_code)]

mod adapt;
mod bench;
mod codes;
mod common;
mod format;
mod raw;
mod regen;
mod template;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str =
    "usage: cargo xtask regen [--check]\n       cargo xtask bench [--quick] [--cases 1,2,..]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("regen") => {
            let check = match args.get(1).map(String::as_str) {
                None => false,
                Some("--check") => true,
                Some(other) => {
                    eprintln!("unknown option {other:?}\n{USAGE}");
                    return ExitCode::from(2);
                }
            };
            regen::run(&workspace_root(), check)
        }
        Some("bench") => bench::run(&workspace_root(), &args[1..]),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: xtask's manifest lives one level below it. `XTASK_ROOT`
/// points it at a copy instead (xtask's own tests regenerate a scratch tree).
fn workspace_root() -> PathBuf {
    if let Some(root) = std::env::var_os("XTASK_ROOT") {
        return PathBuf::from(root);
    }
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}
