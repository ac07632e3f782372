//! GEO command tests: replies recorded from redis-server 7.0.15 byte for
//! byte, in RESP2 and RESP3, and storing searches across the harness's
//! shards.

use crate::testutil::{check, harness, keys_on_distinct_shards, run};

#[test]
fn points_add_pos_hash_dist() {
    let mut h = harness();
    check(
        &mut h,
        &[
        ("GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania", ":2\r\n"),
        ("ZSCORE Sicily Palermo", "$16\r\n3479099956230698\r\n"),
        ("GEOPOS Sicily Palermo Catania nope", "*3\r\n*2\r\n$20\r\n13.36138933897018433\r\n$20\r\n38.11555639549629859\r\n*2\r\n$20\r\n15.08726745843887329\r\n$20\r\n37.50266842333162032\r\n*-1\r\n"),
        ("GEOHASH Sicily Palermo Catania nope", "*3\r\n$11\r\nsqc8b49rny0\r\n$11\r\nsqdtr74hyu0\r\n$-1\r\n"),
        ("GEODIST Sicily Palermo Catania", "$11\r\n166274.1516\r\n"),
        ("GEODIST Sicily Palermo Catania km", "$8\r\n166.2742\r\n"),
        ("GEODIST Sicily Palermo nope", "$-1\r\n"),
        ("GEODIST Sicily Palermo Catania yd", "-ERR unsupported unit provided. please use M, KM, FT, MI\r\n"),
        ("GEODIST Sicily Palermo Catania km x", "-ERR syntax error\r\n"),
        ("GEOADD Sicily CH 13.361389 38.115556 Palermo 15 37 Catania 1 1 new", ":2\r\n"),
        ("GEOADD Sicily XX 2 2 other", ":0\r\n"),
        ("GEOADD Sicily NX 3 3 new", ":0\r\n"),
        ("GEOADD Sicily NX XX 1 1 a", "-ERR syntax error\r\n"),
        ("GEOADD Sicily 1 2", "-ERR wrong number of arguments for 'geoadd' command\r\n"),
        ("GEOADD Sicily 181 0 a", "-ERR invalid longitude,latitude pair 181.000000,0.000000\r\n"),
        ("GEOADD Sicily 0 85.06 a", "-ERR invalid longitude,latitude pair 0.000000,85.060000\r\n"),
        ("GEOADD Sicily x 0 a", "-ERR value is not a valid float\r\n"),
        ("GEOPOS nokey a", "*1\r\n*-1\r\n"),
        ],
    );
}

