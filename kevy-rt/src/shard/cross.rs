//! A shard's traffic with its peers: forwarded commands and multi-shard parts
//! going out in one batch per peer per loop, peers' batches run here and
//! answered, and replies filed back into connections and operations.

use std::io::{self, Write};
use std::sync::atomic::Ordering;

use super::busy;
use super::Shard;
use crate::args::{Args, Span};
use crate::clients::ClientsOf;
use crate::commands::{Commands, Gather, Prefetch};
use crate::msg::{ConnRef, Msg, Replies, Reply, Request, Requests, POOL_MAX_BYTES};
use crate::reactor::uring::Direct;
use crate::stats::ShardStats;
use crate::stream::Stream;

/// How many commands ahead of its turn a command of a peer's batch is
/// prefetched ([`Commands::prefetch`]).
const PREFETCH_AHEAD: usize = 8;

/// The longest list of a round's replies kept for the next gather
/// ([`Shard::gather`]); a longer one (a round over many shards) is freed.
const KEEP_GATHERED: usize = 64;

impl<C: Commands> Shard<C> {
    /// Runs one part on this shard, lending it the connection table.
    pub(super) fn run_part(&mut self, ctx: C::Ctx, part: C::Part) -> C::PartReply {
        let mut table = conn_table!(self);
        let mut clients = ClientsOf::new(&mut table).with_isolating(self.txn.armed);
        let reply = self
            .cmds
            .execute_part(&mut self.state, ctx, part, &mut clients);
        if let Some((served, accepted)) = table.pump.take().and_then(busy::Pump::served) {
            self.after_busy(served, accepted);
        }
        if !self.parking.unblocked.is_empty() {
            self.reap_unblocked();
        }
        self.serve_ready();
        reply
    }

    /// Sends (or runs, when local) one round of parts of operation `op`.
    pub(super) fn launch(&mut self, op: usize, parts: &mut Vec<(usize, C::Part)>) {
        let mut current = op;
        loop {
            let Some(o) = self.ops.get_mut(current) else {
                return;
            };
            let ctx = o.ctx;
            o.replies.clear();
            o.replies.extend(parts.iter().map(|_| None));
            o.remaining = parts.len();
            for (idx, (s, part)) in parts.drain(..).enumerate() {
                if s == self.id || s >= self.router.nshards() {
                    // Runs now, in issue order with everything else on this shard.
                    let reply = self.run_part(ctx, part);
                    if let Some(o) = self.ops.get_mut(current) {
                        o.replies[idx] = Some(reply);
                        o.remaining -= 1;
                    }
                } else {
                    let req = self.outgoing[s].get_or_insert_with(|| self.pools.requests(s));
                    req.items.push(Request::Part {
                        op: current as u32,
                        idx: idx as u32,
                    });
                    req.parts.push((ctx, part));
                }
            }
            if self.ops.get(current).is_none_or(|o| o.remaining > 0) {
                return;
            }
            // Every part ran here: gather at once (and maybe start another round).
            match self.gather(current, parts) {
                Some(next) => current = next,
                None => return,
            }
        }
    }

