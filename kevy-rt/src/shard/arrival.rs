//! The order a wake-up's input and peers' messages run in.
//!
//! Redis runs what arrived first first. Two clients' requests that meet on
//! one shard here may come by different ways, one from its socket, one from
//! a peer's ring (forwarded, or fanned out), and neither reactor says when
//! socket data arrived relative to a ring message. So the order is chosen
//! per kind of message, by which way round a client can have sent them:
//!
//! - **Reports of what already happened on the peer** (a notice such as a
//!   broken `WATCH`, a push, a reply, a lock's grant, a parked call's step)
//!   run before the input: a client may have seen the effect (the reply of
//!   the `SET` that broke the `WATCH`, sent after the notice) before
//!   sending that input (its `EXEC`, which must fail).
//! - **Forwarded commands** run before the input too: a client's command
//!   reaches its own shard first and this one a hop later, so a command
//!   forwarded here was usually sent before input that arrived here
//!   meanwhile (Redis's suite: two clients' `BRPOPLPUSH` sent back to back
//!   block in that order, and the first one is served first).
//! - **Parts of multi-shard operations** run after the input: a `PUBLISH`'s
//!   fan-out asks every shard for its subscribers, and a subscriber that
//!   sent `PUNSUBSCRIBE` before another client's `PUBLISH` (not waiting for
//!   the reply) must not be counted (Redis's suite: "PUBLISH/PSUBSCRIBE
//!   after PUNSUBSCRIBE without arguments"). No client has seen a part
//!   answered, so running it after the input is always a valid order.
//!
//! A peer's messages always run in the order it sent them: only batches of
//! parts that come after every other message of that peer wait for the
//! input. And input that arrived while the shard was leaving its wait is
//! reaped before such parts run (on io_uring it may still be task work).

use mio::event::Event;
use mio::{Events, Token};

use super::{Shard, LISTENERS, TLS_LISTENER, UNIX_LISTENER, WAKER};
use crate::commands::Commands;
use crate::msg::Msg;

impl<C: Commands> Shard<C> {
    /// Serves what the last wait reported (`events`, the ring's completions)
    /// and what peers sent, in the order above; true if there was any.
    pub(super) fn serve_arrivals(&mut self, events: &Events) -> bool {
        // A reply among these may also free a connection whose next request
        // is among the events.
        let (mut busy, parts_wait) = self.drain_before_input();
        if std::mem::take(&mut self.pushed) {
            // Pushes from peers (invalidations, messages) are written before
            // this iteration's commands run, as Redis writes every pending
            // reply before it reads: left in their buffers, they counted as
            // used memory for those commands' eviction, which evicted more
            // keys, whose invalidations came back the same way.
            self.flush_dirty();
        }
        if parts_wait {
            if let Some(r) = self.ring.as_mut() {
                r.catch_up();
            }
        }
        busy |= !events.is_empty() || self.ring_busy();
        self.reap_sends();
        // A candidate the replies just drained goes before its next
        // request runs here (what the ring brings meanwhile goes along).
        self.move_ready();
        self.take_recvs();
        for ev in events.iter() {
            self.on_event(ev);
        }
        busy |= self.drain_mesh();
        busy
    }

    /// Runs each peer's messages up to its last that is not only parts of
    /// multi-shard operations. Returns whether it ran any, and whether parts
    /// were left to run after the input.
    fn drain_before_input(&mut self) -> (bool, bool) {
        let (mut any, mut left) = (false, false);
        for peer in 0..self.router.nshards() {
            let (now, waiting) = self
                .mesh
                .prefix(peer, |m| !matches!(m, Msg::Requests(r) if r.only_parts()));
            for _ in 0..now {
                let Some(msg) = self.mesh.recv(peer) else {
                    break;
                };
                any = true;
                self.on_msg(peer, msg);
            }
            left |= waiting > now;
        }
        (any, left)
    }

    /// Handles one readiness event of the poll.
    fn on_event(&mut self, ev: &Event) {
        match ev.token() {
            WAKER => {}
            TLS_LISTENER => self.accept(None),
            UNIX_LISTENER => self.accept_unix(),
            Token(t) if (LISTENERS..LISTENERS + self.listeners.len()).contains(&t) => {
                self.accept(Some(t - LISTENERS))
            }
            Token(i) => {
                if ev.is_writable() {
                    self.flush(i);
                }
                if ev.is_read_closed() || ev.is_error() {
                    self.read(i, true);
                } else if ev.is_readable() {
                    self.read(i, false);
                }
            }
        }
    }
}
