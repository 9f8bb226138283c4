//! The command line, as clap types.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// `cg`: send surveys, keep lists and pull data from CustomerGauge.
///
/// Credentials and region come from the global options, the CG_* environment variables
/// or a profile saved by `cg auth login`, in that order of precedence; `cg auth status`
/// shows what a command will use. With `--sandbox` (or no credentials at all for
/// `cg demo`) everything runs against an embedded emulator with demo data.
#[derive(Debug, Parser)]
#[command(
    name = "cg",
    version,
    max_term_width = 100,
    after_help = EXIT_CODES,
    after_long_help = AFTER_LONG_HELP
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// The exit codes, as `cg --help` lists them (also in README.md).
pub const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  error (the service or a file failed)
  2  usage (bad options or input; nothing was sent)
  3  partial (some records or files did not get in)
  4  authentication (credentials refused or no token)
  5  interrupted (Ctrl-C)";

const AFTER_LONG_HELP: &str = "\
Exit codes:
  0  success
  1  error (the service or a file failed)
  2  usage (bad options or input; nothing was sent)
  3  partial (some records or files did not get in)
  4  authentication (credentials refused or no token)
  5  interrupted (Ctrl-C)

Environment:
  CG_PROFILE, CG_REGION, CG_CLIENT_ID, CG_CLIENT_SECRET, CG_API_KEY, CG_API_URL,
  CG_IMPORTS_URL, CG_AUTH_URL: as the options of the same name.
  CG_CONFIG: the config file (default: config.toml in the platform's config
  directory, under customergauge/).
  NO_COLOR: no colour.";

/// Options every command takes, shown under their own heading after the command's own.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct Global {
    /// Profile of the config file [default: default].
    #[arg(
        long,
        global = true,
        env = "CG_PROFILE",
        hide_env_values = true,
        value_name = "NAME"
    )]
    pub profile: Option<String>,
    /// Region: eu, us or au.
    #[arg(long, global = true, env = "CG_REGION", hide_env_values = true)]
    pub region: Option<String>,
    /// OAuth2 client id.
    #[arg(
        long,
        global = true,
        env = "CG_CLIENT_ID",
        hide_env_values = true,
        hide_short_help = true,
        value_name = "ID"
    )]
    pub client_id: Option<String>,
    /// Refused as a flag (ps and shell history keep it); read from CG_CLIENT_SECRET.
    #[arg(
        long,
        global = true,
        env = "CG_CLIENT_SECRET",
        hide = true,
        value_parser = secret_text
    )]
    pub client_secret: Option<SecretText>,
    /// Read the client secret from stdin (else CG_CLIENT_SECRET or the profile).
    #[arg(long, global = true, hide_short_help = true)]
    pub client_secret_stdin: bool,
    /// Refused as a flag; read from CG_API_KEY.
    #[arg(
        long,
        global = true,
        env = "CG_API_KEY",
        hide = true,
        value_parser = secret_text
    )]
    pub api_key: Option<SecretText>,
    /// Override the API base URL.
    #[arg(
        long,
        global = true,
        env = "CG_API_URL",
        hide_env_values = true,
        hide_short_help = true,
        value_name = "URL"
    )]
    pub api_url: Option<String>,
    /// Override the imports base URL.
    #[arg(
        long,
        global = true,
        env = "CG_IMPORTS_URL",
        hide_env_values = true,
        hide_short_help = true,
        value_name = "URL"
    )]
    pub imports_url: Option<String>,
    /// Override the OAuth2 base URL.
    #[arg(
        long,
        global = true,
        env = "CG_AUTH_URL",
        hide_env_values = true,
        hide_short_help = true,
        value_name = "URL"
    )]
    pub auth_url: Option<String>,
    /// Wire format of v4.1 answers (what travels, not what is printed).
    // `--format` was this option's name until 0.1: a hidden alias for one release.
    #[arg(
        long,
        alias = "format",
        global = true,
        value_enum,
        default_value_t = WireFormat::Json,
        hide_short_help = true
    )]
    pub wire_format: WireFormat,
    /// How rows are printed: table, json (lines) or csv; parquet, singer for `cg export`
    ///
    /// The default is table, and JSON lines for `responses export` and `cg export`.
    #[arg(
        long,
        short = 'o',
        global = true,
        value_enum,
        hide_possible_values = true
    )]
    pub output: Option<OutputFormat>,
    /// Run against an embedded sandbox with demo data.
    #[arg(long, global = true)]
    pub sandbox: bool,
    /// Tracing to stderr (-v info, -vv debug, -vvv trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Where each value given by flag or environment came from (filled after parsing).
    #[arg(skip)]
    pub given: crate::settings::Given,
}

