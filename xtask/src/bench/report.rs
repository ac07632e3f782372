//! `BENCHMARKS.md`: a page of sections, each between `<!-- xtask:NAME -->`
//! and `<!-- /xtask:NAME -->`, so each part of `cargo xtask bench` replaces
//! its own section and keeps the others.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::Options;

const SECTIONS: &[&str] = &["machine", "redis", "memcached", "criterion"];

const INTRO: &str = "# kevy benchmarks

Reproduce with `cargo xtask bench` (a few minutes of both cores; `--quick` for a
smoke run that writes nothing, `--only redis|memcached|criterion` for one part).
The end-to-end numbers come from interleaved rounds — kevy and the reference
server alternate run by run, swapping who goes first each round — so both see
the same background load; the **ratios** are what to read, the absolute figures
move with whatever else the machine does (other builds share this machine).
Throughput is requests over the time the server was busy with the run (its CPU
time is sampled every millisecond: redis-benchmark's threads only notice the
end of a run on a 250 ms timer, so its own figure, and its exit, are
quantised); for the memcached load generator, over the generator's own timing.
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

/// The kevy-server vs redis-server section.
pub fn redis_section(o: &Options, table: &str) -> String {
    format!(
        "## kevy-server vs redis-server\n\n\
         `kevy-server --threads 2` and `redis-server --save '' --appendonly no`, each\n\
         driven by `redis-benchmark -c 50 --threads 2 -r 100000 -P <1|16> -t <command>`\n\
         ({} requests per run at `-P 1`, {} at `-P 16`); medians of {} interleaved rounds,\n\
         measured {}. A command kevy does not implement yet shows n/a.\n\n\
         ![kevy ÷ redis ratios](docs/bench-ratios.svg)\n\n{table}",
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
