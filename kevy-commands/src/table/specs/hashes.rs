//! Hash commands (`t_hash.c`), from redis-server 7.0.15's `COMMAND INFO`.

use super::super::flags::*;
use super::super::key_flags::*;
use super::super::{KeySpec, Run, Spec};
use crate::family::hash;

/// The hash commands.
#[rustfmt::skip]
pub const HASHES: &[Spec] = &[
    Spec::new("hset", -4, WRITE | DENYOOM | FAST, [1, 1, 1], Run::Key(hash::hset))
        .acl(&["@write", "@hash", "@fast"])
        .keys(&[KeySpec::index(1, RW | UPDATE)]),
    Spec::new("hsetnx", 4, WRITE | DENYOOM | FAST, [1, 1, 1], Run::Key(hash::hsetnx))
        .acl(&["@write", "@hash", "@fast"])
        .keys(&[KeySpec::index(1, RW | INSERT)]),
    Spec::new("hmset", -4, WRITE | DENYOOM | FAST, [1, 1, 1], Run::Key(hash::hmset))
        .acl(&["@write", "@hash", "@fast"])
        .keys(&[KeySpec::index(1, RW | UPDATE)]),
    Spec::new("hget", 3, READONLY | FAST, [1, 1, 1], Run::Key(hash::hget))
        .acl(&["@read", "@hash", "@fast"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("hmget", -3, READONLY | FAST, [1, 1, 1], Run::Key(hash::hmget))
        .acl(&["@read", "@hash", "@fast"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("hdel", -3, WRITE | FAST, [1, 1, 1], Run::Key(hash::hdel))
        .acl(&["@write", "@hash", "@fast"])
        .keys(&[KeySpec::index(1, RW | DELETE)]),
    Spec::new("hlen", 2, READONLY | FAST, [1, 1, 1], Run::Key(hash::hlen))
        .acl(&["@read", "@hash", "@fast"])
        .keys(&[KeySpec::index(1, RO)]),
    Spec::new("hexists", 3, READONLY | FAST, [1, 1, 1], Run::Key(hash::hexists))
        .acl(&["@read", "@hash", "@fast"])
        .keys(&[KeySpec::index(1, RO)]),
    Spec::new("hkeys", 2, READONLY, [1, 1, 1], Run::Key(hash::hkeys))
        .acl(&["@read", "@hash", "@slow"])
        .tips(&["nondeterministic_output_order"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("hvals", 2, READONLY, [1, 1, 1], Run::Key(hash::hvals))
        .acl(&["@read", "@hash", "@slow"])
        .tips(&["nondeterministic_output_order"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("hgetall", 2, READONLY, [1, 1, 1], Run::Key(hash::hgetall))
        .acl(&["@read", "@hash", "@slow"])
        .tips(&["nondeterministic_output_order"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("hincrby", 4, WRITE | DENYOOM | FAST, [1, 1, 1], Run::Key(hash::hincrby))
        .acl(&["@write", "@hash", "@fast"])
        .keys(&[KeySpec::index(1, RW | ACCESS | UPDATE)]),
    Spec::new("hincrbyfloat", 4, WRITE | DENYOOM | FAST, [1, 1, 1], Run::Key(hash::hincrbyfloat))
        .acl(&["@write", "@hash", "@fast"])
        .keys(&[KeySpec::index(1, RW | ACCESS | UPDATE)]),
    Spec::new("hstrlen", 3, READONLY | FAST, [1, 1, 1], Run::Key(hash::hstrlen))
        .acl(&["@read", "@hash", "@fast"])
        .keys(&[KeySpec::index(1, RO)]),
    Spec::new("hrandfield", -2, READONLY, [1, 1, 1], Run::Key(hash::hrandfield))
        .acl(&["@read", "@hash", "@slow"])
        .tips(&["nondeterministic_output"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("hscan", -3, READONLY, [1, 1, 1], Run::Key(hash::hscan))
        .acl(&["@read", "@hash", "@slow"])
        .tips(&["nondeterministic_output"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
];
