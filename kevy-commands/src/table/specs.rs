//! The command table's data, copied from redis-server 7.0.15's `COMMAND INFO`
//! (the docs are apart, in [`super::docs`]). Order is the order of
//! `COMMAND`, `COMMAND INFO` and `COMMAND LIST` replies.
//!
//! The data is split by family (this file: connection, server, strings and
//! generic keys; `specs/lists.rs`, `specs/hashes.rs`, `specs/sets.rs`,
//! `specs/zset.rs`, `specs/bits.rs`, `specs/hll.rs`,
//! `specs/geo.rs`, `specs/streams.rs`, `specs/cluster.rs`) and joined into
//! [`COMMANDS`] at compile time.

use super::flags::*;
use super::key_flags::*;
use super::{KeySpec, Run, Spec};
use crate::family::{command, connection, keys, string, txn, watch};

mod bits;
mod cluster;
mod geo;
mod hashes;
mod hll;
mod keyspace;
mod lists;
mod pubsub;
mod scripting;
mod server;
mod sets;
mod streams;
mod zset;

/// The families' tables, in `COMMANDS` order.
const FAMILIES: &[&[Spec]] = &[
    BASE,
    keyspace::KEYSPACE,
    lists::LISTS,
    hashes::HASHES,
    sets::SETS,
    zset::ZSET,
    bits::BITS,
    hll::HLL,
    geo::GEO,
    streams::STREAMS,
    pubsub::PUBSUB_COMMANDS,
    server::SERVER,
    scripting::SCRIPTING,
    cluster::CLUSTER,
];

/// Number of top-level commands.
const LEN: usize = {
    let mut n = 0;
    let mut i = 0;
    while i < FAMILIES.len() {
        n += FAMILIES[i].len();
        i += 1;
    }
    n
};

/// Every top-level command kevy implements.
pub static COMMANDS: &[Spec] = &concat::<LEN>(FAMILIES);

/// The specs of `parts` one after the other (`N` is their total length).
const fn concat<const N: usize>(parts: &[&[Spec]]) -> [Spec; N] {
    let mut out = [REJECTED_PLACEHOLDER; N];
    let (mut k, mut i) = (0, 0);
    while i < parts.len() {
        let mut j = 0;
        while j < parts[i].len() {
            out[k] = parts[i][j];
            k += 1;
            j += 1;
        }
        i += 1;
    }
    assert!(k == N);
    out
}

/// Fills [`concat`]'s array before it is overwritten.
const REJECTED_PLACEHOLDER: Spec = Spec::new(
    "(placeholder)",
    -1,
    0,
    [0, 0, 0],
    Run::Local(crate::family::connection::reject),
);

