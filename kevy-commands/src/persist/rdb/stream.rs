//! Streams in RDB files and DUMP payloads, as redis-server 7.0.15 writes
//! and reads them (`rdbSaveObject`, `rdbLoadObject`; type
//! `STREAM_LISTPACKS_2`, and the older `STREAM_LISTPACKS` on load).
//!
//! ```text
//! nodes: len, (master-id as a 16-byte string, listpack as a string)*
//! len length, len last.ms, len last.seq, len first.ms, len first.seq,
//! len max-deleted.ms, len max-deleted.seq, len entries-added      (v2 only: the last 5)
//! groups: len, (name, len last.ms, len last.seq, len entries-read (v2 only),
//!               PEL: len, (16-byte id, ms delivery-time, len count)*,
//!               consumers: len, (name, ms seen-time, len, (16-byte id)*)*)*
//! ```
//! Each node's listpack is Redis's (`streamAppendItem`): the master entry
//! `live, deleted, nfields, field*, 0`, then per entry `flags, ms-delta,
//! seq-delta, [nfields, field, value]* or value* (SAMEFIELDS), lp-count`.
//! Redis only checks a listpack's header unless asked to sanitize; kevy
//! decodes every entry into its own nodes, so a corrupt one is an error:
//! counts that disagree, IDs out of order or past the last ID, pending
//! entries without a consumer.

use std::collections::{btree_map, BTreeSet};

use super::listpack::{self, Builder};
use super::read::Reader;
use super::write::Writer;
use super::{corrupt, types, Elem, RdbError};
use crate::model::stream::group::{Consumer, Group, Nack};
use crate::model::stream::node::{Node, DELETED, SAMEFIELDS};
use crate::model::stream::{Stream, StreamId, INVALID_READ};
use crate::model::value::{Bytes, Value};

/// The listpack Redis keeps for the node `node` whose master ID is
/// `master`.
pub fn node_listpack(master: StreamId, node: &Node) -> Vec<u8> {
    let mut lp = Builder::new();
    lp.push_int(node.live() as i64);
    lp.push_int(node.deleted() as i64);
    let fields: Vec<&[u8]> = node.master_fields().collect();
    lp.push_int(fields.len() as i64);
    fields.iter().for_each(|f| lp.push(f));
    lp.push_int(0);
    for e in node.entries(master) {
        let same = e.flags & SAMEFIELDS != 0;
        lp.push_int(e.flags as i64);
        lp.push_int(e.id.ms.wrapping_sub(master.ms) as i64);
        lp.push_int(e.id.seq.wrapping_sub(master.seq) as i64);
        if !same {
            lp.push_int(e.nfields as i64);
        }
        for (f, v) in e.pairs() {
            if !same {
                lp.push(f);
            }
            lp.push(v);
        }
        let count = if same {
            e.nfields + 3
        } else {
            2 * e.nfields + 4
        };
        lp.push_int(count as i64);
    }
    lp.finish()
}

/// A 128-bit ID as Redis writes PEL entries: big-endian, raw.
fn raw_id(w: &mut Writer, id: StreamId) {
    w.out.extend_from_slice(&id.key());
}

/// Writes a stream's body (`STREAM_LISTPACKS_2`).
pub fn write(w: &mut Writer, s: &Stream) {
    let log = &s.log;
    w.len(log.node_count() as u64);
    for (master, node) in log.nodes() {
        w.string(&master.key());
        w.string(&node_listpack(*master, node));
    }
    w.len(log.length);
    for id in [log.last_id, log.first_id, log.max_deleted] {
        w.len(id.ms);
        w.len(id.seq);
    }
    w.len(log.entries_added);
    w.len(s.groups.len() as u64);
    for (name, g) in &s.groups {
        w.string(name);
        w.len(g.last_id.ms);
        w.len(g.last_id.seq);
        // A `long long` written as a length: -1 is 2^64 - 1.
        w.len(g.entries_read as u64);
        w.len(g.pel.len() as u64);
        for (id, nack) in &g.pel {
            raw_id(w, *id);
            w.out.extend_from_slice(&nack.delivery_time.to_le_bytes());
            w.len(nack.delivery_count);
        }
        w.len(g.consumers.len() as u64);
        for (name, c) in &g.consumers {
            w.string(name);
            w.out.extend_from_slice(&c.seen_time.to_le_bytes());
            w.len(c.pel.len() as u64);
            for id in &c.pel {
                raw_id(w, *id);
            }
        }
    }
}

