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

use clap::{Parser, Subcommand};

/// Project automation: code generation from spec/ and benchmarks.
#[derive(Debug, Parser)]
#[command(
    name = "xtask",
    bin_name = "cargo xtask",
    disable_help_subcommand = true
)]
struct Cli {
    #[command(subcommand)]
    command: Task,
}

/// The commands.
#[derive(Debug, Subcommand)]
enum Task {
    /// Generates everything derived from spec/: the cg-raw-* crates and cg-errors' codes.
    #[command(args_override_self = true)]
    Regen {
        /// Writes nothing: fails, naming the files, when a generated file differs from spec/.
        #[arg(long)]
        check: bool,
    },
    /// Builds in release and runs the benchmarks (cg-bench); results go to target/bench/.
    Bench(bench::BenchArgs),
}

fn main() -> ExitCode {
    // A usage error exits with 2 (clap's default), `--help` with 0.
    let cli = Cli::parse();
    let result = match cli.command {
        Task::Regen { check } => regen::run(&workspace_root(), check),
        Task::Bench(args) => bench::run(&workspace_root(), &args),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Task, clap::Error> {
        Cli::try_parse_from(std::iter::once("xtask").chain(args.iter().copied())).map(|c| c.command)
    }

    #[test]
    fn regen_and_its_check() {
        assert!(matches!(
            parse(&["regen"]),
            Ok(Task::Regen { check: false })
        ));
        assert!(matches!(
            parse(&["regen", "--check"]),
            Ok(Task::Regen { check: true })
        ));
    }

    #[test]
    fn bench_options() {
        let Ok(Task::Bench(args)) = parse(&["bench"]) else {
            panic!("bench alone parses");
        };
        assert!(!args.quick);
        assert_eq!(args.cases, None);

        let Ok(Task::Bench(args)) = parse(&["bench", "--quick", "--cases", "1,8"]) else {
            panic!("bench --quick --cases 1,8 parses");
        };
        assert!(args.quick);
        assert_eq!(args.cases, Some(vec![1, 8]));

        // Blanks around a number are allowed, as cg-bench allows them; the last list wins.
        let Ok(Task::Bench(args)) = parse(&["bench", "--cases", "3", "--cases", "4, 10"]) else {
            panic!("repeated --cases parses");
        };
        assert_eq!(args.cases, Some(vec![4, 10]));
        for bad in ["x", "1,,2", "300", ""] {
            assert!(
                parse(&["bench", "--cases", bad]).is_err(),
                "{bad:?} is not a case list"
            );
        }
    }

    #[test]
    fn usage_errors_exit_2() {
        for argv in [
            &[][..],
            &["regen", "--chek"],
            &["regen", "check"],
            &["bench", "--cases"],
            &["bench", "--sides", "facade"],
            &["build"],
            &["help"],
        ] {
            let err = parse(argv).expect_err(&format!("{argv:?} is refused"));
            assert_eq!(err.exit_code(), 2, "{argv:?}: {err}");
        }
        let help = parse(&["regen", "--help"]).expect_err("help is printed, not run");
        assert_eq!(help.exit_code(), 0);
    }

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
