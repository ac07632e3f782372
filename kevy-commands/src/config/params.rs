//! The settings kevy knows, with Redis's names, defaults and value checks.
//! Each [`Param`] says how its value is parsed into the canonical text
//! `CONFIG GET` shows, how it is written back by `CONFIG REWRITE`, and what
//! changing it does.

use std::time::Duration;

use kevy_rt::Settings;

mod encoding;

use super::{IMMUTABLE, WORDS};
use crate::base::num::parse_i64;

/// How a setting's value is parsed and written.
#[derive(Clone, Copy)]
pub enum Kind {
    /// `yes` / `no`.
    Bool,
    /// An integer in `min..=max`.
    Int(i64, i64),
    /// A byte count with an optional unit (`5mb`), in `min..=max`.
    Memory(u64, u64),
    /// An octal integer (file permissions).
    Octal,
    /// One of these words.
    Enum(&'static [&'static str]),
    /// Any text.
    Str,
    /// A parser of its own, and the config-file lines it rewrites to.
    Custom(
        fn(&Cx<'_>) -> Result<String, String>,
        fn(&str, &str) -> Vec<String>,
    ),
}

/// What a value is parsed with.
pub struct Cx<'a> {
    /// The setting's current value.
    pub cur: &'a str,
    /// The new value's words (one for single-word settings).
    pub words: &'a [&'a str],
    /// True when it comes from the config file or the command line (some
    /// settings accumulate over several file lines: `save`).
    pub file: bool,
    /// Every setting's current value, by index into [`PARAMS`].
    pub values: &'a [String],
}

impl Cx<'_> {
    /// The current value of another setting.
    pub fn value(&self, name: &str) -> &str {
        super::find(name.as_bytes())
            .and_then(|i| self.values.get(i))
            .map_or("", String::as_str)
    }
}

