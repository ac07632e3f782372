//! [`Node`]: one key and its value in one heap allocation, owned through a
//! thin (8-byte) pointer, so a keyspace bucket is one pointer.
//!
//! The allocation is a [`Head`] (the [`Value`], the key's volatile-index
//! slot, its LRU clock), the LFU data (4 bytes), the key's length (LEB128:
//! one byte below 128) and exactly the key's bytes, sized to fit: a 10-byte
//! key and a 16-byte string value take one 55-byte block (64 with glibc's
//! rounding, which fits keys up to 11 bytes), against 64 bytes per bucket
//! (×2 at half load) for an inline `(key, value)` entry.
//!
//! This is the keyspace's only `unsafe`: a `Box<[u8]>`-style fat pointer
//! would cost 8 more bytes per bucket, and a separately boxed key one more
//! allocation per key.

use crate::model::types::pack::varint_len;
use std::alloc::{self, Layout};
use std::ptr::{self, NonNull};

use crate::model::value::Value;

/// The start of a node. After it, at [`LFU_OFFSET`], a `u32`: under an LFU
/// policy, the LFU data (the minute of the last decrement, 16 bits, and the
/// logarithmic access counter, 8 bits, as Redis packs them into
/// `robj.lru`); otherwise the number of the last access in its database
/// (orders the accesses of one clock tick for LRU). Then, at
/// [`KLEN_OFFSET`], the key's length in LEB128, then the key.
#[repr(C)]
struct Head {
    value: Value,
    vidx: u32,
    /// The access clock of the last read or write (Redis's `robj.lru`
    /// under an LRU policy).
    lru: u32,
}

/// The top bit of the `vidx` word: the node's snapshot mark, which says
/// whether an incremental snapshot in progress has taken the node yet
/// (`store::db::snap`); the volatile index uses the 31 bits below.
pub(crate) const MARK: u32 = 1 << 31;

/// Offset of the LFU data (4-aligned: the head is 8-aligned and 40 bytes).
const LFU_OFFSET: usize = std::mem::size_of::<Head>();
/// Offset of the key's length.
const KLEN_OFFSET: usize = LFU_OFFSET + 4;

/// An owned key–value node (like a `Box`, with the key stored inline).
pub(crate) struct Node {
    ptr: NonNull<Head>,
}

// SAFETY: a Node uniquely owns its allocation, like `Box<(Value, [u8])>`;
// `Value` is Send and Sync (checked below), the key bytes are plain data.
unsafe impl Send for Node {}
// SAFETY: as above: shared access only reads.
unsafe impl Sync for Node {}

/// The two impls above hold only while `Value` is Send and Sync.
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<Value>();
};

/// The layout of a node with a key of `klen` bytes.
#[inline]
fn layout(klen: usize) -> Layout {
    let size = KLEN_OFFSET + varint_len(klen) + klen;
    match Layout::from_size_align(size, std::mem::align_of::<Head>()) {
        Ok(l) => l,
        Err(_) => overflow(),
    }
}

#[cold]
fn overflow() -> ! {
    panic!("key too long for a keyspace node")
}

impl Node {
    /// A node holding `key` and `value`, with volatile slot `vidx`, last
    /// accessed at clock `lru`, with LFU data `lfu`.
    #[inline]
    pub(crate) fn new(key: &[u8], value: Value, vidx: u32, lru: u32, lfu: u32) -> Node {
        let layout = layout(key.len());
        let mut len = [0u8; 10];
        let n = {
            let (mut k, mut i) = (key.len(), 0);
            loop {
                let b = (k & 0x7f) as u8;
                k >>= 7;
                if k == 0 {
                    len[i] = b;
                    break i + 1;
                }
                len[i] = b | 0x80;
                i += 1;
            }
        };
        // SAFETY: `layout` has a non-zero size (it holds a `Head`).
        let raw = unsafe { alloc::alloc(layout) };
        let Some(ptr) = NonNull::new(raw.cast::<Head>()) else {
            alloc::handle_alloc_error(layout)
        };
        // SAFETY: `raw` is a fresh allocation of `layout`, 8-aligned, of
        // KLEN_OFFSET + n + key.len() bytes: a `Head` at offset 0, a 4-aligned
        // `u32` at LFU_OFFSET, the `n` length bytes at KLEN_OFFSET, the key
        // after them.
        unsafe {
            ptr.as_ptr().write(Head { value, vidx, lru });
            raw.add(LFU_OFFSET).cast::<u32>().write(lfu);
            ptr::copy_nonoverlapping(len.as_ptr(), raw.add(KLEN_OFFSET), n);
            ptr::copy_nonoverlapping(key.as_ptr(), raw.add(KLEN_OFFSET + n), key.len());
        }
        Node { ptr }
    }

