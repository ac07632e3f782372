//! The order a wake-up's input and peers' messages run in.
//!
//! Redis runs what arrived first first: a client's `PUNSUBSCRIBE` sent just
//! before another client's `PUBLISH` is served before it, and the
//! `PUBLISH` finds no subscriber (Redis's own pub/sub suite relies on it).
//! Here the two may land on different shards: the `PUBLISH` runs on its
//! client's shard, whose fan-out reaches the subscriber's shard as a ring
//! message that can get there before that shard has looked at its socket.
//! Neither may one simply run input before ring messages: a message may
//! report what already happened on its peer (a `WATCH`ed key written, a
//! key to invalidate), and a client that saw that write acknowledged and
//! then sent input here must find it applied (`EXEC` fails).
//!
//! So one iteration orders them by what the wait tells of their arrival:
//!
//! 1. The mesh is marked at the end of the wait, before peers see this
//!    shard awake ([`MeshEnd::mark`]), and only then is the input read off
//!    the reactor (on io_uring, task work still owed runs after the mark:
//!    without it, input that came while a busy shard left its wait was
//!    reported an iteration late, behind messages sent after it). What
//!    peers send from the mark on came after all the input the wait
//!    reports, and runs after it (step 5).
//! 2. Input that arrived before the first wake-up by a peer runs first: a
//!    parked shard is woken for the first message sent to it, and its
//!    wake-up is reported in arrival order among the input (io_uring's
//!    deferred task work posts receives and `MSG_RING` wake-ups in the
//!    order they happened; epoll's ready list is in readiness order).
//! 3. Then what peers sent before the mark, up to the last message that
//!    reports what already happened there ([`Requests::only_new_work`]
//!    says which do not): a client may have seen its effect.
//! 4. Then the rest of the input.
//! 5. Then everything else peers sent: their new work (forwarded commands,
//!    parts of multi-shard operations) may have been sent before some of
//!    that input arrived, but none of it has been answered, so running it
//!    after is a valid order, and it is Redis's when the input came first.
//!
//! A peer's messages always run in the order it sent them.
//!
//! [`MeshEnd::mark`]: crate::mesh::MeshEnd::mark
//! [`Requests::only_new_work`]: crate::msg::Requests::only_new_work

use mio::event::Event;
use mio::{Events, Token};

use super::{Shard, LISTENERS, TLS_LISTENER, UNIX_LISTENER, WAKER};
use crate::commands::Commands;
use crate::msg::Msg;

impl<C: Commands> Shard<C> {
    /// Serves what the last wait reported (`events`, the ring's completions)
    /// and what peers sent, in the order above; true if there was any.
    pub(super) fn serve_arrivals(&mut self, events: &Events) -> bool {
        let woken_at = events.iter().position(|ev| ev.token() == WAKER);
        for ev in events.iter().take(woken_at.unwrap_or(0)) {
            self.on_event(ev);
        }
        self.take_early_recvs();
        // A reply among these may also free a connection whose next request
        // is among the events.
        let mut busy = self.drain_marked();
        busy |= !events.is_empty() || self.ring_busy();
        self.reap_sends();
        // A candidate the replies just drained goes before its next
        // request runs here (what the ring brings meanwhile goes along).
        self.move_ready();
        self.take_recvs();
        for ev in events.iter().skip(woken_at.unwrap_or(0)) {
            self.on_event(ev);
        }
        busy |= self.drain_mesh();
        busy
    }

    /// Step 3: what peers sent before the mark, up to the last message of
    /// each that is not only new work; true if there was any.
    fn drain_marked(&mut self) -> bool {
        let mut any = false;
        for peer in 0..self.router.nshards() {
            let must = self.mesh.marked_prefix(
                peer,
                |m| !matches!(m, Msg::Requests(r) if r.only_new_work()),
            );
            for _ in 0..must {
                let Some(msg) = self.mesh.recv(peer) else {
                    break;
                };
                any = true;
                self.on_msg(peer, msg);
            }
        }
        any
    }

    /// Step 2 on io_uring: files and decodes the receive completions that
    /// came before the first peer wake-up of the last wait
    /// ([`Ring::ahead_of_peer`](crate::reactor::uring::Ring)).
    fn take_early_recvs(&mut self) {
        let Some(n) = self.ring.as_mut().and_then(|r| r.ahead_of_peer.take()) else {
            return;
        };
        for _ in 0..n {
            match self.ring.as_mut().and_then(|r| r.recvs.pop_front()) {
                Some(ev) => self.on_recv(ev),
                None => break,
            }
        }
        if let Some(r) = self.ring.as_ref() {
            r.publish();
        }
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