/// A secret as clap read it: its Debug shows no text (the options derive Debug).
#[derive(Clone)]
pub struct SecretText(pub String);

impl std::fmt::Debug for SecretText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretText(***)")
    }
}

fn secret_text(text: &str) -> Result<SecretText, String> {
    Ok(SecretText(text.to_string()))
}

impl Global {
    /// The output format, `fallback` when `-o` is not given.
    pub fn output_or(&self, fallback: OutputFormat) -> OutputFormat {
        self.output.unwrap_or(fallback)
    }
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

/// `--limit`, on every listing.
#[derive(Debug, Args, Clone, Copy)]
pub struct Limit {
    /// Stop after N rows (no further pages are fetched).
    #[arg(long, value_name = "N", value_parser = at_least_one)]
    pub limit: Option<u64>,
}

fn at_least_one(text: &str) -> Result<u64, String> {
    match text.parse::<u64>() {
        Ok(0) => Err("0 rows is not a listing: give 1 or more".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(format!("not a whole number: {e}")),
    }
}

impl Limit {
    /// How many items to take from a listing's stream.
    pub fn count(self) -> usize {
        self.limit
            .map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX))
    }
}

/// The command groups, one per API module.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Import the sample contacts and list what arrived (the sandbox without credentials).
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
    /// Close-loop cases (v7 sync).
    #[command(subcommand)]
    CloseLoop(crate::commands::CloseLoopCommand),
    /// Customer activities (imports).
    #[command(subcommand)]
    Activities(crate::commands::ActivitiesCommand),
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
    /// Profiles and credentials: log in, see what commands use, log out.
    #[command(subcommand)]
    Auth(AuthCommand),
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
    /// The Inbound Mapping's reference (`contact`, a UUID, ...); needed against an account, the demo mapping in the sandbox.
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
        /// The inbound mapping's reference.
        #[arg(long, value_name = "UUID")]
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
    /// The Inbound Mapping's reference (`contact`, a UUID, ...); the sandbox's demo mapping with --sandbox when absent.
    #[arg(long)]
    pub configuration: Option<String>,
    /// Records in flight at once.
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// Keep the send rate fixed when the service answers 429 (by default it adapts to
    /// what the service accepts, and the progress bar shows the rate).
    #[arg(long)]
    pub fixed_rate: bool,
    /// Check every row without sending anything.
    #[arg(long)]
    pub dry_run: bool,
    /// The import's journal (default: FILE.journal beside the input). Running the same
    /// command again resumes: rows already imported, duplicate or rejected are skipped.
    #[arg(long, value_name = "PATH")]
    pub journal: Option<PathBuf>,
    /// Resend rows whose outcome is unknown (sent, no answer). Safe ONLY when the
    /// mapping has a duplication rule; without one their contacts get a second survey.
    #[arg(long)]
    pub resend_ambiguous: bool,
    /// Start the journal over (forgets what earlier runs sent), e.g. after changing the file.
    #[arg(long)]
    pub restart: bool,
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
    /// From this day (YYYY-MM-DD).
    // `--from`/`--to` were the names until 0.1: hidden aliases for one release.
    #[arg(long, alias = "from", value_name = "DAY")]
    pub since: Option<chrono::NaiveDate>,
    /// To this day (YYYY-MM-DD).
    #[arg(long, alias = "to", value_name = "DAY")]
    pub until: Option<chrono::NaiveDate>,
}

