//! A shard serving its connections while a long part keeps its thread
//! ([`ClientsOf::serve_busy`](crate::ClientsOf::serve_busy)), and the
//! admission of a new connection, shared by the event loop and the busy
//! shard (a busy shard still accepts, or the clients the kernel hands it
//! would wait for the part to end).
//!
//! *Why it cannot deadlock.* Serving is a bounded, non-blocking step that
//! waits for nothing: it accepts and reads until `WouldBlock`, writes what
//! the socket takes, and calls the command set's `answer` with a session
//! and a request — never the shard's state, never a ring, a lock, a peer,
//! the reactor's poll or another connection. A connection with anything in
//! flight is not touched, so no reply order, hold or direct reply can be
//! disturbed; what serving leaves (unsent output, a put-off request, more
//! input) the event loop takes up once the part returns.

use std::io::Write;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use mio::net::{TcpListener, UnixListener};
use mio::unix::SourceFd;
use mio::{Interest, Registry, Token};
use slab::Slab;

use crate::args::Args;
use crate::clients::{Answer, Busy, BusyRequest};
use crate::commands::Commands;
use crate::conn::{Ahead, Conn};
use crate::push::ConnHandle;
use crate::resp::{Decoded, Limits};
use crate::settings::Settings;
use crate::stats::ShardStats;
use crate::stream::Stream;
use crate::tls::TlsSession;

/// What admitting a connection needs of the shard: everything but the
/// command-set state, which a busy part holds.
pub(super) struct Door<'a> {
    pub(super) shard: usize,
    pub(super) registry: &'a Registry,
    pub(super) settings: &'a Settings,
    pub(super) stats: &'a ShardStats,
    pub(super) conn_ids: &'a AtomicU64,
    pub(super) next_gen: &'a mut u32,
    pub(super) limits: &'a Limits,
    /// The listeners a busy shard accepts on (not TLS: a handshake is the
    /// event loop's work).
    pub(super) listeners: &'a [TcpListener],
    pub(super) unix_listener: Option<&'a UnixListener>,
    /// The io_uring reactor runs: plain connections take their input
    /// through it, not through epoll.
    pub(super) uring: bool,
}

