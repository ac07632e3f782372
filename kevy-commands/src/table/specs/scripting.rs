//! The scripting commands (EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT,
//! FCALL, FCALL_RO, FUNCTION),
//! from redis-server 7.0.15's `COMMAND INFO`. They are planned isolated
//! by the crate root's `script` module (`Commands::isolate` takes them
//! all), so their table handler is only the fallback of a misrouted call.

use kevy_rt::{Args, Planned, Router};

use super::super::flags::*;
use super::super::key_flags::*;
use super::super::{KeySpec, Run, Spec};
use crate::cross::{self, Part, Plan};

/// The plan of a script command that reached the table's planner instead
/// of the script module: an internal error reply.
fn unplanned(_: Args<'_>, _: &Router, _: &mut Vec<(usize, Part)>) -> Planned<Plan> {
    cross::planned(Plan::Misrouted)
}

const EVAL_NOTE: &str =
    "We cannot tell how the keys will be used so we assume the worst, RW and UPDATE";
const EVAL_RO_NOTE: &str =
    "We cannot tell how the keys will be used so we assume the worst, RO and ACCESS";

/// The scripting commands.
#[rustfmt::skip]
pub const SCRIPTING: &[Spec] = &[
    Spec::new("eval", -3, NOSCRIPT | STALE | SKIP_MONITOR | NO_MANDATORY_KEYS | MOVABLEKEYS, [0, 0, 0],
              Run::Plan(unplanned))
        .acl(&["@slow", "@scripting"])
        .keys(&[KeySpec::index(2, RW | ACCESS | UPDATE).keynum(0, 1, 1).notes(EVAL_NOTE)]),
    Spec::new("evalsha", -3, NOSCRIPT | STALE | SKIP_MONITOR | NO_MANDATORY_KEYS | MOVABLEKEYS, [0, 0, 0],
              Run::Plan(unplanned))
        .acl(&["@slow", "@scripting"])
        .keys(&[KeySpec::index(2, RW | ACCESS | UPDATE).keynum(0, 1, 1)]),
    Spec::new("eval_ro", -3, READONLY | NOSCRIPT | STALE | SKIP_MONITOR | NO_MANDATORY_KEYS | MOVABLEKEYS,
              [0, 0, 0], Run::Plan(unplanned))
        .acl(&["@slow", "@scripting"])
        .keys(&[KeySpec::index(2, RO | ACCESS).keynum(0, 1, 1).notes(EVAL_RO_NOTE)]),
    Spec::new("evalsha_ro", -3, READONLY | NOSCRIPT | STALE | SKIP_MONITOR | NO_MANDATORY_KEYS | MOVABLEKEYS,
              [0, 0, 0], Run::Plan(unplanned))
        .acl(&["@slow", "@scripting"])
        .keys(&[KeySpec::index(2, RO | ACCESS).keynum(0, 1, 1)]),
    Spec::new("script", -2, 0, [0, 0, 0], Run::Plan(unplanned))
        .acl(&["@slow"])
        .subcommands(SCRIPT_SUBCOMMANDS),
    Spec::new("fcall", -3, NOSCRIPT | STALE | SKIP_MONITOR | NO_MANDATORY_KEYS | MOVABLEKEYS, [0, 0, 0],
              Run::Plan(unplanned))
        .acl(&["@slow", "@scripting"])
        .keys(&[KeySpec::index(2, RW | ACCESS | UPDATE).keynum(0, 1, 1).notes(EVAL_NOTE)]),
    Spec::new("fcall_ro", -3, READONLY | NOSCRIPT | STALE | SKIP_MONITOR | NO_MANDATORY_KEYS | MOVABLEKEYS,
              [0, 0, 0], Run::Plan(unplanned))
        .acl(&["@slow", "@scripting"])
        .keys(&[KeySpec::index(2, RO | ACCESS).keynum(0, 1, 1).notes(EVAL_RO_NOTE)]),
    Spec::new("function", -2, 0, [0, 0, 0], Run::Plan(unplanned))
        .acl(&["@slow"])
        .subcommands(FUNCTION_SUBCOMMANDS),
];

