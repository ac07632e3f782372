//! Bitmap commands (Redis's `bitops.c`) and LCS.

use super::super::flags::*;
use super::super::key_flags::*;
use super::super::{KeySpec, Run, Spec};
use crate::family::{bitmap, string};

/// SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD, BITFIELD_RO and LCS.
#[rustfmt::skip]
pub(super) const BITS: &[Spec] = &[
    Spec::new("setbit", 4, WRITE | DENYOOM, [1, 1, 1], Run::Key(bitmap::setbit))
        .acl(&["@write", "@bitmap", "@slow"])
        .keys(&[KeySpec::index(1, RW | ACCESS | UPDATE)])
        .docs(
            "Sets or clears the bit at offset in the string value stored at key",
            "2.2.0",
            "bitmap",
            "O(1)",
        ),
    Spec::new("getbit", 3, READONLY | FAST, [1, 1, 1], Run::Key(bitmap::getbit))
        .acl(&["@read", "@bitmap", "@fast"])
        .keys(&[KeySpec::index(1, RO | ACCESS)])
        .docs(
            "Returns the bit value at offset in the string value stored at key",
            "2.2.0",
            "bitmap",
            "O(1)",
        ),
    Spec::new("bitcount", -2, READONLY, [1, 1, 1], Run::Key(bitmap::bitcount))
        .acl(&["@read", "@bitmap", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS)])
        .docs("Count set bits in a string", "2.6.0", "bitmap", "O(N)"),
    Spec::new("bitpos", -3, READONLY, [1, 1, 1], Run::Key(bitmap::bitpos))
        .acl(&["@read", "@bitmap", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS)])
        .docs("Find first bit set or clear in a string", "2.8.7", "bitmap", "O(N)"),
    Spec::new("bitop", -4, WRITE | DENYOOM, [2, -1, 1],
              Run::Keys(bitmap::bitop, bitmap::plan_bitop))
        .acl(&["@write", "@bitmap", "@slow"])
        .keys(&[KeySpec::index(2, OW | UPDATE), KeySpec::index(3, RO | ACCESS).range(-1, 1, 0)])
        .docs("Perform bitwise operations between strings", "2.6.0", "bitmap", "O(N)"),
    Spec::new("bitfield", -2, WRITE | DENYOOM, [1, 1, 1], Run::Key(bitmap::bitfield))
        .acl(&["@write", "@bitmap", "@slow"])
        .keys(&[
            KeySpec::index(1, RW | ACCESS | UPDATE | VARIABLE_FLAGS)
                .notes("This command allows both access and modification of the key"),
        ])
        .docs(
            "Perform arbitrary bitfield integer operations on strings",
            "3.2.0",
            "bitmap",
            "O(1) for each subcommand specified",
        ),
    Spec::new("bitfield_ro", -2, READONLY | FAST, [1, 1, 1], Run::Key(bitmap::bitfield_ro))
        .acl(&["@read", "@bitmap", "@fast"])
        .keys(&[KeySpec::index(1, RO | ACCESS)])
        .docs(
            "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD",
            "6.0.0",
            "bitmap",
            "O(1) for each subcommand specified",
        ),
    Spec::new("lcs", -3, READONLY, [1, 2, 1], Run::Keys(string::lcs, bitmap::plan_lcs))
        .acl(&["@read", "@string", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS).range(1, 1, 0)])
        .docs(
            "Find longest common substring",
            "7.0.0",
            "string",
            "O(N*M) where N and M are the lengths of s1 and s2, respectively",
        ),
];
