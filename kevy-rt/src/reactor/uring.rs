//! The io_uring reactor: a shard waits in `io_uring_enter`, and its plain
//! connections' input arrives through it as well as their output leaves.
//!
//! - **Receives**: each plain (TCP or Unix, not TLS) connection has one
//!   multishot receive armed; the kernel copies arriving bytes into a
//!   provided buffer (`bufs`) and posts a completion per chunk, which the
//!   shard copies into the connection's buffer and decodes. No `epoll_wait`,
//!   no `read`: one `io_uring_enter` per loop iteration waits, submits the
//!   iteration's sends and collects every connection's input.
//! - **Sends**: a send owns its buffer (the connection's output `Vec`,
//!   swapped for an empty one) until the kernel reports it done, so the
//!   shard may keep producing output for that connection meanwhile; a
//!   connection has at most one send in flight, which keeps its bytes in
//!   order. A short send is resubmitted for its rest unless its connection
//!   closed; only the whole buffer, or an error, is reported.
//! - **Direct replies**: a peer's forwarded command whose reply this shard
//!   writes to the origin's socket ([`Ring::send_direct`]) leaves as a send
//!   on this ring too, so the iteration's one `io_uring_enter` carries it
//!   (no `sendto` per reply); its completion says when the origin may write
//!   again ([`DirectDone`]).
//! - **Wake-ups**: a peer that leaves the shard work while it sleeps posts
//!   a completion into its ring (`IORING_OP_MSG_RING`, queued on the
//!   peer's own ring with its other entries: [`Ring::wake_peer`]), so
//!   neither side makes a system call for it; a read on the shard's wake
//!   eventfd stays armed for the rest (stopping, kernels without
//!   `MSG_RING`, a message that could not be posted).
//! - **Waiting past its own sends** (opt-in, [`SEND_WAIT`]): a send that
//!   completes while it is submitted posts its completion at once, which
//!   ends the wait it was submitted with, and the loop comes back for a
//!   second `io_uring_enter` to sleep. With `KEVY_URING_SEND_WAIT_US` > 0
//!   a wait asks for one completion more than the small sends it submits.
//!   Measured at `-P 1` (BENCHMARKS.md, "Session 10"): `io_uring_enter`
//!   per request −20-25%, sleeps unchanged, but CPU per request did not
//!   fall (it rose in most interleaved rounds), so it is off by default.
//! - **No file lookups**: a connection's socket sits in the ring's
//!   registered file table, in the slot of its index, from its first
//!   receive until it closes (`files`), and its receives and sends name
//!   the slot; the shard's thread registered the ring's own descriptor, and
//!   enters it by index (`enter`). Neither takes a reference to a `struct
//!   file` per operation (`fget`/`fput`), whose count the peer's direct
//!   replies and wake-ups touch from the other core.
//! - **Everything else** (listeners, TLS connections) stays on the shard's
//!   epoll instance, whose descriptor the ring polls: when it is readable
//!   the shard runs one non-blocking `epoll_wait` for those events.

use std::collections::VecDeque;
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::sync::Arc;
use std::time::Duration;

use io_uring::{cqueue, opcode, types, IoUring};
use slab::Slab;

use crate::msg::ConnRef;
use crate::stream::Stream;

mod batch;
mod bufs;
mod enter;
mod files;
mod setup;

pub(crate) use setup::probe;

/// Submission queue size; more entries than this in one iteration are
/// submitted in several calls.
const ENTRIES: u32 = 1024;
/// A buffer bigger than this is not kept for reuse.
const SPARE_MAX_BYTES: usize = 64 * 1024;
/// Buffers kept for reuse.
const SPARE_MAX: usize = 256;

/// The `user_data` of an entry: its kind in the top four bits.
const TAG_SHIFT: u32 = 60;
const TAG_SEND: u64 = 0;
const TAG_RECV: u64 = 1;
const TAG_WAKE: u64 = 2;
const TAG_EPOLL: u64 = 3;
/// A peer's wake-up message, posted into this ring.
const TAG_PEER: u64 = 4;
/// This ring's own completion of a wake-up message it failed to post (a
/// success posts none): the peer's eventfd below the tag.
const TAG_MSG: u64 = 5;
/// Cancellations (their completions are ignored).
const CANCEL: u64 = u64::MAX;
/// A send of at most this many bytes is counted as one that completes
/// while it is submitted (a socket takes it whole unless its buffer is
/// full); a bigger one may well not.
const SEND_INLINE_MAX: usize = 64 * 1024;
/// How long a wait that asked for the completions of its own sends plus
/// one may last at most: when a counted send did not complete at once (its
/// socket was full), a single arrival does not end the wait, which then
/// ends at this bound instead. Zero (the default) turns the counting off;
/// `KEVY_URING_SEND_WAIT_US` sets it (1000 was measured).
const SEND_WAIT: Duration = Duration::ZERO;
/// A receive's `user_data`: its connection's generation above its slot.
const SLOT_BITS: u32 = 28;
const SLOT_MASK: u64 = (1 << SLOT_BITS) - 1;

