//! The shared context of the three listeners: state, request log, faults, settings.

use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{PoisonError, RwLock};
use std::time::Duration;

use tokio::sync::Notify;

use crate::faults::{FaultConfig, FaultEngine};
use crate::log::RequestLog;
use crate::profile::Profile;
use crate::state::State;

/// The state behind one read-write lock (reads, the token check of every request
/// included, do not wait for each other), with a change counter the saver watches.
pub(crate) struct Store {
    state: RwLock<State>,
    version: AtomicU64,
    changed: Notify,
}

impl Store {
    pub(crate) fn new(mut state: State) -> Store {
        state.reindex();
        Store {
            state: RwLock::new(state),
            version: AtomicU64::new(0),
            changed: Notify::new(),
        }
    }

    /// Reads the state.
    pub(crate) fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        f(&self.state.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Changes the state (and wakes the saver).
    pub(crate) fn write<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let result = f(&mut self.state.write().unwrap_or_else(PoisonError::into_inner));
        self.version.fetch_add(1, Ordering::AcqRel);
        self.changed.notify_one();
        result
    }

    pub(crate) fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    pub(crate) async fn changed(&self) {
        self.changed.notified().await;
    }
}

/// Everything a request handler may touch.
pub(crate) struct App {
    pub(crate) store: Store,
    pub(crate) log: RequestLog,
    pub(crate) faults: FaultEngine,
    token_ttl_ms: AtomicU64,
    profile: AtomicU8,
}

impl App {
    pub(crate) fn new(
        state: State,
        faults: FaultConfig,
        token_ttl: Duration,
        log_capacity: usize,
        profile: Profile,
    ) -> App {
        App {
            store: Store::new(state),
            log: RequestLog::new(log_capacity),
            faults: FaultEngine::new(faults),
            token_ttl_ms: AtomicU64::new(u64::try_from(token_ttl.as_millis()).unwrap_or(u64::MAX)),
            profile: AtomicU8::new(profile.to_u8()),
        }
    }

    pub(crate) fn token_ttl(&self) -> Duration {
        Duration::from_millis(self.token_ttl_ms.load(Ordering::Relaxed))
    }

    pub(crate) fn set_token_ttl(&self, ttl: Duration) {
        self.token_ttl_ms.store(
            u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    pub(crate) fn profile(&self) -> Profile {
        Profile::from_u8(self.profile.load(Ordering::Relaxed))
    }

    pub(crate) fn set_profile(&self, profile: Profile) {
        self.profile.store(profile.to_u8(), Ordering::Relaxed);
    }
}
