//! The clock commands are timed with. Every command is timed (command
//! statistics, latency histograms, the slow log), so reading the clock is
//! on the per-command path: on x86-64 with an invariant TSC (`constant_tsc`
//! and `nonstop_tsc`) it is one `rdtsc` (~10 ns here against ~25 ns for
//! `clock_gettime`), converted to nanoseconds with a factor measured once
//! against the monotonic clock. Elsewhere it is `Instant`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Unix time in milliseconds.
pub type Ms = i64;

/// The current unix time in milliseconds.
#[inline]
pub fn now_ms() -> Ms {
    match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => d.as_millis() as Ms,
        Err(_) => 0,
    }
}

/// Nanoseconds per tick in 32.32 fixed point (a multiply and a shift per
/// reading, where `f64` conversions both ways cost ~20 instructions of the
/// per-command path); 0 until calibrated or when the TSC is not usable.
static NS_PER_TICK: AtomicU64 = AtomicU64::new(0);

/// Fraction bits of [`NS_PER_TICK`].
const FIXED: u32 = 32;

/// The monotonic epoch of the `Instant` fallback.
fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

#[cfg(target_arch = "x86_64")]
#[inline]
fn ticks() -> u64 {
    // SAFETY: `rdtsc` reads the time-stamp counter; it has no memory effects
    // and every x86-64 CPU has it.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// True when the OS reports an invariant time-stamp counter.
fn tsc_is_invariant() -> bool {
    if !cfg!(target_arch = "x86_64") {
        return false;
    }
    let Ok(info) = std::fs::read_to_string("/proc/cpuinfo") else {
        return false;
    };
    let flags = info
        .lines()
        .find(|l| l.starts_with("flags"))
        .unwrap_or_default();
    let has = |f: &str| flags.split_whitespace().any(|x| x == f);
    has("constant_tsc") && has("nonstop_tsc")
}

/// Chooses the clock and measures the TSC's rate (2 ms, once per process).
pub fn calibrate() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        epoch();
        #[cfg(target_arch = "x86_64")]
        if tsc_is_invariant() {
            let (t0, i0) = (ticks(), Instant::now());
            while i0.elapsed() < Duration::from_millis(2) {
                std::hint::spin_loop();
            }
            let (t1, ns) = (ticks(), i0.elapsed().as_nanos() as f64);
            if t1 > t0 {
                let f = ns / (t1 - t0) as f64 * (1u64 << FIXED) as f64;
                NS_PER_TICK.store((f as u64).max(1), Ordering::Relaxed);
            }
        }
    });
}

/// A point in time, for [`since`].
#[derive(Clone, Copy, Debug)]
pub struct Stamp(u64);

/// Now.
#[inline]
pub fn now() -> Stamp {
    #[cfg(target_arch = "x86_64")]
    if NS_PER_TICK.load(Ordering::Relaxed) != 0 {
        return Stamp(ticks());
    }
    Stamp(epoch().elapsed().as_nanos() as u64)
}

/// Nanoseconds since `start`.
#[inline]
pub fn since(start: Stamp) -> u64 {
    let f = NS_PER_TICK.load(Ordering::Relaxed);
    #[cfg(target_arch = "x86_64")]
    if f != 0 {
        let ticks = ticks().saturating_sub(start.0);
        return ((ticks as u128 * f as u128) >> FIXED) as u64;
    }
    let _ = f;
    (epoch().elapsed().as_nanos() as u64).saturating_sub(start.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_like_the_monotonic_clock() {
        calibrate();
        // Within 5% of the monotonic clock (the TSC runs at a fixed rate),
        // in one of a few tries: a thread preempted between reading the
        // two clocks sees them apart by the time it waited.
        let mut seen = Vec::new();
        for _ in 0..5 {
            let (s, i) = (now(), Instant::now());
            std::thread::sleep(Duration::from_millis(20));
            let (ours, real) = (since(s), i.elapsed().as_nanos() as u64);
            assert!(ours >= 20_000_000, "{ours}");
            if ours.abs_diff(real) < real / 20 {
                return;
            }
            seen.push((ours, real));
        }
        panic!("never within 5% of the monotonic clock: {seen:?}");
    }
}