/// Connection, server, string and generic key commands.
#[rustfmt::skip]
const BASE: &[Spec] = &[
    Spec::new("ping", -1, FAST, [0, 0, 0], Run::Local(connection::ping))
        .acl(&["@fast", "@connection"])
        .tips(&["request_policy:all_shards", "response_policy:all_succeeded"]),
    Spec::new("echo", 2, LOADING | STALE | FAST, [0, 0, 0], Run::Local(connection::echo))
        .acl(&["@fast", "@connection"]),
    Spec::new("quit", -1, NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY, [0, 0, 0],
              Run::Local(connection::quit))
        .acl(&["@fast", "@connection"]),
    Spec::new("hello", -1, NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY, [0, 0, 0],
              Run::Local(connection::hello))
        .acl(&["@fast", "@connection"]),
    Spec::new("select", 2, LOADING | STALE | FAST, [0, 0, 0], Run::Local(connection::select))
        .acl(&["@fast", "@connection"]),
    Spec::new("command", -1, LOADING | STALE, [0, 0, 0], Run::Local(command::all))
        .acl(&["@slow", "@connection"])
        .tips(&["nondeterministic_output_order"])
    .subcommands(COMMAND_SUBCOMMANDS),
    Spec::new("get", 2, READONLY | FAST, [1, 1, 1], Run::Key(string::get))
        .acl(&["@read", "@string", "@fast"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("set", -3, WRITE | DENYOOM, [1, 1, 1], Run::Key(string::set))
        .acl(&["@write", "@string", "@slow"])
        .keys(&[
            KeySpec::index(1, RW | ACCESS | UPDATE | VARIABLE_FLAGS)
                .notes("RW and ACCESS due to the optional `GET` argument"),
        ]),
    Spec::new("setnx", 3, WRITE | DENYOOM | FAST, [1, 1, 1], Run::Key(string::setnx))
        .acl(&["@write", "@string", "@fast"])
        .keys(&[KeySpec::index(1, OW | INSERT)]),
    Spec::new("setex", 4, WRITE | DENYOOM, [1, 1, 1], Run::Key(string::setex))
        .acl(&["@write", "@string", "@slow"])
        .keys(&[KeySpec::index(1, OW | UPDATE)]),
    Spec::new("psetex", 4, WRITE | DENYOOM, [1, 1, 1], Run::Key(string::psetex))
        .acl(&["@write", "@string", "@slow"])
        .keys(&[KeySpec::index(1, OW | UPDATE)]),
    Spec::new("getset", 3, WRITE | DENYOOM | FAST, [1, 1, 1], Run::Key(string::getset))
        .acl(&["@write", "@string", "@fast"])
        .keys(&[KeySpec::index(1, RW | ACCESS | UPDATE)]),
    Spec::new("getdel", 2, WRITE | FAST, [1, 1, 1], Run::Key(string::getdel))
        .acl(&["@write", "@string", "@fast"])
        .keys(&[KeySpec::index(1, RW | ACCESS | DELETE)]),
    Spec::new("getex", -2, WRITE | FAST, [1, 1, 1], Run::Key(string::getex))
        .acl(&["@write", "@string", "@fast"])
        .keys(&[
            KeySpec::index(1, RW | ACCESS | UPDATE)
                .notes("RW and UPDATE because it changes the TTL"),
        ]),
    Spec::new("mget", -2, READONLY | FAST, [1, -1, 1], Run::Keys(string::mget, string::plan_mget))
        .acl(&["@read", "@string", "@fast"])
        .tips(&["request_policy:multi_shard"])
        .keys(&[KeySpec::index(1, RO | ACCESS).range(-1, 1, 0)]),
    Spec::new("mset", -3, WRITE | DENYOOM, [1, -1, 2], Run::Keys(string::mset, string::plan_mset))
        .acl(&["@write", "@string", "@slow"])
        .tips(&["request_policy:multi_shard", "response_policy:all_succeeded"])
        .keys(&[KeySpec::index(1, OW | UPDATE).range(-1, 2, 0)])
        .check(string::check_mset),
    Spec::new("msetnx", -3, WRITE | DENYOOM, [1, -1, 2],
              Run::Keys(string::msetnx, string::plan_msetnx))
        .acl(&["@write", "@string", "@slow"])
        .tips(&["request_policy:multi_shard", "response_policy:agg_min"])
        .keys(&[KeySpec::index(1, OW | INSERT).range(-1, 2, 0)])
        .check(string::check_mset),
    Spec::new("incr", 2, WRITE | DENYOOM | FAST, [1, 1, 1], Run::Key(string::incr))
        .acl(&["@write", "@string", "@fast"])
        .keys(&[KeySpec::index(1, RW | ACCESS | UPDATE)]),
    Spec::new("decr", 2, WRITE | DENYOOM | FAST, [1, 1, 1], Run::Key(string::decr))
        .acl(&["@write", "@string", "@fast"])
        .keys(&[KeySpec::index(1, RW | ACCESS | UPDATE)]),
    Spec::new("incrby", 3, WRITE | DENYOOM | FAST, [1, 1, 1], Run::Key(string::incrby))
        .acl(&["@write", "@string", "@fast"])
        .keys(&[KeySpec::index(1, RW | ACCESS | UPDATE)]),
    Spec::new("decrby", 3, WRITE | DENYOOM | FAST, [1, 1, 1], Run::Key(string::decrby))
        .acl(&["@write", "@string", "@fast"])
        .keys(&[KeySpec::index(1, RW | ACCESS | UPDATE)]),
    Spec::new("incrbyfloat", 3, WRITE | DENYOOM | FAST, [1, 1, 1], Run::Key(string::incrbyfloat))
        .acl(&["@write", "@string", "@fast"])
        .keys(&[KeySpec::index(1, RW | ACCESS | UPDATE)]),
    Spec::new("append", 3, WRITE | DENYOOM | FAST, [1, 1, 1], Run::Key(string::append))
        .acl(&["@write", "@string", "@fast"])
        .keys(&[KeySpec::index(1, RW | INSERT)]),
    Spec::new("strlen", 2, READONLY | FAST, [1, 1, 1], Run::Key(string::strlen))
        .acl(&["@read", "@string", "@fast"])
        .keys(&[KeySpec::index(1, RO)]),
    Spec::new("getrange", 4, READONLY, [1, 1, 1], Run::Key(string::getrange))
        .acl(&["@read", "@string", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("substr", 4, READONLY, [1, 1, 1], Run::Key(string::getrange))
        .acl(&["@read", "@string", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("setrange", 4, WRITE | DENYOOM, [1, 1, 1], Run::Key(string::setrange))
        .acl(&["@write", "@string", "@slow"])
        .keys(&[KeySpec::index(1, RW | UPDATE)]),
    Spec::new("del", -2, WRITE, [1, -1, 1], Run::Keys(keys::del, keys::plan_del))
        .acl(&["@keyspace", "@write", "@slow"])
        .tips(&["request_policy:multi_shard", "response_policy:agg_sum"])
        .keys(&[KeySpec::index(1, RM | DELETE).range(-1, 1, 0)]),
    Spec::new("unlink", -2, WRITE | FAST, [1, -1, 1], Run::Keys(keys::unlink, keys::plan_unlink))
        .acl(&["@keyspace", "@write", "@fast"])
        .tips(&["request_policy:multi_shard", "response_policy:agg_sum"])
        .keys(&[KeySpec::index(1, RM | DELETE).range(-1, 1, 0)]),
    Spec::new("exists", -2, READONLY | FAST, [1, -1, 1],
              Run::Keys(keys::exists, keys::plan_exists))
        .acl(&["@keyspace", "@read", "@fast"])
        .tips(&["request_policy:multi_shard", "response_policy:agg_sum"])
        .keys(&[KeySpec::index(1, RO).range(-1, 1, 0)]),
    Spec::new("touch", -2, READONLY | FAST, [1, -1, 1], Run::Keys(keys::touch, keys::plan_touch))
        .acl(&["@keyspace", "@read", "@fast"])
        .tips(&["request_policy:multi_shard", "response_policy:agg_sum"])
        .keys(&[KeySpec::index(1, RO).range(-1, 1, 0)]),
    Spec::new("type", 2, READONLY | FAST, [1, 1, 1], Run::Key(keys::type_))
        .acl(&["@keyspace", "@read", "@fast"])
        .keys(&[KeySpec::index(1, RO)]),
    Spec::new("expire", -3, WRITE | FAST, [1, 1, 1], Run::Key(keys::expire))
        .acl(&["@keyspace", "@write", "@fast"])
        .keys(&[KeySpec::index(1, RW | UPDATE)]),
    Spec::new("pexpire", -3, WRITE | FAST, [1, 1, 1], Run::Key(keys::pexpire))
        .acl(&["@keyspace", "@write", "@fast"])
        .keys(&[KeySpec::index(1, RW | UPDATE)]),
    Spec::new("expireat", -3, WRITE | FAST, [1, 1, 1], Run::Key(keys::expireat))
        .acl(&["@keyspace", "@write", "@fast"])
        .keys(&[KeySpec::index(1, RW | UPDATE)]),
    Spec::new("pexpireat", -3, WRITE | FAST, [1, 1, 1], Run::Key(keys::pexpireat))
        .acl(&["@keyspace", "@write", "@fast"])
        .keys(&[KeySpec::index(1, RW | UPDATE)]),
    Spec::new("ttl", 2, READONLY | FAST, [1, 1, 1], Run::Key(keys::ttl))
        .acl(&["@keyspace", "@read", "@fast"])
        .tips(&["nondeterministic_output"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("pttl", 2, READONLY | FAST, [1, 1, 1], Run::Key(keys::pttl))
        .acl(&["@keyspace", "@read", "@fast"])
        .tips(&["nondeterministic_output"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("expiretime", 2, READONLY | FAST, [1, 1, 1], Run::Key(keys::expiretime))
        .acl(&["@keyspace", "@read", "@fast"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("pexpiretime", 2, READONLY | FAST, [1, 1, 1], Run::Key(keys::pexpiretime))
        .acl(&["@keyspace", "@read", "@fast"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("persist", 2, WRITE | FAST, [1, 1, 1], Run::Key(keys::persist))
        .acl(&["@keyspace", "@write", "@fast"])
        .keys(&[KeySpec::index(1, RW | UPDATE)]),
    Spec::new("dbsize", 1, READONLY | FAST, [0, 0, 0], Run::Plan(keys::plan_dbsize))
        .acl(&["@keyspace", "@read", "@fast"])
        .tips(&["request_policy:all_shards", "response_policy:agg_sum"]),
    Spec::new("flushdb", -1, WRITE, [0, 0, 0], Run::Plan(keys::plan_flushdb))
        .acl(&["@keyspace", "@write", "@slow", "@dangerous"])
        .tips(&["request_policy:all_shards", "response_policy:all_succeeded"])
        .check(keys::check_flush),
    Spec::new("flushall", -1, WRITE, [0, 0, 0], Run::Server(keys::plan_flushall))
        .acl(&["@keyspace", "@write", "@slow", "@dangerous"])
        .tips(&["request_policy:all_shards", "response_policy:all_succeeded"])
        .check(keys::check_flush),
    Spec::new("keys", 2, READONLY, [0, 0, 0], Run::Plan(keys::plan_keys))
        .acl(&["@keyspace", "@read", "@slow", "@dangerous"])
        .tips(&["request_policy:all_shards", "nondeterministic_output_order"]),
    // Transactions.
    Spec::new("multi", 1, NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, [0, 0, 0],
              Run::Local(txn::multi))
        .acl(&["@fast", "@transaction"]),
    Spec::new("exec", 1, NOSCRIPT | LOADING | STALE | SKIP_SLOWLOG, [0, 0, 0],
              Run::Plan(txn::plan_exec))
        .acl(&["@slow", "@transaction"]),
    Spec::new("discard", 1, NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, [0, 0, 0],
              Run::Local(txn::discard))
        .acl(&["@fast", "@transaction"]),
    Spec::new("watch", -2, NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, [1, -1, 1],
              Run::Local(watch::watch))
        .acl(&["@fast", "@transaction"])
        .keys(&[KeySpec::index(1, RO).range(-1, 1, 0)]),
    Spec::new("unwatch", 1, NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, [0, 0, 0],
              Run::Local(watch::unwatch))
        .acl(&["@fast", "@transaction"]),
];

/// The subcommands of COMMAND.
#[rustfmt::skip]
const COMMAND_SUBCOMMANDS: &[Spec] = &[
    Spec::new("command|count", 2, LOADING | STALE, [0, 0, 0], Run::Local(command::count))
        .acl(&["@slow", "@connection"]),
    Spec::new("command|help", 2, LOADING | STALE, [0, 0, 0], Run::Local(command::help))
        .acl(&["@slow", "@connection"]),
    Spec::new("command|list", -2, LOADING | STALE, [0, 0, 0], Run::Local(command::list))
        .acl(&["@slow", "@connection"])
        .tips(&["nondeterministic_output_order"]),
    Spec::new("command|docs", -2, LOADING | STALE, [0, 0, 0], Run::Local(command::docs))
        .acl(&["@slow", "@connection"])
        .tips(&["nondeterministic_output_order"]),
    Spec::new("command|getkeysandflags", -4, LOADING | STALE, [0, 0, 0],
              Run::Local(command::getkeysandflags))
        .acl(&["@slow", "@connection"]),
    Spec::new("command|info", -2, LOADING | STALE, [0, 0, 0], Run::Local(command::info))
        .acl(&["@slow", "@connection"])
        .tips(&["nondeterministic_output_order"]),
    Spec::new("command|getkeys", -4, LOADING | STALE, [0, 0, 0], Run::Local(command::getkeys))
        .acl(&["@slow", "@connection"]),
];
