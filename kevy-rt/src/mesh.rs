//! The N×N mesh of rings between shards, with wake-ups.
//!
//! Shard `i` owns the producer of ring `i→j` and the consumer of ring `j→i` for
//! every peer `j ≠ i`; a shard runs its own work inline, so there is no self-ring.
//! A full ring spills into a per-target backlog that is retried each loop: nothing
//! is dropped and no sender ever blocks, so the mesh cannot deadlock.
//!
//! Wake-ups follow the Dekker pattern: before sleeping, a shard sets its `parked`
//! flag, fences, and looks at its inbound rings once more; a sender publishes to
//! the ring, fences, and pays for a wake-up only if the target is parked.
//!
//! On the io_uring reactor that wake-up is no system call of its own: when
//! the target published its ring ([`MeshEnd::set_ring`]), the sender queues
//! an `IORING_OP_MSG_RING` on its own ring (the caller of
//! [`MeshEnd::notify`] does), which posts a completion into the target's
//! and goes to the kernel with the sender's next `io_uring_enter`; else
//! (epoll, or a kernel without it) the target's eventfd or mio waker is
//! written.

use std::collections::VecDeque;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::sync::atomic::{fence, AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use crate::ring::{ring, Consumer, Producer};

/// What wakes a shard: a mio waker on its epoll instance, or (io_uring
/// reactor) an eventfd its ring keeps a read armed on.
pub(crate) enum Waker {
    Mio(mio::Waker),
    Fd(std::os::fd::OwnedFd),
}

/// How a shard is woken from `poll`.
pub(crate) struct Signal {
    pub(crate) waker: Waker,
    parked: AtomicBool,
    /// While parked: wake even for lazy messages.
    eager: AtomicBool,
    /// The shard's io_uring (a duplicate descriptor, which keeps the ring
    /// alive as long as the mesh), when peers may wake it with a message
    /// posted into it.
    ring: OnceLock<OwnedFd>,
}

impl Signal {
    pub(crate) fn new(waker: Waker) -> Signal {
        Signal {
            waker,
            parked: AtomicBool::new(false),
            eager: AtomicBool::new(true),
            ring: OnceLock::new(),
        }
    }

    /// Wakes the shard unconditionally (used to stop it).
    pub(crate) fn wake(&self) {
        // A failed wake-up leaves the shard to its poll timeout, never hung.
        match &self.waker {
            Waker::Mio(w) => {
                let _ = w.wake();
            }
            Waker::Fd(fd) => {
                let one: u64 = 1;
                // SAFETY: writes 8 bytes from a live u64 to an eventfd we own.
                let _ = unsafe { libc::write(fd.as_raw_fd(), (&one as *const u64).cast(), 8) };
            }
        }
    }

    /// The eventfd a ring reads to be woken (none with a mio waker).
    pub(crate) fn wake_fd(&self) -> Option<RawFd> {
        match &self.waker {
            Waker::Mio(_) => None,
            Waker::Fd(fd) => Some(fd.as_raw_fd()),
        }
    }
}

/// Whether a peer was sent something that needs it awake.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Touch {
    No,
    /// Only lazy messages: the peer need not wake for them unless it asked to.
    Lazy,
    Yes,
}

/// One shard's end of the mesh.
pub(crate) struct MeshEnd<M> {
    id: usize,
    outbound: Vec<Option<Producer<M>>>,
    inbound: Vec<Option<Consumer<M>>>,
    backlog: Vec<VecDeque<M>>,
    backlogged: usize,
    /// Peers sent to since the last [`MeshEnd::notify`].
    touched: Vec<Touch>,
    signals: Arc<[Signal]>,
}

/// Builds the mesh for `signals.len()` shards; element `i` belongs to shard `i`.
pub(crate) fn mesh<M: Send>(capacity: usize, signals: Arc<[Signal]>) -> Vec<MeshEnd<M>> {
    let n = signals.len();
    let mut ends: Vec<MeshEnd<M>> = (0..n)
        .map(|id| MeshEnd {
            id,
            outbound: (0..n).map(|_| None).collect(),
            inbound: (0..n).map(|_| None).collect(),
            backlog: (0..n).map(|_| VecDeque::new()).collect(),
            backlogged: 0,
            touched: vec![Touch::No; n],
            signals: signals.clone(),
        })
        .collect();
    for from in 0..n {
        for to in 0..n {
            if from != to {
                let (p, c) = ring(capacity);
                ends[from].outbound[to] = Some(p);
                ends[to].inbound[from] = Some(c);
            }
        }
    }
    ends
}

impl<M: Send> MeshEnd<M> {
    /// Number of shards.
    pub(crate) fn nshards(&self) -> usize {
        self.outbound.len()
    }

    /// Queues `msg` for shard `to` (≠ self); the wake-up happens in `notify`.
    /// A `lazy` message wakes a parked peer only if the peer said it is waiting
    /// for such messages (see [`MeshEnd::park`]).
    pub(crate) fn send(&mut self, to: usize, msg: M, lazy: bool) {
        let t = if lazy { Touch::Lazy } else { Touch::Yes };
        self.touched[to] = self.touched[to].max(t);
        if !self.backlog[to].is_empty() {
            self.backlog[to].push_back(msg);
            self.backlogged += 1;
            return;
        }
        if let Some(p) = self.outbound[to].as_mut() {
            if let Err(msg) = p.push(msg) {
                self.backlog[to].push_back(msg);
                self.backlogged += 1;
            }
        }
    }

