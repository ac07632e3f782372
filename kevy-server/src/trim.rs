//! Gives the heap's free pages back to the kernel once a burst of work is
//! over (glibc's `malloc_trim`), as Redis's jemalloc purges dirty pages in
//! the background.
//!
//! A bulk load interleaves short-lived buffers (batches, reply slots) with
//! the keys it stores; once they are freed, the holes stay resident because
//! glibc only returns the top of a heap on its own. Measured after loading
//! 1M string keys through `redis-cli --pipe`: 96 MB resident, 87 MB after a
//! trim; after a FLUSHALL of those keys, 76 MB without a trim and 11 MB with
//! one. A trim walks every arena's free lists and hands their pages back,
//! holding each arena's lock meanwhile: 5 ms after that load, 230 ms after
//! that FLUSHALL (a command arriving then may wait as long, as it would
//! behind Redis's own synchronous FLUSHALL). So it runs only once a whole
//! [`PERIOD`] passed without commands, after at least [`MIN_COMMANDS`] of
//! them, or after any at all if the last trim is [`MIN_INTERVAL`] old.

use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use kevy_rt::Stats;

/// How often the command counters are looked at.
const PERIOD: Duration = Duration::from_secs(1);

/// Commands since the last trim that make another worth it.
const MIN_COMMANDS: u64 = 100_000;

/// Fewer commands (a FLUSHALL, a big DEL) trim when the last trim is this old.
const MIN_INTERVAL: Duration = Duration::from_secs(10);

/// Starts the trimming thread (for the life of the process).
pub fn spawn(stats: Stats) {
    let spawned = std::thread::Builder::new()
        .name("kevy-trim".into())
        .spawn(move || run(&stats));
    if let Err(e) = spawned {
        crate::log::log(
            crate::log::Level::Warning,
            &format!("cannot start the memory trimming thread: {e}"),
        );
    }
}

fn run(stats: &Stats) {
    let total = || -> u64 {
        stats
            .shards()
            .iter()
            .map(|s| s.commands.load(Relaxed))
            .sum()
    };
    let (mut seen, mut trimmed) = (total(), total());
    let mut last = Instant::now();
    loop {
        std::thread::sleep(PERIOD);
        let now = total();
        if now != seen {
            seen = now;
            continue;
        }
        let since = now.wrapping_sub(trimmed);
        if since >= MIN_COMMANDS || (since > 0 && last.elapsed() >= MIN_INTERVAL) {
            trim();
            trimmed = now;
            last = Instant::now();
        }
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim() {
    // SAFETY: malloc_trim takes no pointer and is thread-safe (it locks each
    // arena in turn).
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim() {}
