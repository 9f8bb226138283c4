//! One file per command group; [`run`] dispatches.

mod activities;
mod anonymize;
mod auth;
mod close_loop;
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

pub use activities::ActivitiesCommand;
pub use close_loop::CloseLoopCommand;

use clap::CommandFactory;
use futures::{Stream, StreamExt};

use crate::cli::{Cli, Command, Limit, OutputFormat};
use crate::connect::connect;
use crate::error::CliError;
use crate::output::{Listed, Printer};

/// Prints a listing's items as rows, `--limit` of them at most: the stream is dropped
/// after the last one taken, so no further page is fetched.
pub async fn print_stream<T: Listed, E>(
    items: impl Stream<Item = Result<T, E>>,
    limit: Limit,
    out: &mut Printer,
) -> Result<(), CliError>
where
    CliError: From<E>,
{
    let mut items = Box::pin(items.take(limit.count()));
    while let Some(item) = items.next().await {
        out.item(&item?)?;
    }
    Ok(())
}

/// Prints the items of a listing that arrives whole, `--limit` of them at most.
pub fn print_all<T: Listed>(
    items: impl IntoIterator<Item = T>,
    limit: Limit,
    out: &mut Printer,
) -> Result<(), CliError> {
    for item in items.into_iter().take(limit.count()) {
        out.item(&item)?;
    }
    Ok(())
}

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    let mut out = Printer::stdout(cli.global.output_or(OutputFormat::Table));
    let result = dispatch(cli, &mut out).await;
    // Rows printed before a failure are shown too (a table holds its first rows back).
    let finished = out.finish();
    result?;
    Ok(finished?)
}

async fn dispatch(cli: Cli, out: &mut Printer) -> Result<(), CliError> {
    let g = &cli.global;
    if matches!(g.output, Some(OutputFormat::Parquet | OutputFormat::Singer))
        && !matches!(cli.command, Command::Export(_))
    {
        return Err(CliError::Usage(
            "-o parquet and -o singer are for cg export only".into(),
        ));
    }
    match cli.command {
        Command::Errors(cmd) => errors::run(cmd, out)?,
        Command::Completions { shell } => {
            // Into a buffer first: clap_complete panics on a closed stdout (`| head`).
            let mut text = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "cg", &mut text);
            std::io::Write::write_all(&mut std::io::stdout(), &text)?;
        }
        Command::Sandbox(cmd) => sandbox::run(cmd).await?,
        Command::Auth(cmd) => auth::run(g, cmd, out).await?,
        Command::Demo(args) => {
            let conn = connect(g, true).await?;
            demo::run(&conn, args, out).await?;
        }
        // The rest talk to the service (or the sandbox, kept alive until the arm ends).
        Command::Records(cmd) => records::run(&connect(g, false).await?, cmd, out).await?,
        Command::Accounts(cmd) => {
            records::accounts(&connect(g, false).await?.client, cmd, out).await?
        }
        Command::Unsubscribes(cmd) => {
            lists::unsubscribes(&connect(g, false).await?.client, cmd, out).await?
        }
        Command::Bounces(cmd) => lists::bounces(&connect(g, false).await?.client, cmd, out).await?,
        Command::Anonymize(cmd) => {
            anonymize::run(&connect(g, false).await?.client, cmd, out).await?
        }
        Command::Hierarchy(cmd) => {
            hierarchy::run(&connect(g, false).await?.client, cmd, out).await?
        }
        Command::Workflow(cmd) => {
            misc::workflow(&connect(g, false).await?.client, cmd, out).await?
        }
        Command::CloseLoop(cmd) => {
            close_loop::run(&connect(g, false).await?.client, cmd, out).await?
        }
        Command::Activities(cmd) => {
            activities::run(&connect(g, false).await?.client, cmd, out).await?
        }
        Command::Reasons(cmd) => misc::reasons(&connect(g, false).await?.client, cmd, out).await?,
        Command::Report(cmd) => misc::report(&connect(g, false).await?.client, cmd, out).await?,
        Command::Revenue(cmd) => files::revenue(&connect(g, false).await?.client, cmd, out).await?,
        Command::Files(cmd) => files::files(&connect(g, false).await?.client, cmd, out).await?,
        Command::Transactions(cmd) => {
            transactions::run(&connect(g, false).await?.client, cmd, out).await?
        }
        Command::Responses(cmd) => {
            // JSON lines unless -o says otherwise: a response's lists do not fit a table.
            let mut out = Printer::stdout(g.output_or(OutputFormat::Json));
            responses::run(&connect(g, false).await?.client, cmd, &mut out).await?;
            out.finish()?;
        }
        Command::Export(cmd) => {
            let output = g.output_or(OutputFormat::Json);
            export::run(&connect(g, false).await?.client, output, cmd).await?
        }
    }
    Ok(())
}
