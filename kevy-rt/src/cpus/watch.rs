//! A pinned shard that waits for its CPU lets go of it.
//!
//! Pinning ([`ShardCpus::Auto`](super::ShardCpus)) pays while the shards
//! have their CPUs to themselves and their clients: a woken shard runs as
//! soon as the client thread on its CPU sleeps. A busy program on that CPU
//! (a build, another server, a client spinning) never sleeps, so a pinned
//! shard under `SCHED_BATCH` waits for the end of its slice each time it
//! is woken (a scheduler tick, 4 ms here) while the other CPU may be idle:
//! a script or `MULTI` over both shards, a few such hops, took 4–16 ms
//! against 0.01 ms on redis-server (BullMQ's own tests timed out).
//!
//! So on its tick a pinned shard reads how long it waited to run
//! (`/proc/thread-self/schedstat`: time runnable but not running, and the
//! number of times it ran). Past [`WAIT_MAX`] on average per run over the
//! interval it lets the kernel place it anywhere; it pins itself again
//! after a back-off that doubles each time the wait comes back (from
//! [`BACKOFF_MIN`] to [`BACKOFF_MAX`]) and resets after [`CALM`] pinned
//! without it. Measured on the 2-core machine (BENCHMARKS.md, session 35):
//! under `redis-benchmark -c 50 --threads 2` a shard waits 56–96 µs a run
//! (it runs once the client thread on its CPU sleeps, as designed); beside
//! a busy loop 0.7–2.8 ms.

use std::time::{Duration, Instant};

/// The longest average wait per run that a pinned shard takes.
pub(crate) const WAIT_MAX: Duration = Duration::from_micros(500);
/// Fewer runs than this in an interval tell nothing (an idle shard).
const MIN_RUNS: u64 = 8;
/// The first back-off before pinning again.
pub(crate) const BACKOFF_MIN: Duration = Duration::from_secs(1);
/// The longest back-off.
pub(crate) const BACKOFF_MAX: Duration = Duration::from_secs(64);
/// Pinned this long without waiting: the back-off starts over.
const CALM: Duration = Duration::from_secs(30);

/// One shard's watch over its CPU.
#[derive(Debug)]
pub(crate) struct CoreWatch {
    cpu: usize,
    pinned: bool,
    /// Nanoseconds waited and runs, at the last look.
    last: Option<(u64, u64)>,
    /// When to pin again, while not pinned.
    retry_at: Instant,
    /// The next back-off.
    backoff: Duration,
    /// Pinned (again) since.
    pinned_since: Instant,
    /// Times this shard let go of its CPU.
    pub(crate) released: u64,
}

/// What a look decided.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Move {
    Stay,
    Release,
    Pin,
}

impl CoreWatch {
    /// A watch for a shard pinned to `cpu` at `now`.
    pub(crate) fn new(cpu: usize, now: Instant) -> CoreWatch {
        CoreWatch {
            cpu,
            pinned: true,
            last: None,
            retry_at: now,
            backoff: BACKOFF_MIN,
            pinned_since: now,
            released: 0,
        }
    }

    /// On the shard's tick: reads its scheduling figures and moves it.
    pub(crate) fn tick(&mut self, now: Instant) {
        let Some(stat) = read_schedstat() else {
            return;
        };
        match self.decide(stat, now) {
            Move::Stay => {}
            Move::Release => {
                if super::place(&[]).is_err() {
                    self.pinned = true;
                }
            }
            Move::Pin => {
                if super::place(&[self.cpu]).is_err() {
                    self.pinned = false;
                }
            }
        }
    }

    /// The decision for figures `(waited ns, runs)` read at `now`.
    pub(crate) fn decide(&mut self, (waited, runs): (u64, u64), now: Instant) -> Move {
        let Some((w0, r0)) = self.last.replace((waited, runs)) else {
            return Move::Stay;
        };
        if !self.pinned {
            if now < self.retry_at {
                return Move::Stay;
            }
            self.pinned = true;
            self.pinned_since = now;
            return Move::Pin;
        }
        let (dw, dr) = (waited.saturating_sub(w0), runs.saturating_sub(r0));
        if dr >= MIN_RUNS && dw / dr > WAIT_MAX.as_nanos() as u64 {
            self.pinned = false;
            self.released += 1;
            self.retry_at = now + self.backoff;
            self.backoff = (self.backoff * 2).min(BACKOFF_MAX);
            return Move::Release;
        }
        if now.duration_since(self.pinned_since) >= CALM {
            self.backoff = BACKOFF_MIN;
        }
        Move::Stay
    }
}

