//! DEBUG DIGEST and DEBUG DIGEST-VALUE: the same dataset on redis-server
//! 7.0 and on kevy (keys on both shards, every type in its small and large
//! encodings, integers and doubles, keys with a TTL, several databases)
//! gives the same 40 hex digits, so tools can compare a kevy dataset with a
//! Redis one.

use crate::util::{escape, kevy_with, Raw, RedisServer};

/// A small deterministic generator (the dataset is the same every run).
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// A member: an integer, a short string, or a longer one.
    fn member(&mut self) -> String {
        match self.below(3) {
            0 => format!("{}", self.below(1000) as i64 - 300),
            1 => format!("m{}", self.below(500)),
            _ => format!(
                "member-{}-{}",
                self.below(100),
                "x".repeat(self.below(80) as usize)
            ),
        }
    }
}

/// The commands that build the dataset.
pub(crate) fn dataset() -> Vec<Vec<String>> {
    let mut g = Gen(0x9E37_79B9_7F4A_7C15);
    let mut cmds: Vec<Vec<String>> = Vec::new();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    for db in ["0", "3"] {
        cmds.push(s(&["SELECT", db]));
        for k in 0..12 {
            let key = format!("str:{k}");
            let val = match k % 3 {
                0 => format!("{}", k as i64 * 1000 - 7),
                1 => format!("value-{k}"),
                _ => "y".repeat(100 + k),
            };
            cmds.push(vec!["SET".into(), key, val]);
        }
        for (k, n) in [(0, 5usize), (1, 200)] {
            let mut c = vec!["RPUSH".to_string(), format!("list:{k}")];
            c.extend((0..n).map(|_| g.member()));
            cmds.push(c);
            let mut c = vec!["SADD".to_string(), format!("iset:{k}")];
            c.extend((0..n).map(|i| format!("{}", i as i64 * 3 - 50)));
            cmds.push(c);
            let mut c = vec!["SADD".to_string(), format!("set:{k}")];
            c.extend((0..n).map(|_| g.member()));
            cmds.push(c);
            let mut c = vec!["HSET".to_string(), format!("hash:{k}")];
            for i in 0..n {
                c.push(format!("f{i}"));
                c.push(g.member());
            }
            cmds.push(c);
            let mut c = vec!["ZADD".to_string(), format!("zset:{k}")];
            for i in 0..n {
                let score = match i % 4 {
                    0 => format!("{}", g.below(100)),
                    1 => format!("{}.{}", g.below(100), g.below(1000)),
                    2 => "0.1".to_string(),
                    _ => format!("-{}e{}", g.below(9) + 1, g.below(30)),
                };
                c.push(score);
                c.push(g.member());
            }
            cmds.push(c);
        }
        cmds.push(s(&["PFADD", "hll", "a", "b", "c"]));
        cmds.push(s(&["EXPIRE", "str:1", "1000"]));
        cmds.push(s(&["EXPIRE", "list:1", "1000"]));
    }
    cmds
}

/// A redis-server and a kevy server, both with DEBUG enabled.
fn with_debug() -> (RedisServer, kevy_rt::Server) {
    let redis = RedisServer::start_with(&["--enable-debug-command", "yes"]);
    let commands = kevy_commands::Redis::default();
    commands
        .config()
        .load("enable-debug-command", &["yes"])
        .expect("debug on");
    (redis, kevy_with(commands))
}

