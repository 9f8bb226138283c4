//! The command line, as clap types.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// `cg`: send surveys, keep lists and pull data from CustomerGauge.
///
/// Credentials come from the options below or the CG_* environment variables; with
/// `--sandbox` (or no credentials at all for `cg demo`) everything runs against an
/// embedded emulator with demo data.
#[derive(Debug, Parser)]
#[command(name = "cg", version, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// Region: eu, us or au.
    #[arg(long, global = true, env = "CG_REGION")]
    pub region: Option<String>,
    /// OAuth2 client id.
    #[arg(long, global = true, env = "CG_CLIENT_ID")]
    pub client_id: Option<String>,
    /// OAuth2 client secret (prefer the environment or --client-secret-stdin).
    #[arg(long, global = true, env = "CG_CLIENT_SECRET", hide_env_values = true)]
    pub client_secret: Option<String>,
    /// Read the client secret from stdin (not echoed on a terminal).
    #[arg(long, global = true)]
    pub client_secret_stdin: bool,
    /// v4.1 API key.
    #[arg(long, global = true, env = "CG_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
    /// Override the API base URL.
    #[arg(long, global = true, env = "CG_API_URL")]
    pub api_url: Option<String>,
    /// Override the imports base URL.
    #[arg(long, global = true, env = "CG_IMPORTS_URL")]
    pub imports_url: Option<String>,
    /// Override the OAuth2 base URL.
    #[arg(long, global = true, env = "CG_AUTH_URL")]
    pub auth_url: Option<String>,
    /// Wire format of v4.1 answers.
    #[arg(long, global = true, value_enum, default_value_t = WireFormat::Json)]
    pub format: WireFormat,
    /// How results are printed: an aligned table, JSON lines, or CSV.
    #[arg(long, short = 'o', global = true, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
    /// Start the embedded sandbox with demo data and point everything at it.
    #[arg(long, global = true)]
    pub sandbox: bool,
    /// Tracing to stderr (-v info, -vv debug, -vvv trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// The wire format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum WireFormat {
    /// JSON.
    Json,
    /// XML.
    Xml,
}

/// The output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Aligned columns for people.
    Table,
    /// One JSON object per line.
    Json,
    /// CSV with a header row.
    Csv,
    /// Parquet files (`cg export` with --out-dir only).
    Parquet,
    /// Singer SCHEMA, RECORD and STATE messages (`cg export` only).
    Singer,
}

/// The command groups, one per API module.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// The main job: import the sample contacts into the sandbox (or your account) and list what arrived.
    Demo(DemoArgs),
    /// Import contacts and send surveys (PUT /records/).
    #[command(subcommand)]
    Records(RecordsCommand),
    /// Create or update accounts.
    #[command(subcommand)]
    Accounts(AccountsCommand),
    /// The unsubscribe list.
    #[command(subcommand)]
    Unsubscribes(UnsubscribesCommand),
    /// The bounce list.
    #[command(subcommand)]
    Bounces(BouncesCommand),
    /// GDPR anonymization.
    #[command(subcommand)]
    Anonymize(AnonymizeCommand),
    /// The division hierarchy.
    #[command(subcommand)]
    Hierarchy(HierarchyCommand),
    /// Revenue file uploads.
    #[command(subcommand)]
    Revenue(RevenueCommand),
    /// Contact, historical and transactional file uploads.
    #[command(subcommand)]
    Files(FilesCommand),
    /// Survey transactions (v4.1, deprecated upstream).
    #[command(subcommand)]
    Transactions(TransactionsCommand),
    /// Close-loop workflow.
    #[command(subcommand)]
    Workflow(WorkflowCommand),
    /// Reason codes.
    #[command(subcommand)]
    Reasons(ReasonsCommand),
    /// Reports.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Survey responses (v7 export).
    #[command(subcommand)]
    Responses(ResponsesCommand),
    /// Incremental export of the v7 sync streams: stored cursors, files, Singer.
    #[command(subcommand)]
    Export(crate::commands::export::ExportCommand),
    /// The error-code table.
    #[command(subcommand)]
    Errors(ErrorsCommand),
    /// The local emulator.
    #[command(subcommand)]
    Sandbox(SandboxCommand),
    /// Shell completions.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// `cg demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The CSV of contacts to import (default: the sample shipped with the tool).
    #[arg(long)]
    pub file: Option<PathBuf>,
    /// The inbound mapping's reference (a UUID); needed against an account, the demo mapping in the sandbox.
    #[arg(long)]
    pub configuration: Option<String>,
}

