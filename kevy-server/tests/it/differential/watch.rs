//! WATCH and keyspace notifications against redis-server 7.0, in RESP2 and
//! RESP3: scripts drive several connections on both servers in lockstep
//! (a watcher and a writer; a subscriber and a writer) and every step's
//! replies, or the notifications a subscriber reads, must be equal byte
//! for byte. On kevy (2 shards) `a` lives on shard 1 and `b` on shard 0,
//! and the connections land on either shard, so watches, their breaking and
//! notifications cross shards.

use std::time::Duration;

use super::{Pair, Proto};
use crate::util::{encode_str, escape, Raw};

/// One step: on connection `.0`, send `.1` (nothing when empty) and read
/// `.2` replies or messages; connection `usize::MAX` sleeps `.2` ms (lets a
/// deadline pass; nothing is timed).
type Step = (usize, &'static [&'static str], usize);

const SLEEP: usize = usize::MAX;

/// Watcher 0, writer 1.
const WATCH: &[&[Step]] = &[
    // A write from another client breaks the watch; its own does not count
    // before MULTI… it does: Redis breaks on any write, its own included.
    &[
        (1, &["FLUSHALL"], 1),
        (1, &["MSET", "a", "1", "b", "1"], 1),
        (0, &["WATCH", "a", "b"], 1),
        (0, &["MULTI"], 1),
        (0, &["INCR", "a"], 1),
        (1, &["SET", "b", "2"], 1),
        (0, &["EXEC"], 1),
        (0, &["MGET", "a", "b"], 1),
        (0, &["WATCH", "a", "b"], 1),
        (0, &["MULTI"], 1),
        (0, &["INCR", "a"], 1),
        (0, &["INCR", "b"], 1),
        (0, &["EXEC"], 1),
        (0, &["WATCH", "a"], 1),
        (0, &["SET", "a", "own"], 1),
        (0, &["MULTI"], 1),
        (0, &["GET", "a"], 1),
        (0, &["EXEC"], 1),
    ],
    // WATCH inside MULTI; UNWATCH; DISCARD and RESET drop watches.
    &[
        (1, &["FLUSHALL"], 1),
        (0, &["MULTI"], 1),
        (0, &["WATCH", "a"], 1),
        (0, &["SET", "a", "1"], 1),
        (0, &["EXEC"], 1),
        (0, &["WATCH", "a", "b"], 1),
        (0, &["UNWATCH"], 1),
        (1, &["SET", "a", "x"], 1),
        (0, &["MULTI"], 1),
        (0, &["GET", "a"], 1),
        (0, &["EXEC"], 1),
        (0, &["WATCH", "b"], 1),
        (0, &["MULTI"], 1),
        (0, &["DISCARD"], 1),
        (1, &["SET", "b", "x"], 1),
        (0, &["MULTI"], 1),
        (0, &["GET", "b"], 1),
        (0, &["EXEC"], 1),
        (0, &["WATCH", "b"], 1),
        (0, &["RESET"], 1),
        (1, &["SET", "b", "y"], 1),
        (0, &["MULTI"], 1),
        (0, &["GET", "b"], 1),
        (0, &["EXEC"], 1),
    ],
    // Changes that do not change: DEL of a missing key, SADD of a member,
    // and in-place changes that do: RPUSH, ZADD updating a score, HSET.
    &[
        (1, &["FLUSHALL"], 1),
        (1, &["SADD", "a", "m"], 1),
        (1, &["ZADD", "b", "1", "x"], 1),
        (0, &["WATCH", "a", "missing"], 1),
        (1, &["DEL", "missing"], 1),
        (1, &["SADD", "a", "m"], 1),
        (0, &["MULTI"], 1),
        (0, &["PING"], 1),
        (0, &["EXEC"], 1),
        (0, &["WATCH", "b"], 1),
        (1, &["ZADD", "b", "2", "x"], 1),
        (0, &["MULTI"], 1),
        (0, &["PING"], 1),
        (0, &["EXEC"], 1),
        (1, &["RPUSH", "l", "1"], 1),
        (0, &["WATCH", "l"], 1),
        (1, &["RPUSH", "l", "2"], 1),
        (0, &["MULTI"], 1),
        (0, &["PING"], 1),
        (0, &["EXEC"], 1),
        (0, &["WATCH", "h"], 1),
        (1, &["HSET", "h", "f", "v"], 1),
        (0, &["MULTI"], 1),
        (0, &["PING"], 1),
        (0, &["EXEC"], 1),
    ],
    // Whole databases: FLUSHALL, FLUSHDB, SWAPDB, MOVE; an empty FLUSHDB
    // of keys that do not exist changes nothing.
    &[
        (1, &["FLUSHALL"], 1),
        (1, &["SET", "a", "1"], 1),
        (0, &["WATCH", "a"], 1),
        (1, &["FLUSHALL"], 1),
        (0, &["MULTI"], 1),
        (0, &["PING"], 1),
        (0, &["EXEC"], 1),
        (0, &["WATCH", "b"], 1),
        (1, &["FLUSHDB"], 1),
        (0, &["MULTI"], 1),
        (0, &["PING"], 1),
        (0, &["EXEC"], 1),
        (1, &["SELECT", "1"], 1),
        (1, &["SET", "b", "1"], 1),
        (0, &["WATCH", "b"], 1),
        (1, &["SWAPDB", "0", "1"], 1),
        (0, &["MULTI"], 1),
        (0, &["GET", "b"], 1),
        (0, &["EXEC"], 1),
        (0, &["WATCH", "b"], 1),
        (0, &["MOVE", "b", "3"], 1),
        (0, &["MULTI"], 1),
        (0, &["PING"], 1),
        (0, &["EXEC"], 1),
    ],
    // Expiry: a watched key expiring before EXEC, whether or not it was
    // deleted yet. Active expiry is off, so the first key is not deleted
    // until EXEC looks; the watcher sends the SET and the WATCH in one
    // pipeline (its replies read after both), so the key is watched before
    // it can expire however loaded the machine (only the servers' own gap
    // between two pipelined commands would have to pass 200 ms), and the
    // sleep starts after the watch: nothing waits on a client's timing.
    &[
        (1, &["FLUSHALL"], 1),
        (1, &["DEBUG", "SET-ACTIVE-EXPIRE", "0"], 1),
        (0, &["SET", "a", "1", "PX", "200"], 0),
        (0, &["WATCH", "a"], 2),
        (SLEEP, &[], 300),
        (0, &["MULTI"], 1),
        (0, &["PING"], 1),
        (0, &["EXEC"], 1),
        (0, &["SET", "b", "1", "PX", "200"], 0),
        (0, &["WATCH", "b"], 2),
        (SLEEP, &[], 300),
        (1, &["GET", "b"], 1),
        (0, &["MULTI"], 1),
        (0, &["PING"], 1),
        (0, &["EXEC"], 1),
        (1, &["DEBUG", "SET-ACTIVE-EXPIRE", "1"], 1),
    ],
];

