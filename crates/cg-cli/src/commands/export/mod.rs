//! `cg export responses|non-responses|close-loop`: incremental, resumable export of the
//! v7 sync streams (art 5000875861, 5000877703, 5000880297).
//!
//! Each run reads the stream's stored cursor from `--state`, exports what came after
//! it page by page, and stores the cursor after a page only once that page's rows are
//! written: flushed on stdout (a kill repeats at most the last page), or in a
//! completed, renamed part of `--out-dir` (a kill repeats nothing: the part is written
//! again under the same name).
//!
//! How the two survey streams relate: a survey that was not answered is exported as a
//! non-response; when it is answered later it is exported again, in the responses
//! stream, with the same `number_customergauge`. A table of every survey is the
//! non-responses whose number is not among the responses, plus the responses.

mod args;
mod cursor;
mod dir;
mod encode;
#[cfg(feature = "parquet")]
mod parquet;
mod row;
mod state;

use std::collections::HashSet;
use std::io::{BufWriter, IsTerminal, Write};
use std::time::Instant;

use cg_facade::Client;
use cg_facade::modules::checkpoint::{Checkpoint, Token};
use cg_facade::modules::responses::With;
use futures::StreamExt;
use futures::stream::BoxStream;
use indicatif::ProgressBar;

use args::ExportArgs;
pub use args::ExportCommand;
use row::Row;

use crate::cli::OutputFormat;
use crate::error::CliError;
use encode::{Encoder, Format, Stream};
use state::{Account, StreamState};

/// Where the rows go.
enum Sink {
    Stdout(Box<Encoder<BufWriter<std::io::Stdout>>>),
    Dir(dir::DirSink),
}

fn format_of(output: OutputFormat, to_dir: bool) -> Result<Format, CliError> {
    Ok(match output {
        // The table layout is for listings; exports default to JSON lines.
        OutputFormat::Table | OutputFormat::Json => Format::Jsonl,
        OutputFormat::Csv => Format::Csv,
        #[cfg(feature = "parquet")]
        OutputFormat::Parquet if to_dir => Format::Parquet,
        #[cfg(feature = "parquet")]
        OutputFormat::Parquet => {
            return Err(CliError::Usage(
                "-o parquet writes files: give --out-dir DIR".into(),
            ));
        }
        #[cfg(not(feature = "parquet"))]
        OutputFormat::Parquet => {
            return Err(CliError::Usage(
                "-o parquet: this cg was built without the `parquet` feature".into(),
            ));
        }
        OutputFormat::Singer if to_dir => {
            return Err(CliError::Usage(
                "-o singer writes messages to stdout: drop --out-dir".into(),
            ));
        }
        OutputFormat::Singer => Format::Singer,
    })
}

/// Runs `cg export ...`.
pub async fn run(
    client: &Client,
    output: OutputFormat,
    cmd: ExportCommand,
) -> Result<(), CliError> {
    let (name, args, kind) = match cmd {
        ExportCommand::Responses(a) => ("responses", a, Kind::Responses),
        ExportCommand::NonResponses(a) => ("non-responses", a, Kind::NonResponses),
        ExportCommand::CloseLoop(a) => ("close-loop", a, Kind::CloseLoop),
    };
    let columns = match kind {
        Kind::CloseLoop => row::CASE_COLUMNS,
        Kind::Responses | Kind::NonResponses => row::SURVEY_COLUMNS,
    };
    let format = format_of(output, args.out_dir.is_some())?;
    if let Some(field) = &args.partition_by
        && !columns
            .iter()
            .any(|c| c.name == field && row::full_value_column(field).is_some())
    {
        let dates: Vec<&str> = columns
            .iter()
            .filter(|c| row::full_value_column(c.name).is_some())
            .map(|c| c.name)
            .collect();
        return Err(CliError::Usage(format!(
            "--partition-by {field}: not a date field of {name}; one of {}",
            dates.join(", ")
        )));
    }
    let account = Account {
        api_url: client.endpoints().api_base_url().to_owned(),
        client_id: client
            .authenticator()
            .credentials()
            .client_id()
            .unwrap_or_default()
            .to_owned(),
    };
    // Everything is checked before anything is written.
    let mut state = match &args.state {
        Some(path) => StreamState::load(path, name, account)?,
        None => StreamState::none(name, account),
    };
    let stream = Stream {
        name,
        columns: columns.to_vec(),
    };
    let mut sink = match &args.out_dir {
        Some(root) => Sink::Dir(dir::DirSink::new(
            root.clone(),
            format,
            stream,
            args.partition_by.clone(),
            args.part_rows,
        )?),
        None => Sink::Stdout(Box::new(Encoder::open(
            format,
            &stream,
            BufWriter::with_capacity(1 << 16, std::io::stdout()),
        )?)),
    };
    let singer = format == Format::Singer;

    let mut pages = pages(client, kind, &args, state.cursor.clone());
    let progress = Progress::new();
    let mut seen = HashSet::new();
    let mut pending: Option<Option<Token>> = None;
    while let Some(page) = pages.next().await {
        let RowPage {
            mut rows,
            from,
            resume,
        } = page?;
        if args.dedupe {
            row::dedupe(&mut rows, &mut seen);
        }
        progress.page(rows.len());
        let durable = match &mut sink {
            Sink::Stdout(enc) => {
                enc.rows(columns, &rows)?;
                enc.flush()?;
                true
            }
            Sink::Dir(d) => d.page(from.as_ref().map(cursor::text).as_deref(), &rows)?,
        };
        pending = Some(resume.clone());
        if durable {
            commit(&mut sink, &mut state, singer, resume.as_ref())?;
            pending = None;
        }
    }
    if let Sink::Dir(d) = &mut sink {
        d.close_part()?;
    }
    if let Some(resume) = pending {
        commit(&mut sink, &mut state, singer, resume.as_ref())?;
    }
    if let Sink::Stdout(enc) = sink {
        enc.finish()?;
    }
    progress.finish(name);
    Ok(())
}

