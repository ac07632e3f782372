//! A shard's pushed output: delivering what the command set posted in its
//! [`Outbox`](crate::Outbox) to connections here or, over the rings, on
//! their own shards; and holding connections to their output class's
//! limits (Redis's `client-output-buffer-limit`).

use std::time::Instant;

use super::Shard;
use crate::args::MAX_OFFSET;
use crate::commands::Commands;
use crate::conn::Conn;
use crate::msg::{ConnRef, Msg, Request};
use crate::push::OutputLimit;

impl<C: Commands> Shard<C> {
    /// Delivers everything the command set posted since the last call: to
    /// this shard's connections at once, to other shards' in this
    /// iteration's batches (in posting order per target shard).
    #[inline]
    pub(super) fn deliver_pushes(&mut self) {
        if !self.outbox.is_empty() {
            self.deliver_posted();
        }
    }

    #[cold]
    fn deliver_posted(&mut self) {
        // A notice to this shard may post more (a notice handler publishing
        // to this shard's connections or to other shards): loop until quiet.
        while !self.outbox.is_empty() {
            self.deliver_round();
        }
    }

    fn deliver_round(&mut self) {
        let (mut data, mut items, mut notices) = (Vec::new(), Vec::new(), Vec::new());
        self.outbox.take_notices(&mut notices);
        self.outbox.take(&mut data, &mut items);
        for (s, range) in notices.drain(..) {
            let bytes = data.get(range).unwrap_or(&[]);
            let s = s as usize;
            if s == self.id || s >= self.router.nshards() {
                self.cmds.notice(&mut self.state, bytes);
                continue;
            }
            if let Some(full) =
                self.outgoing[s].take_if(|q| q.data.len() + bytes.len() > MAX_OFFSET)
            {
                self.mesh.send(s, Msg::Requests(full), false);
            }
            let req = self.outgoing[s].get_or_insert_with(|| self.pools.requests(s));
            let start = req.data.len();
            req.data.extend_from_slice(bytes);
            req.items.push(Request::Notice {
                start: start as u32,
                end: req.data.len() as u32,
            });
        }
        for (to, range, tag) in items.drain(..) {
            let bytes = data.get(range).unwrap_or(&[]);
            let conn = ConnRef {
                idx: to.idx,
                gen: to.gen,
            };
            let s = to.shard as usize;
            if s == self.id || s >= self.router.nshards() {
                self.push_local(conn, bytes, tag);
                continue;
            }
            if let Some(full) =
                self.outgoing[s].take_if(|q| q.data.len() + bytes.len() > MAX_OFFSET)
            {
                self.mesh.send(s, Msg::Requests(full), false);
            }
            let req = self.outgoing[s].get_or_insert_with(|| self.pools.requests(s));
            let start = req.data.len();
            req.data.extend_from_slice(bytes);
            req.items.push(Request::Push {
                conn,
                start: start as u32,
                end: req.data.len() as u32,
                tag,
            });
        }
        self.outbox.give_back(data, items);
        let mut ends = Vec::new();
        self.outbox.take_ends(&mut ends);
        for (to, close) in ends {
            let conn = ConnRef {
                idx: to.idx,
                gen: to.gen,
            };
            let s = to.shard as usize;
            if s == self.id || s >= self.router.nshards() {
                match close {
                    true => self.disconnect_local(conn),
                    false => self.end_parked_local(conn),
                }
                continue;
            }
            let req = self.outgoing[s].get_or_insert_with(|| self.pools.requests(s));
            req.items.push(match close {
                true => Request::Disconnect { conn },
                false => Request::EndParked { conn },
            });
        }
    }

    /// Connection `i`'s command returned [`Flow::Barrier`](crate::Flow::Barrier):
    /// what it posted goes out now, then a [`Request::Barrier`] to every
    /// other shard behind it on the same ring; the connection's output
    /// waits (`Conn::barrier`) until each has answered.
    pub(super) fn barrier(&mut self, i: usize) {
        self.deliver_pushes();
        let (n, id) = (self.router.nshards(), self.id);
        let Some(c) = self.conns.get_mut(i) else {
            return;
        };
        let conn = ConnRef {
            idx: i as u32,
            gen: c.gen,
        };
        for s in (0..n).filter(|&s| s != id) {
            c.barrier += 1;
            let req = self.outgoing[s].get_or_insert_with(|| self.pools.requests(s));
            req.items.push(Request::Barrier { conn });
        }
    }

    /// A peer's [`Request::Barrier`]: what its earlier requests posted here
    /// goes out first, then the answer.
    pub(super) fn pass_barrier(&mut self, peer: usize, conn: ConnRef) {
        self.deliver_pushes();
        let req = self.outgoing[peer].get_or_insert_with(|| self.pools.requests(peer));
        req.items.push(Request::BarrierDone { conn });
    }

