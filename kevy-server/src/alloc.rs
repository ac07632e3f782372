//! The counting global allocator: the system allocator (glibc malloc),
//! with every thread's allocations minus frees counted in a slot of its
//! own, so `used_memory` and `maxmemory` see the real allocation and the
//! hot path pays no contended atomic.
//!
//! Each of the first [`SLOTS`]` - 1` threads to allocate owns a slot,
//! which only it writes (a relaxed load and store: no locked instruction);
//! later threads share the last slot through `fetch_add`. A slot is never
//! reused, so a thread's net count stays after it exits (its blocks may
//! live on, freed by another thread whose own count then goes down).
//! Any thread sums the slots in use for the total ([`Gauge::used`]); the
//! evicting shard reads its own slot before and after removing a key to
//! learn what the removal freed ([`Gauge::thread_net`]).
//!
//! What is counted is glibc's chunk size for the request (8 bytes of
//! header, rounded up to 16, at least 32; page-rounded past the mmap
//! threshold), so the total tracks what malloc holds for the program, not
//! just what it asked for. Measured cost: see ARCHITECTURE.md.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering::Relaxed};

use kevy_commands::MemoryGauge;

/// Counter slots: the first `SLOTS - 1` threads get one each.
const SLOTS: usize = 64;

/// A counter on a cache line of its own (no false sharing between threads).
#[repr(align(128))]
struct Slot(AtomicI64);

static COUNTS: [Slot; SLOTS] = [const { Slot(AtomicI64::new(0)) }; SLOTS];

/// Slots handed out so far.
static NEXT: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// This thread's slot, `usize::MAX` until its first allocation.
    static MINE: Cell<usize> = const { Cell::new(usize::MAX) };
}

/// The calling thread's slot (the shared last one during thread-local
/// teardown, or past the first `SLOTS - 1` threads).
#[inline]
fn slot() -> usize {
    MINE.try_with(|m| {
        let s = m.get();
        if s != usize::MAX {
            return s;
        }
        let s = NEXT.fetch_add(1, Relaxed).min(SLOTS - 1);
        m.set(s);
        s
    })
    .unwrap_or(SLOTS - 1)
}

/// Adds `n` bytes (negative: frees) to the calling thread's count.
#[inline]
fn count(n: i64) {
    let s = slot();
    let c = &COUNTS[s].0;
    if s < SLOTS - 1 {
        // Only this thread writes this slot: no read-modify-write needed.
        c.store(c.load(Relaxed).wrapping_add(n), Relaxed);
    } else {
        c.fetch_add(n, Relaxed);
    }
}

/// Below this, glibc serves a request from its heaps (its default mmap
/// threshold; the dynamic threshold may raise it, so bigger blocks are an
/// estimate either way).
const MMAP_THRESHOLD: usize = 128 * 1024;

/// The bytes glibc holds for a request of `size` bytes.
#[inline]
fn chunk(size: usize) -> i64 {
    let c = if size < MMAP_THRESHOLD {
        ((size + 8 + 15) & !15).max(32)
    } else {
        (size + 16 + 4095) & !4095
    };
    c as i64
}

/// The system allocator, counted.
pub struct Counting;

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged and returns its result unchanged, so `System`'s guarantees
// (alignment, size, validity until freed) carry over. The counting touches
// only atomics and a const-initialised thread-local without a destructor:
// it never allocates (no recursion into the allocator) and never panics
// (`try_with` falls back to the shared slot while thread-locals are torn
// down).
unsafe impl GlobalAlloc for Counting {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is; the caller upholds `alloc`'s contract.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            count(chunk(layout.size()));
        }
        p
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            count(chunk(layout.size()));
        }
        p
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller passes a block this allocator (so `System`)
        // returned, with its layout.
        unsafe { System.dealloc(ptr, layout) };
        count(-chunk(layout.size()));
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as `dealloc`, and `new_size` is valid per the caller.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            count(chunk(new_size) - chunk(layout.size()));
        }
        p
    }
}

/// Reads the counts (installed in the command set as its memory gauge).
pub struct Gauge;

impl MemoryGauge for Gauge {
    fn used(&self) -> u64 {
        let n = NEXT.load(Relaxed).min(SLOTS - 1);
        let own: i64 = COUNTS[..n].iter().map(|s| s.0.load(Relaxed)).sum();
        (own + COUNTS[SLOTS - 1].0.load(Relaxed)).max(0) as u64
    }

    fn thread_net(&self) -> i64 {
        COUNTS[slot()].0.load(Relaxed)
    }
}

/// The gauge handed to the command set.
pub static GAUGE: Gauge = Gauge;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_round_like_glibc() {
        assert_eq!(chunk(0), 32);
        assert_eq!(chunk(24), 32);
        assert_eq!(chunk(25), 48);
        assert_eq!(chunk(10_240), 10_256);
        assert_eq!(chunk(1 << 20), (1 << 20) + 4096);
    }
}
