//! Wall-clock seconds, as memcached's expiration times count them. Tests use a
//! manual clock they move forward themselves (no sleeping, no timed asserts).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// A source of Unix time in whole seconds.
#[derive(Clone, Debug, Default)]
pub enum Clock {
    /// The system clock.
    #[default]
    System,
    /// A clock that moves only when told to (shared by every shard).
    Manual(Arc<AtomicU64>),
}

impl Clock {
    /// A manual clock starting at `unix_secs`, and the handle that moves it.
    pub fn manual(unix_secs: u64) -> (Clock, Arc<AtomicU64>) {
        let t = Arc::new(AtomicU64::new(unix_secs));
        (Clock::Manual(t.clone()), t)
    }

    /// Unix time now, in seconds.
    #[inline]
    pub fn now(&self) -> u64 {
        match self {
            Clock::System => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            Clock::Manual(t) => t.load(Ordering::Relaxed),
        }
    }
}
