//! MEMORY USAGE | STATS | DOCTOR | PURGE | MALLOC-STATS | HELP.
//!
//! `MEMORY USAGE` reports what a key costs in kevy's own layout, in
//! malloc blocks: its node (head and key) and bucket, and every block its
//! value holds; small encodings exactly, large ones with their elements'
//! own heap sampled like Redis (the first `SAMPLES` elements' average times
//! the count). The process figures come from the allocator
//! (`mallinfo2`) and the OS.

use std::mem::size_of;

use kevy_rt::{Flow, Planned};

use super::super::client::write_help;
use super::super::info::{merge_reports, Report};
use super::super::opts::keyword;
use super::super::{Call, Local, ServerCx};
use crate::multi::server::{self as srv, ServerOp, ServerPlan, ServerReply};
use crate::multi::Plan;
use crate::num::parse_i64;
use crate::resp::Reply;
use crate::server::sys;
use crate::types::dense::Dense;
use crate::types::hash::Hash;
use crate::types::list::{List, Quick};
use crate::types::set::Set;
use crate::value::{Bytes, Value};
use crate::zset::{Skip, ZSet};
use crate::{keyspace::Keyspace, resp};

/// Elements sampled by default (Redis's `MEMORY USAGE` default).
const DEFAULT_SAMPLES: usize = 5;

/// The block glibc's malloc hands out for a request of `n` bytes (8 bytes
/// of header, rounded up to 16, at least 32): what kevy-server's counting
/// allocator counts, and what the request costs.
fn block(n: usize) -> usize {
    if n == 0 {
        0
    } else {
        ((n + 8 + 15) & !15).max(32)
    }
}

/// Heap bytes of a key or string buffer (inline ones cost none).
fn heap(b: &Bytes) -> usize {
    if b.spilled() {
        block(b.capacity())
    } else {
        0
    }
}

/// Bytes of a key's node and its keyspace bucket (a pointer and a control
/// byte). The node (`keyspace/node.rs`) is one block: the value, TTL slot,
/// access clock and LFU data (44 bytes), the key's length in LEB128, the
/// key.
fn node_bytes(key: &[u8]) -> usize {
    let mut len_bytes = 1;
    while key.len() >> (7 * len_bytes) != 0 {
        len_bytes += 1;
    }
    block(size_of::<Value>() + 12 + len_bytes + key.len()) + size_of::<usize>() + 1
}

/// `count` elements estimated from the sizes of the first `samples` of
/// `sizes` (all when `samples` is 0).
fn sampled(count: usize, samples: usize, sizes: impl Iterator<Item = usize>) -> usize {
    let limit = if samples == 0 { usize::MAX } else { samples };
    let (mut n, mut sum) = (0usize, 0usize);
    for s in sizes.take(limit) {
        n += 1;
        sum += s;
    }
    if n == 0 {
        0
    } else {
        ((sum as f64 / n as f64) * count as f64) as usize
    }
}

/// The bytes `key` holding `v` takes in kevy: its node and bucket, and
/// every block the value holds. Small encodings are exact (one block sized
/// to fit, or none when inline); the large ones add their tables exactly
/// and what their elements hold on the heap estimated from the first
/// `samples` elements (0: all), as Redis samples.
pub fn value_bytes(key: &[u8], v: &Value, samples: usize) -> usize {
    let body = match v {
        Value::Int(_) => 0,
        Value::Str(s) => heap(s),
        Value::List(l) => {
            let boxed = match l {
                List::One(_) => 0,
                List::Many(_) => block(size_of::<Quick>()) + block(l.overhead_bytes()),
            };
            boxed + l.nodes().map(|n| block(n.capacity())).sum::<usize>()
        }
        Value::Hash(h) => match h {
            Hash::Packed(p) => block(p.capacity()),
            Hash::Table(d) => {
                block(size_of::<Dense<(Bytes, Bytes)>>())
                    + block(d.table_bytes())
                    + sampled(h.len(), samples, d.iter().map(|(f, v)| heap(f) + heap(v)))
            }
        },
        Value::Set(s) => match s {
            Set::Ints(i) => block(i.heap_bytes()),
            Set::Table(d) => {
                block(size_of::<Dense<Bytes>>())
                    + block(d.table_bytes())
                    + sampled(s.len(), samples, d.iter().map(heap))
            }
        },
        Value::ZSet(z) => match z {
            ZSet::Pack(p) => block(p.heap_bytes()),
            ZSet::Skip(k) => {
                block(size_of::<Skip>())
                    + block(k.table_bytes())
                    + sampled(k.len(), samples, (0..k.len()).map(|r| k.node_heap(r)))
            }
        },
    };
    node_bytes(key) + body
}

/// Bytes of an RDB length prefix.
fn len_len(n: usize) -> usize {
    match n {
        0..=63 => 1,
        64..=16_383 => 2,
        16_384..=0xFFFF_FFFF => 5,
        _ => 9,
    }
}

/// Bytes of a string in an RDB file (integers in their short encodings).
fn rdb_string(s: &[u8]) -> usize {
    match parse_i64(s) {
        Some(n) if s.len() <= 11 => rdb_int(n),
        _ => len_len(s.len()) + s.len(),
    }
}

