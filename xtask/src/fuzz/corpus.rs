//! Fuzz inputs: valid pipelines (RESP and the memcached text protocol) made at
//! random, then mutated — bit flips, protocol bytes dropped in, truncations,
//! huge or negative lengths, chunks duplicated or cut, random bytes spliced.

use crate::bench::Rng;

/// A random pick from `items`.
fn pick<'a, T>(rng: &mut Rng, items: &'a [T]) -> &'a T {
    &items[(rng.next() % items.len() as u64) as usize]
}

const REDIS: &[&[&str]] = &[
    &["SET", "k", "v"],
    &["SET", "k", "v", "EX", "100"],
    &["GET", "k"],
    &["MSET", "a", "1", "b", "2", "c", "3"],
    &["MGET", "a", "b", "c", "k"],
    &["DEL", "a", "b"],
    &["INCR", "n"],
    &["INCRBY", "n", "-5"],
    &["INCRBYFLOAT", "f", "1.5e3"],
    &["APPEND", "k", "xyz"],
    &["GETRANGE", "k", "0", "-1"],
    &["SETRANGE", "k", "3", "abc"],
    &["EXPIRE", "k", "10"],
    &["TTL", "k"],
    &["EXISTS", "a", "k"],
    &["KEYS", "*"],
    &["DBSIZE"],
    &["SELECT", "1"],
    &["PING"],
    &["ECHO", "hello"],
    &["STRLEN", "k"],
    &["GETDEL", "a"],
    &["COMMAND", "COUNT"],
    // Other families, and both protocols (HELLO switches the connection).
    &["HELLO", "3"],
    &["HELLO", "2", "SETNAME", "fz"],
    &["HSET", "h", "f", "v", "g", "w"],
    &["HGETALL", "h"],
    &["HRANDFIELD", "h", "-3", "WITHVALUES"],
    &["HINCRBYFLOAT", "h", "n", "2.5"],
    &["LPUSH", "l", "a", "b", "c"],
    &["LRANGE", "l", "0", "-1"],
    &["LMOVE", "l", "l2", "LEFT", "RIGHT"],
    &["LPOS", "l", "b", "RANK", "-1", "COUNT", "0"],
    &["SADD", "s", "1", "2", "x"],
    &["SMEMBERS", "s"],
    &["SINTERCARD", "2", "s", "t", "LIMIT", "1"],
    &["SPOP", "s", "2"],
    &["ZADD", "z", "1.5", "a", "2", "b", "+inf", "c"],
    &["ZRANGE", "z", "0", "-1", "WITHSCORES"],
    &["ZRANGEBYSCORE", "z", "(1", "+inf", "LIMIT", "0", "2"],
    &["ZSCORE", "z", "a"],
    &["ZINCRBY", "z", "-1e308", "a"],
    &["ZPOPMIN", "z", "2"],
    &["ZUNIONSTORE", "u", "2", "z", "s", "WEIGHTS", "2", "3"],
    &["SETBIT", "b", "100", "1"],
    &[
        "BITFIELD", "b", "INCRBY", "i5", "100", "1", "GET", "u4", "0",
    ],
    &["BITCOUNT", "b", "0", "-1", "BIT"],
    &["PFADD", "p", "a", "b", "c"],
    &["PFCOUNT", "p", "k"],
    &["LCS", "k", "a", "IDX", "WITHMATCHLEN"],
    &["SORT", "l", "ALPHA", "LIMIT", "0", "2"],
    &["SCAN", "0", "MATCH", "*", "COUNT", "5"],
    &["RENAME", "k", "k2"],
    &["COPY", "k2", "k", "REPLACE"],
    &["OBJECT", "ENCODING", "z"],
    &["OBJECT", "FREQ", "k"],
    &["MEMORY", "USAGE", "h"],
    &["TYPE", "s"],
    &["INFO", "keyspace"],
    &["CLIENT", "LIST"],
    &["CLIENT", "SETNAME", "x y"],
    &["CONFIG", "GET", "max*"],
    &["SLOWLOG", "GET", "2"],
    &["LATENCY", "DOCTOR"],
    &["LATENCY", "GRAPH", "command"],
    &["COMMAND", "DOCS", "GET", "ZADD"],
    &["COMMAND", "GETKEYS", "SORT", "l", "STORE", "x"],
];