/// Subscriber 0, writer 1: each command's notifications (with `KEA`, two
/// messages per event; `n` adds "new"). Multi-key commands here keep their
/// keys on one shard (`{a}`): a multi-key command across shards signals
/// its changes (watches break) but does not name its events yet.
const NOTIFY: &[&[Step]] = &[&[
    (1, &["FLUSHALL"], 1),
    (1, &["CONFIG", "SET", "notify-keyspace-events", "KEA"], 1),
    (1, &["CONFIG", "GET", "notify-keyspace-events"], 1),
    (0, &["PSUBSCRIBE", "__key*__:*"], 1),
    (1, &["SET", "a", "1"], 1),
    (0, &[], 2),
    (1, &["SET", "a", "2", "EX", "100"], 1),
    (0, &[], 4),
    (1, &["INCRBY", "a", "3"], 1),
    (0, &[], 2),
    (1, &["APPEND", "a", "x"], 1),
    (0, &[], 2),
    (1, &["PERSIST", "a"], 1),
    (0, &[], 2),
    (1, &["EXPIRE", "a", "100"], 1),
    (0, &[], 2),
    (1, &["RENAME", "a", "{a}b"], 1),
    (0, &[], 4),
    (1, &["DEL", "{a}b", "{a}nothing"], 1),
    (0, &[], 2),
    (1, &["MSET", "a", "1", "{a}b", "2"], 1),
    (0, &[], 4),
    (1, &["RPUSH", "l", "1", "2"], 1),
    (0, &[], 2),
    (1, &["LPOP", "l"], 1),
    (0, &[], 2),
    (1, &["RPOP", "l"], 1),
    (0, &[], 4),
    (1, &["SADD", "s", "x"], 1),
    (0, &[], 2),
    (1, &["SREM", "s", "x"], 1),
    (0, &[], 4),
    (1, &["HSET", "h", "f", "v"], 1),
    (0, &[], 2),
    (1, &["HINCRBY", "h", "n", "1"], 1),
    (0, &[], 2),
    (1, &["HDEL", "h", "f", "n"], 1),
    (0, &[], 4),
    (1, &["ZADD", "z", "1", "m"], 1),
    (0, &[], 2),
    (1, &["ZINCRBY", "z", "1", "m"], 1),
    (0, &[], 2),
    (1, &["ZREM", "z", "m"], 1),
    (0, &[], 4),
    (1, &["SET", "a", "1", "PX", "1"], 1),
    (0, &[], 4),
    (SLEEP, &[], 30),
    (1, &["GET", "a"], 1),
    (0, &[], 2),
    // Stores whose sources span shards (`a`, `b`), named on the
    // destination's shard.
    (1, &["FLUSHALL"], 1),
    (1, &["ZADD", "a", "1", "x"], 1),
    (0, &[], 2),
    (1, &["ZADD", "b", "2", "y"], 1),
    (0, &[], 2),
    (1, &["ZUNIONSTORE", "{a}u", "2", "a", "b"], 1),
    (0, &[], 2),
    (1, &["ZINTERSTORE", "{b}i", "2", "a", "b"], 1),
    (1, &["FLUSHALL"], 1),
    (1, &["SADD", "a", "1"], 1),
    (0, &[], 2),
    (1, &["SADD", "b", "2"], 1),
    (0, &[], 2),
    (1, &["SUNIONSTORE", "{b}s", "a", "b"], 1),
    (0, &[], 2),
    (1, &["FLUSHALL"], 1),
    (1, &["SET", "a", "1"], 1),
    (0, &[], 2),
    (1, &["SET", "b", "2"], 1),
    (0, &[], 2),
    (1, &["BITOP", "OR", "{a}o", "a", "b"], 1),
    (0, &[], 2),
    (1, &["CONFIG", "SET", "notify-keyspace-events", "Egn"], 1),
    (1, &["CONFIG", "GET", "notify-keyspace-events"], 1),
    (1, &["SET", "c", "1"], 1),
    (0, &[], 1),
    (1, &["DEL", "c"], 1),
    (0, &[], 1),
    // Key misses: read lookups only.
    (1, &["CONFIG", "SET", "notify-keyspace-events", "Em"], 1),
    (1, &["CONFIG", "GET", "notify-keyspace-events"], 1),
    (1, &["GET", "nokey"], 1),
    (0, &[], 1),
    (1, &["LPOP", "nokey"], 1),
    (1, &["INCR", "counter"], 1),
    (1, &["STRLEN", "nokey2"], 1),
    (0, &[], 1),
    (1, &["CONFIG", "SET", "notify-keyspace-events", ""], 1),
    (1, &["CONFIG", "SET", "notify-keyspace-events", "KQ"], 1),
]];

