//! Batched sends through io_uring: a shard queues each connection's output as
//! a send and submits the iteration's sends in one system call.
//!
//! A send owns its buffer (the connection's output `Vec`, swapped for an empty
//! one) until the kernel reports it done, so the shard may keep producing
//! output for that connection meanwhile; a connection has at most one send in
//! flight, which keeps its bytes in order. Most sends complete during the
//! submitting `io_uring_enter` itself (the socket had room); one that has to
//! wait for room completes later, and the ring signals an eventfd the shard's
//! epoll watches (edge-triggered, so it is never read) — only while the shard
//! sleeps with sends in flight ([`Sends::arm`]): a signal per completion
//! otherwise would cost kernel work for every send and wake the next poll
//! for nothing. (`IORING_REGISTER_EVENTFD_ASYNC`, which signals only late
//! completions, misses those that complete through task work: replies were
//! lost.) A short send is resubmitted for its rest unless its connection
//! closed; only the whole buffer, or an error, is reported.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::Arc;

use io_uring::{opcode, types, IoUring};
use slab::Slab;

use crate::stream::Stream;

/// Submission queue size; more sends than this in one iteration are
/// submitted in several calls.
const ENTRIES: u32 = 1024;
/// A buffer bigger than this is not kept for reuse.
const SPARE_MAX_BYTES: usize = 64 * 1024;
/// Buffers kept for reuse.
const SPARE_MAX: usize = 256;
/// The `user_data` of cancellations (their completions are ignored).
const CANCEL: u64 = u64::MAX;

/// One send in flight.
struct Flight {
    conn: usize,
    gen: u32,
    buf: Vec<u8>,
    /// Bytes of `buf` the kernel has taken.
    off: usize,
    /// Keeps the descriptor open (and its number ours) until the send is done.
    sock: Arc<Stream>,
    /// Its connection closed: a short send is not continued.
    cancelled: bool,
}

/// A finished send: all of its bytes went out, or it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Done {
    /// The connection's slot and generation.
    pub(crate) conn: usize,
    pub(crate) gen: u32,
    /// Bytes sent.
    pub(crate) sent: usize,
    /// The send failed (the connection is broken) or was cancelled.
    pub(crate) failed: bool,
}

/// A shard's io_uring for sends.
pub(crate) struct Sends {
    ring: IoUring,
    flights: Slab<Flight>,
    /// Entries pushed since the last submit.
    queued: usize,
    spare: Vec<Vec<u8>>,
    /// Signalled by completions while `armed`.
    eventfd: OwnedFd,
    armed: bool,
}

