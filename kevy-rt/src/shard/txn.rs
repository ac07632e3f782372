//! Isolated multi-shard operations on a shard: acquiring a transaction's
//! locks shard by shard (origin side), holding them in the lock table
//! (every shard), and keyed commands waiting behind them.
//!
//! A keyed command pays one branch (`Txns::armed`) while no lock is held or
//! queued here; otherwise it checks its keys and, when one is locked (or an
//! earlier command of its connection already waits), waits in `deferred`
//! with its arguments copied, retried whenever a lock is released.

use std::collections::VecDeque;

use slab::Slab;

use super::{Op, Shard};
use crate::args::{Args, OwnedArgs};
use crate::commands::{Commands, LocalCx, Route};
use crate::lock::{self, LockSet, LockTable, TxnId};
use crate::msg::{ConnRef, Msg, Replies, Reply, ReplyBufs, Request};

mod round;

/// Bits of a [`TxnId`] naming the origin shard.
const ORIGIN_BITS: u32 = 12;
/// Bits naming the origin's acquisition slot.
const SLOT_BITS: u32 = 20;

/// Bits above the slot: [`lock::LONG_TXN`], then the sequence.
const SEQ_SHIFT: u32 = ORIGIN_BITS + SLOT_BITS + 1;
const _: () = assert!(lock::LONG_TXN == 1 << (ORIGIN_BITS + SLOT_BITS));

/// The origin shard of transaction `txn`.
fn origin_of(txn: TxnId) -> usize {
    (txn & ((1 << ORIGIN_BITS) - 1)) as usize
}

/// The acquisition slot of transaction `txn` on its origin.
fn slot_of(txn: TxnId) -> usize {
    ((txn >> ORIGIN_BITS) & ((1 << SLOT_BITS) - 1)) as usize
}

/// A transaction of one of this shard's connections, locking its shards.
struct Acquire<C: Commands> {
    txn: TxnId,
    conn: ConnRef,
    seq: u64,
    ctx: C::Ctx,
    /// What runs once the shares are granted.
    then: Then<C>,
    /// Per shard, ascending: its share of the locks.
    shards: Vec<(usize, lock::Request)>,
    /// Index in `shards` of the lock being acquired.
    next: usize,
}

/// What a transaction runs under its locks.
enum Then<C: Commands> {
    /// Plan `cmd` once every share is granted ([`Commands::plan_isolated`]).
    Plan { cmd: C::Cmd, args: OwnedArgs },
    /// Operation `op`, planned ahead (one-round, several parts on a shard):
    /// launch its parts once every share is granted.
    Launch {
        op: usize,
        parts: Vec<(usize, C::Part)>,
    },
    /// Operation `op`, planned ahead, at most one part per share:
    /// `parts[step]` runs as soon as share `step` is granted (see `round.rs`).
    Steps(round::Steps<C>),
}

/// A keyed command waiting behind a lock.
struct Deferred<C: Commands> {
    /// The connection's shard (its reply goes there).
    origin: usize,
    conn: ConnRef,
    seq: u64,
    cmd: C::Cmd,
    ctx: C::Ctx,
    route: Route,
    args: OwnedArgs,
    /// Its place among the lock table's arrivals ([`LockTable::defer`]).
    stamp: u64,
}

/// A shard's isolation state.
pub(super) struct Txns<C: Commands> {
    /// Any lock queued or held here, or any command deferred: keyed commands
    /// must check. The one branch the local path pays.
    pub(super) armed: bool,
    table: LockTable,
    deferred: VecDeque<Deferred<C>>,
    acquiring: Slab<Acquire<C>>,
    /// Transaction sequence, for unique ids.
    seq: u64,
    /// Entries of `acquiring` that are [`lock::LONG_TXN`].
    long_acquiring: usize,
    /// Our transactions granted on their current shard, to advance.
    pub(super) ready: Vec<TxnId>,
    /// The table changed: retry the deferred commands.
    retry: bool,
    /// Per peer: replies of its deferred commands, sent at the end of the iteration.
    late: Vec<Option<ReplyBufs<C>>>,
    /// Scratch for [`Commands::isolate`].
    pub(super) locks: LockSet,
    /// Peers' one-round parts waiting here for their share's locks.
    waiting: Vec<round::Waiting<C>>,
    /// Those whose share was granted: to run, in grant order; and the
    /// emptied list of the last run, for the next (no allocation per run).
    runnable: Vec<round::Waiting<C>>,
    spare_runnable: Vec<round::Waiting<C>>,
    /// Scratch: the requests a release or a deferred command's run grants.
    grants: Vec<TxnId>,
    /// Emptied reply and held-shard lists of finished operations, for the
    /// next one-round operations (no allocation per operation).
    spare_replies: Vec<Vec<Option<C::PartReply>>>,
    spare_held: Vec<Vec<usize>>,
    /// Emptied share lists and one-round step lists of finished
    /// acquisitions (`Txns::retire`): no allocation per operation.
    spare_shares: Vec<Vec<(usize, lock::Request)>>,
    spare_steps: Vec<round::StepParts<C>>,
}