    /// All replies of `op`'s round are in: reduce them. Returns the op again when
    /// it wants another round (its parts left in `next`).
    pub(super) fn gather(&mut self, op: usize, next: &mut Vec<(usize, C::Part)>) -> Option<usize> {
        let o = self.ops.get_mut(op)?;
        // The kept list (a gather it lends to may gather another operation,
        // which then finds none and allocates its own).
        let mut replies = std::mem::take(&mut self.gathered);
        replies.extend(o.replies.drain(..).flatten());
        let mut out = self.pools.slot();
        let mut table = conn_table!(self);
        let mut clients = ClientsOf::new(&mut table);
        let gathered = self.cmds.gather_lending(
            &mut self.state,
            &mut o.plan,
            &mut replies,
            &self.router,
            next,
            &mut out,
            &mut clients,
        );
        if replies.capacity() <= KEEP_GATHERED {
            replies.clear();
            self.gathered = replies;
        }
        if let Some((served, accepted)) = table.pump.take().and_then(busy::Pump::served) {
            self.after_busy(served, accepted);
        }
        match gathered {
            Gather::Again => {
                self.pools.put_slot(out);
                Some(op)
            }
            Gather::Restart => {
                let mut o = self.ops.remove(op);
                if let Some((txn, shards)) = &o.locks {
                    self.release_all(*txn, shards);
                }
                let i = o.conn.idx as usize;
                let again = match self.conns.get_mut(i) {
                    Some(c) if c.gen == o.conn.gen => {
                        // Held from now on, even if the attempt was not (a
                        // part run at once): nothing of the connection may
                        // overtake the operation while it locks. (A fenced
                        // one leaves the fence: the hold orders what follows.
                        // No one-round plan restarts today.)
                        if o.fenced {
                            if let Some(f) = c.fence.as_deref_mut() {
                                f.leave();
                            }
                            c.fence_wait = false;
                        }
                        c.held = true;
                        self.txn.locks.clear();
                        self.cmds
                            .restart(&mut c.session, &mut o.plan, &mut self.txn.locks)
                    }
                    // Its connection is gone: nothing to run again.
                    _ => {
                        self.pools.put_slot(out);
                        return None;
                    }
                };
                match again {
                    Some((ctx, cmd, args)) => {
                        self.pools.put_slot(out);
                        // Still held: nothing of the connection runs meanwhile.
                        self.begin_txn(o.conn, o.seq, ctx, cmd, args.args(), false);
                    }
                    None => {
                        self.deliver(o.conn, o.seq, &out);
                        self.pools.put_slot(out);
                        if let Some(c) = self.conns.get_mut(i) {
                            c.held = false;
                            self.resume.push(i);
                        }
                    }
                }
                None
            }
            Gather::Done => {
                let mut o = self.ops.remove(op);
                if let Some((txn, shards)) = &o.locks {
                    self.release_all(*txn, shards);
                }
                let held = o.locks.take().map(|(_, held)| held);
                self.txn.keep_lists(std::mem::take(&mut o.replies), held);
                let reparked = self.resume_missed(o.conn, &o.plan);
                if reparked {
                    // Parked again (and held): its slot gets nothing.
                    out.clear();
                }
                self.deliver(o.conn, o.seq, &out);
                self.pools.put_slot(out);
                if o.hold && !reparked {
                    if let Some(c) = self.conns.get_mut(o.conn.idx as usize) {
                        if c.gen == o.conn.gen {
                            c.held = false;
                            self.resume.push(o.conn.idx as usize);
                        }
                    }
                }
                if o.fenced {
                    self.fence_left(o.conn);
                }
                None
            }
        }
    }

    /// Files a reply for connection `conn`, if it is still the same connection.
    pub(super) fn deliver(&mut self, conn: ConnRef, seq: u64, bytes: &[u8]) {
        let i = conn.idx as usize;
        match self.conns.get_mut(i) {
            Some(c) if c.gen == conn.gen => {
                let head = c.head_seq();
                let mut bytes = bytes;
                if c.direct && seq == head {
                    c.direct = false;
                    if c.direct_waited {
                        c.direct_waited = false;
                        self.direct_waiters -= 1;
                    }
                    if !bytes.is_empty() && c.unsent() > 0 {
                        put_first(&mut c.out, c.wpos, bytes);
                        bytes = &[];
                    }
                }
                let capped = c.owes_too_much();
                c.deliver(seq, bytes, &mut self.pools);
                if capped && c.want_read && c.can_decode() {
                    // Below the in-flight cap again: take input.
                    self.resume.push(i);
                }
            }
            _ => return,
        }
        self.mark_dirty(i);
    }

    /// Handles every waiting ring message; true if there was any.
    pub(super) fn drain_mesh(&mut self) -> bool {
        let mut any = false;
        for peer in 0..self.router.nshards() {
            while let Some(msg) = self.mesh.recv(peer) {
                any = true;
                self.on_msg(peer, msg);
            }
        }
        any
    }

