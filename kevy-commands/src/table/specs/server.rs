//! Server and connection-administration commands (CLIENT, CONFIG, INFO,
//! TIME, LOLWUT, LASTSAVE, SLOWLOG, LATENCY, MONITOR, DEBUG, MEMORY), from
//! redis-server 7.0.15's `COMMAND INFO`. Containers list
//! the subcommands kevy implements, in redis-server's order.

use super::super::flags::*;
use super::super::key_flags::*;
use super::super::{KeySpec, Run, Spec};
use crate::family::{
    acl, client, config, connection, debug, diag, failover, info, lolwut, module, monitor, persist,
    repl, rewrite, tracking, wait,
};

/// The server commands.
#[rustfmt::skip]
pub const SERVER: &[Spec] = &[
    Spec::new("auth", -2, NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY, [0, 0, 0], Run::Local(acl::auth))
        .acl(&["@fast", "@connection"]),
    Spec::new("acl", -2, 0, [0, 0, 0], Run::Local(connection::reject))
        .acl(&["@slow"])
        .subcommands(ACL_SUBCOMMANDS),
    Spec::new("client", -2, 0, [0, 0, 0], Run::Local(connection::reject))
        .acl(&["@slow"])
        .subcommands(CLIENT_SUBCOMMANDS),
    Spec::new("config", -2, 0, [0, 0, 0], Run::Local(connection::reject))
        .acl(&["@slow"])
        .subcommands(CONFIG_SUBCOMMANDS),
    Spec::new("info", -1, LOADING | STALE, [0, 0, 0], Run::Server(info::plan_info))
        .acl(&["@slow", "@dangerous"])
        .tips(&["nondeterministic_output", "request_policy:all_shards", "response_policy:special"]),
    Spec::new(
        "shutdown",
        -1,
        ADMIN | NOSCRIPT | LOADING | STALE | NO_MULTI | ALLOW_BUSY,
        [0, 0, 0],
        Run::Local(monitor::shutdown),
    )
        .acl(&["@admin", "@slow", "@dangerous"]),
    Spec::new("wait", 3, NOSCRIPT, [0, 0, 0], Run::Server(wait::plan_wait))
        .acl(&["@slow", "@connection"])
        .tips(&["request_policy:all_shards", "response_policy:agg_min"])
        .check(wait::check),
    Spec::new("time", 1, LOADING | STALE | FAST, [0, 0, 0], Run::Local(monitor::time))
        .acl(&["@fast"])
        .tips(&["nondeterministic_output"]),
    Spec::new("bgrewriteaof", 1, ADMIN | NOSCRIPT | NO_ASYNC_LOADING, [0, 0, 0], Run::Server(rewrite::plan_bgrewriteaof))
        .acl(&["@admin", "@slow", "@dangerous"]),
    Spec::new("lolwut", -1, READONLY | FAST, [0, 0, 0], Run::Local(lolwut::lolwut))
        .acl(&["@read", "@fast"]),
    Spec::new("save", 1, ADMIN | NOSCRIPT | NO_ASYNC_LOADING | NO_MULTI, [0, 0, 0], Run::Server(persist::plan_save))
        .acl(&["@admin", "@slow", "@dangerous"]),
    Spec::new("bgsave", -1, ADMIN | NOSCRIPT | NO_ASYNC_LOADING, [0, 0, 0], Run::Local(persist::bgsave))
        .acl(&["@admin", "@slow", "@dangerous"]),
    Spec::new("lastsave", 1, LOADING | STALE | FAST, [0, 0, 0], Run::Local(monitor::lastsave))
        .acl(&["@admin", "@fast", "@dangerous"])
        .tips(&["nondeterministic_output"]),
    Spec::new("slowlog", -2, 0, [0, 0, 0], Run::Local(connection::reject))
        .acl(&["@slow"])
        .subcommands(SLOWLOG_SUBCOMMANDS),
    Spec::new("latency", -2, 0, [0, 0, 0], Run::Local(connection::reject))
        .acl(&["@slow"])
        .subcommands(LATENCY_SUBCOMMANDS),
    Spec::new("sync", 1, ADMIN | NOSCRIPT | NO_ASYNC_LOADING | NO_MULTI, [0, 0, 0], Run::Server(repl::plan_sync))
        .acl(&["@admin", "@slow", "@dangerous"]),
    Spec::new("psync", -3, ADMIN | NOSCRIPT | NO_ASYNC_LOADING | NO_MULTI, [0, 0, 0], Run::Server(repl::plan_sync))
        .acl(&["@admin", "@slow", "@dangerous"]),
    Spec::new("failover", -1, ADMIN | NOSCRIPT | STALE, [0, 0, 0], Run::Local(failover::failover))
        .acl(&["@admin", "@slow", "@dangerous"]),
    Spec::new("replicaof", 3, ADMIN | NOSCRIPT | STALE | NO_ASYNC_LOADING, [0, 0, 0], Run::Local(repl::replicaof))
        .acl(&["@admin", "@slow", "@dangerous"]),
    Spec::new("slaveof", 3, ADMIN | NOSCRIPT | STALE | NO_ASYNC_LOADING, [0, 0, 0], Run::Local(repl::replicaof))
        .acl(&["@admin", "@slow", "@dangerous"]),
    Spec::new("replconf", -1, ADMIN | NOSCRIPT | LOADING | STALE | ALLOW_BUSY, [0, 0, 0], Run::Local(repl::replconf))
        .acl(&["@admin", "@slow", "@dangerous"]),
    Spec::new("role", 1, NOSCRIPT | LOADING | STALE | FAST, [0, 0, 0], Run::Local(repl::role))
        .acl(&["@admin", "@fast", "@dangerous"]),
    Spec::new("monitor", 1, ADMIN | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Local(monitor::monitor))
        .acl(&["@admin", "@slow", "@dangerous"]),
    Spec::new("debug", -2, ADMIN | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Server(debug::plan_debug))
        .acl(&["@admin", "@slow", "@dangerous"]),
    Spec::new("memory", -2, 0, [0, 0, 0], Run::Local(connection::reject))
        .acl(&["@slow"])
        .subcommands(MEMORY_SUBCOMMANDS),
    Spec::new("module", -2, 0, [0, 0, 0], Run::Local(connection::reject))
        .acl(&["@slow"])
        .subcommands(MODULE_SUBCOMMANDS),
];