/// Lists kept per kind in [`Txns`]' spares (each at most 64 entries):
/// pipelined one-round operations are many in flight at once (up to four a
/// connection, `lock/fence.rs`), and 32 ran dry every burst.
const SPARE_VECS: usize = 512;

impl<C: Commands> Txns<C> {
    pub(super) fn new(nshards: usize) -> Txns<C> {
        Txns {
            armed: false,
            table: LockTable::default(),
            deferred: VecDeque::new(),
            acquiring: Slab::new(),
            seq: 0,
            long_acquiring: 0,
            ready: Vec::new(),
            retry: false,
            late: (0..nshards).map(|_| None).collect(),
            locks: LockSet::default(),
            waiting: Vec::new(),
            runnable: Vec::new(),
            spare_runnable: Vec::new(),
            grants: Vec::new(),
            spare_replies: Vec::new(),
            spare_held: Vec::new(),
            spare_shares: Vec::new(),
            spare_steps: Vec::new(),
        }
    }

    /// An empty reply list for an operation (a kept one when there is one).
    pub(super) fn reply_list(&mut self) -> Vec<Option<C::PartReply>> {
        self.spare_replies.pop().unwrap_or_default()
    }

    /// Keeps a finished operation's (emptied) reply and held-shard lists.
    pub(super) fn keep_lists(
        &mut self,
        mut replies: Vec<Option<C::PartReply>>,
        held: Option<Vec<usize>>,
    ) {
        if replies.capacity() > 0
            && replies.capacity() <= 64
            && self.spare_replies.len() < SPARE_VECS
        {
            replies.clear();
            self.spare_replies.push(replies);
        }
        if let Some(mut held) = held.filter(|h| h.capacity() > 0 && h.capacity() <= 64) {
            if self.spare_held.len() < SPARE_VECS {
                held.clear();
                self.spare_held.push(held);
            }
        }
    }

    /// Keeps a finished acquisition's share list (emptied) for the next
    /// operation's shares, and its one-round step list.
    fn retire(&mut self, a: Acquire<C>) {
        self.keep_shares(a.shards);
        if let Then::Steps(st) = a.then {
            let mut steps = st.into_parts();
            if steps.capacity() > 0 && steps.capacity() <= 64 && self.spare_steps.len() < SPARE_VECS
            {
                steps.clear();
                self.spare_steps.push(steps);
            }
        }
    }

    /// Keeps an emptied share list for [`Shard::shares`].
    fn keep_shares(&mut self, mut shares: Vec<(usize, lock::Request)>) {
        if shares.capacity() > 0 && shares.capacity() <= 64 && self.spare_shares.len() < SPARE_VECS
        {
            shares.clear();
            self.spare_shares.push(shares);
        }
    }

    /// Whether a keyed command of connection `conn` (of shard `origin`) must
    /// wait: an earlier one of its connection waits, or a lock holds one of
    /// its keys.
    pub(super) fn must_defer(
        &self,
        origin: usize,
        conn: ConnRef,
        route: Route,
        args: Args<'_>,
    ) -> bool {
        if self
            .deferred
            .iter()
            .any(|d| d.origin == origin && d.conn == conn)
        {
            return true;
        }
        let mut blocked = false;
        route.for_each_key(args, |k| {
            blocked = blocked || self.table.blocks(k);
            true
        });
        blocked
    }

    /// Whether a granted lock holds `key` here.
    #[inline]
    pub(super) fn locked(&self, key: &[u8]) -> bool {
        self.armed && self.table.blocks(key)
    }

    /// Queues a keyed command behind the locks.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn defer(
        &mut self,
        origin: usize,
        conn: ConnRef,
        seq: u64,
        cmd: C::Cmd,
        ctx: C::Ctx,
        route: Route,
        args: Args<'_>,
    ) {
        let stamp = self.table.defer();
        let table = &mut self.table;
        route.for_each_key(args, |k| {
            table.defer_key(k, stamp);
            true
        });
        self.deferred.push_back(Deferred {
            origin,
            conn,
            seq,
            cmd,
            ctx,
            route,
            args: args.to_owned_args(),
            stamp,
        });
        self.armed = true;
    }
}