fn run_script(pair: &Pair, proto: Proto, script: &[Step]) -> Result<usize, String> {
    let n = script
        .iter()
        .map(|s| s.0)
        .filter(|&c| c != SLEEP)
        .max()
        .unwrap_or(0)
        + 1;
    let mut conns: Vec<(Raw, Raw)> = (0..n).map(|_| pair.connect_in(proto)).collect();
    for (at, (c, args, replies)) in script.iter().enumerate() {
        if *c == SLEEP {
            std::thread::sleep(Duration::from_millis(*replies as u64));
            continue;
        }
        let (r, k) = &mut conns[*c];
        if !args.is_empty() {
            r.send(&encode_str(args));
            k.send(&encode_str(args));
        }
        let want: Vec<u8> = (0..*replies).flat_map(|_| r.reply()).collect();
        let got: Vec<u8> = (0..*replies)
            .flat_map(|_| k.reply_within(Duration::from_secs(5)).unwrap_or_default())
            .collect();
        if want != got {
            return Err(format!(
                "{proto:?} step {at} {args:?} on conn {c}:\n  redis: {}\n  kevy:  {}",
                escape(&want),
                escape(&got)
            ));
        }
    }
    Ok(script.len())
}

fn run_all(name: &str, scripts: &[&[Step]]) {
    // DEBUG on: the expiry script turns active expiry off.
    let pair = Pair::start_debug();
    let mut errors = Vec::new();
    let mut steps = 0;
    for proto in [Proto::Resp2, Proto::Resp3] {
        for script in scripts {
            match run_script(&pair, proto, script) {
                Ok(n) => steps += n,
                Err(e) => errors.push(e),
            }
        }
    }
    eprintln!("differential {name}: {steps} steps compared");
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn watch_matches_redis_in_resp2_and_resp3() {
    run_all("watch", WATCH);
}

#[test]
fn keyspace_notifications_match_redis_in_resp2_and_resp3() {
    run_all("notifications", NOTIFY);
}

/// Streams: the events of XADD, XDEL, XTRIM, XSETID and the XGROUP
/// subcommands (subscriber 0, writer 1), and a watch XADD breaks.
const STREAM_NOTIFY: &[&[Step]] = &[
    &[
        (1, &["FLUSHALL"], 1),
        (1, &["CONFIG", "SET", "notify-keyspace-events", "KEA"], 1),
        (0, &["PSUBSCRIBE", "__key*__:*"], 1),
        (1, &["XADD", "x", "1-0", "f", "v"], 1),
        (0, &[], 2),
        (1, &["XADD", "x", "2-0", "f", "v"], 1),
        (0, &[], 2),
        (1, &["XDEL", "x", "9-0"], 1),
        (1, &["XDEL", "x", "1-0"], 1),
        (0, &[], 2),
        (1, &["XTRIM", "x", "MAXLEN", "5"], 1),
        (1, &["XTRIM", "x", "MAXLEN", "0"], 1),
        (0, &[], 2),
        (1, &["XSETID", "x", "5-0"], 1),
        (0, &[], 2),
        (1, &["XGROUP", "CREATE", "x", "g", "$"], 1),
        (0, &[], 2),
        (1, &["XGROUP", "CREATECONSUMER", "x", "g", "c"], 1),
        (0, &[], 2),
        (1, &["XGROUP", "SETID", "x", "g", "0"], 1),
        (0, &[], 2),
        (1, &["XGROUP", "DELCONSUMER", "x", "g", "c"], 1),
        (0, &[], 2),
        (1, &["XGROUP", "DESTROY", "x", "g"], 1),
        (0, &[], 2),
        (1, &["XGROUP", "DESTROY", "x", "g"], 1),
        (1, &["XADD", "x", "6-0", "f", "v"], 1),
        (0, &[], 2),
        (1, &["CONFIG", "SET", "notify-keyspace-events", ""], 1),
    ],
    &[
        (1, &["FLUSHALL"], 1),
        (0, &["WATCH", "x"], 1),
        (1, &["XADD", "x", "1-0", "f", "v"], 1),
        (0, &["MULTI"], 1),
        (0, &["XLEN", "x"], 1),
        (0, &["EXEC"], 1),
        (0, &["WATCH", "x"], 1),
        (1, &["XRANGE", "x", "-", "+"], 1),
        (0, &["MULTI"], 1),
        (0, &["XLEN", "x"], 1),
        (0, &["EXEC"], 1),
    ],
];

#[test]
fn stream_notifications_and_watches_match_redis() {
    run_all("stream notifications", STREAM_NOTIFY);
}
