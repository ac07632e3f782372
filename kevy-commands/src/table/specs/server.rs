//! Server and connection-administration commands (CLIENT, CONFIG, INFO,
//! TIME, LASTSAVE, SLOWLOG, LATENCY, MONITOR, DEBUG, MEMORY), from
//! redis-server 7.0.15's `COMMAND INFO` and `COMMAND DOCS`. Containers list
//! the subcommands kevy implements, in redis-server's order.

use super::super::flags::*;
use super::super::key_flags::*;
use super::super::{KeySpec, Run, Spec};
use crate::family::{client, config, connection, debug, diag, info, server};

/// The server commands.
#[rustfmt::skip]
pub const SERVER: &[Spec] = &[
    Spec::new("client", -2, 0, [0, 0, 0], Run::Local(connection::reject))
        .acl(&["@slow"])
        .docs(
            "A container for client connection commands",
            "2.4.0",
            "connection",
            "Depends on subcommand.",
        )
        .subcommands(CLIENT_SUBCOMMANDS),
    Spec::new("config", -2, 0, [0, 0, 0], Run::Local(connection::reject))
        .acl(&["@slow"])
        .docs(
            "A container for server configuration commands",
            "2.0.0",
            "server",
            "Depends on subcommand.",
        )
        .subcommands(CONFIG_SUBCOMMANDS),
    Spec::new("info", -1, LOADING | STALE, [0, 0, 0], Run::Server(info::plan_info))
        .acl(&["@slow", "@dangerous"])
        .tips(&["nondeterministic_output", "request_policy:all_shards", "response_policy:special"])
        .docs(
            "Get information and statistics about the server",
            "1.0.0",
            "server",
            "O(1)",
        ),
    Spec::new(
        "shutdown",
        -1,
        ADMIN | NOSCRIPT | LOADING | STALE | NO_MULTI | ALLOW_BUSY,
        [0, 0, 0],
        Run::Local(server::shutdown),
    )
        .acl(&["@admin", "@slow", "@dangerous"])
        .docs(
            "Synchronously save the dataset to disk and then shut down the server",
            "1.0.0",
            "server",
            "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)",
        ),
    Spec::new("time", 1, LOADING | STALE | FAST, [0, 0, 0], Run::Local(server::time))
        .acl(&["@fast"])
        .tips(&["nondeterministic_output"])
        .docs(
            "Return the current server time",
            "2.6.0",
            "server",
            "O(1)",
        ),
    Spec::new("lastsave", 1, LOADING | STALE | FAST, [0, 0, 0], Run::Local(server::lastsave))
        .acl(&["@admin", "@fast", "@dangerous"])
        .tips(&["nondeterministic_output"])
        .docs(
            "Get the UNIX time stamp of the last successful save to disk",
            "1.0.0",
            "server",
            "O(1)",
        ),
    Spec::new("slowlog", -2, 0, [0, 0, 0], Run::Local(connection::reject))
        .acl(&["@slow"])
        .docs(
            "A container for slow log commands",
            "2.2.12",
            "server",
            "Depends on subcommand.",
        )
        .subcommands(SLOWLOG_SUBCOMMANDS),
    Spec::new("latency", -2, 0, [0, 0, 0], Run::Local(connection::reject))
        .acl(&["@slow"])
        .docs(
            "A container for latency diagnostics commands",
            "2.8.13",
            "server",
            "Depends on subcommand.",
        )
        .subcommands(LATENCY_SUBCOMMANDS),
    Spec::new("monitor", 1, ADMIN | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Local(server::monitor))
        .acl(&["@admin", "@slow", "@dangerous"])
        .docs(
            "Listen for all requests received by the server in real time",
            "1.0.0",
            "server",
            "",
        ),
    Spec::new("debug", -2, ADMIN | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Server(debug::plan_debug))
        .acl(&["@admin", "@slow", "@dangerous"])
        .docs(
            "A container for debugging commands",
            "1.0.0",
            "server",
            "Depends on subcommand.",
        ),
    Spec::new("memory", -2, 0, [0, 0, 0], Run::Local(connection::reject))
        .acl(&["@slow"])
        .docs(
            "A container for memory diagnostics commands",
            "4.0.0",
            "server",
            "Depends on subcommand.",
        )
        .subcommands(MEMORY_SUBCOMMANDS),
];

