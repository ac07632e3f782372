//! A history checker for the bank workload (reused by later isolation
//! tests): every operation is recorded with its result, then the history is
//! checked for what a serializable execution guarantees.
//!
//! - *No read sees a partial transaction*: every snapshot of all balances
//!   sums to the constant total, and each balance it shows is one the account
//!   really held (its initial value or the result of a recorded update).
//! - *No lost update*: per account, the updates' transitions `before → after`
//!   (`after` is the value DECRBY/INCRBY returned) chain from the initial
//!   balance to the final one, each used once — the degree conditions of an
//!   Eulerian path over balances: two updates reading the same `before` with
//!   only one write producing it would break them.
//! - The final balances are the initial ones plus every acknowledged transfer.

use std::collections::{HashMap, HashSet};

/// One acknowledged transfer: `amount` from `from` to `to`, with the
/// balances each update returned.
#[derive(Clone, Copy, Debug)]
pub struct Transfer {
    pub from: usize,
    pub to: usize,
    pub amount: i64,
    pub from_after: i64,
    pub to_after: i64,
}

/// A recorded run of the bank workload.
#[derive(Debug, Default)]
pub struct History {
    pub initial: Vec<i64>,
    pub transfers: Vec<Transfer>,
    /// Snapshots of every balance, as readers saw them.
    pub reads: Vec<Vec<i64>>,
    pub fin: Vec<i64>,
}

impl History {
    /// Checks the history; the first violation found, if any.
    pub fn check(&self) -> Result<(), String> {
        let n = self.initial.len();
        let total: i64 = self.initial.iter().sum();
        // Per account: (before, after) of every update.
        let mut edges: Vec<Vec<(i64, i64)>> = vec![Vec::new(); n];
        for t in &self.transfers {
            edges[t.from].push((t.from_after + t.amount, t.from_after));
            edges[t.to].push((t.to_after - t.amount, t.to_after));
        }
        let held: Vec<HashSet<i64>> = (0..n)
            .map(|a| {
                let mut s: HashSet<i64> = edges[a].iter().map(|e| e.1).collect();
                s.insert(self.initial[a]);
                s
            })
            .collect();
        for (r, snap) in self.reads.iter().enumerate() {
            let sum: i64 = snap.iter().sum();
            if sum != total {
                return Err(format!(
                    "read {r} sums to {sum}, not {total}: a partial transaction"
                ));
            }
            for (a, v) in snap.iter().enumerate() {
                if !held[a].contains(v) {
                    return Err(format!(
                        "read {r}: account {a} = {v}, a balance it never held"
                    ));
                }
            }
        }
        for (a, edges) in edges.iter().enumerate() {
            let net: i64 = edges.iter().map(|(b, e)| e - b).sum();
            if self.initial[a] + net != self.fin[a] {
                return Err(format!(
                    "account {a}: {} + {net} != final {}",
                    self.initial[a], self.fin[a]
                ));
            }
            // Degree balance: out(v) - in(v) is +1 at the initial balance,
            // -1 at the final one, 0 elsewhere.
            let mut deg: HashMap<i64, i64> = HashMap::new();
            for &(b, e) in edges {
                *deg.entry(b).or_default() += 1;
                *deg.entry(e).or_default() -= 1;
            }
            *deg.entry(self.initial[a]).or_default() -= 1;
            *deg.entry(self.fin[a]).or_default() += 1;
            if let Some((v, d)) = deg.iter().find(|(_, d)| **d != 0) {
                return Err(format!(
                    "account {a}: balance {v} read {d:+} more times than written (a lost update)"
                ));
            }
        }
        Ok(())
    }
}

#[test]
fn the_checker_finds_partial_reads_and_lost_updates() {
    let good = History {
        initial: vec![10, 10],
        transfers: vec![
            Transfer {
                from: 0,
                to: 1,
                amount: 3,
                from_after: 7,
                to_after: 13,
            },
            Transfer {
                from: 1,
                to: 0,
                amount: 5,
                from_after: 8,
                to_after: 12,
            },
        ],
        reads: vec![vec![10, 10], vec![7, 13], vec![12, 8]],
        fin: vec![12, 8],
    };
    assert_eq!(good.check(), Ok(()));
    let partial = History {
        reads: vec![vec![7, 10]],
        ..clone(&good)
    };
    assert!(partial.check().unwrap_err().contains("partial"));
    // Two updates of account 0 both read 10: one was lost.
    let lost = History {
        transfers: vec![
            Transfer {
                from: 0,
                to: 1,
                amount: 3,
                from_after: 7,
                to_after: 13,
            },
            Transfer {
                from: 0,
                to: 1,
                amount: 2,
                from_after: 8,
                to_after: 15,
            },
        ],
        reads: Vec::new(),
        fin: vec![5, 15],
        ..clone(&good)
    };
    assert!(lost.check().is_err());
}

fn clone(h: &History) -> History {
    History {
        initial: h.initial.clone(),
        transfers: h.transfers.clone(),
        reads: h.reads.clone(),
        fin: h.fin.clone(),
    }
}
