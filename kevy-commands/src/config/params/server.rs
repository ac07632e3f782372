//! The settings kevy implements: network and clients, memory and eviction,
//! logging and monitoring.

use std::time::Duration;

use super::*;

/// A count from environment variable `var` (a default kevy's own settings
/// take from the environment), else `default`.
pub(super) fn env_count(var: &str, default: u32) -> u32 {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The settings kevy implements.
pub static PARAMS: &[Param] = &[
    // Both change the listeners while running (`Config::relisten`).
    Param::new("bind", Kind::Custom(parse_bind, bind_lines), "* -::*").flags(WORDS),
    Param::new("port", Kind::Int(0, 65535), "6379"),
    // kevy's own: hidden from globs, as Redis hides its internal settings.
    Param {
        default: Def::F(cpus),
        ..Param::new("threads", Kind::Int(1, 256), "").flags(IMMUTABLE | HIDDEN)
    },
    // kevy's own: the shards' reactor (kevy_rt::IoBackend); the default
    // is KEVY_IO's, else auto. `--io` is the same flag.
    Param {
        default: Def::F(|| kevy_rt::IoBackend::from_env().name().to_string()),
        ..Param::new("io-backend", Kind::Enum(&["epoll", "uring", "auto"]), "")
            .flags(IMMUTABLE | HIDDEN)
    },
    // kevy's own: after how many keyed commands in a row on one other
    // shard a connection moves there (kevy_rt::Builder::move_after; 0:
    // never); the default is KEVY_MOVE_AFTER's, else 64.
    Param {
        default: Def::F(|| env_count("KEVY_MOVE_AFTER", 64).to_string()),
        ..Param::new("move-after", Kind::Int(0, u32::MAX as i64), "").flags(IMMUTABLE | HIDDEN)
    },
    // kevy's own: how long a shard with a multi-round isolated operation
    // open (EXEC, a script over several shards) keeps polling before it
    // parks, in microseconds (kevy_rt::Builder::txn_spin; 0: never); the
    // default is KEVY_TXN_SPIN_US's, else 50.
    Param {
        default: Def::F(|| env_count("KEVY_TXN_SPIN_US", 50).to_string()),
        ..Param::new("txn-spin-us", Kind::Int(0, 1_000_000), "").flags(IMMUTABLE | HIDDEN)
    },
    // kevy's own: the shard threads' scheduling policy
    // (kevy_rt::ShardSched); the default is KEVY_SCHED's, else batch.
    Param {
        default: Def::F(|| kevy_rt::ShardSched::from_env().name().to_string()),
        ..Param::new("shard-sched", Kind::Enum(&["batch", "normal"]), "").flags(IMMUTABLE | HIDDEN)
    },
    // kevy's own: the CPUs the shard threads run on (kevy_rt::ShardCpus:
    // auto, any or a CPU list; a non-empty server_cpulist wins); the
    // default is KEVY_SHARD_CPUS's, else auto.
    Param {
        default: Def::F(|| kevy_rt::ShardCpus::from_env().name()),
        ..Param::new("shard-cpus", Kind::Str, "")
            .flags(IMMUTABLE | HIDDEN)
            .check(|_, v| match kevy_rt::ShardCpus::parse(v) {
                Some(_) => Ok(()),
                None => Err(format!("Invalid CPU list '{v}'")),
            })
    },
    Param::new("tcp-backlog", Kind::Int(0, i32::MAX as i64), "511").flags(IMMUTABLE),
    Param::new("unixsocket", Kind::Str, "").flags(IMMUTABLE),
    Param::new("unixsocketperm", Kind::Octal, "0").flags(IMMUTABLE),
    Param::new("timeout", Kind::Int(0, i32::MAX as i64), "0").apply(|s, v| {
        s.set_idle_timeout(Duration::from_secs(int(v)));
        Ok(())
    }),
    Param::new("tcp-keepalive", Kind::Int(0, i32::MAX as i64), "300").apply(|s, v| {
        s.set_keepalive_secs(int(v));
        Ok(())
    }),
    Param::new("maxclients", Kind::Int(1, u32::MAX as i64), "10000").apply(|s, v| {
        s.set_max_clients(int(v));
        Ok(())
    }),
    Param::new("databases", Kind::Int(1, i32::MAX as i64), "16").flags(IMMUTABLE),
    Param::new(
        "loglevel",
        Kind::Enum(&["debug", "verbose", "notice", "warning"]),
        "notice",
    ),
    Param::new("logfile", Kind::Str, "").flags(IMMUTABLE),
    Param {
        default: Def::F(cwd),
        get: Some(cwd),
        set: Some(chdir),
        ..Param::new("dir", Kind::Str, "").flags(PROTECTED)
    },
    Param::new("dbfilename", Kind::Str, "dump.rdb")
        .flags(PROTECTED)
        .check(|_, v| {
            if v.contains('/') || v.contains('\\') {
                Err("dbfilename can't be a path, just a filename".into())
            } else {
                Ok(())
            }
        }),
    // Redis's built-in rules (a first `save` line replaces them).
    Param::new(
        "save",
        Kind::Custom(parse_save, save_lines),
        "3600 1 300 100 60 10000",
    )
    .flags(WORDS | ACCUMULATES | ALWAYS_WRITTEN),
    Param::new("appendonly", Kind::Bool, "no"),
    Param::new(
        "appendfsync",
        Kind::Enum(&["everysec", "always", "no"]),
        "everysec",
    ),
    Param::new("maxmemory", Kind::Memory(0, u64::MAX), "0"),
    Param::new(
        "maxmemory-policy",
        Kind::Enum(&[
            "volatile-lru",
            "volatile-lfu",
            "volatile-random",
            "volatile-ttl",
            "allkeys-lru",
            "allkeys-lfu",
            "allkeys-random",
            "noeviction",
        ]),
        "noeviction",
    ),
    Param::new(
        "maxmemory-clients",
        Kind::Custom(parse_maxmemory_clients, plain_lines),
        "0",
    ),
    Param::new("maxmemory-samples", Kind::Int(1, i32::MAX as i64), "5"),
    Param::new("maxmemory-eviction-tenacity", Kind::Int(0, 100), "10"),
    Param::new("lfu-log-factor", Kind::Int(0, i32::MAX as i64), "10"),
    Param::new("lfu-decay-time", Kind::Int(0, i32::MAX as i64), "1"),
    Param::new("daemonize", Kind::Bool, "no").flags(IMMUTABLE),
    Param::new("protected-mode", Kind::Bool, "yes"),
    // How often each shard's periodic tasks run (`Commands::tick`).
    Param::new("hz", Kind::Custom(parse_hz, plain_lines), "10"),
    Param::new(
        "client-output-buffer-limit",
        Kind::Custom(parse_obuf, obuf_lines),
        "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
    )
    .flags(WORDS)
    .apply(|s, v| {
        // Classes in order normal, replica, pubsub: the runtime's output
        // classes 0, 1, 2 (kevy-commands' pubsub family uses class 2).
        let words: Vec<&str> = v.split(' ').collect();
        for (class, c) in words.chunks(4).enumerate() {
            if let [_, hard, soft, secs] = c {
                s.set_output_limit(
                    class,
                    kevy_rt::OutputLimit {
                        hard: int(hard),
                        soft: int(soft),
                        soft_for: std::time::Duration::from_secs(int(secs)),
                    },
                );
            }
        }
        Ok(())
    }),
    Param::new(
        "proto-max-bulk-len",
        Kind::Memory(1 << 20, i64::MAX as u64),
        "536870912",
    ),
    Param::new(
        "client-query-buffer-limit",
        Kind::Memory(1 << 20, i64::MAX as u64),
        "1073741824",
    ),
    Param::new("slowlog-log-slower-than", Kind::Int(-1, i64::MAX), "10000"),
    Param::new("slowlog-max-len", Kind::Int(0, i64::MAX), "128"),
    Param::new("latency-monitor-threshold", Kind::Int(0, i64::MAX), "0"),
    Param::new("latency-tracking", Kind::Bool, "yes"),
    Param::new(
        "latency-tracking-info-percentiles",
        Kind::Custom(parse_percentiles, plain_lines),
        "50 99 99.9",
    )
    .flags(WORDS),
    Param::new(
        "enable-debug-command",
        Kind::Enum(&["no", "yes", "local"]),
        "no",
    )
    .flags(IMMUTABLE),
];

/// `hz`: Redis's range check (0 to `INT_MAX`), then its cap
/// (`updateHZ`): the value is a hint kept within 1 to 500, and reads back
/// capped.
fn parse_hz(cx: &Cx<'_>) -> Result<String, String> {
    let w = cx.words.first().copied().unwrap_or("");
    let n = parse_i64(w.as_bytes()).ok_or("argument couldn't be parsed into an integer")?;
    if !(0..=i32::MAX as i64).contains(&n) {
        return Err(format!(
            "argument must be between 0 and {} inclusive",
            i32::MAX
        ));
    }
    Ok(n.clamp(MIN_HZ, MAX_HZ).to_string())
}

/// Redis's `CONFIG_MIN_HZ` and `CONFIG_MAX_HZ`.
const MIN_HZ: i64 = 1;
const MAX_HZ: i64 = 500;
