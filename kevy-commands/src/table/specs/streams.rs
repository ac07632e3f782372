//! Stream commands (`t_stream.c`), from redis-server 7.0.15's `COMMAND INFO`.

use super::super::flags::*;
use super::super::key_flags::*;
use super::super::{BeginSearch, FindKeys, KeySpec, Run, Spec};
use crate::family::stream;

/// XREAD's and XREADGROUP's keys: after STREAMS, half of what follows.
const fn streams(startfrom: i32, flags: u32) -> KeySpec {
    KeySpec {
        notes: "",
        flags,
        begin: BeginSearch::Keyword {
            keyword: "STREAMS",
            startfrom,
        },
        find: FindKeys::Range {
            lastkey: -1,
            keystep: 1,
            limit: 2,
        },
    }
}

/// The stream commands.
#[rustfmt::skip]
pub(super) const STREAMS: &[Spec] = &[
    Spec::new("xadd", -5, WRITE | DENYOOM | FAST, [1, 1, 1], Run::Key(stream::xadd))
        .acl(&["@write", "@stream", "@fast"])
        .tips(&["nondeterministic_output"])
        .keys(&[KeySpec::index(1, RW | UPDATE)
            .notes("UPDATE instead of INSERT because of the optional trimming feature")]),
    Spec::new("xlen", 2, READONLY | FAST, [1, 1, 1], Run::Key(stream::xlen))
        .acl(&["@read", "@stream", "@fast"])
        .keys(&[KeySpec::index(1, RO)]),
    Spec::new("xrange", -4, READONLY, [1, 1, 1], Run::Key(stream::xrange))
        .acl(&["@read", "@stream", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("xrevrange", -4, READONLY, [1, 1, 1], Run::Key(stream::xrevrange))
        .acl(&["@read", "@stream", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("xdel", -3, WRITE | FAST, [1, 1, 1], Run::Key(stream::xdel))
        .acl(&["@write", "@stream", "@fast"])
        .keys(&[KeySpec::index(1, RW | DELETE)]),
    Spec::new("xtrim", -4, WRITE, [1, 1, 1], Run::Key(stream::xtrim))
        .acl(&["@write", "@stream", "@slow"])
        .tips(&["nondeterministic_output"])
        .keys(&[KeySpec::index(1, RW | DELETE)]),
    Spec::new("xread", -4, READONLY | BLOCKING | MOVABLEKEYS, [0, 0, 0],
              Run::Movable(stream::xread, stream::plan_xread))
        .acl(&["@read", "@stream", "@slow", "@blocking"])
        .keys(&[streams(1, RO | ACCESS)]),
    Spec::new("xreadgroup", -7, WRITE | BLOCKING | MOVABLEKEYS, [0, 0, 0],
              Run::Movable(stream::xreadgroup, stream::plan_xreadgroup))
        .acl(&["@write", "@stream", "@slow", "@blocking"])
        .keys(&[streams(4, RO | ACCESS)]),
    Spec::new("xgroup", -2, 0, [0, 0, 0], Run::Local(crate::family::connection::reject))
        .acl(&["@slow"])
        .subcommands(XGROUP),
    Spec::new("xack", -4, WRITE | FAST, [1, 1, 1], Run::Key(stream::xack))
        .acl(&["@write", "@stream", "@fast"])
        .keys(&[KeySpec::index(1, RW | UPDATE)]),
    Spec::new("xpending", -3, READONLY, [1, 1, 1], Run::Key(stream::xpending))
        .acl(&["@read", "@stream", "@slow"])
        .tips(&["nondeterministic_output"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("xclaim", -6, WRITE | FAST, [1, 1, 1], Run::Key(stream::xclaim))
        .acl(&["@write", "@stream", "@fast"])
        .tips(&["nondeterministic_output"])
        .keys(&[KeySpec::index(1, RW | UPDATE)]),
    Spec::new("xautoclaim", -6, WRITE | FAST, [1, 1, 1], Run::Key(stream::xautoclaim))
        .acl(&["@write", "@stream", "@fast"])
        .tips(&["nondeterministic_output"])
        .keys(&[KeySpec::index(1, RW | DELETE)]),
    Spec::new("xinfo", -2, 0, [0, 0, 0], Run::Local(crate::family::connection::reject))
        .acl(&["@slow"])
        .subcommands(XINFO),
    Spec::new("xsetid", -3, WRITE | DENYOOM | FAST, [1, 1, 1], Run::Key(stream::xsetid))
        .acl(&["@write", "@stream", "@fast"])
        .keys(&[KeySpec::index(1, RW | UPDATE)]),
];

/// XGROUP's subcommands.
#[rustfmt::skip]
static XGROUP: &[Spec] = &[
    Spec::new("xgroup|destroy", 4, WRITE, [2, 2, 1], Run::Key(stream::xgroup_destroy))
        .acl(&["@write", "@stream", "@slow"])
        .keys(&[KeySpec::index(2, RW | DELETE)]),
    Spec::new("xgroup|createconsumer", 5, WRITE | DENYOOM, [2, 2, 1],
              Run::Key(stream::xgroup_createconsumer))
        .acl(&["@write", "@stream", "@slow"])
        .keys(&[KeySpec::index(2, RW | INSERT)]),
    Spec::new("xgroup|create", -5, WRITE | DENYOOM, [2, 2, 1], Run::Key(stream::xgroup_create))
        .acl(&["@write", "@stream", "@slow"])
        .keys(&[KeySpec::index(2, RW | INSERT)]),
    Spec::new("xgroup|help", 2, LOADING | STALE, [0, 0, 0], Run::Local(stream::xgroup_help))
        .acl(&["@stream", "@slow"]),
    Spec::new("xgroup|delconsumer", 5, WRITE, [2, 2, 1], Run::Key(stream::xgroup_delconsumer))
        .acl(&["@write", "@stream", "@slow"])
        .keys(&[KeySpec::index(2, RW | DELETE)]),
    Spec::new("xgroup|setid", -5, WRITE, [2, 2, 1], Run::Key(stream::xgroup_setid))
        .acl(&["@write", "@stream", "@slow"])
        .keys(&[KeySpec::index(2, RW | UPDATE)]),
];

/// XINFO's subcommands.
#[rustfmt::skip]
static XINFO: &[Spec] = &[
    Spec::new("xinfo|stream", -3, READONLY, [2, 2, 1], Run::Key(stream::xinfo_stream))
        .acl(&["@read", "@stream", "@slow"])
        .keys(&[KeySpec::index(2, RO | ACCESS)]),
    Spec::new("xinfo|help", 2, LOADING | STALE, [0, 0, 0], Run::Local(stream::xinfo_help))
        .acl(&["@stream", "@slow"]),
    Spec::new("xinfo|groups", 3, READONLY, [2, 2, 1], Run::Key(stream::xinfo_groups))
        .acl(&["@read", "@stream", "@slow"])
        .keys(&[KeySpec::index(2, RO | ACCESS)]),
    Spec::new("xinfo|consumers", 4, READONLY, [2, 2, 1], Run::Key(stream::xinfo_consumers))
        .acl(&["@read", "@stream", "@slow"])
        .tips(&["nondeterministic_output"])
        .keys(&[KeySpec::index(2, RO | ACCESS)]),
];
