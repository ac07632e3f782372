//! `cargo xtask bench`'s flags, read into [`Options`].
//!
//! ```text
//! --quick                       small runs, one round, nothing written (unless --write)
//! --rounds N                    interleaved rounds (default 5, 1 with --quick)
//! --only redis|pubsub|memcached|criterion   (repeatable; default all)
//! --no-write | --write
//! --kevy-arg ARG                an extra kevy-server argument (repeatable)
//! --kevy-bin [LABEL=]PATH       bench this kevy-server binary instead of building one
//!                               (repeatable: `--kevy-bin before=/a --kevy-bin after=/b`)
//! --reactors epoll,uring        kevy's reactors to run (`--io R`), each its own server
//! --commands set,get,mset       redis-benchmark tests (default: all of redis::TESTS)
//! --depths 1,16                 pipeline depths
//! --port-base N                 servers on ports N, N+1, … (default: any free port)
//! --keyspace N                  redis-benchmark's `-r`: keys drawn from N (default
//!                               100000, which fits in the caches; 1000000 does not)
//! --no-perf                     do not count system calls / context switches
//! ```

use std::cell::Cell;
use std::net::TcpListener;
use std::path::PathBuf;

use super::redis::{DEPTHS, TESTS};

/// redis-benchmark's `-r` by default: a keyspace that fits in the caches.
pub const DEFAULT_KEYSPACE: u64 = 100_000;

/// Reactors benched by default.
pub const REACTORS: &[&str] = &["epoll", "uring"];

/// What to measure and how long.
#[derive(Clone, Debug)]
pub struct Options {
    /// Small runs, one round, nothing written.
    pub quick: bool,
    /// Interleaved rounds.
    pub rounds: usize,
    /// Sections to run.
    pub only: Vec<String>,
    /// Write BENCHMARKS.md and the chart.
    pub write: bool,
    /// Extra arguments for kevy-server (`--kevy-arg`).
    pub kevy_args: Vec<String>,
    /// kevy-server binaries given with labels (`--kevy-bin`); none: build one.
    pub kevy_bins: Vec<(String, PathBuf)>,
    /// kevy reactors (`--io` values), one server each per binary.
    pub reactors: Vec<String>,
    /// redis-benchmark tests to run, in `TESTS` order.
    pub commands: Vec<String>,
    /// Pipeline depths.
    pub depths: Vec<usize>,
    /// First port for servers (`--port-base`), the next one to try.
    pub next_port: Option<Cell<u16>>,
    /// Count system calls and context switches with perf.
    pub perf: bool,
    /// Keys drawn from (redis-benchmark's `-r`).
    pub keyspace: u64,
}

impl Options {
    /// Requests per run at pipeline depth `depth`.
    pub fn requests(&self, depth: usize) -> u64 {
        match (self.quick, depth) {
            (true, 1) => 30_000,
            (true, _) => 200_000,
            (false, 1) => 300_000,
            (false, _) => 2_000_000,
        }
    }

    /// Whether section `section` runs.
    pub fn wants(&self, section: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|s| s == section)
    }

    /// A port for a server: the next free one from `--port-base` on (at most
    /// 50 tried), or any free port.
    pub fn port(&self) -> Result<u16, String> {
        let Some(next) = &self.next_port else {
            return crate::procs::free_port();
        };
        for _ in 0..50 {
            let p = next.get();
            next.set(p.wrapping_add(1));
            if TcpListener::bind(("127.0.0.1", p)).is_ok() {
                return Ok(p);
            }
        }
        Err(format!("no free port below {}", next.get()))
    }
}

/// A comma-separated list, empty items dropped.
fn list(v: &str) -> Vec<String> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// `LABEL=PATH`, or a bare path labelled by its file name.
fn kevy_bin(v: &str) -> (String, PathBuf) {
    match v.split_once('=') {
        Some((label, path)) if !label.is_empty() && !label.contains('/') => {
            (label.to_string(), PathBuf::from(path))
        }
        _ => {
            let path = PathBuf::from(v);
            let label = path
                .file_name()
                .map_or("kevy".into(), |f| f.to_string_lossy().into_owned());
            (label, path)
        }
    }
}

