//! HyperLogLog commands (Redis's `hyperloglog.c`).

use super::super::flags::*;
use super::super::key_flags::*;
use super::super::{KeySpec, Run, Spec};
use crate::family::hll;

/// PFADD, PFCOUNT, PFMERGE, PFDEBUG, PFSELFTEST.
#[rustfmt::skip]
pub(super) const HLL: &[Spec] = &[
    Spec::new("pfadd", -2, WRITE | DENYOOM | FAST, [1, 1, 1], Run::Key(hll::pfadd))
        .acl(&["@write", "@hyperloglog", "@fast"])
        .keys(&[KeySpec::index(1, RW | INSERT)]),
    Spec::new("pfcount", -2, READONLY, [1, -1, 1], Run::Keys(hll::pfcount, hll::plan_pfcount))
        .acl(&["@read", "@hyperloglog", "@slow"])
        .keys(&[
            KeySpec::index(1, RW | ACCESS).range(-1, 1, 0)
                .notes("RW because it may change the internal representation of the key, and propagate to replicas"),
        ]),
    Spec::new("pfmerge", -2, WRITE | DENYOOM, [1, -1, 1],
              Run::Keys(hll::pfmerge, hll::plan_pfmerge))
        .acl(&["@write", "@hyperloglog", "@slow"])
        .keys(&[
            KeySpec::index(1, RW | ACCESS | INSERT),
            KeySpec::index(2, RO | ACCESS).range(-1, 1, 0),
        ]),
    Spec::new("pfdebug", 3, WRITE | DENYOOM | ADMIN, [2, 2, 1], Run::Key(hll::pfdebug))
        .acl(&["@write", "@hyperloglog", "@admin", "@slow", "@dangerous"])
        .keys(&[KeySpec::index(2, RW | ACCESS)]),
    Spec::new("pfselftest", 1, ADMIN, [0, 0, 0], Run::Local(hll::pfselftest))
        .acl(&["@hyperloglog", "@admin", "@slow", "@dangerous"]),
];