impl Sends {
    /// A ring whose late completions signal a new eventfd (see
    /// [`Sends::eventfd`]). Fails when the kernel refuses io_uring or lacks
    /// the send operation.
    pub(crate) fn new() -> io::Result<Sends> {
        let mut ring = IoUring::new(ENTRIES)?;
        let mut probe = io_uring::Probe::new();
        ring.submitter().register_probe(&mut probe)?;
        if !probe.is_supported(opcode::Send::CODE) || !probe.is_supported(opcode::AsyncCancel::CODE)
        {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "io_uring without IORING_OP_SEND",
            ));
        }
        // SAFETY: eventfd takes no pointers; a non-negative return is a new
        // descriptor nothing else owns.
        let fd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` was just created above and is owned by nothing else.
        let eventfd = unsafe { OwnedFd::from_raw_fd(fd) };
        ring.submitter().register_eventfd(eventfd.as_raw_fd())?;
        ring.completion().disable_eventfd();
        Ok(Sends {
            ring,
            flights: Slab::new(),
            queued: 0,
            spare: Vec::new(),
            eventfd,
            armed: false,
        })
    }

    /// The eventfd late completions signal: register it for readability.
    pub(crate) fn eventfd(&self) -> RawFd {
        self.eventfd.as_raw_fd()
    }

    /// Before the shard sleeps: asks for the eventfd signal while sends are
    /// in flight. False when a completion is already waiting (do not sleep).
    pub(crate) fn arm(&mut self) -> bool {
        if self.flights.is_empty() {
            return true;
        }
        self.armed = true;
        let cq = self.ring.completion();
        cq.enable_eventfd();
        // Our flag store before our look at the queue's tail; the kernel
        // posts the entry, then reads the flag.
        std::sync::atomic::fence(std::sync::atomic::Ordering::SeqCst);
        cq.is_empty()
    }

    /// After sleeping: no signals while awake (completions are reaped every
    /// iteration).
    pub(crate) fn disarm(&mut self) {
        if self.armed {
            self.armed = false;
            self.ring.completion().disable_eventfd();
        }
    }

    /// An empty buffer for a connection's next output.
    pub(crate) fn spare(&mut self) -> Vec<u8> {
        self.spare.pop().unwrap_or_default()
    }

    /// Queues `buf` (not empty) to be sent on `sock` for connection
    /// `conn`/`gen`; goes to the kernel at the next [`Sends::submit`].
    /// Returns the send's key, for [`Sends::cancel`].
    pub(crate) fn send(&mut self, conn: usize, gen: u32, sock: Arc<Stream>, buf: Vec<u8>) -> u32 {
        let key = self.flights.insert(Flight {
            conn,
            gen,
            buf,
            off: 0,
            sock,
            cancelled: false,
        });
        self.push(key);
        key as u32
    }

    /// Pushes the submission for the unsent rest of flight `key`.
    fn push(&mut self, key: usize) {
        let f = &self.flights[key];
        let rest = &f.buf[f.off..];
        let len = rest.len().min(u32::MAX as usize) as u32;
        let sqe = opcode::Send::new(types::Fd(f.sock.as_raw_fd()), rest.as_ptr(), len)
            .flags(libc::MSG_NOSIGNAL)
            .build()
            .user_data(key as u64);
        self.push_entry(&sqe);
    }

    fn push_entry(&mut self, sqe: &io_uring::squeue::Entry) {
        loop {
            // SAFETY: a send's buffer is `Flight::buf` in `self.flights`,
            // which is neither touched nor dropped until its completion is
            // reaped (`reap` removes it then; `Drop` leaks what is still in
            // flight), and a Vec's heap block does not move when the slab
            // does. `Flight::sock` keeps the descriptor open as long. A
            // cancellation points at no memory.
            if unsafe { self.ring.submission().push(sqe) }.is_ok() {
                self.queued += 1;
                return;
            }
            // Queue full: hand what is queued to the kernel and retry.
            if self.ring.submit().is_err() {
                // Cannot make room (the kernel is out of memory): the
                // entry waits for the next submit, which retries.
                std::thread::yield_now();
            }
            self.queued = 0;
        }
    }

    /// Asks the kernel to stop send `key` (its connection is closing); the
    /// send completes as failed.
    pub(crate) fn cancel(&mut self, key: u32) {
        if let Some(f) = self.flights.get_mut(key as usize) {
            f.cancelled = true;
            let sqe = opcode::AsyncCancel::new(key as u64)
                .build()
                .user_data(CANCEL);
            self.push_entry(&sqe);
        }
    }

    /// True when sends wait to be submitted.
    #[inline]
    pub(crate) fn has_queued(&self) -> bool {
        self.queued > 0
    }

    /// Hands the queued sends to the kernel (one system call).
    pub(crate) fn submit(&mut self) -> io::Result<()> {
        if self.queued == 0 {
            return Ok(());
        }
        loop {
            match self.ring.submit() {
                Ok(_) => {
                    self.queued = 0;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // EBUSY/EAGAIN: completions must be reaped first; the
                // entries stay queued for the next call.
                Err(e) if matches!(e.raw_os_error(), Some(libc::EBUSY | libc::EAGAIN)) => {
                    return Ok(())
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Collects finished sends into `done`; short ones are queued again for
    /// their rest.
    pub(crate) fn reap(&mut self, done: &mut Vec<Done>) {
        let mut again = Vec::new();
        for cqe in self.ring.completion() {
            let key = cqe.user_data();
            if key == CANCEL {
                continue;
            }
            let key = key as usize;
            let Some(f) = self.flights.get_mut(key) else {
                continue;
            };
            let res = cqe.result();
            let short = res > 0 && f.off + (res as usize) < f.buf.len();
            if short {
                f.off += res as usize;
            }
            if !f.cancelled && (short || res == -libc::EINTR || res == -libc::EAGAIN) {
                again.push(key);
                continue;
            }
            let f = self.flights.remove(key);
            let failed = res <= 0 || short;
            done.push(Done {
                conn: f.conn,
                gen: f.gen,
                sent: if failed { f.off } else { f.buf.len() },
                failed,
            });
            let mut buf = f.buf;
            if buf.capacity() <= SPARE_MAX_BYTES && self.spare.len() < SPARE_MAX {
                buf.clear();
                self.spare.push(buf);
            }
        }
        for key in again {
            self.push(key);
        }
    }
}

impl Drop for Sends {
    fn drop(&mut self) {
        // Sends still in flight may be read by the kernel until the ring is
        // torn down, which happens after this returns: their buffers are
        // leaked rather than freed under it (only at shutdown, only sends to
        // clients that stopped reading). Their descriptors may close: the
        // kernel holds its own reference while a send uses it.
        for f in std::mem::take(&mut self.flights).drain() {
            std::mem::forget(f.buf);
        }
    }
}
