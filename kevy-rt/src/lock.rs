//! Key locks for isolated multi-shard operations: what a command set declares
//! ([`LockSet`]) and one shard's lock table ([`LockTable`]).
//!
//! A *transaction* is a multi-shard operation the command set asked to run
//! isolated ([`Commands::isolate`](crate::Commands::isolate)). Before its
//! parts run, its origin locks its keys shard by shard, in ascending shard
//! order; each shard grants a request only once it heads every one of its
//! keys' queues (readers share). Local commands (keys on one shard) never take
//! locks: while a shard holds any, they check their keys (one branch when it
//! holds none) and wait behind a conflicting lock. See ARCHITECTURE.md,
//! "Isolation", for the deadlock-freedom and isolation arguments.

use std::collections::hash_map::Entry as Slot;
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};

use crate::router::{hash, hash_tag, key_and_route_hash};
use queues::{Entry, Queues};

/// A transaction: its origin shard, acquisition slot, [`LONG_TXN`] and
/// sequence in bit fields (`shard/txn.rs`), unique per runtime.
pub(crate) type TxnId = u64;

/// Set in the id of a transaction that trades more than one round of
/// messages under its locks (planned once they are granted: EXEC, a script
/// over several shards, RENAME…), unlike a one-round operation, whose part
/// is its lock request. A table counts such requests
/// ([`LockTable::long_held`]): while one is in, the shard's next message
/// is due soon.
pub(crate) const LONG_TXN: TxnId = 1 << 32;

/// What the lock tables know of a key: a 64-bit hash of its bytes. Equal
/// keys have equal ids; two keys sharing one would only conflict falsely (a
/// wait, never a missed exclusion), so no key bytes are copied, hashed
/// twice or compared in the tables.
pub(crate) type KeyId = u64;

/// The id of `key` in the lock tables.
#[inline]
pub(crate) fn key_id(key: &[u8]) -> KeyId {
    hash(key)
}

/// The keys an isolated operation touches, with their modes, as a command set
/// declares them ([`Commands::isolate`](crate::Commands::isolate)). The runtime
/// sends each key to the shard that owns it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LockSet {
    /// `(key, routing hash, write)`: a write lock excludes everything, read
    /// locks share. The routing hash is the one [`Router`](crate::Router)
    /// places the key by (its `{tag}`'s).
    pub(crate) keys: Vec<(KeyId, u64, bool)>,
    /// Lock every key of every shard (FLUSHALL-like operations).
    pub(crate) all: bool,
    /// Lock whole, in write mode, the shards owning keys of these routing
    /// hashes.
    pub(crate) wholes: Vec<u64>,
    /// Planned before its locks, one round of parts ([`LockSet::one_round`]).
    pub(crate) one_round: bool,
}

/// `key`'s id and routing hash (one hash when it has no `{tag}`).
#[inline]
fn ids(key: &[u8]) -> (KeyId, u64) {
    key_and_route_hash(key)
}

impl LockSet {
    /// Reads `key` (shared with other readers).
    #[inline]
    pub fn read(&mut self, key: &[u8]) {
        let (id, route) = ids(key);
        self.keys.push((id, route, false));
    }

    /// Writes `key` (excludes every other user of the key).
    #[inline]
    pub fn write(&mut self, key: &[u8]) {
        let (id, route) = ids(key);
        self.keys.push((id, route, true));
    }

    /// Locks every shard whole, in write mode: nothing else runs on any shard
    /// while the operation's parts run.
    pub fn everything(&mut self) {
        self.all = true;
    }

    /// Locks whole, in write mode, the one shard owning `key`: nothing
    /// else runs there while the operation's parts run (a script running
    /// on that shard, whatever keys of it the script finds as it runs).
    pub fn shard_of(&mut self, key: &[u8]) {
        self.wholes.push(hash(hash_tag(key)));
    }

    /// Declares the operation *one-round*: its plan depends on its
    /// arguments alone (not on what its keys hold) and it replies after one
    /// round of parts, at most one per shard (MSET, MGET, DEL, EXISTS…).
    /// The runtime then plans it before locking, and runs each shard's part
    /// as soon as that shard's share is granted, on the way up the shards,
    /// instead of a lock round trip per shard followed by a round of parts.
    pub fn one_round(&mut self) {
        self.one_round = true;
    }

