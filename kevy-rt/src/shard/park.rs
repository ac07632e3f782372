//! The blocking arbiter on a shard: parked calls of this shard's connections
//! (the origin side: arming, deciding the first attempt, deadlines,
//! hang-ups, unblocks) and calls of any shard waiting on this shard's keys
//! (the owner side: per-key FIFOs, ready keys, serving). The protocol and
//! why it neither loses nor duplicates an element: ARCHITECTURE.md,
//! "Parking".

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::time::{Duration, Instant};

use super::Shard;
use crate::args::{Args, OwnedArgs};
use crate::commands::Commands;
use crate::msg::{Arm, ConnRef, Request};
use crate::park::{claim, Claim, Park, ReadyKeys, Served, SpaceKey, Unpark};

mod ending;
mod resume;
use resume::Resume;

/// Bits of a waiter id naming its origin shard.
const ORIGIN_BITS: u32 = 12;

/// The origin shard of waiter `id`.
fn origin_of(id: u64) -> usize {
    (id & ((1 << ORIGIN_BITS) - 1)) as usize
}

/// A call waiting on keys of this shard (owner side).
struct Entry<C: Commands> {
    origin: usize,
    claim: Claim,
    cmd: C::Cmd,
    ctx: C::Ctx,
    args: OwnedArgs,
    /// Positions in `args` of its keys that live here.
    keys: Vec<u32>,
    /// Their keyspace.
    space: u32,
    /// When it came ([`Arm::since`]).
    since: Instant,
}

/// A parked call of one of this shard's connections (origin side).
struct Parked<C: Commands> {
    id: u64,
    conn: ConnRef,
    seq: u64,
    cmd: C::Cmd,
    args: OwnedArgs,
    claim: Claim,
    /// The shards owning its keys.
    shards: Vec<usize>,
    /// Owners yet to report their arming (several shards only).
    arming: usize,
    /// Keys reported ready while arming: (position, owner), tried leftmost first.
    offers: Vec<(u32, usize)>,
    /// When it times out.
    deadline: Option<Instant>,
    /// When it came ([`Arm::since`]).
    since: Instant,
}

/// A shard's share of the arbiter.
pub(super) struct Parking<C: Commands> {
    /// The keys waited on here and those signalled ready (shared with the
    /// command set).
    pub(super) ready: ReadyKeys,
    entries: HashMap<u64, Entry<C>>,
    parked: HashMap<u64, Parked<C>>,
    deadlines: BinaryHeap<Reverse<(Instant, u64)>>,
    next_id: u64,
    /// Ready keys a lock holds back, signalled again when it is released.
    postponed: Vec<SpaceKey>,
    /// Scratch for [`Commands::blocking`].
    pub(super) keys: Vec<u32>,
    /// Calls a part unblocked (`CLIENT UNBLOCK`): (connection, reason).
    pub(super) unblocked: Vec<(usize, Unpark)>,
    /// Served calls whose continuation is running.
    resuming: Vec<Resume<C>>,
}

impl<C: Commands> Parking<C> {
    pub(super) fn new() -> Parking<C> {
        Parking {
            ready: ReadyKeys::new(),
            entries: HashMap::new(),
            parked: HashMap::new(),
            deadlines: BinaryHeap::new(),
            next_id: 0,
            postponed: Vec::new(),
            keys: Vec::new(),
            unblocked: Vec::new(),
            resuming: Vec::new(),
        }
    }

    /// How long the loop may sleep before the next deadline (zero when
    /// it is less than a millisecond away: the poll's resolution).
    pub(super) fn sleep_limit(&self, now: Instant) -> Option<Duration> {
        let Reverse((at, _)) = self.deadlines.peek()?;
        let left = at.saturating_duration_since(now);
        Some(if left < Duration::from_millis(1) {
            Duration::ZERO
        } else {
            left - Duration::from_micros(500)
        })
    }

    /// Releases the keys a lock held back.
    pub(super) fn released(&mut self) {
        if self.postponed.is_empty() {
            return;
        }
        let mut w = self.ready.waits.borrow_mut();
        for (s, k) in self.postponed.drain(..) {
            w.mark(s, &k);
        }
    }
}

impl<C: Commands> Shard<C> {
    /// Parks a blocking command of connection `i` (its keys' positions in
    /// `self.parking.keys`): arms it on its keys' owners, first trying to
    /// serve it as its non-blocking form would.
    pub(super) fn park_start(
        &mut self,
        i: usize,
        cmd: C::Cmd,
        ctx: C::Ctx,
        args: Args<'_>,
        park: Park,
    ) {
        let now = self.now.max(std::time::Instant::now());
        let deadline = park.timeout.map(|t| now + t);
        self.park_at(i, cmd, ctx, args, deadline, now);
    }

