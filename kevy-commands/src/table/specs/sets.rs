//! Set commands (`t_set.c`), from redis-server 7.0.15's `COMMAND INFO`.

use super::super::flags::*;
use super::super::key_flags::*;
use super::super::{KeySpec, Run, Spec};
use crate::family::set;

/// The set commands.
#[rustfmt::skip]
pub const SETS: &[Spec] = &[
    Spec::new("sadd", -3, WRITE | DENYOOM | FAST, [1, 1, 1], Run::Key(set::sadd))
        .acl(&["@write", "@set", "@fast"])
        .keys(&[KeySpec::index(1, RW | INSERT)]),
    Spec::new("srem", -3, WRITE | FAST, [1, 1, 1], Run::Key(set::srem))
        .acl(&["@write", "@set", "@fast"])
        .keys(&[KeySpec::index(1, RW | DELETE)]),
    Spec::new("smembers", 2, READONLY, [1, 1, 1], Run::Key(set::smembers))
        .acl(&["@read", "@set", "@slow"])
        .tips(&["nondeterministic_output_order"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("sismember", 3, READONLY | FAST, [1, 1, 1], Run::Key(set::sismember))
        .acl(&["@read", "@set", "@fast"])
        .keys(&[KeySpec::index(1, RO)]),
    Spec::new("smismember", -3, READONLY | FAST, [1, 1, 1], Run::Key(set::smismember))
        .acl(&["@read", "@set", "@fast"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("scard", 2, READONLY | FAST, [1, 1, 1], Run::Key(set::scard))
        .acl(&["@read", "@set", "@fast"])
        .keys(&[KeySpec::index(1, RO)]),
    Spec::new("spop", -2, WRITE | FAST, [1, 1, 1], Run::Key(set::spop))
        .acl(&["@write", "@set", "@fast"])
        .tips(&["nondeterministic_output"])
        .keys(&[KeySpec::index(1, RW | ACCESS | DELETE)]),
    Spec::new("srandmember", -2, READONLY, [1, 1, 1], Run::Key(set::srandmember))
        .acl(&["@read", "@set", "@slow"])
        .tips(&["nondeterministic_output"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("smove", 4, WRITE | FAST, [1, 2, 1], Run::Keys(set::smove, set::plan_smove))
        .acl(&["@write", "@set", "@fast"])
        .keys(&[KeySpec::index(1, RW | ACCESS | DELETE), KeySpec::index(2, RW | INSERT)]),
    Spec::new("sinter", -2, READONLY, [1, -1, 1], Run::Keys(set::sinter, set::plan_sinter))
        .acl(&["@read", "@set", "@slow"])
        .tips(&["nondeterministic_output_order"])
        .keys(&[KeySpec::index(1, RO | ACCESS).range(-1, 1, 0)]),
    Spec::new("sunion", -2, READONLY, [1, -1, 1], Run::Keys(set::sunion, set::plan_sunion))
        .acl(&["@read", "@set", "@slow"])
        .tips(&["nondeterministic_output_order"])
        .keys(&[KeySpec::index(1, RO | ACCESS).range(-1, 1, 0)]),
    Spec::new("sdiff", -2, READONLY, [1, -1, 1], Run::Keys(set::sdiff, set::plan_sdiff))
        .acl(&["@read", "@set", "@slow"])
        .tips(&["nondeterministic_output_order"])
        .keys(&[KeySpec::index(1, RO | ACCESS).range(-1, 1, 0)]),
    Spec::new("sinterstore", -3, WRITE | DENYOOM, [1, -1, 1],
              Run::Keys(set::sinterstore, set::plan_sinterstore))
        .acl(&["@write", "@set", "@slow"])
        .keys(&[KeySpec::index(1, RW | UPDATE), KeySpec::index(2, RO | ACCESS).range(-1, 1, 0)]),
    Spec::new("sunionstore", -3, WRITE | DENYOOM, [1, -1, 1],
              Run::Keys(set::sunionstore, set::plan_sunionstore))
        .acl(&["@write", "@set", "@slow"])
        .keys(&[KeySpec::index(1, OW | UPDATE), KeySpec::index(2, RO | ACCESS).range(-1, 1, 0)]),
    Spec::new("sdiffstore", -3, WRITE | DENYOOM, [1, -1, 1],
              Run::Keys(set::sdiffstore, set::plan_sdiffstore))
        .acl(&["@write", "@set", "@slow"])
        .keys(&[KeySpec::index(1, OW | UPDATE), KeySpec::index(2, RO | ACCESS).range(-1, 1, 0)]),
    Spec::new("sintercard", -3, READONLY | MOVABLEKEYS, [0, 0, 0], Run::Plan(set::plan_sintercard))
        .acl(&["@read", "@set", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS).keynum(0, 1, 1)])
        .check(set::check_sintercard),
    Spec::new("sscan", -3, READONLY, [1, 1, 1], Run::Key(set::sscan))
        .acl(&["@read", "@set", "@slow"])
        .tips(&["nondeterministic_output"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
];
