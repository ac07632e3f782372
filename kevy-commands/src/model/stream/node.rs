//! One node of a stream: a packed buffer of entries, like Redis's listpack
//! node (`t_stream.c`, `streamAppendItem`). The node's first entry names the
//! *master fields*; every entry stores its ID as a delta from the node's
//! master ID and, when its fields are the master fields in order, only its
//! values.
//!
//! Layout (numbers are LEB128 varints):
//! ```text
//! master: nfields, (len field)*
//! entry:  flags(1 byte), ms-delta, seq-delta,
//!         SAMEFIELDS ? (len value)* : nfields, (len field len value)*
//! ```
//! A deleted entry keeps its bytes with the DELETED flag, as in Redis; a
//! node whose entries are all deleted is dropped by the stream.
//!
//! Beside its bytes a node keeps what Redis's listpack would weigh
//! ([`Node::lp_bytes`]), so `stream-node-max-bytes` cuts nodes where Redis
//! cuts them (which `XINFO STREAM` and approximate trimming show).

use super::id::StreamId;
use crate::base::num::parse_i64;

/// The entry is deleted.
pub const DELETED: u8 = 1;
/// The entry's fields are the master fields.
pub const SAMEFIELDS: u8 = 2;

/// Appends the LEB128 encoding of `n`.
#[inline]
fn put_varint(buf: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        buf.push((n as u8) | 0x80);
        n >>= 7;
    }
    buf.push(n as u8);
}

/// Reads a LEB128 number at `*pos`, advancing it (0 past the end: the
/// buffer is only ever written by this module).
#[inline]
fn get_varint(buf: &[u8], pos: &mut usize) -> u64 {
    let mut n = 0u64;
    let mut shift = 0;
    while let Some(&b) = buf.get(*pos) {
        *pos += 1;
        n |= ((b & 0x7f) as u64) << shift;
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
    }
    n
}

/// Reads a length-prefixed byte string at `*pos`.
#[inline]
fn get_bytes<'a>(buf: &'a [u8], pos: &mut usize) -> &'a [u8] {
    let len = get_varint(buf, pos) as usize;
    let start = (*pos).min(buf.len());
    let end = (start + len).min(buf.len());
    *pos = end;
    &buf[start..end]
}

/// Bytes a listpack integer entry takes (encoding and back length).
pub fn lp_int(v: i64) -> usize {
    1 + match v {
        0..=127 => 1,
        -4096..=4095 => 2,
        -32768..=32767 => 3,
        -8_388_608..=8_388_607 => 4,
        -2_147_483_648..=2_147_483_647 => 5,
        _ => 9,
    }
}

/// Bytes a listpack string entry takes (an integer-looking string is stored
/// as an integer, as `lpAppend` does).
pub fn lp_str(s: &[u8]) -> usize {
    if s.len() <= 20 {
        if let Some(v) = parse_i64(s) {
            return lp_int(v);
        }
    }
    let enc = s.len()
        + match s.len() {
            0..=63 => 1,
            64..=4095 => 2,
            _ => 5,
        };
    enc + match enc {
        0..=127 => 1,
        128..=16382 => 2,
        16383..=2_097_150 => 3,
        2_097_151..=268_435_454 => 4,
        _ => 5,
    }
}

/// A packed run of stream entries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Node {
    buf: Vec<u8>,
    /// Where the entries start (after the master fields).
    entries_at: u32,
    /// Entries not deleted.
    live: u32,
    /// Entries marked deleted.
    deleted: u32,
    /// The size Redis's listpack for the same entries would have.
    lp_bytes: u32,
}

/// One entry of a node, borrowed.
#[derive(Clone, Copy, Debug)]
pub struct Entry<'a> {
    /// Its ID.
    pub id: StreamId,
    /// Its flags ([`DELETED`], [`SAMEFIELDS`]).
    pub flags: u8,
    /// Where its flags byte is in the node.
    pub at: usize,
    /// Number of field-value pairs.
    pub nfields: usize,
    /// The master fields (their bytes, for SAMEFIELDS entries).
    master: &'a [u8],
    /// The fields (or values) part of the entry.
    body: &'a [u8],
}

impl<'a> Entry<'a> {
    /// True when the entry is deleted.
    pub fn is_deleted(&self) -> bool {
        self.flags & DELETED != 0
    }

    /// The entry's field-value pairs, in order.
    pub fn pairs(&self) -> impl Iterator<Item = (&'a [u8], &'a [u8])> + 'a {
        let (master, body, same) = (self.master, self.body, self.flags & SAMEFIELDS != 0);
        let (mut mpos, mut bpos) = (0usize, 0usize);
        if same {
            get_varint(master, &mut mpos);
        }
        (0..self.nfields).map(move |_| {
            let field = if same {
                get_bytes(master, &mut mpos)
            } else {
                get_bytes(body, &mut bpos)
            };
            (field, get_bytes(body, &mut bpos))
        })
    }
}

impl Node {
    /// A node whose master fields are those of `pairs` (field, value, …),
    /// holding that first entry with ID `id` (the node's master ID).
    pub fn new(pairs: &[&[u8]]) -> Node {
        let mut buf = Vec::new();
        let nfields = pairs.len() / 2;
        put_varint(&mut buf, nfields as u64);
        let mut lp = 7 + lp_int(1) + lp_int(0) + lp_int(nfields as i64) + lp_int(0);
        for f in pairs.iter().step_by(2) {
            put_varint(&mut buf, f.len() as u64);
            buf.extend_from_slice(f);
            lp += lp_str(f);
        }
        Node {
            entries_at: buf.len() as u32,
            buf,
            live: 0,
            deleted: 0,
            lp_bytes: lp as u32,
        }
    }

