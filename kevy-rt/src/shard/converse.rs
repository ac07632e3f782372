//! A synchronous dialogue with one connection from inside the gather of its
//! own command ([`ClientsOf::converse`](crate::ClientsOf::converse)): what a
//! script debugger needs to stop at a line, tell the client where it is
//! and wait for its next word, while the script keeps the shard's thread.
//!
//! *Input.* The first call takes the connection's input off the reactor:
//! on io_uring its multishot receive is cancelled and the completions
//! already in are filed first (`recv::take_while_busy`), as a busy shard
//! files them; from then on the socket is read here, so no byte can be
//! read twice or out of order. The connection is marked as the busy shard
//! marks one whose receive it stopped (`recv_stopped`, `want_read`,
//! served): the event loop arms it again once the command is over.
//!
//! *Output.* What is sent goes after what the connection is owed: a send
//! the ring still has in flight completes first, then the rest is written
//! to the socket directly (through TLS when there is one). A connection a
//! peer writes to directly (`Conn::direct`) cannot converse: the note that
//! ends that write comes through a ring this thread does not read while
//! the gather runs.
//!
//! Each call blocks at most its `wait`, in `poll(2)` on the socket, so the
//! caller can look at the runtime's stop flag between calls.

use std::io::{ErrorKind, Read};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use slab::Slab;

use super::busy::Pump;
use crate::args::Args;
use crate::clients::Heard;
use crate::commands::Commands;
use crate::conn::Conn;
use crate::resp::Decoded;
use crate::stats::ShardStats;

/// [`ClientsOf::converse`](crate::ClientsOf::converse) for connection slot
/// `i` of `conns`.
pub(super) fn converse<C: Commands>(
    pump: &mut Pump<'_, C>,
    conns: &mut Slab<Conn<C>>,
    i: usize,
    send: &[u8],
    wait: Duration,
) -> Heard {
    let deadline = Instant::now() + wait;
    let stats = pump.door.stats;
    let max_query = pump.door.limits.max_query_buffer;
    if let Some(r) = pump.ring.as_deref_mut() {
        if let Some(c) = conns.get_mut(i) {
            if c.ring && c.recv_armed && !c.recv_stopped {
                c.recv_stopped = true;
                c.unread = true;
                c.want_read = true;
                r.cancel_recv(i, c.gen);
            }
        }
        super::recv::take_while_busy(r, conns, stats, max_query, &mut pump.served);
        super::send::settle_while_busy(r, conns, stats, &mut pump.served);
    }
    if !pump.served.contains(&i) {
        pump.served.push(i);
    }
    let Some(c) = conns.get_mut(i) else {
        return Heard::Gone;
    };
    if c.direct || c.eof || c.closing {
        return Heard::Gone;
    }
    c.out.extend_from_slice(send);
    match write_all(pump, conns, i, deadline) {
        Some(true) => {}
        Some(false) => return Heard::Nothing,
        None => return Heard::Gone,
    }
    let Some(c) = conns.get_mut(i) else {
        return Heard::Gone;
    };
    read_request(c, pump, deadline, stats, max_query)
}

/// Writes connection `i`'s output whole: `Some(true)` when done,
/// `Some(false)` when the deadline passed first (the rest stays queued),
/// `None` when the connection broke.
fn write_all<C: Commands>(
    pump: &mut Pump<'_, C>,
    conns: &mut Slab<Conn<C>>,
    i: usize,
    deadline: Instant,
) -> Option<bool> {
    let stats = pump.door.stats;
    loop {
        let c = conns.get_mut(i)?;
        if c.in_flight > 0 {
            // A ring send of earlier output: it completes first.
            let r = pump.ring.as_deref_mut()?;
            let gen = c.gen;
            if r.done
                .iter()
                .any(|d| d.conn == i && d.gen == gen && d.failed)
            {
                return None;
            }
            if Instant::now() >= deadline {
                return Some(false);
            }
            r.poke();
            r.reap();
            super::send::settle_while_busy(r, conns, stats, &mut pump.served);
            if conns.get(i).is_some_and(|c| c.in_flight > 0) {
                std::thread::sleep(Duration::from_micros(200));
            }
            continue;
        }
        if c.wpos >= c.out.len() {
            c.out.clear();
            c.wpos = 0;
            return Some(true);
        }
        match c.write_sock() {
            Ok(0) => return None,
            Ok(n) => {
                c.wpos += n;
                ShardStats::add_own(&stats.net_output, n);
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                if !wait_for(c.sock.as_raw_fd(), libc::POLLOUT, deadline)? {
                    return Some(false);
                }
            }
            Err(_) => return None,
        }
    }
}