    /// The routing hash of each key declared so far, in declaration order
    /// ([`Router::shard_of_hash`](crate::Router::shard_of_hash) places it):
    /// a command set that splits the same keys by shard need not hash them
    /// again.
    pub fn routes(&self) -> impl ExactSizeIterator<Item = u64> + '_ {
        self.keys.iter().map(|&(_, route, _)| route)
    }

    /// Whether nothing is locked.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty() && !self.all && self.wholes.is_empty()
    }

    /// Forgets every key.
    pub fn clear(&mut self) {
        self.keys.clear();
        self.all = false;
        self.wholes.clear();
        self.one_round = false;
    }
}

/// One lock request on one shard: the shard's share of a [`LockSet`].
#[derive(Clone, Debug, Default)]
pub(crate) struct Request {
    /// `(key, write)`; a key declared twice takes the stronger mode.
    pub(crate) keys: Vec<(KeyId, bool)>,
    /// Lock the whole shard in write mode.
    pub(crate) whole: bool,
}

/// Hashes the tables' `u64` ids (key hashes, transaction ids) with one
/// multiply-xorshift round: no SipHash on the isolated path.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    #[inline]
    fn finish(&self) -> u64 {
        let h = self.0.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        h ^ (h >> 29)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ b as u64;
        }
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.0 ^= n;
    }
}

type IdMap<V> = HashMap<u64, V, BuildHasherDefault<IdHasher>>;

/// The stamps (arrivals, [`LockTable::defer`]) of the deferred commands
/// touching one key, oldest first; most keys have one, kept inline.
#[derive(Debug)]
struct Stamps {
    first: u64,
    rest: Vec<u64>,
}

impl Stamps {
    /// Drops `stamp`; true when nothing is left.
    fn remove(&mut self, stamp: u64) -> bool {
        if self.first == stamp {
            if self.rest.is_empty() {
                return true;
            }
            self.first = self.rest.remove(0);
        } else {
            self.rest.retain(|&s| s != stamp);
        }
        false
    }
}

/// A request in a [`LockTable`].
#[derive(Debug)]
struct Held {
    req: Request,
    granted: bool,
    arrival: u64,
}

/// A shard's lock table: per resource, the FIFO of requests on it; a request
/// is granted when every request ahead of it on each of its resources is
/// compatible (all readers, and it reads too), and no command deferred here
/// before it arrived touches its resources. Requests enter all their queues
/// at once, in arrival order, so the oldest waiting request always heads its
/// queues once the granted ones ahead of it leave: the table alone never
/// deadlocks.
#[derive(Debug, Default)]
pub(crate) struct LockTable {
    queues: Queues,
    /// The shard itself, read by every key request and written by
    /// whole-shard ones: its FIFO is the arrival order. Only the writers
    /// are listed, `(arrival, txn)`, oldest first: a key request is
    /// admitted when no writer arrived before it, a whole request when no
    /// request at all did (no queue entry, scan or removal per key request).
    wholes: VecDeque<(u64, TxnId)>,
    /// Arrivals so far: lock requests and deferred commands, numbered in
    /// one sequence.
    arrivals: u64,
    /// Per request: its keys (each once, in its strongest mode; it also
    /// takes the shard, written when `whole`), whether it is granted, and
    /// its arrival.
    txns: IdMap<Held>,
    /// The waiting (not granted) requests, oldest first: `(arrival,
    /// txn)`, `None` once granted or released (dropped from the front,
    /// compacted when they are most of it); `nwaiting`, how many are
    /// `Some`. Arrivals only grow, so a request enters at the back and
    /// leaves by binary search.
    waiting: VecDeque<(u64, Option<TxnId>)>,
    nwaiting: usize,
    /// Per key, the stamps of the commands deferred here behind the locks
    /// that touch it (`defer_key`); `stamps`, every deferred command's. A
    /// request is not granted ahead of a command deferred *before it
    /// arrived* on one of its keys (nor, whole, ahead of any deferred
    /// before it): such a command came first, and a connection that sends
    /// `SET k 1` then `MSET k 2 x 1` must see k = 2. A command deferred
    /// after it arrived holds nothing back (it waits for the request
    /// instead, once granted): else a request could wait for a command
    /// that waits, through its connection's earlier commands, for a holder
    /// that waits for the request.
    deferred: IdMap<Stamps>,
    stamps: BTreeSet<u64>,
    /// Scratch: requests a release or an undeferral may grant, and those
    /// it grants, by arrival.
    cand: Vec<TxnId>,
    order: Vec<(u64, TxnId)>,
    /// Emptied key lists of released requests, for the next requests this
    /// shard builds ([`LockTable::key_list`]). A share's list is built on
    /// its origin and dropped where it was locked, often another shard:
    /// kept here instead, lists circulate between shards, and a one-round
    /// operation's shares cost no cross-thread free (the allocator's slow
    /// path) in steady traffic.
    spare: Vec<Vec<(KeyId, bool)>>,
    /// Requests in the table whose id has [`LONG_TXN`].
    long: usize,
}