/// Reads a 16-byte big-endian ID.
fn read_raw_id(r: &mut Reader<'_>) -> Result<StreamId, RdbError> {
    let b = r.take(16)?;
    let mut ms = [0u8; 8];
    let mut seq = [0u8; 8];
    ms.copy_from_slice(&b[..8]);
    seq.copy_from_slice(&b[8..]);
    Ok(StreamId::new(
        u64::from_be_bytes(ms),
        u64::from_be_bytes(seq),
    ))
}

/// An ID written as two lengths.
fn read_id(r: &mut Reader<'_>) -> Result<StreamId, RdbError> {
    Ok(StreamId::new(r.length()?, r.length()?))
}

/// The integer a listpack element must be (stored as one, or as a string
/// that is one: Redis's `lpGetIntegerIfValid`).
fn int(e: Option<&Elem<'_>>) -> Result<i64, RdbError> {
    match e {
        Some(Elem::Int(n)) => Ok(*n),
        Some(Elem::Str(s)) => crate::base::num::parse_i64(s)
            .ok_or_else(|| corrupt("Stream listpack integrity check failed.")),
        None => Err(corrupt("Stream listpack integrity check failed.")),
    }
}

/// Bytes of a listpack element (a field or value).
fn bytes(e: Option<&Elem<'_>>) -> Result<Vec<u8>, RdbError> {
    e.map(|e| e.to_vec())
        .ok_or_else(|| corrupt("Stream listpack integrity check failed."))
}

/// Decodes one node's listpack; `prev` is the last entry ID before it
/// (entries must grow strictly). Returns the node and its live entries.
/// With `deep` ([`Reader::deep`]) each entry's record count and the
/// master entry's counts must agree with the entries, as Redis's
/// `streamValidateListpackIntegrity` checks; without, they are not read
/// (the node counts what it holds).
fn read_node(
    master: StreamId,
    lp: &[u8],
    prev: &mut Option<StreamId>,
    deep: bool,
) -> Result<(Node, u64), RdbError> {
    let bad = || corrupt("Stream listpack integrity check failed.");
    let items = listpack::entries(lp, deep).map_err(|_| bad())?;
    if items.is_empty() {
        return Err(corrupt("Empty listpack inside stream"));
    }
    let mut it = items.iter();
    let live = int(it.next())?;
    let deleted = int(it.next())?;
    let nfields = int(it.next())?;
    if live < 0 || deleted < 0 || nfields < 0 || nfields as usize > items.len() {
        return Err(bad());
    }
    let mut master_pairs: Vec<Vec<u8>> = Vec::with_capacity(2 * nfields as usize);
    for _ in 0..nfields {
        master_pairs.push(bytes(it.next())?);
        master_pairs.push(Vec::new());
    }
    if int(it.next())? != 0 {
        return Err(bad());
    }
    let refs: Vec<&[u8]> = master_pairs.iter().map(Vec::as_slice).collect();
    let mut node = Node::new(&refs);
    let (mut seen_live, mut seen_deleted) = (0i64, 0i64);
    let mut pairs: Vec<Vec<u8>> = Vec::new();
    while let Some(flags) = it.next() {
        let flags = int(Some(flags))?;
        if !(0..=3).contains(&flags) {
            return Err(bad());
        }
        let ms = int(it.next())? as u64;
        let seq = int(it.next())? as u64;
        let id = StreamId::new(master.ms.wrapping_add(ms), master.seq.wrapping_add(seq));
        if id < master || prev.is_some_and(|p| id <= p) {
            return Err(bad());
        }
        *prev = Some(id);
        let same = flags as u8 & SAMEFIELDS != 0;
        let n = if same { nfields } else { int(it.next())? };
        if n < 0 || n as usize > items.len() {
            return Err(bad());
        }
        pairs.clear();
        for i in 0..n as usize {
            if same {
                pairs.push(master_pairs[2 * i].clone());
            } else {
                pairs.push(bytes(it.next())?);
            }
            pairs.push(bytes(it.next())?);
        }
        let count = if same { n + 3 } else { 2 * n + 4 };
        let recorded = it.next();
        if deep && int(recorded)? != count {
            return Err(bad());
        }
        if recorded.is_none() {
            return Err(bad());
        }
        let refs: Vec<&[u8]> = pairs.iter().map(Vec::as_slice).collect();
        let at = node.append(master, id, &refs);
        if flags as u8 & DELETED != 0 {
            node.delete_at(at);
            seen_deleted += 1;
        } else {
            seen_live += 1;
        }
    }
    if deep && (seen_live != live || seen_deleted != deleted) {
        return Err(bad());
    }
    node.seal();
    Ok((node, seen_live as u64))
}