    /// Runs one message of peer `peer`.
    pub(super) fn on_msg(&mut self, peer: usize, msg: Msg<C>) {
        match msg {
            Msg::Requests(r) => self.on_requests(peer, r),
            Msg::Replies(r) => self.on_replies(peer, r),
            Msg::Adopt(c) => self.adopt(*c),
        }
    }

    /// Runs a peer's request batch and answers it with one reply batch.
    pub(super) fn on_requests(&mut self, peer: usize, mut req: Requests<C>) {
        if let Some(bufs) = req.returned.take() {
            self.pools.put_replies(bufs);
        }
        if !req.monitor.is_empty() {
            let lines = std::mem::take(&mut req.monitor);
            self.append_monitor(&lines);
            req.monitor = lines;
            req.monitor.clear();
        }
        let mut rep = self.pools.replies();
        // Only `Written` items: the origin need not wake for them.
        let mut lazy = true;
        // Each command is prefetched in two stages before its turn: its index
        // entry `PREFETCH_AHEAD` commands ahead, its entry half as far.
        // Read in place: a command item is not moved out of the batch (the
        // enum is sized by its largest variant; moving each one cost a
        // `memcpy` call per forwarded command).
        let mut items = std::mem::take(&mut req.items);
        let mut parts = std::mem::take(&mut req.parts);
        let mut next_part = parts.drain(..);
        let mut locks = std::mem::take(&mut req.locks);
        let mut next_lock = locks.drain(..);
        let prefetch = |shard: &Self, item: Option<&Request<C>>, stage: Prefetch| {
            if let Some(Request::Cmd {
                cmd,
                ctx,
                span0,
                nargs,
                ..
            }) = item
            {
                let spans = req
                    .spans
                    .get(*span0 as usize..(span0 + nargs) as usize)
                    .unwrap_or(&[]);
                let args = Args::new(&req.data, spans);
                shard.cmds.prefetch(&shard.state, ctx, *cmd, args, stage);
            }
        };
        const NEAR: usize = PREFETCH_AHEAD / 2;
        for item in items.iter().take(PREFETCH_AHEAD) {
            prefetch(self, Some(item), Prefetch::Index);
        }
        for item in items.iter().take(NEAR) {
            prefetch(self, Some(item), Prefetch::Entry);
        }
        // Replies that must wait for the durability barrier go back to
        // their origin: no direct write while the batch runs.
        let hold = self.cmds.holds_replies(&self.state);
        // Under `maxmemory-clients` the replies made here count as their
        // clients' memory until their shard files them
        // (`Settings::replies_in_transit`).
        let counting = self.settings.max_client_memory() != 0;
        for at in 0..items.len() {
            prefetch(self, items.get(at + PREFETCH_AHEAD), Prefetch::Index);
            prefetch(self, items.get(at + NEAR), Prefetch::Entry);
            if let Some(Request::Cmd {
                conn,
                seq,
                cmd,
                ctx,
                span0,
                nargs,
                direct,
            }) = items.get_mut(at)
            {
                let (conn, seq, cmd, ctx) = (*conn, *seq, *cmd, *ctx);
                let direct = direct.take();
                let spans = req
                    .spans
                    .get(*span0 as usize..(*span0 + *nargs) as usize)
                    .unwrap_or(&[]);
                let args = Args::new(&req.data, spans);
                if self.txn.armed {
                    let route = self.cmds.resolve(args).route;
                    if self.txn.must_defer(peer, conn, route, args) {
                        // Answered in a later batch, once it runs.
                        self.txn.defer(peer, conn, seq, cmd, ctx, route, args);
                        continue;
                    }
                }
                let start = rep.data.len();
                self.cmds
                    .execute(&mut self.state, ctx, cmd, args, &mut rep.data);
                if let Some(sock) = direct.filter(|_| !hold) {
                    if let Some(r) = self.ring.as_mut() {
                        // On this shard's ring: the iteration's one
                        // submit sends it; its completion sends the
                        // `Written` note (`Shard::file_direct`).
                        if rep.data.len() > start {
                            let counted = if counting {
                                let n = rep.data.len() - start;
                                self.settings.add_transit(n as i64);
                                n as u64
                            } else {
                                0
                            };
                            let to = Direct {
                                peer,
                                conn,
                                seq,
                                counted,
                            };
                            r.send_direct(sock, &rep.data[start..], to);
                            rep.data.truncate(start);
                            self.serve_ready();
                            continue;
                        }
                    }
                    if !self.outbox.is_empty() {
                        // What the command posted for other shards' clients
                        // (an invalidation, a keyspace event) leaves before
                        // its reply does: a client that reads the reply and
                        // then asks another shard finds it delivered, as
                        // Redis writes both in that order.
                        self.deliver_pushes();
                        self.send_outgoing();
                    }
                    let written = write_some(&sock, &rep.data[start..]);
                    ShardStats::add_own(&self.stats.net_output, written);
                    rep.data.drain(start..start + written);
                    if rep.data.len() == start {
                        let len = u32::try_from(written).unwrap_or(u32::MAX);
                        rep.items.push(Reply::Written { conn, seq, len });
                        self.serve_ready();
                        continue;
                    }
                }
                lazy = false;
                rep.items.push(Reply::Cmd {
                    conn,
                    seq,
                    end: rep.data.len(),
                });
                if counting {
                    let n = (rep.data.len() - start) as u64;
                    rep.counted += n;
                    self.settings.add_transit(n as i64);
                }
                self.serve_ready();
                continue;
            }
            // Any other item is taken out (a field-less one left in its place).
            let Some(item) = items
                .get_mut(at)
                .map(|i| std::mem::replace(i, Request::Cancel { waiter: 0 }))
            else {
                break;
            };
            match item {
                Request::Cmd { .. } => {}
                Request::Part { op, idx } => {
                    let Some((ctx, part)) = next_part.next() else {
                        continue;
                    };
                    lazy = false;
                    let reply = self.run_part(ctx, part);
                    rep.items.push(Reply::Part { op, idx });
                    rep.parts.push(reply);
                }
                Request::Push {
                    conn,
                    start,
                    end,
                    tag,
                } => {
                    let bytes = req.data.get(start as usize..end as usize).unwrap_or(&[]);
                    self.push_local(conn, bytes, tag);
                    self.pushed = true;
                }
                Request::Notice { start, end } => {
                    let bytes = req.data.get(start as usize..end as usize).unwrap_or(&[]);
                    self.cmds.notice(&mut self.state, bytes);
                }
                Request::EndParked { conn } => self.end_parked_local(conn),
                Request::Disconnect { conn } => self.disconnect_local(conn),
                Request::Barrier { conn } => self.pass_barrier(peer, conn),
                Request::BarrierDone { conn } => self.barrier_done(conn),
                Request::Lock { txn } => {
                    if let Some(req) = next_lock.next() {
                        self.lock_here(txn, req);
                    }
                }
                Request::LockPart {
                    txn,
                    op,
                    idx,
                    release,
                } => {
                    let (Some((ctx, part)), Some(req)) = (next_part.next(), next_lock.next())
                    else {
                        continue;
                    };
                    if let Some(reply) = self.lock_part(txn, req, op, idx, ctx, part, release) {
                        lazy = false;
                        rep.items.push(Reply::Part { op, idx });
                        rep.parts.push(reply);
                    }
                }
                Request::Release { txn } => self.release_here(txn),
                Request::Granted { txn } => self.on_granted(txn),
                park => self.on_park_msg(peer, park),
            }
        }
        drop(next_part);
        drop(next_lock);
        items.clear();
        req.items = items;
        req.parts = parts;
        req.locks = locks;
        self.deliver_pushes();
        self.pools.saw(
            req.data
                .len()
                .max(req.spans.len() * std::mem::size_of::<Span>()),
        );
        req.data.clear();
        req.spans.clear();
        if req.data.capacity() > POOL_MAX_BYTES {
            req.data = Vec::new();
        }
        let replies = Replies {
            bufs: rep,
            returned: Some(req),
        };
        if hold {
            // Sent after the iteration's barrier, with every other batch's.
            self.held.push((peer, replies, lazy));
        } else {
            self.cmds.before_replies(&mut self.state);
            self.mesh.send(peer, Msg::Replies(replies), lazy);
        }
    }

