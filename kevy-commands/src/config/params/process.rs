//! Process, security and background-work settings: the pid file,
//! supervision, syslog and the OOM score (applied by kevy-server), ACLs,
//! keyspace notifications and client tracking; and those kevy does not
//! have (process title, shutdown on signals, background
//! rehashing / defragmentation / lazy freeing), each known with Redis's
//! default and checks, any other value refused with the reason.

use super::*;
use crate::base::cpus::{self, Helper};

fn bio_cpus(v: &str) -> Result<(), String> {
    cpus::set(Helper::Bio, v)
}

fn aof_rewrite_cpus(v: &str) -> Result<(), String> {
    cpus::set(Helper::AofRewrite, v)
}

fn bgsave_cpus(v: &str) -> Result<(), String> {
    cpus::set(Helper::Bgsave, v)
}

const FIXED: &str = "kevy's process settings are fixed";
const NO_BG: &str = "kevy has no background rehashing or defragmentation";

/// The process and background-work settings.
pub static PARAMS: &[Param] = &[
    // Redis's I/O threads: each of kevy's shards does its own
    // connections' I/O already (`threads` sets the shards), so a
    // configuration written for Redis starts as it is; nothing reads them.
    Param::new("io-threads", Kind::Int(1, 128), "1").flags(IMMUTABLE),
    Param::new("io-threads-do-reads", Kind::Bool, "no").flags(IMMUTABLE),
    Param::new("pidfile", Kind::Str, "").flags(IMMUTABLE),
    Param::new(
        "supervised",
        Kind::Enum(&["upstart", "systemd", "auto", "no"]),
        "no",
    )
    .flags(IMMUTABLE),
    Param::new("syslog-enabled", Kind::Bool, "no").flags(IMMUTABLE),
    Param::new("syslog-ident", Kind::Str, "redis").flags(IMMUTABLE),
    Param::new(
        "syslog-facility",
        Kind::Enum(&[
            "user", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
        ]),
        "local0",
    )
    .flags(IMMUTABLE),
    // Applied by the binary (its start-up banner).
    Param::new("always-show-logo", Kind::Bool, "no").flags(IMMUTABLE),
    // Applied by the binary (kevy-server's `title.rs`).
    Param::new("set-proc-title", Kind::Bool, "yes").flags(IMMUTABLE),
    Param::new(
        "proc-title-template",
        Kind::Str,
        "{title} {listen-addr} {server-mode}",
    )
    .check(|_, v| proc_title(v)),
    Param::new("disable-thp", Kind::Bool, "yes")
        .flags(IMMUTABLE)
        .refuse(FIXED),
    // Applied by the binary: its panic hook writes the crash report (the
    // panic's message and place) only while this is on.
    Param::new("crash-log-enabled", Kind::Bool, "yes"),
    // Redis tests the memory after a crash when on; kevy never does (a
    // panic is not a memory fault): kept for CONFIG GET, either way.
    Param::new("crash-memcheck-enabled", Kind::Bool, "yes"),
    // Applied by the binary: a panic stops the server with exit code 1
    // when on, with abort() (a core dump) when off, as Redis's.
    Param::new("use-exit-on-panic", Kind::Bool, "no").flags(HIDDEN | IMMUTABLE),
    Param::new("watchdog-period", Kind::Int(0, i32::MAX as i64), "0")
        .flags(HIDDEN)
        .refuse("the software watchdog is not implemented"),
    Param::new(
        "oom-score-adj",
        Kind::Custom(parse_oom_mode, plain_lines),
        "no",
    ),
    Param::new(
        "oom-score-adj-values",
        Kind::Custom(parse_oom_values, plain_lines),
        "0 200 800",
    )
    .flags(WORDS),
    // The shards' CPUs (kevy-server builds the runtime with them; empty:
    // `shard-cpus`'s choice); the helper threads' (`base::cpus`).
    Param::new("server_cpulist", Kind::Str, "")
        .flags(IMMUTABLE)
        .check(|_, v| cpus::parse(v).map(drop)),
    Param {
        set: Some(bio_cpus),
        ..Param::new("bio_cpulist", Kind::Str, "").flags(IMMUTABLE)
    },
    Param {
        set: Some(aof_rewrite_cpus),
        ..Param::new("aof_rewrite_cpulist", Kind::Str, "").flags(IMMUTABLE)
    },
    Param {
        set: Some(bgsave_cpus),
        ..Param::new("bgsave_cpulist", Kind::Str, "").flags(IMMUTABLE)
    },
    // The start-up warnings it names (ARM64-COW-BUG) are about fork
    // children on some kernels: kevy has none to give, so none to ignore.
    Param::new("ignore-warnings", Kind::Str, ""),
    Param::new("socket-mark-id", Kind::Int(0, u32::MAX as i64), "0")
        .flags(IMMUTABLE)
        .refuse("socket marks are not implemented yet"),
    // A replica's link to its primary leaves from it (`repl/upstream.rs`).
    Param::new("bind-source-addr", Kind::Str, ""),
    Param::new(
        "enable-protected-configs",
        Kind::Enum(&["no", "yes", "local"]),
        "no",
    )
    .flags(IMMUTABLE),
    Param::new(
        "enable-module-command",
        Kind::Enum(&["no", "yes", "local"]),
        "no",
    )
    .flags(IMMUTABLE),
    Param::new(
        "shutdown-on-sigint",
        Kind::Custom(parse_shutdown_flags, plain_lines),
        "default",
    )
    .flags(WORDS),
    Param::new(
        "shutdown-on-sigterm",
        Kind::Custom(parse_shutdown_flags, plain_lines),
        "default",
    )
    .flags(WORDS),
    Param::new("shutdown-timeout", Kind::Int(0, i32::MAX as i64), "10")
        .refuse("kevy has no replicas to wait for at shutdown"),
    // As in a Redis built without jemalloc: taken, with nothing to do.
    Param::new("jemalloc-bg-thread", Kind::Bool, "yes"),
    // kevy's tables grow in one step, so there is no rehash to advance in
    // the background, whichever the value.
    Param::new("activerehashing", Kind::Bool, "yes"),
    // `hz` holds whatever the number of clients (`no`); with `yes` Redis
    // raises it past 200 clients a tick, and kevy does not.
    Param::new("dynamic-hz", Kind::Bool, "yes"),
    // The share of each tick active expiry may take: 25% plus 2% a step
    // past 1, as in Redis (`Redis::tick_shard`).
    Param::new("active-expire-effort", Kind::Int(1, 10), "1"),
    // Defragmentation needs Redis's jemalloc: it cannot be turned on. Its
    // thresholds below are taken (they act only once it is on, as in Redis).
    Param::new("activedefrag", Kind::Bool, "no").refuse(NO_BG),
    Param::new("active-defrag-cycle-min", Kind::Int(1, 99), "1"),
    Param::new("active-defrag-cycle-max", Kind::Int(1, 99), "25"),
    Param::new("active-defrag-threshold-lower", Kind::Int(0, 1000), "10"),
    Param::new("active-defrag-threshold-upper", Kind::Int(0, 1000), "100"),
    Param::new(
        "active-defrag-ignore-bytes",
        Kind::Memory(1, i64::MAX as u64),
        "104857600",
    ),
    Param::new(
        "active-defrag-max-scan-fields",
        Kind::Int(1, i64::MAX),
        "1000",
    ),
    Param::new("lazyfree-lazy-eviction", Kind::Bool, "no"),
    Param::new("lazyfree-lazy-expire", Kind::Bool, "no"),
    Param::new("lazyfree-lazy-server-del", Kind::Bool, "no"),
    Param::new("lazyfree-lazy-user-del", Kind::Bool, "no"),
    Param::new("lazyfree-lazy-user-flush", Kind::Bool, "no"),
    Param::new("requirepass", Kind::Str, ""),
    Param::new("aclfile", Kind::Str, "").flags(IMMUTABLE),
    Param::new("acllog-max-len", Kind::Int(0, i64::MAX), "128"),
    Param::new(
        "acl-pubsub-default",
        Kind::Enum(&["allchannels", "resetchannels"]),
        "resetchannels",
    ),
    Param::new("busy-reply-threshold", Kind::Int(0, i64::MAX), "5000").alias("lua-time-limit"),
    Param::new(
        "notify-keyspace-events",
        Kind::Custom(parse_notify, notify_lines),
        "",
    ),
    Param::new("tracking-table-max-keys", Kind::Int(0, i64::MAX), "1000000"),
];

