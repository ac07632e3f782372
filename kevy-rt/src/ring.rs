//! A bounded, lock-free single-producer single-consumer ring.
//!
//! One ring carries messages from one shard to one other shard. The producer and
//! the consumer each own an index on its own cache line and keep a cached copy of
//! the other's, so a push or pop touches shared memory only when the cached view
//! says the ring looks full (or empty). A failed push hands the value back.

use std::cell::UnsafeCell;
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Pads a value to its own cache-line pair (adjacent-line prefetch included).
#[repr(align(128))]
struct Padded<T>(T);

struct Shared<T> {
    /// Next slot to read; written by the consumer only.
    head: Padded<AtomicUsize>,
    /// Next slot to write; written by the producer only.
    tail: Padded<AtomicUsize>,
    slots: Box<[UnsafeCell<MaybeUninit<T>>]>,
    mask: usize,
}

// SAFETY: a slot is written only by the single producer while it is outside
// `head..tail`, and read only by the single consumer while it is inside; the
// Release store of `tail` (resp. `head`) publishes the write (resp. the read)
// before the other side's Acquire load lets it touch that slot. So `T` values
// move between threads but are never accessed from two at once: `T: Send` suffices.
unsafe impl<T: Send> Sync for Shared<T> {}
// SAFETY: as above; the ring owns its `T`s, which may be sent.
unsafe impl<T: Send> Send for Shared<T> {}

impl<T> Drop for Shared<T> {
    fn drop(&mut self) {
        let head = *self.head.0.get_mut();
        let tail = *self.tail.0.get_mut();
        for i in head..tail {
            // SAFETY: slots in `head..tail` hold initialised values not yet popped;
            // we have `&mut self`, so no other thread can touch them.
            unsafe { (*self.slots[i & self.mask].get()).assume_init_drop() };
        }
    }
}

/// The sending end of a ring.
pub struct Producer<T> {
    ring: Arc<Shared<T>>,
    tail: usize,
    head_cache: usize,
}

/// The receiving end of a ring.
pub struct Consumer<T> {
    ring: Arc<Shared<T>>,
    head: usize,
    tail_cache: usize,
}

/// A ring with room for at least `capacity` values (rounded up to a power of two).
pub fn ring<T: Send>(capacity: usize) -> (Producer<T>, Consumer<T>) {
    let cap = capacity.max(2).next_power_of_two();
    let slots = (0..cap)
        .map(|_| UnsafeCell::new(MaybeUninit::uninit()))
        .collect();
    let shared = Arc::new(Shared {
        head: Padded(AtomicUsize::new(0)),
        tail: Padded(AtomicUsize::new(0)),
        slots,
        mask: cap - 1,
    });
    (
        Producer {
            ring: shared.clone(),
            tail: 0,
            head_cache: 0,
        },
        Consumer {
            ring: shared,
            head: 0,
            tail_cache: 0,
        },
    )
}

impl<T: Send> Producer<T> {
    /// Appends `value`, or gives it back when the ring is full.
    #[inline]
    pub fn push(&mut self, value: T) -> Result<(), T> {
        let cap = self.ring.mask + 1;
        if self.tail - self.head_cache == cap {
            self.head_cache = self.ring.head.0.load(Ordering::Acquire);
            if self.tail - self.head_cache == cap {
                return Err(value);
            }
        }
        let slot = &self.ring.slots[self.tail & self.ring.mask];
        // SAFETY: `tail - head < cap`, so this slot is outside `head..tail`: the
        // consumer does not read it until the Release store below publishes it.
        unsafe { (*slot.get()).write(value) };
        self.tail += 1;
        self.ring.tail.0.store(self.tail, Ordering::Release);
        Ok(())
    }

    /// Capacity of the ring.
    pub fn capacity(&self) -> usize {
        self.ring.mask + 1
    }
}

