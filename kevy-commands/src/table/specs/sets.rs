//! Set commands (`t_set.c`), from redis-server 7.0.15's `COMMAND INFO` and
//! `COMMAND DOCS`.

use super::super::flags::*;
use super::super::key_flags::*;
use super::super::{KeySpec, Run, Spec};
use crate::family::set;

/// The set commands.
#[rustfmt::skip]
pub const SETS: &[Spec] = &[
    Spec::new("sadd", -3, WRITE | DENYOOM | FAST, [1, 1, 1], Run::Key(set::sadd))
        .acl(&["@write", "@set", "@fast"])
        .keys(&[KeySpec::index(1, RW | INSERT)])
        .docs(
            "Add one or more members to a set",
            "1.0.0",
            "set",
            "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
        ),
    Spec::new("srem", -3, WRITE | FAST, [1, 1, 1], Run::Key(set::srem))
        .acl(&["@write", "@set", "@fast"])
        .keys(&[KeySpec::index(1, RW | DELETE)])
        .docs(
            "Remove one or more members from a set",
            "1.0.0",
            "set",
            "O(N) where N is the number of members to be removed.",
        ),
    Spec::new("smembers", 2, READONLY, [1, 1, 1], Run::Key(set::smembers))
        .acl(&["@read", "@set", "@slow"])
        .tips(&["nondeterministic_output_order"])
        .keys(&[KeySpec::index(1, RO | ACCESS)])
        .docs(
            "Get all the members in a set",
            "1.0.0",
            "set",
            "O(N) where N is the set cardinality.",
        ),
    Spec::new("sismember", 3, READONLY | FAST, [1, 1, 1], Run::Key(set::sismember))
        .acl(&["@read", "@set", "@fast"])
        .keys(&[KeySpec::index(1, RO)])
        .docs("Determine if a given value is a member of a set", "1.0.0", "set", "O(1)"),
    Spec::new("smismember", -3, READONLY | FAST, [1, 1, 1], Run::Key(set::smismember))
        .acl(&["@read", "@set", "@fast"])
        .keys(&[KeySpec::index(1, RO | ACCESS)])
        .docs(
            "Returns the membership associated with the given elements for a set",
            "6.2.0",
            "set",
            "O(N) where N is the number of elements being checked for membership",
        ),
    Spec::new("scard", 2, READONLY | FAST, [1, 1, 1], Run::Key(set::scard))
        .acl(&["@read", "@set", "@fast"])
        .keys(&[KeySpec::index(1, RO)])
        .docs("Get the number of members in a set", "1.0.0", "set", "O(1)"),
    Spec::new("spop", -2, WRITE | FAST, [1, 1, 1], Run::Key(set::spop))
        .acl(&["@write", "@set", "@fast"])
        .tips(&["nondeterministic_output"])
        .keys(&[KeySpec::index(1, RW | ACCESS | DELETE)])
        .docs(
            "Remove and return one or multiple random members from a set",
            "1.0.0",
            "set",
            "Without the count argument O(1), otherwise O(N) where N is the value of the passed count.",
        ),
    Spec::new("srandmember", -2, READONLY, [1, 1, 1], Run::Key(set::srandmember))
        .acl(&["@read", "@set", "@slow"])
        .tips(&["nondeterministic_output"])
        .keys(&[KeySpec::index(1, RO | ACCESS)])
        .docs(
            "Get one or multiple random members from a set",
            "1.0.0",
            "set",
            "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.",
        ),
    Spec::new("smove", 4, WRITE | FAST, [1, 2, 1], Run::Keys(set::smove, set::plan_smove))
        .acl(&["@write", "@set", "@fast"])
        .keys(&[KeySpec::index(1, RW | ACCESS | DELETE), KeySpec::index(2, RW | INSERT)])
        .docs("Move a member from one set to another", "1.0.0", "set", "O(1)"),
    Spec::new("sinter", -2, READONLY, [1, -1, 1], Run::Keys(set::sinter, set::plan_sinter))
        .acl(&["@read", "@set", "@slow"])
        .tips(&["nondeterministic_output_order"])
        .keys(&[KeySpec::index(1, RO | ACCESS).range(-1, 1, 0)])
        .docs(
            "Intersect multiple sets",
            "1.0.0",
            "set",
            "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
        ),
    Spec::new("sunion", -2, READONLY, [1, -1, 1], Run::Keys(set::sunion, set::plan_sunion))
        .acl(&["@read", "@set", "@slow"])
        .tips(&["nondeterministic_output_order"])
        .keys(&[KeySpec::index(1, RO | ACCESS).range(-1, 1, 0)])
        .docs(
            "Add multiple sets",
            "1.0.0",
            "set",
            "O(N) where N is the total number of elements in all given sets.",
        ),
    Spec::new("sdiff", -2, READONLY, [1, -1, 1], Run::Keys(set::sdiff, set::plan_sdiff))
        .acl(&["@read", "@set", "@slow"])
        .tips(&["nondeterministic_output_order"])
        .keys(&[KeySpec::index(1, RO | ACCESS).range(-1, 1, 0)])
        .docs(
            "Subtract multiple sets",
            "1.0.0",
            "set",
            "O(N) where N is the total number of elements in all given sets.",
        ),
    Spec::new("sinterstore", -3, WRITE | DENYOOM, [1, -1, 1],
              Run::Keys(set::sinterstore, set::plan_sinterstore))
        .acl(&["@write", "@set", "@slow"])
        .keys(&[KeySpec::index(1, RW | UPDATE), KeySpec::index(2, RO | ACCESS).range(-1, 1, 0)])
        .docs(
            "Intersect multiple sets and store the resulting set in a key",
            "1.0.0",
            "set",
            "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
        ),
    Spec::new("sunionstore", -3, WRITE | DENYOOM, [1, -1, 1],
              Run::Keys(set::sunionstore, set::plan_sunionstore))
        .acl(&["@write", "@set", "@slow"])
        .keys(&[KeySpec::index(1, OW | UPDATE), KeySpec::index(2, RO | ACCESS).range(-1, 1, 0)])
        .docs(
            "Add multiple sets and store the resulting set in a key",
            "1.0.0",
            "set",
            "O(N) where N is the total number of elements in all given sets.",
        ),
    Spec::new("sdiffstore", -3, WRITE | DENYOOM, [1, -1, 1],
              Run::Keys(set::sdiffstore, set::plan_sdiffstore))
        .acl(&["@write", "@set", "@slow"])
        .keys(&[KeySpec::index(1, OW | UPDATE), KeySpec::index(2, RO | ACCESS).range(-1, 1, 0)])
        .docs(
            "Subtract multiple sets and store the resulting set in a key",
            "1.0.0",
            "set",
            "O(N) where N is the total number of elements in all given sets.",
        ),
    Spec::new("sintercard", -3, READONLY | MOVABLEKEYS, [0, 0, 0], Run::Plan(set::plan_sintercard))
        .acl(&["@read", "@set", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS).keynum(0, 1, 1)])
        .docs(
            "Intersect multiple sets and return the cardinality of the result",
            "7.0.0",
            "set",
            "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
        )
        .check(set::check_sintercard),
    Spec::new("sscan", -3, READONLY, [1, 1, 1], Run::Key(set::sscan))
        .acl(&["@read", "@set", "@slow"])
        .tips(&["nondeterministic_output"])
        .keys(&[KeySpec::index(1, RO | ACCESS)])
        .docs(
            "Incrementally iterate Set elements",
            "2.8.0",
            "set",
            "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
        ),
];
