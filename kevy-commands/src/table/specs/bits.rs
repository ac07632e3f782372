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
        .keys(&[KeySpec::index(1, RW | ACCESS | UPDATE)]),
    Spec::new("getbit", 3, READONLY | FAST, [1, 1, 1], Run::Key(bitmap::getbit))
        .acl(&["@read", "@bitmap", "@fast"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("bitcount", -2, READONLY, [1, 1, 1], Run::Key(bitmap::bitcount))
        .acl(&["@read", "@bitmap", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("bitpos", -3, READONLY, [1, 1, 1], Run::Key(bitmap::bitpos))
        .acl(&["@read", "@bitmap", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("bitop", -4, WRITE | DENYOOM, [2, -1, 1],
              Run::Keys(bitmap::bitop, bitmap::plan_bitop))
        .acl(&["@write", "@bitmap", "@slow"])
        .keys(&[KeySpec::index(2, OW | UPDATE), KeySpec::index(3, RO | ACCESS).range(-1, 1, 0)]),
    Spec::new("bitfield", -2, WRITE | DENYOOM, [1, 1, 1], Run::Key(bitmap::bitfield))
        .acl(&["@write", "@bitmap", "@slow"])
        .keys(&[
            KeySpec::index(1, RW | ACCESS | UPDATE | VARIABLE_FLAGS)
                .notes("This command allows both access and modification of the key"),
        ]),
    Spec::new("bitfield_ro", -2, READONLY | FAST, [1, 1, 1], Run::Key(bitmap::bitfield_ro))
        .acl(&["@read", "@bitmap", "@fast"])
        .keys(&[KeySpec::index(1, RO | ACCESS)]),
    Spec::new("lcs", -3, READONLY, [1, 2, 1], Run::Keys(string::lcs, bitmap::plan_lcs))
        .acl(&["@read", "@string", "@slow"])
        .keys(&[KeySpec::index(1, RO | ACCESS).range(1, 1, 0)]),
];