/// The subcommands of FUNCTION, in redis-server's order.
#[rustfmt::skip]
static FUNCTION_SUBCOMMANDS: &[Spec] = &[
    Spec::new("function|help", 2, LOADING | STALE, [0, 0, 0], Run::Plan(unplanned))
        .acl(&["@slow", "@scripting"]),
    Spec::new("function|flush", -2, WRITE | NOSCRIPT, [0, 0, 0], Run::Plan(unplanned))
        .acl(&["@write", "@slow", "@scripting"])
        .tips(&["request_policy:all_shards", "response_policy:all_succeeded"]),
    Spec::new("function|kill", 2, NOSCRIPT | ALLOW_BUSY, [0, 0, 0], Run::Plan(unplanned))
        .acl(&["@slow", "@scripting"])
        .tips(&["request_policy:all_shards", "response_policy:one_succeeded"]),
    Spec::new("function|list", -2, NOSCRIPT, [0, 0, 0], Run::Plan(unplanned))
        .acl(&["@slow", "@scripting"])
        .tips(&["nondeterministic_output_order"]),
    Spec::new("function|restore", -3, WRITE | DENYOOM | NOSCRIPT, [0, 0, 0], Run::Plan(unplanned))
        .acl(&["@write", "@slow", "@scripting"])
        .tips(&["request_policy:all_shards", "response_policy:all_succeeded"]),
    Spec::new("function|delete", 3, WRITE | NOSCRIPT, [0, 0, 0], Run::Plan(unplanned))
        .acl(&["@write", "@slow", "@scripting"])
        .tips(&["request_policy:all_shards", "response_policy:all_succeeded"]),
    Spec::new("function|stats", 2, NOSCRIPT | ALLOW_BUSY, [0, 0, 0], Run::Plan(unplanned))
        .acl(&["@slow", "@scripting"])
        .tips(&["nondeterministic_output", "request_policy:all_shards", "response_policy:special"]),
    Spec::new("function|dump", 2, NOSCRIPT, [0, 0, 0], Run::Plan(unplanned))
        .acl(&["@slow", "@scripting"]),
    Spec::new("function|load", -3, WRITE | DENYOOM | NOSCRIPT, [0, 0, 0], Run::Plan(unplanned))
        .acl(&["@write", "@slow", "@scripting"])
        .tips(&["request_policy:all_shards", "response_policy:all_succeeded"]),
];

/// The subcommands of SCRIPT kevy implements, in redis-server's order.
#[rustfmt::skip]
static SCRIPT_SUBCOMMANDS: &[Spec] = &[
    Spec::new("script|flush", -2, NOSCRIPT, [0, 0, 0], Run::Plan(unplanned))
        .acl(&["@slow", "@scripting"])
        .tips(&["request_policy:all_nodes", "response_policy:all_succeeded"]),
    Spec::new("script|help", 2, LOADING | STALE, [0, 0, 0], Run::Plan(unplanned))
        .acl(&["@slow", "@scripting"]),
    Spec::new("script|load", 3, NOSCRIPT | STALE, [0, 0, 0], Run::Plan(unplanned))
        .acl(&["@slow", "@scripting"])
        .tips(&["request_policy:all_nodes", "response_policy:all_succeeded"]),
    Spec::new("script|exists", -3, NOSCRIPT, [0, 0, 0], Run::Plan(unplanned))
        .acl(&["@slow", "@scripting"])
        .tips(&["request_policy:all_shards", "response_policy:agg_logical_and"]),
    Spec::new("script|debug", 3, NOSCRIPT, [0, 0, 0], Run::Plan(unplanned))
        .acl(&["@slow", "@scripting"]),
    Spec::new("script|kill", 2, NOSCRIPT | ALLOW_BUSY, [0, 0, 0], Run::Plan(unplanned))
        .acl(&["@slow", "@scripting"])
        .tips(&["request_policy:all_shards", "response_policy:one_succeeded"]),
];
