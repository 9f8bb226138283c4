//! The CustomerGauge error-code table and error envelopes, as Rust types.
#![forbid(unsafe_code)]

mod codes;

pub use codes::ErrorCode;
