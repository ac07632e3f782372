//! Unit tests of `lock`.
use super::*;

fn req(keys: &[(&str, bool)]) -> Request {
    Request {
        keys: keys
            .iter()
            .map(|(k, w)| (key_id(k.as_bytes()), *w))
            .collect(),
        whole: false,
    }
}

#[test]
fn writers_queue_in_arrival_order_readers_share() {
    let mut t = LockTable::default();
    assert!(t.is_empty());
    assert!(t.acquire(1, req(&[("a", false)])));
    assert!(t.acquire(2, req(&[("a", false), ("b", false)])));
    assert!(!t.acquire(3, req(&[("a", true)])));
    // A reader behind a waiting writer waits too (no writer starvation).
    assert!(!t.acquire(4, req(&[("a", false)])));
    assert!(t.blocks(b"a"));
    assert!(t.blocks(b"b"));
    assert!(!t.blocks(b"c"));
    let mut g = Vec::new();
    t.release(1, &mut g);
    assert!(g.is_empty());
    t.release(2, &mut g);
    assert_eq!(g, [3]);
    g.clear();
    t.release(3, &mut g);
    assert_eq!(g, [4]);
    g.clear();
    t.release(4, &mut g);
    assert!(g.is_empty());
    assert!(t.is_empty());
    assert!(!t.blocks(b"a"));
}

/// A connection sends `SET k 1` while a lock holds k (deferred), then
/// `MSET k 2 x 1`: releasing the lock must not grant the MSET's request ahead
/// of the deferred SET (k would end at 1); it is granted once the SET ran.
#[test]
fn a_request_is_not_granted_ahead_of_an_earlier_deferred_command() {
    let mut t = LockTable::default();
    assert!(t.acquire(1, req(&[("k", true)])));
    // SET k 1, deferred behind request 1.
    assert!(t.blocks(b"k"));
    let set = t.defer();
    t.defer_key(b"k", set);
    // MSET k 2 x 1 arrives: it waits, and stays waiting when 1 leaves.
    assert!(!t.free_for(&req(&[("k", true), ("x", true)])));
    assert!(!t.acquire(2, req(&[("k", true), ("x", true)])));
    let mut g = Vec::new();
    t.release(1, &mut g);
    assert!(g.is_empty());
    // The SET runs (nothing granted holds k now), then the MSET is granted.
    assert!(!t.blocks(b"k"));
    t.undefer_key(b"k", set);
    t.undefer(set, &mut g);
    assert_eq!(g, [2]);
    // A readers' request and a whole-shard one wait for deferred commands
    // on their keys (any key, for the whole shard); others do not.
    let get = t.defer();
    t.defer_key(b"y", get);
    assert!(!t.free_for(&req(&[("y", false)])));
    assert!(t.free_for(&req(&[("z", true)])));
    assert!(!t.free_for(&Request {
        keys: Vec::new(),
        whole: true,
    }));
    assert!(t.acquire(3, req(&[("z", false)])));
    assert!(!t.acquire(4, req(&[("y", false)])));
    g.clear();
    t.undefer_key(b"y", get);
    t.undefer(get, &mut g);
    assert_eq!(g, [4]);
}