#[test]
fn searches_and_their_errors() {
    let mut h = harness();
    check(
        &mut h,
        &[
        ("GEOADD pts 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 12.758489 38.788135 edge1 17.241510 38.788135 edge2", ":4\r\n"),
        ("GEORADIUS pts 15 37 200 km", "*2\r\n$7\r\nPalermo\r\n$7\r\nCatania\r\n"),
        ("GEORADIUS pts 15 37 200 km ASC WITHDIST WITHCOORD WITHHASH", "*2\r\n*4\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n:3479447370796909\r\n*2\r\n$20\r\n15.08726745843887329\r\n$20\r\n37.50266842333162032\r\n*4\r\n$7\r\nPalermo\r\n$8\r\n190.4424\r\n:3479099956230698\r\n*2\r\n$20\r\n13.36138933897018433\r\n$20\r\n38.11555639549629859\r\n"),
        ("GEORADIUS pts 15 37 200 km DESC COUNT 1 WITHDIST", "*1\r\n*2\r\n$7\r\nPalermo\r\n$8\r\n190.4424\r\n"),
        ("GEORADIUS pts 15 37 200 km COUNT 1 ANY", "*1\r\n$7\r\nPalermo\r\n"),
        ("GEORADIUS_RO pts 15 37 200 km STORE x", "-ERR syntax error\r\n"),
        ("GEORADIUSBYMEMBER pts Palermo 100 km WITHDIST", "*2\r\n*2\r\n$7\r\nPalermo\r\n$6\r\n0.0000\r\n*2\r\n$5\r\nedge1\r\n$7\r\n91.4007\r\n"),
        ("GEORADIUSBYMEMBER pts nope 100 km", "-ERR could not decode requested zset member\r\n"),
        ("GEOSEARCH pts FROMLONLAT 15 37 BYBOX 400 400 km ASC WITHDIST", "*4\r\n*2\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n*2\r\n$7\r\nPalermo\r\n$8\r\n190.4424\r\n*2\r\n$5\r\nedge2\r\n$8\r\n279.7403\r\n*2\r\n$5\r\nedge1\r\n$8\r\n279.7405\r\n"),
        ("GEOSEARCH pts FROMMEMBER Palermo BYRADIUS 300 km DESC COUNT 2 WITHDIST", "*2\r\n*2\r\n$7\r\nCatania\r\n$8\r\n166.2742\r\n*2\r\n$5\r\nedge1\r\n$7\r\n91.4007\r\n"),
        ("GEOSEARCH pts FROMLONLAT 15 37 BYRADIUS 200 km STOREDIST", "-ERR syntax error\r\n"),
        ("GEOSEARCH pts BYRADIUS 200 km", "-ERR wrong number of arguments for 'geosearch' command\r\n"),
        ("GEOSEARCH pts FROMLONLAT 15 37 COUNT 3", "-ERR exactly one of BYRADIUS and BYBOX can be specified for GEOSEARCH\r\n"),
        ("GEOSEARCH pts FROMLONLAT 15 37 BYRADIUS 200 km ANY", "-ERR the ANY argument requires COUNT argument\r\n"),
        ("GEOSEARCH pts FROMLONLAT 15 37 BYRADIUS 200 km COUNT 0", "-ERR COUNT must be > 0\r\n"),
        ("GEOSEARCH pts FROMLONLAT 15 37 BYRADIUS -1 km", "-ERR radius cannot be negative\r\n"),
        ("GEOSEARCH pts FROMLONLAT 15 37 BYBOX 1 -1 km", "-ERR height or width cannot be negative\r\n"),
        ("GEOSEARCH pts FROMLONLAT 15 37 BYRADIUS 1 lightyear", "-ERR unsupported unit provided. please use M, KM, FT, MI\r\n"),
        ("GEOSEARCHSTORE dst pts FROMLONLAT 15 37 BYRADIUS 200 km STOREDIST", ":2\r\n"),
        ("ZRANGE dst 0 -1 WITHSCORES", "*4\r\n$7\r\nCatania\r\n$18\r\n56.441257870158204\r\n$7\r\nPalermo\r\n$18\r\n190.44242984775784\r\n"),
        ("GEOSEARCHSTORE dst pts FROMLONLAT 15 37 BYRADIUS 200 km WITHHASH", "-ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options\r\n"),
        ("GEOSEARCHSTORE dst nokey FROMLONLAT 15 37 BYRADIUS 200 km", ":0\r\n"),
        ("EXISTS dst", ":0\r\n"),
        ("GEORADIUS pts 15 37 200 km STORE dst2 COUNT 2 DESC", ":2\r\n"),
        ("ZRANGE dst2 0 -1 WITHSCORES", "*4\r\n$7\r\nPalermo\r\n$16\r\n3479099956230698\r\n$7\r\nCatania\r\n$16\r\n3479447370796909\r\n"),
        ("GEORADIUS pts 15 37 200 km STORE dst2 WITHDIST", "-ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options\r\n"),
        ],
    );
}

