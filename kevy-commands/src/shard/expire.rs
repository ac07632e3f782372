//! Active expiry, sampled like Redis's `activeExpireCycle`: for each database,
//! test up to [`KEYS_PER_LOOP`] random keys with a deadline, removing the
//! expired ones, and go again while more than [`ACCEPTABLE_STALE_PERCENT`] of a
//! sample had expired, within a time budget. Lazy expiry (on access) lives in
//! [`crate::store::db`]; together they bound the memory held by dead keys.

use std::time::Instant;

use crate::shard::ShardState;
use crate::store::db::Ms;

/// Keys sampled per database per loop (Redis's `ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP`).
pub const KEYS_PER_LOOP: usize = 20;

/// Sampling repeats while more than this share of a sample had expired.
pub const ACCEPTABLE_STALE_PERCENT: usize = 25;

/// The active expiry's figures (INFO `expired_stale_perc`,
/// `expired_time_cap_reached_count`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ExpireStats {
    /// Share of sampled keys found expired, a running average (Redis's
    /// `stat_expired_stale_perc`: 5% of each cycle's share, 95% of the past).
    pub stale: f64,
    /// Cycles cut short by their time budget.
    pub time_cap: u64,
}

/// Loops between two looks at the clock.
const LOOPS_PER_CLOCK_CHECK: usize = 16;

impl ShardState {
    /// One active-expiry cycle at time `now`, stopping at `deadline`. Databases
    /// are visited round-robin across calls so a cut-short cycle resumes where
    /// it stopped. Returns the number of keys removed.
    pub fn active_expire(&mut self, now: Ms, deadline: Instant) -> usize {
        let ndb = self.dbs.len();
        let mut removed = 0;
        let mut loops = 0;
        let mut total_sampled = 0;
        for _ in 0..ndb {
            let i = self.expire_cursor % ndb;
            self.expire_cursor = (i + 1) % ndb;
            loop {
                let volatile = self.dbs[i].volatile_len();
                if volatile == 0 {
                    break;
                }
                let sampled = volatile.min(KEYS_PER_LOOP);
                let mut expired = 0;
                for _ in 0..sampled {
                    let len = self.dbs[i].volatile_len();
                    if len == 0 {
                        break;
                    }
                    let slot = (self.random() % len as u64) as usize;
                    if self.dbs[i].expire_slot(slot, now) {
                        expired += 1;
                    }
                }
                removed += expired;
                total_sampled += sampled;
                loops += 1;
                if loops % LOOPS_PER_CLOCK_CHECK == 0 && Instant::now() >= deadline {
                    self.expire_stats.time_cap += 1;
                    self.note_stale(removed, total_sampled);
                    return removed;
                }
                if expired * 100 <= sampled * ACCEPTABLE_STALE_PERCENT {
                    break;
                }
            }
        }
        self.note_stale(removed, total_sampled);
        removed
    }

    /// Folds a cycle's share of expired keys into the running average.
    fn note_stale(&mut self, expired: usize, sampled: usize) {
        let current = if sampled == 0 {
            0.0
        } else {
            expired as f64 / sampled as f64
        };
        let s = &mut self.expire_stats;
        s.stale = current * 0.05 + s.stale * 0.95;
    }
}
