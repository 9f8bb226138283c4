//! The CustomerGauge error-code table and error envelopes, as Rust types.
//!
//! [`ErrorCode`] is generated from `spec/error-codes.csv` by `cargo xtask regen`;
//! [`envelope`] parses the two error bodies the service sends.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod codes;
mod display;
pub mod envelope;

pub use codes::ErrorCode;
pub use display::ParseCodeError;
pub use envelope::{ApiError, EnvelopeError, ErrorBody, ValidationErrors};
