//! The replication backlog (Redis's `repl_backlog`): the last
//! `repl-backlog-size` bytes of the primary's stream, so that a replica
//! that lost its link, or a primary turned replica by a `FAILOVER`, picks
//! the stream up where it left it (`PSYNC <replid> <offset>` answered
//! `+CONTINUE`) instead of loading a whole snapshot again.
//!
//! The stream here is the primary's own copy ([`Canon`]): every hand-over
//! and ping in the order the replica list's mutex serialises them, with a
//! `SELECT` wherever the database changes. Its length is
//! `master_repl_offset`. A replica's own stream is the same bytes from
//! the moment its snapshot is complete (`Replicas::start` aligns its
//! selected database and its offset with this one's).

use std::sync::atomic::Ordering;

use kevy_rt::ConnHandle;

use super::{canon, lock};
use crate::aof::feed::select;

/// A ring of the stream's last bytes, allocated as it fills.
#[derive(Debug)]
pub struct Backlog {
    /// Up to `size` bytes: in order while not full, then a ring.
    buf: Vec<u8>,
    size: usize,
    /// Where the next byte goes once full.
    head: usize,
}

impl Backlog {
    /// An empty backlog of `size` bytes (at least 1).
    pub fn new(size: usize) -> Backlog {
        Backlog {
            buf: Vec::new(),
            size: size.max(1),
            head: 0,
        }
    }

    /// Its size (`repl_backlog_size`).
    pub fn size(&self) -> usize {
        self.size
    }

    /// Bytes held (`repl_backlog_histlen`).
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// True when it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Appends `b`, dropping the oldest bytes past its size.
    pub fn append(&mut self, mut b: &[u8]) {
        let size = self.size;
        if b.len() >= size {
            self.buf.clear();
            self.buf.extend_from_slice(&b[b.len() - size..]);
            self.head = 0;
            return;
        }
        if self.buf.len() < size {
            let take = (size - self.buf.len()).min(b.len());
            self.buf.extend_from_slice(&b[..take]);
            b = &b[take..];
            self.head = 0;
        }
        let first = (size - self.head).min(b.len());
        self.buf[self.head..self.head + first].copy_from_slice(&b[..first]);
        self.buf[..b.len() - first].copy_from_slice(&b[first..]);
        self.head = (self.head + b.len()) % size;
    }

    /// The bytes held after the first `skip` of them.
    pub fn since(&self, skip: usize) -> Vec<u8> {
        let len = self.buf.len();
        let n = len.saturating_sub(skip);
        // The oldest byte is at `head` once full (`head` is 0 before).
        let start = (self.head + len - n) % len.max(1);
        let mut out = Vec::with_capacity(n);
        let first = (len - start).min(n);
        out.extend_from_slice(&self.buf[start..start + first]);
        out.extend_from_slice(&self.buf[..n - first]);
        out
    }
}

/// The primary's own copy of its stream: its selected database and the
/// backlog, kept under the replica list's mutex.
#[derive(Debug, Default)]
pub struct Canon {
    /// The database the stream has selected (`None`: the next command
    /// starts with a `SELECT`).
    pub db: Option<u32>,
    /// The backlog, from the first replica's attachment on.
    pub backlog: Option<Backlog>,
    /// Unix ms when the last replica left (0: one is attached, or none
    /// ever was): the backlog is freed `repl-backlog-ttl` seconds later.
    pub alone_since: u64,
}

impl Canon {
    /// Adds a fragment's bytes run from database `first` to `last`;
    /// returns how many bytes the stream grew by.
    pub fn feed(&mut self, first: u32, last: u32, bytes: &[u8]) -> usize {
        let mut sel = Vec::new();
        if self.db != Some(first) {
            select(&mut sel, first);
        }
        self.db = Some(last);
        if let Some(b) = self.backlog.as_mut() {
            b.append(&sel);
            b.append(bytes);
        }
        sel.len() + bytes.len()
    }

    /// Adds a command run in no database (a ping): its length.
    pub fn command(&mut self, cmd: &[u8]) -> usize {
        if let Some(b) = self.backlog.as_mut() {
            b.append(cmd);
        }
        cmd.len()
    }
}

/// The backlog's side of the replica list: keeping and freeing it, the
/// partial resynchronizations it serves, and promotion.
impl super::Replicas {
    /// Keeps a backlog of `size` bytes from now on, if none is kept (a
    /// replica is about to attach, or this server became a primary).
    pub fn keep_backlog(&self, size: usize) {
        let mut c = canon(&self.canon);
        if c.backlog.is_none() {
            c.backlog = Some(Backlog::new(size));
            self.backlogged.store(true, Ordering::Release);
        }
    }

    /// True while shards must hand their commands over: a replica is
    /// attached or a backlog is kept (one relaxed load each).
    #[inline]
    pub fn feeding(&self) -> bool {
        self.active() || self.backlogged.load(Ordering::Relaxed)
    }