    /// Asks the CPU to start loading this node's first two cache lines (the
    /// head and, for short keys, the key bytes). A hint: it never faults.
    #[inline]
    pub(crate) fn prefetch(&self) {
        let p = self.ptr.as_ptr().cast::<u8>();
        prefetch_addr(p);
        prefetch_addr(p.wrapping_add(KLEN_OFFSET));
    }

    #[inline]
    fn head(&self) -> &Head {
        // SAFETY: `ptr` points at the initialised `Head` this node owns.
        unsafe { self.ptr.as_ref() }
    }

    #[inline]
    fn head_mut(&mut self) -> &mut Head {
        // SAFETY: as `head`, and `&mut self` makes the access unique.
        unsafe { self.ptr.as_mut() }
    }

    /// The key's length and the offset of its bytes.
    #[inline]
    fn key_span(&self) -> (usize, usize) {
        let p = self.ptr.as_ptr().cast::<u8>();
        let (mut len, mut shift, mut at) = (0usize, 0u32, KLEN_OFFSET);
        loop {
            // SAFETY: `new` wrote the key's LEB128 length from KLEN_OFFSET
            // on; the walk stops at its last byte (high bit clear).
            let b = unsafe { *p.add(at) };
            at += 1;
            len |= ((b & 0x7f) as usize) << shift;
            if b & 0x80 == 0 {
                return (len, at);
            }
            shift += 7;
        }
    }

    /// The key.
    #[inline]
    pub(crate) fn key(&self) -> &[u8] {
        let (len, at) = self.key_span();
        // SAFETY: `new` wrote `len` key bytes at `at` of this allocation,
        // which lives as long as `self`.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr().cast::<u8>().add(at), len) }
    }

    /// True when this node's key is `key`: [`Node::key`] compared inline
    /// ([`same_bytes`]), the table's probe for a key.
    #[inline]
    pub(crate) fn key_is(&self, key: &[u8]) -> bool {
        same_bytes(self.key(), key)
    }

    /// The value.
    #[inline]
    pub(crate) fn value(&self) -> &Value {
        &self.head().value
    }

    /// The value, mutably.
    #[inline]
    pub(crate) fn value_mut(&mut self) -> &mut Value {
        &mut self.head_mut().value
    }

    /// The volatile-index slot.
    #[inline]
    pub(crate) fn vidx(&self) -> u32 {
        self.head().vidx & !MARK
    }

    /// The snapshot mark (see [`MARK`]).
    #[inline]
    pub(crate) fn mark(&self) -> bool {
        self.head().vidx & MARK != 0
    }

    /// Sets the snapshot mark.
    #[inline]
    pub(crate) fn set_mark(&mut self, on: bool) {
        let h = self.head_mut();
        h.vidx = (h.vidx & !MARK) | if on { MARK } else { 0 };
    }

    /// The access clock of the last access.
    #[inline]
    pub(crate) fn lru(&self) -> u32 {
        self.head().lru
    }

    /// Stamps an access.
    #[inline]
    pub(crate) fn set_lru(&mut self, clock: u32) {
        self.head_mut().lru = clock;
    }

    /// The LFU data (minute and counter).
    #[inline]
    pub(crate) fn lfu(&self) -> u32 {
        // SAFETY: `new` wrote a `u32` at LFU_OFFSET (4-aligned) of this
        // allocation, which lives as long as `self`.
        unsafe {
            self.ptr
                .as_ptr()
                .cast::<u8>()
                .add(LFU_OFFSET)
                .cast::<u32>()
                .read()
        }
    }

    /// Sets the LFU data.
    #[inline]
    pub(crate) fn set_lfu(&mut self, lfu: u32) {
        // SAFETY: as `lfu`, and `&mut self` makes the access unique.
        unsafe {
            self.ptr
                .as_ptr()
                .cast::<u8>()
                .add(LFU_OFFSET)
                .cast::<u32>()
                .write(lfu)
        }
    }

    /// Sets the volatile-index slot (below 2^31; the mark is kept).
    #[inline]
    pub(crate) fn set_vidx(&mut self, vidx: u32) {
        let h = self.head_mut();
        h.vidx = (h.vidx & MARK) | (vidx & !MARK);
    }

