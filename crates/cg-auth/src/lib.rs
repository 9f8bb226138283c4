//! Regions, credentials and the shared OAuth2 token cache of the CustomerGauge SDK.
#![forbid(unsafe_code)]

pub mod pipeline;

pub use pipeline::{Accepts, Middleware, Operation, Pipeline, PrepareError};
