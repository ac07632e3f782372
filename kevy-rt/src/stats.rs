//! What a runtime counts: each shard's [`ShardStats`] (published as relaxed
//! atomics) and the runtime's [`Stats`], one per shard. Vocabulary shared by
//! the trait module (a shard's state may keep its counters, for `INFO`), the
//! shards that write them and the runtime that hands them out.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Counters one shard publishes (relaxed atomics, written off the per-command path
/// or once per tick).
#[derive(Debug, Default)]
pub struct ShardStats {
    /// Connections accepted since start.
    pub accepted: AtomicU64,
    /// Connections open now.
    pub connected: AtomicU64,
    /// Commands run on this shard (published every tick).
    pub commands: AtomicU64,
    /// Wake-up syscalls this shard made to parked peers.
    pub wakeups: AtomicU64,
    /// Loop iterations that parked in the kernel (published every tick).
    pub parks: AtomicU64,
    /// Connections that moved here from another shard (their keys live
    /// here; see [`Builder::move_after`](crate::Builder::move_after)).
    pub moved_in: AtomicU64,
    /// Connections refused because `maxclients` were open.
    pub rejected: AtomicU64,
    /// Connections closed because all connections together used more than
    /// `maxmemory-clients` (only this shard writes it).
    pub evicted_clients: AtomicU64,
    /// Bytes read from client sockets (only this shard writes it: a load
    /// and a store per read, no locked instruction).
    pub net_input: AtomicU64,
    /// Bytes written to client sockets (as `net_input`).
    pub net_output: AtomicU64,
}

impl ShardStats {
    /// Adds `n` to a counter only the calling shard writes.
    #[inline]
    pub(crate) fn add_own(counter: &AtomicU64, n: usize) {
        counter.store(
            counter.load(Ordering::Relaxed).wrapping_add(n as u64),
            Ordering::Relaxed,
        );
    }
}

/// Per-shard counters of a runtime.
#[derive(Clone)]
pub struct Stats(pub(crate) Vec<Arc<ShardStats>>);

impl Stats {
    /// Counters of each shard, indexed by shard.
    pub fn shards(&self) -> &[Arc<ShardStats>] {
        &self.0
    }

    /// Connections accepted by each shard.
    pub fn accepted(&self) -> Vec<u64> {
        self.each(|s| &s.accepted)
    }

    /// Connections that moved to each shard.
    pub fn moved_in(&self) -> Vec<u64> {
        self.each(|s| &s.moved_in)
    }

    /// Connections open on each shard.
    pub fn connected(&self) -> Vec<u64> {
        self.each(|s| &s.connected)
    }

    fn each(&self, counter: impl Fn(&ShardStats) -> &AtomicU64) -> Vec<u64> {
        self.0
            .iter()
            .map(|s| counter(s).load(Ordering::Relaxed))
            .collect()
    }
}