/// `cg records ...`
#[derive(Debug, Subcommand)]
pub enum RecordsCommand {
    /// Import a CSV whose header row holds mapping field names; rejected rows go to FILE.rejected.csv.
    Import(ImportArgs),
    /// Import one record.
    Put {
        /// The inbound mapping's reference (a UUID).
        #[arg(long)]
        configuration: String,
        /// A field, NAME=VALUE (repeatable).
        #[arg(long = "field", value_name = "NAME=VALUE", required = true)]
        fields: Vec<String>,
        /// Send as a form instead of JSON.
        #[arg(long)]
        form: bool,
    },
}

/// `cg records import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The CSV file.
    pub file: PathBuf,
    /// The inbound mapping's reference (a UUID); the sandbox's demo mapping with --sandbox when absent.
    #[arg(long)]
    pub configuration: Option<String>,
    /// Records in flight at once.
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// Check every row without sending anything.
    #[arg(long)]
    pub dry_run: bool,
}

/// `cg accounts ...`
#[derive(Debug, Subcommand)]
pub enum AccountsCommand {
    /// Create or update an account.
    Put {
        /// The account name (its reference).
        reference: String,
        /// The account number.
        #[arg(long)]
        number: Option<String>,
        /// The account manager.
        #[arg(long)]
        manager: Option<String>,
        /// The parent account.
        #[arg(long)]
        parent: Option<String>,
        /// The region.
        #[arg(long = "account-region")]
        account_region: Option<String>,
    },
}

/// A date range filter.
#[derive(Debug, Args, Clone)]
pub struct DateRange {
    /// From this day (YYYY-MM-DD), with --to.
    #[arg(long)]
    pub from: Option<chrono::NaiveDate>,
    /// To this day (YYYY-MM-DD), with --from.
    #[arg(long)]
    pub to: Option<chrono::NaiveDate>,
}

/// `cg unsubscribes ...`
#[derive(Debug, Subcommand)]
pub enum UnsubscribesCommand {
    /// List unsubscribed addresses (every page).
    List(#[command(flatten)] DateRange),
    /// Add an address.
    Add {
        /// The address.
        email: String,
    },
}

/// `cg bounces ...`
#[derive(Debug, Subcommand)]
pub enum BouncesCommand {
    /// List bounced addresses (every page).
    List {
        #[command(flatten)]
        range: DateRange,
        /// Items per page (1-1000).
        #[arg(long, default_value_t = 1000)]
        page_size: u32,
    },
}

/// Who to anonymize.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct Person {
    /// By e-mail address.
    #[arg(long)]
    pub email: Option<String>,
    /// By telephone number.
    #[arg(long)]
    pub telephone: Option<String>,
}