/// Redis's `validateProcTitleTemplate`: known `{variables}` only, and not
/// empty once expanded (with an empty title).
fn proc_title(v: &str) -> Result<(), String> {
    const BAD: &str = "template format is invalid or contains unknown variables";
    let mut out = String::new();
    let mut rest = v;
    while let Some(at) = rest.find('{') {
        out.push_str(&rest[..at]);
        let var = &rest[at + 1..];
        if var.is_empty() {
            return Err(BAD.into());
        }
        if let Some(after) = var.strip_prefix('{') {
            out.push('{');
            rest = after;
            continue;
        }
        let end = var.find('}').ok_or(BAD)?;
        match &var[..end] {
            "title" | "server-mode" | "unixsocket" => {}
            "listen-addr" | "config-file" | "port" | "tls-port" => out.push('x'),
            _ => return Err(BAD.into()),
        }
        rest = &var[end + 1..];
    }
    out.push_str(rest);
    if out.trim_matches(' ').is_empty() {
        Err(BAD.into())
    } else {
        Ok(())
    }
}

/// `oom-score-adj`: `no`, `yes` (also written `relative`, shown as `yes`,
/// as Redis's enum shows the first name of a value) or `absolute`.
fn parse_oom_mode(cx: &Cx<'_>) -> Result<String, String> {
    let v = cx.words.first().copied().unwrap_or("").to_ascii_lowercase();
    match v.as_str() {
        "no" | "yes" | "absolute" => Ok(v),
        "relative" => Ok("yes".into()),
        _ => Err("argument(s) must be one of the following: no, yes, relative, absolute".into()),
    }
}

