//! Client eviction's shared figures (`maxmemory-clients`): the limit's
//! generation, the connections' memory each shard publishes, the biggest
//! evictable connection of each shard, and the replies on their way to
//! another shard's clients.

use std::sync::atomic::{AtomicU64, Ordering};

use super::Settings;

impl Settings {
    /// Asks every shard to evict clients at its next loop iteration (as
    /// Redis evicts at once when `maxmemory-clients` is lowered).
    pub fn evict_clients_now(&self) {
        self.client_limit_gen.fetch_add(1, Ordering::Release);
    }

    /// How many times [`Settings::evict_clients_now`] was asked.
    #[inline]
    pub(crate) fn client_limit_gen(&self) -> u64 {
        self.client_limit_gen.load(Ordering::Acquire)
    }

    /// Takes `bytes` off the connections' memory if it is over `limit`
    /// (a client about to be evicted for it), atomically, so that shards
    /// evicting at the same time stop once the total is under the limit.
    pub(crate) fn claim_client_memory(&self, limit: u64, bytes: u64) -> bool {
        self.client_memory
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |cur| {
                (cur > limit).then(|| cur.saturating_sub(bytes))
            })
            .is_ok()
    }

    /// The memory of every shard's connections, as last published by the
    /// shards (each on its tick while a limit is set).
    pub fn client_memory(&self) -> u64 {
        self.client_memory.load(Ordering::Relaxed)
    }

    /// Reply bytes a shard made for other shards' connections (a peer's
    /// reply batch, a direct reply) that their shards have not filed yet,
    /// while `maxmemory-clients` is set: their clients' memory too, as
    /// Redis counts every reply in its client's buffer, so that neither
    /// shard evicts keys for them first (Redis's maxmemory unit "eviction
    /// due to output buffers of many MGET clients": forwarded MGETs of a
    /// 100 KB value filled ~8 MB of batches, counted nowhere, and 20 keys
    /// went before any client).
    pub fn replies_in_transit(&self) -> u64 {
        self.in_transit.load(Ordering::Relaxed).max(0) as u64
    }

    /// Notes `bytes` more (or fewer) replies in transit.
    pub(crate) fn add_transit(&self, bytes: i64) {
        self.in_transit.fetch_add(bytes, Ordering::Relaxed);
    }

    /// Publishes shard `shard`'s biggest evictable connection (bytes) and
    /// returns the biggest of the other shards' (client eviction closes
    /// the biggest connections of the server first; taken on the tick
    /// only while `maxmemory-clients` is set).
    pub(crate) fn exchange_biggest(&self, shard: usize, size: u64) -> u64 {
        let mut v = match self.biggest.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        if v.len() <= shard {
            v.resize(shard + 1, 0);
        }
        v[shard] = size;
        v.iter()
            .enumerate()
            .filter(|&(i, _)| i != shard)
            .map(|(_, &m)| m)
            .max()
            .unwrap_or(0)
    }

    /// A shard's change of its connections' memory, all and evictable
    /// (`old` to `new`); the new totals.
    pub(crate) fn publish_client_memory(&self, old: (u64, u64), new: (u64, u64)) -> (u64, u64) {
        let add = |a: &AtomicU64, o: u64, n: u64| {
            let d = n.wrapping_sub(o);
            a.fetch_add(d, Ordering::AcqRel).wrapping_add(d)
        };
        (
            add(&self.client_memory, old.0, new.0),
            add(&self.evictable_memory, old.1, new.1),
        )
    }
}
