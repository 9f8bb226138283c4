//! How `cg` fails: one line on stderr and an exit code (the table is `cli::EXIT_CODES`).

use std::process::ExitCode;

/// Exit code of a failure of the service, the network or a file.
pub const EXIT_ERROR: u8 = 1;
/// Exit code of a usage or configuration error (input refused before anything was sent).
pub const EXIT_USAGE: u8 = 2;
/// Exit code of a job in which some records or files did not get in.
pub const EXIT_PARTIAL: u8 = 3;
/// Exit code when the credentials were refused or no token could be fetched.
pub const EXIT_AUTH: u8 = 4;
/// Exit code of a run stopped by Ctrl-C (SIGINT).
pub const EXIT_INTERRUPTED: u8 = 5;

/// A failure of the command.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// An API call failed.
    #[error("{0}")]
    Api(#[from] cg_facade::Error),
    /// The options or the environment are wrong.
    #[error("{0}")]
    Usage(String),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// Some records of a bulk job failed.
    #[error("{0}")]
    Partial(String),
    /// No token could be had with the configured credentials.
    #[error("{0}")]
    Auth(String),
    /// Ctrl-C (SIGINT) stopped the command (a bulk job's journal is complete: run it
    /// again to resume).
    #[error("{0}")]
    Interrupted(String),
}

impl CliError {
    /// The process exit code.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(match self {
            // Refused before anything was sent: the user's input is wrong.
            CliError::Usage(_) | CliError::Api(cg_facade::Error::InvalidInput { .. }) => EXIT_USAGE,
            CliError::Partial(_) => EXIT_PARTIAL,
            CliError::Auth(_) => EXIT_AUTH,
            CliError::Interrupted(_) => EXIT_INTERRUPTED,
            CliError::Api(e @ cg_facade::Error::Auth { .. }) if !is_unreachable(e) => EXIT_AUTH,
            CliError::Api(_) | CliError::Io { .. } => EXIT_ERROR,
        })
    }

    /// Whether this is stdout closed by its reader (`cg ... | head`): not an error.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, CliError::Io { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

/// A token endpoint that cannot be reached is a network failure, not refused credentials.
fn is_unreachable(e: &cg_facade::Error) -> bool {
    matches!(
        e.auth_error(),
        Some(cg_facade::auth::AuthError::Transport(_))
    )
}
impl From<std::io::Error> for CliError {
    fn from(source: std::io::Error) -> Self {
        CliError::Io {
            path: "stdout".into(),
            source,
        }
    }
}