/// `cg unsubscribes ...`
#[derive(Debug, Subcommand)]
pub enum UnsubscribesCommand {
    /// List unsubscribed addresses (every page).
    List {
        #[command(flatten)]
        range: DateRange,
        #[command(flatten)]
        limit: Limit,
    },
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
        #[command(flatten)]
        limit: Limit,
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
    List(#[command(flatten)] Limit),
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
    #[command(flatten)]
    pub limit: Limit,
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
        #[command(flatten)]
        limit: Limit,
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
        #[command(flatten)]
        limit: Limit,
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
    /// Stream every survey response to stdout, JSON lines unless -o says otherwise.
    Export {
        #[command(flatten)]
        range: DateRange,
        /// Export non-responses instead.
        #[arg(long)]
        non_responses: bool,
        #[command(flatten)]
        limit: Limit,
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
    List(#[command(flatten)] Limit),
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

/// `cg auth ...`
#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Save a profile (region, client id and secret, API key) to the config file.
    ///
    /// Values given by flag or environment are taken as they are; at a terminal the
    /// others are asked for (secrets without echo). Without a terminal the client secret
    /// is the first line of stdin and an API key, if any, the second. The file is
    /// readable by its owner only (mode 0600).
    Login,
    /// What a command would use: profile, region, credentials, and where each came from.
    ///
    /// Fetches a token to check the credentials; never prints a secret. Exits 4 when no
    /// token can be fetched.
    Status,
    /// Remove the profile from the config file.
    Logout,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    /// Every command of the tree, with its path (`cg records import`), `help` left out.
    fn walk(cmd: &clap::Command, path: &str, all: &mut Vec<(String, clap::Command)>) {
        all.push((path.to_string(), cmd.clone()));
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            walk(sub, &format!("{path} {}", sub.get_name()), all);
        }
    }

    /// Snapshots of `-h` and `--help` of every command, at 80 columns: the short help fits
    /// a terminal, and the global options come after the command's own.
    #[test]
    fn every_help_text() {
        let mut root = Cli::command().term_width(80);
        root.build();
        let mut all = Vec::new();
        walk(&root, "cg", &mut all);
        assert!(all.len() > 40, "{} commands", all.len());
        let mut problems = Vec::new();
        for (path, mut cmd) in all {
            let short = cmd.render_help().to_string();
            let long = cmd.render_long_help().to_string();
            for line in short.lines().chain(long.lines()) {
                if line.chars().count() > 80 {
                    problems.push(format!("{path}: too wide: {line:?}"));
                }
            }
            if short.lines().count() > 50 {
                problems.push(format!("{path} -h: {} lines", short.lines().count()));
            }
            let global = short.find("\nGlobal options:\n");
            let own = short.find("\nOptions:\n");
            if global.is_none() || own > global {
                problems.push(format!("{path}: global options missing or first:\n{short}"));
            }
            for hidden in [
                "--client-secret ",
                "--api-key",
                "--format",
                "--from",
                "--to ",
            ] {
                if long.contains(hidden) {
                    problems.push(format!("{path}: {hidden} shown"));
                }
            }
            let name = path.replace(' ', "_");
            insta::assert_snapshot!(
                name,
                format!("$ {path} -h\n{short}\n$ {path} --help\n{long}")
            );
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn exit_codes_are_listed_with_their_constants() {
        use crate::error::*;
        for (code, word) in [
            (EXIT_ERROR, "error"),
            (EXIT_USAGE, "usage"),
            (EXIT_PARTIAL, "partial"),
            (EXIT_AUTH, "authentication"),
            (EXIT_INTERRUPTED, "interrupted"),
        ] {
            assert!(
                super::EXIT_CODES.contains(&format!("  {code}  {word}")),
                "{code} {word}"
            );
        }
    }

    #[test]
    fn debug_of_the_options_shows_no_secret() {
        use clap::Parser;
        let cli = Cli::try_parse_from([
            "cg",
            "--client-secret",
            "s3cret-text",
            "--api-key",
            "k3y-text",
            "errors",
            "list",
        ])
        .expect("parsed");
        let debug = format!("{cli:?}");
        assert!(
            !debug.contains("s3cret-text") && !debug.contains("k3y-text"),
            "{debug}"
        );
        assert!(debug.contains("SecretText(***)"), "{debug}");
    }

    #[test]
    fn the_command_is_consistent() {
        Cli::command().debug_assert();
    }
}