/// A default value: fixed, or computed when the table is made.
#[derive(Clone, Copy)]
pub enum Def {
    /// This text.
    S(&'static str),
    /// What this function returns.
    F(fn() -> String),
}

/// A check of a parsed value.
pub type CheckFn = fn(&Cx<'_>, &str) -> Result<(), String>;
/// A process-wide effect of a value.
pub type SetFn = fn(&str) -> Result<(), String>;
/// An effect of a value on the runtime's settings.
pub type ApplyFn = fn(&Settings, &str) -> Result<(), String>;

/// One setting.
#[derive(Clone, Copy)]
pub struct Param {
    /// Redis's name.
    pub name: &'static str,
    /// Another name for it (`slaveof` for `replicaof`).
    pub alias: Option<&'static str>,
    /// Its default.
    pub default: Def,
    /// [`IMMUTABLE`], [`WORDS`].
    pub flags: u32,
    /// How it parses and rewrites.
    pub kind: Kind,
    /// A check of the parsed value beyond its kind (kevy's refusals).
    pub check: Option<CheckFn>,
    /// Where the value comes from, when it is not stored (`dir`).
    pub get: Option<fn() -> String>,
    /// A process-wide effect of a new value (`dir` changes directory).
    pub set: Option<SetFn>,
    /// The effect on the runtime's live settings.
    pub apply: Option<ApplyFn>,
}

impl Param {
    const fn new(name: &'static str, kind: Kind, default: &'static str) -> Param {
        Param {
            name,
            alias: None,
            default: Def::S(default),
            flags: 0,
            kind,
            check: None,
            get: None,
            set: None,
            apply: None,
        }
    }

    const fn flags(self, flags: u32) -> Param {
        Param { flags, ..self }
    }

    const fn check(self, check: CheckFn) -> Param {
        Param {
            check: Some(check),
            ..self
        }
    }

    const fn apply(self, apply: ApplyFn) -> Param {
        Param {
            apply: Some(apply),
            ..self
        }
    }

    /// The default's text.
    pub fn default_value(&self) -> String {
        match self.default {
            Def::S(s) => s.to_string(),
            Def::F(f) => f(),
        }
    }

    /// Parses a new value into its canonical text.
    pub fn parse(&self, cx: &Cx<'_>) -> Result<String, String> {
        let one = || cx.words.first().copied().unwrap_or("");
        let v = match self.kind {
            Kind::Bool => match one().to_ascii_lowercase().as_str() {
                "yes" => "yes".to_string(),
                "no" => "no".to_string(),
                _ => return Err("argument must be 'yes' or 'no'".into()),
            },
            Kind::Int(min, max) => {
                let n = parse_i64(one().as_bytes())
                    .ok_or("argument couldn't be parsed into an integer")?;
                if n < min || n > max {
                    return Err(format!(
                        "argument must be between {min} and {max} inclusive"
                    ));
                }
                n.to_string()
            }
            Kind::Memory(min, max) => {
                let n = memory(one()).ok_or("argument must be a memory value")?;
                if n < min || n > max {
                    return Err(format!(
                        "argument must be between {min} and {max} inclusive"
                    ));
                }
                n.to_string()
            }
            Kind::Octal => match u32::from_str_radix(one(), 8) {
                Ok(n) => format!("{n:o}"),
                Err(_) => return Err("argument couldn't be parsed into an integer".into()),
            },
            Kind::Enum(words) => {
                let w = one().to_ascii_lowercase();
                match words.iter().find(|x| **x == w) {
                    Some(x) => x.to_string(),
                    None => {
                        return Err(format!(
                            "argument(s) must be one of the following: {}",
                            words.join(", ")
                        ))
                    }
                }
            }
            Kind::Str => one().to_string(),
            Kind::Custom(parse, _) => parse(cx)?,
        };
        if let Some(check) = self.check {
            check(cx, &v)?;
        }
        Ok(v)
    }

    /// The config-file lines for value `v` (`CONFIG REWRITE`).
    pub fn lines(&self, v: &str) -> Vec<String> {
        let name = self.name;
        match self.kind {
            Kind::Memory(..) => {
                let n = v.parse().unwrap_or(0);
                vec![format!("{name} {}", format_memory(n))]
            }
            Kind::Str => vec![format!("{name} {}", repr(v))],
            Kind::Custom(_, lines) => lines(name, v),
            _ => vec![format!("{name} {v}")],
        }
    }
}

/// Redis's `memtoull`: a count with an optional unit (`b`, `k`, `kb`, `m`,
/// `mb`, `g`, `gb`, any case).
pub fn memory(v: &str) -> Option<u64> {
    let lower = v.to_ascii_lowercase();
    let (num, mul) = [
        ("gb", 1u64 << 30),
        ("mb", 1 << 20),
        ("kb", 1 << 10),
        ("g", 1_000_000_000),
        ("m", 1_000_000),
        ("k", 1000),
        ("b", 1),
    ]
    .iter()
    .find_map(|(suffix, mul)| lower.strip_suffix(suffix).map(|n| (n.to_string(), *mul)))
    .unwrap_or((lower.clone(), 1));
    if num.is_empty() || !num.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    num.parse::<u64>().ok()?.checked_mul(mul)
}

/// Redis's `rewriteConfigFormatMemory`: `1gb`, `64mb`, `16kb` or bytes.
pub fn format_memory(n: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "gb"), (1 << 20, "mb"), (1 << 10, "kb")];
    for (unit, name) in UNITS {
        if n != 0 && n.is_multiple_of(unit) {
            return format!("{}{name}", n / unit);
        }
    }
    n.to_string()
}

/// `s` quoted like Redis's `sdscatrepr`.
pub fn repr(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len() + 2);
    crate::base::text::repr(&mut out, s.as_bytes());
    String::from_utf8_lossy(&out).into_owned()
}

/// Settings kevy refuses because it does not implement them yet.
const NOT_YET: &[(&str, &str)] = &[
    ("requirepass", "AUTH is not implemented yet"),
    ("masterauth", "replication is not implemented yet"),
    ("masteruser", "replication is not implemented yet"),
    ("replicaof", "replication is not implemented yet"),
    ("slaveof", "replication is not implemented yet"),
    ("aclfile", "ACLs are not implemented yet"),
    ("user", "ACLs are not implemented yet"),
    ("cluster-enabled", "cluster mode is not implemented"),
    ("io-threads", "kevy is thread-per-core: use 'threads N'"),
    ("rename-command", "command renaming is not implemented yet"),
    (
        "notify-keyspace-events",
        "keyspace notifications are not implemented yet",
    ),
];

/// Why kevy refuses setting `name` (lowercase), if it does.
pub fn refused(name: &str) -> Option<String> {
    if let Some((_, why)) = NOT_YET.iter().find(|(n, _)| *n == name) {
        return Some(format!("'{name}' is not supported: {why}"));
    }
    name.starts_with("tls-")
        .then(|| "TLS is not implemented yet".to_string())
}

fn cpus() -> String {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .to_string()
}

