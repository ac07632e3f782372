//! List commands (`t_list.c`), from redis-server 7.0.15's `COMMAND INFO`.

use super::super::flags::*;
use super::super::key_flags::*;
use super::super::{KeySpec, Run, Spec};
use crate::family::{blocking, list};

/// The list commands.
#[rustfmt::skip]
pub const LISTS: &[Spec] = &[
    Spec::new("lpush", -3, WRITE | DENYOOM | FAST, [1, 1, 1], Run::Key(list::lpush))
        .acl(&["@write", "@list", "@fast"])
        .keys(&[KeySpec::index(1, RW | INSERT)]),
    Spec::new("rpush", -3, WRITE | DENYOOM | FAST, [1, 1, 1], Run::Key(list::rpush))
        .acl(&["@write", "@list", "@fast"])
        .keys(&[KeySpec::index(1, RW | INSERT)]),
    Spec::new("lpushx", -3, WRITE | DENYOOM | FAST, [1, 1, 1], Run::Key(list::lpushx))
        .acl(&["@write", "@list", "@fast"])
        .keys(&[KeySpec::index(1, RW | INSERT)]),
    Spec::new("rpushx", -3, WRITE | DENYOOM | FAST, [1, 1, 1], Run::Key(list::rpushx))
        .acl(&["@write", "@list", "@fast"])
        .keys(&[KeySpec::index(1, RW | INSERT)]),
    Spec::new("lpop", -2, WRITE | FAST, [1, 1, 1], Run::Key(list::lpop))
        .acl(&["@write", "@list", "@fast"])
        .keys(&[KeySpec::index(1, RW | ACCESS | DELETE)]),
    Spec::new("rpop", -2, WRITE | FAST, [1, 1, 1], Run::Key(list::rpop))
        .acl(&["@write", "@list", "@fast"])
        .keys(&[KeySpec::index(1, RW | ACCESS | DELETE)]),
    Spec::new("llen", 2, READONLY | FAST, [1, 1, 1], Run::Key(list::llen))
        .acl(&["@read", "@list", "@fast"])
        .keys(&[KeySpec::index(1, RO)]),
    Spec::new("lrange", 4, READONLY, [1, 1, 1], Run::Key(list::lrange))
        .acl(&["@read", "@list", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("lindex", 3, READONLY, [1, 1, 1], Run::Key(list::lindex))
        .acl(&["@read", "@list", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("lset", 4, WRITE | DENYOOM, [1, 1, 1], Run::Key(list::lset))
        .acl(&["@write", "@list", "@slow"])
        .keys(&[KeySpec::index(1, RW | UPDATE)]),
    Spec::new("linsert", 5, WRITE | DENYOOM, [1, 1, 1], Run::Key(list::linsert))
        .acl(&["@write", "@list", "@slow"])
        .keys(&[KeySpec::index(1, RW | INSERT)]),
    Spec::new("lrem", 4, WRITE, [1, 1, 1], Run::Key(list::lrem))
        .acl(&["@write", "@list", "@slow"])
        .keys(&[KeySpec::index(1, RW | DELETE)]),
    Spec::new("ltrim", 4, WRITE, [1, 1, 1], Run::Key(list::ltrim))
        .acl(&["@write", "@list", "@slow"])
        .keys(&[KeySpec::index(1, RW | DELETE)]),
    Spec::new("lpos", -3, READONLY, [1, 1, 1], Run::Key(list::lpos))
        .acl(&["@read", "@list", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("lmove", 5, WRITE | DENYOOM, [1, 2, 1], Run::Keys(list::lmove, list::plan_lmove))
        .acl(&["@write", "@list", "@slow"])
        .keys(&[KeySpec::index(1, RW | ACCESS | DELETE), KeySpec::index(2, RW | INSERT)])
        .check(list::check_lmove),
    Spec::new("rpoplpush", 3, WRITE | DENYOOM, [1, 2, 1],
              Run::Keys(list::rpoplpush, list::plan_rpoplpush))
        .acl(&["@write", "@list", "@slow"])
        .keys(&[KeySpec::index(1, RW | ACCESS | DELETE), KeySpec::index(2, RW | INSERT)]),
    Spec::new("lmpop", -4, WRITE | MOVABLEKEYS, [0, 0, 0], Run::Plan(list::plan_lmpop))
        .acl(&["@write", "@list", "@slow"])
        .keys(&[KeySpec::index(1, RW | ACCESS | DELETE).keynum(0, 1, 1)])
        .check(list::check_lmpop),
    Spec::new("blpop", -3, WRITE | NOSCRIPT | BLOCKING, [1, -2, 1],
              Run::Keys(list::blocking::blpop, list::blocking::plan_pop))
        .acl(&["@write", "@list", "@slow", "@blocking"])
        .keys(&[KeySpec::index(1, RW | ACCESS | DELETE).range(-2, 1, 0)])
        .check(blocking::check_last),
    Spec::new("brpop", -3, WRITE | NOSCRIPT | BLOCKING, [1, -2, 1],
              Run::Keys(list::blocking::brpop, list::blocking::plan_pop))
        .acl(&["@write", "@list", "@slow", "@blocking"])
        .keys(&[KeySpec::index(1, RW | ACCESS | DELETE).range(-2, 1, 0)])
        .check(blocking::check_last),
    Spec::new("brpoplpush", 4, WRITE | DENYOOM | NOSCRIPT | BLOCKING, [1, 2, 1],
              Run::Keys(list::rpoplpush, list::plan_rpoplpush))
        .acl(&["@write", "@list", "@slow", "@blocking"])
        .keys(&[KeySpec::index(1, RW | ACCESS | DELETE), KeySpec::index(2, RW | INSERT)])
        .check(blocking::check_last),
    Spec::new("blmove", 6, WRITE | DENYOOM | NOSCRIPT | BLOCKING, [1, 2, 1],
              Run::Keys(list::lmove, list::plan_lmove))
        .acl(&["@write", "@list", "@slow", "@blocking"])
        .keys(&[KeySpec::index(1, RW | ACCESS | DELETE), KeySpec::index(2, RW | INSERT)])
        .check(list::blocking::check_blmove),
    Spec::new("blmpop", -5, WRITE | BLOCKING | MOVABLEKEYS, [0, 0, 0],
              Run::Plan(list::blocking::plan_blmpop))
        .acl(&["@write", "@list", "@slow", "@blocking"])
        .keys(&[KeySpec::index(2, RW | ACCESS | DELETE).keynum(0, 1, 1)])
        .check(list::blocking::check_blmpop),
];
