//! Pub/sub commands (Redis's `pubsub.c`) and RESET.

use super::super::flags::*;
use super::super::key_flags::*;
use super::super::{KeySpec, Run, Spec};
use crate::family::{connection, pubsub};

/// SUBSCRIBE … SPUBLISH, PUBSUB and its subcommands, RESET.
#[rustfmt::skip]
pub(super) const PUBSUB_COMMANDS: &[Spec] = &[
    Spec::new("subscribe", -2, PUBSUB | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Local(pubsub::subscribe))
        .acl(&["@pubsub", "@slow"]),
    Spec::new("unsubscribe", -1, PUBSUB | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Local(pubsub::unsubscribe))
        .acl(&["@pubsub", "@slow"]),
    Spec::new("psubscribe", -2, PUBSUB | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Local(pubsub::psubscribe))
        .acl(&["@pubsub", "@slow"]),
    Spec::new("punsubscribe", -1, PUBSUB | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Local(pubsub::punsubscribe))
        .acl(&["@pubsub", "@slow"]),
    Spec::new("publish", 3, PUBSUB | LOADING | STALE | FAST, [0, 0, 0], Run::Server(pubsub::plan_publish))
        .acl(&["@pubsub", "@fast"]),
    Spec::new("pubsub", -2, 0, [0, 0, 0], Run::Local(connection::reject))
        .acl(&["@slow"])
        .subcommands(PUBSUB_SUBCOMMANDS),
    Spec::new("ssubscribe", -2, PUBSUB | NOSCRIPT | LOADING | STALE, [1, -1, 1], Run::Local(pubsub::ssubscribe))
        .acl(&["@pubsub", "@slow"])
        .keys(&[KeySpec::index(1, NOT_KEY).range(-1, 1, 0)]),
    Spec::new("sunsubscribe", -1, PUBSUB | NOSCRIPT | LOADING | STALE, [1, -1, 1], Run::Local(pubsub::sunsubscribe))
        .acl(&["@pubsub", "@slow"])
        .keys(&[KeySpec::index(1, NOT_KEY).range(-1, 1, 0)]),
    Spec::new("spublish", 3, PUBSUB | LOADING | STALE | FAST, [1, 1, 1], Run::Server(pubsub::plan_spublish))
        .acl(&["@pubsub", "@fast"])
        .keys(&[KeySpec::index(1, NOT_KEY)]),
    Spec::new("reset", 1, NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY, [0, 0, 0], Run::Local(pubsub::reset))
        .acl(&["@fast", "@connection"]),
];

#[rustfmt::skip]
static PUBSUB_SUBCOMMANDS: &[Spec] = &[
    Spec::new("pubsub|channels", -2, PUBSUB | LOADING | STALE, [0, 0, 0], Run::Server(pubsub::plan_pubsub_channels))
        .acl(&["@pubsub", "@slow"]),
    Spec::new("pubsub|numsub", -2, PUBSUB | LOADING | STALE, [0, 0, 0], Run::Server(pubsub::plan_pubsub_numsub))
        .acl(&["@pubsub", "@slow"]),
    Spec::new("pubsub|numpat", 2, PUBSUB | LOADING | STALE, [0, 0, 0], Run::Server(pubsub::plan_pubsub_numpat))
        .acl(&["@pubsub", "@slow"]),
    Spec::new("pubsub|shardchannels", -2, PUBSUB | LOADING | STALE, [0, 0, 0], Run::Server(pubsub::plan_pubsub_shardchannels))
        .acl(&["@pubsub", "@slow"]),
    Spec::new("pubsub|shardnumsub", -2, PUBSUB | LOADING | STALE, [0, 0, 0], Run::Server(pubsub::plan_pubsub_shardnumsub))
        .acl(&["@pubsub", "@slow"]),
    Spec::new("pubsub|help", 2, LOADING | STALE, [0, 0, 0], Run::Local(pubsub::pubsub_help))
        .acl(&["@slow"]),
];