#[test]
fn resp3_coordinates_are_doubles_and_distances_bulks() {
    let mut h = harness();
    run(&mut h, &["HELLO", "3"]);
    check(
        &mut h,
        &[
        ("GEOADD pts 13.361389 38.115556 Palermo 15.087269 37.502669 Catania", ":2\r\n"),
        ("GEOPOS pts Palermo nope", "*2\r\n*2\r\n,13.36138933897018433\r\n,38.11555639549629859\r\n_\r\n"),
        ("GEOHASH pts Palermo nope", "*2\r\n$11\r\nsqc8b49rny0\r\n_\r\n"),
        ("GEODIST pts Palermo Catania", "$11\r\n166274.1516\r\n"),
        ("GEODIST pts Palermo nope", "_\r\n"),
        ("GEODIST nokey Palermo nope", "_\r\n"),
        ("GEORADIUS pts 15 37 200 km ASC WITHDIST WITHCOORD WITHHASH", "*2\r\n*4\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n:3479447370796909\r\n*2\r\n,15.08726745843887329\r\n,37.50266842333162032\r\n*4\r\n$7\r\nPalermo\r\n$8\r\n190.4424\r\n:3479099956230698\r\n*2\r\n,13.36138933897018433\r\n,38.11555639549629859\r\n"),
        ("GEOSEARCH pts FROMLONLAT 15 37 BYRADIUS 200 km DESC WITHCOORD", "*2\r\n*2\r\n$7\r\nPalermo\r\n*2\r\n,13.36138933897018433\r\n,38.11555639549629859\r\n*2\r\n$7\r\nCatania\r\n*2\r\n,15.08726745843887329\r\n,37.50266842333162032\r\n"),
        ("GEOSEARCH nokey FROMLONLAT 15 37 BYRADIUS 200 km DESC WITHCOORD", "*0\r\n"),
        ],
    );
}

