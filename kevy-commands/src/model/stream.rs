//! Streams (Redis's `t_stream.c`): an append-only log of entries keyed by
//! [`StreamId`], and its consumer groups ([`group`]).
//!
//! The log ([`Log`]) is an ordered index (a deque sorted by master ID,
//! searched by bisection, where Redis has a radix tree: appends go to the
//! back and trims take from the front, and a one-node stream costs one
//! small block where a `BTreeMap` leaf would cost 600 bytes) of packed
//! [`node::Node`]s of up
//! to `stream-node-max-entries` entries and `stream-node-max-bytes` bytes
//! (measured as Redis's listpack would be), IDs delta-encoded against the
//! master ID and fields omitted when they repeat the node's first entry's.
//! Deleting marks entries, as Redis does; a node whose entries are all
//! deleted goes. Trimming removes whole nodes, then (exact trimming) marks
//! entries of the first remaining one.
//!
//! The log is apart from the groups so a read can walk the entries while it
//! updates a group's pending entries.

use std::collections::{BTreeMap, VecDeque};

use crate::base::bytes::Bytes;

pub mod group;
pub mod id;
pub mod node;

pub use group::{Group, INVALID_READ};
pub use id::StreamId;
use node::{Entry, Node};

/// The last ID a parked `XREAD … $` saw on each stream it waits on, by
/// (client id, database, key): `$` means "after what was there when I
/// blocked", fixed on the key's shard at the call's first attempt.
pub type Waits = std::collections::HashMap<(u64, u32, Bytes), StreamId>;

/// Redis's `STREAM_LISTPACK_MAX_SIZE`: the most a node may hold.
const NODE_MAX: usize = 1 << 30;

/// The node limits a write reads (`stream-node-max-bytes`,
/// `stream-node-max-entries`; 0 means no limit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// `stream-node-max-bytes`.
    pub bytes: usize,
    /// `stream-node-max-entries`.
    pub entries: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            bytes: 4096,
            entries: 100,
        }
    }
}

/// How a trim chooses what goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trim {
    /// Keep at most this many entries.
    MaxLen(u64),
    /// Remove entries below this ID.
    MinId(StreamId),
}

/// Why an append failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppendError {
    /// The ID is not above the last one (or the sequence would overflow).
    NotGreater,
    /// The fields and values exceed what a node may hold.
    TooLarge,
}

/// The entries of a stream and their counters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Log {
    nodes: VecDeque<(StreamId, Node)>,
    /// Live entries.
    pub length: u64,
    /// The last ID ever generated.
    pub last_id: StreamId,
    /// The first live entry's ID (0-0 when empty).
    pub first_id: StreamId,
    /// The highest ID deleted by XDEL.
    pub max_deleted: StreamId,
    /// Entries ever added.
    pub entries_added: u64,
}

/// A stream: its log and its consumer groups.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stream {
    /// The entries.
    pub log: Log,
    /// The consumer groups by name.
    pub groups: BTreeMap<Bytes, Group>,
}

impl Stream {
    /// An empty stream.
    pub fn new() -> Stream {
        Stream::default()
    }
}

impl Log {
    /// The nodes, by master ID.
    pub fn nodes(&self) -> impl Iterator<Item = (&StreamId, &Node)> {
        self.nodes.iter().map(|(k, n)| (k, n))
    }

    /// Adds a node read from a file or payload after the last one (whose
    /// master ID must be below `master`; the caller checks the entries'
    /// order and sets the counters).
    pub fn push_node(&mut self, master: StreamId, node: Node) {
        self.nodes.push_back((master, node));
    }

    /// Index of the first node whose master ID is above `id`.
    fn after(&self, id: StreamId) -> usize {
        self.nodes.partition_point(|(m, _)| *m <= id)
    }

    /// Number of nodes (`radix-tree-keys`).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The next automatic ID at `now_ms` (`streamNextID`); `None` past the
    /// maximum.
    pub fn next_id(&self, now_ms: u64) -> Option<StreamId> {
        if now_ms > self.last_id.ms {
            Some(StreamId::new(now_ms, 0))
        } else {
            self.last_id.incr()
        }
    }

