//! One file per command group; [`run`] dispatches.

mod anonymize;
mod demo;
mod errors;
pub mod export;
mod files;
mod hierarchy;
mod lists;
mod misc;
mod records;
mod responses;
mod sandbox;
mod transactions;

use clap::CommandFactory;

use crate::cli::{Cli, Command, OutputFormat};
use crate::connect::connect;
use crate::error::CliError;
use crate::output::Printer;

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    let g = &cli.global;
    if matches!(g.output, OutputFormat::Parquet | OutputFormat::Singer)
        && !matches!(cli.command, Command::Export(_))
    {
        return Err(CliError::Usage(
            "-o parquet and -o singer are for cg export only".into(),
        ));
    }
    let mut out = Printer::stdout(g.output);
    match cli.command {
        Command::Errors(cmd) => errors::run(cmd, &mut out)?,
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "cg", &mut std::io::stdout());
        }
        Command::Sandbox(cmd) => sandbox::run(cmd).await?,
        Command::Demo(args) => {
            let conn = connect(g, true).await?;
            demo::run(&conn, args, &mut out).await?;
        }
        // The rest talk to the service (or the sandbox, kept alive until the arm ends).
        Command::Records(cmd) => records::run(&connect(g, false).await?, cmd, &mut out).await?,
        Command::Accounts(cmd) => {
            records::accounts(&connect(g, false).await?.client, cmd, &mut out).await?
        }
        Command::Unsubscribes(cmd) => {
            lists::unsubscribes(&connect(g, false).await?.client, cmd, &mut out).await?
        }
        Command::Bounces(cmd) => {
            lists::bounces(&connect(g, false).await?.client, cmd, &mut out).await?
        }
        Command::Anonymize(cmd) => {
            anonymize::run(&connect(g, false).await?.client, cmd, &mut out).await?
        }
        Command::Hierarchy(cmd) => {
            hierarchy::run(&connect(g, false).await?.client, cmd, &mut out).await?
        }
        Command::Workflow(cmd) => {
            misc::workflow(&connect(g, false).await?.client, cmd, &mut out).await?
        }
        Command::Reasons(cmd) => {
            misc::reasons(&connect(g, false).await?.client, cmd, &mut out).await?
        }
        Command::Report(cmd) => {
            misc::report(&connect(g, false).await?.client, cmd, &mut out).await?
        }
        Command::Revenue(cmd) => {
            files::revenue(&connect(g, false).await?.client, cmd, &mut out).await?
        }
        Command::Files(cmd) => {
            files::files(&connect(g, false).await?.client, cmd, &mut out).await?
        }
        Command::Transactions(cmd) => {
            transactions::run(&connect(g, false).await?.client, cmd, &mut out).await?
        }
        Command::Responses(cmd) => responses::run(&connect(g, false).await?.client, cmd).await?,
        Command::Export(cmd) => {
            export::run(&connect(g, false).await?.client, g.output, cmd).await?
        }
    }
    out.finish()?;
    Ok(())
}
