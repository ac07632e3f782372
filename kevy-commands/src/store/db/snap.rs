//! Incremental snapshots: a database encoded as RDB key–value pairs in
//! slices, between which its shard keeps serving commands, yet exactly as
//! it was when the snapshot began (a background save's cut).
//!
//! Each node carries a mark bit ([`Node::mark`](super::node::Node)). The
//! database keeps a *parity*: with no snapshot running every node's mark
//! equals it (new nodes are made with it). [`Db::begin_snapshot`] flips the
//! parity, so every node present at the cut is *untaken*. A node is taken —
//! encoded as it is, its mark set to the parity — either by a slice
//! ([`Db::snapshot_step`], walking the buckets from a cursor) or, before
//! anything changes it, by the copy-on-write hook [`Db::cow`], which every
//! access that can change or remove a node calls first (`get`, `set`,
//! removal, expiry, deadline changes, `clear`). A node made after the cut
//! is born taken and never encoded. The snapshot is complete once as many
//! nodes were taken as the database held at the cut; a slice that reaches
//! the end of the table before that (a rehash moved untaken nodes behind
//! the cursor) starts again from bucket 0, skipping taken nodes.
//!
//! A snapshot encodes either as RDB key–value pairs (a background save, an
//! AOF rewrite with `aof-use-rdb-preamble yes`) or as the commands that
//! recreate each key (an AOF rewrite's RESP base, [`crate::persist::resp`]).
//!
//! Extra memory: the encoded pairs (about the file's share of this
//! database), no copy of any value.

use super::node::Node;
use super::{Db, NO_TTL, TICKS_PER_SECOND};
use crate::persist::rdb::chunk::{AccessData, DbChunk};
use crate::persist::rdb::write::{Meta, Writer};
use crate::persist::resp;
use crate::store::lfu;

/// How a snapshot encodes the keys it takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SnapFormat {
    /// RDB key–value pairs (`rdbSaveKeyValuePair` each).
    Rdb,
    /// Commands recreating each key (a RESP AOF base).
    Resp,
}

/// A snapshot in progress (boxed in its [`Db`]).
pub(crate) struct Snap {
    /// The database's number at the cut (SWAPDB may move it later).
    index: usize,
    /// Nodes at the cut, and of those, taken so far.
    total: usize,
    taken: usize,
    /// The next bucket a slice looks at.
    cursor: usize,
    access: AccessData,
    writer: Writer,
    format: SnapFormat,
    /// `rdb-key-save-delay`: microseconds between two keys a slice takes
    /// (a test setting Redis's suite uses to watch a save in progress).
    delay_us: u64,
    /// When a paced slice may take its next key.
    next_at: std::time::Instant,
    keys: u64,
    expires: u64,
    /// Taking a node only marks it: the snapshot was given up
    /// ([`Db::discard_snapshot`]).
    discard: bool,
}

impl Db {
    /// Starts a snapshot of this database, number `index`, as it is now,
    /// encoded with `compress` and `access` as
    /// [`crate::persist::rdb::file::encode_dbs`] would, or as commands
    /// (`format`); `delay_us` paces the slices (`rdb-key-save-delay`).
    /// A snapshot still running is completed and dropped first (callers
    /// run one at a time: `Persist::claim`).
    pub fn begin_snapshot(
        &mut self,
        index: usize,
        format: SnapFormat,
        compress: bool,
        access: AccessData,
        delay_us: u64,
    ) {
        if self.snap.is_some() {
            self.finish_snapshot_now();
            self.snap = None;
        }
        self.parity = !self.parity;
        let mut writer = Writer::new(compress);
        writer.plain_from = self.enc().list_packed;
        self.snap = Some(Box::new(Snap {
            index,
            total: self.table.len(),
            taken: 0,
            cursor: 0,
            access,
            writer,
            format,
            delay_us,
            next_at: std::time::Instant::now(),
            keys: 0,
            expires: 0,
            discard: false,
        }));
    }

    /// True while a snapshot is running or waits to be taken.
    pub fn snapshot_running(&self) -> bool {
        self.snap.is_some()
    }