/// The subcommands of MODULE, in redis-server's order.
#[rustfmt::skip]
static MODULE_SUBCOMMANDS: &[Spec] = &[
    Spec::new("module|loadex", -3, ADMIN | NOSCRIPT | NO_ASYNC_LOADING, [0, 0, 0], Run::Local(module::load))
        .acl(&["@admin", "@slow", "@dangerous"]),
    Spec::new("module|help", 2, LOADING | STALE, [0, 0, 0], Run::Local(module::help))
        .acl(&["@slow"]),
    Spec::new("module|load", -3, ADMIN | NOSCRIPT | NO_ASYNC_LOADING, [0, 0, 0], Run::Local(module::load))
        .acl(&["@admin", "@slow", "@dangerous"]),
    Spec::new("module|list", 2, ADMIN | NOSCRIPT, [0, 0, 0], Run::Local(module::list))
        .acl(&["@admin", "@slow", "@dangerous"])
        .tips(&["nondeterministic_output_order"]),
    Spec::new("module|unload", 3, ADMIN | NOSCRIPT | NO_ASYNC_LOADING, [0, 0, 0], Run::Local(module::unload))
        .acl(&["@admin", "@slow", "@dangerous"]),
];

/// The subcommands of CLIENT kevy implements, in redis-server's order.
#[rustfmt::skip]
static CLIENT_SUBCOMMANDS: &[Spec] = &[
    Spec::new("client|help", 2, LOADING | STALE, [0, 0, 0], Run::Local(client::help))
        .acl(&["@slow", "@connection"]),
    Spec::new("client|getname", 2, NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Local(client::getname))
        .acl(&["@slow", "@connection"]),
    Spec::new("client|setname", 3, NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Local(client::setname))
        .acl(&["@slow", "@connection"]),
    Spec::new("client|id", 2, NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Local(client::id))
        .acl(&["@slow", "@connection"]),
    Spec::new("client|list", -2, ADMIN | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Server(client::plan_list))
        .acl(&["@admin", "@slow", "@dangerous", "@connection"])
        .tips(&["nondeterministic_output"]),
    Spec::new("client|no-evict", 3, ADMIN | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Local(client::no_evict))
        .acl(&["@admin", "@slow", "@dangerous", "@connection"]),
    Spec::new("client|info", 2, NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Local(client::info))
        .acl(&["@slow", "@connection"])
        .tips(&["nondeterministic_output"]),
    Spec::new("client|pause", -3, ADMIN | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Local(client::pause))
        .acl(&["@admin", "@slow", "@dangerous", "@connection"]),
    Spec::new("client|reply", 3, NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Local(client::reply))
        .acl(&["@slow", "@connection"]),
    Spec::new("client|kill", -3, ADMIN | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Server(client::plan_kill))
        .acl(&["@admin", "@slow", "@dangerous", "@connection"]),
    Spec::new("client|unblock", -3, ADMIN | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Server(client::plan_unblock))
        .acl(&["@admin", "@slow", "@dangerous", "@connection"]),
    Spec::new("client|unpause", 2, ADMIN | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Local(client::unpause))
        .acl(&["@admin", "@slow", "@dangerous", "@connection"]),
    Spec::new("client|tracking", -3, NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Local(tracking::tracking))
        .acl(&["@slow", "@connection"]),
    Spec::new("client|caching", 3, NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Local(tracking::caching))
        .acl(&["@slow", "@connection"]),
    Spec::new("client|getredir", 2, NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Local(tracking::getredir))
        .acl(&["@slow", "@connection"]),
    Spec::new("client|trackinginfo", 2, NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Local(tracking::trackinginfo))
        .acl(&["@slow", "@connection"]),
];

