//! Sorted set commands (Redis's `t_zset.c`).

use super::super::flags::*;
use super::super::key_flags::*;
use super::super::{KeySpec, Run, Spec};
use crate::family::zset;

/// The sorted set family.
#[rustfmt::skip]
pub(super) const ZSET: &[Spec] = &[
    Spec::new("zadd", -4, WRITE | DENYOOM | FAST, [1, 1, 1], Run::Key(zset::zadd))
        .acl(&["@write", "@sortedset", "@fast"])
        .keys(&[KeySpec::index(1, RW | UPDATE)])
        .docs(
            "Add one or more members to a sorted set, or update its score if it already exists",
            "1.2.0",
            "sorted-set",
            "O(log(N)) for each item added, where N is the number of elements in the sorted set.",
        ),
    Spec::new("zincrby", 4, WRITE | DENYOOM | FAST, [1, 1, 1], Run::Key(zset::zincrby))
        .acl(&["@write", "@sortedset", "@fast"])
        .keys(&[KeySpec::index(1, RW | ACCESS | UPDATE)])
        .docs(
            "Increment the score of a member in a sorted set",
            "1.2.0",
            "sorted-set",
            "O(log(N)) where N is the number of elements in the sorted set.",
        ),
    Spec::new("zscore", 3, READONLY | FAST, [1, 1, 1], Run::Key(zset::zscore))
        .acl(&["@read", "@sortedset", "@fast"])
        .keys(&[KeySpec::index(1, RO | ACCESS)])
        .docs(
            "Get the score associated with the given member in a sorted set",
            "1.2.0",
            "sorted-set",
            "O(1)",
        ),
    Spec::new("zmscore", -3, READONLY | FAST, [1, 1, 1], Run::Key(zset::zmscore))
        .acl(&["@read", "@sortedset", "@fast"])
        .keys(&[KeySpec::index(1, RO | ACCESS)])
        .docs(
            "Get the score associated with the given members in a sorted set",
            "6.2.0",
            "sorted-set",
            "O(N) where N is the number of members being requested.",
        ),
    Spec::new("zrank", 3, READONLY | FAST, [1, 1, 1], Run::Key(zset::zrank))
        .acl(&["@read", "@sortedset", "@fast"])
        .keys(&[KeySpec::index(1, RO | ACCESS)])
        .docs(
            "Determine the index of a member in a sorted set",
            "2.0.0",
            "sorted-set",
            "O(log(N))",
        ),
    Spec::new("zrevrank", 3, READONLY | FAST, [1, 1, 1], Run::Key(zset::zrevrank))
        .acl(&["@read", "@sortedset", "@fast"])
        .keys(&[KeySpec::index(1, RO | ACCESS)])
        .docs(
            "Determine the index of a member in a sorted set, with scores ordered from high to low",
            "2.0.0",
            "sorted-set",
            "O(log(N))",
        ),
    Spec::new("zcard", 2, READONLY | FAST, [1, 1, 1], Run::Key(zset::zcard))
        .acl(&["@read", "@sortedset", "@fast"])
        .keys(&[KeySpec::index(1, RO)])
        .docs("Get the number of members in a sorted set", "1.2.0", "sorted-set", "O(1)"),
    Spec::new("zcount", 4, READONLY | FAST, [1, 1, 1], Run::Key(zset::zcount))
        .acl(&["@read", "@sortedset", "@fast"])
        .keys(&[KeySpec::index(1, RO | ACCESS)])
        .docs(
            "Count the members in a sorted set with scores within the given values",
            "2.0.0",
            "sorted-set",
            "O(log(N)) with N being the number of elements in the sorted set.",
        ),
    Spec::new("zlexcount", 4, READONLY | FAST, [1, 1, 1], Run::Key(zset::zlexcount))
        .acl(&["@read", "@sortedset", "@fast"])
        .keys(&[KeySpec::index(1, RO | ACCESS)])
        .docs(
            "Count the number of members in a sorted set between a given lexicographical range",
            "2.8.9",
            "sorted-set",
            "O(log(N)) with N being the number of elements in the sorted set.",
        ),
    Spec::new("zrange", -4, READONLY, [1, 1, 1], Run::Key(zset::zrange))
        .acl(&["@read", "@sortedset", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS)])
        .docs(
            "Return a range of members in a sorted set",
            "1.2.0",
            "sorted-set",
            "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.",
        ),
    Spec::new("zrangestore", -5, WRITE | DENYOOM, [1, 2, 1],
              Run::Keys(zset::zrangestore, zset::plan_zrangestore))
        .acl(&["@write", "@sortedset", "@slow"])
        .keys(&[KeySpec::index(1, OW | UPDATE), KeySpec::index(2, RO | ACCESS)])
        .docs(
            "Store a range of members from sorted set into another key",
            "6.2.0",
            "sorted-set",
            "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.",
        ),
    Spec::new("zrangebyscore", -4, READONLY, [1, 1, 1], Run::Key(zset::zrangebyscore))
        .acl(&["@read", "@sortedset", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS)])
        .docs(
            "Return a range of members in a sorted set, by score",
            "1.0.5",
            "sorted-set",
            "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
        ),
    Spec::new("zrevrangebyscore", -4, READONLY, [1, 1, 1], Run::Key(zset::zrevrangebyscore))
        .acl(&["@read", "@sortedset", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS)])
        .docs(
            "Return a range of members in a sorted set, by score, with scores ordered from high to low",
            "2.2.0",
            "sorted-set",
            "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
        ),
    Spec::new("zrangebylex", -4, READONLY, [1, 1, 1], Run::Key(zset::zrangebylex))
        .acl(&["@read", "@sortedset", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS)])
        .docs(
            "Return a range of members in a sorted set, by lexicographical range",
            "2.8.9",
            "sorted-set",
            "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
        ),
    Spec::new("zrevrangebylex", -4, READONLY, [1, 1, 1], Run::Key(zset::zrevrangebylex))
        .acl(&["@read", "@sortedset", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS)])
        .docs(
            "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.",
            "2.8.9",
            "sorted-set",
            "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
        ),
    Spec::new("zrevrange", -4, READONLY, [1, 1, 1], Run::Key(zset::zrevrange))
        .acl(&["@read", "@sortedset", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS)])
        .docs(
            "Return a range of members in a sorted set, by index, with scores ordered from high to low",
            "1.2.0",
            "sorted-set",
            "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.",
        ),
    Spec::new("zrem", -3, WRITE | FAST, [1, 1, 1], Run::Key(zset::zrem))
        .acl(&["@write", "@sortedset", "@fast"])
        .keys(&[KeySpec::index(1, RW | DELETE)])
        .docs(
            "Remove one or more members from a sorted set",
            "1.2.0",
            "sorted-set",
            "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.",
        ),
    Spec::new("zremrangebyrank", 4, WRITE, [1, 1, 1], Run::Key(zset::zremrangebyrank))
        .acl(&["@write", "@sortedset", "@slow"])
        .keys(&[KeySpec::index(1, RW | DELETE)])
        .docs(
            "Remove all members in a sorted set within the given indexes",
            "2.0.0",
            "sorted-set",
            "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
        ),
    Spec::new("zremrangebyscore", 4, WRITE, [1, 1, 1], Run::Key(zset::zremrangebyscore))
        .acl(&["@write", "@sortedset", "@slow"])
        .keys(&[KeySpec::index(1, RW | DELETE)])
        .docs(
            "Remove all members in a sorted set within the given scores",
            "1.2.0",
            "sorted-set",
            "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
        ),
    Spec::new("zremrangebylex", 4, WRITE, [1, 1, 1], Run::Key(zset::zremrangebylex))
        .acl(&["@write", "@sortedset", "@slow"])
        .keys(&[KeySpec::index(1, RW | DELETE)])
        .docs(
            "Remove all members in a sorted set between the given lexicographical range",
            "2.8.9",
            "sorted-set",
            "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
        ),
    Spec::new("zpopmin", -2, WRITE | FAST, [1, 1, 1], Run::Key(zset::zpopmin))
        .acl(&["@write", "@sortedset", "@fast"])
        .keys(&[KeySpec::index(1, RW | ACCESS | DELETE)])
        .docs(
            "Remove and return members with the lowest scores in a sorted set",
            "5.0.0",
            "sorted-set",
            "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.",
        ),
    Spec::new("zpopmax", -2, WRITE | FAST, [1, 1, 1], Run::Key(zset::zpopmax))
        .acl(&["@write", "@sortedset", "@fast"])
        .keys(&[KeySpec::index(1, RW | ACCESS | DELETE)])
        .docs(
            "Remove and return members with the highest scores in a sorted set",
            "5.0.0",
            "sorted-set",
            "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.",
        ),
    Spec::new("zmpop", -4, WRITE | MOVABLEKEYS, [0, 0, 0],
              Run::Movable(zset::zmpop, zset::plan_zmpop))
        .acl(&["@write", "@sortedset", "@slow"])
        .keys(&[KeySpec::index(1, RW | ACCESS | DELETE).keynum(0, 1, 1)])
        .docs(
            "Remove and return members with scores in a sorted set",
            "7.0.0",
            "sorted-set",
            "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.",
        ),
    Spec::new("zrandmember", -2, READONLY, [1, 1, 1], Run::Key(zset::zrandmember))
        .acl(&["@read", "@sortedset", "@slow"])
        .tips(&["nondeterministic_output"])
        .keys(&[KeySpec::index(1, RO | ACCESS)])
        .docs(
            "Get one or multiple random elements from a sorted set",
            "6.2.0",
            "sorted-set",
            "O(N) where N is the number of elements returned",
        ),
    Spec::new("zunion", -3, READONLY | MOVABLEKEYS, [0, 0, 0],
              Run::Movable(zset::zunion, zset::plan_zunion))
        .acl(&["@read", "@sortedset", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS).keynum(0, 1, 1)])
        .docs(
            "Add multiple sorted sets",
            "6.2.0",
            "sorted-set",
            "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.",
        ),
    Spec::new("zinter", -3, READONLY | MOVABLEKEYS, [0, 0, 0],
              Run::Movable(zset::zinter, zset::plan_zinter))
        .acl(&["@read", "@sortedset", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS).keynum(0, 1, 1)])
        .docs(
            "Intersect multiple sorted sets",
            "6.2.0",
            "sorted-set",
            "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.",
        ),
    Spec::new("zdiff", -3, READONLY | MOVABLEKEYS, [0, 0, 0],
              Run::Movable(zset::zdiff, zset::plan_zdiff))
        .acl(&["@read", "@sortedset", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS).keynum(0, 1, 1)])
        .docs(
            "Subtract multiple sorted sets",
            "6.2.0",
            "sorted-set",
            "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.",
        ),
    Spec::new("zunionstore", -4, WRITE | DENYOOM | MOVABLEKEYS, [1, 1, 1],
              Run::Movable(zset::zunionstore, zset::plan_zunionstore))
        .acl(&["@write", "@sortedset", "@slow"])
        .keys(&[KeySpec::index(1, OW | UPDATE), KeySpec::index(2, RO | ACCESS).keynum(0, 1, 1)])
        .docs(
            "Add multiple sorted sets and store the resulting sorted set in a new key",
            "2.0.0",
            "sorted-set",
            "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.",
        ),
    Spec::new("zinterstore", -4, WRITE | DENYOOM | MOVABLEKEYS, [1, 1, 1],
              Run::Movable(zset::zinterstore, zset::plan_zinterstore))
        .acl(&["@write", "@sortedset", "@slow"])
        .keys(&[KeySpec::index(1, OW | UPDATE), KeySpec::index(2, RO | ACCESS).keynum(0, 1, 1)])
        .docs(
            "Intersect multiple sorted sets and store the resulting sorted set in a new key",
            "2.0.0",
            "sorted-set",
            "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.",
        ),
    Spec::new("zdiffstore", -4, WRITE | DENYOOM | MOVABLEKEYS, [1, 1, 1],
              Run::Movable(zset::zdiffstore, zset::plan_zdiffstore))
        .acl(&["@write", "@sortedset", "@slow"])
        .keys(&[KeySpec::index(1, OW | UPDATE), KeySpec::index(2, RO | ACCESS).keynum(0, 1, 1)])
        .docs(
            "Subtract multiple sorted sets and store the resulting sorted set in a new key",
            "6.2.0",
            "sorted-set",
            "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.",
        ),
    Spec::new("zintercard", -3, READONLY | MOVABLEKEYS, [0, 0, 0],
              Run::Movable(zset::zintercard, zset::plan_zintercard))
        .acl(&["@read", "@sortedset", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS).keynum(0, 1, 1)])
        .docs(
            "Intersect multiple sorted sets and return the cardinality of the result",
            "7.0.0",
            "sorted-set",
            "O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.",
        ),
    Spec::new("zscan", -3, READONLY, [1, 1, 1], Run::Key(zset::zscan))
        .acl(&["@read", "@sortedset", "@slow"])
        .tips(&["nondeterministic_output"])
        .keys(&[KeySpec::index(1, RO | ACCESS)])
        .docs(
            "Incrementally iterate sorted sets elements and associated scores",
            "2.8.0",
            "sorted-set",
            "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
        ),
];
