//! One file per command group; [`run`] dispatches.

mod anonymize;
mod demo;
mod errors;
mod files;
mod hierarchy;
mod lists;
mod misc;
mod records;
mod responses;
mod transactions;

use clap::CommandFactory;

use crate::cli::{Cli, Command};
use crate::connect::connect;
use crate::error::CliError;
use crate::output::Printer;

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    let g = &cli.global;
    let mut out = Printer::stdout(g.output);
    match cli.command {
        Command::Errors(cmd) => errors::run(cmd, &mut out)?,
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "cg", &mut std::io::stdout());
        }
        Command::Demo(args) => {
            let conn = connect(g, true).await?;
            demo::run(&conn, args, &mut out).await?;
        }
        command => {
            // Every other command talks to the service (or the sandbox, kept alive here).
            let conn = connect(g, false).await?;
            let client = &conn.client;
            match command {
                Command::Records(cmd) => records::run(&conn, cmd, &mut out).await?,
                Command::Accounts(cmd) => records::accounts(client, cmd, &mut out).await?,
                Command::Unsubscribes(cmd) => lists::unsubscribes(client, cmd, &mut out).await?,
                Command::Bounces(cmd) => lists::bounces(client, cmd, &mut out).await?,
                Command::Anonymize(cmd) => anonymize::run(client, cmd, &mut out).await?,
                Command::Hierarchy(cmd) => hierarchy::run(client, cmd, &mut out).await?,
                Command::Workflow(cmd) => misc::workflow(client, cmd, &mut out).await?,
                Command::Reasons(cmd) => misc::reasons(client, cmd, &mut out).await?,
                Command::Report(cmd) => misc::report(client, cmd, &mut out).await?,
                Command::Revenue(cmd) => files::revenue(client, cmd, &mut out).await?,
                Command::Files(cmd) => files::files(client, cmd, &mut out).await?,
                Command::Transactions(cmd) => transactions::run(client, cmd, &mut out).await?,
                Command::Responses(cmd) => responses::run(client, cmd).await?,
                other => return Err(CliError::Usage(format!("{other:?}: not implemented yet"))),
            }
        }
    }
    out.finish()?;
    Ok(())
}
