//! The one pseudo-random generator, xorshift64* ([`xorshift`]): over a
//! caller's state (a database's LFU counter, a shard's sampling), or over
//! a per-thread state ([`next`]: SPOP, SRANDMEMBER, HRANDFIELD, RANDOMKEY;
//! each shard is one thread) seeded from the clock and the thread's
//! identity. Not for anything secret.

use std::cell::Cell;
use std::hash::{BuildHasher, Hasher};

thread_local! {
    static STATE: Cell<u64> = Cell::new(seed());
}

fn seed() -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(super::clock::now_ms() as u64);
    h.write_usize(&h as *const _ as usize);
    h.finish() | 1
}

/// A pseudo-random 64-bit number.
#[inline]
pub fn next() -> u64 {
    STATE.with(|s| {
        let mut x = s.get();
        let r = xorshift(&mut x);
        s.set(x);
        r
    })
}

/// A uniform number in `0..n` (0 when `n` is 0).
#[inline]
pub fn below(n: usize) -> usize {
    if n == 0 {
        return 0;
    }
    // Multiply-shift: uniform enough for sampling (bias below 2^-32 for any
    // collection that fits in memory).
    ((next() as u128 * n as u128) >> 64) as usize
}

/// `count` distinct positions in `0..len`, in random order (all of them,
/// shuffled, when `count >= len`).
pub fn distinct(len: usize, count: usize) -> Vec<usize> {
    let count = count.min(len);
    if count.saturating_mul(3) > len {
        // Partial Fisher-Yates over every position.
        let mut all: Vec<usize> = (0..len).collect();
        for i in 0..count {
            let j = i + below(len - i);
            all.swap(i, j);
        }
        all.truncate(count);
        all
    } else {
        // Few out of many: draw until enough distinct ones came up.
        let mut seen = hashbrown::HashSet::with_capacity(count);
        let mut out = Vec::with_capacity(count);
        while out.len() < count {
            let i = below(len);
            if seen.insert(i) {
                out.push(i);
            }
        }
        out
    }
}

/// xorshift64*: the next pseudo-random number from `state`.
#[inline]
pub fn xorshift(state: &mut u64) -> u64 {
    let mut x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    x.wrapping_mul(0x2545_F491_4F6C_DD1D)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn below_stays_in_range_and_spreads() {
        assert_eq!(below(0), 0);
        let mut hits = [0usize; 5];
        for _ in 0..5000 {
            let i = below(5);
            hits[i] += 1;
        }
        assert!(hits.iter().all(|&n| n > 700), "{hits:?}");
    }

    #[test]
    fn distinct_positions() {
        for (len, count) in [(10, 3), (10, 9), (100, 5), (5, 10), (0, 3)] {
            let mut got = distinct(len, count);
            assert_eq!(got.len(), count.min(len));
            got.sort_unstable();
            got.dedup();
            assert_eq!(got.len(), count.min(len));
            assert!(got.iter().all(|&i| i < len));
        }
    }
}
