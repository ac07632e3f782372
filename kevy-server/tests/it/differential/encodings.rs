//! Encoding thresholds: each one set on both servers (`CONFIG SET`, under
//! its name and its `*-ziplist-*` alias), then elements added across it one
//! write at a time, with `OBJECT ENCODING` and the data compared after each;
//! thresholds lowered under an existing value (the next write converts, as
//! Redis), raised again (no conversion back), the store commands' results,
//! and every list command over lists of many small nodes
//! (`list-max-listpack-size` counts and size classes).

use super::run_generated;

type Seq = Vec<Vec<String>>;

fn cmd(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

/// The steps that put every threshold back to Redis's default.
fn defaults() -> Seq {
    [
        ("hash-max-listpack-entries", "512"),
        ("hash-max-listpack-value", "64"),
        ("set-max-intset-entries", "512"),
        ("zset-max-listpack-entries", "128"),
        ("zset-max-listpack-value", "64"),
        ("list-max-listpack-size", "-2"),
        ("list-compress-depth", "0"),
        ("hll-sparse-max-bytes", "3000"),
    ]
    .iter()
    .map(|(k, v)| cmd(&["CONFIG", "SET", k, v]))
    .collect()
}

fn enc(key: &str) -> Vec<String> {
    cmd(&["OBJECT", "ENCODING", key])
}

fn hashes() -> Vec<Seq> {
    let mut out = Vec::new();
    for (name, thr) in [
        ("hash-max-listpack-entries", 0),
        ("hash-max-ziplist-entries", 1),
        ("hash-max-listpack-entries", 3),
        ("hash-max-ziplist-entries", 10),
    ] {
        let mut s = defaults();
        s.push(cmd(&["CONFIG", "SET", name, &thr.to_string()]));
        s.push(cmd(&["CONFIG", "GET", name]));
        for i in 0..thr + 3 {
            s.push(cmd(&["HSET", "h", &format!("f{i}"), "v"]));
            s.push(enc("h"));
            s.push(cmd(&["HINCRBY", "c", &format!("n{i}"), "2"]));
            s.push(enc("c"));
            s.push(cmd(&["HSETNX", "n", &format!("n{i}"), "x"]));
            s.push(enc("n"));
        }
        s.push(cmd(&["HGETALL", "h"]));
        s.push(cmd(&["HLEN", "c"]));
        out.push(s);
    }
    for (name, thr) in [
        ("hash-max-listpack-value", 0usize),
        ("hash-max-ziplist-value", 3),
        ("hash-max-listpack-value", 10),
        ("hash-max-listpack-value", 200),
    ] {
        let mut s = defaults();
        s.push(cmd(&["CONFIG", "SET", name, &thr.to_string()]));
        s.push(cmd(&["CONFIG", "GET", "hash-max-listpack-value"]));
        for len in [thr.saturating_sub(1), thr, thr + 1] {
            let v = "v".repeat(len);
            let k = format!("v{len}");
            s.push(cmd(&["HSET", &k, "f", &v]));
            s.push(enc(&k));
            let f = "f".repeat(len);
            let k = format!("f{len}");
            s.push(cmd(&["HSET", &k, &f, "v"]));
            s.push(enc(&k));
            s.push(cmd(&["HGETALL", &k]));
        }
        // A counter that grows past the value limit.
        s.push(cmd(&["HSET", "ctr", "a", "9"]));
        for _ in 0..4 {
            s.push(cmd(&["HINCRBYFLOAT", "ctr", "a", "1234.5"]));
            s.push(enc("ctr"));
        }
        out.push(s);
    }
    // A threshold lowered under a hash: its next write converts (an
    // update too); raised again: no conversion back.
    let mut s = defaults();
    for i in 0..6 {
        s.push(cmd(&["HSET", "h", &format!("f{i}"), "v"]));
    }
    s.push(enc("h"));
    s.push(cmd(&["CONFIG", "SET", "hash-max-listpack-entries", "3"]));
    s.push(enc("h"));
    s.push(cmd(&["HGET", "h", "f1"]));
    s.push(enc("h"));
    s.push(cmd(&["HSET", "h", "f1", "w"]));
    s.push(enc("h"));
    s.push(cmd(&["CONFIG", "SET", "hash-max-listpack-entries", "512"]));
    s.push(cmd(&["HDEL", "h", "f1", "f2", "f3", "f4"]));
    s.push(enc("h"));
    s.push(cmd(&["HSET", "h2", "a", "b"]));
    s.push(cmd(&["CONFIG", "SET", "hash-max-listpack-value", "2"]));
    s.push(cmd(&["HSETNX", "h2", "a", "long"]));
    s.push(enc("h2"));
    out.push(s);
    out
}

fn sets() -> Vec<Seq> {
    let mut out = Vec::new();
    for thr in [0, 1, 2, 5, 20] {
        let mut s = defaults();
        s.push(cmd(&[
            "CONFIG",
            "SET",
            "set-max-intset-entries",
            &thr.to_string(),
        ]));
        s.push(cmd(&["CONFIG", "GET", "set-max-intset-entries"]));
        for i in 0..thr + 3 {
            s.push(cmd(&["SADD", "s", &(i * 7 - 5).to_string()]));
            s.push(enc("s"));
        }
        s.push(cmd(&["SMEMBERS", "s"]));
        // Store commands build their result under the same threshold.
        let many: Vec<String> = (0..thr + 2).map(|i| i.to_string()).collect();
        let mut sadd = vec!["SADD".to_string(), "t".to_string()];
        sadd.extend(many.iter().cloned());
        s.push(sadd);
        s.push(enc("t"));
        for (c, dst) in [
            ("SUNIONSTORE", "u"),
            ("SINTERSTORE", "i"),
            ("SDIFFSTORE", "d"),
        ] {
            s.push(cmd(&[c, dst, "s", "t"]));
            s.push(enc(dst));
            s.push(cmd(&["SMEMBERS", dst]));
        }
        s.push(cmd(&["SMOVE", "t", "m", "1"]));
        s.push(enc("m"));
        out.push(s);
    }
    let mut s = defaults();
    for i in 0..8 {
        s.push(cmd(&["SADD", "s", &i.to_string()]));
    }
    s.push(cmd(&["CONFIG", "SET", "set-max-intset-entries", "4"]));
    s.push(enc("s"));
    s.push(cmd(&["SADD", "s", "3"]));
    s.push(enc("s"));
    s.push(cmd(&["SADD", "s", "100"]));
    s.push(enc("s"));
    s.push(cmd(&["CONFIG", "SET", "set-max-intset-entries", "512"]));
    s.push(cmd(&["SREM", "s", "0", "1", "2", "3", "4", "5", "6"]));
    s.push(enc("s"));
    s.push(cmd(&["SMEMBERS", "s"]));
    out.push(s);
    out
}

fn zsets() -> Vec<Seq> {
    let mut out = Vec::new();
    for (name, thr) in [
        ("zset-max-listpack-entries", 0),
        ("zset-max-ziplist-entries", 1),
        ("zset-max-listpack-entries", 4),
        ("zset-max-ziplist-entries", 12),
    ] {
        let mut s = defaults();
        s.push(cmd(&["CONFIG", "SET", name, &thr.to_string()]));
        s.push(cmd(&["CONFIG", "GET", name]));
        for i in 0..thr + 3 {
            s.push(cmd(&["ZADD", "z", &i.to_string(), &format!("m{i}")]));
            s.push(enc("z"));
            s.push(cmd(&["ZINCRBY", "y", "1.5", &format!("m{i}")]));
            s.push(enc("y"));
        }
        s.push(cmd(&["ZRANGE", "z", "0", "-1", "WITHSCORES"]));
        for (c, dst) in [
            ("ZUNIONSTORE", "u"),
            ("ZINTERSTORE", "i"),
            ("ZDIFFSTORE", "d"),
        ] {
            s.push(cmd(&[c, dst, "2", "z", "y"]));
            s.push(enc(dst));
            s.push(cmd(&["ZRANGE", dst, "0", "-1", "WITHSCORES"]));
        }
        for (dst, range) in [
            ("r1", ["0", "-1", ""]),
            ("r2", ["0", "2", ""]),
            ("r3", ["-inf", "+inf", "BYSCORE"]),
        ] {
            let mut c = cmd(&["ZRANGESTORE", dst, "z", range[0], range[1]]);
            if !range[2].is_empty() {
                c.push(range[2].to_string());
            }
            s.push(c);
            s.push(enc(dst));
        }
        s.push(cmd(&[
            "GEOADD",
            "g",
            "13.361389",
            "38.115556",
            "a",
            "15.087269",
            "37.502669",
            "b",
        ]));
        s.push(enc("g"));
        s.push(cmd(&[
            "GEOSEARCHSTORE",
            "gs",
            "g",
            "FROMLONLAT",
            "15",
            "37",
            "BYRADIUS",
            "200",
            "km",
        ]));
        s.push(enc("gs"));
        out.push(s);
    }
    for (name, thr) in [
        ("zset-max-listpack-value", 0usize),
        ("zset-max-ziplist-value", 3),
        ("zset-max-listpack-value", 100),
        ("zset-max-listpack-value", 255),
    ] {
        let mut s = defaults();
        s.push(cmd(&["CONFIG", "SET", name, &thr.to_string()]));
        s.push(cmd(&["CONFIG", "GET", "zset-max-listpack-value"]));
        for len in [thr.saturating_sub(1), thr, thr + 1] {
            let m = "m".repeat(len.max(1));
            let k = format!("z{len}");
            s.push(cmd(&["ZADD", &k, "1", &m]));
            s.push(enc(&k));
            let k2 = format!("w{len}");
            s.push(cmd(&["ZADD", &k2, "1", "a"]));
            s.push(cmd(&["ZADD", &k2, "2", &m]));
            s.push(enc(&k2));
            s.push(cmd(&["ZUNIONSTORE", "u", "2", &k, &k2]));
            s.push(enc("u"));
        }
        out.push(s);
    }
    let mut s = defaults();
    for i in 0..6 {
        s.push(cmd(&["ZADD", "z", &i.to_string(), &format!("m{i}")]));
    }
    s.push(cmd(&["CONFIG", "SET", "zset-max-listpack-entries", "3"]));
    s.push(enc("z"));
    s.push(cmd(&["ZADD", "z", "9", "m1"]));
    s.push(enc("z"));
    s.push(cmd(&["ZADD", "z", "9", "new"]));
    s.push(enc("z"));
    s.push(cmd(&["CONFIG", "SET", "zset-max-listpack-entries", "128"]));
    s.push(cmd(&["ZREMRANGEBYRANK", "z", "0", "4"]));
    s.push(enc("z"));
    s.push(cmd(&["ZRANGE", "z", "0", "-1", "WITHSCORES"]));
    out.push(s);
    out
}

/// Every list command over a list of many nodes, for `fill`.
fn list_walk(fill: &str, depth: &str) -> Seq {
    let mut s = defaults();
    s.push(cmd(&["CONFIG", "SET", "list-max-ziplist-size", fill]));
    s.push(cmd(&["CONFIG", "SET", "list-compress-depth", depth]));
    s.push(cmd(&["CONFIG", "GET", "list-max-ziplist-size"]));
    s.push(cmd(&["CONFIG", "GET", "list-compress-depth"]));
    for i in 0..60 {
        let v = if i % 7 == 0 {
            format!("{}{i}", "x".repeat(60))
        } else {
            format!("e{}", i % 9)
        };
        let end = if i % 3 == 0 { "LPUSH" } else { "RPUSH" };
        s.push(cmd(&[end, "l", &v]));
    }
    s.push(enc("l"));
    s.push(cmd(&["LRANGE", "l", "0", "-1"]));
    for i in [
        "0", "1", "5", "17", "30", "-1", "-2", "-13", "59", "60", "-61",
    ] {
        s.push(cmd(&["LINDEX", "l", i]));
    }
    for (i, v) in [
        ("0", "a"),
        ("7", "bb"),
        ("-3", "ccc"),
        ("31", &"y".repeat(200)),
        ("60", "no"),
    ] {
        s.push(cmd(&["LSET", "l", i, v]));
    }
    s.push(cmd(&["LINSERT", "l", "BEFORE", "e3", "ins1"]));
    s.push(cmd(&["LINSERT", "l", "AFTER", "e5", "ins2"]));
    s.push(cmd(&["LINSERT", "l", "AFTER", "missing", "ins3"]));
    s.push(cmd(&["LRANGE", "l", "0", "-1"]));
    s.push(cmd(&["LPOS", "l", "e4"]));
    s.push(cmd(&["LPOS", "l", "e4", "RANK", "-2"]));
    s.push(cmd(&["LPOS", "l", "e4", "COUNT", "0"]));
    s.push(cmd(&["LPOS", "l", "e2", "COUNT", "3", "MAXLEN", "40"]));
    s.push(cmd(&["LREM", "l", "2", "e1"]));
    s.push(cmd(&["LREM", "l", "-1", "e2"]));
    s.push(cmd(&["LREM", "l", "0", "e6"]));
    s.push(cmd(&["LRANGE", "l", "0", "-1"]));
    s.push(cmd(&["LLEN", "l"]));
    s.push(cmd(&["LTRIM", "l", "3", "-4"]));
    s.push(cmd(&["LRANGE", "l", "10", "25"]));
    s.push(cmd(&["LMOVE", "l", "l2", "LEFT", "RIGHT"]));
    s.push(cmd(&["RPOPLPUSH", "l", "l"]));
    s.push(cmd(&["LPOP", "l", "3"]));
    s.push(cmd(&["RPOP", "l", "2"]));
    s.push(cmd(&["SORT", "l", "ALPHA", "STORE", "sorted"]));
    s.push(enc("sorted"));
    s.push(cmd(&["LRANGE", "sorted", "0", "-1"]));
    s.push(cmd(&["LRANGE", "l", "0", "-1"]));
    s.push(enc("l"));
    s
}

fn lists() -> Vec<Seq> {
    let mut out = Vec::new();
    for fill in ["1", "2", "3", "5", "-1", "-5", "0", "-6"] {
        out.push(list_walk(fill, "0"));
    }
    for depth in ["1", "2"] {
        for fill in ["2", "3", "-1"] {
            out.push(list_walk(fill, depth));
        }
    }
    out
}

fn hlls() -> Vec<Seq> {
    let mut out = Vec::new();
    for thr in ["0", "30", "100", "3000"] {
        let mut s = defaults();
        s.push(cmd(&["CONFIG", "SET", "hll-sparse-max-bytes", thr]));
        s.push(cmd(&["CONFIG", "GET", "hll-sparse-max-bytes"]));
        for i in 0..40 {
            s.push(cmd(&["PFADD", "h", &format!("e{i}")]));
            s.push(cmd(&["STRLEN", "h"]));
        }
        s.push(cmd(&["GET", "h"]));
        s.push(cmd(&["PFCOUNT", "h"]));
        out.push(s);
    }
    out
}

fn settings() -> Vec<Seq> {
    let mut s = defaults();
    for (k, v) in [
        ("list-max-listpack-size", "abc"),
        ("list-max-ziplist-size", "-2147483649"),
        ("list-max-listpack-size", "-2147483648"),
        ("list-compress-depth", "-1"),
        ("list-compress-depth", "2147483648"),
        ("hash-max-listpack-value", "1kb"),
        ("hash-max-ziplist-value", "-1"),
        ("zset-max-listpack-value", "2mb"),
        ("set-max-intset-entries", "-1"),
        ("set-max-intset-entries", "1k"),
        ("hll-sparse-max-bytes", "4kb"),
        ("stream-node-max-bytes", "8kb"),
        ("stream-node-max-entries", "50"),
        ("stream-node-max-entries", "-1"),
    ] {
        s.push(cmd(&["CONFIG", "SET", k, v]));
        s.push(cmd(&["CONFIG", "GET", k]));
    }
    // (Globs list a setting under its alias too in Redis: the CONFIG
    // registry's part, tested there.)
    s.push(cmd(&["CONFIG", "SET", "stream-node-max-bytes", "4096"]));
    s.push(cmd(&["CONFIG", "SET", "stream-node-max-entries", "100"]));
    s.extend(defaults());
    vec![s]
}

#[test]
fn encoding_thresholds_match_redis() {
    let mut seqs = Vec::new();
    seqs.extend(hashes());
    seqs.extend(sets());
    seqs.extend(zsets());
    seqs.extend(lists());
    seqs.extend(hlls());
    seqs.extend(settings());
    seqs.push(defaults());
    run_generated("encodings", &seqs);
}
