//! Connections coming and going on a shard: listeners stopping, accepting
//! (TCP, TLS, Unix socket), admitting a connection, and closing one.

use std::io;
use std::os::fd::AsRawFd;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use mio::unix::SourceFd;

use mio::{Interest, Token};

use super::{busy, Shard, LISTENERS};
use crate::commands::Commands;
use crate::settings::Settings;
use crate::stream::Stream;
use crate::tls::TlsSession;

/// Sets an accepted socket's options: no Nagle delay, and TCP keep-alive
/// when configured.
pub(super) fn tune(sock: &mio::net::TcpStream, settings: &Settings) {
    let _ = sock.set_nodelay(true);
    if let Some(every) = settings.keepalive() {
        let ka = socket2::TcpKeepalive::new()
            .with_time(every)
            .with_interval(every / 3);
        let _ = socket2::SockRef::from(sock).set_tcp_keepalive(&ka);
    }
}

impl<C: Commands> Shard<C> {
    /// Stopping: closes this shard's listeners, then waits (up to a
    /// second) until every shard has closed its own before its connections
    /// close. A client that sees its connection end (the one that sent
    /// SHUTDOWN, say) and connects again is then refused, as by a stopped
    /// Redis, instead of being accepted by a shard still finishing its
    /// iteration and dropped.
    pub(super) fn stop_listening(&mut self) {
        self.settings.close_listeners();
        self.listeners.clear();
        self.unix_listener = None;
        if let Some((l, _)) = self.tls.as_mut() {
            let _ = self.poll.registry().deregister(l);
        }
        self.tls = None;
        self.unlistened.fetch_add(1, Ordering::AcqRel);
        let deadline = Instant::now() + Duration::from_secs(1);
        while self.unlistened.load(Ordering::Acquire) < self.router.nshards()
            && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_micros(200));
        }
    }

    /// Takes the listeners [`Settings::relisten`] bound for this shard,
    /// closing the ones it had (connections they accepted stay).
    pub(super) fn take_listeners(&mut self) {
        let Some(mut new) = self.settings.take_listeners(self.id) else {
            return;
        };
        // Should the poll refuse one (out of memory), the old listeners
        // stay: clients keep a way in.
        let registry = self.poll.registry();
        let registered = new
            .iter_mut()
            .enumerate()
            .map(|(i, l)| registry.register(l, Token(LISTENERS + i), Interest::READABLE))
            .position(|r| r.is_err());
        if let Some(failed) = registered {
            for l in &mut new[..failed] {
                let _ = registry.deregister(l);
            }
            return;
        }
        for l in &mut self.listeners {
            let _ = registry.deregister(l);
        }
        self.listeners = new;
        self.settings.closed_old_listeners();
    }

    /// Accepts on the `i`-th plain listener, or on the TLS one (`None`).
    pub(super) fn accept(&mut self, plain: Option<usize>) {
        let tls = plain.is_none();
        loop {
            let accepted = match (plain, &self.tls) {
                // A token of listeners since replaced finds none.
                (Some(i), _) => match self.listeners.get(i) {
                    Some(l) => l.accept(),
                    None => return,
                },
                (None, Some((l, _))) => l.accept(),
                (None, None) => return,
            };
            match accepted {
                Ok((sock, peer)) => {
                    tune(&sock, &self.settings);
                    self.add_conn(Stream::Tcp(sock), Some(peer), tls)
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // Out of descriptors and the like: stop accepting for now; the
                // next incoming connection triggers another attempt.
                Err(_) => return,
            }
        }
    }

    /// Accepts on the Unix socket. Every shard listens on it; the kernel hands
    /// each connection to one of them (the others see `WouldBlock`).
    pub(super) fn accept_unix(&mut self) {
        loop {
            let Some(l) = self.unix_listener.as_ref() else {
                return;
            };
            match l.accept() {
                Ok((sock, _)) => self.add_conn(Stream::Unix(sock), None, false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => return,
            }
        }
    }

    pub(super) fn add_conn(&mut self, sock: Stream, peer: Option<std::net::SocketAddr>, tls: bool) {
        let session = match &self.tls {
            Some((_, config)) if tls => match TlsSession::new(config) {
                Ok(s) => Some(Box::new(s)),
                Err(_) => return,
            },
            _ => None,
        };
        let mut door = door!(self);
        if let Some(slot) = door.admit(&*self.cmds, &mut self.conns, sock, peer, session) {
            if self.conns[slot].ring {
                self.rearm.push(slot);
            }
            self.opened(slot);
        }
    }

    /// Tells the command set of admitted connection `slot`.
    pub(super) fn opened(&mut self, slot: usize) {
        if let Some(c) = self.conns.get_mut(slot) {
            let handle = c.handle(self.id, slot);
            self.cmds.opened(&mut self.state, &mut c.session, handle);
        }
    }

    pub(super) fn close(&mut self, i: usize) {
        if self.conns.contains(i) {
            let mut c = self.conns.remove(i);
            let handle = c.handle(self.id, i);
            self.cmds.closed(&mut self.state, &mut c.session, handle);
            self.settings.release();
            // Its output no longer counts in its class's sum, but for a
            // send in flight of a summed class, whose buffer lives until
            // its completion (`Shard::reap_sends` uncounts it then).
            let class = c.class as usize;
            // Freed before it is uncounted: a shard reading the allocator's
            // total and the sum meanwhile must not see it as no one's.
            c.out = Vec::new();
            self.settings.note_output(class, c.class_mem, class, 0);
            let summed = self.ring.as_ref().filter(|_| c.in_flight > 0);
            if let Some((fc, bytes)) = summed.and_then(|r| r.summed_of(c.flight)) {
                self.settings
                    .note_output(fc as usize, 0, fc as usize, bytes);
            }
            if c.monitor {
                self.monitors.retain(|&(m, _)| m != i);
                self.settings.add_monitor(-1);
            }
            if c.direct_waited {
                self.direct_waiters -= 1;
            }
            if c.deferred.is_some() {
                self.settings.add_blocked(-1);
            }
            if let Some((id, _)) = c.parked.take() {
                self.parked_conn_closed(id);
            }
            if let Some(t) = c.tls.as_deref_mut() {
                t.close(&c.sock);
            }
            if let Some(r) = self.ring.as_mut() {
                if c.in_flight > 0 {
                    // Killed or broken: what was still being sent is
                    // dropped, as unwritten output is on the epoll backend.
                    r.cancel(c.flight);
                }
                if c.recv_armed {
                    // The ring holds the socket open until its receive ends.
                    r.cancel_recv(i, c.gen);
                }
                // Nor may its registered file table keep it open.
                r.release(i);
            }
            // A peer writing a direct reply may hold the socket a moment longer;
            // it closes when the last holder drops it.
            let fd = c.sock.as_raw_fd();
            let _ = self.poll.registry().deregister(&mut SourceFd(&fd));
            self.stats.connected.fetch_sub(1, Ordering::Relaxed);
            self.closed_big_client(c.mem_seen);
        }
    }
}
