//! One file per command group; [`run`] dispatches.

mod errors;
mod lists;

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
        Command::Unsubscribes(cmd) => lists::unsubscribes(&connect(g, false).await?.client, cmd, &mut out).await?,
        Command::Bounces(cmd) => lists::bounces(&connect(g, false).await?.client, cmd, &mut out).await?,
        other => return Err(CliError::Usage(format!("{other:?}: not implemented yet"))),
    }
    out.finish()?;
    Ok(())
}