/// Reads the flags (`only_memcached`: `cargo xtask bench-memcached`).
pub fn parse(args: &[String], only_memcached: bool) -> Result<Options, String> {
    let mut o = Options {
        quick: false,
        rounds: 5,
        only: Vec::new(),
        write: true,
        kevy_args: Vec::new(),
        kevy_bins: Vec::new(),
        reactors: REACTORS.iter().map(|r| r.to_string()).collect(),
        commands: TESTS.iter().map(|t| t.to_string()).collect(),
        depths: DEPTHS.to_vec(),
        next_port: None,
        perf: true,
        keyspace: DEFAULT_KEYSPACE,
    };
    let mut rounds = None;
    let mut force_write = false;
    let mut it = args.iter();
    let value = |flag: &str, it: &mut std::slice::Iter<String>| {
        it.next()
            .cloned()
            .ok_or_else(|| format!("bench: {flag} wants a value"))
    };
    while let Some(a) = it.next() {
        match a.as_str() {
            "--quick" => o.quick = true,
            "--no-write" => o.write = false,
            "--write" => force_write = true,
            "--no-perf" => o.perf = false,
            "--rounds" => {
                rounds = Some(
                    value(a, &mut it)?
                        .parse::<usize>()
                        .map_err(|_| "bench: --rounds wants a number")?,
                )
            }
            "--only" => o.only.push(value(a, &mut it)?),
            "--criterion" => o.only.push("criterion".into()),
            "--kevy-arg" => o.kevy_args.push(value(a, &mut it)?),
            "--kevy-bin" => o.kevy_bins.push(kevy_bin(&value(a, &mut it)?)),
            "--reactors" => o.reactors = list(&value(a, &mut it)?),
            "--commands" => o.commands = list(&value(a, &mut it)?),
            "--depths" => {
                o.depths = list(&value(a, &mut it)?)
                    .iter()
                    .map(|d| d.parse::<usize>().ok().filter(|&d| d > 0))
                    .collect::<Option<_>>()
                    .ok_or("bench: --depths wants positive numbers, e.g. 1,16")?
            }
            "--keyspace" => {
                o.keyspace = value(a, &mut it)?
                    .parse::<u64>()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or("bench: --keyspace wants a positive number")?
            }
            "--port-base" => {
                let p = value(a, &mut it)?
                    .parse::<u16>()
                    .map_err(|_| "bench: --port-base wants a port")?;
                o.next_port = Some(Cell::new(p));
            }
            other => return Err(format!("bench: unknown flag {other}")),
        }
    }
    if only_memcached {
        o.only = vec!["memcached".into()];
    }
    if o.quick && !force_write {
        o.write = false;
    }
    o.rounds = rounds.unwrap_or(if o.quick { 1 } else { 5 }).max(1);
    for s in &o.only {
        if !["redis", "pubsub", "memcached", "criterion"].contains(&s.as_str()) {
            return Err(format!(
                "bench: no section {s:?} (redis, pubsub, memcached, criterion)"
            ));
        }
    }
    for c in &o.commands {
        if !TESTS.contains(&c.as_str()) {
            return Err(format!("bench: no command {c:?} ({})", TESTS.join(", ")));
        }
    }
    // Run in the table's order whatever the order given.
    o.commands = TESTS
        .iter()
        .filter(|t| o.commands.iter().any(|c| c == *t))
        .map(|t| t.to_string())
        .collect();
    for r in &o.reactors {
        if !["epoll", "uring", "auto"].contains(&r.as_str()) {
            return Err(format!("bench: no reactor {r:?} (epoll, uring, auto)"));
        }
    }
    if o.commands.is_empty() || o.depths.is_empty() || o.reactors.is_empty() {
        return Err("bench: --commands, --depths and --reactors need one item at least".into());
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &str) -> Vec<String> {
        v.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn defaults_bench_everything_on_both_reactors() {
        let o = parse(&[], false).unwrap();
        assert_eq!(o.rounds, 5);
        assert!(o.write && o.perf && o.kevy_bins.is_empty());
        assert_eq!(o.reactors, ["epoll", "uring"]);
        assert_eq!(o.commands.len(), TESTS.len());
        assert_eq!(o.depths, [1, 16]);
        let q = parse(&args("--quick"), false).unwrap();
        assert_eq!((q.rounds, q.write), (1, false));
        assert!(parse(&args("--quick --write"), false).unwrap().write);
        assert_eq!(parse(&[], true).unwrap().only, ["memcached"]);
    }

    #[test]
    fn a_short_final_pass_is_chosen_by_flags() {
        let o = parse(
            &args(
                "--commands mget,set,mset --depths 16 --reactors uring --rounds 3 \
                 --kevy-bin before=/tmp/a --kevy-bin /x/kevy-after --port-base 7650 --no-perf",
            ),
            false,
        )
        .unwrap();
        // Put in the table's order.
        assert_eq!(o.commands, ["set", "mset", "mget"]);
        assert_eq!(o.depths, [16]);
        assert_eq!(o.reactors, ["uring"]);
        assert_eq!(o.rounds, 3);
        assert!(!o.perf);
        assert_eq!(
            o.kevy_bins,
            [
                ("before".to_string(), PathBuf::from("/tmp/a")),
                ("kevy-after".to_string(), PathBuf::from("/x/kevy-after"))
            ]
        );
        assert_eq!(o.next_port.as_ref().map(Cell::get), Some(7650));
    }

    #[test]
    fn bad_flags_are_refused() {
        for bad in [
            "--commands flushall",
            "--depths 0",
            "--depths x",
            "--reactors kqueue",
            "--rounds",
            "--only nothing",
            "--commands ,",
            "--frobnicate",
        ] {
            assert!(parse(&args(bad), false).is_err(), "{bad}");
        }
    }

    #[test]
    fn ports_come_from_the_base_on() {
        let o = parse(&args("--port-base 7690"), false).unwrap();
        let a = o.port().unwrap();
        let b = o.port().unwrap();
        assert!((7690..7740).contains(&a) && b > a);
    }
}