impl Door<'_> {
    /// Admits a new connection into `conns`: maxclients, the command set's
    /// refusal, registration with the reactor, its session. The slot, or
    /// `None` when it was refused (and closed). The command set is not
    /// told ([`Commands::opened`]): the caller does it.
    pub(super) fn admit<C: Commands>(
        &mut self,
        cmds: &C,
        conns: &mut Slab<Conn<C>>,
        sock: Stream,
        peer: Option<SocketAddr>,
        tls: Option<Box<TlsSession>>,
    ) -> Option<usize> {
        if !self.settings.try_admit() {
            // Like Redis: one best-effort write of the error, then close
            // (a TLS client, before any handshake, is just closed).
            if tls.is_none() {
                let mut msg = Vec::new();
                cmds.too_many_clients(&mut msg);
                let _ = (&sock).write(&msg);
            }
            self.stats.rejected.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        let mut msg = Vec::new();
        if cmds.refuses_connection(peer, &mut msg) {
            // As above: one best-effort write, then close.
            let _ = (&sock).write(&msg);
            self.settings.release();
            self.stats.rejected.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        let entry = conns.vacant_entry();
        let slot = entry.key();
        let ring = self.uring && tls.is_none() && crate::reactor::uring::recv_slot_ok(slot);
        if !ring
            && self
                .registry
                .register(
                    &mut SourceFd(&sock.as_raw_fd()),
                    Token(slot),
                    Interest::READABLE | Interest::WRITABLE,
                )
                .is_err()
        {
            self.settings.release();
            return None;
        }
        *self.next_gen = self.next_gen.wrapping_add(1);
        let id = self.conn_ids.fetch_add(1, Ordering::Relaxed) + 1;
        let c = entry.insert(Conn::new(
            Arc::new(sock),
            tls,
            id,
            *self.next_gen,
            peer,
            self.limits.output_high_water,
        ));
        c.ring = ring;
        c.session = cmds.new_session(&c.facts(self.shard));
        self.stats.accepted.fetch_add(1, Ordering::Relaxed);
        self.stats.connected.fetch_add(1, Ordering::Relaxed);
        Some(slot)
    }

    /// Accepts what waits on the plain and Unix listeners (until each would
    /// block), pushing the slots admitted to `accepted`.
    fn accept_all<C: Commands>(
        &mut self,
        cmds: &C,
        conns: &mut Slab<Conn<C>>,
        accepted: &mut Vec<usize>,
    ) {
        for l in self.listeners {
            while let Ok((sock, peer)) = l.accept() {
                super::accept::tune(&sock, self.settings);
                if let Some(i) = self.admit(cmds, conns, Stream::Tcp(sock), Some(peer), None) {
                    accepted.push(i);
                }
            }
        }
        if let Some(l) = self.unix_listener {
            while let Ok((sock, _)) = l.accept() {
                if let Some(i) = self.admit(cmds, conns, Stream::Unix(sock), None, None) {
                    accepted.push(i);
                }
            }
        }
    }
}

/// A busy part's serving state, kept in the connection table it is lent
/// (`admin::ConnTable`, whose `serve_busy` calls [`Pump::serve`]).
pub(super) struct Pump<'a, C: Commands> {
    pub(super) cmds: &'a C,
    pub(super) door: Door<'a>,
    /// Connections read from while the part ran (resumed once it ends).
    pub(super) served: Vec<usize>,
    /// Connections whose request was put off: not served again.
    pub(super) later: Vec<usize>,
    /// Connections accepted while the part ran.
    pub(super) accepted: Vec<usize>,
    /// The shard's connections whose receive the event loop arms before
    /// its next wait (accepted, or taking input again, in the iteration the
    /// part started in): armed by the first serving instead, or their input
    /// would wait for the part to end.
    pub(super) rearm: &'a mut Vec<usize>,
    /// The io_uring reactor, whose completed receives serving takes.
    pub(super) ring: Option<&'a mut crate::reactor::uring::Ring>,
}

impl<C: Commands> Pump<'_, C> {
    /// The connections served and accepted, when there were any.
    pub(super) fn served(self) -> Option<(Vec<usize>, Vec<usize>)> {
        (!self.served.is_empty() || !self.accepted.is_empty())
            .then_some((self.served, self.accepted))
    }
}

impl<C: Commands> Pump<'_, C> {
    /// [`ClientsOf::serve_busy`](crate::ClientsOf::serve_busy): serves the
    /// idle connections of `conns` (shard `shard`'s).
    pub(super) fn serve(
        &mut self,
        conns: &mut Slab<Conn<C>>,
        shard: usize,
        answer: &mut Answer<'_, C::Session>,
    ) {
        self.door.accept_all(self.cmds, conns, &mut self.accepted);
        if let Some(r) = self.ring.as_deref_mut() {
            let max = self.door.limits.max_query_buffer;
            super::recv::arm_accepted(r, conns, self.rearm);
            self.rearm.clear();
            super::recv::arm_accepted(r, conns, &self.accepted);
            super::recv::take_while_busy(r, conns, self.door.stats, max, &mut self.served);
            super::send::settle_while_busy(r, conns, self.door.stats, &mut self.served);
        }
        let ready: Vec<usize> = conns
            .iter()
            .filter(|(i, c)| c.idle() && !self.later.contains(i))
            .map(|(i, _)| i)
            .collect();
        for i in ready {
            let Some(c) = conns.get_mut(i) else {
                continue;
            };
            if !self.served.contains(&i) {
                self.served.push(i);
            }
            if !serve_one(c, i, self, shard, answer) {
                self.later.push(i);
            }
            write_out(c, self.door.stats);
        }
    }
}