    /// [`Shard::park_start`] with the deadline already fixed.
    fn park_at(
        &mut self,
        i: usize,
        cmd: C::Cmd,
        ctx: C::Ctx,
        args: Args<'_>,
        deadline: Option<Instant>,
        since: Instant,
    ) {
        let Some(c) = self.conns.get_mut(i) else {
            return;
        };
        let seq = c.reserve(args.byte_len() + 8 * args.len());
        let conn = ConnRef {
            idx: i as u32,
            gen: c.gen,
        };
        self.parking.next_id += 1;
        let id = (self.parking.next_id << ORIGIN_BITS) | self.id as u64;
        let claim = Claim::default();
        c.held = true;
        c.parked = Some((id, claim.clone()));
        let keys = std::mem::take(&mut self.parking.keys);
        let mut by_shard: Vec<(usize, Vec<u32>)> = Vec::new();
        for &k in &keys {
            let Some(key) = args.get(k as usize) else {
                continue;
            };
            let s = self.router.shard_of(key);
            match by_shard.iter_mut().find(|(x, _)| *x == s) {
                Some((_, v)) => v.push(k),
                None => by_shard.push((s, vec![k])),
            }
        }
        self.parking.keys = keys;
        self.parking.keys.clear();
        let owned = args.to_owned_args();
        let single = by_shard.len() == 1;
        let space = self.cmds.keyspace(ctx);
        self.parking.parked.insert(
            id,
            Parked {
                id,
                conn,
                seq,
                cmd,
                args: owned.clone(),
                claim: claim.clone(),
                shards: by_shard.iter().map(|(s, _)| *s).collect(),
                arming: if single { 0 } else { by_shard.len() },
                offers: Vec::new(),
                deadline,
                since,
            },
        );
        if let Some(at) = deadline {
            self.parking.deadlines.push(Reverse((at, id)));
        }
        if by_shard.is_empty() {
            // Nothing to wait on: it can only time out (or be unblocked).
            if claim.take(claim::ARMING, claim::OPEN) {
                self.settings.add_blocked(1);
            }
            return;
        }
        for (s, keys) in by_shard {
            let req = Request::Arm(Box::new(Arm {
                waiter: id,
                claim: claim.clone(),
                cmd,
                ctx,
                args: owned.clone(),
                keys,
                space,
                single,
                since,
            }));
            self.park_send(s, req);
        }
    }

    /// Sends a parking message to shard `s` (handled at once when it is this one).
    fn park_send(&mut self, s: usize, req: Request<C>) {
        if s == self.id || s >= self.router.nshards() {
            self.on_park_msg(self.id, req);
        } else {
            let batch = self.outgoing[s].get_or_insert_with(|| self.pools.requests(s));
            batch.items.push(req);
        }
    }

    /// Handles one parking message from shard `from`.
    pub(super) fn on_park_msg(&mut self, from: usize, req: Request<C>) {
        match req {
            Request::Arm(arm) => {
                let Arm {
                    waiter,
                    claim,
                    cmd,
                    ctx,
                    args,
                    keys,
                    space,
                    single,
                    since,
                } = *arm;
                self.arm_here(
                    from, waiter, claim, cmd, ctx, args, keys, space, single, since,
                )
            }
            Request::Armed { waiter, ready } => self.on_armed(from, waiter, ready),
            Request::Take { waiter, key } => self.take_here(waiter, key),
            Request::NotServed { waiter } => self.decide(waiter),
            Request::Served {
                waiter,
                reply,
                then,
            } => self.on_served(from, waiter, &reply, then.map(|b| *b)),
            Request::Kick { waiter } => self.kick_here(waiter),
            Request::Cancel { waiter } => self.cancel_here(waiter),
            _ => {}
        }
    }

    // ----- owner side -----

