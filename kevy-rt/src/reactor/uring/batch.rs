//! The ring's wait policy: how many completions a sleeping shard waits for.
//!
//! A shard that sleeps until its first completion wakes about once per
//! arriving request when its clients do not pipeline, and each wake-up
//! (schedule, idle exit, the interrupt that wakes it) costs kernel time.
//! With batching on (`KEVY_URING_BATCH_US` > 0, kernels 6.12+ with
//! `min_wait_usec`), when the last round was busy (at least two arrivals,
//! receives or peer wake-ups), the wait asks for as many completions as the
//! last round brought, capped at [`Batch::max`], but waits at most
//! [`Batch::usec`] microseconds for them: past that the kernel returns as
//! soon as one completion is there, and the wait's own timeout (the next
//! timer, tick or blocked client's deadline) still ends it. With deferred
//! task work the kernel does not wake the thread until that many
//! completions are due (`cq_wait_nr`). A quiet round (one arrival) waits
//! for one.
//!
//! Off by default: measured at `-P 1`, 50 clients, 2 shards (BENCHMARKS.md,
//! "Session 9: waiting for several completions"), bounds of 20-300 µs did
//! not lower voluntary context switches or CPU per request beyond the
//! noise, and a lone client (`-c 1`) whose round brings a receive and a
//! peer's note waited the bound (p50 +16 µs): at ~15K requests/s per shard
//! fewer than one request arrives in 50 µs, so the wait mostly ends by its
//! timer, which is a wake-up too. `KEVY_URING_BATCH_MAX` sets the cap.

/// Default bound on how long an arrival may wait for others (µs): off.
const USEC: u32 = 0;
/// Default cap on the completions one wait asks for.
const MAX: u32 = 16;

/// The adaptive wait (see the module docs).
#[derive(Debug)]
pub(super) struct Batch {
    /// Bound on the extra wait (µs); 0: never wait for more than one.
    pub(super) usec: u32,
    /// Most completions one wait asks for.
    pub(super) max: u32,
    /// Completions reaped since the last wait began.
    pub(super) cqes: u32,
    /// Of those, receives and wake-ups (work arriving from outside).
    pub(super) arrivals: u32,
}

fn env_u32(name: &str) -> Option<u32> {
    std::env::var(name).ok()?.parse().ok()
}

impl Batch {
    /// The policy for a ring whose kernel has `min_wait_usec` when
    /// `min_timeout` (else batching is off: a wait for more than one
    /// completion could then only end by its full timeout).
    pub(super) fn new(min_timeout: bool) -> Batch {
        let usec = if min_timeout {
            env_u32("KEVY_URING_BATCH_US").unwrap_or(USEC)
        } else {
            0
        };
        Batch {
            usec,
            max: env_u32("KEVY_URING_BATCH_MAX").unwrap_or(MAX).max(1),
            cqes: 0,
            arrivals: 0,
        }
    }

    /// How many completions the next wait asks for, and the bound on the
    /// wait for more than one (µs; 0 when it asks for one), given the
    /// wait's `timeout_us`; resets the counts for the next round.
    pub(super) fn next(&mut self, timeout_us: u128) -> (u32, u32) {
        let busy = self.arrivals >= 2;
        let want = self.cqes.min(self.max);
        self.cqes = 0;
        self.arrivals = 0;
        if self.usec == 0 || !busy || want < 2 || timeout_us <= self.usec as u128 {
            return (1, 0);
        }
        (want, self.usec)
    }
}

#[cfg(test)]
mod tests;
