//! Unit tests of `lock::queues`: the table against a model (a map of
//! entry lists) under random entries and departures, with colliding ids.
use std::collections::HashMap;

use super::*;

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// Key ids of which many share their low bits (long probe runs, shifts
/// across the end of the slots), and 0 (stored as 1, as is 1).
fn key(i: usize) -> KeyId {
    match i % 3 {
        0 => (i as u64) << 40,
        1 => i as u64,
        _ => (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
    }
}

#[test]
fn queues_agree_with_a_model() {
    for seed in 1..=50u64 {
        let mut rng = Rng(seed.wrapping_mul(0x2545_F491_4F6C_DD1D));
        let mut q = Queues::default();
        let mut model: HashMap<KeyId, Vec<Entry>> = HashMap::new();
        let nkeys = 1 + rng.below(200);
        let mut txn = 0;
        for step in 0..3_000 {
            let k = key(rng.below(nkeys));
            let entries = model.entry(stored(k)).or_default();
            if entries.is_empty() || rng.below(2) == 0 {
                txn += 1;
                let e = Entry {
                    txn,
                    arrival: txn,
                    write: rng.below(2) == 0,
                };
                let admits = entries.is_empty() || (!e.write && entries.iter().all(|x| !x.write));
                assert_eq!(q.enter(k, e), admits, "seed {seed} step {step}");
                entries.push(e);
            } else {
                let at = rng.below(entries.len());
                let gone = entries.remove(at);
                let mut cand = Vec::new();
                q.leave(k, gone, Some(&mut cand));
                let mut want = Vec::new();
                if let Some(head) = entries.first() {
                    if head.write {
                        want.push(head.txn);
                    } else if gone.write {
                        want.extend(entries.iter().take_while(|e| !e.write).map(|e| e.txn));
                    }
                }
                assert_eq!(cand, want, "seed {seed} step {step}: candidates");
            }
            if step % 97 == 0 {
                model.retain(|_, v| !v.is_empty());
                assert_eq!(q.len(), model.len(), "seed {seed} step {step}");
                for (&k, v) in &model {
                    let got: Vec<(TxnId, bool)> = q
                        .get(k)
                        .map(|x| x.iter().map(|e| (e.txn, e.write)).collect())
                        .unwrap_or_default();
                    let want: Vec<(TxnId, bool)> = v.iter().map(|e| (e.txn, e.write)).collect();
                    assert_eq!(got, want, "seed {seed} step {step}: key {k}");
                }
            }
        }
        // Everything leaves: the table is empty, and finds nothing.
        for (k, v) in model {
            for e in v {
                q.leave(k, e, None);
            }
            assert!(q.get(k).is_none(), "seed {seed}");
        }
        assert_eq!(q.len(), 0, "seed {seed}");
    }
}

/// The entry of request `txn` (arriving as `txn`).
fn entry(txn: u64, write: bool) -> Entry {
    Entry {
        txn,
        arrival: txn,
        write,
    }
}

/// Key `k` of a burst, spread over the table as lock ids are.
fn burst_key(k: u64) -> KeyId {
    k.wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// Queues requests 1..=`n`, each on its own key.
fn fill(q: &mut Queues, n: u64, write: bool) {
    for k in 1..=n {
        q.enter(burst_key(k), entry(k, write));
    }
}

/// Takes [`fill`]'s requests out again.
fn drain(q: &mut Queues, n: u64, write: bool) {
    for k in 1..=n {
        q.leave(burst_key(k), entry(k, write), None);
    }
}

#[test]
fn an_emptied_big_table_gives_its_slots_back() {
    let mut q = Queues::default();
    fill(&mut q, 10_000, true);
    assert!(q.capacity() >= 20_000);
    q.shrink_if_empty();
    assert!(q.capacity() >= 20_000, "not empty yet");
    drain(&mut q, 10_000, true);
    q.shrink_if_empty();
    assert_eq!(q.capacity(), KEEP_SLOTS.max(32_768));
    // The next, smaller burst lets the rest go.
    fill(&mut q, 1, true);
    drain(&mut q, 1, true);
    q.shrink_if_empty();
    assert_eq!(q.capacity(), KEEP_SLOTS);
    // A small one keeps its slots.
    let mut small = Queues::default();
    fill(&mut small, 1, true);
    drain(&mut small, 1, true);
    small.shrink_if_empty();
    assert_eq!(small.capacity(), INITIAL);
}

#[test]
fn a_table_sized_for_its_bursts_keeps_its_slots() {
    let mut q = Queues::default();
    for _ in 0..3 {
        fill(&mut q, 3_000, false);
        assert_eq!(q.capacity(), 8192);
        drain(&mut q, 3_000, false);
        q.shrink_if_empty();
        assert_eq!(q.capacity(), 8192, "kept for the next burst");
    }
}

#[test]
fn a_giant_burst_gives_everything_back() {
    let mut q = Queues::default();
    fill(&mut q, 40_000, true);
    assert!(q.capacity() > KEEP_MAX);
    drain(&mut q, 40_000, true);
    q.shrink_if_empty();
    assert_eq!(q.capacity(), 0);
}