    /// Arms call `id` (of shard `origin`) on its keys here. `single`: all
    /// its keys live here, so this is also its first attempt: served from
    /// the leftmost ready key, else parked, in one step.
    #[allow(clippy::too_many_arguments)]
    fn arm_here(
        &mut self,
        origin: usize,
        id: u64,
        claim: Claim,
        cmd: C::Cmd,
        ctx: C::Ctx,
        args: OwnedArgs,
        keys: Vec<u32>,
        space: u32,
        single: bool,
        since: Instant,
    ) {
        let locked = keys
            .iter()
            .any(|&k| self.txn.locked(args.args().get(k as usize).unwrap_or(b"")));
        let mut ready = Vec::new();
        if !locked {
            for &k in &keys {
                if self
                    .cmds
                    .ready(&mut self.state, ctx, cmd, args.args(), k, true)
                {
                    ready.push(k);
                    if single {
                        break;
                    }
                }
            }
        }
        if single {
            if let Some(&k) = ready.first() {
                if claim.take(claim::ARMING, claim::SERVED) {
                    self.serve_now(origin, id, ctx, cmd, &args, k);
                }
                return;
            }
            // Parked on every key (all here): counted blocked from now on
            // (counted first, so its origin never uncounts it before).
            self.settings.add_blocked(1);
            if !claim.take(claim::ARMING, claim::OPEN) {
                self.settings.add_blocked(-1);
                return; // Ended meanwhile (timeout, hang-up).
            }
        }
        {
            let mut w = self.parking.ready.waits.borrow_mut();
            for &k in &keys {
                let key = args.args().get(k as usize).unwrap_or(b"");
                let fifo = w.waiting.entry(key.to_vec()).or_default();
                if !fifo.iter().any(|&(x, _)| x == id) {
                    let entries = &self.parking.entries;
                    crate::park::enqueue(fifo, (id, space), since, |x| {
                        entries.get(&x).map(|e| e.since)
                    });
                }
                if locked {
                    w.mark(space, key);
                }
            }
        }
        self.parking.entries.insert(
            id,
            Entry {
                origin,
                claim,
                cmd,
                ctx,
                args,
                keys,
                space,
                since,
            },
        );
        if !single {
            self.park_send(origin, Request::Armed { waiter: id, ready });
        }
    }

    /// Serves call `id` from key position `k` (its claim is ours) and sends
    /// the reply to its origin.
    fn serve_now(
        &mut self,
        origin: usize,
        id: u64,
        ctx: C::Ctx,
        cmd: C::Cmd,
        args: &OwnedArgs,
        k: u32,
    ) {
        let mut reply = Vec::new();
        let served = self
            .cmds
            .serve(&mut self.state, ctx, cmd, args.args(), k, &mut reply);
        let then = match served {
            Served::Done => None,
            Served::Then(next) => Some(Box::new(next)),
        };
        self.park_send(
            origin,
            Request::Served {
                waiter: id,
                reply,
                then,
            },
        );
    }

    /// The origin chose key position `k` for call `id`'s first attempt.
    fn take_here(&mut self, id: u64, k: u32) {
        let Some(e) = self.parking.entries.get(&id) else {
            return self.park_send(origin_of(id), Request::NotServed { waiter: id });
        };
        let (origin, ctx, cmd, claim) = (e.origin, e.ctx, e.cmd, e.claim.clone());
        let args = e.args.clone();
        let locked = self.txn.locked(args.args().get(k as usize).unwrap_or(b""));
        if !locked
            && self
                .cmds
                .ready(&mut self.state, ctx, cmd, args.args(), k, true)
            && claim.take(claim::ARMING, claim::SERVED)
        {
            self.remove_entry(id);
            self.serve_now(origin, id, ctx, cmd, &args, k);
        } else {
            self.park_send(origin, Request::NotServed { waiter: id });
        }
    }

    /// Call `id` left its arming state: look at its keys here again.
    fn kick_here(&mut self, id: u64) {
        let Some(e) = self.parking.entries.get(&id) else {
            return;
        };
        let mut w = self.parking.ready.waits.borrow_mut();
        for &k in &e.keys {
            w.mark(e.space, e.args.args().get(k as usize).unwrap_or(b""));
        }
    }

    /// Call `id` is over: forget it here.
    fn cancel_here(&mut self, id: u64) {
        self.remove_entry(id);
    }

    fn remove_entry(&mut self, id: u64) {
        let Some(e) = self.parking.entries.remove(&id) else {
            return;
        };
        let mut w = self.parking.ready.waits.borrow_mut();
        for &k in &e.keys {
            let key = e.args.args().get(k as usize).unwrap_or(b"");
            if let Some(fifo) = w.waiting.get_mut(key) {
                fifo.retain(|&(x, _)| x != id);
                if fifo.is_empty() {
                    w.waiting.remove(key);
                }
            }
        }
    }

    /// Serves the waiters of the keys signalled ready, oldest waiter first,
    /// until no key is left signalled (a serve may signal another key).
    #[inline]
    pub(super) fn serve_ready(&mut self) {
        if self.parking.ready.pending() {
            self.serve_ready_keys();
        }
    }

    #[cold]
    fn serve_ready_keys(&mut self) {
        loop {
            let key = self.parking.ready.waits.borrow_mut().next();
            let Some((space, key)) = key else {
                return;
            };
            if self.txn.locked(&key) {
                // Served once the transaction holding it is over.
                self.parking.postponed.push((space, key));
                continue;
            }
            self.serve_key(space, &key);
        }
    }