fn recv_data(conn: usize, gen: u32) -> u64 {
    (TAG_RECV << TAG_SHIFT) | ((gen as u64) << SLOT_BITS) | (conn as u64 & SLOT_MASK)
}

/// True when connection slot `conn` can have a receive in the ring (slots
/// past 2^28 stay on epoll).
pub(crate) fn recv_slot_ok(conn: usize) -> bool {
    (conn as u64) <= SLOT_MASK
}

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
    /// A direct reply to another shard's connection: its completion goes
    /// to `direct_done`, not `done`.
    direct: Option<Direct>,
    /// Its buffer may join the spare buffers once sent; `false` for a
    /// connection whose output memory is summed, with `summed` its class
    /// and the bytes counted for the buffer.
    pool: bool,
    summed: Option<(u8, u64)>,
}

/// Whose direct reply a send carries: the origin shard, the connection
/// there and the reply's sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Direct {
    pub(crate) peer: usize,
    pub(crate) conn: ConnRef,
    pub(crate) seq: u64,
    /// Bytes counted in `Settings::replies_in_transit` until it is done.
    pub(crate) counted: u64,
}

/// A finished direct reply: all of it went out, or `rest` is what did not
/// (the send failed: the origin writes it, and meets the error itself).
#[derive(Debug)]
pub(crate) struct DirectDone {
    pub(crate) to: Direct,
    pub(crate) sent: usize,
    pub(crate) rest: Vec<u8>,
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
    /// Its buffer was counted in an output class's sum (class, bytes):
    /// uncounted here if its connection closed meanwhile.
    pub(crate) summed: Option<(u8, u64)>,
}

/// A receive's completion, for connection `conn`/`gen`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Recv {
    pub(crate) conn: usize,
    pub(crate) gen: u32,
    /// Bytes received (in buffer `bid`), 0 at end of stream, or `-errno`.
    pub(crate) res: i32,
    pub(crate) bid: Option<u16>,
    /// The receive stays armed (false: it ended and must be armed again).
    pub(crate) more: bool,
}

/// A shard's io_uring (see the module docs).
pub(crate) struct Ring {
    ring: IoUring,
    flights: Slab<Flight>,
    /// Entries pushed since the last submit.
    queued: usize,
    /// Of those, sends expected to complete while submitted ([`SEND_INLINE_MAX`]).
    sends_queued: u32,
    /// The bound of a wait counting its sends ([`SEND_WAIT`]; zero: off).
    send_wait: Duration,
    /// Peers may be woken with `IORING_OP_MSG_RING` (the kernel has it).
    msg_ring: bool,
    /// A [`Ring::wake_handle`] was given out: the ring outlives `self`.
    shared: bool,
    spare: Vec<Vec<u8>>,
    bufs: Option<bufs::Bufs>,
    /// Finished sends, in completion order.
    pub(crate) done: Vec<Done>,
    /// Receive completions not yet taken by the shard, in order.
    pub(crate) recvs: VecDeque<Recv>,
    /// Finished direct replies, in completion order.
    pub(crate) direct_done: Vec<DirectDone>,
    /// The wake eventfd and the 8 bytes its armed read lands in.
    wake_fd: Option<RawFd>,
    wake_buf: Box<u64>,
    wake_armed: bool,
    /// The epoll instance of everything else, and whether a poll on it is
    /// armed / has reported it readable.
    epoll_fd: RawFd,
    epoll_armed: bool,
    pub(crate) epoll_ready: bool,
    /// How many completions a wait asks for (`batch`).
    batch: batch::Batch,
    /// Connections' sockets in the registered file table (`files`).
    files: files::Files,
    /// How `io_uring_enter` names the ring (`enter`).
    enter: enter::Enter,
}