#[test]
fn digests_match_redis() {
    let (redis, kv) = with_debug();
    let (mut r, mut k) = (Raw::connect(redis.addr()), Raw::connect(kv.addr()));
    let mut both = |cmd: &[&str]| {
        let (a, b) = (r.call(cmd), k.call(cmd));
        assert_eq!(escape(&a), escape(&b), "{cmd:?}");
        a
    };
    let empty = both(&["DEBUG", "DIGEST"]);
    assert_eq!(empty, format!("+{}\r\n", "0".repeat(40)).into_bytes());
    let cmds = dataset();
    let mut keys = Vec::new();
    for (i, c) in cmds.iter().enumerate() {
        let c: Vec<&str> = c.iter().map(String::as_str).collect();
        both(&c);
        if c[0] != "SELECT" && c[0] != "EXPIRE" && !keys.contains(&c[1].to_string()) {
            keys.push(c[1].to_string());
        }
        if i % 7 == 0 {
            both(&["DEBUG", "DIGEST"]);
        }
    }
    let full = both(&["DEBUG", "DIGEST"]);
    assert_ne!(full, empty);
    // Per value, in both databases (a missing key digests to zeros).
    for db in ["0", "3", "5"] {
        both(&["SELECT", db]);
        let mut c = vec!["DEBUG", "DIGEST-VALUE"];
        c.extend(keys.iter().map(String::as_str));
        c.push("missing");
        both(&c);
    }
    both(&["DEBUG", "DIGEST-VALUE"]);
    // Changes that keep the data keep the digest; order changes a list's.
    both(&["SELECT", "0"]);
    both(&["LPUSH", "list:0", "new"]);
    let changed = both(&["DEBUG", "DIGEST"]);
    assert_ne!(changed, full);
    both(&["LPOP", "list:0"]);
    assert_eq!(both(&["DEBUG", "DIGEST"]), full);
    both(&["PERSIST", "str:1"]);
    assert_ne!(both(&["DEBUG", "DIGEST"]), full);

    // Structure printing and the quicklist's plain-node threshold: replies,
    // and lists built with plain nodes hold the same elements as Redis's.
    for cmd in [
        &["DEBUG", "LISTPACK", "hash:0"][..],
        &["DEBUG", "LISTPACK", "list:0"],
        &["DEBUG", "LISTPACK", "nokey"],
        &["DEBUG", "QUICKLIST", "list:0"],
        &["DEBUG", "QUICKLIST", "list:1", "1"],
        &["DEBUG", "QUICKLIST", "hash:0"],
        &["DEBUG", "QUICKLIST", "nokey"],
        &["DEBUG", "QUICKLIST-PACKED-THRESHOLD", "5gb"],
        &["DEBUG", "QUICKLIST-PACKED-THRESHOLD", "x"],
        &["DEBUG", "QUICKLIST-PACKED-THRESHOLD", "10b"],
        &[
            "RPUSH",
            "plain",
            "a",
            "bbbbbbbbbbbb",
            "c",
            "dddddddddddddddd",
            "e",
        ],
        &["LINSERT", "plain", "BEFORE", "c", "ffffffffffffffffff"],
        &["LINSERT", "plain", "AFTER", "bbbbbbbbbbbb", "g"],
        &["LSET", "plain", "0", "hhhhhhhhhhhhhhhhhhhhh"],
        &["LSET", "plain", "2", "i"],
        &["LPUSH", "plain", "jjjjjjjjjjjj", "k"],
        &["LREM", "plain", "0", "c"],
        &["LRANGE", "plain", "0", "-1"],
        &["LPOS", "plain", "e"],
        &["DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0"],
        &["RPUSH", "plain", "llllllllllllllllllll"],
        &["LRANGE", "plain", "0", "-1"],
    ] {
        both(cmd);
    }
    assert_eq!(both(&["DEBUG", "DIGEST-VALUE", "plain"]).len(), 4 + 43);
}

/// Runs a command on both servers: (redis-server's reply, kevy's).
type Pair<'a> = dyn FnMut(&[&str]) -> (Vec<u8>, Vec<u8>) + 'a;

/// DEBUG POPULATE makes the same keys and values as redis-server (the same
/// digest, prefix and size variants, existing keys kept, Redis's errors),
/// and DEBUG HTSTATS / HTSTATS-KEY answer in Redis's layout: the table
/// size Redis's dict has for that many keys, the element counts, and the
/// same refusals (kevy's tables have no chains, so the chain figures of a
/// populated table differ and are not compared).
#[test]
fn populate_and_htstats_match_redis() {
    let (redis, kv) = with_debug();
    let (mut r, mut k) = (Raw::connect(redis.addr()), Raw::connect(kv.addr()));
    let mut pair = |cmd: &[&str]| (r.call(cmd), k.call(cmd));
    let both = |pair: &mut Pair<'_>, cmd: &[&str]| {
        let (a, b) = pair(cmd);
        assert_eq!(escape(&a), escape(&b), "{cmd:?}");
    };
    both(&mut pair, &["SET", "key:3", "mine"]);
    for cmd in [
        &["DEBUG", "POPULATE", "5000"][..],
        &["DEBUG", "POPULATE", "10", "pre", "3"],
        &["DEBUG", "POPULATE", "10", "big", "40"],
        &["DEBUG", "POPULATE", "-1"],
        &["DEBUG", "POPULATE", "x"],
        &["DEBUG", "POPULATE", "1", "a", "-5"],
        &["DEBUG", "POPULATE", "1", "a", "2", "3"],
        &["DBSIZE"],
        &["GET", "key:3"],
        &["GET", "key:4999"],
        &["GET", "pre:7"],
        &["GET", "big:9"],
        &["DEBUG", "DIGEST"],
        &["DEBUG", "HTSTATS", "1"],
        &["DEBUG", "HTSTATS", "16"],
        &["DEBUG", "HTSTATS", "-1"],
        &["DEBUG", "HTSTATS", "zero"],
        &["DEBUG", "HTSTATS-KEY", "nope"],
        &["DEBUG", "HTSTATS-KEY", "key:1"],
        &["RPUSH", "list", "a"],
        &["DEBUG", "HTSTATS-KEY", "list"],
        &["SADD", "ints", "1", "2"],
        &["DEBUG", "HTSTATS-KEY", "ints"],
    ] {
        both(&mut pair, cmd);
    }
    // The figures Redis's dict would show; chain figures aside.
    let head = |reply: Vec<u8>| -> Vec<String> {
        String::from_utf8_lossy(&reply)
            .lines()
            .filter(|l| {
                l.contains("table size") || l.contains("number of elements") || l.starts_with('[')
            })
            .map(str::to_string)
            .collect()
    };
    both(&mut pair, &["EXPIRE", "key:1", "100"]);
    let (a, b) = pair(&["DEBUG", "HTSTATS", "0"]);
    assert_eq!(head(a), head(b));
    both(&mut pair, &["SADD", "strs", "a", "b", "c"]);
    let (a, b) = pair(&["DEBUG", "HTSTATS-KEY", "strs"]);
    assert_eq!(head(a), head(b));
    kv.stop();
}
