//! GEO commands (Redis's `geo.c`), from redis-server 7.0.15's `COMMAND INFO`.

use super::super::flags::*;
use super::super::key_flags::*;
use super::super::{BeginSearch, FindKeys, KeySpec, Run, Spec};
use crate::family::geo;

/// A key found after `keyword`, searched from argument `startfrom`.
const fn after(keyword: &'static str, startfrom: i32, flags: u32) -> KeySpec {
    KeySpec {
        notes: "",
        flags,
        begin: BeginSearch::Keyword { keyword, startfrom },
        find: FindKeys::Range {
            lastkey: 0,
            keystep: 1,
            limit: 0,
        },
    }
}

/// GEORADIUS's keys: the source, then a STORE or STOREDIST destination.
const GEORADIUS_KEYS: &[KeySpec] = &[
    KeySpec::index(1, RO | ACCESS),
    after("STORE", 6, OW | UPDATE),
    after("STOREDIST", 6, OW | UPDATE),
];

/// GEORADIUSBYMEMBER's keys.
const GEORADIUSBYMEMBER_KEYS: &[KeySpec] = &[
    KeySpec::index(1, RO | ACCESS),
    after("STORE", 5, OW | UPDATE),
    after("STOREDIST", 5, OW | UPDATE),
];

/// The GEO family.
#[rustfmt::skip]
pub(super) const GEO: &[Spec] = &[
    Spec::new("geoadd", -5, WRITE | DENYOOM, [1, 1, 1], Run::Key(geo::geoadd))
        .acl(&["@write", "@geo", "@slow"])
        .keys(&[KeySpec::index(1, RW | UPDATE)]),
    Spec::new("geodist", -4, READONLY, [1, 1, 1], Run::Key(geo::geodist))
        .acl(&["@read", "@geo", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("geohash", -2, READONLY, [1, 1, 1], Run::Key(geo::geohash))
        .acl(&["@read", "@geo", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("geopos", -2, READONLY, [1, 1, 1], Run::Key(geo::geopos))
        .acl(&["@read", "@geo", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("georadius", -6, WRITE | DENYOOM | MOVABLEKEYS, [1, 1, 1],
              Run::Movable(geo::georadius, geo::plan_georadius))
        .acl(&["@write", "@geo", "@slow"])
        .keys(GEORADIUS_KEYS),
    Spec::new("georadius_ro", -6, READONLY, [1, 1, 1], Run::Key(geo::georadius_ro))
        .acl(&["@read", "@geo", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("georadiusbymember", -5, WRITE | DENYOOM | MOVABLEKEYS, [1, 1, 1],
              Run::Movable(geo::georadiusbymember, geo::plan_georadiusbymember))
        .acl(&["@write", "@geo", "@slow"])
        .keys(GEORADIUSBYMEMBER_KEYS),
    Spec::new("georadiusbymember_ro", -5, READONLY, [1, 1, 1],
              Run::Key(geo::georadiusbymember_ro))
        .acl(&["@read", "@geo", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("geosearch", -7, READONLY, [1, 1, 1], Run::Key(geo::geosearch))
        .acl(&["@read", "@geo", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("geosearchstore", -8, WRITE | DENYOOM, [1, 2, 1],
              Run::Keys(geo::geosearchstore, geo::plan_geosearchstore))
        .acl(&["@write", "@geo", "@slow"])
        .keys(&[KeySpec::index(1, OW | UPDATE), KeySpec::index(2, RO | ACCESS)]),
];
