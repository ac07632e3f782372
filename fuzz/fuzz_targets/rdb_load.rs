//! RDB and DUMP loading: random bytes as a DUMP payload (given a valid
//! footer, so the fuzzer reaches the decoders behind the checksum) through
//! `RESTORE` on an in-process server of 2 shards, and as the body of an RDB
//! file through `persist::rdb::load_rdb` (checksum off).
//!
//! Input: one control byte, then the bytes. Control bit 0 picks the path
//! (0: DUMP payload, 1: RDB file). A restored value must then answer the
//! reads and a write of its type without panicking, DUMP again, and that
//! dump must restore (what loads must be a value the server can use and
//! save).

#![no_main]

use kevy_commands::model::encoding::Enc;
use kevy_commands::persist::rdb::{crc64, load_rdb, Checks, RDB_VERSION};
use kevy_commands::Redis;
use kevy_rt::testing::Harness;
use libfuzzer_sys::fuzz_target;

/// A DUMP payload of `body` with a footer that checks.
fn payload(body: &[u8]) -> Vec<u8> {
    let mut p = body.to_vec();
    p.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = crc64::update(0, &p);
    p.extend_from_slice(&crc.to_le_bytes());
    p
}

/// The bulk string in a RESP reply (`$n\r\n…\r\n`).
fn bulk(reply: &[u8]) -> Option<&[u8]> {
    let rest = reply.strip_prefix(b"$")?;
    let nl = rest.iter().position(|&b| b == b'\n')?;
    let len: usize = std::str::from_utf8(rest.get(..nl.checked_sub(1)?)?).ok()?.parse().ok()?;
    rest.get(nl + 1..nl + 1 + len)
}

/// Reads and a write for each type the key may hold.
const PROBES: &[&[&str]] = &[
    &["TYPE", "k"],
    &["OBJECT", "ENCODING", "k"],
    &["MEMORY", "USAGE", "k"],
    &["GET", "k"],
    &["STRLEN", "k"],
    &["APPEND", "k", "x"],
    &["LRANGE", "k", "0", "-1"],
    &["LINDEX", "k", "-1"],
    &["LPUSH", "k", "x"],
    &["LPOP", "k", "2"],
    &["SMEMBERS", "k"],
    &["SISMEMBER", "k", "1"],
    &["SADD", "k", "x", "1"],
    &["SRANDMEMBER", "k", "-3"],
    &["ZRANGE", "k", "0", "-1", "WITHSCORES"],
    &["ZSCORE", "k", "x"],
    &["ZADD", "k", "1", "x"],
    &["ZRANK", "k", "x"],
    &["HGETALL", "k"],
    &["HGET", "k", "x"],
    &["HSET", "k", "x", "1"],
    &["HRANDFIELD", "k", "-3", "WITHVALUES"],
    &["XRANGE", "k", "-", "+"],
    &["XLEN", "k"],
    &["XINFO", "STREAM", "k", "FULL"],
    &["XINFO", "GROUPS", "k"],
    &["XADD", "k", "*", "f", "v"],
    &["XREADGROUP", "GROUP", "g", "c", "STREAMS", "k", ">"],
    &["XPENDING", "k", "g"],
    &["XAUTOCLAIM", "k", "g", "c", "0", "0-0"],
    &["PFCOUNT", "k"],
    &["PFADD", "k", "x"],
    &["GETRANGE", "k", "0", "-1"],
    &["BITCOUNT", "k"],
];

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, body)) = data.split_first() else {
        return;
    };
    if ctl & 1 == 1 {
        let mut file = b"REDIS0010".to_vec();
        file.extend_from_slice(body);
        let _ = load_rdb(&file, &Enc::default(), 16, None, Checks { checksum: false, deep: true }, |_, _| true, |_| Ok(()));
        return;
    }
    let mut h = Harness::new(Redis::default(), 2);
    let p = payload(body);
    let reply = h.run(&[&b"RESTORE"[..], b"k", b"0", &p]);
    if reply != b"+OK\r\n" {
        assert!(reply.starts_with(b"-"), "RESTORE answered {reply:?}");
        return;
    }
    let dumped = h.run(&["DUMP", "k"]);
    let again = bulk(&dumped).expect("DUMP of a restored key").to_vec();
    let reply = h.run(&[&b"RESTORE"[..], b"k2", b"0", &again]);
    assert_eq!(reply, b"+OK\r\n", "the restored value's DUMP does not restore");
    for probe in PROBES {
        h.run(probe);
    }
});