/// Writes what connection `c`'s socket takes now; the event loop writes
/// the rest once the part ends.
fn write_out<C: Commands>(c: &mut Conn<C>, stats: &ShardStats) {
    while c.wpos < c.out.len() {
        match c.write_sock() {
            Ok(0) => break,
            Ok(n) => {
                c.wpos += n;
                ShardStats::add_own(&stats.net_output, n);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    if c.wpos == c.out.len() {
        c.out.clear();
        c.wpos = 0;
    }
}

/// Serves connection `c` (slot `i`): its buffered requests, then what its
/// socket holds, until it would block. False when a request was put off.
fn serve_one<C: Commands>(
    c: &mut Conn<C>,
    i: usize,
    pump: &mut Pump<'_, C>,
    shard: usize,
    answer: &mut Answer<'_, C::Session>,
) -> bool {
    let limits = pump.door.limits;
    let mut limits = *limits;
    let mut spans = Vec::new();
    loop {
        while c.rpos < c.rend && !c.closing {
            if c.unsent() >= c.high_water {
                return true;
            }
            spans.clear();
            if !c.partial.is_empty() {
                spans = std::mem::take(&mut c.partial);
            }
            limits.guest = pump.cmds.guest(&c.session);
            match pump
                .cmds
                .decode(&mut c.rbuf[c.rpos..c.rend], &mut spans, &limits)
            {
                Decoded::Command { consumed } => {
                    let req = BusyRequest {
                        client: c.facts(shard),
                        conn: ConnHandle {
                            shard: shard as u32,
                            idx: i as u32,
                            gen: c.gen,
                        },
                        args: Args::new(&c.rbuf[c.rpos..c.rend], &spans),
                    };
                    match answer(&mut c.session, &req, &mut c.out) {
                        Busy::Later => {
                            // Runs first when the event loop resumes the
                            // connection, without being decoded twice.
                            c.ahead = Some(Ahead {
                                decoded: Decoded::Command { consumed },
                                spans,
                            });
                            return false;
                        }
                        Busy::Close => c.closing = true,
                        Busy::Replied => {}
                    }
                    c.next_seq += 1;
                    c.rpos += consumed;
                    c.need = 0;
                }
                Decoded::Skip { consumed } => c.rpos += consumed,
                Decoded::Incomplete { need } => {
                    c.need = need;
                    if !spans.is_empty() {
                        c.partial = std::mem::take(&mut spans);
                    }
                    break;
                }
                Decoded::Error(reply) => {
                    c.out.extend_from_slice(&reply);
                    c.closing = true;
                }
            }
        }
        if c.closing || c.unsent() >= c.high_water {
            return true;
        }
        if c.ring {
            // Its input comes through the ring (taken above).
            return true;
        }
        c.make_room(c.need, false);
        match c.read_sock() {
            Ok(0) => {
                c.eof = true;
                return true;
            }
            Ok(n) => {
                c.rend += n;
                c.tail = false;
                c.last_active = Instant::now();
                ShardStats::add_own(&pump.door.stats.net_input, n);
                if c.rend - c.rpos > pump.door.limits.max_query_buffer {
                    // Redis closes such a client without a reply: the
                    // event loop does, seeing it at its end.
                    c.eof = true;
                    return true;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return true,
            Err(_) => {
                c.eof = true;
                return true;
            }
        }
    }
}

impl<C: Commands> super::Shard<C> {
    /// A part that served connections is over: the command set hears of
    /// those accepted meanwhile, and the event loop takes up every one
    /// served (a put-off request, more input, unsent output, a close).
    pub(super) fn after_busy(&mut self, served: Vec<usize>, accepted: Vec<usize>) {
        for &i in &accepted {
            self.opened(i);
        }
        for i in served.into_iter().chain(accepted) {
            if !self.resume.contains(&i) {
                self.resume.push(i);
            }
            self.mark_dirty(i);
        }
    }
}