fn rdb_int(n: i64) -> usize {
    if i8::try_from(n).is_ok() {
        2
    } else if i16::try_from(n).is_ok() {
        3
    } else if i32::try_from(n).is_ok() {
        5
    } else {
        let d = n.to_string();
        len_len(d.len()) + d.len()
    }
}

/// The length `v` would have in an RDB file: exact for strings, the
/// length-prefixed elements for collections (no compression).
pub fn serialized_len(v: &Value) -> usize {
    match v {
        Value::Int(n) => rdb_int(*n),
        Value::Str(s) => len_len(s.len()) + s.len(),
        Value::List(l) => len_len(l.len()) + l.iter().map(rdb_string).sum::<usize>(),
        Value::Hash(h) => {
            len_len(h.len())
                + h.iter()
                    .map(|(f, v)| rdb_string(f) + rdb_string(v))
                    .sum::<usize>()
        }
        Value::Set(s) => {
            let mut buf = crate::num::I64_BUF;
            len_len(s.len())
                + s.iter()
                    .map(|m| rdb_string(m.bytes(&mut buf)))
                    .sum::<usize>()
        }
        // Members as strings, scores as 8-byte binary doubles (RDB_TYPE_ZSET_2).
        Value::ZSet(z) => {
            len_len(z.len())
                + z.iter(0, false)
                    .map(|(m, _)| rdb_string(m) + 8)
                    .sum::<usize>()
        }
    }
}

/// MEMORY USAGE key [SAMPLES count]
pub fn memory_usage(c: &mut Call<'_>) {
    let mut samples = DEFAULT_SAMPLES;
    let mut j = 3;
    while j < c.args.len() {
        if keyword(c.args.at(j), "samples") && j + 1 < c.args.len() {
            match parse_i64(c.args.at(j + 1)) {
                None => return resp::error(c.out, b"ERR value is not an integer or out of range"),
                Some(n) if n < 0 => return resp::error(c.out, b"ERR syntax error"),
                Some(0) => samples = 0,
                Some(n) => samples = n.min(usize::MAX as i64) as usize,
            }
            j += 2;
        } else {
            return resp::error(c.out, b"ERR syntax error");
        }
    }
    let key = c.args.at(2);
    // Not an access (Redis looks the key up in the dict directly).
    match c.db.peek(key, &c.now) {
        Some(v) => resp::int(c.out, value_bytes(key, v, samples) as i64),
        None => resp::null(c.out),
    }
}

/// MEMORY STATS
pub fn plan_memory_stats(cx: &mut ServerCx<'_, '_>) -> Planned<Plan> {
    srv::broadcast(
        ServerOp::Report,
        &[b"0"],
        cx.router.nshards(),
        cx.parts,
        ServerPlan::MemoryStats,
    )
}