#[test]
fn geo_keys_are_sorted_sets() {
    let mut h = harness();
    check(
        &mut h,
        &[
        ("GEOADD g 0 0 a 1 1 b", ":2\r\n"),
        ("TYPE g", "+zset\r\n"),
        ("ZCARD g", ":2\r\n"),
        ("ZRANGE g 0 -1 WITHSCORES", "*4\r\n$1\r\na\r\n$16\r\n3377699720527872\r\n$1\r\nb\r\n$16\r\n3377822707026402\r\n"),
        ("ZADD g 1 notgeo", ":1\r\n"),
        ("GEOPOS g notgeo", "*1\r\n*2\r\n$22\r\n-179.99999731779098511\r\n$21\r\n-85.05112497791824921\r\n"),
        ("GEOHASH g notgeo", "*1\r\n$11\r\n00bh0hbj210\r\n"),
        ("SET s v", "+OK\r\n"),
        ("GEOADD s 1 1 a", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
        ("GEOADD s 1 100 a", "-ERR invalid longitude,latitude pair 1.000000,100.000000\r\n"),
        ("GEOPOS s a", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
        ("GEODIST s a b", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
        ("GEODIST s a b yd", "-ERR unsupported unit provided. please use M, KM, FT, MI\r\n"),
        ("GEORADIUS s 1 1 1 km", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
        ("GEOSEARCH s FROMMEMBER a BYRADIUS 1 km", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
        ],
    );
}

/// GEOSEARCHSTORE, GEORADIUS … STORE and GEORADIUSBYMEMBER … STOREDIST
/// from a source on one shard into a destination on another.
#[test]
fn stores_across_shards() {
    let mut h = harness();
    let keys = keys_on_distinct_shards(&h, "geo");
    let (src, dst) = (&keys[0], &keys[1]);
    let script = [
        (format!("GEOADD {src} 13.361389 38.115556 Palermo 15.087269 37.502669 Catania"), ":2\r\n"),
        (format!("SET {dst} old"), "+OK\r\n"),
        (format!("GEOSEARCHSTORE {dst} {src} FROMLONLAT 15 37 BYRADIUS 200 km STOREDIST"), ":2\r\n"),
        (format!("ZRANGE {dst} 0 -1 WITHSCORES"), "*4\r\n$7\r\nCatania\r\n$18\r\n56.441257870158204\r\n$7\r\nPalermo\r\n$18\r\n190.44242984775784\r\n"),
        (format!("GEORADIUS {src} 15 37 200 km STORE {dst} COUNT 1"), ":1\r\n"),
        (format!("ZRANGE {dst} 0 -1 WITHSCORES"), "*2\r\n$7\r\nCatania\r\n$16\r\n3479447370796909\r\n"),
        (format!("GEORADIUSBYMEMBER {src} Palermo 200 km STOREDIST {dst} DESC"), ":2\r\n"),
        (format!("ZRANGE {dst} 0 -1 WITHSCORES"), "*4\r\n$7\r\nPalermo\r\n$1\r\n0\r\n$7\r\nCatania\r\n$18\r\n166.27415156960032\r\n"),
        (format!("GEORADIUSBYMEMBER {src} nope 200 km STOREDIST {dst}"), "-ERR could not decode requested zset member\r\n"),
        (format!("GEOSEARCHSTORE {dst} {src} FROMLONLAT 0 0 BYRADIUS 1 km"), ":0\r\n"),
        (format!("EXISTS {dst}"), ":0\r\n"),
        (format!("GEOSEARCHSTORE {dst} {src} FROMLONLAT 15 37 BYRADIUS 200 km"), ":2\r\n"),
        (format!("GEOSEARCHSTORE {dst} nokey FROMLONLAT 15 37 BYRADIUS 200 km"), ":0\r\n"),
        (format!("EXISTS {dst}"), ":0\r\n"),
        (format!("GEORADIUS {src} 15 37 200 km STORE {dst} WITHDIST"), "-ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options\r\n"),
        (format!("SET {src} str"), "+OK\r\n"),
        (format!("GEOSEARCHSTORE {dst} {src} FROMLONLAT 15 37 BYRADIUS 200 km"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    ];
    let script: Vec<(&str, &str)> = script.iter().map(|(c, r)| (c.as_str(), *r)).collect();
    check(&mut h, &script);
}

/// Random argument lists from GEO's vocabulary never panic, on existing,
/// missing and wrong-type keys, in both protocols.
#[test]
fn random_arguments_never_panic() {
    const VERBS: &[&str] = &[
        "GEOADD",
        "GEODIST",
        "GEOHASH",
        "GEOPOS",
        "GEORADIUS",
        "GEORADIUS_RO",
        "GEORADIUSBYMEMBER",
        "GEORADIUSBYMEMBER_RO",
        "GEOSEARCH",
        "GEOSEARCHSTORE",
    ];
    const WORDS: &[&str] = &[
        "g",
        "h",
        "s",
        "a",
        "b",
        "0",
        "1",
        "-1",
        "180",
        "-180",
        "85.05112878",
        "91",
        "1e308",
        "inf",
        "-inf",
        "nan",
        "",
        "x",
        "km",
        "M",
        "ft",
        "mi",
        "NX",
        "XX",
        "CH",
        "WITHDIST",
        "WITHHASH",
        "WITHCOORD",
        "COUNT",
        "ANY",
        "ASC",
        "DESC",
        "STORE",
        "STOREDIST",
        "FROMMEMBER",
        "FROMLONLAT",
        "BYRADIUS",
        "BYBOX",
        "20000",
        "0.0001",
        "9223372036854775807",
    ];
    let mut h = harness();
    run(
        &mut h,
        &["GEOADD", "g", "1", "1", "a", "2", "2", "b", "0", "0", "c"],
    );
    run(&mut h, &["SET", "s", "v"]);
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    for i in 0..6000 {
        if i == 3000 {
            run(&mut h, &["HELLO", "3"]);
        }
        let mut args = vec![VERBS[next(VERBS.len())]];
        for _ in 0..next(14) {
            args.push(WORDS[next(WORDS.len())]);
        }
        let reply = run(&mut h, &args);
        assert!(!reply.is_empty(), "{args:?}");
    }
}
