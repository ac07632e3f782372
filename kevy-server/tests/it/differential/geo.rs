//! The GEO family: GEOADD (NX, XX, CH), GEODIST, GEOHASH, GEOPOS,
//! GEORADIUS, GEORADIUSBYMEMBER, their `_RO` forms, GEOSEARCH and
//! GEOSEARCHSTORE, every error, and [`random`] searches over random points.
//!
//! With two shards, `k1` and `a` live on shard 1, `k2` and `x` on shard 0,
//! so stores from `k1` into `x` (and `k2` into `a`) cross shards.

use super::{run_family, run_generated, Seq};

mod random;

#[rustfmt::skip]
pub const SEQUENCES: &[Seq] = &[
    // the documentation's example, every reply form
    &[
        &["GEOADD", "k1", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"],
        &["TYPE", "k1"],
        &["ZRANGE", "k1", "0", "-1", "WITHSCORES"],
        &["GEODIST", "k1", "Palermo", "Catania"],
        &["GEODIST", "k1", "Palermo", "Catania", "km"],
        &["GEODIST", "k1", "Palermo", "Catania", "MI"],
        &["GEODIST", "k1", "Palermo", "Catania", "ft"],
        &["GEODIST", "k1", "Palermo", "Palermo"],
        &["GEODIST", "k1", "Palermo", "nope"],
        &["GEODIST", "nokey", "a", "b"],
        &["GEODIST", "k1", "Palermo", "Catania", "parsec"],
        &["GEODIST", "k1", "Palermo", "Catania", "km", "x"],
        &["GEOHASH", "k1", "Palermo", "Catania", "nope"],
        &["GEOHASH", "nokey", "a"],
        &["GEOHASH", "k1"],
        &["GEOPOS", "k1", "Palermo", "Catania", "nope"],
        &["GEOPOS", "nokey", "a", "b"],
        &["GEOPOS", "k1"],
        &["GEORADIUS", "k1", "15", "37", "200", "km", "WITHDIST"],
        &["GEORADIUS", "k1", "15", "37", "200", "km", "WITHCOORD"],
        &["GEORADIUS", "k1", "15", "37", "200", "km", "WITHDIST", "WITHCOORD", "WITHHASH"],
        &["GEORADIUS", "k1", "15", "37", "200", "km", "WITHHASH", "ASC"],
        &["GEORADIUS", "k1", "15", "37", "200", "km", "DESC", "COUNT", "1"],
        &["GEORADIUS", "k1", "15", "37", "200", "km", "COUNT", "1", "ANY"],
        &["GEORADIUS", "k1", "15", "37", "100", "km"],
        &["GEORADIUS", "k1", "15", "37", "1", "m"],
        &["GEORADIUS_RO", "k1", "15", "37", "200", "km", "WITHDIST", "desc"],
        &["GEORADIUSBYMEMBER", "k1", "Palermo", "200", "km", "WITHDIST"],
        &["GEORADIUSBYMEMBER_RO", "k1", "Catania", "166.2742", "km", "WITHDIST"],
        &["GEORADIUSBYMEMBER_RO", "k1", "Catania", "166.274", "km", "WITHDIST"],
        &["GEOSEARCH", "k1", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "ASC"],
        &["GEOSEARCH", "k1", "FROMLONLAT", "15", "37", "BYBOX", "400", "400", "km", "ASC", "WITHCOORD", "WITHDIST", "WITHHASH"],
        &["GEOSEARCH", "k1", "FROMMEMBER", "Palermo", "BYBOX", "400", "400", "km", "COUNT", "1", "ANY"],
        &["GEOSEARCH", "k1", "FROMMEMBER", "Palermo", "BYBOX", "100", "400", "mi", "DESC"],
        &["GEOSEARCH", "k1", "FROMMEMBER", "Palermo", "FROMMEMBER", "Catania", "BYRADIUS", "1", "m"],
    ],
    // stores, on one shard and across shards
    &[
        &["GEOADD", "k1", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"],
        &["GEOADD", "k2", "2.3522", "48.8566", "Paris", "2.2945", "48.8584", "Eiffel"],
        &["GEORADIUS", "k1", "15", "37", "200", "km", "STORE", "a"],
        &["ZRANGE", "a", "0", "-1", "WITHSCORES"],
        &["GEORADIUS", "k1", "15", "37", "200", "km", "STOREDIST", "x"],
        &["ZRANGE", "x", "0", "-1", "WITHSCORES"],
        &["GEORADIUS", "k1", "15", "37", "200", "km", "STORE", "a", "STOREDIST", "x", "COUNT", "1"],
        &["ZRANGE", "x", "0", "-1", "WITHSCORES"],
        &["GEORADIUSBYMEMBER", "k2", "Paris", "10", "km", "STORE", "a", "DESC"],
        &["ZRANGE", "a", "0", "-1", "WITHSCORES"],
        &["GEOSEARCHSTORE", "x", "k2", "FROMMEMBER", "Paris", "BYRADIUS", "10", "km", "STOREDIST"],
        &["ZRANGE", "x", "0", "-1", "WITHSCORES"],
        &["GEOSEARCHSTORE", "a", "k2", "FROMLONLAT", "2.3", "48.85", "BYBOX", "20", "20", "km"],
        &["ZRANGE", "a", "0", "-1", "WITHSCORES"],
        &["GEOSEARCHSTORE", "{k2}d", "k2", "FROMLONLAT", "2.3", "48.85", "BYBOX", "20", "20", "km", "COUNT", "1", "STOREDIST"],
        &["ZRANGE", "{k2}d", "0", "-1", "WITHSCORES"],
        &["SET", "x", "string"],
        &["EXPIRE", "x", "100"],
        &["GEOSEARCHSTORE", "x", "k1", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"],
        &["TYPE", "x"],
        &["TTL", "x"],
        &["GEOSEARCHSTORE", "x", "k1", "FROMLONLAT", "-70", "0", "BYRADIUS", "1", "km"],
        &["EXISTS", "x"],
        &["GEOSEARCHSTORE", "a", "nokey", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"],
        &["EXISTS", "a"],
        &["GEORADIUS", "k1", "15", "37", "200", "km", "STORE", "x"],
        &["GEORADIUS", "nokey", "15", "37", "200", "km", "STORE", "x"],
        &["EXISTS", "x"],
        &["GEORADIUSBYMEMBER", "nokey", "m", "bad", "km", "STORE", "x"],
        &["GEORADIUSBYMEMBER", "nokey", "m", "bad", "km"],
        &["GEOSEARCHSTORE", "a", "k1", "FROMMEMBER", "nope", "BYRADIUS", "1", "km"],
        &["GEOSEARCHSTORE", "a", "nokey", "FROMMEMBER", "nope", "BYRADIUS", "1", "km"],
        &["GEOSEARCHSTORE", "a", "k1", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km", "WITHDIST"],
        &["GEORADIUS", "k1", "15", "37", "200", "km", "STORE", "x", "WITHCOORD"],
        &["GEORADIUSBYMEMBER", "k1", "Palermo", "200", "km", "WITHHASH", "STOREDIST", "x"],
        &["GEORADIUS_RO", "k1", "15", "37", "200", "km", "STORE", "x"],
        &["GEORADIUSBYMEMBER_RO", "k1", "Palermo", "200", "km", "STOREDIST", "x"],
        &["GEOSEARCH", "k1", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km", "STOREDIST"],
        &["GEOSEARCH", "k1", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km", "STORE", "x"],
        &["GEORADIUS", "k1", "15", "37", "200", "km", "STORE"],
    ],
    // geoadd options and errors
    &[
        &["GEOADD", "k1", "1", "2", "a", "3", "4", "b"],
        &["GEOADD", "k1", "NX", "5", "6", "a", "7", "8", "c"],
        &["GEOADD", "k1", "XX", "5", "6", "a", "7", "8", "d"],
        &["GEOADD", "k1", "XX", "CH", "9", "9", "a", "7", "8", "d"],
        &["GEOADD", "k1", "CH", "9", "9", "a", "1", "1", "b", "2", "2", "e"],
        &["GEOADD", "k1", "ch", "nx", "0", "0", "a", "3", "3", "f"],
        &["GEOADD", "k1", "NX", "XX", "1", "2", "a"],
        &["GEOADD", "k1", "GT", "1", "2", "a"],
        &["GEOADD", "k1", "1", "2"],
        &["GEOADD", "k1", "1", "2", "a", "3"],
        &["GEOADD", "k1", "CH", "NX", "XX"],
        &["GEOADD", "k1", "CH", "CH", "CH"],
        &["GEOADD", "k1", "x", "2", "a"],
        &["GEOADD", "k1", "1", "y", "a"],
        &["GEOADD", "k1", "181", "2", "a"],
        &["GEOADD", "k1", "-180.0000001", "2", "a"],
        &["GEOADD", "k1", "1", "85.05112879", "a"],
        &["GEOADD", "k1", "1", "-86", "a", "x", "y", "b"],
        &["GEOADD", "k1", "inf", "2", "a"],
        &["GEOADD", "k1", "1", "-inf", "a"],
        &["GEOADD", "k1", "1", "nan", "a"],
        &["GEOADD", "k1", "1", "1", "ok", "200", "1", "bad"],
        &["EXISTS", "k1"],
        &["GEOPOS", "k1", "ok"],
        &["GEOADD", "k1", "180", "85.05112878", "ne", "-180", "-85.05112878", "sw", "0", "0", "zero"],
        &["GEOADD", "k1", "-0", "-0", "negzero", "1e-10", "1e-10", "tiny", "0x10", "0x10", "hex"],
        &["ZRANGE", "k1", "0", "-1", "WITHSCORES"],
        &["GEOPOS", "k1", "ne", "sw", "zero", "negzero", "tiny", "hex"],
        &["GEOHASH", "k1", "ne", "sw", "zero", "negzero", "tiny", "hex"],
        &["GEODIST", "k1", "ne", "sw"],
        &["GEODIST", "k1", "ne", "sw", "km"],
        &["GEOADD", "nokey", "XX", "1", "1", "a"],
        &["EXISTS", "nokey"],
        &["GEOADD", "k2", "1", "1", "pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp"],
        &["OBJECT", "ENCODING", "k2"],
        &["GEORADIUS", "k1", "0", "0", "20000", "km"],
        &["GEORADIUS", "k1", "0", "0", "20000", "km", "COUNT", "3", "ASC", "WITHDIST"],
        &["GEORADIUS", "k1", "0", "0", "0", "m", "WITHDIST"],
        &["GEORADIUS", "k1", "180", "85.05112878", "10", "km", "WITHCOORD"],
    ],
    // search argument errors, in Redis's order
    &[
        &["GEOADD", "k1", "13.361389", "38.115556", "Palermo"],
        &["GEORADIUS", "k1", "15", "37", "-1", "km"],
        &["GEORADIUS", "k1", "15", "37", "x", "km"],
        &["GEORADIUS", "k1", "15", "37", "1", "parsec"],
        &["GEORADIUS", "k1", "x", "37", "1", "parsec"],
        &["GEORADIUS", "k1", "200", "37", "x", "km"],
        &["GEORADIUS", "k1", "15", "37", "1", "km", "COUNT", "0"],
        &["GEORADIUS", "k1", "15", "37", "1", "km", "COUNT", "-1"],
        &["GEORADIUS", "k1", "15", "37", "1", "km", "COUNT", "x"],
        &["GEORADIUS", "k1", "15", "37", "1", "km", "COUNT"],
        &["GEORADIUS", "k1", "15", "37", "1", "km", "ANY"],
        &["GEORADIUS", "k1", "15", "37", "1", "km", "ANY", "COUNT", "2"],
        &["GEORADIUS", "k1", "15", "37", "1", "km", "BOGUS"],
        &["GEORADIUS", "k1", "15", "37", "1", "km", "COUNT", "0", "BOGUS"],
        &["GEORADIUS", "k1", "15", "37", "1", "km", "BOGUS", "COUNT", "0"],
        &["GEORADIUS", "k1", "15", "37", "1", "km", "BYBOX", "1", "1", "km"],
        &["GEORADIUS", "k1", "15", "37", "1"],
        &["GEORADIUSBYMEMBER", "k1", "nope", "1", "km"],
        &["GEORADIUSBYMEMBER", "k1", "Palermo", "1", "x"],
        &["GEORADIUSBYMEMBER", "k1", "Palermo", "-5", "km"],
        &["GEORADIUSBYMEMBER", "nokey", "Palermo", "-5", "km"],
        &["GEORADIUSBYMEMBER", "nokey", "Palermo", "5", "km", "ANY"],
        &["GEOSEARCH", "k1", "BYRADIUS", "1", "km", "FROMMEMBER", "Palermo"],
        &["GEOSEARCH", "k1", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km", "BYBOX", "1", "1", "km"],
        &["GEOSEARCH", "k1", "FROMMEMBER", "Palermo", "BYBOX", "1", "1", "km", "BYRADIUS", "1", "km"],
        &["GEOSEARCH", "k1", "FROMLONLAT", "1", "2", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km"],
        &["GEOSEARCH", "k1", "FROMMEMBER", "Palermo", "FROMLONLAT", "1", "2", "BYRADIUS", "1", "km"],
        &["GEOSEARCH", "k1", "WITHDIST", "WITHCOORD", "BYRADIUS", "1", "km"],
        &["geosearch", "k1", "WITHDIST", "WITHCOORD", "BYRADIUS", "1", "km"],
        &["GeoSearch", "k1", "FROMLONLAT", "1", "2", "WITHDIST", "ASC"],
        &["GEOSEARCH", "k1", "FROMLONLAT", "1", "2", "WITHDIST", "ASC", "WITHHASH"],
        &["GEOSEARCH", "k1", "FROMLONLAT", "1", "2", "BYBOX", "-1", "1", "km"],
        &["GEOSEARCH", "k1", "FROMLONLAT", "1", "2", "BYBOX", "1", "-1", "km"],
        &["GEOSEARCH", "k1", "FROMLONLAT", "1", "2", "BYBOX", "x", "1", "km"],
        &["GEOSEARCH", "k1", "FROMLONLAT", "1", "2", "BYBOX", "1", "x", "km"],
        &["GEOSEARCH", "k1", "FROMLONLAT", "1", "2", "BYBOX", "1", "1", "yd"],
        &["GEOSEARCH", "k1", "FROMLONLAT", "1", "2", "BYBOX", "1", "1"],
        &["GEOSEARCH", "k1", "FROMLONLAT", "1", "2", "BYRADIUS", "1"],
        &["GEOSEARCH", "k1", "FROMLONLAT", "1", "200", "BYRADIUS", "1", "km"],
        &["GEOSEARCH", "k1", "FROMLONLAT", "x", "2", "BYRADIUS", "1", "km"],
        &["GEOSEARCH", "k1", "FROMMEMBER", "nope", "BYRADIUS", "1", "km"],
        &["GEOSEARCH", "nokey", "FROMMEMBER", "nope", "BYRADIUS", "1", "km"],
        &["GEOSEARCH", "nokey", "FROMMEMBER", "nope", "BYRADIUS", "1", "km", "ANY"],
        &["GEOSEARCH", "nokey", "FROMMEMBER", "nope"],
        &["GEOSEARCH", "k1", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km", "COUNT", "1", "ANY", "DESC"],
        &["GEOSEARCHSTORE", "x", "k1", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km", "STORE", "y"],
        &["GEOSEARCHSTORE", "x", "k1", "FROMMEMBER", "Palermo", "BYRADIUS", "1"],
        &["GEOSEARCHSTORE", "x", "k1", "BYRADIUS", "1", "km", "STOREDIST"],
        &["GEORADIUS"],
        &["GEOSEARCH", "k1"],
    ],
    // wrong types
    &[
        &["SET", "s", "v"],
        &["GEOADD", "s", "1", "1", "a"],
        &["GEOADD", "s", "1", "100", "a"],
        &["GEOPOS", "s", "a"],
        &["GEOHASH", "s", "a"],
        &["GEODIST", "s", "a", "b"],
        &["GEODIST", "s", "a", "b", "parsec"],
        &["GEORADIUS", "s", "1", "1", "1", "km"],
        &["GEORADIUS", "s", "1", "100", "1", "km"],
        &["GEORADIUSBYMEMBER", "s", "a", "1", "km"],
        &["GEOSEARCH", "s", "FROMMEMBER", "a", "BYRADIUS", "1", "km"],
        &["GEOSEARCHSTORE", "x", "s", "FROMMEMBER", "a", "BYRADIUS", "1", "km"],
        &["GEOSEARCHSTORE", "{s}x", "s", "FROMMEMBER", "a", "BYRADIUS", "1", "km"],
        &["GEOADD", "k1", "1", "1", "a"],
        &["GEOSEARCHSTORE", "s", "k1", "FROMMEMBER", "a", "BYRADIUS", "1", "km"],
        &["TYPE", "s"],
        &["ZADD", "k2", "-1", "neg", "1e300", "big", "4503599627370496", "two52", "inf", "i"],
        &["GEOPOS", "k2", "neg", "big", "two52", "i"],
        &["GEOHASH", "k2", "neg", "big", "two52", "i"],
        &["GEODIST", "k2", "neg", "big"],
        &["GEORADIUSBYMEMBER", "k2", "neg", "100", "km", "WITHCOORD"],
        &["SADD", "set", "a"],
        &["GEOPOS", "set", "a"],
    ],
    // ties: equal points, with and without COUNT (stable sort, pqsort)
    &[
        &["GEOADD", "k1", "1", "1", "a", "1", "1", "b", "1", "1", "c", "1", "1", "d", "1", "1", "e", "1", "1", "f", "1", "1", "g", "1", "1", "h"],
        &["GEOADD", "k1", "1.001", "1", "i", "1.001", "1", "j", "0.999", "1", "k", "1", "1.001", "l"],
        &["GEOADD", "k1", "1.002", "1", "m", "1.002", "1", "n", "0.998", "1", "o", "1", "0.998", "p"],
        &["GEORADIUS", "k1", "1", "1", "1", "km"],
        &["GEORADIUS", "k1", "1", "1", "1", "km", "ASC"],
        &["GEORADIUS", "k1", "1", "1", "1", "km", "DESC"],
        &["GEORADIUS", "k1", "1", "1", "1", "km", "COUNT", "3"],
        &["GEORADIUS", "k1", "1", "1", "1", "km", "COUNT", "7", "DESC"],
        &["GEORADIUS", "k1", "1", "1", "1", "km", "COUNT", "9", "ASC", "WITHDIST"],
        &["GEORADIUS", "k1", "1", "1", "1", "km", "COUNT", "12"],
        &["GEORADIUS", "k1", "1", "1", "1", "km", "COUNT", "5", "ANY"],
        &["GEORADIUS", "k1", "1", "1", "1", "km", "COUNT", "5", "ANY", "ASC"],
        &["GEORADIUS", "k1", "1.0005", "1", "1", "km", "COUNT", "4", "WITHDIST"],
        &["GEOSEARCH", "k1", "FROMMEMBER", "a", "BYBOX", "0.2", "0.2", "km", "COUNT", "6", "DESC"],
        &["GEOSEARCHSTORE", "x", "k1", "FROMMEMBER", "a", "BYBOX", "0.2", "0.2", "km", "COUNT", "6", "DESC", "STOREDIST"],
        &["ZRANGE", "x", "0", "-1", "WITHSCORES"],
    ],
    // the table: COMMAND INFO, DOCS and the keys Redis finds
    &[
        &["COMMAND", "INFO", "geoadd", "geodist", "geohash", "geopos", "georadius"],
        &["COMMAND", "INFO", "georadius_ro", "georadiusbymember", "georadiusbymember_ro"],
        &["COMMAND", "INFO", "geosearch", "geosearchstore"],
        &["COMMAND", "DOCS", "georadius", "geosearchstore"],
        &["COMMAND", "GETKEYS", "GEORADIUS", "k", "0", "0", "1", "km", "STORE", "x"],
        &["COMMAND", "GETKEYS", "GEORADIUS", "k", "0", "0", "1", "km", "STOREDIST", "x", "STORE", "y"],
        &["COMMAND", "GETKEYS", "GEORADIUS", "k", "0", "0", "1", "km"],
        &["COMMAND", "GETKEYSANDFLAGS", "GEORADIUSBYMEMBER", "k", "m", "1", "km", "STOREDIST", "x"],
        &["COMMAND", "GETKEYSANDFLAGS", "GEOSEARCHSTORE", "d", "s", "FROMMEMBER", "m", "BYRADIUS", "1", "km"],
        &["COMMAND", "GETKEYS", "GEOADD", "k", "1", "1", "m"],
    ],
];

#[test]
fn geo() {
    run_family("geo", SEQUENCES);
}

#[test]
fn geo_random() {
    // `KEVY_GEO_SEEDS=N`: N default seeds instead of 20.
    let n = std::env::var("KEVY_GEO_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    super::run_seeded("geo random", &super::seeded::seeds(n), random::sequence);
}

#[test]
fn geo_random_mutated() {
    let seq = |seed| super::seeded::mutated(seed, random::sequence(seed));
    super::run_seeded("geo random mutated", &super::seeded::seeds(4), seq);
}

#[test]
fn geo_large() {
    run_generated("geo large", &random::large());
}

#[test]
fn geo_keys_cross_shards() {
    use crate::util::shard_of;
    for (src, dst) in [("k1", "x"), ("k2", "a")] {
        assert_ne!(shard_of(src), shard_of(dst), "{src} and {dst}");
    }
    assert_eq!(shard_of("k1"), shard_of("a"));
    assert_eq!(shard_of("k2"), shard_of("x"));
    assert!(random::SOURCES.contains(&"k1") && random::DESTS.contains(&"x"));
}