impl<C: Commands> Shard<C> {
    /// Starts an isolated operation of connection `conn`: splits `locks` by
    /// shard and asks the lowest shard for its share. The operation is
    /// planned once every share is granted ([`Shard::advance`]), or at once
    /// when it is one-round ([`LockSet::one_round`], `round.rs`).
    ///
    /// `free`: a one-round operation that does not hold its connection
    /// (its keys are in the connection's fence, which it leaves when it
    /// replies).
    pub(super) fn begin_txn(
        &mut self,
        conn: ConnRef,
        seq: u64,
        ctx: C::Ctx,
        cmd: C::Cmd,
        args: Args<'_>,
        free: bool,
    ) {
        let one_round = self.txn.locks.one_round;
        let mut shards = self.shares();
        let then = if one_round {
            match self.plan_ahead(conn, seq, ctx, cmd, args, &mut shards, free) {
                Some(then) => then,
                // Answered at once (a refusal, an argument error): nothing to lock.
                None => {
                    self.txn.keep_shares(shards);
                    return;
                }
            }
        } else {
            Then::Plan {
                cmd,
                args: args.to_owned_args(),
            }
        };
        self.txn.seq += 1;
        let entry = self.txn.acquiring.vacant_entry();
        let long = if one_round { 0 } else { lock::LONG_TXN };
        let txn = (self.txn.seq << SEQ_SHIFT)
            | long
            | ((entry.key() as u64) << ORIGIN_BITS)
            | self.id as u64;
        self.txn.long_acquiring += usize::from(!one_round);
        if let Then::Steps(st) = &then {
            if let Some(o) = self.ops.get_mut(st.op) {
                o.locks = Some((txn, self.txn.spare_held.pop().unwrap_or_default()));
            }
        }
        entry.insert(Acquire {
            txn,
            conn,
            seq,
            ctx,
            then,
            shards,
            next: 0,
        });
        self.request_lock(txn, 0);
    }

    /// Splits the declared locks (`txn.locks`, left empty) by owner shard,
    /// ascending.
    fn shares(&mut self) -> Vec<(usize, lock::Request)> {
        let nshards = self.router.nshards();
        let mut shards = match self.txn.spare_shares.pop() {
            Some(v) => v,
            None => Vec::with_capacity(nshards.min(4)),
        };
        let mut locks = std::mem::take(&mut self.txn.locks);
        // Room for every key in each share: no share's list grows.
        let room = locks.keys.len();
        if locks.all {
            for s in 0..nshards {
                shards.push((
                    s,
                    lock::Request {
                        keys: Vec::new(),
                        whole: true,
                    },
                ));
            }
        }
        for &route in &locks.wholes {
            let s = self.router.shard_of_hash(route);
            match shards.iter_mut().find(|(x, _)| *x == s) {
                Some((_, r)) => r.whole = true,
                None => shards.push((
                    s,
                    lock::Request {
                        keys: Vec::new(),
                        whole: true,
                    },
                )),
            }
        }
        for (key, route, write) in locks.keys.drain(..) {
            let s = self.router.shard_of_hash(route);
            match shards.iter_mut().find(|(x, _)| *x == s) {
                Some((_, r)) => r.keys.push((key, write)),
                None => {
                    let mut keys = self.txn.table.key_list(room);
                    keys.push((key, write));
                    shards.push((s, lock::Request { keys, whole: false }));
                }
            }
        }
        self.txn.locks = locks;
        self.txn.locks.clear();
        shards.sort_by_key(|(s, _)| *s);
        shards
    }

    /// Asks shard number `step` of `txn`'s list for its share.
    fn request_lock(&mut self, txn: TxnId, step: usize) {
        let Some(a) = self.txn.acquiring.get_mut(slot_of(txn)) else {
            return;
        };
        if matches!(a.then, Then::Steps(_)) {
            self.request_step(txn, step);
            return;
        }
        let Some((s, req)) = a.shards.get_mut(step) else {
            // Nothing to lock at all.
            self.txn.ready.push(txn);
            return;
        };
        // Asked once: only the shard numbers are needed after this.
        let (s, req) = (*s, std::mem::take(req));
        if s == self.id {
            self.lock_here(txn, req);
        } else {
            let batch = self.outgoing[s].get_or_insert_with(|| self.pools.requests(s));
            batch.items.push(Request::Lock { txn });
            batch.locks.push(req);
        }
    }

