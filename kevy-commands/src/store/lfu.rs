//! Redis's LFU counter (`evict.c`): an 8-bit logarithmic access counter
//! with the minute of its last decrement, packed into 24 bits as Redis
//! packs them into `robj.lru` (`ldt << 8 | counter`).
//!
//! An access first applies the decay (one per `lfu-decay-time` minutes
//! elapsed), then increments the counter with probability
//! `1 / ((counter - LFU_INIT_VAL) * lfu-log-factor + 1)`, so reaching 255
//! takes about a million accesses at the default factor 10.

/// The counter a new key starts with (Redis's `LFU_INIT_VAL`), so that a
/// fresh key is not evicted before it had a chance to be accessed.
pub const INIT: u32 = 5;

/// Access-clock ticks per minute (the clock counts 100 ms ticks).
const TICKS_PER_MINUTE: u32 = 600;

/// The LFU minute (16 bits, wrapping) of access clock `ticks`: Redis's
/// `LFUGetTimeInMinutes`.
#[inline]
pub fn minutes(ticks: u32) -> u32 {
    (ticks / TICKS_PER_MINUTE) & 0xFFFF
}

/// The LFU data of a key created at minute `now`.
#[inline]
pub fn fresh(now: u32) -> u32 {
    (now << 8) | INIT
}

/// Minutes from `ldt` to `now` on the 16-bit wrapping clock
/// (`LFUTimeElapsed`).
#[inline]
fn elapsed(now: u32, ldt: u32) -> u32 {
    if now >= ldt {
        now - ldt
    } else {
        65535 - ldt + now
    }
}

/// The counter of `lfu` after its decay at minute `now`, without storing
/// it (`LFUDecrAndReturn`): one per `decay` minutes elapsed (none when
/// `decay` is 0).
#[inline]
pub fn decayed(lfu: u32, now: u32, decay: u32) -> u32 {
    let ldt = (lfu >> 8) & 0xFFFF;
    let counter = lfu & 255;
    let periods = elapsed(now, ldt).checked_div(decay).unwrap_or(0);
    counter.saturating_sub(periods)
}

/// `counter` after one access (`LFULogIncr`); `r` is uniform in `[0, 1)`.
#[inline]
pub fn log_incr(counter: u32, factor: u32, r: f64) -> u32 {
    if counter >= 255 {
        return 255;
    }
    let base = counter.saturating_sub(INIT) as f64;
    let p = 1.0 / (base * factor as f64 + 1.0);
    if r < p {
        counter + 1
    } else {
        counter
    }
}

/// The LFU data after an access at minute `now` (`updateLFU`).
#[inline]
pub fn accessed(lfu: u32, now: u32, factor: u32, decay: u32, r: f64) -> u32 {
    let counter = log_incr(decayed(lfu, now, decay), factor, r);
    (now << 8) | counter
}

/// A uniform double in `[0, 1)` from 64 random bits.
#[inline]
pub fn unit(bits: u64) -> f64 {
    (bits >> 11) as f64 / (1u64 << 53) as f64
}
