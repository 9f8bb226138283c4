#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
// With only some module features on, some shared helpers have no caller.
#![cfg_attr(not(feature = "all-modules"), allow(dead_code))]

mod adaptive;
mod call;
mod client;
mod decode;
mod error;
mod lenient;
pub mod modules;
mod paging;
mod retry;
mod runtime;
#[cfg(feature = "sync")]
mod sync_page;
mod validate;
mod xml;

pub use cg_auth::{self as auth, Credentials, Endpoints, HostFamily, Region};
pub use cg_errors::{self as errors, ErrorCode};
pub use client::{Client, ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, Format};
pub use error::{Error, Result};
pub use paging::{Cursor, OffsetListing, OffsetPage, OffsetSource, Page, PageCursor, TakesLimit};
#[cfg(feature = "sync")]
pub use paging::{CursorListing, CursorPage, CursorSource};
pub use retry::RetryPolicy;
