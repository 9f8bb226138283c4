//! `cg`: the CustomerGauge command-line tool.
#![forbid(unsafe_code)]

mod cli;
mod commands;
mod connect;
mod error;
mod output;
mod profile;
mod settings;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use crate::cli::{Cli, Command};
use crate::error::{EXIT_ERROR, EXIT_INTERRUPTED};
use crate::settings::Given;

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let mut cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    cli.global.given = Given::from_matches(&matches);
    init_tracing(cli.global.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    // `sandbox serve` stops on Ctrl-C by design, and `auth login` prompts: they keep the
    // default handling. Everything else exits 5.
    let handles_interrupt = !matches!(cli.command, Command::Sandbox(_) | Command::Auth(_));
    if handles_interrupt && let Err(e) = exit_on_interrupt(&runtime) {
        tracing::debug!("no Ctrl-C handler: {e}");
    }
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        // `cg ... | head` closes stdout early: not an error.
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
    }
}

/// On SIGINT: one line and exit code 5. The handler is installed before the command starts
/// (so no interrupt is missed) and runs on a worker thread (so it works while the main
/// thread waits on a prompt).
fn exit_on_interrupt(runtime: &tokio::runtime::Runtime) -> std::io::Result<()> {
    let _entered = runtime.enter();
    #[cfg(unix)]
    {
        let mut interrupt =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
        runtime.spawn(async move {
            if interrupt.recv().await.is_some() {
                interrupted();
            }
        });
    }
    #[cfg(not(unix))]
    runtime.spawn(async {
        if tokio::signal::ctrl_c().await.is_ok() {
            interrupted();
        }
    });
    Ok(())
}

fn interrupted() -> ! {
    // At a terminal the line may follow a progress bar or a prompt: start a new one.
    let newline = if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        "\n"
    } else {
        ""
    };
    eprintln!("{newline}error: interrupted");
    std::process::exit(i32::from(EXIT_INTERRUPTED))
}

/// `-v` info, `-vv` debug, `-vvv` trace, to stderr; `RUST_LOG` wins when set.
fn init_tracing(verbose: u8) {
    let level = match verbose {
        0 => return,
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(output::colour_on_stderr())
        .init();
}
