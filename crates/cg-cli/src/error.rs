//! How `cg` fails: one line on stderr and an exit code.

use std::process::ExitCode;

/// Exit code of a bulk job in which some records failed and the rest went through.
pub const EXIT_PARTIAL: u8 = 3;
/// Exit code of a usage or configuration error (input refused before anything was sent).
pub const EXIT_USAGE: u8 = 2;
/// Exit code of a bulk job stopped by Ctrl-C (its journal is complete; run it again to resume).
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
    /// A bulk job was stopped by Ctrl-C.
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
            CliError::Interrupted(_) => EXIT_INTERRUPTED,
            CliError::Api(_) | CliError::Io { .. } => 1,
        })
    }
}

impl From<std::io::Error> for CliError {
    fn from(source: std::io::Error) -> Self {
        CliError::Io {
            path: "stdout".into(),
            source,
        }
    }
}
