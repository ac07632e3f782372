//! A shard's keyspace as commands (the rewrite's base when
//! `aof-use-rdb-preamble` is off, as Redis's `rewriteAppendOnlyFileRio`):
//! SET for strings, RPUSH, HSET, SADD and ZADD with at most 64 items per
//! command (`AOF_REWRITE_ITEMS_PER_CMD`), then PEXPIREAT for a key with a
//! deadline.

use super::feed::Fragment;
use crate::base::float::fmt_double;
use crate::base::resp;
use crate::model::value::Value;
use crate::shard::ShardState;
use crate::store::db::{is_expired, Clock, Ms};

/// Items per command (Redis's `AOF_REWRITE_ITEMS_PER_CMD`).
const PER_CMD: usize = 64;

/// Every live key of every database of `shard`, as commands.
pub fn snapshot(shard: &ShardState) -> Fragment {
    let mut out = Fragment::default();
    let now = Clock::new();
    for (i, db) in shard.dbs.iter().enumerate() {
        db.for_each_entry(|key, value, at| {
            if !is_expired(at, &now) {
                write_key(&mut out, i as u32, key, value, at);
            }
        });
    }
    out
}

/// Commands recreating `key` holding `value` (with deadline `at`).
pub fn write_key(out: &mut Fragment, db: u32, key: &[u8], value: &Value, at: Option<Ms>) {
    let buf = out.at(db);
    match value {
        Value::Int(n) => {
            let n = n.to_string();
            cmd(buf, b"SET", key, &[n.as_bytes()]);
        }
        Value::Str(s) => cmd(buf, b"SET", key, &[&s[..]]),
        Value::List(l) => {
            let items: Vec<&[u8]> = l.iter().collect();
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
    }
    if let Some(at) = at {
        cmd(buf, b"PEXPIREAT", key, &[at.to_string().as_bytes()]);
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
