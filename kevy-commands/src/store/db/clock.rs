//! The time of one command ([`Clock`]), the expiry test every lookup
//! makes ([`is_expired`]), and the time a running script's keys expire at
//! ([`freeze`]).

use std::cell::Cell;

use super::Ms;
use crate::base::clock::now_ms;

/// The time of one command: the system clock read at most once, and only when
/// needed (most commands meet no key with a deadline, and reading the clock
/// can cost more than the rest of a GET).
#[derive(Debug, Default)]
pub struct Clock {
    ms: Cell<Option<Ms>>,
    /// Stopped at a given time ([`Clock::at`]): keys expire by it even
    /// while a script runs.
    stopped: bool,
    /// Files being loaded ([`Clock::loading`]): stopped at 0 for expiry,
    /// while times recorded in the data (a stream's delivery times) are
    /// the wall clock's, as Redis's `mstime()` while it loads.
    loading: bool,
}

thread_local! {
    /// The time keys expire at while a script runs on this thread: its
    /// start (Redis's `scriptTimeSnapshot`), so that a key cannot expire
    /// in the middle of a script. Deadlines set meanwhile still count from
    /// the real time, as Redis's `mstime()`.
    static FROZEN: Cell<Option<Ms>> = const { Cell::new(None) };
}

/// Sets (`Some(start)`) or clears the time a running script's keys
/// expire at on this thread.
pub fn freeze(at: Option<Ms>) {
    FROZEN.with(|f| f.set(at));
}

/// True while a script runs on this thread (its clock is frozen).
pub fn in_script() -> bool {
    FROZEN.with(|f| f.get().is_some())
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
            stopped: true,
            loading: false,
        }
    }

    /// The clock of commands replayed from a file: nothing expires (it is
    /// stopped at 0), [`Clock::wall_ms`] reads the real time.
    pub fn loading() -> Clock {
        Clock {
            loading: true,
            ..Clock::at(0)
        }
    }

    /// The time a command records in the data it keeps (not the time keys
    /// expire by): [`Clock::ms`], or the real time while loading.
    pub fn wall_ms(&self) -> Ms {
        if self.loading {
            now_ms()
        } else {
            self.ms()
        }
    }

    /// A clock for a step of the same command: the time `other` read, if
    /// it read it (or was stopped), else read on first use.
    pub fn like(other: &Clock) -> Clock {
        Clock {
            ms: Cell::new(other.ms.get()),
            stopped: other.stopped,
            loading: other.loading,
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

    /// The time keys expire at: a running script's start, unless this
    /// clock was stopped at a time of its own.
    #[inline]
    fn expiry_ms(&self) -> Ms {
        match (self.stopped, FROZEN.with(Cell::get)) {
            (false, Some(at)) => at,
            _ => self.ms(),
        }
    }
}

/// True when a key with deadline `at` is expired at `now`. Like Redis's
/// `keyIsExpired`, a key lives through its deadline millisecond. The clock is
/// only read for a key that has a deadline.
#[inline]
pub fn is_expired(at: Option<Ms>, now: &Clock) -> bool {
    at.is_some_and(|at| at < now.expiry_ms())
}
