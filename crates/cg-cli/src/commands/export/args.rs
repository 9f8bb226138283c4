//! `cg export ...`: the clap types of the incremental export.

use std::path::PathBuf;

use clap::{Args, Subcommand};

/// `cg export responses|non-responses|close-loop`.
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Answered surveys, oldest first.
    Responses(ExportArgs),
    /// Surveys sent but not (yet) answered, oldest first. A non-response that is
    /// answered later shows up in the responses stream with the same
    /// number_customergauge; it stays in this stream as it was exported.
    NonResponses(ExportArgs),
    /// Close-the-loop cases: the latest state of each case updated (art 5000880297).
    CloseLoop(ExportArgs),
}

/// Options of every exported stream.
///
/// Output: `-o json` (JSON lines, the default here), `-o csv`, `-o parquet` (needs
/// --out-dir) or `-o singer` (SCHEMA, RECORD and STATE messages on stdout).
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The state file: read the stored cursor of this stream from it, and store the
    /// new one only after the rows it covers are written. Same format as Singer state
    /// (`{"bookmarks": {stream: {"cursor": ..}}}`); with `-o singer` it is read only
    /// and the state goes out as STATE messages.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Write files into this directory instead of stdout, each part named by the
    /// cursor it starts from, so a re-run after a crash replaces it.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// With --out-dir: Hive-style subdirectories by the day of this date field
    /// (DIR/FIELD=YYYY-MM-DD/part-...).
    #[arg(long, value_name = "FIELD", requires = "out_dir")]
    pub partition_by: Option<String>,
    /// With --out-dir: start a new part after this many rows (a part ends on a page boundary).
    #[arg(long, value_name = "ROWS", default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub part_rows: u64,
    /// Items per page asked of the service, 1 to 1000.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub per_page: u32,
    /// Write each number_customergauge once per run (a record seen again on a later
    /// page is skipped).
    #[arg(long)]
    pub dedupe: bool,
    /// Only items from this day on (YYYY-MM-DD): surveys created, cases updated.
    #[arg(long)]
    pub since: Option<chrono::NaiveDate>,
    /// Only items up to this day (YYYY-MM-DD).
    #[arg(long)]
    pub until: Option<chrono::NaiveDate>,
}