    /// Serves the waiters of `key` in keyspace `space` in order while it
    /// can serve them (waiters of other keyspaces are not looked at).
    fn serve_key(&mut self, space: u32, key: &[u8]) {
        let mut at = 0;
        loop {
            let id = {
                let w = self.parking.ready.waits.borrow();
                match w.waiting.get(key).and_then(|f| f.get(at)) {
                    Some(&(id, s)) if s == space => id,
                    Some(_) => {
                        at += 1;
                        continue;
                    }
                    None => return,
                }
            };
            let Some(e) = self.parking.entries.get(&id) else {
                self.drop_waiter(key, id);
                continue;
            };
            match e.claim.state() {
                claim::OPEN => {}
                claim::ARMING => {
                    // Its origin decides; it looks again once it opens.
                    at += 1;
                    continue;
                }
                _ => {
                    self.remove_entry(id);
                    continue;
                }
            }
            let (origin, ctx, cmd, claim) = (e.origin, e.ctx, e.cmd, e.claim.clone());
            let Some(k) = e
                .keys
                .iter()
                .copied()
                .find(|&k| e.args.args().get(k as usize) == Some(key))
            else {
                at += 1;
                continue;
            };
            let args = e.args.clone();
            if !self
                .cmds
                .ready(&mut self.state, ctx, cmd, args.args(), k, false)
            {
                at += 1;
                continue;
            }
            if claim.take(claim::OPEN, claim::SERVED | claim::OPENED) {
                self.remove_entry(id);
                self.serve_now(origin, id, ctx, cmd, &args, k);
            } else {
                self.remove_entry(id);
            }
        }
    }

    /// Removes `id` from `key`'s queue (an entry already gone).
    fn drop_waiter(&mut self, key: &[u8], id: u64) {
        let mut w = self.parking.ready.waits.borrow_mut();
        if let Some(fifo) = w.waiting.get_mut(key) {
            fifo.retain(|&(x, _)| x != id);
            if fifo.is_empty() {
                w.waiting.remove(key);
            }
        }
    }

    // ----- origin side -----

    /// Owner `from` armed call `id`, reporting which of its keys were ready.
    fn on_armed(&mut self, from: usize, id: u64, ready: Vec<u32>) {
        let Some(p) = self.parking.parked.get_mut(&id) else {
            return;
        };
        p.offers.extend(ready.into_iter().map(|k| (k, from)));
        p.arming = p.arming.saturating_sub(1);
        if p.arming == 0 {
            p.offers.sort_unstable();
            p.offers.reverse();
            self.decide(id);
        }
    }

    /// Every owner of call `id` armed it: try its leftmost ready key, else
    /// open it to its owners' serves.
    fn decide(&mut self, id: u64) {
        let Some(p) = self.parking.parked.get_mut(&id) else {
            return;
        };
        if p.claim.state() != claim::ARMING {
            return;
        }
        if let Some((k, s)) = p.offers.pop() {
            self.park_send(s, Request::Take { waiter: id, key: k });
            return;
        }
        if p.claim.take(claim::ARMING, claim::OPEN) {
            // Armed on every owner: counted blocked from now on.
            self.settings.add_blocked(1);
            for s in p.shards.clone() {
                self.park_send(s, Request::Kick { waiter: id });
            }
        }
    }

    /// Call `id` was served by shard `from`: its reply (or continuation).
    fn on_served(&mut self, from: usize, id: u64, reply: &[u8], then: Option<OwnedArgs>) {
        let Some(p) = self.parking.parked.remove(&id) else {
            return; // Its connection closed after the serve claimed it.
        };
        self.deliver(p.conn, p.seq, reply);
        self.end_parked(&p, Some(from));
        if let Some(next) = then {
            let i = p.conn.idx as usize;
            if self.conns.get(i).is_some_and(|c| c.gen == p.conn.gen) {
                self.parking.resuming.push(Resume {
                    conn: p.conn,
                    cmd: p.cmd,
                    args: p.args,
                    deadline: p.deadline,
                    since: p.since,
                });
                let routed = self.route(next.args());
                self.dispatch(i, routed, next.args(), false, false);
                if let Some(c) = self.conns.get_mut(i) {
                    // CLIENT LIST names the call, not its continuation.
                    c.last_cmd = Some(p.cmd);
                    if !c.held {
                        // Answered at once (not an operation): nothing to resume.
                        self.parking.resuming.retain(|r| r.conn != p.conn);
                    }
                }
                self.deliver_pushes();
                self.note_queue(i);
                self.mark_dirty(i);
            }
        }
    }

    /// Connection bookkeeping and owners' cleanup for a call that ended
    /// (`served_by`: the owner that served it, which forgot it already).
    fn end_parked(&mut self, p: &Parked<C>, served_by: Option<usize>) {
        if p.claim.was_open() {
            self.settings.add_blocked(-1);
        }
        for &s in &p.shards {
            if Some(s) != served_by {
                self.park_send(s, Request::Cancel { waiter: p.id });
            }
        }
        let i = p.conn.idx as usize;
        if let Some(c) = self.conns.get_mut(i) {
            if c.gen == p.conn.gen {
                c.parked = None;
                c.held = false;
                self.resume.push(i);
            }
        }
    }
}