/// The subcommands of CONFIG kevy implements, in redis-server's order.
#[rustfmt::skip]
static CONFIG_SUBCOMMANDS: &[Spec] = &[
    Spec::new("config|resetstat", 2, ADMIN | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Server(config::plan_resetstat))
        .acl(&["@admin", "@slow", "@dangerous"]),
    Spec::new("config|help", 2, LOADING | STALE, [0, 0, 0], Run::Local(config::help))
        .acl(&["@slow"]),
    Spec::new("config|get", -3, ADMIN | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Local(config::get))
        .acl(&["@admin", "@slow", "@dangerous"]),
    Spec::new("config|set", -4, ADMIN | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Local(config::set))
        .acl(&["@admin", "@slow", "@dangerous"])
        .tips(&["request_policy:all_nodes", "response_policy:all_succeeded"]),
    Spec::new("config|rewrite", 2, ADMIN | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Local(config::rewrite))
        .acl(&["@admin", "@slow", "@dangerous"]),
];

/// The subcommands of SLOWLOG kevy implements, in redis-server's order.
#[rustfmt::skip]
static SLOWLOG_SUBCOMMANDS: &[Spec] = &[
    Spec::new("slowlog|reset", 2, ADMIN | LOADING | STALE, [0, 0, 0], Run::Server(diag::plan_slowlog_reset))
        .acl(&["@admin", "@slow", "@dangerous"])
        .tips(&["request_policy:all_nodes", "response_policy:all_succeeded"]),
    Spec::new("slowlog|len", 2, ADMIN | LOADING | STALE, [0, 0, 0], Run::Server(diag::plan_slowlog_len))
        .acl(&["@admin", "@slow", "@dangerous"])
        .tips(&["request_policy:all_nodes", "response_policy:agg_sum", "nondeterministic_output"]),
    Spec::new("slowlog|help", 2, LOADING | STALE, [0, 0, 0], Run::Local(diag::slowlog_help))
        .acl(&["@slow"]),
    Spec::new("slowlog|get", -2, ADMIN | LOADING | STALE, [0, 0, 0], Run::Server(diag::plan_slowlog_get))
        .acl(&["@admin", "@slow", "@dangerous"])
        .tips(&["request_policy:all_nodes", "nondeterministic_output"]),
];