    /// Live entries.
    pub fn live(&self) -> usize {
        self.live as usize
    }

    /// Entries marked deleted.
    pub fn deleted(&self) -> usize {
        self.deleted as usize
    }

    /// The size Redis's listpack would have.
    pub fn lp_bytes(&self) -> usize {
        self.lp_bytes as usize
    }

    /// Bytes held.
    pub fn capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// Bytes used.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// True when the node holds no entry.
    pub fn is_empty(&self) -> bool {
        self.live + self.deleted == 0
    }

    /// Gives back spare capacity (a node that will take no more entries).
    pub fn seal(&mut self) {
        self.buf.shrink_to_fit();
    }

    /// True when `pairs` has exactly the master fields, in order.
    fn same_fields(&self, pairs: &[&[u8]]) -> bool {
        let mut pos = 0;
        let n = get_varint(&self.buf, &mut pos) as usize;
        if n != pairs.len() / 2 {
            return false;
        }
        pairs
            .iter()
            .step_by(2)
            .all(|f| get_bytes(&self.buf, &mut pos) == *f)
    }

    /// The master fields (the node's first entry's), in order.
    pub fn master_fields(&self) -> impl Iterator<Item = &[u8]> + '_ {
        let mut pos = 0;
        let n = get_varint(&self.buf, &mut pos) as usize;
        (0..n).map(move |_| get_bytes(&self.buf, &mut pos))
    }

    /// Appends an entry with ID `id` (not below `master`); returns where
    /// its flags byte is (for [`Node::delete_at`]).
    pub fn append(&mut self, master: StreamId, id: StreamId, pairs: &[&[u8]]) -> usize {
        let same = self.same_fields(pairs);
        let at = self.buf.len();
        let (ms, seq) = (
            id.ms.wrapping_sub(master.ms),
            id.seq.wrapping_sub(master.seq),
        );
        let need = 21 + pairs.iter().map(|p| p.len() + 2).sum::<usize>();
        if self.buf.capacity() - self.buf.len() < need {
            // Grow by a quarter at least: appends stay amortised O(1)
            // while a node carries little slack.
            self.buf.reserve_exact(need.max(self.buf.len() / 4));
        }
        let flags = if same { SAMEFIELDS } else { 0 };
        self.buf.push(flags);
        put_varint(&mut self.buf, ms);
        put_varint(&mut self.buf, seq);
        let nfields = pairs.len() / 2;
        let mut lp = lp_int(flags as i64) + lp_int(ms as i64) + lp_int(seq as i64);
        if !same {
            put_varint(&mut self.buf, nfields as u64);
            lp += lp_int(nfields as i64);
        }
        for (i, p) in pairs.iter().enumerate() {
            if same && i % 2 == 0 {
                continue;
            }
            put_varint(&mut self.buf, p.len() as u64);
            self.buf.extend_from_slice(p);
            lp += lp_str(p);
        }
        let lp_count = if same { nfields + 3 } else { 2 * nfields + 4 };
        lp += lp_int(lp_count as i64);
        let old = lp_int(self.live as i64);
        self.live += 1;
        lp = lp + lp_int(self.live as i64) - old;
        self.lp_bytes = self.lp_bytes.saturating_add(lp as u32);
        at
    }

    /// The entry whose flags byte is at `at`.
    fn entry_at(&self, master: StreamId, at: usize) -> (Entry<'_>, usize) {
        let buf = &self.buf[..];
        let mut pos = at;
        let flags = buf.get(pos).copied().unwrap_or(0);
        pos += 1;
        let ms = get_varint(buf, &mut pos);
        let seq = get_varint(buf, &mut pos);
        let id = StreamId::new(master.ms.wrapping_add(ms), master.seq.wrapping_add(seq));
        let master_fields = &buf[..self.entries_at as usize];
        let nfields;
        let start;
        if flags & SAMEFIELDS != 0 {
            let mut mpos = 0;
            nfields = get_varint(master_fields, &mut mpos) as usize;
            start = pos;
            for _ in 0..nfields {
                get_bytes(buf, &mut pos);
            }
        } else {
            nfields = get_varint(buf, &mut pos) as usize;
            start = pos;
            for _ in 0..2 * nfields {
                get_bytes(buf, &mut pos);
            }
        }
        let entry = Entry {
            id,
            flags,
            at,
            nfields,
            master: master_fields,
            body: &buf[start..pos],
        };
        (entry, pos)
    }

    /// Every entry (deleted ones too), first to last.
    pub fn entries(&self, master: StreamId) -> impl Iterator<Item = Entry<'_>> + '_ {
        let mut pos = self.entries_at as usize;
        std::iter::from_fn(move || {
            if pos >= self.buf.len() {
                return None;
            }
            let (e, next) = self.entry_at(master, pos);
            pos = next;
            Some(e)
        })
    }

    /// The last entry's ID, deleted or not (`lpGetEdgeStreamID`).
    pub fn last_id(&self, master: StreamId) -> StreamId {
        self.entries(master).last().map_or(master, |e| e.id)
    }

    /// Marks the live entry at `at` deleted.
    pub fn delete_at(&mut self, at: usize) {
        if let Some(f) = self.buf.get_mut(at) {
            if *f & DELETED == 0 {
                *f |= DELETED;
                let before = lp_int(self.live as i64) + lp_int(self.deleted as i64);
                self.live -= 1;
                self.deleted += 1;
                let after = lp_int(self.live as i64) + lp_int(self.deleted as i64);
                self.lp_bytes = (self.lp_bytes as usize + after - before) as u32;
            }
        }
    }
}