    /// A peer passed connection `conn`'s barrier: once the last has, its
    /// output is written again.
    pub(super) fn barrier_done(&mut self, conn: ConnRef) {
        let i = conn.idx as usize;
        match self.conns.get_mut(i) {
            Some(c) if c.gen == conn.gen && c.barrier > 0 => {
                c.barrier -= 1;
                if c.barrier == 0 {
                    self.mark_dirty(i);
                }
            }
            _ => {}
        }
    }

    /// Closes connection `conn` of this shard, if it is still the same
    /// connection, dropping its pending output
    /// ([`Outbox::disconnect`](crate::Outbox::disconnect)).
    pub(super) fn disconnect_local(&mut self, conn: ConnRef) {
        let i = conn.idx as usize;
        match self.conns.get_mut(i) {
            Some(c) if c.gen == conn.gen => {
                c.closing = true;
                self.killed.push((i, true));
            }
            _ => {}
        }
    }

    /// Ends the parked call of connection `conn` of this shard, if it is
    /// still the same connection and still parked, as if its deadline had
    /// passed ([`Outbox::end_parked`](crate::Outbox::end_parked)).
    pub(super) fn end_parked_local(&mut self, conn: ConnRef) {
        let i = conn.idx as usize;
        let Some(c) = self.conns.get(i) else {
            return;
        };
        if c.gen != conn.gen {
            return;
        }
        if let Some((_, claim)) = &c.parked {
            if claim.end(crate::park::claim::GONE) {
                self.parking
                    .unblocked
                    .push((i, crate::park::Unpark::Timeout));
                self.reap_unblocked();
            }
        }
    }

    /// Appends pushed bytes to connection `conn` of this shard, after the
    /// replies it is owed, if it is still the same connection; closes it
    /// when that takes it over its hard limit.
    pub(super) fn push_local(&mut self, conn: ConnRef, bytes: &[u8], tag: u8) {
        let i = conn.idx as usize;
        let Some(c) = self.conns.get_mut(i) else {
            return;
        };
        if c.gen != conn.gen || c.closing {
            return;
        }
        let queued = !c.pending.is_empty();
        if tag != 0 {
            let mut out = Vec::new();
            self.cmds.render_push(&c.session, tag, bytes, &mut out);
            if out.is_empty() {
                return;
            }
            c.reserve_output(&self.settings, out.len());
            c.reply_buf().extend_from_slice(&out);
        } else {
            c.reserve_output(&self.settings, bytes.len());
            c.reply_buf().extend_from_slice(bytes);
        }
        c.count_queued(queued);
        let class = self.cmds.output_class(&c.session);
        c.note_output(&self.settings, Some(class));
        let limit = self.settings.output_limit(class);
        if over_limit(c, &limit, self.now) {
            self.close(i);
            return;
        }
        self.note_queue(i);
        self.mark_dirty(i);
    }

    /// Checks connection `i`'s output against its class's limits, closing it
    /// when over (as Redis does, without writing the rest). True if closed.
    pub(super) fn enforce_output_limit(&mut self, i: usize) -> bool {
        let Some(c) = self.conns.get_mut(i) else {
            return false;
        };
        let class = self.cmds.output_class(&c.session);
        c.note_output(&self.settings, Some(class));
        let limit = self.settings.output_limit(class);
        if over_limit(c, &limit, self.now) {
            self.close(i);
            return true;
        }
        false
    }

    /// Closes the connections that have been over their soft output limit
    /// for longer than its time, whether or not anything more was written
    /// to them (Redis's `clientsCron`: a subscriber that stopped reading is
    /// dropped once the publishing has stopped too). Run on the tick; only
    /// connections already seen over a soft limit are looked at.
    pub(super) fn enforce_output_limits_idle(&mut self) {
        // Usually none: collecting nothing allocates nothing.
        let over: Vec<usize> = self
            .conns
            .iter()
            .filter(|(_, c)| c.soft_since.is_some())
            .map(|(i, _)| i)
            .collect();
        for i in over {
            self.enforce_output_limit(i);
        }
    }

    /// True when connection `i` holds more unsent output than its class's
    /// hard limit (then it is written now rather than coalesced).
    pub(super) fn over_hard_limit(&self, c: &Conn<C>) -> bool {
        let hard = self
            .settings
            .output_limit(self.cmds.output_class(&c.session))
            .hard;
        hard != 0 && c.unsent() as u64 >= hard
    }
}

/// Redis's `checkClientOutputBufferLimits`: over the hard limit, or over the
/// soft one for longer than its time (counted from when it was first seen
/// over; going back under resets it).
fn over_limit<C: Commands>(c: &mut Conn<C>, limit: &OutputLimit, now: Instant) -> bool {
    let used = c.unsent() as u64;
    if limit.hard != 0 && used >= limit.hard {
        return true;
    }
    if limit.soft != 0 && used >= limit.soft {
        match c.soft_since {
            None => c.soft_since = Some(now),
            Some(t) => return now.saturating_duration_since(t) > limit.soft_for,
        }
    } else {
        c.soft_since = None;
    }
    false
}