    /// A multi-round isolated operation ([`lock::LONG_TXN`]) is open here:
    /// a lock of it is queued or held in this shard's table, or one of this
    /// shard's is being acquired. Its next message (a grant, a part, a
    /// script's call, a release) is due soon, so the loop polls a little
    /// before it parks (`txn_spin`). Not a one-round operation: its part is
    /// its request, and spinning for its reply cost MSET at `-P 1` a
    /// quarter more CPU.
    #[inline]
    pub(super) fn txn_open(&self) -> bool {
        self.txn.long_acquiring > 0 || self.txn.table.long_held()
    }

    /// Queues a lock request in this shard's table.
    pub(super) fn lock_here(&mut self, txn: TxnId, req: lock::Request) {
        self.txn.armed = true;
        if self.txn.table.acquire(txn, req) {
            self.granted(txn);
        }
    }

    /// Tells `txn`'s origin that this shard granted its share.
    fn granted(&mut self, txn: TxnId) {
        let origin = origin_of(txn);
        if origin == self.id {
            self.txn.ready.push(txn);
        } else if let Some(i) = self.txn.waiting.iter().position(|w| w.txn == txn) {
            // A one-round part waited for it: it runs now (`pump_txns`).
            let w = self.txn.waiting.swap_remove(i);
            self.txn.runnable.push(w);
        } else {
            let batch = self.outgoing[origin].get_or_insert_with(|| self.pools.requests(origin));
            batch.items.push(Request::Granted { txn });
        }
    }

    /// A peer granted our `txn` its share.
    pub(super) fn on_granted(&mut self, txn: TxnId) {
        self.txn.ready.push(txn);
    }

    /// Drops `txn`'s locks on this shard; grants what waited on them.
    pub(super) fn release_here(&mut self, txn: TxnId) {
        let mut granted = std::mem::take(&mut self.txn.grants);
        self.txn.table.release(txn, &mut granted);
        self.parking.released();
        for g in granted.drain(..) {
            self.granted(g);
        }
        self.txn.grants = granted;
        self.txn.retry = true;
    }

    /// Releases `txn`'s locks on every shard of `shards`.
    pub(super) fn release_all(&mut self, txn: TxnId, shards: &[usize]) {
        for &s in shards {
            if s == self.id {
                self.release_here(txn);
            } else {
                let batch = self.outgoing[s].get_or_insert_with(|| self.pools.requests(s));
                batch.items.push(Request::Release { txn });
            }
        }
    }

    /// `txn` was granted on its current shard (or, one-round, its part
    /// there replied): lock the next one, or, when all are granted, plan
    /// and launch the operation.
    fn advance(&mut self, txn: TxnId) {
        let slot = slot_of(txn);
        let Some(a) = self.txn.acquiring.get_mut(slot) else {
            return;
        };
        if a.txn != txn {
            return;
        }
        if matches!(a.then, Then::Steps(_)) {
            self.step_done(txn);
            return;
        }
        a.next += 1;
        if a.next < a.shards.len() {
            let step = a.next;
            self.request_lock(txn, step);
            return;
        }
        let mut a = self.txn.acquiring.remove(slot);
        if txn & lock::LONG_TXN != 0 {
            self.txn.long_acquiring -= 1;
        }
        let shards: Vec<usize> = a.shards.iter().map(|(s, _)| *s).collect();
        self.txn.keep_shares(std::mem::take(&mut a.shards));
        let (cmd, args) = match a.then {
            Then::Plan { cmd, args } => (cmd, args),
            Then::Launch { op, mut parts } => {
                if let Some(o) = self.ops.get_mut(op) {
                    o.locks = Some((txn, shards));
                }
                self.launch(op, &mut parts);
                return;
            }
            Then::Steps(_) => return,
        };
        let cmds = &*self.cmds;
        let Some(c) = self
            .conns
            .get_mut(a.conn.idx as usize)
            .filter(|c| c.gen == a.conn.gen)
        else {
            // Its connection is gone: nothing to run.
            self.release_all(txn, &shards);
            return;
        };
        let cx = LocalCx {
            nshards: self.router.nshards(),
            client: c.facts(self.id),
            conn: crate::push::ConnHandle {
                shard: self.id as u32,
                idx: a.conn.idx,
                gen: c.gen,
            },
        };
        let mut parts = std::mem::take(&mut self.parts);
        let planned = cmds.plan_isolated(
            &mut self.state,
            &mut c.session,
            &cx,
            a.ctx,
            cmd,
            args.args(),
            &self.router,
            &mut parts,
        );
        let op = self.ops.insert(Op {
            conn: a.conn,
            seq: a.seq,
            ctx: a.ctx,
            hold: true,
            fenced: false,
            plan: planned.plan,
            replies: self.txn.reply_list(),
            remaining: 0,
            locks: Some((txn, shards)),
        });
        self.launch(op, &mut parts);
        self.parts = parts;
    }

