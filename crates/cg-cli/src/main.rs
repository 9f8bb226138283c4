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
use crate::error::{CliError, EXIT_ERROR};
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
    // default handling. Everything else ends with exit code 5.
    let handles_interrupt = !matches!(cli.command, Command::Sandbox(_) | Command::Auth(_));
    let result = runtime.block_on(async {
        if !handles_interrupt {
            return commands::run(cli).await;
        }
        // Registered before the command starts, so no interrupt is missed. Dropping the
        // command's future runs its destructors (the sandbox stops, temporary files go).
        let interrupt = match interrupted() {
            Ok(signal) => signal,
            Err(e) => {
                tracing::debug!("no Ctrl-C handler: {e}");
                return commands::run(cli).await;
            }
        };
        tokio::select! {
            result = commands::run(cli) => result,
            () = interrupt => Err(CliError::Interrupted),
        }
    });
    // A prompt may still wait for a line on a blocking thread: do not wait for it.
    runtime.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // `cg ... | head` closes stdout early: not an error.
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            // At a terminal the line may follow a progress bar or a prompt: start a new one.
            if matches!(e, CliError::Interrupted)
                && std::io::IsTerminal::is_terminal(&std::io::stderr())
            {
                eprintln!();
            }
            eprintln!("error: {e}");
            e.exit_code()
        }
    }
}

/// A future that completes on SIGINT (Ctrl-C).
fn interrupted() -> std::io::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        let mut signal = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
        Ok(async move {
            signal.recv().await;
        })
    }
    #[cfg(not(unix))]
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
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
