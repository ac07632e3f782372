//! Replication settings (`crate::repl`): `replicaof` in the configuration
//! makes the server a replica at start (`REPLICAOF` at run time),
//! `masterauth` / `masteruser` authenticate its link, `replica-read-only`
//! refuses clients' writes, `repl-ping-replica-period` paces a primary's
//! pings; the settings that tune the rest (backlog, diskless sync,
//! timeouts…) are accepted and kept, with no effect on kevy's full
//! resynchronizations; `min-replicas-to-write` and `min-replicas-max-lag`
//! make a primary refuse writes while too few replicas acknowledge
//! (`crate::repl::Replicas::refusing`).

use super::*;

/// The replication settings.
pub static PARAMS: &[Param] = &[
    Param::new(
        "replicaof",
        Kind::Custom(parse_replicaof, replicaof_lines),
        "",
    )
    .alias("slaveof")
    .flags(IMMUTABLE | WORDS),
    Param::new("masterauth", Kind::Str, ""),
    Param::new("masteruser", Kind::Str, ""),
    Param::new("replica-announce-ip", Kind::Str, "").alias("slave-announce-ip"),
    Param::new("replica-announce-port", Kind::Int(0, 65535), "0").alias("slave-announce-port"),
    Param::new("replica-announced", Kind::Bool, "yes"),
    Param::new("replica-lazy-flush", Kind::Bool, "no").alias("slave-lazy-flush"),
    Param::new("replica-serve-stale-data", Kind::Bool, "yes").alias("slave-serve-stale-data"),
    Param::new("replica-read-only", Kind::Bool, "yes").alias("slave-read-only"),
    Param::new("replica-ignore-maxmemory", Kind::Bool, "yes").alias("slave-ignore-maxmemory"),
    Param::new("replica-ignore-disk-write-errors", Kind::Bool, "no"),
    Param::new("replica-priority", Kind::Int(0, i32::MAX as i64), "100").alias("slave-priority"),
    Param::new("repl-disable-tcp-nodelay", Kind::Bool, "no"),
    Param::new("repl-diskless-sync", Kind::Bool, "yes"),
    Param::new(
        "repl-diskless-sync-delay",
        Kind::Int(0, i32::MAX as i64),
        "5",
    ),
    Param::new(
        "repl-diskless-sync-max-replicas",
        Kind::Int(0, i32::MAX as i64),
        "0",
    ),
    Param::new(
        "repl-diskless-load",
        Kind::Enum(&["disabled", "on-empty-db", "swapdb"]),
        "disabled",
    ),
    Param::new("repl-timeout", Kind::Int(1, i32::MAX as i64), "60"),
    Param::new(
        "repl-ping-replica-period",
        Kind::Int(1, i32::MAX as i64),
        "10",
    )
    .alias("repl-ping-slave-period"),
    Param::new(
        "repl-backlog-size",
        Kind::Memory(1, i64::MAX as u64),
        "1048576",
    ),
    Param::new("repl-backlog-ttl", Kind::Int(0, i64::MAX), "3600"),
    Param::new("min-replicas-to-write", Kind::Int(0, i32::MAX as i64), "0")
        .alias("min-slaves-to-write"),
    Param::new("min-replicas-max-lag", Kind::Int(0, i32::MAX as i64), "10")
        .alias("min-slaves-max-lag"),
    Param::new(
        "propagation-error-behavior",
        Kind::Enum(&["ignore", "panic", "panic-on-replicas"]),
        "ignore",
    ),
];

/// `replicaof <host> <port>` or `replicaof no one` (shown as "").
fn parse_replicaof(cx: &Cx<'_>) -> Result<String, String> {
    let words: Vec<&str> = cx.words.iter().flat_map(|w| w.split_whitespace()).collect();
    let [host, port] = words[..] else {
        return Err("wrong number of arguments".into());
    };
    if host.eq_ignore_ascii_case("no") && port.eq_ignore_ascii_case("one") {
        return Ok(String::new());
    }
    match port.parse::<i64>() {
        Ok(p) if (0..=65535).contains(&p) => Ok(format!("{host} {p}")),
        _ => Err("Invalid master port".into()),
    }
}

fn replicaof_lines(name: &str, v: &str) -> Vec<String> {
    if v.is_empty() {
        Vec::new()
    } else {
        vec![format!("{name} {v}")]
    }
}
