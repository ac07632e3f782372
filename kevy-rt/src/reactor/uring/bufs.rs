//! The provided-buffer ring multishot receives land in: `COUNT` buffers of
//! `SIZE` bytes the kernel picks from as data arrives, and the shard hands
//! back once it has copied a buffer's bytes into its connection's own
//! buffer (within the same reap, so few are ever out at once).
//!
//! Both the entries and the buffers are anonymous mappings, not heap
//! allocations: the pool is the shard's share of what the kernel's socket
//! buffers are to a server reading with `read(2)`, fixed at start, so the
//! allocator's count (what `used_memory` reports and `maxmemory` compares)
//! leaves it out, and its pages become resident only as data lands in them.

use std::io;
use std::sync::atomic::{AtomicU16, Ordering};

use io_uring::types::BufRingEntry;
use io_uring::IoUring;

/// The buffer group receives select from.
pub(crate) const GROUP: u16 = 0;
/// Buffers in the ring (a power of two; one page of entries).
const COUNT: u16 = 256;
/// Bytes per buffer: a request at depth 1 takes a few dozen; a bulk load
/// arrives in chunks of this size.
const SIZE: usize = 8 * 1024;

/// The ring of entries (shared with the kernel) and the buffers they name.
pub(crate) struct Bufs {
    /// `COUNT` entries, page-aligned (mmap), shared with the kernel.
    entries: *mut BufRingEntry,
    /// `COUNT * SIZE` bytes (a mapping); never moved, so its addresses
    /// stay valid.
    data: *mut u8,
    /// Our next tail (the kernel reads the published one).
    tail: u16,
}

impl Bufs {
    /// Maps the entries, registers them with `ring` and provides every
    /// buffer.
    pub(crate) fn new(ring: &IoUring) -> io::Result<Bufs> {
        let entries = map(ENTRIES_BYTES)?;
        let data = match map(DATA_BYTES) {
            Ok(d) => d,
            Err(e) => {
                // SAFETY: mapped just above with this length, never shared.
                unsafe { libc::munmap(entries, ENTRIES_BYTES) };
                return Err(e);
            }
        };
        let mut bufs = Bufs {
            entries: entries.cast(),
            data: data.cast(),
            tail: 0,
        };
        // SAFETY: `entries` is a page-aligned mapping of COUNT entries that
        // lives as long as `bufs` (unmapped by `unmap`, after the group is
        // unregistered), and every buffer address it will hold points into
        // `data`, which lives as long.
        unsafe {
            ring.submitter()
                .register_buf_ring_with_flags(bufs.entries as u64, COUNT, GROUP, 0)?
        };
        for bid in 0..COUNT {
            bufs.put(bid);
        }
        bufs.publish();
        Ok(bufs)
    }

    /// The bytes the kernel put in buffer `bid` (`len` of them).
    pub(crate) fn get(&self, bid: u16, len: usize) -> &[u8] {
        let start = (bid % COUNT) as usize * SIZE;
        // SAFETY: buffer `bid % COUNT` lies inside the DATA_BYTES mapping,
        // which lives as long as `self`; the kernel wrote its first `len`
        // bytes (at most SIZE) before posting the completion that named it,
        // and does not write it again until `put` gives it back, which
        // needs `&mut self` (this borrow has ended by then).
        unsafe { std::slice::from_raw_parts(self.data.add(start), len.min(SIZE)) }
    }

    /// Gives buffer `bid` back to the kernel (visible at [`Bufs::publish`]).
    pub(crate) fn put(&mut self, bid: u16) {
        let bid = bid % COUNT;
        let idx = (self.tail & (COUNT - 1)) as usize;
        // SAFETY: `idx < COUNT`, inside the mapping; the kernel reads only
        // entries between its head and the published tail, and this one is
        // at or past the published tail until `publish`.
        let e = unsafe { &mut *self.entries.add(idx) };
        e.set_addr(self.data.wrapping_add(bid as usize * SIZE) as u64);
        e.set_len(SIZE as u32);
        e.set_bid(bid);
        self.tail = self.tail.wrapping_add(1);
    }

    /// Publishes the buffers given back since the last call.
    pub(crate) fn publish(&self) {
        // SAFETY: the tail field sits inside the first entry of the live
        // mapping; it is a u16 the kernel reads with acquire semantics, so
        // an atomic release store orders the entries written before it.
        let tail = unsafe { &*(BufRingEntry::tail(self.entries).cast::<AtomicU16>()) };
        tail.store(self.tail, Ordering::Release);
    }

    /// Unregisters the group from `ring`; true when the kernel no longer
    /// uses the buffers.
    pub(crate) fn unregister(&self, ring: &IoUring) -> bool {
        ring.submitter().unregister_buf_ring(GROUP).is_ok()
    }

    /// Unmaps the entries and the buffers.
    pub(crate) fn unmap(self) {
        // SAFETY: both mappings were made in `new` with these lengths and
        // the kernel no longer reads or writes them (the caller unregistered
        // the group); nothing borrowed from `data` outlives `self`.
        unsafe {
            libc::munmap(self.entries.cast(), ENTRIES_BYTES);
            libc::munmap(self.data.cast(), DATA_BYTES);
        }
    }
}

/// Bytes of the entries' mapping.
const ENTRIES_BYTES: usize = COUNT as usize * std::mem::size_of::<BufRingEntry>();
/// Bytes of the buffers' mapping.
const DATA_BYTES: usize = COUNT as usize * SIZE;

/// An anonymous private read-write mapping of `bytes` (zero-filled, its
/// pages resident once touched).
fn map(bytes: usize) -> io::Result<*mut libc::c_void> {
    // SAFETY: an anonymous private mapping takes no pointer of ours; the
    // result is checked before use.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            bytes,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if p == libc::MAP_FAILED {
        return Err(io::Error::last_os_error());
    }
    Ok(p)
}