    /// Appends an entry (`pairs`: field, value, …) as `streamAppendItem`:
    /// `id` is the ID to use (`None`: automatic at `now_ms`), `seq_given`
    /// false for `<ms>-*`. Returns the ID added.
    pub fn append(
        &mut self,
        pairs: &[&[u8]],
        id: Option<StreamId>,
        seq_given: bool,
        now_ms: u64,
        limits: Limits,
    ) -> Result<StreamId, AppendError> {
        let id = match id {
            Some(id) if seq_given => id,
            Some(id) if id.ms == self.last_id.ms => {
                if self.last_id.seq == u64::MAX {
                    // Redis fails here without setting `errno`: XADD
                    // reports the elements as too large.
                    return Err(AppendError::TooLarge);
                }
                StreamId::new(id.ms, self.last_id.seq + 1)
            }
            Some(id) => id,
            None => self.next_id(now_ms).ok_or(AppendError::NotGreater)?,
        };
        if id <= self.last_id {
            return Err(AppendError::NotGreater);
        }
        let total: usize = pairs.iter().map(|p| p.len()).sum();
        if total > NODE_MAX {
            return Err(AppendError::TooLarge);
        }
        let max_bytes = match limits.bytes {
            0 => NODE_MAX,
            n => n.min(NODE_MAX),
        };
        let tail_full = match self.nodes.back_mut() {
            None => true,
            Some((_, node)) => {
                let full = node.lp_bytes() + total >= max_bytes
                    || (limits.entries != 0 && node.live() + node.deleted() >= limits.entries);
                if full {
                    node.seal();
                }
                full
            }
        };
        if tail_full {
            if self.nodes.is_empty() {
                // A small stream's index holds exactly its one node.
                self.nodes.reserve_exact(1);
            }
            self.nodes.push_back((id, Node::new(pairs)));
        }
        if let Some((master, node)) = self.nodes.back_mut() {
            node.append(*master, id, pairs);
        }
        self.length += 1;
        self.entries_added += 1;
        self.last_id = id;
        if self.length == 1 {
            self.first_id = id;
        }
        Ok(id)
    }

