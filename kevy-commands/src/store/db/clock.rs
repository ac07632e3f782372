//! The time of one command ([`Clock`]) and the expiry test every lookup
//! makes ([`is_expired`]).

use std::cell::Cell;

use super::Ms;
use crate::base::clock::now_ms;

/// The time of one command: the system clock read at most once, and only when
/// needed (most commands meet no key with a deadline, and reading the clock
/// can cost more than the rest of a GET).
#[derive(Debug, Default)]
pub struct Clock {
    ms: Cell<Option<Ms>>,
}

impl Clock {
    /// A clock that reads the system time on first use.
    #[inline]
    pub fn new() -> Clock {
        Clock::default()
    }

    /// A clock stopped at `ms`.
    pub fn at(ms: Ms) -> Clock {
        Clock {
            ms: Cell::new(Some(ms)),
        }
    }

    /// A clock for a step of the same command: the time `other` read, if
    /// it read it (or was stopped), else read on first use.
    pub fn like(other: &Clock) -> Clock {
        Clock {
            ms: Cell::new(other.ms.get()),
        }
    }

    /// The command's time, in unix milliseconds.
    #[inline]
    pub fn ms(&self) -> Ms {
        match self.ms.get() {
            Some(ms) => ms,
            None => {
                let ms = now_ms();
                self.ms.set(Some(ms));
                ms
            }
        }
    }
}

/// True when a key with deadline `at` is expired at `now`. Like Redis's
/// `keyIsExpired`, a key lives through its deadline millisecond. The clock is
/// only read for a key that has a deadline.
#[inline]
pub fn is_expired(at: Option<Ms>, now: &Clock) -> bool {
    at.is_some_and(|at| at < now.ms())
}