    /// Sends the peer batches' replies held for the barrier (which the
    /// caller has just passed).
    pub(super) fn send_held(&mut self) {
        for (peer, replies, lazy) in self.held.drain(..) {
            self.mesh.send(peer, Msg::Replies(replies), lazy);
        }
    }

    /// Files a peer's replies to our connections and operations.
    pub(super) fn on_replies(&mut self, peer: usize, mut rep: Replies<C>) {
        if let Some(req) = rep.returned.take() {
            self.pools.put_requests(req);
        }
        let mut bufs = rep.bufs;
        let data = std::mem::take(&mut bufs.data);
        let mut start = 0;
        let mut next = std::mem::take(&mut self.parts);
        let mut results = bufs.parts.drain(..);
        let limited = self.settings.max_client_memory() != 0;
        for item in bufs.items.drain(..) {
            match item {
                Reply::Cmd { conn, seq, end } => {
                    self.deliver(conn, seq, data.get(start..end).unwrap_or(&[]));
                    start = end;
                    if limited {
                        self.grown.push(conn.idx as usize);
                    }
                }
                Reply::Written { conn, seq, len } => {
                    // Its bytes count toward the reply buffer's peak as if
                    // they had been queued here.
                    if let Some(c) = self.conns.get_mut(conn.idx as usize) {
                        if c.gen == conn.gen {
                            c.reply.fill(len as usize);
                        }
                    }
                    self.deliver(conn, seq, &[]);
                }
                Reply::Part { op, idx } => {
                    let Some(reply) = results.next() else {
                        continue;
                    };
                    let op = op as usize;
                    let Some(o) = self.ops.get_mut(op) else {
                        continue;
                    };
                    if let Some(slot) = o.replies.get_mut(idx as usize) {
                        *slot = Some(reply);
                        o.remaining -= 1;
                    }
                    if o.remaining == 0 {
                        if let Some(again) = self.gather(op, &mut next) {
                            self.launch(again, &mut next);
                        }
                    } else if let Some((txn, _)) = o.locks {
                        // A one-round operation's share replied: on to the
                        // next (nothing for other operations).
                        self.txn.ready.push(txn);
                    }
                }
            }
        }
        drop(results);
        self.parts = next;
        self.deliver_pushes();
        if bufs.counted != 0 {
            // Filed: counted in their connections now.
            self.settings.add_transit(-(bufs.counted as i64));
            bufs.counted = 0;
        }
        bufs.data = data;
        self.pools.return_replies(peer, bufs);
        if limited {
            // Replies that took a connection past `maxmemory-clients`: it
            // goes before anything else runs, as after a local command
            // (`Shard::process`).
            let mut grown = std::mem::take(&mut self.grown);
            for i in grown.drain(..) {
                self.evicted_for_memory(i);
            }
            self.grown = grown;
        }
    }

    pub(super) fn send_outgoing(&mut self) {
        for s in 0..self.outgoing.len() {
            if let Some(req) = self.outgoing[s].take() {
                self.mesh.send(s, Msg::Requests(req), false);
            }
        }
        self.mesh.retry_backlog();
        let mut ring = self.ring.as_mut();
        let woken = self.mesh.notify(|fd, fallback| match ring.as_deref_mut() {
            Some(r) => {
                r.wake_peer(fd, fallback);
                true
            }
            None => false,
        });
        if woken > 0 {
            self.stats.wakeups.fetch_add(woken, Ordering::Relaxed);
        }
    }
}

/// Inserts the rest of a direct reply the socket took in part at `at`, the
/// start of the unsent output: before whatever was queued meanwhile.
#[cold]
fn put_first(out: &mut Vec<u8>, at: usize, bytes: &[u8]) {
    out.splice(at..at, bytes.iter().copied());
}

/// Writes as much of `bytes` as the socket takes now; 0 on any error (the
/// origin then writes the rest, and meets the error itself).
fn write_some(sock: &Stream, bytes: &[u8]) -> usize {
    let mut done = 0;
    let mut w = sock;
    while done < bytes.len() {
        match w.write(&bytes[done..]) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
    done
}
