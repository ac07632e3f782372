//! Parking: the vocabulary of blocking commands.
//!
//! A command set marks a keyed or multi-shard command as *blocking*
//! ([`Commands::blocking`](crate::Commands::blocking)), naming the keys it
//! waits on and its deadline ([`Park`]). The runtime then runs it through the
//! blocking arbiter (`shard/park.rs`; ARCHITECTURE.md, "Parking"): served at
//! once from the leftmost ready key, else parked until one of its keys is
//! signalled ready ([`ReadyKeys::signal`]) and can serve it
//! ([`Commands::ready`](crate::Commands::ready),
//! [`Commands::serve`](crate::Commands::serve)), or until its deadline or an
//! explicit unblock ([`Commands::unparked`](crate::Commands::unparked)).
//!
//! Every parked call owns one claim word (`Claim`): whoever moves it out of
//! `ARMING`/`OPEN` first — the owner shard that serves it, or its own shard
//! on timeout, hang-up or unblock — is the only one that acts on it.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet, VecDeque};
use std::rc::Rc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::args::OwnedArgs;

/// What a blocking command declares when it may park.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Park {
    /// How long it may wait; `None` waits forever.
    pub timeout: Option<Duration>,
}

/// Why a parked command ends without being served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unpark {
    /// Its deadline passed (or it was unblocked as if it had).
    Timeout,
    /// It was unblocked with an error (Redis's `CLIENT UNBLOCK … ERROR`).
    Error,
}

/// What a serve did besides writing its reply.
#[derive(Debug)]
pub enum Served {
    /// The reply is written: the call is over.
    Done,
    /// The reply is empty; run these arguments next as the connection's
    /// following command, whose reply stands for the parked call's (a serve
    /// whose effect continues on another shard, e.g. a move whose
    /// destination lives elsewhere).
    Then(OwnedArgs),
}

/// States of a parked call's claim word.
pub(crate) mod claim {
    /// Being armed on several shards: only its own shard may decide.
    pub(crate) const ARMING: u8 = 0;
    /// Parked: the first owner shard able to serve it claims it.
    pub(crate) const OPEN: u8 = 1;
    /// Claimed by a serve.
    pub(crate) const SERVED: u8 = 2;
    /// Ended without a serve (timeout, hang-up, unblock).
    pub(crate) const GONE: u8 = 3;
    /// Added to `SERVED` or `GONE` when the call ended from `OPEN`: it was
    /// parked, and counted blocked.
    pub(crate) const OPENED: u8 = 0x10;
}

/// A parked call's claim word, shared by its shard and its keys' owners.
#[derive(Clone, Debug, Default)]
pub(crate) struct Claim(Arc<AtomicU8>);

