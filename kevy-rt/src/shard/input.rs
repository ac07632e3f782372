//! A shard's input: reading a connection's socket, decoding its requests
//! (with two requests of lookahead for prefetching) and running, forwarding or
//! planning each one.

use std::io;
use std::sync::atomic::Ordering;

use super::{Op, Shard, READ_BUDGET};
use crate::args::{Args, Span, MAX_OFFSET};
use crate::commands::{Commands, Flow, LocalCx, Prefetch, Resolved};
use crate::conn::Ahead;
use crate::msg::{ConnRef, Msg, Request};
use crate::resp::Decoded;
use crate::route::{target, Target};
use crate::stats::ShardStats;

/// Span capacity a connection keeps for resuming an incomplete request once
/// none is pending (a bigger one came from a request of many arguments).
const PARTIAL_KEEP: usize = 1024;

/// Span lists kept for requests left decoded ahead (`Shard::spans_spare`):
/// about one per connection held at once.
const SPANS_SPARE: usize = 64;

impl<C: Commands> Shard<C> {
    /// Whether connection `i` takes input now, on either reactor: a
    /// connection that hung up is closed (when nothing of its own is still
    /// pending); one that can decode nothing more and holds no paused or
    /// parked command is marked to be read when it can (`want_read`, and
    /// `unread` when its socket may still hold bytes).
    pub(super) fn takes_input(&mut self, i: usize, unread: bool) -> bool {
        let Some(c) = self.conns.get_mut(i) else {
            return false;
        };
        if c.eof {
            self.maybe_close(i);
            return false;
        }
        if !c.can_decode() && c.deferred.is_none() && c.parked.is_none() {
            c.want_read = true;
            c.unread |= unread;
            return false;
        }
        true
    }