/// Decodes connection `c`'s next request, reading its socket until one is
/// complete or the deadline passes.
fn read_request<C: Commands>(
    c: &mut Conn<C>,
    pump: &mut Pump<'_, C>,
    deadline: Instant,
    stats: &ShardStats,
    max_query: usize,
) -> Heard {
    let mut limits = *pump.door.limits;
    limits.guest = pump.cmds.guest(&c.session);
    let lent = c.rbuf_lent != 0;
    if !lent {
        c.merge_talk();
        if let Some(a) = c.ahead.take() {
            // Decoded ahead already (never twice: a decoder may rewrite
            // its bytes): it is the request.
            c.ahead = c.ahead2.take();
            if let Decoded::Command { consumed } = a.decoded {
                let args = Args::new(&c.rbuf[c.rpos..c.rend], &a.spans).to_owned_args();
                c.rpos += consumed;
                return Heard::Request(args);
            }
        }
    }
    loop {
        // The decoder's input: the read buffer, or while it is lent out
        // for decoding (the command's own gather runs inside that), the
        // dialogue's own buffer (the bytes the lent one holds are older:
        // they stay there, and these join them once it is back).
        let mut spans = if lent {
            Vec::new()
        } else {
            std::mem::take(&mut c.partial)
        };
        let decoded = if lent {
            let talk = &mut c.talk;
            if talk.is_empty() {
                None
            } else {
                Some(pump.cmds.decode(&mut talk[..], &mut spans, &limits))
            }
        } else if c.rpos < c.rend {
            Some(
                pump.cmds
                    .decode(&mut c.rbuf[c.rpos..c.rend], &mut spans, &limits),
            )
        } else {
            None
        };
        match decoded {
            Some(Decoded::Command { consumed }) => {
                if lent {
                    let talk = &mut c.talk;
                    let args = Args::new(&talk[..], &spans).to_owned_args();
                    talk.drain(..consumed);
                    return Heard::Request(args);
                }
                let args = Args::new(&c.rbuf[c.rpos..c.rend], &spans).to_owned_args();
                c.rpos += consumed;
                c.need = 0;
                return Heard::Request(args);
            }
            Some(Decoded::Skip { consumed }) => {
                if lent {
                    c.talk.drain(..consumed);
                } else {
                    c.rpos += consumed;
                }
                continue;
            }
            Some(Decoded::Incomplete { need }) if !lent => {
                c.need = need;
                c.partial = spans;
            }
            Some(Decoded::Incomplete { .. }) => {}
            Some(Decoded::Error(reply)) => {
                c.out.extend_from_slice(&reply);
                c.closing = true;
                return Heard::Gone;
            }
            None => {}
        }
        let got = if lent {
            let talk = &mut c.talk;
            let mut chunk = [0u8; 4096];
            let got = match c.tls.as_deref_mut() {
                None => (&*c.sock).read(&mut chunk),
                Some(t) => t.read(&c.sock, &mut chunk),
            };
            if let Ok(n) = got {
                talk.extend_from_slice(&chunk[..n]);
                if talk.len() > max_query {
                    c.eof = true;
                    return Heard::Gone;
                }
            }
            got
        } else {
            c.make_room(c.need, false);
            let got = c.read_sock();
            if let Ok(n) = got {
                c.rend += n;
                c.tail = false;
                if c.rend - c.rpos > max_query {
                    c.eof = true;
                    return Heard::Gone;
                }
            }
            got
        };
        match got {
            Ok(0) => {
                c.eof = true;
                return Heard::Gone;
            }
            Ok(n) => {
                c.last_active = Instant::now();
                ShardStats::add_own(&stats.net_input, n);
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                match wait_for(c.sock.as_raw_fd(), libc::POLLIN, deadline) {
                    Some(true) => {}
                    Some(false) => return Heard::Nothing,
                    None => {
                        c.eof = true;
                        return Heard::Gone;
                    }
                }
            }
            Err(_) => {
                c.eof = true;
                return Heard::Gone;
            }
        }
    }
}

/// Waits until `fd` is ready for `events` or `deadline` passes:
/// `Some(true)` ready, `Some(false)` timed out, `None` hung up or failed.
fn wait_for(fd: i32, events: i16, deadline: Instant) -> Option<bool> {
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let ms = left.as_millis().min(i32::MAX as u128) as i32;
        let mut p = libc::pollfd {
            fd,
            events,
            revents: 0,
        };
        // SAFETY: `p` is one valid, writable pollfd for the call's duration.
        let n = unsafe { libc::poll(&mut p, 1, ms) };
        if n < 0 {
            if std::io::Error::last_os_error().kind() == ErrorKind::Interrupted {
                continue;
            }
            return None;
        }
        if n == 0 {
            return Some(false);
        }
        if p.revents & (libc::POLLERR | libc::POLLNVAL) != 0 {
            return None;
        }
        // POLLHUP with input still buffered: the read meets the end.
        return Some(true);
    }
}

impl<C: Commands> Conn<C> {
    /// Appends what a dialogue read while the read buffer was lent
    /// ([`Conn::talk`]) after the input buffered: the order it arrived in.
    pub(crate) fn merge_talk(&mut self) {
        if self.talk.is_empty() {
            return;
        }
        let talk = std::mem::take(&mut self.talk);
        if self.rpos > 0 {
            // Spans kept of requests at `rpos` are relative to it.
            self.rbuf.copy_within(self.rpos..self.rend, 0);
            self.rend -= self.rpos;
            self.rpos = 0;
        }
        if self.rbuf.len() < self.rend + talk.len() {
            self.rbuf.resize(self.rend + talk.len(), 0);
        }
        self.rbuf[self.rend..self.rend + talk.len()].copy_from_slice(&talk);
        self.rend += talk.len();
        self.tail = false;
    }
}