    /// Advances granted transactions and retries deferred commands until
    /// nothing changes; sends the replies of peers' deferred commands.
    pub(super) fn pump_txns(&mut self) {
        if !self.txn.armed && self.txn.ready.is_empty() {
            return;
        }
        loop {
            if let Some(txn) = self.txn.ready.pop() {
                self.advance(txn);
            } else if !self.txn.runnable.is_empty() {
                let spare = std::mem::take(&mut self.txn.spare_runnable);
                let mut runnable = std::mem::replace(&mut self.txn.runnable, spare);
                for w in runnable.drain(..) {
                    self.run_granted(w);
                }
                self.txn.spare_runnable = runnable;
            } else if std::mem::take(&mut self.txn.retry) {
                self.retry_deferred();
            } else {
                break;
            }
        }
        self.txn.armed = !self.txn.table.is_empty() || !self.txn.deferred.is_empty();
        if self.txn.late.iter().any(Option::is_some) {
            self.cmds.before_replies(&mut self.state);
        }
        for peer in 0..self.txn.late.len() {
            if let Some(bufs) = self.txn.late[peer].take() {
                self.mesh.send(
                    peer,
                    Msg::Replies(Replies {
                        bufs,
                        returned: None,
                    }),
                    false,
                );
            }
        }
    }

    /// Runs the deferred commands no lock holds back any more, in order; a
    /// connection's later commands stay behind its first waiting one.
    ///
    /// The FIFO stays in place while it is walked: a command runs only once
    /// it is out of the FIFO, and what waits stays in it, so whatever runs
    /// meanwhile sees every earlier command of its connection that still
    /// waits ([`Txns::must_defer`]), and a command deferred meanwhile joins
    /// the back of the walk instead of being dropped. (Nothing of a
    /// connection is dispatched during the walk today: a finished command's
    /// connection resumes its input from the event loop (`Shard::resume`),
    /// peer batches are drained there too, and the one dispatch a serve can
    /// make here, a served blocking call's continuation, is an operation
    /// across shards, never deferred. Taking the FIFO out, as the walk once
    /// did, relied on all of that.) `ordered.rs` pins the order.
    fn retry_deferred(&mut self) {
        let mut at = 0;
        while let Some(d) = self.txn.deferred.get(at) {
            let waits = self
                .txn
                .deferred
                .range(..at)
                .any(|k| k.origin == d.origin && k.conn == d.conn)
                || {
                    let mut blocked = false;
                    d.route.for_each_key(d.args.args(), |k| {
                        blocked = blocked || self.txn.table.blocks(k);
                        true
                    });
                    blocked
                };
            if waits {
                at += 1;
                continue;
            }
            let Some(d) = self.txn.deferred.remove(at) else {
                break;
            };
            if d.origin == self.id {
                let mut out = self.pools.slot();
                self.cmds
                    .execute(&mut self.state, d.ctx, d.cmd, d.args.args(), &mut out);
                self.deliver(d.conn, d.seq, &out);
                self.pools.put_slot(out);
                self.serve_ready();
            } else {
                let bufs = self.txn.late[d.origin].get_or_insert_with(|| self.pools.replies());
                self.cmds
                    .execute(&mut self.state, d.ctx, d.cmd, d.args.args(), &mut bufs.data);
                bufs.items.push(Reply::Cmd {
                    conn: d.conn,
                    seq: d.seq,
                    end: bufs.data.len(),
                });
                self.serve_ready();
            }
            // Lock requests that arrived after it may be granted now.
            let table = &mut self.txn.table;
            d.route.for_each_key(d.args.args(), |k| {
                table.undefer_key(k, d.stamp);
                true
            });
            let mut granted = std::mem::take(&mut self.txn.grants);
            table.undefer(d.stamp, &mut granted);
            for g in granted.drain(..) {
                self.granted(g);
            }
            self.txn.grants = granted;
        }
    }
}
