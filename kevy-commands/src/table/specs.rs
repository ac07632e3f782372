//! The command table's data, copied from redis-server 7.0.15's `COMMAND INFO`
//! and `COMMAND DOCS` (summary, since, group, complexity). Order is the order of
//! `COMMAND`, `COMMAND INFO` and `COMMAND LIST` replies.
//!
//! The data is split by family (this file: connection, server, strings and
//! generic keys; `specs/lists.rs`, `specs/hashes.rs`, `specs/sets.rs`,
//! `specs/zset.rs`, `specs/bits.rs`, `specs/hll.rs`) and joined into
//! [`COMMANDS`] at compile time.

use super::flags::*;
use super::key_flags::*;
use super::{KeySpec, Run, Spec};
use crate::family::{command, connection, keys, string};

mod bits;
mod hashes;
mod hll;
mod keyspace;
mod lists;
mod server;
mod sets;
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
    server::SERVER,
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
        .tips(&["request_policy:all_shards", "response_policy:all_succeeded"])
        .docs("Ping the server", "1.0.0", "connection", "O(1)"),
    Spec::new("echo", 2, LOADING | STALE | FAST, [0, 0, 0], Run::Local(connection::echo))
        .acl(&["@fast", "@connection"])
        .docs("Echo the given string", "1.0.0", "connection", "O(1)"),
    Spec::new("quit", -1, NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY, [0, 0, 0],
              Run::Local(connection::quit))
        .acl(&["@fast", "@connection"])
        .docs("Close the connection", "1.0.0", "connection", "O(1)"),
    Spec::new("hello", -1, NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY, [0, 0, 0],
              Run::Local(connection::hello))
        .acl(&["@fast", "@connection"])
        .docs("Handshake with Redis", "6.0.0", "connection", "O(1)"),
    Spec::new("select", 2, LOADING | STALE | FAST, [0, 0, 0], Run::Local(connection::select))
        .acl(&["@fast", "@connection"])
        .docs(
            "Change the selected database for the current connection",
            "1.0.0",
            "connection",
            "O(1)",
        ),
    Spec::new("command", -1, LOADING | STALE, [0, 0, 0], Run::Local(command::all))
        .acl(&["@slow", "@connection"])
        .tips(&["nondeterministic_output_order"])
        .docs(
            "Get array of Redis command details",
            "2.8.13",
            "server",
            "O(N) where N is the total number of Redis commands",
        )
    .subcommands(COMMAND_SUBCOMMANDS),
    Spec::new("get", 2, READONLY | FAST, [1, 1, 1], Run::Key(string::get))
        .acl(&["@read", "@string", "@fast"])
        .keys(&[KeySpec::index(1, RO | ACCESS)])
        .docs("Get the value of a key", "1.0.0", "string", "O(1)"),
    Spec::new("set", -3, WRITE | DENYOOM, [1, 1, 1], Run::Key(string::set))
        .acl(&["@write", "@string", "@slow"])
        .keys(&[
            KeySpec::index(1, RW | ACCESS | UPDATE | VARIABLE_FLAGS)
                .notes("RW and ACCESS due to the optional `GET` argument"),
        ])
        .docs("Set the string value of a key", "1.0.0", "string", "O(1)"),
    Spec::new("setnx", 3, WRITE | DENYOOM | FAST, [1, 1, 1], Run::Key(string::setnx))
        .acl(&["@write", "@string", "@fast"])
        .keys(&[KeySpec::index(1, OW | INSERT)])
        .docs("Set the value of a key, only if the key does not exist", "1.0.0", "string", "O(1)"),
    Spec::new("setex", 4, WRITE | DENYOOM, [1, 1, 1], Run::Key(string::setex))
        .acl(&["@write", "@string", "@slow"])
        .keys(&[KeySpec::index(1, OW | UPDATE)])
        .docs("Set the value and expiration of a key", "2.0.0", "string", "O(1)"),
    Spec::new("psetex", 4, WRITE | DENYOOM, [1, 1, 1], Run::Key(string::psetex))
        .acl(&["@write", "@string", "@slow"])
        .keys(&[KeySpec::index(1, OW | UPDATE)])
        .docs("Set the value and expiration in milliseconds of a key", "2.6.0", "string", "O(1)"),
    Spec::new("getset", 3, WRITE | DENYOOM | FAST, [1, 1, 1], Run::Key(string::getset))
        .acl(&["@write", "@string", "@fast"])
        .keys(&[KeySpec::index(1, RW | ACCESS | UPDATE)])
        .docs("Set the string value of a key and return its old value", "1.0.0", "string", "O(1)"),
    Spec::new("getdel", 2, WRITE | FAST, [1, 1, 1], Run::Key(string::getdel))
        .acl(&["@write", "@string", "@fast"])
        .keys(&[KeySpec::index(1, RW | ACCESS | DELETE)])
        .docs("Get the value of a key and delete the key", "6.2.0", "string", "O(1)"),
    Spec::new("getex", -2, WRITE | FAST, [1, 1, 1], Run::Key(string::getex))
        .acl(&["@write", "@string", "@fast"])
        .keys(&[
            KeySpec::index(1, RW | ACCESS | UPDATE)
                .notes("RW and UPDATE because it changes the TTL"),
        ])
        .docs(
            "Get the value of a key and optionally set its expiration",
            "6.2.0",
            "string",
            "O(1)",
        ),
    Spec::new("mget", -2, READONLY | FAST, [1, -1, 1], Run::Keys(string::mget, string::plan_mget))
        .acl(&["@read", "@string", "@fast"])
        .tips(&["request_policy:multi_shard"])
        .keys(&[KeySpec::index(1, RO | ACCESS).range(-1, 1, 0)])
        .docs(
            "Get the values of all the given keys",
            "1.0.0",
            "string",
            "O(N) where N is the number of keys to retrieve.",
        ),
    Spec::new("mset", -3, WRITE | DENYOOM, [1, -1, 2], Run::Keys(string::mset, string::plan_mset))
        .acl(&["@write", "@string", "@slow"])
        .tips(&["request_policy:multi_shard", "response_policy:all_succeeded"])
        .keys(&[KeySpec::index(1, OW | UPDATE).range(-1, 2, 0)])
        .docs(
            "Set multiple keys to multiple values",
            "1.0.1",
            "string",
            "O(N) where N is the number of keys to set.",
        )
        .check(string::check_mset),
    Spec::new("msetnx", -3, WRITE | DENYOOM, [1, -1, 2],
              Run::Keys(string::msetnx, string::plan_msetnx))
        .acl(&["@write", "@string", "@slow"])
        .tips(&["request_policy:multi_shard", "response_policy:agg_min"])
        .keys(&[KeySpec::index(1, OW | INSERT).range(-1, 2, 0)])
        .docs(
            "Set multiple keys to multiple values, only if none of the keys exist",
            "1.0.1",
            "string",
            "O(N) where N is the number of keys to set.",
        )
        .check(string::check_mset),
    Spec::new("incr", 2, WRITE | DENYOOM | FAST, [1, 1, 1], Run::Key(string::incr))
        .acl(&["@write", "@string", "@fast"])
        .keys(&[KeySpec::index(1, RW | ACCESS | UPDATE)])
        .docs("Increment the integer value of a key by one", "1.0.0", "string", "O(1)"),
    Spec::new("decr", 2, WRITE | DENYOOM | FAST, [1, 1, 1], Run::Key(string::decr))
        .acl(&["@write", "@string", "@fast"])
        .keys(&[KeySpec::index(1, RW | ACCESS | UPDATE)])
        .docs("Decrement the integer value of a key by one", "1.0.0", "string", "O(1)"),
    Spec::new("incrby", 3, WRITE | DENYOOM | FAST, [1, 1, 1], Run::Key(string::incrby))
        .acl(&["@write", "@string", "@fast"])
        .keys(&[KeySpec::index(1, RW | ACCESS | UPDATE)])
        .docs(
            "Increment the integer value of a key by the given amount",
            "1.0.0",
            "string",
            "O(1)",
        ),
    Spec::new("decrby", 3, WRITE | DENYOOM | FAST, [1, 1, 1], Run::Key(string::decrby))
        .acl(&["@write", "@string", "@fast"])
        .keys(&[KeySpec::index(1, RW | ACCESS | UPDATE)])
        .docs(
            "Decrement the integer value of a key by the given number",
            "1.0.0",
            "string",
            "O(1)",
        ),
    Spec::new("incrbyfloat", 3, WRITE | DENYOOM | FAST, [1, 1, 1], Run::Key(string::incrbyfloat))
        .acl(&["@write", "@string", "@fast"])
        .keys(&[KeySpec::index(1, RW | ACCESS | UPDATE)])
        .docs("Increment the float value of a key by the given amount", "2.6.0", "string", "O(1)"),
    Spec::new("append", 3, WRITE | DENYOOM | FAST, [1, 1, 1], Run::Key(string::append))
        .acl(&["@write", "@string", "@fast"])
        .keys(&[KeySpec::index(1, RW | INSERT)])
        .docs(
            "Append a value to a key",
            "2.0.0",
            "string",
            "O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.",
        ),
    Spec::new("strlen", 2, READONLY | FAST, [1, 1, 1], Run::Key(string::strlen))
        .acl(&["@read", "@string", "@fast"])
        .keys(&[KeySpec::index(1, RO)])
        .docs("Get the length of the value stored in a key", "2.2.0", "string", "O(1)"),
    Spec::new("getrange", 4, READONLY, [1, 1, 1], Run::Key(string::getrange))
        .acl(&["@read", "@string", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS)])
        .docs(
            "Get a substring of the string stored at a key",
            "2.4.0",
            "string",
            "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.",
        ),
    Spec::new("substr", 4, READONLY, [1, 1, 1], Run::Key(string::getrange))
        .acl(&["@read", "@string", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS)])
        .docs(
            "Get a substring of the string stored at a key",
            "1.0.0",
            "string",
            "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.",
        ),
    Spec::new("setrange", 4, WRITE | DENYOOM, [1, 1, 1], Run::Key(string::setrange))
        .acl(&["@write", "@string", "@slow"])
        .keys(&[KeySpec::index(1, RW | UPDATE)])
        .docs(
            "Overwrite part of a string at key starting at the specified offset",
            "2.2.0",
            "string",
            "O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.",
        ),
    Spec::new("del", -2, WRITE, [1, -1, 1], Run::Keys(keys::del, keys::plan_del))
        .acl(&["@keyspace", "@write", "@slow"])
        .tips(&["request_policy:multi_shard", "response_policy:agg_sum"])
        .keys(&[KeySpec::index(1, RM | DELETE).range(-1, 1, 0)])
        .docs(
            "Delete a key",
            "1.0.0",
            "generic",
            "O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1).",
        ),
    Spec::new("unlink", -2, WRITE | FAST, [1, -1, 1], Run::Keys(keys::unlink, keys::plan_unlink))
        .acl(&["@keyspace", "@write", "@fast"])
        .tips(&["request_policy:multi_shard", "response_policy:agg_sum"])
        .keys(&[KeySpec::index(1, RM | DELETE).range(-1, 1, 0)])
        .docs(
            "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.",
            "4.0.0",
            "generic",
            "O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of.",
        ),
    Spec::new("exists", -2, READONLY | FAST, [1, -1, 1],
              Run::Keys(keys::exists, keys::plan_exists))
        .acl(&["@keyspace", "@read", "@fast"])
        .tips(&["request_policy:multi_shard", "response_policy:agg_sum"])
        .keys(&[KeySpec::index(1, RO).range(-1, 1, 0)])
        .docs(
            "Determine if a key exists",
            "1.0.0",
            "generic",
            "O(N) where N is the number of keys to check.",
        ),
    Spec::new("touch", -2, READONLY | FAST, [1, -1, 1], Run::Keys(keys::touch, keys::plan_touch))
        .acl(&["@keyspace", "@read", "@fast"])
        .tips(&["request_policy:multi_shard", "response_policy:agg_sum"])
        .keys(&[KeySpec::index(1, RO).range(-1, 1, 0)])
        .docs(
            "Alters the last access time of a key(s). Returns the number of existing keys specified.",
            "3.2.1",
            "generic",
            "O(N) where N is the number of keys that will be touched.",
        ),
    Spec::new("type", 2, READONLY | FAST, [1, 1, 1], Run::Key(keys::type_))
        .acl(&["@keyspace", "@read", "@fast"])
        .keys(&[KeySpec::index(1, RO)])
        .docs("Determine the type stored at key", "1.0.0", "generic", "O(1)"),
    Spec::new("expire", -3, WRITE | FAST, [1, 1, 1], Run::Key(keys::expire))
        .acl(&["@keyspace", "@write", "@fast"])
        .keys(&[KeySpec::index(1, RW | UPDATE)])
        .docs("Set a key's time to live in seconds", "1.0.0", "generic", "O(1)"),
    Spec::new("pexpire", -3, WRITE | FAST, [1, 1, 1], Run::Key(keys::pexpire))
        .acl(&["@keyspace", "@write", "@fast"])
        .keys(&[KeySpec::index(1, RW | UPDATE)])
        .docs("Set a key's time to live in milliseconds", "2.6.0", "generic", "O(1)"),
    Spec::new("expireat", -3, WRITE | FAST, [1, 1, 1], Run::Key(keys::expireat))
        .acl(&["@keyspace", "@write", "@fast"])
        .keys(&[KeySpec::index(1, RW | UPDATE)])
        .docs("Set the expiration for a key as a UNIX timestamp", "1.2.0", "generic", "O(1)"),
    Spec::new("pexpireat", -3, WRITE | FAST, [1, 1, 1], Run::Key(keys::pexpireat))
        .acl(&["@keyspace", "@write", "@fast"])
        .keys(&[KeySpec::index(1, RW | UPDATE)])
        .docs(
            "Set the expiration for a key as a UNIX timestamp specified in milliseconds",
            "2.6.0",
            "generic",
            "O(1)",
        ),
    Spec::new("ttl", 2, READONLY | FAST, [1, 1, 1], Run::Key(keys::ttl))
        .acl(&["@keyspace", "@read", "@fast"])
        .tips(&["nondeterministic_output"])
        .keys(&[KeySpec::index(1, RO | ACCESS)])
        .docs("Get the time to live for a key in seconds", "1.0.0", "generic", "O(1)"),
    Spec::new("pttl", 2, READONLY | FAST, [1, 1, 1], Run::Key(keys::pttl))
        .acl(&["@keyspace", "@read", "@fast"])
        .tips(&["nondeterministic_output"])
        .keys(&[KeySpec::index(1, RO | ACCESS)])
        .docs("Get the time to live for a key in milliseconds", "2.6.0", "generic", "O(1)"),
    Spec::new("expiretime", 2, READONLY | FAST, [1, 1, 1], Run::Key(keys::expiretime))
        .acl(&["@keyspace", "@read", "@fast"])
        .keys(&[KeySpec::index(1, RO | ACCESS)])
        .docs("Get the expiration Unix timestamp for a key", "7.0.0", "generic", "O(1)"),
    Spec::new("pexpiretime", 2, READONLY | FAST, [1, 1, 1], Run::Key(keys::pexpiretime))
        .acl(&["@keyspace", "@read", "@fast"])
        .keys(&[KeySpec::index(1, RO | ACCESS)])
        .docs(
            "Get the expiration Unix timestamp for a key in milliseconds",
            "7.0.0",
            "generic",
            "O(1)",
        ),
    Spec::new("persist", 2, WRITE | FAST, [1, 1, 1], Run::Key(keys::persist))
        .acl(&["@keyspace", "@write", "@fast"])
        .keys(&[KeySpec::index(1, RW | UPDATE)])
        .docs("Remove the expiration from a key", "2.2.0", "generic", "O(1)"),
    Spec::new("dbsize", 1, READONLY | FAST, [0, 0, 0], Run::Plan(keys::plan_dbsize))
        .acl(&["@keyspace", "@read", "@fast"])
        .tips(&["request_policy:all_shards", "response_policy:agg_sum"])
        .docs("Return the number of keys in the selected database", "1.0.0", "server", "O(1)"),
    Spec::new("flushdb", -1, WRITE, [0, 0, 0], Run::Plan(keys::plan_flushdb))
        .acl(&["@keyspace", "@write", "@slow", "@dangerous"])
        .tips(&["request_policy:all_shards", "response_policy:all_succeeded"])
        .docs(
            "Remove all keys from the current database",
            "1.0.0",
            "server",
            "O(N) where N is the number of keys in the selected database",
        )
        .check(keys::check_flush),
    Spec::new("flushall", -1, WRITE, [0, 0, 0], Run::Plan(keys::plan_flushall))
        .acl(&["@keyspace", "@write", "@slow", "@dangerous"])
        .tips(&["request_policy:all_shards", "response_policy:all_succeeded"])
        .docs(
            "Remove all keys from all databases",
            "1.0.0",
            "server",
            "O(N) where N is the total number of keys in all databases",
        )
        .check(keys::check_flush),
    Spec::new("keys", 2, READONLY, [0, 0, 0], Run::Plan(keys::plan_keys))
        .acl(&["@keyspace", "@read", "@slow", "@dangerous"])
        .tips(&["request_policy:all_shards", "nondeterministic_output_order"])
        .docs(
            "Find all keys matching the given pattern",
            "1.0.0",
            "generic",
            "O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.",
        ),
];

