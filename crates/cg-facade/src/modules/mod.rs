//! One handle per API module: `client.bounces()`, `client.hierarchy()`, ...
//! Each handle's methods are builders ending in `.send()` (one answer) or
//! `.stream()` (every page).

#[cfg(feature = "imports")]
pub mod accounts;
#[cfg(feature = "imports")]
pub mod activities;
#[cfg(feature = "anonymize")]
pub mod anonymize;
#[cfg(feature = "imports")]
pub mod bulk;
pub mod checkpoint;
#[cfg(feature = "sync")]
pub mod close_loop;
#[cfg(feature = "files")]
pub mod files;
#[cfg(feature = "hierarchy")]
pub mod hierarchy;
#[cfg(feature = "imports")]
pub mod journal;
#[cfg(feature = "lists")]
pub mod lists;
#[cfg(feature = "reasons")]
pub mod reasons;
#[cfg(feature = "imports")]
pub mod records;
#[cfg(feature = "report")]
pub mod report;
#[cfg(feature = "sync")]
pub mod responses;
#[cfg(feature = "files")]
pub mod revenue;
#[cfg(feature = "stream")]
pub mod stream;
#[cfg(feature = "transactions")]
pub mod transactions;
#[cfg(feature = "workflow")]
pub mod workflow;
