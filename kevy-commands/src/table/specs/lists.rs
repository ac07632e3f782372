//! List commands (`t_list.c`), from redis-server 7.0.15's `COMMAND INFO` and
//! `COMMAND DOCS`.

use super::super::flags::*;
use super::super::key_flags::*;
use super::super::{KeySpec, Run, Spec};
use crate::family::list;

/// The list commands.
#[rustfmt::skip]
pub const LISTS: &[Spec] = &[
    Spec::new("lpush", -3, WRITE | DENYOOM | FAST, [1, 1, 1], Run::Key(list::lpush))
        .acl(&["@write", "@list", "@fast"])
        .keys(&[KeySpec::index(1, RW | INSERT)])
        .docs(
            "Prepend one or multiple elements to a list",
            "1.0.0",
            "list",
            "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
        ),
    Spec::new("rpush", -3, WRITE | DENYOOM | FAST, [1, 1, 1], Run::Key(list::rpush))
        .acl(&["@write", "@list", "@fast"])
        .keys(&[KeySpec::index(1, RW | INSERT)])
        .docs(
            "Append one or multiple elements to a list",
            "1.0.0",
            "list",
            "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
        ),
    Spec::new("lpushx", -3, WRITE | DENYOOM | FAST, [1, 1, 1], Run::Key(list::lpushx))
        .acl(&["@write", "@list", "@fast"])
        .keys(&[KeySpec::index(1, RW | INSERT)])
        .docs(
            "Prepend an element to a list, only if the list exists",
            "2.2.0",
            "list",
            "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
        ),
    Spec::new("rpushx", -3, WRITE | DENYOOM | FAST, [1, 1, 1], Run::Key(list::rpushx))
        .acl(&["@write", "@list", "@fast"])
        .keys(&[KeySpec::index(1, RW | INSERT)])
        .docs(
            "Append an element to a list, only if the list exists",
            "2.2.0",
            "list",
            "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
        ),
    Spec::new("lpop", -2, WRITE | FAST, [1, 1, 1], Run::Key(list::lpop))
        .acl(&["@write", "@list", "@fast"])
        .keys(&[KeySpec::index(1, RW | ACCESS | DELETE)])
        .docs(
            "Remove and get the first elements in a list",
            "1.0.0",
            "list",
            "O(N) where N is the number of elements returned",
        ),
    Spec::new("rpop", -2, WRITE | FAST, [1, 1, 1], Run::Key(list::rpop))
        .acl(&["@write", "@list", "@fast"])
        .keys(&[KeySpec::index(1, RW | ACCESS | DELETE)])
        .docs(
            "Remove and get the last elements in a list",
            "1.0.0",
            "list",
            "O(N) where N is the number of elements returned",
        ),
    Spec::new("llen", 2, READONLY | FAST, [1, 1, 1], Run::Key(list::llen))
        .acl(&["@read", "@list", "@fast"])
        .keys(&[KeySpec::index(1, RO)])
        .docs("Get the length of a list", "1.0.0", "list", "O(1)"),
    Spec::new("lrange", 4, READONLY, [1, 1, 1], Run::Key(list::lrange))
        .acl(&["@read", "@list", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS)])
        .docs(
            "Get a range of elements from a list",
            "1.0.0",
            "list",
            "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.",
        ),
    Spec::new("lindex", 3, READONLY, [1, 1, 1], Run::Key(list::lindex))
        .acl(&["@read", "@list", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS)])
        .docs(
            "Get an element from a list by its index",
            "1.0.0",
            "list",
            "O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).",
        ),
    Spec::new("lset", 4, WRITE | DENYOOM, [1, 1, 1], Run::Key(list::lset))
        .acl(&["@write", "@list", "@slow"])
        .keys(&[KeySpec::index(1, RW | UPDATE)])
        .docs(
            "Set the value of an element in a list by its index",
            "1.0.0",
            "list",
            "O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).",
        ),
    Spec::new("linsert", 5, WRITE | DENYOOM, [1, 1, 1], Run::Key(list::linsert))
        .acl(&["@write", "@list", "@slow"])
        .keys(&[KeySpec::index(1, RW | INSERT)])
        .docs(
            "Insert an element before or after another element in a list",
            "2.2.0",
            "list",
            "O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).",
        ),
    Spec::new("lrem", 4, WRITE, [1, 1, 1], Run::Key(list::lrem))
        .acl(&["@write", "@list", "@slow"])
        .keys(&[KeySpec::index(1, RW | DELETE)])
        .docs(
            "Remove elements from a list",
            "1.0.0",
            "list",
            "O(N+M) where N is the length of the list and M is the number of elements removed.",
        ),
    Spec::new("ltrim", 4, WRITE, [1, 1, 1], Run::Key(list::ltrim))
        .acl(&["@write", "@list", "@slow"])
        .keys(&[KeySpec::index(1, RW | DELETE)])
        .docs(
            "Trim a list to the specified range",
            "1.0.0",
            "list",
            "O(N) where N is the number of elements to be removed by the operation.",
        ),
    Spec::new("lpos", -3, READONLY, [1, 1, 1], Run::Key(list::lpos))
        .acl(&["@read", "@list", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS)])
        .docs(
            "Return the index of matching elements on a list",
            "6.0.6",
            "list",
            "O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.",
        ),
    Spec::new("lmove", 5, WRITE | DENYOOM, [1, 2, 1], Run::Keys(list::lmove, list::plan_lmove))
        .acl(&["@write", "@list", "@slow"])
        .keys(&[KeySpec::index(1, RW | ACCESS | DELETE), KeySpec::index(2, RW | INSERT)])
        .docs(
            "Pop an element from a list, push it to another list and return it",
            "6.2.0",
            "list",
            "O(1)",
        )
        .check(list::check_lmove),
    Spec::new("rpoplpush", 3, WRITE | DENYOOM, [1, 2, 1],
              Run::Keys(list::rpoplpush, list::plan_rpoplpush))
        .acl(&["@write", "@list", "@slow"])
        .keys(&[KeySpec::index(1, RW | ACCESS | DELETE), KeySpec::index(2, RW | INSERT)])
        .docs(
            "Remove the last element in a list, prepend it to another list and return it",
            "1.2.0",
            "list",
            "O(1)",
        ),
    Spec::new("lmpop", -4, WRITE | MOVABLEKEYS, [0, 0, 0], Run::Plan(list::plan_lmpop))
        .acl(&["@write", "@list", "@slow"])
        .keys(&[KeySpec::index(1, RW | ACCESS | DELETE).keynum(0, 1, 1)])
        .docs(
            "Pop elements from a list",
            "7.0.0",
            "list",
            "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
        )
        .check(list::check_lmpop),
];
