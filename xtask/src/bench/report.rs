//! `BENCHMARKS.md`: a page of sections, each between `<!-- xtask:NAME -->`
//! and `<!-- /xtask:NAME -->`, so each part of `cargo xtask bench` replaces
//! its own section and keeps the others.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::Options;

const SECTIONS: &[&str] = &["machine", "redis", "memcached", "criterion"];

const INTRO: &str = "# kevy benchmarks

Reproduce with `cargo xtask bench` (a few minutes of both cores; `--quick` for a
smoke run that writes nothing, `--only redis|memcached|criterion` for one part;
`--commands`, `--depths`, `--reactors`, `--kevy-bin LABEL=PATH` to choose; see
`xtask/src/bench/args.rs`).
The end-to-end numbers come from interleaved rounds — kevy and the reference
server alternate run by run, swapping who goes first each round — so both see
the same background load; the **ratios** are what to read, the absolute figures
move with whatever else the machine does (other builds share this machine).
Throughput is requests over the time the server was busy with the run (its CPU
time, and the time its threads waited for a CPU, are sampled every millisecond:
redis-benchmark's threads only notice the end of a run on a 250 ms timer, so its
own figure, and its exit, are quantised); for the memcached load generator, over
the generator's own timing.
CPU per request is the server's user + system time over the run (summed over
its threads' `/proc/<pid>/task/*/schedstat`) divided by its requests. Load
generators share the same two cores as the servers.
";

/// The page, section by section.
pub struct Report {
    path: PathBuf,
    text: String,
}

fn markers(name: &str) -> (String, String) {
    (
        format!("<!-- xtask:{name} -->"),
        format!("<!-- /xtask:{name} -->"),
    )
}

impl Report {
    /// The page at `path`, or a new one with empty sections.
    pub fn load(path: &Path) -> Report {
        let mut text = std::fs::read_to_string(path).unwrap_or_default();
        // The introduction is this file's to keep current: replace whatever
        // precedes the first section.
        text = match text.find("<!-- xtask:") {
            Some(first) => format!("{INTRO}\n{}", &text[first..]),
            None => INTRO.to_string(),
        };
        for name in SECTIONS {
            let (open, close) = markers(name);
            if !text.contains(&open) {
                text += &format!(
                    "\n{open}\n_Not measured yet: `cargo xtask bench --only {name}`._\n{close}\n"
                );
            }
        }
        Report {
            path: path.to_path_buf(),
            text,
        }
    }

    /// Where it is saved.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Replaces section `name` with `body`.
    pub fn set(&mut self, name: &str, body: &str) {
        let (open, close) = markers(name);
        if let (Some(a), Some(b)) = (self.text.find(&open), self.text.find(&close)) {
            if a < b {
                self.text
                    .replace_range(a + open.len()..b, &format!("\n{}\n", body.trim_end()));
            }
        }
    }

    /// Writes the page.
    pub fn save(&self) -> Result<(), String> {
        std::fs::write(&self.path, &self.text).map_err(|e| format!("{}: {e}", self.path.display()))
    }
}

fn sh(cmd: &str) -> String {
    Command::new("sh")
        .args(["-c", cmd])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

fn today() -> String {
    sh("date -u +%Y-%m-%d")
}

/// Facts about the machine the numbers come from.
pub fn machine_section() -> String {
    let cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-");
    let mem = sh("awk '/MemTotal/ {printf \"%.1f GiB\", $2/1048576}' /proc/meminfo");
    format!(
        "## Machine\n\n\
         | | |\n| --- | --- |\n\
         | last run | {} |\n| CPU | {} × {} |\n| memory | {} |\n| kernel | {} |\n\
         | rustc | {} |\n| redis-server | {} |\n| memcached | {} |\n",
        today(),
        sh("nproc"),
        if cpu.is_empty() {
            "unknown".into()
        } else {
            cpu
        },
        mem,
        sh("uname -r"),
        sh("rustc --version"),
        sh("redis-server --version | cut -d' ' -f3"),
        sh("memcached -V"),
    )
}

/// The kevy-server vs redis-server section (`servers`: the table's labels).
pub fn redis_section(o: &Options, servers: &[String], table: &str) -> String {
    let kevys = servers[..servers.len().saturating_sub(1)].join("`, `");
    let bins = if o.kevy_bins.is_empty() {
        "this tree's release build".to_string()
    } else {
        o.kevy_bins
            .iter()
            .map(|(label, path)| format!("{label} = `{}`", path.display()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "## kevy-server vs redis-server\n\n\
         `kevy-server --threads 2 --io <reactor>` (`{kevys}`: binary, reactor; binaries:\n\
         {bins}) and `redis-server --save '' --appendonly no`, each driven by\n\
         `redis-benchmark -c 50 --threads 2 -r {} -P <depth>` with `-t <command>`, or\n\
         for mget, exists and del a custom command of 10 random `key:__rand_int__` keys\n\
         (over both shards; the keyspace filled by MSETs first, refilled after each DEL run).\n\
         {} requests per run at `-P 1`, {} at `-P 16` (a quarter of that for the 10-key\n\
         commands); medians of {} interleaved rounds, measured {}. ÷ redis: the ratio to\n\
         redis-server's figure in the same rounds. syscalls and context switches per request:\n\
         `perf stat -e raw_syscalls:sys_enter,context-switches -p <pid>` over the run (n/a\n\
         where perf could not count). Latencies: redis-benchmark's percentile distribution\n\
         (depth 1 is the one to read; at 16 a request waits for its batch).\n\
         A command kevy does not implement shows n/a.\n\n\
         ![kevy ÷ redis ratios](docs/bench-ratios.svg)\n\n{table}",
        o.keyspace,
        o.requests(1),
        o.requests(16),
        o.rounds,
        today()
    )
}

/// The memcached example vs memcached section.
pub fn memcached_section(o: &Options, table: &str) -> String {
    format!(
        "## The memcached example vs memcached\n\n\
         `examples/memcached -t 2` (kevy-rt with a memcached text-protocol command set)\n\
         and Debian's `memcached -t 2`, under xtask's load generator: 50 connections\n\
         over 2 threads, 32-byte values, 100 000 random keys, pipelines of 1 and 16\n\
         ({} requests per run at depth 1, {} at 16); medians of {} interleaved rounds,\n\
         measured {}.\n\n{table}",
        o.requests(1),
        o.requests(16),
        o.rounds,
        today()
    )
}

/// The criterion section.
pub fn criterion_section(table: &str) -> String {
    format!(
        "## Micro-benchmarks (criterion)\n\n\
         `cargo bench -p kevy-rt --bench rt` (RESP decoding, rings) and\n\
         `cargo bench -p kevy-commands --bench dispatch` (verb lookup, GET/SET on a\n\
         shard); mean time per iteration, measured {}.\n\n{table}",
        today()
    )
}
