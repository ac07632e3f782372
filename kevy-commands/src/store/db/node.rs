//! [`Node`]: one key and its value in one heap allocation, owned through a
//! thin (8-byte) pointer, so a keyspace bucket is one pointer.
//!
//! The allocation is a [`Head`] (the [`Value`], the key's volatile-index slot,
//! the key's length, its LRU clock and LFU data) followed by exactly the key's bytes, sized to fit:
//! a 10-byte key and a 16-byte string value take one 50-byte block (64 with
//! the allocator's rounding), against 64 bytes per bucket (×2 at half load)
//! for an inline `(key, value)` entry.
//!
//! This is the keyspace's only `unsafe`: a `Box<[u8]>`-style fat pointer
//! would cost 8 more bytes per bucket, and a separately boxed key one more
//! allocation per key.

use std::alloc::{self, Layout};
use std::ptr::{self, NonNull};

use crate::model::value::Value;

/// What precedes the key bytes.
#[repr(C)]
struct Head {
    value: Value,
    vidx: u32,
    klen: u32,
    /// The access clock of the last read or write (Redis's `robj.lru`
    /// under an LRU policy).
    lru: u32,
    /// Under an LFU policy, the LFU data: the minute of the last decrement
    /// (16 bits) and the logarithmic access counter (8 bits), as Redis
    /// packs them into `robj.lru`; otherwise the number of the last access
    /// in its database (orders the accesses of one clock tick for LRU).
    /// Sits in what was the header's padding.
    lfu: u32,
}

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
    match Layout::new::<Head>().extend(Layout::array::<u8>(klen).unwrap_or_else(|_| overflow())) {
        Ok((l, _)) => l,
        Err(_) => overflow(),
    }
}

#[cold]
fn overflow() -> ! {
    panic!("key too long for a keyspace node")
}

/// Offset of the key bytes in a node.
const KEY_OFFSET: usize = std::mem::size_of::<Head>();

impl Node {
    /// A node holding `key` and `value`, with volatile slot `vidx`, last
    /// accessed at clock `lru`, with LFU data `lfu`.
    #[inline]
    pub(crate) fn new(key: &[u8], value: Value, vidx: u32, lru: u32, lfu: u32) -> Node {
        let klen = u32::try_from(key.len()).unwrap_or_else(|_| overflow());
        let layout = layout(key.len());
        // SAFETY: `layout` has a non-zero size (it contains a `Head`).
        let raw = unsafe { alloc::alloc(layout) };
        let Some(ptr) = NonNull::new(raw.cast::<Head>()) else {
            alloc::handle_alloc_error(layout)
        };
        // SAFETY: `raw` is a fresh allocation of `layout`: a `Head` at offset 0
        // (aligned, as the layout starts with it) and `klen` bytes at
        // KEY_OFFSET (`Layout::extend` of a byte array adds no padding).
        unsafe {
            ptr.as_ptr().write(Head {
                value,
                vidx,
                klen,
                lru,
                lfu,
            });
            ptr::copy_nonoverlapping(key.as_ptr(), raw.add(KEY_OFFSET), key.len());
        }
        Node { ptr }
    }

    /// Asks the CPU to start loading this node's first two cache lines (the
    /// head and, for short keys, the key bytes). A hint: it never faults.
    #[inline]
    pub(crate) fn prefetch(&self) {
        let p = self.ptr.as_ptr().cast::<u8>();
        prefetch_addr(p);
        prefetch_addr(p.wrapping_add(KEY_OFFSET));
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

    /// The key.
    #[inline]
    pub(crate) fn key(&self) -> &[u8] {
        let len = self.head().klen as usize;
        // SAFETY: `new` wrote `klen` key bytes at KEY_OFFSET of this allocation,
        // which lives as long as `self`.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr().cast::<u8>().add(KEY_OFFSET), len) }
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
        self.head().vidx
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
        self.head().lfu
    }

    /// Sets the LFU data.
    #[inline]
    pub(crate) fn set_lfu(&mut self, lfu: u32) {
        self.head_mut().lfu = lfu;
    }

    /// Sets the volatile-index slot.
    #[inline]
    pub(crate) fn set_vidx(&mut self, vidx: u32) {
        self.head_mut().vidx = vidx;
    }

    /// Frees the node, returning its value.
    pub(crate) fn into_value(self) -> Value {
        let this = std::mem::ManuallyDrop::new(self);
        let layout = layout(this.head().klen as usize);
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
        let layout = layout(self.head().klen as usize);
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
    fn keys_and_values_round_trip() {
        for len in [0usize, 1, 7, 8, 16, 17, 100, 5000] {
            let key: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let value = Value::Str(Bytes::from_slice(&key));
            let mut n = Node::new(&key, value.clone(), 7, 0, 0);
            assert_eq!(n.key(), &key[..]);
            assert_eq!(n.value(), &value);
            assert_eq!(n.vidx(), 7);
            n.set_vidx(u32::MAX);
            *n.value_mut() = Value::Int(len as i64);
            assert_eq!(n.vidx(), u32::MAX);
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
        assert_eq!(KEY_OFFSET, 48);
        assert_eq!(layout(10).size(), 58);
    }
}