/// Key lists kept for reuse per table.
const SPARE_LISTS: usize = 64;
/// Past [`SPARE_LISTS`], short lists (64 keys at most) kept up to this many:
/// pipelined one-round operations are many in flight at once.
const SPARE_SMALL_LISTS: usize = 512;

impl LockTable {
    /// True when no request is queued or granted.
    pub(crate) fn is_empty(&self) -> bool {
        self.txns.is_empty()
    }

    /// An empty key list with room for `room` keys (a kept one when there
    /// is one).
    pub(crate) fn key_list(&mut self, room: usize) -> Vec<(KeyId, bool)> {
        match self.spare.pop() {
            Some(mut v) => {
                v.reserve(room);
                v
            }
            None => Vec::with_capacity(room),
        }
    }

    /// Keeps `req`'s key list for [`LockTable::key_list`].
    pub(crate) fn recycle(&mut self, req: Request) {
        let mut keys = req.keys;
        let room = self.spare.len() < SPARE_LISTS
            || (self.spare.len() < SPARE_SMALL_LISTS && keys.capacity() <= 64);
        if room && keys.capacity() > 0 && keys.capacity() <= 1024 {
            keys.clear();
            self.spare.push(keys);
        }
    }

    /// Queues `req` for `txn`; true when it is granted at once.
    pub(crate) fn acquire(&mut self, txn: TxnId, mut req: Request) -> bool {
        // A key declared twice takes its strongest mode, in place (no copy
        // of the request).
        let mut i = 0;
        while i < req.keys.len() {
            let (k, w) = req.keys[i];
            match req.keys[..i].iter_mut().find(|(x, _)| *x == k) {
                Some(e) => {
                    e.1 |= w;
                    req.keys.swap_remove(i);
                }
                None => i += 1,
            }
        }
        self.arrivals += 1;
        let arrival = self.arrivals;
        if req.whole {
            self.wholes.push_back((arrival, txn));
        }
        // Whether every request already queued on its keys (all of them
        // ahead of it) is compatible, found while it enters those queues:
        // one lookup per key, not a second one to check the queue.
        let mut keys_admit = true;
        for &(k, write) in &req.keys {
            let e = Entry {
                txn,
                arrival,
                write,
            };
            keys_admit &= self.queues.enter(k, e);
        }
        // Alone in the table: nothing is ahead of it on any resource.
        let alone = self.txns.is_empty() && self.stamps.is_empty();
        let granted = alone
            || (keys_admit
                && self.behind_no_deferred(&req, arrival)
                && self.shard_admits(req.whole, arrival));
        if !granted {
            self.waiting.push_back((arrival, Some(txn)));
            self.nwaiting += 1;
        }
        self.txns.insert(
            txn,
            Held {
                req,
                granted,
                arrival,
            },
        );
        if txn & LONG_TXN != 0 {
            self.long += 1;
        }
        granted
    }