/// The calling thread's time waited to run (ns) and number of runs, from
/// `/proc/thread-self/schedstat` (None where the kernel does not keep it).
fn read_schedstat() -> Option<(u64, u64)> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let mut fields = text.split_ascii_whitespace().skip(1);
    let waited = fields.next()?.parse().ok()?;
    let runs = fields.next()?.parse().ok()?;
    Some((waited, runs))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    #[test]
    fn a_shard_waiting_for_its_cpu_lets_go_and_comes_back_after_a_growing_back_off() {
        let t0 = Instant::now();
        let mut w = CoreWatch::new(1, t0);
        assert_eq!(w.decide((0, 0), t0), Move::Stay);
        // 100 runs, 80 µs waited each: a client's CPU, as designed.
        let t1 = t0 + Duration::from_millis(100);
        assert_eq!(w.decide((8 * MS, 100), t1), Move::Stay);
        // 50 runs, 2 ms each: a busy program on its CPU.
        let t2 = t1 + Duration::from_millis(100);
        assert_eq!(w.decide((108 * MS, 150), t2), Move::Release);
        assert_eq!(w.released, 1);
        // Not before the back-off.
        let t3 = t2 + Duration::from_millis(500);
        assert_eq!(w.decide((108 * MS, 400), t3), Move::Stay);
        let t4 = t2 + BACKOFF_MIN;
        assert_eq!(w.decide((108 * MS, 500), t4), Move::Pin);
        // Waiting again: released for twice as long.
        let t5 = t4 + Duration::from_millis(100);
        assert_eq!(w.decide((208 * MS, 550), t5), Move::Release);
        assert_eq!(w.decide((208 * MS, 560), t5 + BACKOFF_MIN), Move::Stay);
        assert_eq!(w.decide((208 * MS, 570), t5 + 2 * BACKOFF_MIN), Move::Pin);
    }

    #[test]
    fn an_idle_shard_stays_and_a_calm_one_starts_its_back_off_over() {
        let t0 = Instant::now();
        let mut w = CoreWatch::new(0, t0);
        w.decide((0, 0), t0);
        // Two runs that each waited long: too few to tell.
        assert_eq!(
            w.decide((10 * MS, 2), t0 + Duration::from_millis(100)),
            Move::Stay
        );
        // Released twice: the back-off is at 4 s.
        let t1 = t0 + Duration::from_secs(1);
        assert_eq!(w.decide((110 * MS, 52), t1), Move::Release);
        assert_eq!(w.decide((110 * MS, 60), t1 + BACKOFF_MIN), Move::Pin);
        let t2 = t1 + BACKOFF_MIN + Duration::from_millis(100);
        assert_eq!(w.decide((210 * MS, 110), t2), Move::Release);
        let t3 = t2 + 2 * BACKOFF_MIN;
        assert_eq!(w.decide((210 * MS, 120), t3), Move::Pin);
        // Pinned and calm for longer than CALM: back to the first back-off.
        let t4 = t3 + CALM;
        assert_eq!(w.decide((210 * MS, 5120), t4), Move::Stay);
        let t5 = t4 + Duration::from_millis(100);
        assert_eq!(w.decide((310 * MS, 5170), t5), Move::Release);
        assert_eq!(w.decide((310 * MS, 5180), t5 + BACKOFF_MIN), Move::Pin);
    }

    #[test]
    fn the_figures_are_there_on_linux() {
        if cfg!(target_os = "linux") && std::path::Path::new("/proc/thread-self/schedstat").exists()
        {
            let (_, runs) = read_schedstat().expect("schedstat");
            assert!(runs > 0);
        }
    }
}