impl Ring {
    /// A duplicate of this ring's descriptor, for peers to wake it by
    /// posting into it ([`Ring::wake_peer`]); none when the kernel lacks
    /// `IORING_OP_MSG_RING` (or it is turned off).
    pub(crate) fn wake_handle(&mut self) -> Option<std::os::fd::OwnedFd> {
        if !self.msg_ring {
            return None;
        }
        // SAFETY: the descriptor is this ring's, open while `self` lives;
        // it is only borrowed to be duplicated.
        let fd = unsafe { std::os::fd::BorrowedFd::borrow_raw(self.ring.as_raw_fd()) };
        let handle = fd.try_clone_to_owned().ok()?;
        self.shared = true;
        Some(handle)
    }

    /// Queues a wake-up of the peer whose ring is `ring_fd` (a
    /// [`Ring::wake_handle`]): a completion posted into it, which goes with
    /// this ring's next submit. Should the kernel fail to post it, the
    /// peer's eventfd `fallback` is written then.
    pub(crate) fn wake_peer(&mut self, ring_fd: RawFd, fallback: Option<RawFd>) {
        let fail = (TAG_MSG << TAG_SHIFT) | fallback.map_or(SLOT_MASK, |fd| fd as u64 & SLOT_MASK);
        let sqe = opcode::MsgRingData::new(types::Fd(ring_fd), 0, TAG_PEER << TAG_SHIFT, None)
            .build()
            .flags(io_uring::squeue::Flags::SKIP_SUCCESS)
            .user_data(fail);
        self.push_entry(&sqe);
    }

    /// An empty buffer for a connection's next output.
    pub(crate) fn spare(&mut self) -> Vec<u8> {
        self.spare.pop().unwrap_or_default()
    }

    /// Queues `buf` (not empty) to be sent on `sock` for connection
    /// `conn`/`gen`; goes to the kernel at the next submit.
    /// Returns the send's key, for [`Ring::cancel`]. Unless `waits`, its
    /// completion ends the next wait (the shard has work to do then: a
    /// closing connection to close); else that wait asks for one
    /// completion more ([`SEND_WAIT`]), as finishing it only frees the
    /// connection for its next output, which an event will bring.
    pub(crate) fn send(
        &mut self,
        conn: usize,
        gen: u32,
        sock: Arc<Stream>,
        buf: Vec<u8>,
        waits: bool,
    ) -> u32 {
        if waits && buf.len() <= SEND_INLINE_MAX {
            self.sends_queued += 1;
        }
        let key = self.flights.insert(Flight {
            conn,
            gen,
            buf,
            off: 0,
            sock,
            cancelled: false,
            direct: None,
            pool: true,
            summed: None,
        });
        self.push_send(key);
        key as u32
    }

    /// Flight `key`'s buffer is dropped once sent, not kept as a spare:
    /// a connection whose output memory is summed, `bytes` of it counted
    /// in class `class` (see `Shard::flush`), for as long as the buffer
    /// lives even if the connection closes first.
    pub(crate) fn summed(&mut self, key: u32, class: u8, bytes: u64) {
        if let Some(f) = self.flights.get_mut(key as usize) {
            f.pool = false;
            f.summed = Some((class, bytes));
        }
    }

    /// What flight `key`'s buffer counts in an output class's sum, if
    /// anything (see [`Ring::summed`]).
    pub(crate) fn summed_of(&self, key: u32) -> Option<(u8, u64)> {
        self.flights.get(key as usize).and_then(|f| f.summed)
    }

    /// Queues a copy of `bytes` (not empty), a direct reply for `to`, to be
    /// sent on `sock` (another shard's connection); goes to the kernel at
    /// the next submit, and its completion to [`Ring::direct_done`] (it
    /// ends the next wait: the origin is owed a note).
    pub(crate) fn send_direct(&mut self, sock: Arc<Stream>, bytes: &[u8], to: Direct) {
        let mut buf = self.spare();
        buf.extend_from_slice(bytes);
        let key = self.flights.insert(Flight {
            conn: usize::MAX,
            gen: 0,
            buf,
            off: 0,
            sock,
            cancelled: false,
            direct: Some(to),
            pool: true,
            summed: None,
        });
        self.push_send(key);
    }

