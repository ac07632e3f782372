//! Moving a connection to the shard its keys live on.
//!
//! A connection is served by the shard that accepted it, and each keyed
//! command runs on the shard owning its key: one on another shard is
//! forwarded there and its reply comes back (or is written by the owner).
//! A client whose keys all live on one other shard (a queue's `{tag}`
//! keys, one hot list or hash) pays that hop, and a wake-up of the owner,
//! on every command. Once [`Builder::move_after`](crate::Builder::move_after)
//! keyed commands in a row went to the same other shard, the connection
//! moves there: its socket, buffers and session travel in one ring message
//! ([`Msg::Adopt`]), and its commands then run where it lives. Random keys
//! never make such a run (2⁻⁶⁴ over two shards at the default 64).
//!
//! Only a quiet connection moves: nothing in flight (no forwarded command,
//! no multi-shard operation, no send, no unsent output, no input buffered
//! or decoded ahead), not parked, paused, monitoring, closing or on TLS,
//! and the command set agrees ([`Commands::movable`]: nothing of its state
//! points at the connection's place). A candidate that is not quiet yet is
//! looked at again at the end of each loop iteration until its streak
//! breaks. On io_uring its multishot receive is cancelled first; bytes that
//! arrive meanwhile are filed into its buffer (not decoded) and travel with
//! it. The client sees nothing: the socket is the same, its id, name and
//! statistics too.

use std::os::fd::AsRawFd;

use mio::unix::SourceFd;
use mio::{Interest, Token};

use super::Shard;
use crate::commands::Commands;
use crate::conn::Conn;
use crate::msg::Msg;
use crate::stats::ShardStats;

impl<C: Commands> Conn<C> {
    /// Counts a keyed command of this connection, on shard `here`, that
    /// runs on shard `s`: whether this one makes a run of `after` on one
    /// other shard (the connection becomes a candidate to move there).
    #[inline]
    pub(super) fn note_target(&mut self, s: usize, here: usize, after: u32) -> bool {
        if s == here {
            self.streak.1 = 0;
            return false;
        }
        if self.streak.0 as usize != s {
            self.streak = (s as u32, 0);
        }
        self.streak.1 = self.streak.1.saturating_add(1);
        self.streak.1 == after
    }
}

impl<C: Commands> Shard<C> {
    /// At the end of a loop iteration: moves the candidates that are quiet,
    /// finishes the moves whose receive has ended, drops those whose streak
    /// broke (or that closed).
    pub(super) fn move_ready(&mut self) {
        if self.movers.is_empty() {
            return;
        }
        let mut movers = std::mem::take(&mut self.movers);
        let before = self.conns.len();
        movers.retain(|&i| self.try_move(i));
        movers.append(&mut self.movers);
        self.movers = movers;
        if self.conns.len() < before {
            // Some left: their new shards are woken.
            self.send_outgoing();
        }
    }

    /// One step of moving connection `i`; whether it stays a candidate.
    fn try_move(&mut self, i: usize) -> bool {
        let Some(c) = self.conns.get_mut(i) else {
            return false;
        };
        if let Some(to) = c.moving {
            if c.eof {
                // It hung up meanwhile: what it sent runs here, then it
                // closes as any other.
                c.moving = None;
                c.recv_stopped = false;
                self.resume.push(i);
                return false;
            }
            if c.recv_armed {
                // Its receive's last completion is still to come.
                return true;
            }
            self.depart(i, to);
            return false;
        }
        if c.streak.1 < self.move_after {
            return false;
        }
        if !quiet(c) {
            return true;
        }
        if !self.cmds.movable(&c.session) {
            // Not now: the streak starts over.
            c.streak.1 = 0;
            return false;
        }
        let to = c.streak.0 as usize;
        if to >= self.router.nshards() || to == self.id {
            return false;
        }
        c.moving = Some(to);
        if c.recv_armed {
            c.recv_stopped = true;
            if let Some(r) = self.ring.as_mut() {
                r.cancel_recv(i, c.gen);
            }
            return true;
        }
        self.depart(i, to);
        false
    }

    /// Takes connection `i` out of this shard and sends it to shard `to`.
    fn depart(&mut self, i: usize, to: usize) {
        if !self.conns.contains(i) {
            return;
        }
        let mut c = self.conns.remove(i);
        if let Some(r) = self.ring.as_mut() {
            // Its registered file slot goes with its index.
            r.release(i);
        }
        if !c.ring {
            let fd = c.sock.as_raw_fd();
            let _ = self.poll.registry().deregister(&mut SourceFd(&fd));
        }
        self.stats
            .connected
            .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
        c.moving = None;
        c.dirty = false;
        c.recv_armed = false;
        c.recv_stopped = false;
        c.streak = (self.id as u32, 0);
        self.mesh.send(to, Msg::Adopt(Box::new(c)), false);
    }

    /// Connection `c` moved here from another shard.
    pub(super) fn adopt(&mut self, mut c: Conn<C>) {
        let entry = self.conns.vacant_entry();
        let slot = entry.key();
        let ring = self.ring.is_some() && crate::reactor::uring::recv_slot_ok(slot);
        if !ring
            && self
                .poll
                .registry()
                .register(
                    &mut SourceFd(&c.sock.as_raw_fd()),
                    Token(slot),
                    Interest::READABLE | Interest::WRITABLE,
                )
                .is_err()
        {
            // Closed, as a failed accept would be: the command set forgets
            // it, dropping it closes the socket.
            let handle = c.handle(self.id, slot);
            self.cmds.closed(&mut self.state, &mut c.session, handle);
            self.settings.release();
            return;
        }
        self.next_gen = self.next_gen.wrapping_add(1);
        c.gen = self.next_gen;
        c.ring = ring;
        // Whatever arrived before the move (or since, in its socket) is
        // read and run here.
        c.unread = true;
        entry.insert(c);
        self.stats
            .connected
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        ShardStats::add_own(&self.stats.moved_in, 1);
        if let Some(c) = self.conns.get_mut(slot) {
            let handle = c.handle(self.id, slot);
            self.cmds.moved(&mut self.state, &mut c.session, handle);
        }
        if ring {
            self.rearm.push(slot);
        }
        self.resume.push(slot);
    }
}

/// Nothing of connection `c` is in flight, unsent or buffered: it can move.
fn quiet<C: Commands>(c: &Conn<C>) -> bool {
    c.idle()
        && c.unsent() == 0
        && c.rpos == c.rend
        && c.partial.is_empty()
        && !c.direct_waited
        && !c.recv_stopped
}
