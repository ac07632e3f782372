//! Hash commands (`t_hash.c`), from redis-server 7.0.15's `COMMAND INFO` and
//! `COMMAND DOCS`.

use super::super::flags::*;
use super::super::key_flags::*;
use super::super::{KeySpec, Run, Spec};
use crate::family::hash;

/// The hash commands.
#[rustfmt::skip]
pub const HASHES: &[Spec] = &[
    Spec::new("hset", -4, WRITE | DENYOOM | FAST, [1, 1, 1], Run::Key(hash::hset))
        .acl(&["@write", "@hash", "@fast"])
        .keys(&[KeySpec::index(1, RW | UPDATE)])
        .docs(
            "Set the string value of a hash field",
            "2.0.0",
            "hash",
            "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.",
        ),
    Spec::new("hsetnx", 4, WRITE | DENYOOM | FAST, [1, 1, 1], Run::Key(hash::hsetnx))
        .acl(&["@write", "@hash", "@fast"])
        .keys(&[KeySpec::index(1, RW | INSERT)])
        .docs(
            "Set the value of a hash field, only if the field does not exist",
            "2.0.0",
            "hash",
            "O(1)",
        ),
    Spec::new("hmset", -4, WRITE | DENYOOM | FAST, [1, 1, 1], Run::Key(hash::hmset))
        .acl(&["@write", "@hash", "@fast"])
        .keys(&[KeySpec::index(1, RW | UPDATE)])
        .docs(
            "Set multiple hash fields to multiple values",
            "2.0.0",
            "hash",
            "O(N) where N is the number of fields being set.",
        ),
    Spec::new("hget", 3, READONLY | FAST, [1, 1, 1], Run::Key(hash::hget))
        .acl(&["@read", "@hash", "@fast"])
        .keys(&[KeySpec::index(1, RO | ACCESS)])
        .docs("Get the value of a hash field", "2.0.0", "hash", "O(1)"),
    Spec::new("hmget", -3, READONLY | FAST, [1, 1, 1], Run::Key(hash::hmget))
        .acl(&["@read", "@hash", "@fast"])
        .keys(&[KeySpec::index(1, RO | ACCESS)])
        .docs(
            "Get the values of all the given hash fields",
            "2.0.0",
            "hash",
            "O(N) where N is the number of fields being requested.",
        ),
    Spec::new("hdel", -3, WRITE | FAST, [1, 1, 1], Run::Key(hash::hdel))
        .acl(&["@write", "@hash", "@fast"])
        .keys(&[KeySpec::index(1, RW | DELETE)])
        .docs(
            "Delete one or more hash fields",
            "2.0.0",
            "hash",
            "O(N) where N is the number of fields to be removed.",
        ),
    Spec::new("hlen", 2, READONLY | FAST, [1, 1, 1], Run::Key(hash::hlen))
        .acl(&["@read", "@hash", "@fast"])
        .keys(&[KeySpec::index(1, RO)])
        .docs("Get the number of fields in a hash", "2.0.0", "hash", "O(1)"),
    Spec::new("hexists", 3, READONLY | FAST, [1, 1, 1], Run::Key(hash::hexists))
        .acl(&["@read", "@hash", "@fast"])
        .keys(&[KeySpec::index(1, RO)])
        .docs("Determine if a hash field exists", "2.0.0", "hash", "O(1)"),
    Spec::new("hkeys", 2, READONLY, [1, 1, 1], Run::Key(hash::hkeys))
        .acl(&["@read", "@hash", "@slow"])
        .tips(&["nondeterministic_output_order"])
        .keys(&[KeySpec::index(1, RO | ACCESS)])
        .docs(
            "Get all the fields in a hash",
            "2.0.0",
            "hash",
            "O(N) where N is the size of the hash.",
        ),
    Spec::new("hvals", 2, READONLY, [1, 1, 1], Run::Key(hash::hvals))
        .acl(&["@read", "@hash", "@slow"])
        .tips(&["nondeterministic_output_order"])
        .keys(&[KeySpec::index(1, RO | ACCESS)])
        .docs(
            "Get all the values in a hash",
            "2.0.0",
            "hash",
            "O(N) where N is the size of the hash.",
        ),
    Spec::new("hgetall", 2, READONLY, [1, 1, 1], Run::Key(hash::hgetall))
        .acl(&["@read", "@hash", "@slow"])
        .tips(&["nondeterministic_output_order"])
        .keys(&[KeySpec::index(1, RO | ACCESS)])
        .docs(
            "Get all the fields and values in a hash",
            "2.0.0",
            "hash",
            "O(N) where N is the size of the hash.",
        ),
    Spec::new("hincrby", 4, WRITE | DENYOOM | FAST, [1, 1, 1], Run::Key(hash::hincrby))
        .acl(&["@write", "@hash", "@fast"])
        .keys(&[KeySpec::index(1, RW | ACCESS | UPDATE)])
        .docs(
            "Increment the integer value of a hash field by the given number",
            "2.0.0",
            "hash",
            "O(1)",
        ),
    Spec::new("hincrbyfloat", 4, WRITE | DENYOOM | FAST, [1, 1, 1], Run::Key(hash::hincrbyfloat))
        .acl(&["@write", "@hash", "@fast"])
        .keys(&[KeySpec::index(1, RW | ACCESS | UPDATE)])
        .docs(
            "Increment the float value of a hash field by the given amount",
            "2.6.0",
            "hash",
            "O(1)",
        ),
    Spec::new("hstrlen", 3, READONLY | FAST, [1, 1, 1], Run::Key(hash::hstrlen))
        .acl(&["@read", "@hash", "@fast"])
        .keys(&[KeySpec::index(1, RO)])
        .docs("Get the length of the value of a hash field", "3.2.0", "hash", "O(1)"),
    Spec::new("hrandfield", -2, READONLY, [1, 1, 1], Run::Key(hash::hrandfield))
        .acl(&["@read", "@hash", "@slow"])
        .tips(&["nondeterministic_output"])
        .keys(&[KeySpec::index(1, RO | ACCESS)])
        .docs(
            "Get one or multiple random fields from a hash",
            "6.2.0",
            "hash",
            "O(N) where N is the number of fields returned",
        ),
    Spec::new("hscan", -3, READONLY, [1, 1, 1], Run::Key(hash::hscan))
        .acl(&["@read", "@hash", "@slow"])
        .tips(&["nondeterministic_output"])
        .keys(&[KeySpec::index(1, RO | ACCESS)])
        .docs(
            "Incrementally iterate hash fields and associated values",
            "2.8.0",
            "hash",
            "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
        ),
];
