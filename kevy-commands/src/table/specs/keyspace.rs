//! Generic keyspace commands beyond the core ones (RENAME, COPY, MOVE,
//! SWAPDB, RANDOMKEY, SCAN, OBJECT, SORT), from redis-server 7.0.15's
//! `COMMAND INFO`.

use super::super::flags::*;
use super::super::key_flags::*;
use super::super::{BeginSearch, FindKeys, KeySpec, Run, Spec};
use crate::family::keys::{self, object};
use crate::family::{connection, migrate, persist, sort};

/// The notes of SORT's BY/GET key spec.
const BY_GET_NOTES: &str = "For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort";
/// The notes of SORT's STORE key spec.
const STORE_NOTES: &str = "For the optional STORE keyword. It is marked 'unknown' because the keyword can appear anywhere in the argument array";

/// MIGRATE's keys after KEYS.
const MIGRATE_KEYS: KeySpec = KeySpec {
    notes: "",
    flags: RW | ACCESS | DELETE | INCOMPLETE,
    begin: BeginSearch::Keyword {
        keyword: "KEYS",
        startfrom: -2,
    },
    find: FindKeys::Range {
        lastkey: -1,
        keystep: 1,
        limit: 0,
    },
};

/// The keyspace commands.
#[rustfmt::skip]
pub const KEYSPACE: &[Spec] = &[
    Spec::new("dump", 2, READONLY, [1, 1, 1], Run::Shard(persist::dump))
        .acl(&["@keyspace", "@read", "@slow"])
        .tips(&["nondeterministic_output"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("restore", -4, WRITE | DENYOOM, [1, 1, 1], Run::Shard(persist::restore))
        .acl(&["@keyspace", "@write", "@slow", "@dangerous"])
        .keys(&[KeySpec::index(1, OW | UPDATE)]),
    // MIGRATE's target side in a cluster; outside one, RESTORE itself.
    Spec::new("restore-asking", -4, WRITE | DENYOOM | ASKING, [1, 1, 1],
              Run::Shard(persist::restore))
        .acl(&["@keyspace", "@write", "@slow", "@dangerous"])
        .keys(&[KeySpec::index(1, OW | UPDATE)]),
    Spec::new("migrate", -6, WRITE | MOVABLEKEYS, [3, 3, 1], Run::Server(migrate::plan_migrate))
        .acl(&["@keyspace", "@write", "@slow", "@dangerous"])
        .tips(&["nondeterministic_output"])
        .keys(&[KeySpec::index(3, RW | ACCESS | DELETE), MIGRATE_KEYS])
        .getkeys(migrate::keys),
    Spec::new("rename", 3, WRITE, [1, 2, 1], Run::Keys(keys::rename, keys::plan_rename))
        .acl(&["@keyspace", "@write", "@slow"])
        .keys(&[KeySpec::index(1, RW | ACCESS | DELETE), KeySpec::index(2, OW | UPDATE)]),
    Spec::new("renamenx", 3, WRITE | FAST, [1, 2, 1],
              Run::Keys(keys::renamenx, keys::plan_renamenx))
        .acl(&["@keyspace", "@write", "@fast"])
        .keys(&[KeySpec::index(1, RW | ACCESS | DELETE), KeySpec::index(2, OW | INSERT)]),
    Spec::new("copy", -3, WRITE | DENYOOM, [1, 2, 1], Run::ShardKeys(keys::copy, keys::plan_copy))
        .acl(&["@keyspace", "@write", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS), KeySpec::index(2, OW | UPDATE)]),
    Spec::new("move", 3, WRITE | FAST, [1, 1, 1], Run::Shard(keys::move_))
        .acl(&["@keyspace", "@write", "@fast"])
        .keys(&[KeySpec::index(1, RW | ACCESS | UPDATE)]),
    Spec::new("swapdb", 3, WRITE | FAST, [0, 0, 0], Run::Plan(keys::plan_swapdb))
        .acl(&["@keyspace", "@write", "@fast", "@dangerous"])
        .check(keys::check_swapdb),
    Spec::new("randomkey", 1, READONLY, [0, 0, 0], Run::Plan(keys::plan_randomkey))
        .acl(&["@keyspace", "@read", "@slow"])
        .tips(&["request_policy:all_shards", "nondeterministic_output"]),
    Spec::new("scan", -2, READONLY, [0, 0, 0], Run::Plan(keys::plan_scan))
        .acl(&["@keyspace", "@read", "@slow"])
        .tips(&["nondeterministic_output", "request_policy:special"])
        .check(keys::check_scan),
    Spec::new("object", -2, 0, [0, 0, 0], Run::Local(connection::reject))
        .acl(&["@slow"])
        .subcommands(OBJECT_SUBCOMMANDS),
    Spec::new("sort", -2, WRITE | DENYOOM | MOVABLEKEYS, [1, 1, 1], Run::Plan(sort::plan_sort))
        .acl(&["@write", "@set", "@sortedset", "@list", "@slow", "@dangerous"])
        .keys(&[
            KeySpec::index(1, RO | ACCESS),
            KeySpec::unknown(RO | ACCESS).notes(BY_GET_NOTES),
            KeySpec::unknown(OW | UPDATE).notes(STORE_NOTES),
        ])
        .check(sort::check_sort)
        .getkeys(sort::getkeys),
    Spec::new("sort_ro", -2, READONLY | MOVABLEKEYS, [1, 1, 1], Run::Plan(sort::plan_sort_ro))
        .acl(&["@read", "@set", "@sortedset", "@list", "@slow", "@dangerous"])
        .keys(&[
            KeySpec::index(1, RO | ACCESS),
            KeySpec::unknown(RO | ACCESS).notes(BY_GET_NOTES),
        ])
        .check(sort::check_sort_ro)
        .getkeys(sort::getkeys_ro),
];

/// The subcommands of OBJECT.
#[rustfmt::skip]
static OBJECT_SUBCOMMANDS: &[Spec] = &[
    Spec::new("object|freq", 3, READONLY, [2, 2, 1], Run::Key(object::freq))
        .acl(&["@keyspace", "@read", "@slow"])
        .tips(&["nondeterministic_output"])
        .keys(&[KeySpec::index(2, RO)]),
    Spec::new("object|help", 2, LOADING | STALE, [0, 0, 0], Run::Local(object::help))
        .acl(&["@keyspace", "@slow"]),
    Spec::new("object|encoding", 3, READONLY, [2, 2, 1], Run::Key(object::encoding))
        .acl(&["@keyspace", "@read", "@slow"])
        .tips(&["nondeterministic_output"])
        .keys(&[KeySpec::index(2, RO)]),
    Spec::new("object|idletime", 3, READONLY, [2, 2, 1], Run::Key(object::idletime))
        .acl(&["@keyspace", "@read", "@slow"])
        .tips(&["nondeterministic_output"])
        .keys(&[KeySpec::index(2, RO)]),
    Spec::new("object|refcount", 3, READONLY, [2, 2, 1], Run::Key(object::refcount_cmd))
        .acl(&["@keyspace", "@read", "@slow"])
        .tips(&["nondeterministic_output"])
        .keys(&[KeySpec::index(2, RO)]),
];
