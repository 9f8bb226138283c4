//! Hand-written impls for the generated [`ErrorCode`].

use std::fmt;
use std::str::FromStr;

use crate::ErrorCode;

impl fmt::Display for ErrorCode {
    /// `400184 No data found with passed parameters`; unknown codes say so.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.reason() {
            Some(reason) => write!(f, "{} {reason}", self.code()),
            None => write!(f, "{} (a code the error table does not list)", self.code()),
        }
    }
}

impl From<u32> for ErrorCode {
    fn from(code: u32) -> Self {
        ErrorCode::from_code(code)
    }
}

impl From<ErrorCode> for u32 {
    fn from(code: ErrorCode) -> Self {
        code.code()
    }
}

/// A string that is not a numeric error code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a numeric error code")]
pub struct ParseCodeError(String);

impl FromStr for ErrorCode {
    type Err = ParseCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.trim()
            .parse::<u32>()
            .map(ErrorCode::from_code)
            .map_err(|_| ParseCodeError(s.to_string()))
    }
}

impl ErrorCode {
    /// Whether the table lists this code.
    pub const fn is_known(self) -> bool {
        !matches!(self, ErrorCode::Unknown(_))
    }
}