/// `cg anonymize ...`
#[derive(Debug, Subcommand)]
pub enum AnonymizeCommand {
    /// Show the records that would be anonymized.
    Check(#[command(flatten)] Person),
    /// Anonymize them (asks for confirmation unless --yes).
    Run {
        #[command(flatten)]
        person: Person,
        /// Do not ask.
        #[arg(long)]
        yes: bool,
    },
}

/// `cg hierarchy ...`
#[derive(Debug, Subcommand)]
pub enum HierarchyCommand {
    /// Every division, flat.
    List,
    /// The divisions as a tree.
    Tree,
    /// Add a division.
    Add {
        /// Its name.
        name: String,
        /// Its parent (default Global).
        #[arg(long)]
        parent: Option<String>,
    },
    /// Rename a division.
    Rename {
        /// The current name.
        name: String,
        /// The new name.
        new_name: String,
    },
    /// Move a division under another.
    Move {
        /// The division.
        name: String,
        /// The new parent.
        parent: String,
    },
    /// Delete a division, moving what it holds to a replacement.
    Delete {
        /// The division.
        name: String,
        /// Where its records go.
        #[arg(long)]
        replacement: String,
    },
}

/// Upload listing filters.
#[derive(Debug, Args, Clone)]
pub struct UploadFilter {
    /// One upload by id.
    #[arg(long)]
    pub id: Option<u64>,
    #[command(flatten)]
    pub range: DateRange,
}

/// `cg revenue ...`
#[derive(Debug, Subcommand)]
pub enum RevenueCommand {
    /// Upload a revenue file (CSV, XLS, XLSX or XML; at most 2 MB and 1000 rows).
    Upload {
        /// The file.
        file: PathBuf,
    },
    /// List revenue uploads.
    List(#[command(flatten)] UploadFilter),
}

/// Upload kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum UploadKindArg {
    /// Company revenue files.
    CompanyRevenue,
    /// Contact files.
    Contact,
    /// Historical files.
    Historical,
    /// Transactional files.
    Transactional,
}

/// `cg files ...`
#[derive(Debug, Subcommand)]
pub enum FilesCommand {
    /// List uploads of a kind.
    List {
        /// The kind.
        #[arg(value_enum)]
        kind: UploadKindArg,
        #[command(flatten)]
        filter: UploadFilter,
    },
    /// Upload a contact or historical file.
    Upload {
        /// contact or historical.
        #[arg(value_enum)]
        kind: UploadKindArg,
        /// The file.
        file: PathBuf,
    },
    /// Delete an upload.
    Delete {
        /// Its id.
        id: u64,
    },
}

/// `cg transactions ...`
#[derive(Debug, Subcommand)]
pub enum TransactionsCommand {
    /// List survey transactions.
    List {
        /// The last N days (at most 365).
        #[arg(long)]
        days: Option<u32>,
        #[command(flatten)]
        range: DateRange,
        /// FIELD=VALUE filters (repeatable).
        #[arg(long = "filter", value_name = "FIELD=VALUE")]
        filters: Vec<String>,
    },
}

/// `cg workflow ...`
#[derive(Debug, Subcommand)]
pub enum WorkflowCommand {
    /// Update a survey's workflow.
    Update {
        /// The survey's CG-ID (number_customergauge).
        number: u64,
        /// OPEN, IN-PROGRESS, CLOSED or a number 0-99.
        #[arg(long)]
        status: Option<String>,
        /// A comment.
        #[arg(long)]
        comment: Option<String>,
        /// Assign to this e-mail address.
        #[arg(long)]
        assigned_to: Option<String>,
    },
}

/// `cg reasons ...`
#[derive(Debug, Subcommand)]
pub enum ReasonsCommand {
    /// List reason codes.
    List {
        /// promoter or detractor-neutral.
        #[arg(long)]
        show_for: Option<String>,
    },
}

/// `cg report ...`
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// The NPS.
    Nps {
        #[command(flatten)]
        range: DateRange,
        /// SEGMENT=VALUE filters (repeatable).
        #[arg(long = "filter", value_name = "SEGMENT=VALUE")]
        filters: Vec<String>,
    },
}

/// `cg responses ...`
#[derive(Debug, Subcommand)]
pub enum ResponsesCommand {
    /// Stream every survey response as JSON lines to stdout (progress on stderr).
    Export {
        /// From this day (YYYY-MM-DD).
        #[arg(long)]
        since: Option<chrono::NaiveDate>,
        /// To this day (YYYY-MM-DD).
        #[arg(long)]
        until: Option<chrono::NaiveDate>,
        /// Export non-responses instead.
        #[arg(long)]
        non_responses: bool,
    },
}

/// `cg errors ...`
#[derive(Debug, Subcommand)]
pub enum ErrorsCommand {
    /// What a code means.
    Explain {
        /// The numeric code.
        code: String,
    },
    /// Every code of the table.
    List,
}

/// `cg sandbox ...`
#[derive(Debug, Subcommand)]
pub enum SandboxCommand {
    /// Run the emulator in the foreground.
    Serve {
        /// The API port (imports on +1, auth on +2); a free one when absent.
        #[arg(long)]
        port: Option<u16>,
        /// Persist state to this JSON file.
        #[arg(long)]
        state: Option<PathBuf>,
    },
}