    /// Moves backlogged messages into rings that have room again.
    pub(crate) fn retry_backlog(&mut self) {
        if self.backlogged == 0 {
            return;
        }
        for to in 0..self.backlog.len() {
            let Some(p) = self.outbound[to].as_mut() else {
                continue;
            };
            while let Some(msg) = self.backlog[to].pop_front() {
                if let Err(msg) = p.push(msg) {
                    self.backlog[to].push_front(msg);
                    break;
                }
                self.backlogged -= 1;
                self.touched[to] = Touch::Yes;
            }
        }
    }

    /// True while some message waits in a backlog.
    pub(crate) fn has_backlog(&self) -> bool {
        self.backlogged > 0
    }

    /// Wakes every peer sent to since the last call, if it may be parked.
    /// A peer that published its ring is offered to `by_ring` (its ring's
    /// descriptor and its eventfd, for a fallback), which returns true when
    /// it queued the wake-up itself; else the peer's waker is written.
    /// Returns how many wake-ups it made.
    pub(crate) fn notify(&mut self, mut by_ring: impl FnMut(RawFd, Option<RawFd>) -> bool) -> u64 {
        let mut any = false;
        let mut woken = 0;
        for to in 0..self.touched.len() {
            let touch = self.touched[to];
            if touch == Touch::No {
                continue;
            }
            self.touched[to] = Touch::No;
            if !any {
                // Order our ring publications before reading `parked` (pairs with
                // the fence in `park`).
                fence(Ordering::SeqCst);
                any = true;
            }
            let s = &self.signals[to];
            if !s.parked.load(Ordering::SeqCst) {
                continue;
            }
            if touch == Touch::Lazy && !s.eager.load(Ordering::Relaxed) {
                continue;
            }
            if s.parked.swap(false, Ordering::SeqCst) {
                let queued = s
                    .ring
                    .get()
                    .is_some_and(|r| by_ring(r.as_raw_fd(), s.wake_fd()));
                if !queued {
                    s.wake();
                }
                woken += 1;
            }
        }
        woken
    }

    /// Pops the next message from peer `from`.
    #[inline]
    pub(crate) fn recv(&mut self, from: usize) -> Option<M> {
        self.inbound[from].as_mut()?.pop()
    }

    /// Of the messages waiting from peer `from`: how many lead up to the
    /// last one `must` picks (the prefix that must run now, in order; none:
    /// 0), and how many wait in all.
    pub(crate) fn prefix(&mut self, from: usize, must: impl Fn(&M) -> bool) -> (usize, usize) {
        let Some(c) = self.inbound[from].as_mut() else {
            return (0, 0);
        };
        let waiting = c.len();
        let now = (0..waiting)
            .rev()
            .find(|&k| c.peek(k).is_some_and(&must))
            .map_or(0, |k| k + 1);
        (now, waiting)
    }

    /// Announces that this shard is about to sleep; `eager` asks peers to wake
    /// it for lazy messages too. Returns false (and stays awake) when a message
    /// is already waiting.
    pub(crate) fn park(&self, eager: bool) -> bool {
        let me = &self.signals[self.id];
        // Published by the SeqCst store below (a peer reads it after seeing
        // `parked`).
        me.eager.store(eager, Ordering::Relaxed);
        me.parked.store(true, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        if self.inbound.iter().flatten().any(|c| !c.is_empty()) {
            me.parked.store(false, Ordering::Relaxed);
            return false;
        }
        true
    }

    /// Publishes this shard's io_uring (a duplicate of its descriptor), so
    /// peers wake it by posting into it; once, before they may use it.
    pub(crate) fn set_ring(&self, ring: OwnedFd) {
        let _ = self.signals[self.id].ring.set(ring);
    }

    /// This shard's wake eventfd, on the io_uring reactor.
    pub(crate) fn wake_fd(&self) -> Option<RawFd> {
        self.signals[self.id].wake_fd()
    }

    /// Wakes every shard (to stop them).
    pub(crate) fn wake_all(&self) {
        self.signals.iter().for_each(Signal::wake);
    }

    /// Clears the parked flag after waking.
    pub(crate) fn unpark(&self) {
        self.signals[self.id].parked.store(false, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_ends() -> (MeshEnd<u32>, MeshEnd<u32>) {
        let signals: Arc<[Signal]> = (0..2)
            .map(|_| Signal::new(Waker::Fd(crate::runtime::eventfd().expect("eventfd"))))
            .collect();
        let mut ends = mesh::<u32>(8, signals);
        let b = ends.pop().expect("end 1");
        let a = ends.pop().expect("end 0");
        (a, b)
    }

    #[test]
    fn the_prefix_ends_at_the_last_waiting_message_that_must_run() {
        let must = |m: &u32| *m < 10;
        let (mut a, mut b) = two_ends();
        assert_eq!(b.prefix(0, must), (0, 0), "nothing sent");
        for m in [1, 10, 2, 11] {
            a.send(1, m, false);
        }
        // 1, 10, 2 run now; 11 may wait.
        assert_eq!(b.prefix(0, must), (3, 4));
        assert_eq!(b.recv(0), Some(1));
        assert_eq!(b.prefix(0, must), (2, 3));
        assert_eq!((b.recv(0), b.recv(0)), (Some(10), Some(2)));
        assert_eq!(b.prefix(0, must), (0, 1), "only 11 is left");
        a.send(1, 3, false);
        assert_eq!(b.prefix(0, must), (2, 2), "11, then 3");
        assert_eq!(b.prefix(1, must), (0, 0), "no ring from itself");
    }
}