/// Which stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Responses,
    NonResponses,
    CloseLoop,
}

/// A page as rows, with the cursor it was asked with and the one to resume from.
struct RowPage {
    rows: Vec<Row>,
    from: Option<Token>,
    resume: Option<Token>,
}

fn as_rows<T: Send + 'static>(
    pages: BoxStream<'static, cg_facade::Result<Checkpoint<T>>>,
    to_row: fn(T) -> Row,
) -> BoxStream<'static, cg_facade::Result<RowPage>> {
    pages
        .map(move |page| {
            page.map(|p| RowPage {
                rows: p.items.into_iter().map(to_row).collect(),
                from: p.from,
                resume: p.resume,
            })
        })
        .boxed()
}

/// The checkpointed pages of the stream from `from` on.
fn pages(
    client: &Client,
    kind: Kind,
    args: &ExportArgs,
    from: Option<Token>,
) -> BoxStream<'static, cg_facade::Result<RowPage>> {
    if kind == Kind::CloseLoop {
        let mut list = client.close_loop().cases().per_page(args.per_page);
        if let Some(d) = args.since {
            list = list.since(d);
        }
        if let Some(d) = args.until {
            list = list.until(d);
        }
        return as_rows(list.checkpoints(from), row::case_row);
    }
    let (export, with): (_, &[With]) = if kind == Kind::Responses {
        (
            client.responses().export(),
            &[With::Properties, With::Drivers, With::Tags, With::Questions],
        )
    } else {
        // Non-responses expand with segment data only (art 5000877703).
        (
            client.responses().export_non_responses(),
            &[With::Properties],
        )
    };
    let mut export = export.with(with).per_page(args.per_page);
    if let Some(d) = args.since {
        export = export.since(d);
    }
    if let Some(d) = args.until {
        export = export.until(d);
    }
    as_rows(export.checkpoints(from), row::survey_row)
}

/// Stores the cursor once the rows before it are written: in the state file, or as a
/// Singer STATE message (Meltano keeps it and hands it back with `--state`).
fn commit(
    sink: &mut Sink,
    state: &mut StreamState,
    singer: bool,
    at: Option<&Token>,
) -> Result<(), CliError> {
    if singer {
        let value = state.value_at(at);
        if let Sink::Stdout(enc) = sink {
            enc.state(value)?;
            enc.flush()?;
        }
        return Ok(());
    }
    state.store(at)
}

/// Pages, rows and rate on stderr, on a terminal only.
struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
    pages: std::cell::Cell<u64>,
    rows: std::cell::Cell<u64>,
}

impl Progress {
    fn new() -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_message("exporting");
            bar
        });
        Progress {
            bar,
            started: Instant::now(),
            pages: 0.into(),
            rows: 0.into(),
        }
    }

    fn rate(&self) -> f64 {
        self.rows.get() as f64 / self.started.elapsed().as_secs_f64().max(1e-3)
    }

    fn page(&self, rows: usize) {
        self.pages.set(self.pages.get() + 1);
        self.rows.set(self.rows.get() + rows as u64);
        if let Some(bar) = &self.bar {
            bar.set_message(format!(
                "{} page(s), {} row(s), {:.0} rows/s",
                self.pages.get(),
                self.rows.get(),
                self.rate()
            ));
            bar.tick();
        }
    }

    fn finish(&self, name: &str) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
            let mut err = std::io::stderr();
            let _ = writeln!(
                err,
                "{name}: {} row(s) in {} page(s), {:.0} rows/s",
                self.rows.get(),
                self.pages.get(),
                self.rate()
            );
        }
    }
}
