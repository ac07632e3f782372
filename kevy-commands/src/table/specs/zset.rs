//! Sorted set commands (Redis's `t_zset.c`).

use super::super::flags::*;
use super::super::key_flags::*;
use super::super::{KeySpec, Run, Spec};
use crate::family::{blocking, zset};

/// The sorted set family.
#[rustfmt::skip]
pub(super) const ZSET: &[Spec] = &[
    Spec::new("zadd", -4, WRITE | DENYOOM | FAST, [1, 1, 1], Run::Key(zset::zadd))
        .acl(&["@write", "@sortedset", "@fast"])
        .keys(&[KeySpec::index(1, RW | UPDATE)]),
    Spec::new("zincrby", 4, WRITE | DENYOOM | FAST, [1, 1, 1], Run::Key(zset::zincrby))
        .acl(&["@write", "@sortedset", "@fast"])
        .keys(&[KeySpec::index(1, RW | ACCESS | UPDATE)]),
    Spec::new("zscore", 3, READONLY | FAST, [1, 1, 1], Run::Key(zset::zscore))
        .acl(&["@read", "@sortedset", "@fast"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("zmscore", -3, READONLY | FAST, [1, 1, 1], Run::Key(zset::zmscore))
        .acl(&["@read", "@sortedset", "@fast"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("zrank", 3, READONLY | FAST, [1, 1, 1], Run::Key(zset::zrank))
        .acl(&["@read", "@sortedset", "@fast"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("zrevrank", 3, READONLY | FAST, [1, 1, 1], Run::Key(zset::zrevrank))
        .acl(&["@read", "@sortedset", "@fast"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("zcard", 2, READONLY | FAST, [1, 1, 1], Run::Key(zset::zcard))
        .acl(&["@read", "@sortedset", "@fast"])
        .keys(&[KeySpec::index(1, RO)]),
    Spec::new("zcount", 4, READONLY | FAST, [1, 1, 1], Run::Key(zset::zcount))
        .acl(&["@read", "@sortedset", "@fast"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("zlexcount", 4, READONLY | FAST, [1, 1, 1], Run::Key(zset::zlexcount))
        .acl(&["@read", "@sortedset", "@fast"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("zrange", -4, READONLY, [1, 1, 1], Run::Key(zset::zrange))
        .acl(&["@read", "@sortedset", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("zrangestore", -5, WRITE | DENYOOM, [1, 2, 1],
              Run::Keys(zset::zrangestore, zset::plan_zrangestore))
        .acl(&["@write", "@sortedset", "@slow"])
        .keys(&[KeySpec::index(1, OW | UPDATE), KeySpec::index(2, RO | ACCESS)]),
    Spec::new("zrangebyscore", -4, READONLY, [1, 1, 1], Run::Key(zset::zrangebyscore))
        .acl(&["@read", "@sortedset", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("zrevrangebyscore", -4, READONLY, [1, 1, 1], Run::Key(zset::zrevrangebyscore))
        .acl(&["@read", "@sortedset", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("zrangebylex", -4, READONLY, [1, 1, 1], Run::Key(zset::zrangebylex))
        .acl(&["@read", "@sortedset", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("zrevrangebylex", -4, READONLY, [1, 1, 1], Run::Key(zset::zrevrangebylex))
        .acl(&["@read", "@sortedset", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("zrevrange", -4, READONLY, [1, 1, 1], Run::Key(zset::zrevrange))
        .acl(&["@read", "@sortedset", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("zrem", -3, WRITE | FAST, [1, 1, 1], Run::Key(zset::zrem))
        .acl(&["@write", "@sortedset", "@fast"])
        .keys(&[KeySpec::index(1, RW | DELETE)]),
    Spec::new("zremrangebyrank", 4, WRITE, [1, 1, 1], Run::Key(zset::zremrangebyrank))
        .acl(&["@write", "@sortedset", "@slow"])
        .keys(&[KeySpec::index(1, RW | DELETE)]),
    Spec::new("zremrangebyscore", 4, WRITE, [1, 1, 1], Run::Key(zset::zremrangebyscore))
        .acl(&["@write", "@sortedset", "@slow"])
        .keys(&[KeySpec::index(1, RW | DELETE)]),
    Spec::new("zremrangebylex", 4, WRITE, [1, 1, 1], Run::Key(zset::zremrangebylex))
        .acl(&["@write", "@sortedset", "@slow"])
        .keys(&[KeySpec::index(1, RW | DELETE)]),
    Spec::new("zpopmin", -2, WRITE | FAST, [1, 1, 1], Run::Key(zset::zpopmin))
        .acl(&["@write", "@sortedset", "@fast"])
        .keys(&[KeySpec::index(1, RW | ACCESS | DELETE)]),
    Spec::new("zpopmax", -2, WRITE | FAST, [1, 1, 1], Run::Key(zset::zpopmax))
        .acl(&["@write", "@sortedset", "@fast"])
        .keys(&[KeySpec::index(1, RW | ACCESS | DELETE)]),
    Spec::new("zmpop", -4, WRITE | MOVABLEKEYS, [0, 0, 0],
              Run::Movable(zset::zmpop, zset::plan_zmpop))
        .acl(&["@write", "@sortedset", "@slow"])
        .keys(&[KeySpec::index(1, RW | ACCESS | DELETE).keynum(0, 1, 1)]),
    Spec::new("zrandmember", -2, READONLY, [1, 1, 1], Run::Key(zset::zrandmember))
        .acl(&["@read", "@sortedset", "@slow"])
        .tips(&["nondeterministic_output"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("zunion", -3, READONLY | MOVABLEKEYS, [0, 0, 0],
              Run::Movable(zset::zunion, zset::plan_zunion))
        .acl(&["@read", "@sortedset", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS).keynum(0, 1, 1)]),
    Spec::new("zinter", -3, READONLY | MOVABLEKEYS, [0, 0, 0],
              Run::Movable(zset::zinter, zset::plan_zinter))
        .acl(&["@read", "@sortedset", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS).keynum(0, 1, 1)]),
    Spec::new("zdiff", -3, READONLY | MOVABLEKEYS, [0, 0, 0],
              Run::Movable(zset::zdiff, zset::plan_zdiff))
        .acl(&["@read", "@sortedset", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS).keynum(0, 1, 1)]),
    Spec::new("zunionstore", -4, WRITE | DENYOOM | MOVABLEKEYS, [1, 1, 1],
              Run::Movable(zset::zunionstore, zset::plan_zunionstore))
        .acl(&["@write", "@sortedset", "@slow"])
        .keys(&[KeySpec::index(1, OW | UPDATE), KeySpec::index(2, RO | ACCESS).keynum(0, 1, 1)]),
    Spec::new("zinterstore", -4, WRITE | DENYOOM | MOVABLEKEYS, [1, 1, 1],
              Run::Movable(zset::zinterstore, zset::plan_zinterstore))
        .acl(&["@write", "@sortedset", "@slow"])
        .keys(&[KeySpec::index(1, OW | UPDATE), KeySpec::index(2, RO | ACCESS).keynum(0, 1, 1)]),
    Spec::new("zdiffstore", -4, WRITE | DENYOOM | MOVABLEKEYS, [1, 1, 1],
              Run::Movable(zset::zdiffstore, zset::plan_zdiffstore))
        .acl(&["@write", "@sortedset", "@slow"])
        .keys(&[KeySpec::index(1, OW | UPDATE), KeySpec::index(2, RO | ACCESS).keynum(0, 1, 1)]),
    Spec::new("zintercard", -3, READONLY | MOVABLEKEYS, [0, 0, 0],
              Run::Movable(zset::zintercard, zset::plan_zintercard))
        .acl(&["@read", "@sortedset", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS).keynum(0, 1, 1)]),
    Spec::new("zscan", -3, READONLY, [1, 1, 1], Run::Key(zset::zscan))
        .acl(&["@read", "@sortedset", "@slow"])
        .tips(&["nondeterministic_output"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("bzpopmin", -3, WRITE | NOSCRIPT | BLOCKING | FAST, [1, -2, 1],
              Run::Keys(zset::blocking::bzpopmin, zset::blocking::plan_zpop))
        .acl(&["@write", "@sortedset", "@fast", "@blocking"])
        .keys(&[KeySpec::index(1, RW | ACCESS | DELETE).range(-2, 1, 0)])
        .check(blocking::check_last),
    Spec::new("bzpopmax", -3, WRITE | NOSCRIPT | BLOCKING | FAST, [1, -2, 1],
              Run::Keys(zset::blocking::bzpopmax, zset::blocking::plan_zpop))
        .acl(&["@write", "@sortedset", "@fast", "@blocking"])
        .keys(&[KeySpec::index(1, RW | ACCESS | DELETE).range(-2, 1, 0)])
        .check(blocking::check_last),
    Spec::new("bzmpop", -5, WRITE | BLOCKING | MOVABLEKEYS, [0, 0, 0],
              Run::Movable(zset::blocking::bzmpop, zset::blocking::plan_bzmpop))
        .acl(&["@write", "@sortedset", "@slow", "@blocking"])
        .keys(&[KeySpec::index(2, RW | ACCESS | DELETE).keynum(0, 1, 1)])
        .check(zset::blocking::check_bzmpop),
];