    /// Encodes the untaken nodes of up to `budget` buckets; true when the
    /// snapshot is complete (or none runs). Under `rdb-key-save-delay` a
    /// step takes one key at most, and none before the delay since the
    /// last one has passed (the shard never sleeps: Redis sleeps in its
    /// fork child).
    pub fn snapshot_step(&mut self, budget: usize) -> bool {
        let Some(s) = self.snap.as_deref() else {
            return true;
        };
        let mut cursor = s.cursor;
        let mut left = budget.max(1);
        let paced = s.delay_us > 0;
        if paced && s.taken < s.total && std::time::Instant::now() < s.next_at {
            return false;
        }
        let before = s.taken;
        loop {
            let Some(s) = self.snap.as_deref() else {
                return true;
            };
            if s.taken >= s.total {
                return true;
            }
            if left == 0 || (paced && s.taken > before) {
                break;
            }
            let n = self.table.num_buckets();
            if cursor >= n {
                cursor = 0;
            }
            let end = if paced {
                cursor + 1
            } else {
                (cursor + left).min(n)
            };
            for idx in cursor..end {
                self.cow(idx);
            }
            left -= end - cursor;
            cursor = end;
        }
        if let Some(s) = self.snap.as_deref_mut() {
            s.cursor = cursor;
            if paced {
                s.next_at =
                    std::time::Instant::now() + std::time::Duration::from_micros(s.delay_us);
            }
        }
        false
    }

    /// Gives up the running snapshot: what it encoded is freed, and its
    /// remaining slices only mark nodes taken, unpaced, so that every mark
    /// comes back to the parity; [`Db::take_snapshot`] then yields nothing.
    pub fn discard_snapshot(&mut self) {
        if let Some(s) = self.snap.as_deref_mut() {
            s.discard = true;
            s.delay_us = 0;
            s.writer.out = Vec::new();
            s.keys = 0;
        }
    }

    /// Completes a running snapshot in one go (before the whole database
    /// goes: FLUSHDB, FLUSHALL, a load).
    pub fn finish_snapshot_now(&mut self) {
        if let Some(s) = self.snap.as_deref_mut() {
            s.delay_us = 0;
        }
        while !self.snapshot_step(1 << 16) {}
    }

    /// The complete snapshot's encoded pairs, once [`Db::snapshot_step`]
    /// said it is complete; `None` otherwise (or when it holds no key).
    pub fn take_snapshot(&mut self) -> Option<DbChunk> {
        if self.snap.as_deref().is_none_or(|s| s.taken < s.total) {
            return None;
        }
        let s = self.snap.take()?;
        (s.keys > 0).then_some(DbChunk {
            db: s.index,
            keys: s.keys,
            expires: s.expires,
            bytes: s.writer.out,
        })
    }

    /// The copy-on-write hook: when a snapshot runs and the node in bucket
    /// `idx` is untaken, encodes it as it is now (its state at the cut,
    /// since nothing changed it before this call) and marks it taken. Every
    /// access that may change or remove a node calls this first.
    #[inline]
    pub(super) fn cow(&mut self, idx: usize) {
        if self.snap.is_some() {
            self.take_node(idx);
        }
    }

    #[inline(never)]
    fn take_node(&mut self, idx: usize) {
        let parity = self.parity;
        let Some(e) = self.table.get_bucket_mut(idx) else {
            return;
        };
        if e.mark() == parity {
            return;
        }
        e.set_mark(parity);
        let e: &Node = e;
        let Some(s) = self.snap.as_deref_mut() else {
            return;
        };
        s.taken += 1;
        if s.discard {
            return;
        }
        let at = match e.vidx() {
            NO_TTL => None,
            v => self.volatile.get(v as usize).map(|v| v.at),
        };
        let idle = (s.access == AccessData::Lru)
            .then(|| (self.lru_clock.wrapping_sub(e.lru()) / TICKS_PER_SECOND) as u64);
        let freq = (s.access == AccessData::Lfu).then(|| {
            let (_, decay) = self.limits.lfu_params();
            lfu::decayed(e.lfu(), lfu::minutes(self.lru_clock), decay).min(255) as u8
        });
        s.keys += 1;
        s.expires += at.is_some() as u64;
        match s.format {
            SnapFormat::Rdb => s.writer.pair(
                e.key(),
                e.value(),
                Meta {
                    expire: at,
                    idle,
                    freq,
                },
            ),
            SnapFormat::Resp => resp::write_key(&mut s.writer.out, e.key(), e.value(), at),
        }
    }
}

#[cfg(test)]
mod tests;