/// Three OOM score adjustments in -2000..=2000.
fn parse_oom_values(cx: &Cx<'_>) -> Result<String, String> {
    let words: Vec<&str> = cx.words.iter().flat_map(|w| w.split_whitespace()).collect();
    if words.len() != 3 {
        return Err("wrong number of arguments".into());
    }
    let mut out = Vec::with_capacity(3);
    for w in words {
        match parse_i64(w.as_bytes()) {
            Some(n) if (-2000..=2000).contains(&n) => out.push(n.to_string()),
            _ => {
                return Err(
                    "Invalid oom-score-adj-values, elements must be between -2000 and 2000.".into(),
                )
            }
        }
    }
    Ok(out.join(" "))
}

const SHUTDOWN_FLAGS: [&str; 5] = ["default", "save", "nosave", "now", "force"];

/// `shutdown-on-sig*`: flags from `default save nosave now force`, not
/// both `save` and `nosave`.
fn parse_shutdown_flags(cx: &Cx<'_>) -> Result<String, String> {
    let words: Vec<String> = cx
        .words
        .iter()
        .flat_map(|w| w.split_whitespace())
        .map(str::to_ascii_lowercase)
        .collect();
    if words.is_empty() || words.iter().any(|w| !SHUTDOWN_FLAGS.contains(&w.as_str())) {
        return Err(format!(
            "argument(s) must be one of the following: {}",
            SHUTDOWN_FLAGS.join(", ")
        ));
    }
    let has = |f: &str| words.iter().any(|w| w == f);
    if has("save") && has("nosave") {
        return Err("shutdown options SAVE and NOSAVE can't be used simultaneously".into());
    }
    // Shown as Redis does: the set flags in table order, `default` alone.
    let set: Vec<&str> = SHUTDOWN_FLAGS[1..]
        .iter()
        .copied()
        .filter(|f| has(f))
        .collect();
    Ok(if set.is_empty() {
        "default".to_string()
    } else {
        set.join(" ")
    })
}

/// `notify-keyspace-events`: classes from `Ag$lshzxeKEtmdn`.
fn parse_notify(cx: &Cx<'_>) -> Result<String, String> {
    let v = cx.words.first().copied().unwrap_or("");
    // Shown as Redis does: its canonical order, `A` for all classes.
    match crate::store::signal::flags_of(v) {
        Some(flags) => Ok(crate::store::signal::flags_kept(flags)),
        None => Err("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.".into()),
    }
}

fn notify_lines(name: &str, v: &str) -> Vec<String> {
    // Written as Redis shows it (without the `n` kept after `A`).
    let shown = crate::store::signal::flags_text(crate::store::signal::flags_of(v).unwrap_or(0));
    vec![format!("{name} {}", repr(&shown))]
}