impl Claim {
    /// Moves the word from `from` to `to`; true if this call did it.
    #[inline]
    pub(crate) fn take(&self, from: u8, to: u8) -> bool {
        self.0
            .compare_exchange(from, to, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// Ends the call from any live state; true if this call did it.
    pub(crate) fn end(&self, to: u8) -> bool {
        self.take(claim::ARMING, to) || self.take(claim::OPEN, to | claim::OPENED)
    }

    /// The call ended after it was open (it had been counted blocked).
    pub(crate) fn was_open(&self) -> bool {
        self.state() & claim::OPENED != 0
    }

    /// The current state.
    #[inline]
    pub(crate) fn state(&self) -> u8 {
        self.0.load(Ordering::Acquire)
    }
}

/// A key in a keyspace ([`Commands::keyspace`](crate::Commands::keyspace):
/// a database, say).
pub(crate) type SpaceKey = (u32, Vec<u8>);

/// The keys of one shard that parked calls wait on, and those signalled
/// ready since the shard last served its waiters.
#[derive(Debug, Default)]
pub(crate) struct Waits {
    /// Per key name, the calls waiting on it (id, keyspace), oldest first:
    /// one name's waiters of every keyspace, in one FIFO, so a signal
    /// looks the name up without building a key.
    pub(crate) waiting: HashMap<Vec<u8>, VecDeque<(u64, u32)>>,
    /// Keys signalled ready, in signal order, each once.
    pub(crate) queue: VecDeque<SpaceKey>,
    queued: HashSet<SpaceKey>,
}

/// Puts waiter `w` (come at `since`) into a key's FIFO after every waiter
/// that came no later (`since_of`; one unknown counts as older): a call
/// whose arming had to cross shards keeps its place before one that came
/// after it on the key's own shard.
pub(crate) fn enqueue(
    fifo: &mut VecDeque<(u64, u32)>,
    w: (u64, u32),
    since: std::time::Instant,
    since_of: impl Fn(u64) -> Option<std::time::Instant>,
) {
    let at = fifo
        .iter()
        .rposition(|&(x, _)| since_of(x).is_none_or(|s| s <= since))
        .map_or(0, |p| p + 1);
    fifo.insert(at, w);
}

impl Waits {
    /// Queues `key` of keyspace `space` as ready (once until it is taken).
    pub(crate) fn mark(&mut self, space: u32, key: &[u8]) {
        let k = (space, key.to_vec());
        if !self.queued.contains(&k) {
            self.queued.insert(k.clone());
            self.queue.push_back(k);
        }
    }

    /// Takes the oldest key signalled ready.
    pub(crate) fn next(&mut self) -> Option<SpaceKey> {
        let k = self.queue.pop_front()?;
        self.queued.remove(&k);
        Some(k)
    }

    /// True when a call of keyspace `space` waits on `key`.
    fn waits(&self, space: u32, key: &[u8]) -> bool {
        self.waiting
            .get(key)
            .is_some_and(|f| f.iter().any(|&(_, s)| s == space))
    }
}

/// A shard's ready-key signal, handed to its command set in
/// [`ShardInfo`](crate::ShardInfo): every write that may make a key able to
/// serve a parked call (a key created, a collection filled) calls
/// [`ReadyKeys::signal`]. Signals for keys nobody waits on cost one test of
/// an empty table. The runtime serves the signalled keys' waiters after the
/// whole command (or transaction) that signalled them, again until no new
/// key is signalled. Cloning gives another handle to the same signal; it
/// stays on its shard's thread.
#[derive(Clone, Debug, Default)]
pub struct ReadyKeys {
    pub(crate) waits: Rc<RefCell<Waits>>,
}

impl ReadyKeys {
    /// A new signal with no waiters (what
    /// [`ShardInfo::new`](crate::ShardInfo::new) gives a shard outside a
    /// runtime).
    pub fn new() -> ReadyKeys {
        ReadyKeys::default()
    }

    /// Key `key` of keyspace 0 may now serve a parked call (it was created
    /// or filled): [`ReadyKeys::signal_in`] for a command set with one
    /// keyspace.
    #[inline]
    pub fn signal(&self, key: &[u8]) {
        self.signal_in(0, key);
    }

    /// Key `key` of keyspace `space` may now serve a parked call: only
    /// calls waiting on that key in that keyspace are woken.
    #[inline]
    pub fn signal_in(&self, space: u32, key: &[u8]) {
        let mut w = self.waits.borrow_mut();
        if !w.waiting.is_empty() && w.waits(space, key) {
            w.mark(space, key);
        }
    }

    /// Every key some parked call waits on here may serve it now (the
    /// keyspaces changed wholesale, e.g. two databases swapped).
    pub fn signal_all(&self) {
        let mut w = self.waits.borrow_mut();
        let keys: Vec<SpaceKey> = w
            .waiting
            .iter()
            .flat_map(|(k, f)| f.iter().map(|&(_, s)| (s, k.clone())))
            .collect();
        for (s, k) in keys {
            w.mark(s, &k);
        }
    }

    /// True when some parked call waits on a key of this shard.
    #[inline]
    pub fn any_waiting(&self) -> bool {
        !self.waits.borrow().waiting.is_empty()
    }

    /// True when signalled keys wait to be served.
    #[inline]
    pub(crate) fn pending(&self) -> bool {
        !self.waits.borrow().queue.is_empty()
    }
}

#[cfg(test)]
mod tests;
