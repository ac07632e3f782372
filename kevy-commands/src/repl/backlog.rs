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

#[cfg(test)]
mod tests;