/// C's `%.17g`, how Redis 7.0 writes a double.
fn g17(x: f64) -> String {
    if !x.is_finite() {
        return if x.is_nan() {
            "nan".into()
        } else if x > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    if x == 0.0 {
        return "0".into();
    }
    let sci = format!("{x:.16e}");
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let trim = |s: String| {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    };
    if !(-4..17).contains(&exp) {
        let m = trim(mant.to_string());
        format!("{m}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs())
    } else {
        let decimals = (16 - exp).max(0) as usize;
        trim(format!("{x:.decimals$}"))
    }
}

/// Figures for MEMORY STATS and DOCTOR.
struct Figures {
    used: u64,
    peak: u64,
    startup: u64,
    rss: u64,
    clients: u64,
    client_memory: u64,
    keys: u64,
}

fn figures(shard: &Keyspace, total: &Report) -> Figures {
    let shared = &shard.server.shared;
    let (used, peak) = shared.memory();
    Figures {
        used,
        peak,
        startup: shared
            .config
            .live()
            .memory
            .startup()
            .unwrap_or(shared.startup_memory),
        rss: sys::rss_bytes(),
        clients: total.clients,
        client_memory: total.client_memory,
        keys: total.keys(),
    }
}

/// The MEMORY STATS reply (the fields kevy can measure, Redis's names).
pub fn gather_memory_stats(shard: &mut Keyspace, replies: Vec<ServerReply>, out: &mut Reply<'_>) {
    let f = figures(shard, &merge_reports(replies));
    let overhead = f.startup + f.client_memory;
    let dataset = f.used.saturating_sub(overhead);
    let net = f.used.saturating_sub(f.startup);
    let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let ints: [(&str, u64); 7] = [
        ("peak.allocated", f.peak),
        ("total.allocated", f.used),
        ("startup.allocated", f.startup),
        ("clients.normal", f.client_memory),
        ("overhead.total", overhead),
        ("keys.count", f.keys),
        ("keys.bytes-per-key", net.checked_div(f.keys).unwrap_or(0)),
    ];
    let tail: [(&str, u64); 3] = [
        ("allocator.allocated", f.used),
        ("allocator.resident", f.rss),
        ("fragmentation.bytes", f.rss.saturating_sub(f.used)),
    ];
    resp::map(out, ints.len() + 4 + tail.len());
    for (k, v) in ints {
        resp::bulk(out, k.as_bytes());
        resp::int(out, v as i64);
    }
    resp::bulk(out, b"dataset.bytes");
    resp::int(out, dataset as i64);
    resp::bulk(out, b"dataset.percentage");
    resp::double_text(out, g17(ratio(dataset, net) * 100.0).as_bytes());
    resp::bulk(out, b"peak.percentage");
    resp::double_text(out, g17(ratio(f.used, f.peak) * 100.0).as_bytes());
    resp::bulk(out, b"fragmentation");
    resp::double_text(out, g17(ratio(f.rss, f.used)).as_bytes());
    for (k, v) in tail {
        resp::bulk(out, k.as_bytes());
        resp::int(out, v as i64);
    }
}

/// MEMORY DOCTOR
pub fn plan_memory_doctor(cx: &mut ServerCx<'_, '_>) -> Planned<Plan> {
    srv::broadcast(
        ServerOp::Report,
        &[b"0"],
        cx.router.nshards(),
        cx.parts,
        ServerPlan::MemoryDoctor,
    )
}

/// The MEMORY DOCTOR report, after Redis's `getMemoryDoctorReport`, on the
/// figures kevy has: an (almost) empty instance, a past peak, a resident
/// size far above the allocations, and big client buffers.
pub fn gather_memory_doctor(shard: &mut Keyspace, replies: Vec<ServerReply>, out: &mut Reply<'_>) {
    let f = figures(shard, &merge_reports(replies));
    let text = if f.used < 5 << 20 {
        "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n".to_string()
    } else {
        let mut issues = Vec::new();
        if f.peak as f64 / f.used as f64 > 1.5 {
            issues.push(" * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n".to_string());
        }
        if f.rss as f64 / f.used as f64 > 1.4 && f.rss.saturating_sub(f.used) > 10 << 20 {
            issues.push(format!(" * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means that the Resident Set Size of the process is much larger than the sum of the logical allocations it performed). This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. If the problem is a large peak memory, then there is no issue. Note: The currently used allocator is \"{}\".\n\n", sys::ALLOCATOR));
        }
        if f.clients > 0 && f.client_memory / f.clients > 200 * 1024 {
            issues.push(" * Big client buffers: The clients output buffers in this instance are greater than 200K per client (on average). This may result from different causes, like clients sending commands with large replies or very large sequences of commands in the same pipeline. Please use the CLIENT LIST command in order to investigate the issue if it causes problems in your instance, or to understand better why certain clients are using a big amount of memory.\n\n".to_string());
        }
        if issues.is_empty() {
            "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n".to_string()
        } else {
            let mut t = "Sam, I detected a few issues in this Redis instance memory implants:\n\n"
                .to_string();
            issues.iter().for_each(|i| t.push_str(i));
            t.push_str("I'm here to keep you safe, Sam. I want to help you.\n");
            t
        }
    };
    resp::verbatim(out, text.as_bytes());
}

/// MEMORY PURGE: gives free heap memory back to the OS (`malloc_trim`).
pub fn purge(c: &mut Local<'_>) -> Flow {
    sys::trim();
    resp::ok(c.out);
    Flow::Continue
}

/// MEMORY MALLOC-STATS: Redis's answer for allocators other than jemalloc.
pub fn malloc_stats(c: &mut Local<'_>) -> Flow {
    resp::bulk(c.out, b"Stats not supported for the current allocator");
    Flow::Continue
}

const HELP: &[&str] = &[
    "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "DOCTOR",
    "    Return memory problems reports.",
    "MALLOC-STATS",
    "    Return internal statistics report from the memory allocator.",
    "PURGE",
    "    Attempt to purge dirty pages for reclamation by the allocator.",
    "STATS",
    "    Return information about the memory usage of the server.",
    "USAGE <key> [SAMPLES <count>]",
    "    Return memory in bytes used by <key> and its value. Nested values are",
    "    sampled up to <count> times (default: 5, 0 means sample all).",
    "HELP",
    "    Prints this help.",
];

/// MEMORY HELP
pub fn memory_help(c: &mut Local<'_>) -> Flow {
    write_help(c.out, HELP);
    Flow::Continue
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_like_printf_g17() {
        assert_eq!(g17(1.5), "1.5");
        assert_eq!(g17(100.0), "100");
        assert_eq!(g17(0.1), "0.10000000000000001");
        assert_eq!(g17(1e20), "1e+20");
        assert_eq!(g17(12.345678901234567), "12.345678901234567");
        assert_eq!(g17(0.0), "0");
    }

    #[test]
    fn rdb_lengths_match_redis_for_strings() {
        assert_eq!(serialized_len(&Value::string(b"hello")), 6);
        assert_eq!(serialized_len(&Value::string(b"1")), 2);
        assert_eq!(serialized_len(&Value::string(b"1000")), 3);
        assert_eq!(serialized_len(&Value::string(b"100000")), 5);
    }
}