/// The subcommands of COMMAND.
#[rustfmt::skip]
const COMMAND_SUBCOMMANDS: &[Spec] = &[
    Spec::new("command|count", 2, LOADING | STALE, [0, 0, 0], Run::Local(command::count))
        .acl(&["@slow", "@connection"])
        .docs("Get total number of Redis commands", "2.8.13", "server", "O(1)"),
    Spec::new("command|help", 2, LOADING | STALE, [0, 0, 0], Run::Local(command::help))
        .acl(&["@slow", "@connection"])
        .docs("Show helpful text about the different subcommands", "5.0.0", "server", "O(1)"),
    Spec::new("command|list", -2, LOADING | STALE, [0, 0, 0], Run::Local(command::list))
        .acl(&["@slow", "@connection"])
        .tips(&["nondeterministic_output_order"])
        .docs(
            "Get an array of Redis command names",
            "7.0.0",
            "server",
            "O(N) where N is the total number of Redis commands",
        ),
    Spec::new("command|docs", -2, LOADING | STALE, [0, 0, 0], Run::Local(command::docs))
        .acl(&["@slow", "@connection"])
        .tips(&["nondeterministic_output_order"])
        .docs(
            "Get array of specific Redis command documentation",
            "7.0.0",
            "server",
            "O(N) where N is the number of commands to look up",
        ),
    Spec::new("command|getkeysandflags", -4, LOADING | STALE, [0, 0, 0],
              Run::Local(command::getkeysandflags))
        .acl(&["@slow", "@connection"])
        .docs(
            "Extract keys and access flags given a full Redis command",
            "7.0.0",
            "server",
            "O(N) where N is the number of arguments to the command",
        ),
    Spec::new("command|info", -2, LOADING | STALE, [0, 0, 0], Run::Local(command::info))
        .acl(&["@slow", "@connection"])
        .tips(&["nondeterministic_output_order"])
        .docs(
            "Get array of specific Redis command details, or all when no argument is given.",
            "2.8.13",
            "server",
            "O(N) where N is the number of commands to look up",
        ),
    Spec::new("command|getkeys", -4, LOADING | STALE, [0, 0, 0], Run::Local(command::getkeys))
        .acl(&["@slow", "@connection"])
        .docs(
            "Extract keys given a full Redis command",
            "2.8.13",
            "server",
            "O(N) where N is the number of arguments to the command",
        ),
];
