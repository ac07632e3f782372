//! The settings kevy knows, with Redis's names, defaults and value checks.
//! Each [`Param`] says how its value is parsed into the canonical text
//! `CONFIG GET` shows, how it is written back by `CONFIG REWRITE`, and what
//! changing it does.

use std::sync::LazyLock;

use kevy_rt::Settings;

use super::{ACCUMULATES, ALWAYS_WRITTEN, HIDDEN, IMMUTABLE, PROTECTED, WORDS};
use crate::base::num::parse_i64;

mod cluster;
mod encoding;
mod persistence;
mod process;
mod replication;
mod server;

/// Every setting, in the order `CONFIG GET *` lists them: the table's
/// sections by area, concatenated once.
pub static PARAMS: LazyLock<Vec<Param>> = LazyLock::new(|| {
    [
        server::PARAMS,
        persistence::PARAMS,
        replication::PARAMS,
        cluster::PARAMS,
        process::PARAMS,
        encoding::PARAMS,
    ]
    .concat()
});

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
    /// Why kevy accepts only the default value (a feature it does not
    /// have): any other value is refused with this reason.
    pub refuse: Option<&'static str>,
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
            refuse: None,
        }
    }

    const fn alias(self, alias: &'static str) -> Param {
        Param {
            alias: Some(alias),
            ..self
        }
    }

    const fn refuse(self, why: &'static str) -> Param {
        Param {
            refuse: Some(why),
            ..self
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
        if let Some(why) = self.refuse {
            if v != self.default_value() {
                return Err(format!("'{}' is not supported: {why}", self.name));
            }
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
/// `mb`, `g`, `gb`, any case). As in Redis, no digits count as 0 (`kb`, ``),
/// a count past `u64::MAX` saturates, and the unit's product wraps.
pub fn memory(v: &str) -> Option<u64> {
    let digits = v.bytes().take_while(u8::is_ascii_digit).count();
    let (num, unit) = v.split_at(digits);
    let mul: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1 << 10,
        "m" => 1_000_000,
        "mb" => 1 << 20,
        "g" => 1_000_000_000,
        "gb" => 1 << 30,
        _ => return None,
    };
    if digits >= 128 {
        return None;
    }
    let n = if num.is_empty() {
        0
    } else {
        num.parse::<u64>().unwrap_or(u64::MAX)
    };
    Some(n.wrapping_mul(mul))
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

/// Config-file directives (not settings) kevy refuses because it does not
/// implement them yet.
const NOT_YET: &[(&str, &str)] = &[("loadmodule", "modules are not implemented")];

/// Why kevy refuses setting `name` (lowercase), if it does.
pub fn refused(name: &str) -> Option<String> {
    if let Some((_, why)) = NOT_YET.iter().find(|(n, _)| *n == name) {
        return Some(format!("'{name}' is not supported: {why}"));
    }
    None
}

/// `threads`' default: `KEVY_THREADS`, else one shard per CPU.
fn cpus() -> String {
    std::env::var("KEVY_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<u16>().ok())
        .filter(|&n| n > 0)
        .map(usize::from)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
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

/// Refuses a change of a setting the running server cannot take (`what`).
fn unchanged_while_running(cx: &Cx<'_>, v: &str, what: &str) -> Result<(), String> {
    if cx.file || v == cx.cur {
        Ok(())
    } else {
        Err(format!("kevy cannot change {what} while it runs"))
    }
}

fn plain_lines(name: &str, v: &str) -> Vec<String> {
    vec![format!("{name} {v}")]
}

/// `bind`'s config-file line: `bind ""` for no address, as Redis writes it.
fn bind_lines(name: &str, v: &str) -> Vec<String> {
    match v {
        "" => vec![format!("{name} \"\"")],
        _ => plain_lines(name, v),
    }
}

/// `bind addr [addr ...]`: up to 16 addresses, kept as given (a leading `-`
/// marks one that may be missing, as in Redis's default `* -::*`); `bind
/// ""` is none (no TCP clients).
fn parse_bind(cx: &Cx<'_>) -> Result<String, String> {
    let words: Vec<&str> = cx.words.iter().flat_map(|w| w.split_whitespace()).collect();
    match words.len() {
        0 if !cx.file || cx.words.len() == 1 => Ok(String::new()),
        0 => Err("wrong number of arguments".into()),
        1..=16 => Ok(words.join(" ")),
        _ => Err("Too many bind addresses specified.".into()),
    }
}

fn parse_save(cx: &Cx<'_>) -> Result<String, String> {
    // A multi-argument setting given as one argument (`--save "900 1"`) is
    // split at spaces, as Redis does.
    let words: Vec<&str> = cx.words.iter().flat_map(|w| w.split_whitespace()).collect();
    if words.is_empty() {
        // `save ""`: no rules (on a config-file line, none so far either).
        return Ok(String::new());
    }
    let valid = words.len().is_multiple_of(2)
        && words
            .iter()
            .all(|w| parse_i64(w.as_bytes()).is_some_and(|n| n >= 0));
    if !valid {
        return Err("Invalid save parameters".into());
    }
    let pairs: Vec<String> = words
        .chunks_exact(2)
        .map(|c| {
            format!(
                "{} {}",
                parse_i64(c[0].as_bytes()).unwrap_or(0),
                parse_i64(c[1].as_bytes()).unwrap_or(0)
            )
        })
        .collect();
    let pairs = pairs.join(" ");
    // A config-file line adds its rules to those of the lines before it.
    Ok(match (cx.file, cx.cur.is_empty()) {
        (true, false) => format!("{} {pairs}", cx.cur),
        _ => pairs,
    })
}

/// `maxmemory-clients`: a memory or percent value, as Redis parses it; only
/// 0 (no client eviction) is accepted until client eviction exists.
fn parse_maxmemory_clients(cx: &Cx<'_>) -> Result<String, String> {
    let v = cx.words.first().copied().unwrap_or_default();
    let n = match v.strip_suffix('%') {
        Some(p) => match p.parse::<u64>() {
            Ok(p) if p > 100 => {
                return Err("percentage argument must be less or equal to 100".into())
            }
            p => p.ok(),
        },
        None => memory(v),
    };
    match n {
        None => Err("argument must be a memory or percent value".into()),
        Some(0) => Ok("0".into()),
        Some(n) if v.ends_with('%') => Ok(format!("{n}%")),
        // Redis keeps the value as a signed number whose negative values
        // are percentages: a size past i64::MAX reads back as one.
        Some(n) if n > i64::MAX as u64 => Ok(format!("{}%", (n as i64).unsigned_abs())),
        Some(n) => Ok(n.to_string()),
    }
}

/// `save ""`, or one `save seconds changes` line per rule, as Redis's
/// `rewriteConfigSaveOption` writes them.
fn save_lines(name: &str, v: &str) -> Vec<String> {
    let words: Vec<&str> = v.split_whitespace().collect();
    if words.is_empty() {
        return vec![format!("{name} \"\"")];
    }
    words
        .chunks(2)
        .map(|pair| format!("{name} {}", pair.join(" ")))
        .collect()
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
        let p = w
            .parse::<f64>()
            .ok()
            .filter(|p| !p.is_nan())
            .ok_or("Invalid latency-tracking-info-percentiles parameters")?;
        if !(0.0..=100.0).contains(&p) {
            return Err(
                "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
                    .into(),
            );
        }
        out.push(p.to_string());
    }
    Ok(out.join(" "))
}

#[cfg(test)]
mod tests;
