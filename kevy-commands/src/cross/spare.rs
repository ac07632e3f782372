//! Buffers of one-round parts kept for reuse on their shard: the argument
//! lists of parts that ran here (MGET, MSET, DEL, EXISTS… keys), the
//! reply buffers of MGET parts gathered here, and MGET plans' lists of key
//! places.
//!
//! A part's arguments are built on its origin shard and dropped on the
//! shard it ran on; an MGET part's reply is built where it ran and dropped
//! on the origin. With glibc's allocator each such cross-thread free
//! overflows the freeing thread's cache and takes the slow path
//! (`_int_free`, ~100 instructions), and the allocating thread's next
//! `malloc` misses its cache too: ~16 slow frees and 4 slow allocations per
//! 10-key MGET across 2 shards. Kept here instead, a buffer is reused by
//! the next part this shard builds (whichever direction it goes), so steady
//! traffic in both directions allocates and frees nothing. Each shard is
//! one thread: the pools are thread-local, bounded in count and in the
//! size of what they keep.

use std::cell::RefCell;

use kevy_rt::OwnedArgs;

/// Buffers kept per pool.
const KEEP: usize = 64;
/// Past [`KEEP`], small buffers (at most [`SMALL_BYTES`]) are kept up to
/// this many: pipelined one-round operations are many in flight at once
/// (up to four a connection: 200 over 50 connections at `-P 16`), and a
/// pool of 64 ran dry every burst (with no bound on them, `malloc` and
/// `free` took 12% of EXISTS `-P 16` samples).
const KEEP_SMALL: usize = 512;
/// See [`KEEP_SMALL`].
const SMALL_BYTES: usize = 1024;
/// Larger buffers are freed, not kept.
const KEEP_BYTES: usize = 16 * 1024;

thread_local! {
    static ARGS: RefCell<Vec<OwnedArgs>> = const { RefCell::new(Vec::new()) };
    static SLOTS: RefCell<Vec<Vec<(u32, u32)>>> = const { RefCell::new(Vec::new()) };
    static REPLIES: RefCell<Vec<(Vec<u8>, Vec<u32>)>> = const { RefCell::new(Vec::new()) };
}

/// Whether a pool holding `len` buffers keeps one more of `bytes`.
#[inline]
fn room(len: usize, bytes: usize) -> bool {
    len < KEEP || (len < KEEP_SMALL && bytes <= SMALL_BYTES)
}

/// An empty argument list with room for `args` arguments of `bytes`
/// bytes in all, reused when one is kept.
pub fn args(args: usize, bytes: usize) -> OwnedArgs {
    match ARGS.with(|p| p.borrow_mut().pop()) {
        Some(mut a) => {
            a.reserve(args, bytes);
            a
        }
        None => OwnedArgs::with_capacity(args, bytes),
    }
}

/// Keeps a part's argument list for reuse (emptied).
pub fn keep_args(mut a: OwnedArgs) {
    if a.capacity_bytes() <= KEEP_BYTES {
        a.clear();
        ARGS.with(|p| {
            let mut p = p.borrow_mut();
            if room(p.len(), a.capacity_bytes()) {
                p.push(a);
            }
        });
    }
}

/// An empty list of MGET's key places (`Plan::Mget`) with room for `n`,
/// reused when one is kept (built and dropped on the origin shard: a
/// malloc and a free per MGET otherwise).
pub fn slots(n: usize) -> Vec<(u32, u32)> {
    match SLOTS.with(|p| p.borrow_mut().pop()) {
        Some(mut v) => {
            v.reserve(n);
            v
        }
        None => Vec::with_capacity(n),
    }
}

/// Keeps a gathered MGET's list of key places for reuse (emptied).
pub fn keep_slots(mut v: Vec<(u32, u32)>) {
    if v.capacity() > 0 && v.capacity() * 8 <= KEEP_BYTES {
        v.clear();
        SLOTS.with(|p| {
            let mut p = p.borrow_mut();
            if room(p.len(), v.capacity() * 8) {
                p.push(v);
            }
        });
    }
}

/// An empty reply buffer with room for `bytes` bytes, and an empty list of
/// item ends with room for `items`.
pub fn reply(bytes: usize, items: usize) -> (Vec<u8>, Vec<u32>) {
    match REPLIES.with(|p| p.borrow_mut().pop()) {
        Some((mut buf, mut ends)) => {
            buf.reserve(bytes);
            ends.reserve(items);
            (buf, ends)
        }
        None => (Vec::with_capacity(bytes), Vec::with_capacity(items)),
    }
}

/// Keeps a gathered reply buffer and its item ends for reuse (emptied).
pub fn keep_reply(mut buf: Vec<u8>, mut ends: Vec<u32>) {
    if buf.capacity() <= KEEP_BYTES && ends.capacity() * 4 <= KEEP_BYTES {
        buf.clear();
        ends.clear();
        REPLIES.with(|p| {
            let mut p = p.borrow_mut();
            if room(p.len(), buf.capacity() + ends.capacity() * 4) {
                p.push((buf, ends));
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_buffers_come_back_empty() {
        let mut a = args(2, 8);
        a.push(b"key");
        a.push(b"value");
        keep_args(a);
        let a = args(4, 64);
        assert!(a.is_empty());
        assert!(a.capacity_bytes() >= 64);
        let (mut buf, mut ends) = reply(32, 2);
        buf.extend_from_slice(b"$1\r\nx\r\n");
        ends.push(7);
        keep_reply(buf, ends);
        let (buf, ends) = reply(16, 1);
        assert!(buf.is_empty() && ends.is_empty());
        assert!(buf.capacity() >= 16);
    }

    #[test]
    fn big_buffers_are_not_kept() {
        // Drain what earlier uses on this thread kept.
        while ARGS.with(|p| p.borrow_mut().pop()).is_some() {}
        let mut a = args(1, KEEP_BYTES + 1);
        a.push(&vec![b'x'; KEEP_BYTES + 1]);
        keep_args(a);
        assert!(ARGS.with(|p| p.borrow().is_empty()));
    }
}