/// Reads a stream's body of type `ty` (`STREAM_LISTPACKS` or
/// `STREAM_LISTPACKS_2`).
pub fn read(r: &mut Reader<'_>, ty: u8) -> Result<Value, RdbError> {
    let v2 = ty == types::STREAM_LISTPACKS_2;
    let mut s = Stream::new();
    // Each node takes at least a 16-byte key and a 7-byte listpack.
    let nodes = r.count(18)?;
    let mut prev: Option<StreamId> = None;
    let mut prev_master: Option<StreamId> = None;
    let mut live = 0u64;
    for _ in 0..nodes {
        let key = r.string()?;
        if key.len() != 16 {
            return Err(corrupt(
                "Stream node key entry is not the size of a stream ID",
            ));
        }
        let mut kr = Reader::new(&key);
        let master = read_raw_id(&mut kr)?;
        if prev_master.is_some_and(|p| master <= p) {
            return Err(corrupt("Listpack re-added with existing key"));
        }
        prev_master = Some(master);
        let lp = r.string()?;
        let (node, n) = read_node(master, &lp, &mut prev, r.is_deep())?;
        live += n;
        s.log.push_node(master, node);
    }
    let log = &mut s.log;
    log.length = r.length()?;
    log.last_id = read_id(r)?;
    if v2 {
        log.first_id = read_id(r)?;
        log.max_deleted = read_id(r)?;
        log.entries_added = r.length()?;
    } else {
        log.max_deleted = StreamId::MIN;
        log.entries_added = log.length;
        log.first_id = log.edge_id(false).unwrap_or(StreamId::MAX);
    }
    if log.length != live {
        return Err(corrupt("Stream length inconsistent with rax entries"));
    }
    if prev.is_some_and(|p| p > log.last_id) {
        return Err(corrupt("Stream entry past the stream's last ID"));
    }
    let groups = r.count(3)?;
    for _ in 0..groups {
        let name = Bytes::from_slice(&r.string()?);
        let last = read_id(r)?;
        let read = if v2 {
            r.length()? as i64
        } else {
            s.log.distance(last).unwrap_or(INVALID_READ)
        };
        let mut g = Group::new(last, read);
        let pel = r.count(17)?;
        for _ in 0..pel {
            let id = read_raw_id(r)?;
            let delivery_time = r.ms()?;
            let delivery_count = r.length()?;
            let nack = Nack {
                delivery_time,
                delivery_count,
                consumer: Bytes::from_slice(b""),
            };
            if g.pel.insert(id, nack).is_some() {
                return Err(corrupt(
                    "Duplicated global PEL entry loading stream consumer group",
                ));
            }
        }
        let consumers = r.count(10)?;
        let mut owned = BTreeSet::new();
        for _ in 0..consumers {
            let cname = Bytes::from_slice(&r.string()?);
            let seen_time = r.ms()?;
            let mut c = Consumer {
                seen_time,
                ..Consumer::default()
            };
            let n = r.count(16)?;
            for _ in 0..n {
                let id = read_raw_id(r)?;
                let Some(nack) = g.pel.get_mut(&id) else {
                    return Err(corrupt("Consumer entry not found in group global PEL"));
                };
                if !owned.insert(id) || !c.pel.insert(id) {
                    return Err(corrupt(
                        "Duplicated consumer PEL entry  loading a stream consumer group",
                    ));
                }
                nack.consumer = cname.clone();
            }
            match g.consumers.entry(cname) {
                btree_map::Entry::Occupied(_) => {
                    return Err(corrupt("Duplicate stream consumer detected."))
                }
                btree_map::Entry::Vacant(v) => {
                    v.insert(c);
                }
            }
        }
        if owned.len() != g.pel.len() {
            return Err(corrupt("Stream CG PEL entry without consumer"));
        }
        if s.groups.insert(name, g).is_some() {
            return Err(corrupt("Duplicated consumer group name"));
        }
    }
    Ok(Value::Stream(Box::new(s)))
}

#[cfg(test)]
mod tests;