/// The subcommands of LATENCY kevy implements, in redis-server's order.
#[rustfmt::skip]
static LATENCY_SUBCOMMANDS: &[Spec] = &[
    Spec::new("latency|doctor", 2, ADMIN | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Server(diag::plan_latency_doctor))
        .acl(&["@admin", "@slow", "@dangerous"])
        .tips(&["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"]),
    Spec::new("latency|graph", 3, ADMIN | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Server(diag::plan_latency_graph))
        .acl(&["@admin", "@slow", "@dangerous"])
        .tips(&["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"]),
    Spec::new("latency|history", 3, ADMIN | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Server(diag::plan_latency_history))
        .acl(&["@admin", "@slow", "@dangerous"])
        .tips(&["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"]),
    Spec::new("latency|help", 2, LOADING | STALE, [0, 0, 0], Run::Local(diag::latency_help))
        .acl(&["@slow"]),
    Spec::new("latency|latest", 2, ADMIN | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Server(diag::plan_latency_latest))
        .acl(&["@admin", "@slow", "@dangerous"])
        .tips(&["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"]),
    Spec::new("latency|histogram", -2, ADMIN | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Server(diag::plan_latency_histogram))
        .acl(&["@admin", "@slow", "@dangerous"])
        .tips(&["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"]),
    Spec::new("latency|reset", -2, ADMIN | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Server(diag::plan_latency_reset))
        .acl(&["@admin", "@slow", "@dangerous"])
        .tips(&["request_policy:all_nodes", "response_policy:all_succeeded"]),
];

/// The subcommands of MEMORY kevy implements, in redis-server's order.
#[rustfmt::skip]
static MEMORY_SUBCOMMANDS: &[Spec] = &[
    Spec::new("memory|malloc-stats", 2, 0, [0, 0, 0], Run::Local(debug::malloc_stats))
        .acl(&["@slow"])
        .tips(&["nondeterministic_output", "request_policy:all_shards", "response_policy:special"]),
    Spec::new("memory|help", 2, LOADING | STALE, [0, 0, 0], Run::Local(debug::memory_help))
        .acl(&["@slow"]),
    Spec::new("memory|purge", 2, 0, [0, 0, 0], Run::Local(debug::purge))
        .acl(&["@slow"])
        .tips(&["request_policy:all_shards", "response_policy:all_succeeded"]),
    Spec::new("memory|usage", -3, READONLY, [2, 2, 1], Run::Key(debug::memory_usage))
        .acl(&["@read", "@slow"])
        .keys(&[KeySpec::index(2, RO)]),
    Spec::new("memory|doctor", 2, 0, [0, 0, 0], Run::Server(debug::plan_memory_doctor))
        .acl(&["@slow"])
        .tips(&["nondeterministic_output", "request_policy:all_shards", "response_policy:special"]),
    Spec::new("memory|stats", 2, 0, [0, 0, 0], Run::Server(debug::plan_memory_stats))
        .acl(&["@slow"])
        .tips(&["nondeterministic_output", "request_policy:all_shards", "response_policy:special"]),
];

/// ACL's subcommands, in redis-server 7.0's order.
#[rustfmt::skip]
static ACL_SUBCOMMANDS: &[Spec] = &[
    Spec::new("acl|load", 2, ADMIN | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Server(acl::plan_load))
        .acl(&["@admin", "@slow", "@dangerous"]),
    Spec::new("acl|help", 2, LOADING | STALE, [0, 0, 0], Run::Local(acl::help))
        .acl(&["@slow"]),
    Spec::new("acl|getuser", 3, ADMIN | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Local(acl::getuser))
        .acl(&["@admin", "@slow", "@dangerous"]),
    Spec::new("acl|dryrun", -4, ADMIN | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Local(acl::dryrun))
        .acl(&["@admin", "@slow", "@dangerous"]),
    Spec::new("acl|list", 2, ADMIN | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Local(acl::list))
        .acl(&["@admin", "@slow", "@dangerous"]),
    Spec::new("acl|save", 2, ADMIN | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Local(acl::save))
        .acl(&["@admin", "@slow", "@dangerous"]),
    Spec::new("acl|log", -2, ADMIN | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Local(acl::log_cmd))
        .acl(&["@admin", "@slow", "@dangerous"]),
    Spec::new("acl|whoami", 2, NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Local(acl::whoami))
        .acl(&["@slow"]),
    Spec::new("acl|deluser", -3, ADMIN | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Server(acl::plan_deluser))
        .acl(&["@admin", "@slow", "@dangerous"]),
    Spec::new("acl|cat", -2, NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Local(acl::cat))
        .acl(&["@slow"]),
    Spec::new("acl|genpass", -2, NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Local(acl::genpass))
        .acl(&["@slow"]),
    Spec::new("acl|setuser", -3, ADMIN | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Server(acl::plan_setuser))
        .acl(&["@admin", "@slow", "@dangerous"]),
    Spec::new("acl|users", 2, ADMIN | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Local(acl::users))
        .acl(&["@admin", "@slow", "@dangerous"]),
];