    /// Calls `f` on each live entry from `start` to `end` (inclusive),
    /// backwards when `rev`, until it returns false.
    pub fn walk(
        &self,
        start: StreamId,
        end: StreamId,
        rev: bool,
        mut f: impl FnMut(&Entry<'_>) -> bool,
    ) {
        if start > end {
            return;
        }
        if !rev {
            let first = self.after(start).saturating_sub(1);
            for (master, node) in self.nodes.range(first..) {
                let master = *master;
                if master > end {
                    return;
                }
                for e in node.entries(master) {
                    if e.id > end {
                        return;
                    }
                    if e.id >= start && !e.is_deleted() && !f(&e) {
                        return;
                    }
                }
            }
        } else {
            let mut buf: Vec<Entry<'_>> = Vec::new();
            for (master, node) in self.nodes.range(..self.after(end)).rev() {
                let master = *master;
                buf.clear();
                buf.extend(node.entries(master));
                for e in buf.iter().rev() {
                    if e.id < start {
                        return;
                    }
                    if e.id <= end && !e.is_deleted() && !f(e) {
                        return;
                    }
                }
            }
        }
    }

    /// The live entry `id`, if any, given to `f`.
    pub fn with_entry<R>(&self, id: StreamId, f: impl FnOnce(&Entry<'_>) -> R) -> Option<R> {
        let mut f = Some(f);
        let mut out = None;
        self.walk(id, id, false, |e| {
            if let Some(f) = f.take() {
                out = Some(f(e));
            }
            false
        });
        out
    }

    /// The first (or last, `last`) live entry, if any, given to `f`.
    pub fn with_edge<R>(&self, last: bool, f: impl FnOnce(&Entry<'_>) -> R) -> Option<R> {
        let mut f = Some(f);
        let mut out = None;
        self.walk(StreamId::MIN, StreamId::MAX, last, |e| {
            if let Some(f) = f.take() {
                out = Some(f(e));
            }
            false
        });
        out
    }

    /// True when the live entry `id` exists.
    pub fn contains(&self, id: StreamId) -> bool {
        self.with_entry(id, |_| ()).is_some()
    }

    /// The first (or last, `last`) live entry's ID.
    pub fn edge_id(&self, last: bool) -> Option<StreamId> {
        let mut out = None;
        let (s, e) = (StreamId::MIN, StreamId::MAX);
        self.walk(s, e, last, |e| {
            out = Some(e.id);
            false
        });
        out
    }

    /// Deletes the live entry `id`; true when it existed.
    pub fn delete(&mut self, id: StreamId) -> bool {
        let Some(i) = self.after(id).checked_sub(1) else {
            return false;
        };
        let (master, node) = &mut self.nodes[i];
        let master = *master;
        let Some(at) = node
            .entries(master)
            .find(|e| e.id == id && !e.is_deleted())
            .map(|e| e.at)
        else {
            return false;
        };
        node.delete_at(at);
        if node.live() == 0 {
            self.nodes.remove(i);
        }
        self.length -= 1;
        true
    }

    /// XDEL's bookkeeping after deleting `ids` (those that existed): the
    /// first ID and the highest deleted one.
    pub fn deleted(&mut self, id: StreamId) {
        if id > self.max_deleted {
            self.max_deleted = id;
        }
    }

    /// Resets the first ID after deletions (`streamGetEdgeID`).
    pub fn refresh_first(&mut self) {
        self.first_id = if self.length == 0 {
            StreamId::MIN
        } else {
            self.edge_id(false).unwrap_or(StreamId::MIN)
        };
    }

    /// Trims as `streamTrim`: whole nodes first; with `approx` only whole
    /// nodes, and at most `limit` entries (0: no limit). Returns how many
    /// entries went.
    pub fn trim(&mut self, how: Trim, approx: bool, limit: u64) -> u64 {
        let mut deleted = 0u64;
        loop {
            if let Trim::MaxLen(max) = how {
                if self.length <= max {
                    break;
                }
            }
            let Some((master, node)) = self.nodes.front_mut() else {
                break;
            };
            let master = *master;
            let entries = node.live() as u64;
            if limit != 0 && deleted + entries > limit {
                break;
            }
            let remove = match how {
                Trim::MaxLen(max) => self.length - entries >= max,
                Trim::MinId(min) => node.last_id(master) < min,
            };
            if remove {
                self.nodes.pop_front();
                self.length -= entries;
                deleted += entries;
                continue;
            }
            if approx {
                break;
            }
            let mut marks = Vec::new();
            let mut length = self.length;
            for e in node.entries(master) {
                let stop = match how {
                    Trim::MaxLen(max) => length <= max,
                    Trim::MinId(min) => e.id >= min,
                };
                if stop {
                    break;
                }
                if !e.is_deleted() {
                    marks.push(e.at);
                    length -= 1;
                }
            }
            for at in &marks {
                node.delete_at(*at);
            }
            self.length = length;
            deleted += marks.len() as u64;
            break;
        }
        if self.length == 0 {
            self.first_id = StreamId::MIN;
        } else if deleted > 0 {
            self.refresh_first();
        }
        deleted
    }

    /// `streamRangeHasTombstones`: may `start..=end` (`None`: unbounded)
    /// hold a deleted entry?
    pub fn has_tombstones(&self, start: Option<StreamId>, end: Option<StreamId>) -> bool {
        if self.length == 0 || self.max_deleted.is_zero() || self.first_id > self.max_deleted {
            return false;
        }
        let s = start.unwrap_or(StreamId::MIN);
        let e = end.unwrap_or(StreamId::MAX);
        s <= self.max_deleted && self.max_deleted <= e
    }

    /// `streamEstimateDistanceFromFirstEverEntry`: the logical read counter
    /// of `id`, or `None` when it cannot be known.
    pub fn distance(&self, id: StreamId) -> Option<i64> {
        if self.entries_added == 0 {
            return Some(0);
        }
        let added = self.entries_added as i64;
        if self.length == 0 && id <= self.last_id {
            return Some(added);
        }
        if id == self.last_id {
            return Some(added);
        } else if id > self.last_id {
            return None;
        }
        if self.max_deleted.is_zero() || self.max_deleted < self.first_id {
            if id < self.first_id {
                return Some(added - self.length as i64);
            } else if id == self.first_id {
                return Some(added - self.length as i64 + 1);
            }
        }
        None
    }

    /// A group's lag (`streamReplyWithCGLag`), `None` when unknown.
    pub fn lag(&self, g: &Group) -> Option<i64> {
        if self.entries_added == 0 {
            return Some(0);
        }
        if g.entries_read != INVALID_READ && !self.has_tombstones(Some(g.last_id), None) {
            return Some(self.entries_added as i64 - g.entries_read);
        }
        self.distance(g.last_id)
            .map(|read| self.entries_added as i64 - read)
    }

    /// Number of nodes Redis's radix tree would have for these node keys
    /// (`radix-tree-nodes`): the root, each key, each prefix with two or
    /// more children and each child of one.
    pub fn rax_nodes(&self) -> usize {
        let keys: Vec<[u8; 16]> = self.nodes.iter().map(|(k, _)| k.key()).collect();
        if keys.is_empty() {
            return 1;
        }
        rax_count(&keys, 0, false)
    }

    /// Bytes of heap the log holds: every node's buffer, and the index.
    pub fn heap_bytes(&self, block: impl Fn(usize) -> usize) -> usize {
        let nodes: usize = self.nodes.iter().map(|(_, n)| block(n.capacity())).sum();
        let per = std::mem::size_of::<(StreamId, Node)>();
        nodes + block(self.nodes.capacity() * per)
    }
}

/// Nodes of a compressed radix tree over `keys` (sorted, equal length, all
/// sharing the first `depth` bytes): the prefix at `depth` is a node when it
/// is the root or a key, or it or its parent branches.
fn rax_count(keys: &[[u8; 16]], depth: usize, parent_branches: bool) -> usize {
    if depth == 16 {
        return 1;
    }
    let mut children = Vec::new();
    let mut i = 0;
    while i < keys.len() {
        let b = keys[i][depth];
        let mut j = i + 1;
        while j < keys.len() && keys[j][depth] == b {
            j += 1;
        }
        children.push((i, j));
        i = j;
    }
    let branches = children.len() >= 2;
    let me = (depth == 0 || branches || parent_branches) as usize;
    me + children
        .into_iter()
        .map(|(i, j)| rax_count(&keys[i..j], depth + 1, branches))
        .sum::<usize>()
}

#[cfg(test)]
mod tests;
