//! One-round isolated operations ([`LockSet::one_round`](crate::LockSet::one_round)):
//! MSET, MGET, DEL, EXISTS… across shards.
//!
//! Such an operation is planned from its arguments before any lock, then
//! walks its shards in ascending order as any transaction does, but each
//! share's request carries that shard's part ([`Request::LockPart`]): the
//! part runs as soon as the share is granted, and its reply is the grant.
//! The last shard drops its share right after its part ran (unless the
//! command set logs operations on their origin under their locks:
//! [`Commands::holds_replies`]), so it never enters that shard's table when
//! nothing there conflicts. Across two shards that is one ring round trip
//! per operation (lock and part together) instead of two (lock, then part)
//! and a release message.
//!
//! It is two-phase locking: every share is acquired, in the global shard
//! order, before any is released, and a part only touches keys its shard
//! has granted; so the operation is serializable with every other, and the
//! deadlock-freedom argument of ordered acquisition (ARCHITECTURE.md,
//! "Isolation") is unchanged: a waiting operation holds only shares on
//! lower shards.

use super::{origin_of, slot_of, Then};
use crate::args::Args;
use crate::commands::{Commands, LocalCx};
use crate::lock::{self, TxnId};
use crate::msg::{ConnRef, Reply, Request};
use crate::shard::{Op, Shard};

/// Per share of a one-round operation (same order as the shares): its
/// part, with its index.
pub(super) type StepParts<C> = Vec<Option<(u32, <C as Commands>::Part)>>;

/// The origin's side of a one-round operation being stepped through its
/// shards.
pub(super) struct Steps<C: Commands> {
    /// The operation (in `Shard::ops`).
    pub(super) op: usize,
    /// Per share (same order as the shares): its part, with its index.
    parts: StepParts<C>,
    /// The last share is dropped as soon as its part ran.
    release_last: bool,
    /// The origin's own share entered its lock table (else it was free and
    /// its part ran without entering it).
    queued_here: bool,
}

/// A peer's one-round part waiting here for its share.
pub(in crate::shard) struct Waiting<C: Commands> {
    pub(super) txn: TxnId,
    op: u32,
    idx: u32,
    ctx: C::Ctx,
    part: C::Part,
    release: bool,
}

impl<C: Commands> Steps<C> {
    /// Its step list, for reuse (`Txns::retire`).
    pub(super) fn into_parts(self) -> StepParts<C> {
        self.parts
    }
}

