//! Cluster commands (CLUSTER and its subcommands, READONLY, READWRITE,
//! ASKING), from redis-server 7.0.15's `COMMAND INFO`, in its order. kevy
//! has no cluster mode: each answers that cluster support is disabled
//! ([`cluster::disabled`]).

use super::super::flags::*;
use super::super::{Run, Spec};
use crate::family::{cluster, connection};

/// The cluster commands.
#[rustfmt::skip]
pub const CLUSTER: &[Spec] = &[
    Spec::new("cluster", -2, 0, [0, 0, 0], Run::Local(connection::reject))
        .acl(&["@slow"])
        .subcommands(CLUSTER_SUBCOMMANDS),
    Spec::new("readonly", 1, LOADING | STALE | FAST, [0, 0, 0], Run::Local(cluster::disabled))
        .acl(&["@fast", "@connection"]),
    Spec::new("readwrite", 1, LOADING | STALE | FAST, [0, 0, 0], Run::Local(cluster::disabled))
        .acl(&["@fast", "@connection"]),
    Spec::new("asking", 1, FAST, [0, 0, 0], Run::Local(cluster::disabled))
        .acl(&["@fast", "@connection"]),
];

/// CLUSTER's subcommands.
#[rustfmt::skip]
const CLUSTER_SUBCOMMANDS: &[Spec] = &[
    Spec::new("cluster|meet", -4, ADMIN | STALE | NO_ASYNC_LOADING, [0, 0, 0], Run::Local(cluster::disabled))
        .acl(&["@admin", "@slow", "@dangerous"]),
    Spec::new("cluster|delslotsrange", -4, ADMIN | STALE | NO_ASYNC_LOADING, [0, 0, 0], Run::Local(cluster::disabled))
        .acl(&["@admin", "@slow", "@dangerous"]),
    Spec::new("cluster|setslot", -4, ADMIN | STALE | NO_ASYNC_LOADING, [0, 0, 0], Run::Local(cluster::disabled))
        .acl(&["@admin", "@slow", "@dangerous"]),
    Spec::new("cluster|saveconfig", 2, ADMIN | STALE | NO_ASYNC_LOADING, [0, 0, 0], Run::Local(cluster::disabled))
        .acl(&["@admin", "@slow", "@dangerous"]),
    Spec::new("cluster|replicate", 3, ADMIN | STALE | NO_ASYNC_LOADING, [0, 0, 0], Run::Local(cluster::disabled))
        .acl(&["@admin", "@slow", "@dangerous"]),
    Spec::new("cluster|help", 2, LOADING | STALE, [0, 0, 0], Run::Local(cluster::disabled))
        .acl(&["@slow"]),
    Spec::new("cluster|slaves", 3, ADMIN | STALE, [0, 0, 0], Run::Local(cluster::disabled))
        .acl(&["@admin", "@slow", "@dangerous"])
        .tips(&["nondeterministic_output"]),
    Spec::new("cluster|shards", 2, STALE, [0, 0, 0], Run::Local(cluster::disabled))
        .acl(&["@slow"])
        .tips(&["nondeterministic_output"]),
    Spec::new("cluster|getkeysinslot", 4, STALE, [0, 0, 0], Run::Local(cluster::disabled))
        .acl(&["@slow"])
        .tips(&["nondeterministic_output"]),
    Spec::new("cluster|slots", 2, STALE, [0, 0, 0], Run::Local(cluster::disabled))
        .acl(&["@slow"])
        .tips(&["nondeterministic_output"]),
    Spec::new("cluster|failover", -2, ADMIN | STALE | NO_ASYNC_LOADING, [0, 0, 0], Run::Local(cluster::disabled))
        .acl(&["@admin", "@slow", "@dangerous"]),
    Spec::new("cluster|set-config-epoch", 3, ADMIN | STALE | NO_ASYNC_LOADING, [0, 0, 0], Run::Local(cluster::disabled))
        .acl(&["@admin", "@slow", "@dangerous"]),
    Spec::new("cluster|myid", 2, STALE, [0, 0, 0], Run::Local(cluster::disabled))
        .acl(&["@slow"]),
    Spec::new("cluster|count-failure-reports", 3, ADMIN | STALE, [0, 0, 0], Run::Local(cluster::disabled))
        .acl(&["@admin", "@slow", "@dangerous"])
        .tips(&["nondeterministic_output"]),
    Spec::new("cluster|replicas", 3, ADMIN | STALE, [0, 0, 0], Run::Local(cluster::disabled))
        .acl(&["@admin", "@slow", "@dangerous"])
        .tips(&["nondeterministic_output"]),
    Spec::new("cluster|forget", 3, ADMIN | STALE | NO_ASYNC_LOADING, [0, 0, 0], Run::Local(cluster::disabled))
        .acl(&["@admin", "@slow", "@dangerous"]),
    Spec::new("cluster|info", 2, STALE, [0, 0, 0], Run::Local(cluster::disabled))
        .acl(&["@slow"])
        .tips(&["nondeterministic_output"]),
    Spec::new("cluster|reset", -2, ADMIN | NOSCRIPT | STALE, [0, 0, 0], Run::Local(cluster::disabled))
        .acl(&["@admin", "@slow", "@dangerous"]),
    Spec::new("cluster|keyslot", 3, STALE, [0, 0, 0], Run::Local(cluster::disabled))
        .acl(&["@slow"]),
    Spec::new("cluster|nodes", 2, STALE, [0, 0, 0], Run::Local(cluster::disabled))
        .acl(&["@slow"])
        .tips(&["nondeterministic_output"]),
    Spec::new("cluster|flushslots", 2, ADMIN | STALE | NO_ASYNC_LOADING, [0, 0, 0], Run::Local(cluster::disabled))
        .acl(&["@admin", "@slow", "@dangerous"]),
    Spec::new("cluster|addslots", -3, ADMIN | STALE | NO_ASYNC_LOADING, [0, 0, 0], Run::Local(cluster::disabled))
        .acl(&["@admin", "@slow", "@dangerous"]),
    Spec::new("cluster|countkeysinslot", 3, STALE, [0, 0, 0], Run::Local(cluster::disabled))
        .acl(&["@slow"]),
    Spec::new("cluster|links", 2, STALE, [0, 0, 0], Run::Local(cluster::disabled))
        .acl(&["@slow"])
        .tips(&["nondeterministic_output"]),
    Spec::new("cluster|addslotsrange", -4, ADMIN | STALE | NO_ASYNC_LOADING, [0, 0, 0], Run::Local(cluster::disabled))
        .acl(&["@admin", "@slow", "@dangerous"]),
    Spec::new("cluster|bumpepoch", 2, ADMIN | STALE | NO_ASYNC_LOADING, [0, 0, 0], Run::Local(cluster::disabled))
        .acl(&["@admin", "@slow", "@dangerous"])
        .tips(&["nondeterministic_output"]),
    Spec::new("cluster|delslots", -3, ADMIN | STALE | NO_ASYNC_LOADING, [0, 0, 0], Run::Local(cluster::disabled))
        .acl(&["@admin", "@slow", "@dangerous"]),
];