/// A RESP pipeline of a few commands, as multibulk or inline requests.
pub fn redis_pipeline(rng: &mut Rng) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..1 + rng.next() % 6 {
        let cmd = pick(rng, REDIS);
        if rng.next().is_multiple_of(4) {
            out.extend_from_slice(cmd.join(" ").as_bytes());
            out.extend_from_slice(b"\r\n");
        } else {
            out.extend_from_slice(format!("*{}\r\n", cmd.len()).as_bytes());
            for a in cmd.iter() {
                out.extend_from_slice(format!("${}\r\n{a}\r\n", a.len()).as_bytes());
            }
        }
    }
    out
}

const MEMCACHED: &[&str] = &[
    "get k",
    "gets a b k",
    "gat 10 k",
    "delete k",
    "incr n 5",
    "decr n 1",
    "touch k 100",
    "flush_all 0",
    "version",
    "verbosity 1",
    "stats",
    "delete a noreply",
];

const STORAGE: &[&str] = &["set", "add", "replace", "append", "prepend"];

/// A memcached text-protocol pipeline of a few requests.
pub fn memcached_pipeline(rng: &mut Rng) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..1 + rng.next() % 6 {
        if rng.next().is_multiple_of(2) {
            let data = "d".repeat((rng.next() % 20) as usize);
            let verb = pick(rng, STORAGE);
            let noreply = if rng.next().is_multiple_of(5) {
                " noreply"
            } else {
                ""
            };
            out.extend_from_slice(
                format!(
                    "{verb} k {} {} {}{noreply}\r\n{data}\r\n",
                    rng.next() % 9,
                    rng.next() % 100,
                    data.len()
                )
                .as_bytes(),
            );
        } else if rng.next().is_multiple_of(8) {
            out.extend_from_slice(b"cas k 0 0 1 12345\r\nz\r\n");
        } else {
            out.extend_from_slice(pick(rng, MEMCACHED).as_bytes());
            out.extend_from_slice(b"\r\n");
        }
    }
    out
}

const PROTOCOL_BYTES: &[u8] = b"\r\n*$-+:0 9\"'\\\x00\xff";
const NUMBERS: &[&str] = &[
    "-1",
    "0",
    "99999999999999999999",
    "2147483648",
    "4294967296",
    "536870913",
    "-9223372036854775808",
];

/// Applies one to four random mutations to `input`.
pub fn mutate(rng: &mut Rng, mut input: Vec<u8>) -> Vec<u8> {
    for _ in 0..1 + rng.next() % 4 {
        let len = input.len().max(1);
        let at = (rng.next() % len as u64) as usize;
        let at = at.min(input.len());
        let last = input.len().saturating_sub(1);
        match rng.next() % 8 {
            0 if !input.is_empty() => input[at.min(last)] ^= 1 << (rng.next() % 8),
            1 if !input.is_empty() => input[at.min(last)] = *pick(rng, PROTOCOL_BYTES),
            2 => input.truncate(at),
            3 => {
                let n = pick(rng, NUMBERS).as_bytes();
                input.splice(at..at, n.iter().copied());
            }
            4 => {
                let end = (at + (rng.next() % 64) as usize).min(input.len());
                let chunk = input[at..end].to_vec();
                input.splice(at..at, chunk);
            }
            5 => {
                let end = (at + (rng.next() % 32) as usize).min(input.len());
                input.drain(at..end);
            }
            6 => {
                let bytes: Vec<u8> = (0..1 + rng.next() % 16).map(|_| rng.next() as u8).collect();
                input.splice(at..at, bytes);
            }
            _ => {
                // Replace the run of digits at or after `at` with an odd number.
                if let Some(start) = input[at..]
                    .iter()
                    .position(u8::is_ascii_digit)
                    .map(|p| p + at)
                {
                    let end = input[start..]
                        .iter()
                        .position(|c| !c.is_ascii_digit())
                        .map_or(input.len(), |p| p + start);
                    let n = pick(rng, NUMBERS).as_bytes();
                    input.splice(start..end, n.iter().copied());
                }
            }
        }
    }
    input
}