impl<C: Commands> Shard<C> {
    /// Plans one-round operation `cmd` of connection `conn` before its
    /// locks. `None` when it is answered at once (no part: a refusal, an
    /// argument error); else how its parts run, `shards` completed with a
    /// share for every shard a part goes to. `free`: the operation does
    /// not hold its connection (it is in the connection's fence).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn plan_ahead(
        &mut self,
        conn: ConnRef,
        seq: u64,
        ctx: C::Ctx,
        cmd: C::Cmd,
        args: Args<'_>,
        shards: &mut Vec<(usize, lock::Request)>,
        free: bool,
    ) -> Option<Then<C>> {
        let nshards = self.router.nshards();
        let c = self
            .conns
            .get_mut(conn.idx as usize)
            .filter(|c| c.gen == conn.gen)?;
        let cx = LocalCx {
            nshards,
            client: c.facts(self.id),
            conn: crate::push::ConnHandle {
                shard: self.id as u32,
                idx: conn.idx,
                gen: c.gen,
            },
        };
        let mut parts = std::mem::take(&mut self.parts);
        let planned = self.cmds.plan_isolated(
            &mut self.state,
            &mut c.session,
            &cx,
            ctx,
            cmd,
            args,
            &self.router,
            &mut parts,
        );
        let op = self.ops.insert(Op {
            conn,
            seq,
            ctx,
            hold: !free,
            fenced: free,
            plan: planned.plan,
            replies: self.txn.reply_list(),
            remaining: 0,
            locks: None,
        });
        if parts.is_empty() {
            self.launch(op, &mut parts);
            self.parts = parts;
            return None;
        }
        let mut one_each = true;
        for (s, _) in parts.iter_mut() {
            if *s >= nshards {
                *s = self.id;
            }
        }
        for (i, &(s, _)) in parts.iter().enumerate() {
            one_each &= parts[..i].iter().all(|(x, _)| *x != s);
            if !shards.iter().any(|(x, _)| *x == s) {
                shards.push((s, lock::Request::default()));
            }
        }
        shards.sort_by_key(|(s, _)| *s);
        if !one_each {
            // Rare (no one-round plan of kevy-commands does it): the pooled
            // vector goes with the parts.
            return Some(Then::Launch { op, parts });
        }
        let n = parts.len();
        if let Some(o) = self.ops.get_mut(op) {
            o.replies.extend((0..n).map(|_| None));
            o.remaining = n;
        }
        let mut per = self.txn.spare_steps.pop().unwrap_or_default();
        per.extend((0..shards.len()).map(|_| None));
        for (idx, (s, part)) in parts.drain(..).enumerate() {
            if let Some(j) = shards.iter().position(|(x, _)| *x == s) {
                per[j] = Some((idx as u32, part));
            }
        }
        self.parts = parts;
        Some(Then::Steps(Steps {
            op,
            parts: per,
            release_last: !self.cmds.holds_replies(&self.state),
            queued_here: false,
        }))
    }

    /// Asks share `step` of one-round `txn` for its locks, with its part.
    pub(super) fn request_step(&mut self, txn: TxnId, step: usize) {
        let slot = slot_of(txn);
        let Some(a) = self.txn.acquiring.get_mut(slot) else {
            return;
        };
        let last = step + 1 == a.shards.len();
        let ctx = a.ctx;
        let (Some((s, req)), Then::Steps(st)) = (a.shards.get_mut(step), &mut a.then) else {
            return;
        };
        let (s, req) = (*s, std::mem::take(req));
        if s == self.id {
            // Free and last: its part runs now, without entering the table
            // (now: nothing else may run on the shard between the check and
            // the part).
            st.queued_here = !(last && st.release_last && self.txn.table.free_for(&req));
            if st.queued_here {
                self.lock_here(txn, req);
            } else {
                self.txn.table.recycle(req);
                self.step_done(txn);
            }
            return;
        }
        let op = st.op;
        let release = last && st.release_last;
        match st.parts.get_mut(step).and_then(Option::take) {
            Some((idx, part)) => {
                if last {
                    // Its reply completes the operation: nothing to advance.
                    let a = self.txn.acquiring.remove(slot);
                    self.txn.retire(a);
                }
                if !release {
                    self.hold_share(op, s);
                }
                let batch = self.outgoing[s].get_or_insert_with(|| self.pools.requests(s));
                batch.items.push(Request::LockPart {
                    txn,
                    op: op as u32,
                    idx,
                    release,
                });
                batch.parts.push((ctx, part));
                batch.locks.push(req);
            }
            None => {
                // A share without a part: locked as any share, and held.
                self.hold_share(op, s);
                let batch = self.outgoing[s].get_or_insert_with(|| self.pools.requests(s));
                batch.items.push(Request::Lock { txn });
                batch.locks.push(req);
            }
        }
    }

    /// Records that operation `op` holds a share on shard `s` (released
    /// when it replies).
    fn hold_share(&mut self, op: usize, s: usize) {
        if let Some((_, held)) = self.ops.get_mut(op).and_then(|o| o.locks.as_mut()) {
            held.push(s);
        }
    }

    /// The current share of one-round `txn` is granted here, or its part
    /// on a peer replied: run the local part, then ask the next share, or
    /// gather when every part replied.
    pub(super) fn step_done(&mut self, txn: TxnId) {
        let slot = slot_of(txn);
        let Some(a) = self.txn.acquiring.get_mut(slot) else {
            return;
        };
        let step = a.next;
        let last = step + 1 == a.shards.len();
        let ctx = a.ctx;
        let Some(&(s, _)) = a.shards.get(step) else {
            return;
        };
        let Then::Steps(st) = &mut a.then else {
            return;
        };
        let op = st.op;
        if s == self.id {
            let part = st.parts.get_mut(step).and_then(Option::take);
            let (release, queued) = (last && st.release_last, st.queued_here);
            if let Some((idx, part)) = part {
                let reply = self.run_part(ctx, part);
                self.file_reply(op, idx, reply);
            }
            if !release {
                self.hold_share(op, s);
            } else if queued {
                self.release_here(txn);
            }
        }
        let Some(a) = self.txn.acquiring.get_mut(slot) else {
            return;
        };
        a.next += 1;
        if a.next < a.shards.len() {
            let next = a.next;
            self.request_step(txn, next);
            return;
        }
        let a = self.txn.acquiring.remove(slot);
        self.txn.retire(a);
        if self.ops.get(op).is_some_and(|o| o.remaining == 0) {
            let mut next = std::mem::take(&mut self.parts);
            if let Some(again) = self.gather(op, &mut next) {
                self.launch(again, &mut next);
            }
            self.parts = next;
        }
    }

    /// Files the reply of part `idx` of operation `op`.
    fn file_reply(&mut self, op: usize, idx: u32, reply: C::PartReply) {
        if let Some(o) = self.ops.get_mut(op) {
            if let Some(slot) = o.replies.get_mut(idx as usize) {
                *slot = Some(reply);
                o.remaining -= 1;
            }
        }
    }

    /// A peer's one-round share with its part ([`Request::LockPart`]): runs
    /// the part at once when the share is granted at once (its reply is
    /// returned), else queues it until it is.
    #[allow(clippy::too_many_arguments)]
    pub(in crate::shard) fn lock_part(
        &mut self,
        txn: TxnId,
        req: lock::Request,
        op: u32,
        idx: u32,
        ctx: C::Ctx,
        part: C::Part,
        release: bool,
    ) -> Option<C::PartReply> {
        if release && self.txn.table.free_for(&req) {
            self.txn.table.recycle(req);
            return Some(self.run_part(ctx, part));
        }
        self.txn.armed = true;
        if self.txn.table.acquire(txn, req) {
            let reply = self.run_part(ctx, part);
            if release {
                self.release_here(txn);
            }
            return Some(reply);
        }
        self.txn.waiting.push(Waiting {
            txn,
            op,
            idx,
            ctx,
            part,
            release,
        });
        None
    }

    /// Runs a peer's part whose share was granted after it waited; its
    /// reply goes home with the iteration's late replies.
    pub(super) fn run_granted(&mut self, w: Waiting<C>) {
        let reply = self.run_part(w.ctx, w.part);
        if w.release {
            self.release_here(w.txn);
        }
        let origin = origin_of(w.txn);
        let bufs = self.txn.late[origin].get_or_insert_with(|| self.pools.replies());
        bufs.items.push(Reply::Part {
            op: w.op,
            idx: w.idx,
        });
        bufs.parts.push(reply);
    }
}
