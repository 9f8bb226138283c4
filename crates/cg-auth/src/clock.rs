//! [`Clock`]: where the token cache reads the time, so tests can move it.

use std::fmt;
use std::time::Instant;

/// A monotonic clock. The token cache asks it when a token was fetched and
/// whether it is due for refresh; tests implement it to control time.
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// The current instant.
    fn now(&self) -> Instant;
}

/// The real clock, [`Instant::now`].
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}