/// The subcommands of CLIENT kevy implements, in redis-server's order.
#[rustfmt::skip]
static CLIENT_SUBCOMMANDS: &[Spec] = &[
    Spec::new("client|help", 2, LOADING | STALE, [0, 0, 0], Run::Local(client::help))
        .acl(&["@slow", "@connection"])
        .docs(
            "Show helpful text about the different subcommands",
            "5.0.0",
            "connection",
            "O(1)",
        ),
    Spec::new("client|getname", 2, NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Local(client::getname))
        .acl(&["@slow", "@connection"])
        .docs(
            "Get the current connection name",
            "2.6.9",
            "connection",
            "O(1)",
        ),
    Spec::new("client|setname", 3, NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Local(client::setname))
        .acl(&["@slow", "@connection"])
        .docs(
            "Set the current connection name",
            "2.6.9",
            "connection",
            "O(1)",
        ),
    Spec::new("client|id", 2, NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Local(client::id))
        .acl(&["@slow", "@connection"])
        .docs(
            "Returns the client ID for the current connection",
            "5.0.0",
            "connection",
            "O(1)",
        ),
    Spec::new("client|list", -2, ADMIN | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Server(client::plan_list))
        .acl(&["@admin", "@slow", "@dangerous", "@connection"])
        .tips(&["nondeterministic_output"])
        .docs(
            "Get the list of client connections",
            "2.4.0",
            "connection",
            "O(N) where N is the number of client connections",
        ),
    Spec::new("client|no-evict", 3, ADMIN | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Local(client::no_evict))
        .acl(&["@admin", "@slow", "@dangerous", "@connection"])
        .docs(
            "Set client eviction mode for the current connection",
            "7.0.0",
            "connection",
            "O(1)",
        ),
    Spec::new("client|info", 2, NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Local(client::info))
        .acl(&["@slow", "@connection"])
        .tips(&["nondeterministic_output"])
        .docs(
            "Returns information about the current client connection.",
            "6.2.0",
            "connection",
            "O(1)",
        ),
    Spec::new("client|pause", -3, ADMIN | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Local(client::pause))
        .acl(&["@admin", "@slow", "@dangerous", "@connection"])
        .docs(
            "Stop processing commands from clients for some time",
            "2.9.50",
            "connection",
            "O(1)",
        ),
    Spec::new("client|reply", 3, NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Local(client::reply))
        .acl(&["@slow", "@connection"])
        .docs(
            "Instruct the server whether to reply to commands",
            "3.2.0",
            "connection",
            "O(1)",
        ),
    Spec::new("client|kill", -3, ADMIN | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Server(client::plan_kill))
        .acl(&["@admin", "@slow", "@dangerous", "@connection"])
        .docs(
            "Kill the connection of a client",
            "2.4.0",
            "connection",
            "O(N) where N is the number of client connections",
        ),
    Spec::new("client|unpause", 2, ADMIN | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Local(client::unpause))
        .acl(&["@admin", "@slow", "@dangerous", "@connection"])
        .docs(
            "Resume processing of clients that were paused",
            "6.2.0",
            "connection",
            "O(N) Where N is the number of paused clients",
        ),
];

/// The subcommands of CONFIG kevy implements, in redis-server's order.
#[rustfmt::skip]
static CONFIG_SUBCOMMANDS: &[Spec] = &[
    Spec::new("config|resetstat", 2, ADMIN | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Server(config::plan_resetstat))
        .acl(&["@admin", "@slow", "@dangerous"])
        .docs(
            "Reset the stats returned by INFO",
            "2.0.0",
            "server",
            "O(1)",
        ),
    Spec::new("config|help", 2, LOADING | STALE, [0, 0, 0], Run::Local(config::help))
        .acl(&["@slow"])
        .docs(
            "Show helpful text about the different subcommands",
            "5.0.0",
            "server",
            "O(1)",
        ),
    Spec::new("config|get", -3, ADMIN | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Local(config::get))
        .acl(&["@admin", "@slow", "@dangerous"])
        .docs(
            "Get the values of configuration parameters",
            "2.0.0",
            "server",
            "O(N) when N is the number of configuration parameters provided",
        ),
    Spec::new("config|set", -4, ADMIN | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Local(config::set))
        .acl(&["@admin", "@slow", "@dangerous"])
        .tips(&["request_policy:all_nodes", "response_policy:all_succeeded"])
        .docs(
            "Set configuration parameters to the given values",
            "2.0.0",
            "server",
            "O(N) when N is the number of configuration parameters provided",
        ),
    Spec::new("config|rewrite", 2, ADMIN | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Local(config::rewrite))
        .acl(&["@admin", "@slow", "@dangerous"])
        .docs(
            "Rewrite the configuration file with the in memory configuration",
            "2.8.0",
            "server",
            "O(1)",
        ),
];

/// The subcommands of SLOWLOG kevy implements, in redis-server's order.
#[rustfmt::skip]
static SLOWLOG_SUBCOMMANDS: &[Spec] = &[
    Spec::new("slowlog|reset", 2, ADMIN | LOADING | STALE, [0, 0, 0], Run::Server(diag::plan_slowlog_reset))
        .acl(&["@admin", "@slow", "@dangerous"])
        .tips(&["request_policy:all_nodes", "response_policy:all_succeeded"])
        .docs(
            "Clear all entries from the slow log",
            "2.2.12",
            "server",
            "O(N) where N is the number of entries in the slowlog",
        ),
    Spec::new("slowlog|len", 2, ADMIN | LOADING | STALE, [0, 0, 0], Run::Server(diag::plan_slowlog_len))
        .acl(&["@admin", "@slow", "@dangerous"])
        .tips(&["request_policy:all_nodes", "response_policy:agg_sum", "nondeterministic_output"])
        .docs(
            "Get the slow log's length",
            "2.2.12",
            "server",
            "O(1)",
        ),
    Spec::new("slowlog|help", 2, LOADING | STALE, [0, 0, 0], Run::Local(diag::slowlog_help))
        .acl(&["@slow"])
        .docs(
            "Show helpful text about the different subcommands",
            "6.2.0",
            "server",
            "O(1)",
        ),
    Spec::new("slowlog|get", -2, ADMIN | LOADING | STALE, [0, 0, 0], Run::Server(diag::plan_slowlog_get))
        .acl(&["@admin", "@slow", "@dangerous"])
        .tips(&["request_policy:all_nodes", "nondeterministic_output"])
        .docs(
            "Get the slow log's entries",
            "2.2.12",
            "server",
            "O(N) where N is the number of entries returned",
        ),
];