/// The trap of session 11: request 2 waits for k behind granted request 1;
/// then a command touching k is deferred (behind 1, or behind an earlier
/// command of its connection that waits for request 3 on another key).
/// It arrived after request 2, so it must not hold 2 back: releasing 1
/// grants 2, and the command now waits for 2 (`blocks`). Were 2 held back,
/// a holder (3) that waits for 2 would never let the command's connection
/// go: a cycle. A whole-shard request is held back only by commands
/// deferred before it, too.
#[test]
fn a_request_is_not_held_back_by_a_command_deferred_after_it() {
    let mut t = LockTable::default();
    assert!(t.acquire(1, req(&[("k", true)])));
    assert!(t.acquire(3, req(&[("z", true)])));
    assert!(!t.acquire(2, req(&[("k", true), ("x", true)])));
    // SET z 1 (behind 3), then SET k 1 (behind its connection's SET z).
    assert!(t.blocks(b"z"));
    let set_z = t.defer();
    t.defer_key(b"z", set_z);
    let set_k = t.defer();
    t.defer_key(b"k", set_k);
    let mut g = Vec::new();
    t.release(1, &mut g);
    assert_eq!(g, [2]);
    // The SET on k now waits for 2, which arrived first.
    assert!(t.blocks(b"k"));
    g.clear();
    t.release(2, &mut g);
    t.release(3, &mut g);
    assert!(g.is_empty());
    t.undefer_key(b"z", set_z);
    t.undefer(set_z, &mut g);
    t.undefer_key(b"k", set_k);
    t.undefer(set_k, &mut g);
    assert!(g.is_empty());
    // Whole-shard: waiting behind 4, it is not held back by a command
    // deferred after it, but one deferred before it holds it back.
    assert!(t.acquire(4, req(&[("a", true)])));
    let whole = Request {
        keys: Vec::new(),
        whole: true,
    };
    assert!(!t.acquire(5, whole.clone()));
    let set_a = t.defer();
    t.defer_key(b"a", set_a);
    t.release(4, &mut g);
    assert_eq!(g, [5]);
    assert!(t.blocks(b"a"));
    g.clear();
    t.release(5, &mut g);
    let set_b = t.defer();
    t.defer_key(b"b", set_b);
    assert!(!t.acquire(6, whole));
    t.undefer_key(b"a", set_a);
    t.undefer(set_a, &mut g);
    assert!(g.is_empty());
    t.undefer_key(b"b", set_b);
    t.undefer(set_b, &mut g);
    assert_eq!(g, [6]);
}

