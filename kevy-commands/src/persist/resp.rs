//! Keys as commands (the AOF rewrite's base when `aof-use-rdb-preamble`
//! is off, as Redis's `rewriteAppendOnlyFileRio`): SET for strings, RPUSH,
//! HSET, SADD and ZADD with at most 64 items per command
//! (`AOF_REWRITE_ITEMS_PER_CMD`), then PEXPIREAT for a key with a
//! deadline. An incremental snapshot (`store/db/snap.rs`) writes each key
//! it takes through [`write_key`]; the base's writer puts a `SELECT`
//! before each database's commands.

use crate::base::clock::Ms;
use crate::base::float::fmt_double;
use crate::base::resp;
use crate::model::value::Value;

/// Items per command (Redis's `AOF_REWRITE_ITEMS_PER_CMD`).
const PER_CMD: usize = 64;

/// Commands recreating `key` holding `value` (with deadline `at`).
pub fn write_key(buf: &mut Vec<u8>, key: &[u8], value: &Value, at: Option<Ms>) {
    match value {
        Value::Int(n) => {
            let n = n.to_string();
            cmd(buf, b"SET", key, &[n.as_bytes()]);
        }
        Value::Str(s) => cmd(buf, b"SET", key, &[&s[..]]),
        Value::List(l) => {
            let r = l.reader();
            let items: Vec<&[u8]> = r.iter().collect();
            for chunk in items.chunks(PER_CMD) {
                cmd(buf, b"RPUSH", key, chunk);
            }
        }
        Value::Hash(h) => {
            let pairs: Vec<&[u8]> = h.iter().flat_map(|(f, v)| [f, v]).collect();
            for chunk in pairs.chunks(PER_CMD * 2) {
                cmd(buf, b"HSET", key, chunk);
            }
        }
        Value::Set(s) => {
            let members: Vec<Vec<u8>> = s.iter().map(|m| m.to_bytes().to_vec()).collect();
            for chunk in members.chunks(PER_CMD) {
                let refs: Vec<&[u8]> = chunk.iter().map(|m| &m[..]).collect();
                cmd(buf, b"SADD", key, &refs);
            }
        }
        Value::ZSet(z) => {
            let mut items: Vec<Vec<u8>> = Vec::with_capacity(z.len() * 2);
            for (member, score) in z.iter(0, false) {
                let mut b = [0u8; 32];
                items.push(fmt_double(score, &mut b).to_vec());
                items.push(member.to_vec());
            }
            for chunk in items.chunks(PER_CMD * 2) {
                let refs: Vec<&[u8]> = chunk.iter().map(|m| &m[..]).collect();
                cmd(buf, b"ZADD", key, &refs);
            }
        }
        Value::Stream(st) => write_stream(buf, key, st),
    }
    if let Some(at) = at {
        cmd(buf, b"PEXPIREAT", key, &[at.to_string().as_bytes()]);
    }
}

/// A stream as Redis's `rewriteStreamObject` writes it: its entries by
/// XADD with their IDs (an empty stream: one XADD of ID 0-1 trimmed by
/// `MAXLEN 0`),
/// XSETID with the counters, then each group (XGROUP CREATE … ENTRIESREAD),
/// its pending entries (XCLAIM … FORCE JUSTID with their delivery time and
/// count) and its consumers without pending entries (XGROUP CREATECONSUMER).
fn write_stream(buf: &mut Vec<u8>, key: &[u8], st: &crate::model::stream::Stream) {
    use crate::model::stream::id::StreamId;
    let id = |i: StreamId| format!("{}-{}", i.ms, i.seq).into_bytes();
    let mut any = false;
    st.log.walk(StreamId::MIN, StreamId::MAX, false, |e| {
        any = true;
        let eid = id(e.id);
        let mut args: Vec<&[u8]> = vec![&eid];
        for (f, v) in e.pairs() {
            args.push(f);
            args.push(v);
        }
        cmd(buf, b"XADD", key, &args);
        true
    });
    let last = id(st.log.last_id);
    if !any {
        // Redis's trick, with its ID 0-1 (the last ID may be 0-0, which
        // XADD refuses): XSETID then sets the real one.
        cmd(buf, b"XADD", key, &[b"MAXLEN", b"0", b"0-1", b"x", b"y"]);
    }
    let added = st.log.entries_added.to_string();
    let maxdel = id(st.log.max_deleted);
    cmd(
        buf,
        b"XSETID",
        key,
        &[
            &last,
            b"ENTRIESADDED",
            added.as_bytes(),
            b"MAXDELETEDID",
            &maxdel,
        ],
    );
    for (name, g) in &st.groups {
        let read = g.entries_read.to_string();
        cmd(
            buf,
            b"XGROUP",
            b"CREATE",
            &[key, name, &id(g.last_id), b"ENTRIESREAD", read.as_bytes()],
        );
        for (pid, nack) in &g.pel {
            let (time, count) = (
                nack.delivery_time.to_string(),
                nack.delivery_count.to_string(),
            );
            let pid = id(*pid);
            cmd(
                buf,
                b"XCLAIM",
                key,
                &[
                    name,
                    &nack.consumer,
                    b"0",
                    &pid,
                    b"TIME",
                    time.as_bytes(),
                    b"RETRYCOUNT",
                    count.as_bytes(),
                    b"JUSTID",
                    b"FORCE",
                ],
            );
        }
        for (cname, c) in &g.consumers {
            if c.pel.is_empty() {
                cmd(buf, b"XGROUP", b"CREATECONSUMER", &[key, name, cname]);
            }
        }
    }
}

fn cmd(out: &mut Vec<u8>, verb: &[u8], key: &[u8], rest: &[&[u8]]) {
    resp::array(out, 2 + rest.len());
    resp::bulk(out, verb);
    resp::bulk(out, key);
    for a in rest {
        resp::bulk(out, a);
    }
}