/// The subcommands of LATENCY kevy implements, in redis-server's order.
#[rustfmt::skip]
static LATENCY_SUBCOMMANDS: &[Spec] = &[
    Spec::new("latency|history", 3, ADMIN | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Server(diag::plan_latency_history))
        .acl(&["@admin", "@slow", "@dangerous"])
        .tips(&["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"])
        .docs(
            "Return timestamp-latency samples for the event.",
            "2.8.13",
            "server",
            "O(1)",
        ),
    Spec::new("latency|help", 2, LOADING | STALE, [0, 0, 0], Run::Local(diag::latency_help))
        .acl(&["@slow"])
        .docs(
            "Show helpful text about the different subcommands.",
            "2.8.13",
            "server",
            "O(1)",
        ),
    Spec::new("latency|latest", 2, ADMIN | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Server(diag::plan_latency_latest))
        .acl(&["@admin", "@slow", "@dangerous"])
        .tips(&["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"])
        .docs(
            "Return the latest latency samples for all events.",
            "2.8.13",
            "server",
            "O(1)",
        ),
    Spec::new("latency|histogram", -2, ADMIN | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Server(diag::plan_latency_histogram))
        .acl(&["@admin", "@slow", "@dangerous"])
        .tips(&["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"])
        .docs(
            "Return the cumulative distribution of latencies of a subset of commands or all.",
            "7.0.0",
            "server",
            "O(N) where N is the number of commands with latency information being retrieved.",
        ),
    Spec::new("latency|reset", -2, ADMIN | NOSCRIPT | LOADING | STALE, [0, 0, 0], Run::Server(diag::plan_latency_reset))
        .acl(&["@admin", "@slow", "@dangerous"])
        .tips(&["request_policy:all_nodes", "response_policy:all_succeeded"])
        .docs(
            "Reset latency data for one or more events.",
            "2.8.13",
            "server",
            "O(1)",
        ),
];

/// The subcommands of MEMORY kevy implements, in redis-server's order.
#[rustfmt::skip]
static MEMORY_SUBCOMMANDS: &[Spec] = &[
    Spec::new("memory|malloc-stats", 2, 0, [0, 0, 0], Run::Local(debug::malloc_stats))
        .acl(&["@slow"])
        .tips(&["nondeterministic_output", "request_policy:all_shards", "response_policy:special"])
        .docs(
            "Show allocator internal stats",
            "4.0.0",
            "server",
            "Depends on how much memory is allocated, could be slow",
        ),
    Spec::new("memory|help", 2, LOADING | STALE, [0, 0, 0], Run::Local(debug::memory_help))
        .acl(&["@slow"])
        .docs(
            "Show helpful text about the different subcommands",
            "4.0.0",
            "server",
            "O(1)",
        ),
    Spec::new("memory|purge", 2, 0, [0, 0, 0], Run::Local(debug::purge))
        .acl(&["@slow"])
        .tips(&["request_policy:all_shards", "response_policy:all_succeeded"])
        .docs(
            "Ask the allocator to release memory",
            "4.0.0",
            "server",
            "Depends on how much memory is allocated, could be slow",
        ),
    Spec::new("memory|usage", -3, READONLY, [2, 2, 1], Run::Key(debug::memory_usage))
        .acl(&["@read", "@slow"])
        .keys(&[KeySpec::index(2, RO)])
        .docs(
            "Estimate the memory usage of a key",
            "4.0.0",
            "server",
            "O(N) where N is the number of samples.",
        ),
    Spec::new("memory|doctor", 2, 0, [0, 0, 0], Run::Server(debug::plan_memory_doctor))
        .acl(&["@slow"])
        .tips(&["nondeterministic_output", "request_policy:all_shards", "response_policy:special"])
        .docs(
            "Outputs memory problems report",
            "4.0.0",
            "server",
            "O(1)",
        ),
    Spec::new("memory|stats", 2, 0, [0, 0, 0], Run::Server(debug::plan_memory_stats))
        .acl(&["@slow"])
        .tips(&["nondeterministic_output", "request_policy:all_shards", "response_policy:special"])
        .docs(
            "Show memory usage details",
            "4.0.0",
            "server",
            "O(1)",
        ),
];