impl<T: Send> Consumer<T> {
    /// Removes the oldest value, if any.
    #[inline]
    pub fn pop(&mut self) -> Option<T> {
        if self.head == self.tail_cache {
            self.tail_cache = self.ring.tail.0.load(Ordering::Acquire);
            if self.head == self.tail_cache {
                return None;
            }
        }
        let slot = &self.ring.slots[self.head & self.ring.mask];
        // SAFETY: `head < tail` (Acquire-loaded), so the producer initialised this
        // slot and will not write it again until our Release store of `head`.
        let value = unsafe { (*slot.get()).assume_init_read() };
        self.head += 1;
        self.ring.head.0.store(self.head, Ordering::Release);
        Some(value)
    }

    /// How many values the ring holds now (an Acquire load of the tail,
    /// which [`Consumer::peek`] then sees up to).
    #[inline]
    pub fn len(&mut self) -> usize {
        self.tail_cache = self.ring.tail.0.load(Ordering::Acquire);
        self.tail_cache - self.head
    }

    /// The `k`-th oldest value, if one pushed before the last
    /// [`Consumer::len`] (or load of the tail) is there.
    #[inline]
    pub fn peek(&self, k: usize) -> Option<&T> {
        if self.head + k >= self.tail_cache {
            return None;
        }
        let slot = &self.ring.slots[(self.head + k) & self.ring.mask];
        // SAFETY: `head + k < tail` (Acquire-loaded): the producer initialised
        // this slot and will not write it again until our `head` passes it,
        // which takes `&mut self` while the borrow returned here lives.
        Some(unsafe { (*slot.get()).assume_init_ref() })
    }

    /// True when the ring holds nothing (as of an Acquire load of the tail).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.head == self.ring.tail.0.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peek_sees_what_len_saw_without_taking_it() {
        let (mut p, mut c) = ring::<u32>(4);
        for v in 1..=3 {
            p.push(v).unwrap();
        }
        assert_eq!(c.len(), 3);
        p.push(4).unwrap();
        assert_eq!(c.peek(0), Some(&1));
        assert_eq!(c.peek(2), Some(&3));
        assert_eq!(c.peek(3), None, "pushed after len looked");
        assert_eq!(c.pop(), Some(1));
        assert_eq!(c.peek(0), Some(&2));
        assert_eq!(c.len(), 3);
        assert_eq!(c.peek(2), Some(&4));
    }

    #[test]
    fn push_pop_full_and_wrap() {
        let (mut p, mut c) = ring::<u32>(4);
        assert_eq!(p.capacity(), 4);
        for round in 0..5 {
            for i in 0..4 {
                p.push(round * 10 + i).unwrap();
            }
            assert_eq!(p.push(99), Err(99));
            for i in 0..4 {
                assert_eq!(c.pop(), Some(round * 10 + i));
            }
            assert_eq!(c.pop(), None);
            assert!(c.is_empty());
        }
    }

    #[test]
    fn drops_unread_values() {
        let v = Arc::new(());
        let (mut p, c) = ring(8);
        for _ in 0..5 {
            p.push(v.clone()).unwrap();
        }
        drop(p);
        drop(c);
        assert_eq!(Arc::strong_count(&v), 1);
    }

    #[test]
    fn two_thread_stress_keeps_order_and_loses_nothing() {
        const N: u64 = 500_000;
        let (mut p, mut c) = ring::<Box<u64>>(64);
        let producer = std::thread::spawn(move || {
            for i in 0..N {
                let mut v = Box::new(i);
                loop {
                    match p.push(v) {
                        Ok(()) => break,
                        Err(back) => {
                            v = back;
                            std::thread::yield_now();
                        }
                    }
                }
            }
        });
        let mut expect = 0;
        let mut sum = 0u64;
        while expect < N {
            if let Some(v) = c.pop() {
                assert_eq!(*v, expect);
                sum += *v;
                expect += 1;
            } else {
                std::thread::yield_now();
            }
        }
        producer.join().unwrap();
        assert_eq!(sum, N * (N - 1) / 2);
        assert_eq!(c.pop(), None);
    }
}