    /// Reads until the socket is drained, the connection stops taking input,
    /// or [`READ_BUDGET`] bytes were read (then it goes on next iteration).
    /// Unless `exhaust`, a short read counts as drained (epoll reports the next
    /// arrival as a new edge); with it, reading goes on to `WouldBlock` or EOF,
    /// for events that carried a FIN, which no later edge would report again.
    pub(super) fn read(&mut self, i: usize, exhaust: bool) {
        if self.conns.get(i).is_some_and(|c| c.ring) {
            self.read_ring(i);
            return;
        }
        let mut budget = READ_BUDGET;
        let mut arrival = true;
        loop {
            if !self.takes_input(i, true) {
                return;
            }
            let Some(c) = self.conns.get_mut(i) else {
                return;
            };
            // A paused client is still read (into its buffer, not decoded),
            // as Redis reads blocked clients: its hang-up frees it.
            c.want_read = false;
            c.make_room(c.need, std::mem::take(&mut arrival));
            let space = c.rbuf.len() - c.rend;
            // A TLS session's plaintext says nothing of what the socket
            // still holds: read it until it would block.
            let drained_if_short = !exhaust && c.tls.is_none();
            match c.read_sock() {
                Ok(0) => {
                    c.eof = true;
                    if c.deferred.is_some() || c.parked.is_some() {
                        // Redis frees a paused or blocked client that hangs
                        // up, and its held command with it.
                        self.close(i);
                    } else {
                        self.maybe_close(i);
                    }
                    return;
                }
                Ok(n) => {
                    c.rend += n;
                    c.tail = false;
                    ShardStats::add_own(&self.stats.net_input, n);
                    c.last_active = self.now;
                    if c.rend - c.rpos > self.limits.max_query_buffer {
                        // Redis closes such a client without a reply.
                        self.close(i);
                        return;
                    }
                    let short = n < space && drained_if_short;
                    c.unread = !short;
                    if self.evicted_for_memory(i) {
                        return;
                    }
                    self.process(i);
                    if short {
                        return;
                    }
                    budget = budget.saturating_sub(n);
                    if budget == 0 {
                        // More may be waiting: take it next iteration, after
                        // this one's batches and replies have gone out.
                        self.again.push(i);
                        return;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if let Some(c) = self.conns.get_mut(i) {
                        c.unread = false;
                    }
                    return;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => {
                    self.close(i);
                    return;
                }
            }
        }
    }

    /// Decodes and runs every complete request in the connection's buffer.
    ///
    /// While a request runs, the two behind it are already decoded and
    /// resolved and, when they are keyed commands for this shard,
    /// prefetched ([`Commands::prefetch`]): the next one's entry
    /// ([`Prefetch::Entry`], its index entry asked for a command ago) and
    /// the one after it's index entry ([`Prefetch::Index`]), so the next
    /// lookups' cache misses overlap this command's work (one request of
    /// lookahead left the entry's load to the lookup itself: GET `-P 16`
    /// user time 0.31 → 0.27 µs a request, BENCHMARKS.md "Session 19").
    /// Not past a [`Route::Local`](crate::Route::Local) command, which may
    /// change the session the next one is resolved and prefetched with
    /// (`SELECT`-like verbs). A request decoded ahead is never decoded
    /// twice (a decoder may rewrite its bytes, as inline unescaping does):
    /// when the connection stops taking input with some decoded ahead, they
    /// are kept in `Conn::ahead` / `Conn::ahead2` and run first on
    /// resumption.
    pub(super) fn process(&mut self, i: usize) {
        let Some(c) = self.conns.get_mut(i) else {
            return;
        };
        let mut rbuf = std::mem::take(&mut c.rbuf);
        c.rbuf_lent = rbuf.len();
        let (mut rpos, rend) = (c.rpos, c.rend);
        let mut spans = std::mem::take(&mut self.spans);
        let mut spans_next = std::mem::take(&mut self.spans_next);
        let mut spans_next2 = std::mem::take(&mut self.spans_next2);
        // Requests decoded ahead when the connection last stopped: they run
        // first. The shard's own lists are kept for the next requests left
        // ahead (`spans_spare`), not freed: a held connection (an isolated
        // operation in flight) leaves some ahead on every resumption.
        let mut next = None;
        let mut next2 = None;
        if let Some(a) = c.ahead.take() {
            let own = std::mem::replace(&mut spans_next, a.spans);
            spare_spans(&mut self.spans_spare, own);
            next = Some(a.decoded);
            if let Some(a) = c.ahead2.take() {
                let own = std::mem::replace(&mut spans_next2, a.spans);
                spare_spans(&mut self.spans_spare, own);
                next2 = Some(a.decoded);
            }
        }
        // The arguments an earlier read found of an incomplete request: the
        // decoder resumes after them instead of from its first byte.
        let mut resume = !c.partial.is_empty();
        if resume {
            std::mem::swap(&mut spans, &mut c.partial);
        }
        // The lookaheads' verbs and targets, found while prefetching their
        // index entries (never for those kept in `Conn::ahead`), and whether
        // the first's entry is prefetched too.
        let mut next_resolved = None;
        let mut next2_resolved = None;
        let mut next_entry = false;
        let mut need = 0;
        // The loop stopped at an incomplete request.
        let mut tail = false;
        // The request at `rpos` is incomplete and the decoder left spans of it.
        let mut need_spans = false;
        // Redis's pre-authentication limits, while the session needs them.
        let mut limits = self.limits;
        limits.guest = self.cmds.guest(&c.session);
        loop {
            match self.conns.get_mut(i) {
                Some(c) if c.can_decode() => {}
                Some(c) => {
                    // Resumed by a flush below the high-water mark or the end of
                    // a hold.
                    c.want_read = true;
                    break;
                }
                None => break,
            }
            if rpos == rend {
                break;
            }
            let resolved = next_resolved.take();
            let entry_done = std::mem::take(&mut next_entry);
            let decoded = match next.take() {
                Some(d) => {
                    std::mem::swap(&mut spans, &mut spans_next);
                    if let Some(d2) = next2.take() {
                        std::mem::swap(&mut spans_next, &mut spans_next2);
                        next = Some(d2);
                        next_resolved = next2_resolved.take();
                    }
                    d
                }
                None => {
                    if !std::mem::take(&mut resume) {
                        spans.clear();
                    }
                    self.cmds.decode(&mut rbuf[rpos..rend], &mut spans, &limits)
                }
            };
            match decoded {
                Decoded::Command { consumed } => {
                    let at = rpos + consumed;
                    let last = at == rend;
                    let routed = match resolved {
                        Some(r) => {
                            if !entry_done {
                                // Its index entry was prefetched a command
                                // ago: read it now, start loading the entry.
                                let args = Args::new(&rbuf[rpos..rend], &spans);
                                self.prefetch_stage(i, r, args, Prefetch::Entry);
                            }
                            r
                        }
                        None => self.route(Args::new(&rbuf[rpos..rend], &spans)),
                    };
                    if self.fence_holds(i, routed, Args::new(&rbuf[rpos..rend], &spans)) {
                        // Touches a key of an operation in flight: kept
                        // decoded (with the one decoded behind it) until
                        // they have all replied.
                        if let Some(c) = self.conns.get_mut(i) {
                            let spare = self.spans_spare.pop().unwrap_or_default();
                            c.ahead = Some(Ahead {
                                decoded: Decoded::Command { consumed },
                                spans: std::mem::replace(&mut spans, spare),
                            });
                            if let Some(decoded) = next.take() {
                                let spare = self.spans_spare.pop().unwrap_or_default();
                                c.ahead2 = Some(Ahead {
                                    decoded,
                                    spans: std::mem::replace(&mut spans_next, spare),
                                });
                            }
                        }
                        break;
                    }
                    // Two requests of lookahead: while this one runs, the
                    // next one's entry loads (its index entry was asked for
                    // a command ago) and the one after it's index entry.
                    // Not past a local command, which may change the
                    // session the next one is resolved and prefetched with.
                    if !last && routed.1 != Target::Local {
                        if next.is_none() {
                            spans_next.clear();
                            let d = self
                                .cmds
                                .decode(&mut rbuf[at..rend], &mut spans_next, &limits);
                            if !matches!(d, Decoded::Incomplete { .. }) {
                                next = Some(d);
                            }
                        }
                        if let Some(Decoded::Command { consumed: c1 }) = &next {
                            let at1 = at + *c1;
                            // Index-prefetched an iteration ago: its entry
                            // can be asked for without waiting.
                            let indexed = next_resolved.is_some();
                            let r1 = match next_resolved {
                                Some(r1) => r1,
                                None => {
                                    let ahead = Args::new(&rbuf[at..rend], &spans_next);
                                    let r1 = self.prefetch(i, ahead);
                                    next_resolved = Some(r1);
                                    r1
                                }
                            };
                            if r1.1 != Target::Local && at1 < rend && next2.is_none() {
                                spans_next2.clear();
                                let d2 = self.cmds.decode(
                                    &mut rbuf[at1..rend],
                                    &mut spans_next2,
                                    &limits,
                                );
                                if let Decoded::Command { .. } = d2 {
                                    let ahead = Args::new(&rbuf[at1..rend], &spans_next2);
                                    next2_resolved = Some(self.prefetch(i, ahead));
                                }
                                if !matches!(d2, Decoded::Incomplete { .. }) {
                                    next2 = Some(d2);
                                }
                            }
                            if indexed {
                                let ahead = Args::new(&rbuf[at..rend], &spans_next);
                                self.prefetch_stage(i, r1, ahead, Prefetch::Entry);
                                next_entry = true;
                            }
                        }
                    }
                    let args = Args::new(&rbuf[rpos..rend], &spans);
                    let local = routed.1 == Target::Local;
                    self.dispatch(i, routed, args, last, true);
                    if local {
                        // AUTH, HELLO … AUTH: the next request may be bigger;
                        // CONFIG SET proto-max-bulk-len: it may be bigger too.
                        self.take_limits();
                        limits = self.limits;
                        if let Some(c) = self.conns.get(i) {
                            limits.guest = self.cmds.guest(&c.session);
                        }
                    }
                    self.serve_ready();
                    self.deliver_pushes();
                    self.note_queue(i);
                    rpos = at;
                    self.commands_run += 1;
                }
                Decoded::Skip { consumed } => rpos += consumed,
                Decoded::Incomplete { need: n } => {
                    need = n;
                    tail = true;
                    need_spans = !spans.is_empty();
                    break;
                }
                Decoded::Error(reply) => {
                    if let Some(c) = self.conns.get_mut(i) {
                        c.reply_buf().extend_from_slice(&reply);
                        c.closing = true;
                    }
                    self.note_queue(i);
                    self.mark_dirty(i);
                    break;
                }
            }
        }
        if let Some(c) = self.conns.get_mut(i) {
            c.partial.clear();
            if need_spans {
                std::mem::swap(&mut spans, &mut c.partial);
            } else if c.partial.capacity() > PARTIAL_KEEP {
                c.partial = Vec::new();
            }
            if let Some(decoded) = next {
                let spare = self.spans_spare.pop().unwrap_or_default();
                c.ahead = Some(Ahead {
                    decoded,
                    spans: std::mem::replace(&mut spans_next, spare),
                });
                if let Some(decoded) = next2 {
                    let spare = self.spans_spare.pop().unwrap_or_default();
                    c.ahead2 = Some(Ahead {
                        decoded,
                        spans: std::mem::replace(&mut spans_next2, spare),
                    });
                }
            }
            c.rbuf = rbuf;
            c.rbuf_lent = 0;
            c.rpos = rpos;
            c.need = need;
            c.tail = tail;
            if !c.talk.is_empty() {
                // A command of it talked with its client meanwhile.
                c.merge_talk();
            }
        }
        // A request of many arguments (SADD of 100,000 members: 800 KB of
        // spans) does not keep its spans for the shard's life: like the
        // connection's `partial`, past PARTIAL_KEEP they are given back
        // (only after such a request: no cost on the usual path).
        if spans.capacity() > PARTIAL_KEEP {
            spans = Vec::new();
        }
        if spans_next.capacity() > PARTIAL_KEEP {
            spans_next = Vec::new();
        }
        if spans_next2.capacity() > PARTIAL_KEEP {
            spans_next2 = Vec::new();
        }
        self.spans = spans;
        self.spans_next = spans_next;
        self.spans_next2 = spans_next2;
        // The replies just made may take the connection past
        // `maxmemory-clients`: it goes now, before anything else runs
        // (another client's `CLIENT LIST` would see it over the limit;
        // Redis evicts before each command and before it sleeps).
        self.evicted_for_memory(i);
    }

    /// Resolves a decoded request and where it runs (once per command).
    #[inline]
    pub(super) fn route(&self, args: Args<'_>) -> (Resolved<C::Cmd>, Target) {
        let r = self.cmds.resolve(args);
        (r, target(r.route, args, &self.router, self.id))
    }

    /// Routes a decoded request and, when it is a keyed command this shard
    /// runs, starts loading its index entry ([`Prefetch::Index`]: nothing
    /// here waits for memory). Its entry is prefetched when its turn comes
    /// ([`Shard::prefetch_stage`]), a command's run later.
    #[inline]
    fn prefetch(&self, i: usize, args: Args<'_>) -> (Resolved<C::Cmd>, Target) {
        let (r, t) = self.route(args);
        self.prefetch_stage(i, (r, t), args, Prefetch::Index);
        (r, t)
    }

    /// Prefetches `stage` of a routed request when this shard runs it:
    /// [`Prefetch::Entry`] a command after [`Shard::prefetch`]'s index
    /// stage reads the index entry (loaded by then) and starts loading the
    /// entry itself.
    #[inline]
    fn prefetch_stage(
        &self,
        i: usize,
        (r, t): (Resolved<C::Cmd>, Target),
        args: Args<'_>,
        stage: Prefetch,
    ) {
        if let (Target::Shard(s), Some(c)) = (t, self.conns.get(i)) {
            if s == self.id {
                let cmds = &*self.cmds;
                let ctx = cmds.ctx(&c.session);
                cmds.prefetch(&self.state, &ctx, r.cmd, args, stage);
            }
        }
    }

    /// Counts connection `i` among those waiting on a direct reply once it
    /// has queued anything behind one (a reply, or output such as monitor
    /// lines, which waits since only one thread writes a socket at a time).
    #[inline]
    pub(super) fn note_queue(&mut self, i: usize) {
        if let Some(c) = self.conns.get_mut(i) {
            if c.direct && !c.direct_waited && (c.pending_cmds() > 1 || c.unsent() > 0) {
                c.direct_waited = true;
                self.direct_waiters += 1;
            }
        }
    }

    /// Runs, forwards or plans one decoded command of connection `i`. `last`:
    /// nothing else of the connection's is buffered behind it. `free`: it
    /// comes from the connection's input, which may go on while an isolated
    /// one-round operation it starts is in flight (`lock/fence.rs`); else
    /// (a pause's or a blocking call's continuation) every isolated
    /// operation holds the connection.
    pub(super) fn dispatch(
        &mut self,
        i: usize,
        (r, t): (Resolved<C::Cmd>, Target),
        args: Args<'_>,
        last: bool,
        free: bool,
    ) {
        let cmds = &*self.cmds;
        let Some(c) = self.conns.get_mut(i) else {
            return;
        };
        if let Some(writes_only) = self.settings.paused() {
            if cmds.pausable(&c.session, r.cmd, args, writes_only) {
                if std::mem::take(&mut self.predeclared) {
                    self.txn.locks.clear();
                }
                c.deferred = Some(args.to_owned_args());
                self.settings.add_blocked(1);
                self.paused.push(i);
                return;
            }
        }
        c.last_cmd = Some(r.cmd);
        let t = if t != Target::Local && cmds.diverted(&c.session, r.cmd) {
            Target::Local
        } else {
            t
        };
        if self.settings.monitors() > 0 && !c.monitor {
            let facts = c.facts(self.id);
            cmds.monitor_line(&c.session, &facts, r.cmd, args, &mut self.monitor_buf);
        }
        if t != Target::Local {
            // `keys` is empty: `park_start` leaves it so.
            let keys = &mut self.parking.keys;
            if let Some(park) = cmds.blocking(&c.session, r.cmd, args, keys) {
                if std::mem::take(&mut self.predeclared) {
                    self.txn.locks.clear();
                }
                let ctx = cmds.ctx(&c.session);
                cmds.dispatched(&mut c.session);
                self.park_start(i, r.cmd, ctx, args, park);
                self.serve_ready();
                self.mark_dirty(i);
                return;
            }
        }
        if t != Target::Plan && std::mem::take(&mut self.predeclared) {
            // Diverted (queued by a transaction): not isolated after all.
            self.txn.locks.clear();
        }
        match t {
            Target::Local => {
                let cx = LocalCx {
                    nshards: self.router.nshards(),
                    client: c.facts(self.id),
                    conn: c.handle(self.id, i),
                };
                let queued = !c.pending.is_empty();
                let (out, session) = c.reply_buf_and_session();
                let flow = cmds.execute_local(&mut self.state, session, &cx, r.cmd, args, out);
                c.count_queued(queued);
                match flow {
                    Flow::Close => c.closing = true,
                    Flow::Shutdown => {
                        self.stop.store(true, Ordering::Release);
                        self.mesh.wake_all();
                    }
                    Flow::Monitor if !c.monitor => {
                        c.monitor = true;
                        self.monitors.push((i, c.gen));
                        self.settings.add_monitor(1);
                    }
                    Flow::Barrier => self.barrier(i),
                    _ => {}
                }
            }
            Target::Shard(s) if s == self.id || s >= self.router.nshards() => {
                c.streak.1 = 0;
                let ctx = cmds.ctx(&c.session);
                let queued = !c.pending.is_empty();
                cmds.dispatched(&mut c.session);
                if self.txn.armed {
                    let conn = ConnRef {
                        idx: i as u32,
                        gen: c.gen,
                    };
                    if self.txn.must_defer(self.id, conn, r.route, args) {
                        // Waits behind a lock; answered when it runs.
                        let seq = c.reserve(args.iter().map(|a| a.len() + 8).sum());
                        let id = self.id;
                        self.txn.defer(id, conn, seq, r.cmd, ctx, r.route, args);
                        return;
                    }
                }
                let out = c.reply_buf();
                cmds.execute(&mut self.state, ctx, r.cmd, args, out);
                c.count_queued(queued);
            }
            Target::Shard(s) => {
                if self.move_after != 0 && c.note_target(s, self.id, self.move_after) {
                    self.movers.push(i);
                }
                let ctx = cmds.ctx(&c.session);
                cmds.dispatched(&mut c.session);
                // Direct reply: when this command is all the connection is
                // waiting for, its owner writes the reply to the socket itself,
                // saving the trip back (and often a wake-up) of this shard.
                // Never on TLS: its session lives here, so its replies do too.
                // Nor under an output limit (`client-output-buffer-limit`),
                // which only this shard enforces: a reply over it must close
                // the connection unwritten, as in Redis.
                let direct = (last
                    && c.pending.is_empty()
                    && c.unsent() == 0
                    && !c.closing
                    && c.tls.is_none()
                    && {
                        let limit = self.settings.output_limit(cmds.output_class(&c.session));
                        limit.hard == 0 && limit.soft == 0
                    })
                .then(|| c.sock.clone());
                if direct.is_some() {
                    c.direct = true;
                }
                let conn = ConnRef {
                    idx: i as u32,
                    gen: c.gen,
                };
                // A batch's spans are 32-bit offsets into its data: one this
                // command would take past them goes now, and the command
                // starts the next (a request alone always fits: the decoder
                // refuses bigger ones).
                let (bytes, nargs) = (args.byte_len(), args.len());
                if let Some(full) = self.outgoing[s].take_if(|q| {
                    q.data.len() + bytes > MAX_OFFSET || q.spans.len() + nargs > MAX_OFFSET
                }) {
                    self.mesh.send(s, Msg::Requests(full), false);
                }
                let req = self.outgoing[s].get_or_insert_with(|| self.pools.requests(s));
                // Both fit: the batch's spans stay within MAX_OFFSET (above).
                let span0 = req.spans.len() as u32;
                let data0 = req.data.len();
                for a in args.iter() {
                    let start = req.data.len();
                    req.data.extend_from_slice(a);
                    req.spans.push(Span::new(start, req.data.len()));
                }
                let seq = c.reserve(req.data.len() - data0 + 8 * args.len());
                req.items.push(Request::Cmd {
                    conn,
                    seq,
                    cmd: r.cmd,
                    ctx,
                    span0,
                    nargs: nargs as u32,
                    direct,
                });
                return;
            }
            Target::Plan => {
                c.streak.1 = 0;
                let ctx = cmds.ctx(&c.session);
                cmds.dispatched(&mut c.session);
                let seq = c.reserve(args.iter().map(|a| a.len() + 8).sum());
                let conn = ConnRef {
                    idx: i as u32,
                    gen: c.gen,
                };
                if std::mem::take(&mut self.predeclared)
                    || cmds.isolate(&mut c.session, ctx, r.cmd, args, &mut self.txn.locks)
                {
                    let locks = &self.txn.locks;
                    // One-round, from the input: planned now, its keys
                    // fenced, and the connection goes on. Else planned once
                    // its locks are granted; nothing of this connection
                    // runs meanwhile.
                    let free = free && locks.one_round && !locks.all && locks.wholes.is_empty();
                    if free {
                        let keys = locks.keys.iter().map(|&(id, _, w)| (id, w));
                        c.fence.get_or_insert_default().enter(keys);
                    } else {
                        c.held = true;
                    }
                    self.begin_txn(conn, seq, ctx, r.cmd, args, free);
                    return;
                }
                self.txn.locks.clear();
                let mut parts = std::mem::take(&mut self.parts);
                let planned =
                    cmds.plan(&mut self.state, ctx, r.cmd, args, &self.router, &mut parts);
                if planned.hold {
                    c.held = true;
                }
                let op = self.ops.insert(Op {
                    conn,
                    seq,
                    ctx,
                    hold: planned.hold,
                    fenced: false,
                    plan: planned.plan,
                    replies: self.txn.reply_list(),
                    remaining: 0,
                    locks: None,
                });
                self.launch(op, &mut parts);
                self.parts = parts;
                return;
            }
        }
        self.mark_dirty(i);
    }
}

/// Keeps a span list a resumption replaced for the next request left
/// ahead (`Shard::spans_spare`), unless it is big or enough are kept.
fn spare_spans(spare: &mut Vec<Vec<crate::args::Span>>, own: Vec<crate::args::Span>) {
    if own.capacity() > 0 && own.capacity() <= PARTIAL_KEEP && spare.len() < SPANS_SPARE {
        spare.push(own);
    }
}