    /// Frees the node, returning its value.
    pub(crate) fn into_value(self) -> Value {
        let this = std::mem::ManuallyDrop::new(self);
        let layout = layout(this.key_span().0);
        // SAFETY: the value is read out exactly once, then the allocation is
        // freed with the layout it was made with; `ManuallyDrop` keeps `Drop`
        // from touching either again.
        unsafe {
            let value = ptr::addr_of!((*this.ptr.as_ptr()).value).read();
            alloc::dealloc(this.ptr.as_ptr().cast(), layout);
            value
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let layout = layout(self.key_span().0);
        // SAFETY: the node owns an initialised `Head` in an allocation of
        // `layout`; both are released exactly once, here.
        unsafe {
            ptr::drop_in_place(self.ptr.as_ptr());
            alloc::dealloc(self.ptr.as_ptr().cast(), layout);
        }
    }
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node")
            .field("key", &String::from_utf8_lossy(self.key()))
            .field("value", self.value())
            .field("vidx", &self.vidx())
            .finish()
    }
}

/// `a == b`, with keys of 4 to 16 bytes compared as two overlapping words
/// each instead of by a call to `memcmp` (a probe compares one key a
/// lookup; the call and its length dispatch cost more than the compare).
#[inline(always)]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if (8..=16).contains(&n) {
        if let (Some(a0), Some(a1), Some(b0), Some(b1)) = (
            a.first_chunk::<8>(),
            a.last_chunk::<8>(),
            b.first_chunk::<8>(),
            b.last_chunk::<8>(),
        ) {
            let w = u64::from_ne_bytes;
            return (w(*a0) ^ w(*b0)) | (w(*a1) ^ w(*b1)) == 0;
        }
    } else if (4..8).contains(&n) {
        if let (Some(a0), Some(a1), Some(b0), Some(b1)) = (
            a.first_chunk::<4>(),
            a.last_chunk::<4>(),
            b.first_chunk::<4>(),
            b.last_chunk::<4>(),
        ) {
            let w = u32::from_ne_bytes;
            return (w(*a0) ^ w(*b0)) | (w(*a1) ^ w(*b1)) == 0;
        }
    }
    a == b
}

/// Asks the CPU to start loading the cache line at `p`. A hint: it never
/// faults, whatever the address (a no-op off x86-64).
#[inline]
pub(crate) fn prefetch_addr(p: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `prefetch` is a hint that never faults, whatever the address;
    // SSE, which it needs, is part of x86-64's baseline.
    unsafe {
        use core::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(p.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::value::Bytes;

    #[test]
    fn same_bytes_agrees_with_slice_equality() {
        let base: Vec<u8> = (0..40u8).collect();
        for n in 0..40 {
            let a = &base[..n];
            assert!(same_bytes(a, a));
            for at in 0..n {
                let mut b = a.to_vec();
                b[at] ^= 0x80;
                assert!(!same_bytes(a, &b), "len {n}, byte {at}");
            }
            assert!(!same_bytes(a, &base[..n + 1]));
        }
    }

    #[test]
    fn keys_and_values_round_trip() {
        for len in [0usize, 1, 7, 8, 16, 17, 100, 5000] {
            let key: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let value = Value::Str(Bytes::from_slice(&key));
            let mut n = Node::new(&key, value.clone(), 7, 0, 0);
            assert_eq!(n.key(), &key[..]);
            assert_eq!(n.value(), &value);
            assert_eq!(n.vidx(), 7);
            n.set_mark(true);
            n.set_vidx(u32::MAX >> 1);
            *n.value_mut() = Value::Int(len as i64);
            assert_eq!(n.vidx(), u32::MAX >> 1);
            assert!(n.mark());
            n.set_mark(false);
            assert_eq!(n.vidx(), u32::MAX >> 1);
            assert!(!n.mark());
            assert_eq!(n.key(), &key[..]);
            assert_eq!(n.into_value(), Value::Int(len as i64));
        }
    }

    #[test]
    fn drops_owned_values() {
        let big = Value::Str(Bytes::from_slice(&[b'x'; 1000]));
        let nodes: Vec<Node> = (0..100)
            .map(|i| Node::new(format!("k{i}").as_bytes(), big.clone(), u32::MAX, 0, 0))
            .collect();
        assert!(nodes.iter().all(|n| n.value() == &big));
        drop(nodes);
    }

    #[test]
    fn head_is_compact() {
        assert_eq!(KLEN_OFFSET, 44);
        assert_eq!(layout(10).size(), 55);
        assert_eq!(layout(127).size(), 172);
        assert_eq!(layout(128).size(), 174);
        assert_eq!(layout(300_000).size(), 44 + 3 + 300_000);
    }
}