    /// Pushes the submission for the unsent rest of flight `key`.
    fn push_send(&mut self, key: usize) {
        let f = &self.flights[key];
        let rest = &f.buf[f.off..];
        let len = rest.len().min(u32::MAX as usize) as u32;
        // A direct reply takes what the socket takes now and no more: one
        // that waited in the kernel for a client not reading would hold
        // its connection's later replies (and their input) behind it,
        // uncounted in its client's memory; the rest goes to the origin,
        // which queues it as its own output (`Shard::file_direct`).
        let flags = match f.direct {
            Some(_) => libc::MSG_NOSIGNAL | libc::MSG_DONTWAIT,
            None => libc::MSG_NOSIGNAL,
        };
        let sqe = match self.files.slot(f.conn, f.gen) {
            Some(s) => opcode::Send::new(types::Fixed(s), rest.as_ptr(), len),
            None => opcode::Send::new(types::Fd(f.sock.as_raw_fd()), rest.as_ptr(), len),
        }
        .flags(flags)
        .build()
        .user_data((TAG_SEND << TAG_SHIFT) | key as u64);
        self.push_entry(&sqe);
    }

    fn push_entry(&mut self, sqe: &io_uring::squeue::Entry) {
        loop {
            // SAFETY: a send's buffer is `Flight::buf` in `self.flights`,
            // which is neither touched nor dropped until its completion is
            // reaped (`reap` removes it then; `Drop` leaks what is still in
            // flight), and a Vec's heap block does not move when the slab
            // does. `Flight::sock` keeps the descriptor open as long. The
            // wake read's 8 bytes are `wake_buf`, boxed, alive as long as
            // the ring. Receives write only into the provided buffers
            // (`bufs`). Cancellations and polls point at no memory.
            if unsafe { self.ring.submission().push(sqe) }.is_ok() {
                self.queued += 1;
                return;
            }
            // Queue full: hand what is queued to the kernel and retry.
            if self.enter.enter(&mut self.ring, 0, None).is_err() {
                // Cannot make room (the kernel is out of memory): the
                // entry waits for the next submit, which retries.
                std::thread::yield_now();
            }
            self.queued = 0;
            self.sends_queued = 0;
        }
    }

    /// Asks the kernel to stop send `key` (its connection is closing); the
    /// send completes as failed.
    pub(crate) fn cancel(&mut self, key: u32) {
        if let Some(f) = self.flights.get_mut(key as usize) {
            f.cancelled = true;
            let sqe = opcode::AsyncCancel::new((TAG_SEND << TAG_SHIFT) | key as u64)
                .build()
                .user_data(CANCEL);
            self.push_entry(&sqe);
        }
    }

    /// Arms a multishot receive on `fd` for connection `conn`/`gen` (a slot
    /// [`recv_slot_ok`] accepts), installing `fd` in the registered file
    /// table first (`files`); [`Ring::release`] must follow before the
    /// connection's socket closes.
    pub(crate) fn recv(&mut self, conn: usize, gen: u32, fd: RawFd) {
        let sqe = match self.files.install(&self.ring, conn, gen, fd) {
            Some(s) => opcode::RecvMulti::new(types::Fixed(s), bufs::GROUP),
            None => opcode::RecvMulti::new(types::Fd(fd), bufs::GROUP),
        }
        .build()
        .user_data(recv_data(conn, gen));
        self.push_entry(&sqe);
    }

    /// Connection `conn` is closing: its socket leaves the registered file
    /// table (which would keep it open), after the cancellations queued.
    pub(crate) fn release(&mut self, conn: usize) {
        self.files.remove(&self.ring, conn);
    }

    /// Asks the kernel to end connection `conn`/`gen`'s receive; it
    /// completes with `-ECANCELED` (or whatever ended it first).
    pub(crate) fn cancel_recv(&mut self, conn: usize, gen: u32) {
        let sqe = opcode::AsyncCancel::new(recv_data(conn, gen))
            .build()
            .user_data(CANCEL);
        self.push_entry(&sqe);
    }

    /// The bytes of a receive's buffer.
    pub(crate) fn buf(&self, bid: u16, len: usize) -> &[u8] {
        match &self.bufs {
            Some(b) => b.get(bid, len),
            None => &[],
        }
    }

    /// Gives a receive's buffer back to the kernel (after [`Ring::buf`]);
    /// published at the next [`Ring::publish`].
    pub(crate) fn put(&mut self, bid: u16) {
        if let Some(b) = self.bufs.as_mut() {
            b.put(bid);
        }
    }

    /// Publishes the buffers given back.
    pub(crate) fn publish(&self) {
        if let Some(b) = &self.bufs {
            b.publish();
        }
    }

