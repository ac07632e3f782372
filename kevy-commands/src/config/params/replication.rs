//! Replication settings. kevy has no replication yet: these are known with
//! Redis's defaults and checks, and any other value is refused with the
//! reason.

use super::*;

const NO_REPL: &str = "replication is not implemented yet";

/// The replication settings.
pub static PARAMS: &[Param] = &[
    Param::new(
        "replicaof",
        Kind::Custom(parse_replicaof, replicaof_lines),
        "",
    )
    .alias("slaveof")
    .flags(IMMUTABLE | WORDS)
    .refuse(NO_REPL),
    // Accepted and kept for replication, which is not built yet.
    Param::new("masterauth", Kind::Str, ""),
    Param::new("masteruser", Kind::Str, ""),
    Param::new("replica-announce-ip", Kind::Str, "")
        .alias("slave-announce-ip")
        .refuse(NO_REPL),
    Param::new("replica-announce-port", Kind::Int(0, 65535), "0")
        .alias("slave-announce-port")
        .refuse(NO_REPL),
    Param::new("replica-announced", Kind::Bool, "yes").refuse(NO_REPL),
    Param::new("replica-lazy-flush", Kind::Bool, "no")
        .alias("slave-lazy-flush")
        .refuse(NO_REPL),
    Param::new("replica-serve-stale-data", Kind::Bool, "yes")
        .alias("slave-serve-stale-data")
        .refuse(NO_REPL),
    Param::new("replica-read-only", Kind::Bool, "yes")
        .alias("slave-read-only")
        .refuse(NO_REPL),
    Param::new("replica-ignore-maxmemory", Kind::Bool, "yes")
        .alias("slave-ignore-maxmemory")
        .refuse(NO_REPL),
    Param::new("replica-ignore-disk-write-errors", Kind::Bool, "no").refuse(NO_REPL),
    Param::new("replica-priority", Kind::Int(0, i32::MAX as i64), "100")
        .alias("slave-priority")
        .refuse(NO_REPL),
    Param::new("repl-disable-tcp-nodelay", Kind::Bool, "no").refuse(NO_REPL),
    Param::new("repl-diskless-sync", Kind::Bool, "yes").refuse(NO_REPL),
    Param::new(
        "repl-diskless-sync-delay",
        Kind::Int(0, i32::MAX as i64),
        "5",
    )
    .refuse(NO_REPL),
    Param::new(
        "repl-diskless-sync-max-replicas",
        Kind::Int(0, i32::MAX as i64),
        "0",
    )
    .refuse(NO_REPL),
    Param::new(
        "repl-diskless-load",
        Kind::Enum(&["disabled", "on-empty-db", "swapdb"]),
        "disabled",
    )
    .refuse(NO_REPL),
    Param::new("repl-timeout", Kind::Int(1, i32::MAX as i64), "60").refuse(NO_REPL),
    Param::new(
        "repl-ping-replica-period",
        Kind::Int(1, i32::MAX as i64),
        "10",
    )
    .alias("repl-ping-slave-period")
    .refuse(NO_REPL),
    Param::new(
        "repl-backlog-size",
        Kind::Memory(1, i64::MAX as u64),
        "1048576",
    )
    .refuse(NO_REPL),
    Param::new("repl-backlog-ttl", Kind::Int(0, i64::MAX), "3600").refuse(NO_REPL),
    Param::new("min-replicas-to-write", Kind::Int(0, i32::MAX as i64), "0")
        .alias("min-slaves-to-write")
        .refuse(NO_REPL),
    Param::new("min-replicas-max-lag", Kind::Int(0, i32::MAX as i64), "10")
        .alias("min-slaves-max-lag")
        .refuse(NO_REPL),
    Param::new(
        "propagation-error-behavior",
        Kind::Enum(&["ignore", "panic", "panic-on-replicas"]),
        "ignore",
    )
    .refuse(NO_REPL),
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
