//! The routing hashes of a one-round operation's keys, carried from
//! declaring its locks to splitting it into parts, so each key is hashed
//! once there instead of twice (~85 instructions a key).
//!
//! [`family::txn::one_round`](crate::family::txn::one_round) keeps the
//! hashes the lock set computed ([`keep`]); the runtime plans the same
//! operation right after, on the same thread (`Commands::plan_isolated`
//! of a one-round operation follows its `isolate` with nothing between),
//! and the crate root lends them to that plan only ([`lend`]), where
//! [`crate::cross::scatter`] takes them ([`take`]) when their count matches
//! its keys. Any other plan finds none and hashes the keys itself.

use std::cell::RefCell;

use kevy_rt::LockSet;

/// Where hashes wait between `keep` and `lend`, and while lent.
struct Carried {
    kept: Vec<u64>,
    /// Lent to the plan running now.
    lent: bool,
}

thread_local! {
    static CARRIED: RefCell<Carried> = const {
        RefCell::new(Carried {
            kept: Vec::new(),
            lent: false,
        })
    };
}

/// Keeps the routing hash of every key `locks` declared, in order.
pub fn keep(locks: &LockSet) {
    CARRIED.with(|c| {
        let mut c = c.borrow_mut();
        c.kept.clear();
        c.kept.extend(locks.routes());
        c.lent = false;
    });
}

/// Runs `plan` with the kept hashes lent to it (for [`take`]), then
/// forgets them.
pub fn lend<T>(plan: impl FnOnce() -> T) -> T {
    CARRIED.with(|c| c.borrow_mut().lent = true);
    let planned = plan();
    CARRIED.with(|c| {
        let mut c = c.borrow_mut();
        c.lent = false;
        c.kept.clear();
    });
    planned
}

/// Calls `f` with the lent hashes when there are exactly `n` of them (then
/// spent), else with `None`.
pub fn take<T>(n: usize, f: impl FnOnce(Option<&[u64]>) -> T) -> T {
    CARRIED.with(|c| {
        let mut c = c.borrow_mut();
        if c.lent && c.kept.len() == n {
            c.lent = false;
            f(Some(&c.kept))
        } else {
            f(None)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_lent_plan_takes_matching_hashes() {
        let mut locks = LockSet::default();
        locks.read(b"a");
        locks.read(b"b");
        keep(&locks);
        // Not lent: nothing.
        assert!(take(2, |r| r.is_none()));
        let got = lend(|| {
            // A count that does not match: nothing, and still lent.
            assert!(take(3, |r| r.is_none()));
            take(2, |r| r.map(<[u64]>::to_vec))
        });
        assert_eq!(got, Some(locks.routes().collect::<Vec<_>>()));
        // Spent, and forgotten after the plan.
        assert!(lend(|| take(2, |r| r.is_none())));
    }
}