/// Many requests waiting on a few keys: a release grants exactly what the
/// full rule grants (each release re-examines only the queues it left),
/// oldest first. After every step, no waiting request is grantable, and
/// every granted one is compatible with every other granted one.
#[test]
fn releases_grant_what_the_full_rule_grants() {
    for seed in 1..=100u64 {
        let mut rng = Rng(seed.wrapping_mul(0x2545_F491_4F6C_DD1D));
        let mut t = LockTable::default();
        let mut live: Vec<TxnId> = Vec::new();
        let mut stamps: Vec<(u64, Vec<u8>)> = Vec::new();
        let mut next: TxnId = 1;
        for _ in 0..400 {
            let mut g = Vec::new();
            match rng.below(10) {
                0..=4 => {
                    let whole = rng.below(25) == 0;
                    let keys: Vec<(KeyId, bool)> = (0..1 + rng.below(3))
                        .map(|_| (key_id(&[rng.below(5) as u8]), rng.below(3) == 0))
                        .collect();
                    t.acquire(next, Request { keys, whole });
                    live.push(next);
                    next += 1;
                }
                5..=7 if !live.is_empty() => {
                    // Mostly granted ones leave (as in the runtime).
                    let i = rng.below(live.len());
                    let txn = live.swap_remove(i);
                    t.release(txn, &mut g);
                }
                8 => {
                    let key = vec![rng.below(5) as u8];
                    let s = t.defer();
                    t.defer_key(&key, s);
                    stamps.push((s, key));
                }
                _ if !stamps.is_empty() => {
                    let (s, key) = stamps.swap_remove(rng.below(stamps.len()));
                    t.undefer_key(&key, s);
                    t.undefer(s, &mut g);
                }
                _ => {}
            }
            let arrivals: Vec<u64> = g.iter().map(|x| t.txns[x].arrival).collect();
            assert!(
                arrivals.windows(2).all(|w| w[0] < w[1]),
                "seed {seed}: order"
            );
            let waiting = t.txns.values().filter(|h| !h.granted).count();
            assert_eq!(t.nwaiting, waiting, "seed {seed}");
            let listed = t.waiting.iter().filter(|w| w.1.is_some()).count();
            assert_eq!(listed, waiting, "seed {seed}");
            for (&x, h) in &t.txns {
                assert!(
                    h.granted || !t.grantable(&h.req, x, h.arrival),
                    "seed {seed}: {x} grantable but waiting"
                );
                for (&y, o) in &t.txns {
                    if x == y || !h.granted || !o.granted {
                        continue;
                    }
                    assert!(!h.req.whole && !o.req.whole, "seed {seed}: whole shared");
                    for (k, w) in &h.req.keys {
                        assert!(
                            o.req.keys.iter().all(|(ok, ow)| ok != k || !(w | ow)),
                            "seed {seed}: {x} and {y} share a key"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn a_key_declared_twice_takes_the_stronger_mode() {
    let mut t = LockTable::default();
    assert!(t.acquire(1, req(&[("a", false), ("a", true)])));
    assert!(!t.acquire(2, req(&[("a", false)])));
    let mut g = Vec::new();
    t.release(1, &mut g);
    assert_eq!(g, [2]);
}

#[test]
fn whole_shard_excludes_every_key() {
    let mut t = LockTable::default();
    assert!(t.acquire(1, req(&[("a", true)])));
    let whole = Request {
        keys: Vec::new(),
        whole: true,
    };
    assert!(!t.acquire(2, whole.clone()));
    assert!(!t.acquire(3, req(&[("z", true)])));
    assert!(!t.whole_held());
    let mut g = Vec::new();
    t.release(1, &mut g);
    assert_eq!(g, [2]);
    assert!(t.whole_held());
    assert!(t.blocks(b"anything"));
    g.clear();
    t.release(2, &mut g);
    assert_eq!(g, [3]);
}

#[test]
fn releasing_a_waiting_request_lets_the_next_pass() {
    let mut t = LockTable::default();
    assert!(t.acquire(1, req(&[("a", true)])));
    assert!(!t.acquire(2, req(&[("a", true), ("b", true)])));
    assert!(!t.acquire(3, req(&[("b", true)])));
    let mut g = Vec::new();
    t.release(2, &mut g);
    assert_eq!(g, [3]);
}

/// A transaction's share on one shard: `(shard, [(key, write)])`.
type ShardKeys = (usize, Vec<(usize, bool)>);

/// A tiny deterministic generator for the simulation.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Several shards, each with its lock table; transactions lock their shards
/// in ascending order, one at a time, while messages are delivered in random
/// order. Every transaction finishes (no deadlock), and no two running
/// transactions ever hold a conflicting key.
#[test]
fn ordered_acquisition_never_deadlocks_and_excludes() {
    for seed in 1..=200u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let nshards = 2 + rng.below(3);
        let nkeys = 2 + rng.below(6);
        let ntxns = 10 + rng.below(30);
        let mut tables: Vec<LockTable> = (0..nshards).map(|_| LockTable::default()).collect();
        // Per transaction: (shard, keys) in ascending shard order.
        let mut plans: Vec<Vec<ShardKeys>> = Vec::new();
        let mut wholes = Vec::new();
        for _ in 0..ntxns {
            let mut per: Vec<Vec<(usize, bool)>> = vec![Vec::new(); nshards];
            let whole = rng.below(20) == 0;
            for _ in 0..1 + rng.below(4) {
                let k = rng.below(nkeys);
                // Key k lives on shard k % nshards.
                per[k % nshards].push((k, rng.below(3) == 0));
            }
            let plan: Vec<_> = per
                .into_iter()
                .enumerate()
                .filter(|(_, v)| whole || !v.is_empty())
                .collect();
            plans.push(plan);
            wholes.push(whole);
        }
        // Progress per transaction: next shard index to lock; `granted`
        // waiting for a grant message; done.
        let mut next = vec![0usize; ntxns];
        let mut done = vec![false; ntxns];
        // Messages in flight: Lock(txn, step) or Granted(txn).
        let mut inflight: Vec<(bool, usize)> = (0..ntxns).map(|t| (true, t)).collect();
        let mut running: Vec<usize> = Vec::new();
        let mut steps = 0;
        while done.iter().any(|d| !d) {
            steps += 1;
            assert!(steps < 100_000, "seed {seed}: no progress (deadlock)");
            let choices = inflight.len() + running.len();
            assert!(choices > 0, "seed {seed}: deadlock: nothing in flight");
            let pick = rng.below(choices);
            if pick < inflight.len() {
                let (is_lock, t) = inflight.swap_remove(pick);
                if is_lock {
                    let (s, keys) = &plans[t][next[t]];
                    let r = Request {
                        keys: keys
                            .iter()
                            .map(|(k, w)| (key_id(&k.to_le_bytes()), *w))
                            .collect(),
                        whole: wholes[t],
                    };
                    if tables[*s].acquire(t as TxnId, r) {
                        inflight.push((false, t));
                    }
                } else {
                    next[t] += 1;
                    if next[t] == plans[t].len() {
                        // Running: nobody else running may hold a conflicting key.
                        for &o in &running {
                            for (s, keys) in &plans[t] {
                                for (os, okeys) in &plans[o] {
                                    if s != os {
                                        continue;
                                    }
                                    assert!(
                                        !wholes[t] && !wholes[o],
                                        "seed {seed}: {t} and {o} share a locked shard"
                                    );
                                    for (k, w) in keys {
                                        for (ok, ow) in okeys {
                                            assert!(
                                                k != ok || (!w && !ow),
                                                "seed {seed}: {t} and {o} both hold key {k}"
                                            );
                                        }
                                    }
                                }
                            }
                        }
                        running.push(t);
                    } else {
                        inflight.push((true, t));
                    }
                }
            } else {
                let t = running.swap_remove(pick - inflight.len());
                done[t] = true;
                for (s, _) in &plans[t] {
                    let mut g = Vec::new();
                    tables[*s].release(t as TxnId, &mut g);
                    inflight.extend(g.into_iter().map(|g| (false, g as usize)));
                }
            }
        }
        assert!(tables.iter().all(|t| t.is_empty()));
    }
}

#[test]
fn free_for_says_whether_a_request_would_be_granted_at_once() {
    let mut t = LockTable::default();
    assert!(t.free_for(&req(&[("a", true)])));
    assert!(t.acquire(1, req(&[("a", false)])));
    // Readers share with a reader; a writer of `a` would wait.
    assert!(t.free_for(&req(&[("a", false), ("b", true)])));
    assert!(!t.free_for(&req(&[("b", false), ("a", true)])));
    // A waiting writer makes later readers wait too.
    assert!(!t.acquire(2, req(&[("a", true)])));
    assert!(!t.free_for(&req(&[("a", false)])));
    assert!(t.free_for(&req(&[("c", true)])));
    let whole = Request {
        keys: Vec::new(),
        whole: true,
    };
    assert!(!t.free_for(&whole));
    let mut g = Vec::new();
    t.release(1, &mut g);
    t.release(2, &mut g);
    assert!(t.free_for(&whole));
    assert!(t.acquire(3, whole.clone()));
    assert!(!t.free_for(&req(&[("z", false)])));
}

#[test]
fn the_table_counts_multi_round_requests_until_they_leave() {
    let mut t = LockTable::default();
    let (short, long1, long2) = (1, 2 | LONG_TXN, 3 | LONG_TXN);
    assert!(t.acquire(short, req(&[("a", true)])));
    assert!(!t.long_held());
    // One granted, one waiting behind it: both count.
    assert!(t.acquire(long1, req(&[("b", true)])));
    assert!(!t.acquire(long2, req(&[("b", true)])));
    assert!(t.long_held());
    let mut g = Vec::new();
    t.release(short, &mut g);
    t.release(long1, &mut g);
    assert_eq!(g, [long2]);
    assert!(t.long_held());
    // A release of what is not in the table changes nothing.
    t.release(long1, &mut g);
    assert!(t.long_held());
    t.release(long2, &mut g);
    assert!(!t.long_held());
    assert!(t.is_empty());
}