    /// `PSYNC`'s partial resynchronization (Redis's
    /// `masterTryPartialResynchronization`, the id already checked):
    /// when the backlog holds the stream from offset `from` on, client
    /// `id` is attached as an online replica and gets the bytes to send
    /// after `+CONTINUE`; `None` when it must resync fully (counted as a
    /// refused partial one).
    pub fn try_continue(
        &self,
        id: u64,
        conn: ConnHandle,
        ip: String,
        nshards: usize,
        from: u64,
    ) -> Option<Vec<u8>> {
        let mut list = lock(&self.list);
        let bytes = {
            let c = canon(&self.canon);
            let held = c.backlog.as_ref().map(|b| {
                let first = self.offset() + 1 - b.len() as u64;
                (from >= first && from <= self.offset() + 1)
                    .then(|| b.since((from - first) as usize))
            });
            held.flatten().map(|bytes| (bytes, c.db))
        };
        let Some((bytes, db)) = bytes else {
            self.syncs[2].fetch_add(1, Ordering::Relaxed);
            return None;
        };
        self.syncs[1].fetch_add(1, Ordering::Relaxed);
        self.attach(&mut list, id, conn, ip, vec![true; nshards], db);
        Some(bytes)
    }

    /// Counts a partial resynchronization refused before the backlog was
    /// looked at (another replication id).
    pub fn refused_partial(&self) {
        self.syncs[2].fetch_add(1, Ordering::Relaxed);
    }

    /// `sync_full`, `sync_partial_ok`, `sync_partial_err`.
    pub fn sync_counts(&self) -> [u64; 3] {
        self.syncs.each_ref().map(|c| c.load(Ordering::Relaxed))
    }

    /// `repl_backlog_active`, `repl_backlog_size`,
    /// `repl_backlog_first_byte_offset`, `repl_backlog_histlen`.
    pub fn backlog_info(&self) -> Option<(usize, u64, usize)> {
        let c = canon(&self.canon);
        c.backlog
            .as_ref()
            .map(|b| (b.size(), self.offset() + 1 - b.len() as u64, b.len()))
    }

    /// The offset the `+FULLRESYNC` of replica `id` names (see
    /// [`super::Replicas::start`]).
    pub fn synced_offset(&self, id: u64) -> Option<u64> {
        lock(&self.list)
            .iter()
            .find(|r| r.id == id)
            .and_then(|r| r.synced_at)
    }

    /// This server became a primary at stream offset `offset` (what it
    /// applied as a replica): its own stream goes on from there, with a
    /// backlog of `size` bytes, its next command after a `SELECT`.
    ///
    /// The backlog is kept only when every one of the `nshards` shards
    /// logs its commands already (a replica's shards do from their first
    /// tick on): else a write run before its shard turned logging on would
    /// be missing from it, so none is kept until a replica attaches.
    pub fn promote(&self, offset: u64, size: usize, nshards: usize) {
        let all = if nshards >= 64 {
            u64::MAX
        } else {
            (1u64 << nshards) - 1
        };
        let whole = nshards <= 64 && self.propagating.load(Ordering::Acquire) & all == all;
        let _list = lock(&self.list);
        let mut c = canon(&self.canon);
        c.db = None;
        c.backlog = whole.then(|| Backlog::new(size));
        self.backlogged.store(whole, Ordering::Release);
        self.offset.store(offset, Ordering::Release);
    }

    /// Closes every replica's connection (Redis's `disconnectSlaves`):
    /// when this server starts or stops following a primary, its replicas
    /// sync again, learning its new replication id (partially, where the
    /// backlog allows).
    pub fn disconnect_all(&self, outbox: &kevy_rt::Outbox) {
        if self.active() {
            for r in lock(&self.list).iter() {
                outbox.disconnect(r.conn);
            }
        }
    }

    /// Has the next tick disconnect every replica (from a thread with no
    /// shard at hand: a failover given up by the link).
    pub fn doom_all(&self) {
        self.doomed.store(true, Ordering::Release);
    }

    /// True once after [`super::Replicas::doom_all`].
    pub fn take_doomed(&self) -> bool {
        self.doomed.load(Ordering::Relaxed) && self.doomed.swap(false, Ordering::AcqRel)
    }

    /// Shard `shard` logs its commands for the stream (`on`) or not.
    pub fn note_propagating(&self, shard: usize, on: bool) {
        if shard < 64 {
            let bit = 1u64 << shard;
            if on {
                self.propagating.fetch_or(bit, Ordering::AcqRel);
            } else {
                self.propagating.fetch_and(!bit, Ordering::AcqRel);
            }
        }
    }

    /// Frees the backlog once no replica has been attached for `ttl_s`
    /// seconds (0: never), at `now_ms`: true when it was freed (Redis then
    /// takes a new replication id).
    pub fn expire_backlog(&self, now_ms: u64, ttl_s: u64) -> bool {
        if self.active() || ttl_s == 0 || !self.backlogged.load(Ordering::Relaxed) {
            return false;
        }
        let _list = lock(&self.list);
        let mut c = canon(&self.canon);
        if c.alone_since == 0 {
            c.alone_since = now_ms;
            return false;
        }
        if now_ms.saturating_sub(c.alone_since) < ttl_s.saturating_mul(1000) {
            return false;
        }
        c.backlog = None;
        c.alone_since = 0;
        self.backlogged.store(false, Ordering::Release);
        true
    }
}

#[cfg(test)]
mod tests;