    /// Whether `req` would be granted at once, arriving now: every request
    /// queued on each of its resources is compatible with it. Nothing is
    /// queued: a request that runs and leaves within one step (the last
    /// shard of a one-round operation) need not enter the table.
    pub(crate) fn free_for(&self, req: &Request) -> bool {
        if !self.behind_no_deferred(req, u64::MAX) {
            return false;
        }
        if self.txns.is_empty() {
            return true;
        }
        !req.whole
            && self.wholes.is_empty()
            && req
                .keys
                .iter()
                .all(|&(k, write)| self.queues.get(k).is_none_or(|q| q.admits_new(write)))
    }

    /// Whether every request ahead of `txn` on each of `req`'s resources is
    /// compatible, and no command deferred before it touches them.
    fn grantable(&self, req: &Request, txn: TxnId, arrival: u64) -> bool {
        self.behind_no_deferred(req, arrival)
            && self.shard_admits(req.whole, arrival)
            && req.keys.iter().all(|&(k, write)| {
                self.queues
                    .get(k)
                    .is_none_or(|q| admits(q.iter(), txn, write))
            })
    }

    /// Whether every request ahead of a request that arrived `arrival`th
    /// on the shard resource is compatible with it (`whole`: it writes it).
    fn shard_admits(&self, whole: bool, arrival: u64) -> bool {
        if whole {
            // Rare (FLUSHALL, a script on the shard): a scan is fine.
            self.txns.values().all(|h| h.arrival >= arrival)
        } else {
            self.wholes.front().is_none_or(|&(a, _)| a > arrival)
        }
    }

    /// Whether no command deferred before `arrival` touches `req`'s
    /// resources (a whole request: no command deferred before it at all).
    #[inline]
    fn behind_no_deferred(&self, req: &Request, arrival: u64) -> bool {
        if self.stamps.is_empty() {
            return true;
        }
        if req.whole {
            return self.stamps.first().is_none_or(|&s| s > arrival);
        }
        req.keys
            .iter()
            .all(|(k, _)| self.deferred.get(k).is_none_or(|s| s.first > arrival))
    }

    /// A command is deferred here (behind a granted lock, or behind an
    /// earlier deferred command of its connection), its keys declared by
    /// `defer_key` with the stamp returned: requests arriving from now on
    /// are not granted ahead of it on those keys.
    pub(crate) fn defer(&mut self) -> u64 {
        self.arrivals += 1;
        self.stamps.insert(self.arrivals);
        self.arrivals
    }

    /// Key `key` of the command deferred with `stamp` ([`LockTable::defer`]).
    pub(crate) fn defer_key(&mut self, key: &[u8], stamp: u64) {
        match self.deferred.entry(key_id(key)) {
            Slot::Occupied(mut s) => s.get_mut().rest.push(stamp),
            Slot::Vacant(v) => {
                v.insert(Stamps {
                    first: stamp,
                    rest: Vec::new(),
                });
            }
        }
    }

    /// Key `key` of the deferred command of `stamp` that ran (declared by
    /// `defer_key`).
    pub(crate) fn undefer_key(&mut self, key: &[u8], stamp: u64) {
        if let Slot::Occupied(mut s) = self.deferred.entry(key_id(key)) {
            if s.get_mut().remove(stamp) {
                s.remove();
            }
        }
    }

    /// The deferred command of `stamp` ran, its keys undeclared
    /// (`undefer_key`); pushes the requests that only waited for it to
    /// `granted`, oldest first. Only requests that arrived after it can
    /// have waited for it: those are the candidates (not the queues of its
    /// keys, whose granted readers may be many).
    pub(crate) fn undefer(&mut self, stamp: u64, granted: &mut Vec<TxnId>) {
        self.stamps.remove(&stamp);
        if self.nwaiting > 0 {
            let mut cand = std::mem::take(&mut self.cand);
            let from = self.waiting.partition_point(|&(a, _)| a < stamp);
            cand.extend(self.waiting.range(from..).filter_map(|&(_, t)| t));
            self.cand = cand;
            self.grant_candidates(false, granted);
        }
    }