    /// Hands the queued entries to the kernel (one system call).
    pub(crate) fn submit(&mut self) -> io::Result<()> {
        if self.queued == 0 {
            return Ok(());
        }
        loop {
            match self.enter.enter(&mut self.ring, 0, None) {
                Ok(_) => {
                    self.queued = 0;
                    self.sends_queued = 0;
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

    /// Lets the kernel run completions owed to this thread (one system
    /// call), for a shard that is not waiting: a busy one.
    pub(crate) fn poke(&mut self) {
        let _ = self.enter.enter(&mut self.ring, 0, None);
        self.queued = 0;
        self.sends_queued = 0;
    }

    /// Reaps what completed since the last wait, running the task work owed
    /// first (one system call) if the kernel flagged some: input that
    /// arrived after the wait ran its task work.
    pub(crate) fn catch_up(&mut self) {
        if self.ring.submission().taskrun() {
            self.poke();
            self.reap();
        }
    }

    /// Submits what is queued and waits up to `timeout` (none: not at all)
    /// for a completion, then reaps. With nothing to submit and no wait,
    /// no system call: the completion queue is shared memory.
    pub(crate) fn wait(&mut self, timeout: Duration) -> io::Result<()> {
        // Armed even when not waiting: a shard kept busy still hears of
        // its epoll instance (new connections) through the ring.
        self.arm_waits();
        let ready = !self.ring.completion().is_empty();
        let (want, min_wait) = self.batch.next(timeout.as_micros());
        if timeout.is_zero() || ready {
            let owed = {
                let sq = self.ring.submission();
                sq.taskrun() || sq.cq_overflow()
            };
            if owed {
                // Completions wait in the kernel (task work, overflow).
                self.poke();
            } else {
                self.submit()?;
            }
        } else {
            // The sends submitted now that complete at once post their
            // completions before the wait begins: ask for one more than
            // those, for at most `send_wait` ([`SEND_WAIT`]).
            let mut want = want;
            let mut timeout = timeout;
            if self.sends_queued > 0 && !self.send_wait.is_zero() {
                want += self.sends_queued;
                timeout = timeout.min(self.send_wait);
            }
            // Up to `min_wait` µs for `want` completions, then for one
            // (`batch`); never past `timeout`.
            let wait = Some((timeout, min_wait));
            match self.enter.enter(&mut self.ring, want, wait) {
                Ok(_) => {
                    self.queued = 0;
                    self.sends_queued = 0;
                }
                Err(e) => match e.raw_os_error() {
                    // Timed out or interrupted: whatever was queued went.
                    Some(libc::ETIME | libc::EINTR) => {
                        self.queued = 0;
                        self.sends_queued = 0;
                    }
                    Some(libc::EBUSY | libc::EAGAIN) => {}
                    _ => return Err(e),
                },
            }
        }
        self.reap();
        Ok(())
    }

    /// The wake read and the epoll poll are armed (each once, until it
    /// completes).
    fn arm_waits(&mut self) {
        if !self.wake_armed {
            if let Some(fd) = self.wake_fd {
                let buf: *mut u64 = &mut *self.wake_buf;
                let sqe = opcode::Read::new(types::Fd(fd), buf.cast(), 8)
                    .build()
                    .user_data(TAG_WAKE << TAG_SHIFT);
                self.push_entry(&sqe);
                self.wake_armed = true;
            }
        }
        if !self.epoll_armed && self.epoll_fd >= 0 {
            let sqe = opcode::PollAdd::new(types::Fd(self.epoll_fd), libc::POLLIN as u32)
                .build()
                .user_data(TAG_EPOLL << TAG_SHIFT);
            self.push_entry(&sqe);
            self.epoll_armed = true;
        }
    }

    /// Sorts the completions waiting: finished sends into `done` (short
    /// ones are queued again for their rest), receives into `recvs`, the
    /// epoll poll into `epoll_ready`.
    pub(crate) fn reap(&mut self) {
        let mut again = Vec::new();
        let mut cq = self.ring.completion();
        cq.sync();
        for cqe in &mut cq {
            let data = cqe.user_data();
            if data == CANCEL {
                continue;
            }
            let res = cqe.result();
            self.batch.cqes += 1;
            match data >> TAG_SHIFT {
                TAG_RECV => {
                    self.batch.arrivals += 1;
                    self.recvs.push_back(Recv {
                        conn: (data & SLOT_MASK) as usize,
                        gen: ((data >> SLOT_BITS) & u32::MAX as u64) as u32,
                        res,
                        bid: cqueue::buffer_select(cqe.flags()),
                        more: cqueue::more(cqe.flags()),
                    })
                }
                TAG_WAKE => {
                    self.batch.arrivals += 1;
                    self.wake_armed = false;
                }
                TAG_EPOLL => {
                    self.epoll_armed = false;
                    self.epoll_ready = true;
                }
                TAG_PEER => self.batch.arrivals += 1,
                TAG_MSG => {
                    // A wake-up message that could not be posted: the
                    // peer's eventfd instead.
                    let fd = (data & SLOT_MASK) as RawFd;
                    if (data & SLOT_MASK) != SLOT_MASK {
                        let one: u64 = 1;
                        // SAFETY: writes 8 bytes from a live u64 to the
                        // peer's eventfd, which the mesh's signals own for
                        // as long as any shard runs (this one does).
                        let _ = unsafe { libc::write(fd, (&one as *const u64).cast(), 8) };
                    }
                }
                TAG_SEND => {
                    let key = (data & !(0xf << TAG_SHIFT)) as usize;
                    let Some(f) = self.flights.get_mut(key) else {
                        continue;
                    };
                    let short = res > 0 && f.off + (res as usize) < f.buf.len();
                    if short {
                        f.off += res as usize;
                    }
                    let retry = short || res == -libc::EINTR || res == -libc::EAGAIN;
                    if !f.cancelled && retry && f.direct.is_none() {
                        again.push(key);
                        continue;
                    }
                    let f = self.flights.remove(key);
                    let failed = res <= 0 || short;
                    let sent = if failed { f.off } else { f.buf.len() };
                    let mut buf = f.buf;
                    if let Some(to) = f.direct {
                        let rest = if failed {
                            buf[f.off..].to_vec()
                        } else {
                            Vec::new()
                        };
                        self.direct_done.push(DirectDone { to, sent, rest });
                    } else {
                        self.done.push(Done {
                            conn: f.conn,
                            gen: f.gen,
                            sent,
                            failed,
                            summed: f.summed,
                        });
                    }
                    if f.pool && buf.capacity() <= SPARE_MAX_BYTES && self.spare.len() < SPARE_MAX {
                        buf.clear();
                        self.spare.push(buf);
                    }
                }
                _ => {}
            }
        }
        drop(cq);
        for key in again {
            self.push_send(key);
        }
    }
}

impl Drop for Ring {
    fn drop(&mut self) {
        if self.shared {
            // Peers' wake handles keep the ring alive past this: end what
            // is still armed now (a receive holds its socket open, so its
            // client would never see the connection close), as closing the
            // last descriptor would. The wait runs the cancellations' task
            // work; a wake-up posted later finds no task to run it and
            // fails, and its sender writes the eventfd.
            let sqe = opcode::AsyncCancel2::new(types::CancelBuilder::any())
                .build()
                .user_data(CANCEL);
            // SAFETY: a cancellation points at no memory.
            if unsafe { self.ring.submission().push(&sqe) }.is_ok() {
                let ts = types::Timespec::from(Duration::from_secs(1));
                let args = types::SubmitArgs::new().timespec(&ts);
                let _ = self.ring.submitter().submit_with_args(1, &args);
            }
        }
        // The table would keep every socket in it open as long as the ring.
        self.files.unregister(&self.ring);
        // The thread's registration would keep the ring open as long as
        // the thread.
        self.enter.unregister(&self.ring);
        // Sends still in flight may be read by the kernel until the ring is
        // torn down, which happens after this returns: their buffers are
        // leaked rather than freed under it (only at shutdown, only sends to
        // clients that stopped reading). Their descriptors may close: the
        // kernel holds its own reference while a send uses it.
        for f in std::mem::take(&mut self.flights).drain() {
            std::mem::forget(f.buf);
        }
        // Receives fill provided buffers in task work on this thread (never
        // while it runs this), picking them from the group: once it is
        // unregistered none is picked again, and the memory may go. If the
        // kernel refuses, it is leaked instead.
        if let Some(b) = self.bufs.take() {
            if b.unregister(&self.ring) {
                b.unmap();
            }
            // Else dropping `b` leaves its mappings in place (it has no
            // Drop): they stay mapped as long as the process.
        }
        // The wake read's target (`wake_buf`) may still be written until the
        // ring is torn down: leak it.
        std::mem::forget(std::mem::replace(&mut self.wake_buf, Box::new(0)));
    }
}

#[cfg(test)]
mod tests;