fn cwd() -> String {
    std::env::current_dir()
        .map(|p| p.display().to_string())
        .unwrap_or_default()
}

fn chdir(dir: &str) -> Result<(), String> {
    std::env::set_current_dir(dir).map_err(|e| os_error(&e))
}

/// The C library's text for an I/O error (`No such file or directory`), as
/// Redis reports `strerror(errno)`.
pub fn os_error(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.rfind(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

fn int(v: &str) -> u64 {
    v.parse().unwrap_or(0)
}

/// Accepts only `allowed`, refusing anything else with `what`.
fn only(v: &str, allowed: &str, what: &str) -> Result<(), String> {
    if v == allowed {
        Ok(())
    } else {
        Err(what.to_string())
    }
}

/// Every setting, in the order `CONFIG GET *` lists them.
pub static PARAMS: &[Param] = &[
    Param::new("bind", Kind::Custom(parse_bind, plain_lines), "127.0.0.1").flags(IMMUTABLE | WORDS),
    Param::new("port", Kind::Int(0, 65535), "6379").flags(IMMUTABLE),
    Param {
        default: Def::F(cpus),
        ..Param::new("threads", Kind::Int(1, 256), "").flags(IMMUTABLE)
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
        ..Param::new("dir", Kind::Str, "")
    },
    Param::new("dbfilename", Kind::Str, "dump.rdb").check(|_, v| {
        if v.contains('/') || v.contains('\\') {
            Err("dbfilename can't be a path, just a filename".into())
        } else {
            Ok(())
        }
    }),
    Param::new("save", Kind::Custom(parse_save, save_lines), "").flags(WORDS),
    Param::new("appendonly", Kind::Bool, "no").check(|_, v| {
        only(
            v,
            "no",
            "the append-only file is not implemented yet; use appendonly no",
        )
    }),
    Param::new(
        "appendfsync",
        Kind::Enum(&["always", "everysec", "no"]),
        "everysec",
    ),
    Param::new("maxmemory", Kind::Memory(0, i64::MAX as u64), "0"),
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
    Param::new("daemonize", Kind::Bool, "no")
        .flags(IMMUTABLE)
        .check(|_, v| {
            only(
                v,
                "no",
                "daemonize yes is not supported: run kevy-server under a supervisor",
            )
        }),
    Param::new("protected-mode", Kind::Bool, "no").check(|cx, v| {
        let bind = cx.value("bind");
        let loopback = matches!(bind, "127.0.0.1" | "::1" | "localhost");
        if v == "yes" && !loopback {
            Err("protected-mode is not implemented yet for non-loopback binds".into())
        } else {
            Ok(())
        }
    }),
    Param::new("hz", Kind::Int(1, 500), "10")
        .check(|_, v| only(v, "10", "kevy's periodic tasks run at a fixed hz 10")),
    Param::new(
        "client-output-buffer-limit",
        Kind::Custom(parse_obuf, obuf_lines),
        "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
    )
    .flags(WORDS)
    .apply(|s, v| {
        // The normal class's hard limit is the one kevy enforces.
        let hard = v.split(' ').nth(1).map_or(0, int);
        s.set_output_hard_limit(hard);
        Ok(())
    }),
    Param::new(
        "proto-max-bulk-len",
        Kind::Memory(1 << 20, i64::MAX as u64),
        "536870912",
    )
    .flags(IMMUTABLE),
    Param::new(
        "client-query-buffer-limit",
        Kind::Memory(1 << 20, i64::MAX as u64),
        "1073741824",
    )
    .flags(IMMUTABLE),
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
    // Encoding thresholds (params/encoding.rs).
    encoding::LIST_FILL,
    encoding::LIST_COMPRESS,
    encoding::HASH_ENTRIES,
    encoding::HASH_VALUE,
    encoding::SET_INTSET,
    encoding::ZSET_ENTRIES,
    encoding::ZSET_VALUE,
    encoding::HLL_SPARSE,
    encoding::STREAM_BYTES,
    encoding::STREAM_ENTRIES,
];

fn plain_lines(name: &str, v: &str) -> Vec<String> {
    vec![format!("{name} {v}")]
}

fn parse_bind(cx: &Cx<'_>) -> Result<String, String> {
    let words: Vec<&str> = cx.words.iter().flat_map(|w| w.split_whitespace()).collect();
    match words[..] {
        [addr] => Ok(addr.trim_start_matches('-').to_string()),
        [] => Err("wrong number of arguments".into()),
        _ => Err("kevy listens on one address: give a single bind address".into()),
    }
}

fn parse_save(cx: &Cx<'_>) -> Result<String, String> {
    // A multi-argument setting given as one argument (`--save "900 1"`) is
    // split at spaces, as Redis does.
    let words: Vec<&str> = cx.words.iter().flat_map(|w| w.split_whitespace()).collect();
    if words.is_empty() {
        return Ok(String::new());
    }
    let valid = words.len().is_multiple_of(2)
        && words
            .iter()
            .all(|w| parse_i64(w.as_bytes()).is_some_and(|n| n >= 0));
    if !valid {
        return Err("Invalid save parameters".into());
    }
    Err("snapshots (save) are not implemented yet; use save \"\"".into())
}

/// `maxmemory-clients`: a memory or percent value, as Redis parses it; only
/// 0 (no client eviction) is accepted until client eviction exists.
fn parse_maxmemory_clients(cx: &Cx<'_>) -> Result<String, String> {
    let v = cx.words.first().copied().unwrap_or_default();
    let n = match v.strip_suffix('%') {
        Some(p) => p.parse::<u64>().ok(),
        None => memory(v),
    };
    match n {
        None => Err("argument must be a memory or percent value".into()),
        Some(0) => Ok("0".into()),
        Some(_) => Err("client eviction is not implemented yet; use maxmemory-clients 0".into()),
    }
}

fn save_lines(name: &str, v: &str) -> Vec<String> {
    if v.is_empty() {
        vec![format!("{name} \"\"")]
    } else {
        vec![format!("{name} {v}")]
    }
}

const OBUF_CLASSES: [&str; 3] = ["normal", "slave", "pubsub"];

fn parse_obuf(cx: &Cx<'_>) -> Result<String, String> {
    let words: Vec<&str> = cx.words.iter().flat_map(|w| w.split_whitespace()).collect();
    if words.is_empty() || !words.len().is_multiple_of(4) {
        return Err("Wrong number of arguments in buffer limit configuration.".into());
    }
    let mut classes: Vec<[u64; 3]> = {
        let cur: Vec<u64> = cx.cur.split(' ').filter_map(|w| w.parse().ok()).collect();
        cur.chunks(3)
            .map(|c| {
                [
                    c[0],
                    c.get(1).copied().unwrap_or(0),
                    c.get(2).copied().unwrap_or(0),
                ]
            })
            .collect()
    };
    classes.resize(3, [0, 0, 0]);
    for group in words.chunks(4) {
        let class = match group[0].to_ascii_lowercase().as_str() {
            "normal" => 0,
            "slave" | "replica" => 1,
            "pubsub" => 2,
            _ => {
                return Err("Invalid client class specified in buffer limit configuration.".into())
            }
        };
        let bad = || "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
        let hard = memory(group[1]).ok_or_else(bad)?;
        let soft = memory(group[2]).ok_or_else(bad)?;
        let secs = parse_i64(group[3].as_bytes())
            .filter(|&n| n >= 0)
            .ok_or_else(bad)? as u64;
        if class == 0 && (soft != 0 || secs != 0) {
            return Err("soft limits for normal clients are not implemented yet".into());
        }
        classes[class] = [hard, soft, secs];
    }
    Ok(OBUF_CLASSES
        .iter()
        .zip(classes.iter())
        .map(|(name, [h, s, t])| format!("{name} {h} {s} {t}"))
        .collect::<Vec<_>>()
        .join(" "))
}

fn obuf_lines(name: &str, v: &str) -> Vec<String> {
    let words: Vec<&str> = v.split(' ').collect();
    words
        .chunks(4)
        .filter(|c| c.len() == 4)
        .map(|c| {
            let class = if c[0] == "slave" { "replica" } else { c[0] };
            format!(
                "{name} {class} {} {} {}",
                format_memory(int(c[1])),
                format_memory(int(c[2])),
                c[3]
            )
        })
        .collect()
}

fn parse_percentiles(cx: &Cx<'_>) -> Result<String, String> {
    let mut out = Vec::new();
    for w in cx.words.iter().flat_map(|w| w.split_whitespace()) {
        match w.parse::<f64>() {
            Ok(p) if (0.0..=100.0).contains(&p) => out.push(p.to_string()),
            _ => return Err(
                "latency-tracking-info-percentiles should be a list of numbers between 0 and 100"
                    .into(),
            ),
        }
    }
    Ok(out.join(" "))
}
