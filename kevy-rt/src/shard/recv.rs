//! The io_uring reactor's input side of the loop: arming connections'
//! multishot receives, filing their completions into the connections'
//! buffers and decoding them, stopping a receive while its connection
//! cannot take input (`reactor::uring`). On the epoll reactor none of this
//! runs: `Shard::read` reads the sockets.

use std::collections::VecDeque;
use std::os::fd::AsRawFd;
use std::time::Instant;

use slab::Slab;

use super::{Shard, READ_BUDGET};
use crate::commands::Commands;
use crate::conn::Conn;
use crate::reactor::uring::{Recv, Ring};
use crate::stats::ShardStats;

/// Provided buffers a connection whose input cannot be filed (its buffer
/// lent out to the running part) may hold while a busy part runs: at this
/// many its receive is stopped, so that a client pipelining into its own
/// long script cannot take the ring's buffers from the other connections
/// (whose receives would end with ENOBUFS, a SCRIPT KILL among them,
/// until the script ends). The rest waits in its socket, as on epoll.
const HELD_MAX: usize = 8;

/// What one receive completion did to its connection.
enum Filed {
    /// Bytes were added to its buffer.
    Data,
    /// The connection's query buffer passed the limit.
    TooBig,
    /// End of stream.
    Eof,
    /// The receive ended without an error: arm it again (unless stopped).
    Ended,
    /// The connection is broken.
    Broken,
}

/// Files completion `ev` into connection `c` (its slot and generation
/// checked by the caller) and gives its buffer back to `ring`.
fn file<C: Commands>(
    ring: &mut Ring,
    c: &mut Conn<C>,
    ev: &Recv,
    stats: &ShardStats,
    max_query: usize,
    now: Instant,
) -> Filed {
    if !ev.more {
        c.recv_armed = false;
    }
    let filed = if ev.res > 0 {
        let n = ev.res as usize;
        let data = match ev.bid {
            Some(bid) => ring.buf(bid, n),
            None => &[],
        };
        let n = data.len();
        c.make_room(c.need, true);
        if c.rbuf.len() - c.rend < n {
            c.rbuf.resize(c.rend + n, 0);
        }
        c.rbuf[c.rend..c.rend + n].copy_from_slice(data);
        c.rend += n;
        c.tail = false;
        ShardStats::add_own(&stats.net_input, n);
        c.last_active = now;
        if c.rend - c.rpos > max_query {
            Filed::TooBig
        } else if ev.more {
            Filed::Data
        } else {
            // Data, and the receive ended (the kernel may end a multishot
            // receive at any time): the data is filed, the receive re-armed.
            Filed::Ended
        }
    } else if ev.res == 0 {
        Filed::Eof
    } else {
        match -ev.res {
            libc::ENOBUFS | libc::ECANCELED | libc::EINTR | libc::EAGAIN => Filed::Ended,
            _ => Filed::Broken,
        }
    };
    if let Some(bid) = ev.bid {
        ring.put(bid);
    }
    filed
}

/// While a busy part runs: arms the receives of the connections it
/// accepted (the event loop would only once the part ends).
pub(super) fn arm_accepted<C: Commands>(
    ring: &mut Ring,
    conns: &mut Slab<Conn<C>>,
    accepted: &[usize],
) {
    for &i in accepted {
        if let Some(c) = conns.get_mut(i) {
            if c.ring && !c.recv_armed && !c.recv_stopped && !c.eof {
                ring.recv(i, c.gen, c.sock.as_raw_fd());
                c.recv_armed = true;
                c.unread = false;
            }
        }
    }
}