    /// Drops `txn`'s request (granted or not); pushes the requests this grants
    /// to `granted`, oldest first.
    pub(crate) fn release(&mut self, txn: TxnId, granted: &mut Vec<TxnId>) {
        let Some(held) = self.txns.remove(&txn) else {
            return;
        };
        if txn & LONG_TXN != 0 {
            self.long -= 1;
        }
        let whole = held.req.whole;
        let req = held.req;
        if !held.granted {
            self.unwait(held.arrival);
        }
        if req.whole {
            self.wholes.retain(|&(_, t)| t != txn);
        }
        // One lookup per key: out of its queue, and (when anything waits)
        // what its leaving may let through.
        let waits = self.nwaiting > 0;
        let mut cand = std::mem::take(&mut self.cand);
        for &(k, write) in &req.keys {
            let e = Entry {
                txn,
                arrival: held.arrival,
                write,
            };
            self.queues.leave(k, e, waits.then_some(&mut cand));
        }
        self.cand = cand;
        self.recycle(req);
        if self.txns.is_empty() {
            self.queues.shrink_if_empty();
        }
        if waits {
            self.grant_candidates(whole, granted);
        }
    }

    /// Grants the candidates (`cand`) nothing holds back any more, and the
    /// oldest whole-shard request when nothing does; with `all` (a
    /// whole-shard request left, which held back every later request),
    /// every waiting request is a candidate. Pushes them to `granted`,
    /// oldest first.
    fn grant_candidates(&mut self, all: bool, granted: &mut Vec<TxnId>) {
        let mut cand = std::mem::take(&mut self.cand);
        if all {
            cand.clear();
            cand.extend(self.waiting.iter().filter_map(|&(_, t)| t));
        } else if let Some(&(_, t)) = self.wholes.front() {
            cand.push(t);
        }
        // Each once; one lookup each to weed out the granted ones and
        // judge the others (whether one is grantable does not depend on
        // which others are granted: queue order and deferrals decide).
        cand.sort_unstable();
        cand.dedup();
        let mut order = std::mem::take(&mut self.order);
        for &t in &cand {
            if let Some(h) = self.txns.get(&t) {
                if !h.granted && self.grantable(&h.req, t, h.arrival) {
                    order.push((h.arrival, t));
                }
            }
        }
        cand.clear();
        self.cand = cand;
        // Oldest first.
        order.sort_unstable();
        for &(arrival, t) in &order {
            if let Some(h) = self.txns.get_mut(&t) {
                h.granted = true;
            }
            self.unwait(arrival);
            granted.push(t);
        }
        order.clear();
        self.order = order;
    }

    /// The request that arrived `arrival`th waits no more.
    fn unwait(&mut self, arrival: u64) {
        if let Ok(i) = self.waiting.binary_search_by_key(&arrival, |&(a, _)| a) {
            if self.waiting[i].1.take().is_some() {
                self.nwaiting -= 1;
            }
        }
        while self.waiting.front().is_some_and(|&(_, t)| t.is_none()) {
            self.waiting.pop_front();
        }
        if self.waiting.len() > 32 && self.waiting.len() > 4 * self.nwaiting {
            self.waiting.retain(|&(_, t)| t.is_some());
        }
    }

    /// Whether a local command writing `key` must wait: a granted request
    /// holds the key, or the whole shard.
    pub(crate) fn blocks(&self, key: &[u8]) -> bool {
        self.queues
            .get(key_id(key))
            .is_some_and(|q| q.iter().any(|e| self.is_granted(e.txn)))
            || self.whole_held()
    }

    /// A request of a [`LONG_TXN`] transaction is queued or granted here.
    #[inline]
    pub(crate) fn long_held(&self) -> bool {
        self.long > 0
    }

    /// Whether a granted request holds the whole shard in write mode.
    pub(crate) fn whole_held(&self) -> bool {
        self.wholes.iter().any(|&(_, t)| self.is_granted(t))
    }

    fn is_granted(&self, txn: TxnId) -> bool {
        self.txns.get(&txn).is_some_and(|h| h.granted)
    }
}

/// Whether every request ahead of `txn` in queue `q` is compatible with
/// it (`write` is its mode).
fn admits(q: impl Iterator<Item = Entry>, txn: TxnId, write: bool) -> bool {
    for e in q {
        if e.txn == txn {
            return true;
        }
        if write || e.write {
            return false;
        }
    }
    true
}

pub(crate) mod fence;
mod queues;

#[cfg(test)]
mod tests;