/// While a busy part runs (`busy::serve`): files what the ring received
/// for connections whose buffer is not lent out (whose input then gets
/// served), arms again the receives that ended without an error (or ran
/// out of provided buffers), and keeps the rest (a lent buffer's input, an
/// end of stream, an error), in order, for the event loop; a connection
/// holding [`HELD_MAX`] buffers so has its receive stopped (the event loop
/// arms it again once the connection takes input).
pub(super) fn take_while_busy<C: Commands>(
    ring: &mut Ring,
    conns: &mut Slab<Conn<C>>,
    stats: &ShardStats,
    max_query: usize,
    served: &mut Vec<usize>,
) {
    ring.poke();
    ring.reap();
    if ring.recvs.is_empty() {
        return;
    }
    let now = Instant::now();
    let mut keep = VecDeque::new();
    // Connections with a completion kept: later ones stay behind it.
    let mut behind: Vec<usize> = Vec::new();
    // Per connection of `behind` (same index): buffers its kept ones hold.
    let mut held: Vec<usize> = Vec::new();
    while let Some(ev) = ring.recvs.pop_front() {
        let c = match conns.get_mut(ev.conn) {
            Some(c) if c.gen == ev.gen && c.ring => c,
            _ => {
                // A closed connection's last completions.
                if let Some(bid) = ev.bid {
                    ring.put(bid);
                }
                continue;
            }
        };
        let ended = ev.res < 0
            && matches!(
                -ev.res,
                libc::ECANCELED | libc::EINTR | libc::EAGAIN | libc::ENOBUFS
            );
        let at = behind.iter().position(|&b| b == ev.conn);
        if c.rbuf_lent != 0 || !(ev.res > 0 || ended) || at.is_some() {
            let at = at.unwrap_or_else(|| {
                behind.push(ev.conn);
                held.push(0);
                behind.len() - 1
            });
            held[at] += usize::from(ev.bid.is_some());
            if held[at] >= HELD_MAX && c.recv_armed && !c.recv_stopped {
                // Its rest waits in the socket; `served`: the event loop
                // looks at it once the part ends (`Shard::after_busy`),
                // arming it again when it takes input (`read_ring`).
                c.recv_stopped = true;
                c.unread = true;
                c.want_read = true;
                ring.cancel_recv(ev.conn, c.gen);
                if !served.contains(&ev.conn) {
                    served.push(ev.conn);
                }
            }
            keep.push_back(ev);
            continue;
        }
        match file(ring, c, &ev, stats, max_query, now) {
            // The event loop closes it (as `serve_one` leaves it).
            Filed::TooBig | Filed::Eof | Filed::Broken => c.eof = true,
            Filed::Ended => {
                if !c.recv_stopped && !c.eof {
                    ring.recv(ev.conn, c.gen, c.sock.as_raw_fd());
                    c.recv_armed = true;
                }
            }
            Filed::Data => {}
        }
        if !served.contains(&ev.conn) {
            served.push(ev.conn);
        }
    }
    ring.recvs = keep;
    ring.publish();
}

impl<C: Commands> Shard<C> {
    /// Files and decodes every receive completion the last wait collected.
    pub(super) fn take_recvs(&mut self) {
        while let Some(ev) = self.ring.as_mut().and_then(|r| r.recvs.pop_front()) {
            self.on_recv(ev);
        }
        if let Some(r) = self.ring.as_ref() {
            r.publish();
        }
    }

    fn on_recv(&mut self, ev: Recv) {
        let Some(ring) = self.ring.as_mut() else {
            return;
        };
        let i = ev.conn;
        let c = match self.conns.get_mut(i) {
            Some(c) if c.gen == ev.gen && c.ring => c,
            _ => {
                // A closed connection's last completions.
                if let Some(bid) = ev.bid {
                    ring.put(bid);
                }
                return;
            }
        };
        let max = self.limits.max_query_buffer;
        match file(ring, c, &ev, &self.stats, max, self.now) {
            Filed::TooBig | Filed::Broken => {
                // Redis closes such a client without a reply.
                self.close(i);
                return;
            }
            Filed::Eof => {
                c.eof = true;
                if c.deferred.is_some() || c.parked.is_some() {
                    // Redis frees a paused or blocked client that hangs up.
                    self.close(i);
                } else {
                    self.maybe_close(i);
                }
                return;
            }
            Filed::Ended => {
                if !c.recv_stopped && !c.eof {
                    self.rearm.push(i);
                }
                if ev.res <= 0 {
                    return;
                }
            }
            Filed::Data => {}
        }
        if self.evicted_for_memory(i) {
            return;
        }
        self.process(i);
        self.stop_if_full(i);
    }

    /// Stops connection `i`'s receive while it cannot take input and more
    /// than [`READ_BUDGET`] waits in its buffer (a paused or blocked one
    /// keeps receiving, as on epoll, so that its hang-up is seen).
    fn stop_if_full(&mut self, i: usize) {
        let Some(c) = self.conns.get_mut(i) else {
            return;
        };
        if c.recv_armed
            && !c.recv_stopped
            && !c.can_decode()
            && c.deferred.is_none()
            && c.parked.is_none()
            && c.rend - c.rpos > READ_BUDGET
        {
            c.recv_stopped = true;
            c.unread = true;
            c.want_read = true;
            if let Some(r) = self.ring.as_mut() {
                r.cancel_recv(i, c.gen);
            }
        }
    }

    /// `Shard::read` for a connection whose input comes through the ring:
    /// nothing to read, but a stopped or ended receive is armed again when
    /// the connection takes input.
    pub(super) fn read_ring(&mut self, i: usize) {
        if !self.takes_input(i, false) {
            return;
        }
        let Some(c) = self.conns.get_mut(i) else {
            return;
        };
        c.unread = false;
        c.recv_stopped = false;
        if !c.recv_armed {
            self.rearm.push(i);
        }
    }

    /// Before the wait: arms the receives of the connections listed.
    pub(super) fn arm_recvs(&mut self) {
        let Some(ring) = self.ring.as_mut() else {
            return;
        };
        for i in self.rearm.drain(..) {
            let Some(c) = self.conns.get_mut(i) else {
                continue;
            };
            if c.ring && !c.recv_armed && !c.recv_stopped && !c.eof {
                ring.recv(i, c.gen, c.sock.as_raw_fd());
                c.recv_armed = true;
                c.unread = false;
            }
        }
    }
}
