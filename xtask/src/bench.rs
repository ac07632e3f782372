//! `cargo xtask bench`: the benchmark kevy is judged by.
//!
//! ```text
//! cargo xtask bench [--quick] [--rounds N] [--only redis|pubsub|memcached|criterion]… [--no-write|--write]
//!                   [--kevy-arg ARG]…   (e.g. `--kevy-arg --maxclients --kevy-arg 20000`)
//!                   [--kevy-bin [LABEL=]PATH]…  [--reactors epoll,uring]
//!                   [--commands set,get,mset,…] [--depths 1,16] [--port-base N] [--no-perf]
//! cargo xtask bench-memcached [--quick] [--rounds N]   (= bench --only memcached)
//! ```
//! (flags in `args`).
//!
//! - **redis**: release `kevy-server --threads 2`, one per reactor (`--io
//!   epoll`, `--io uring`) and per binary (`--kevy-bin`: e.g. a session's
//!   starting build against its final one; default: build this tree's), and
//!   `redis-server` 7.0 (`--save '' --appendonly no`) on free ports, driven by
//!   `redis-benchmark` (`-c 50 --threads 2 -r 100000` or `--keyspace N`, pipelines 1 and 16, one
//!   test per run: SET, GET, INCR, LPUSH, HSET, MSET and ten-key MGET, EXISTS,
//!   DEL) in interleaved rounds — every server runs each test in turn and the
//!   order rotates every round, so drifting machine load hits all alike. Each
//!   run's system calls and context switches are counted by `perf stat` where
//!   it works (`perf`).
//! - **memcached**: the memcached example against Debian's `memcached -t 2`
//!   under the same load from a small pipelining load generator (`loadgen`).
//! - **pubsub**: PUBLISH fan-out to 50 subscribers of one channel, kevy-server
//!   against redis-server (printed, not written).
//! - **criterion**: the runtime's and command set's micro-benchmarks.
//!
//! Throughput is timed here, not taken from redis-benchmark: its threads only
//! notice the end of a run on a 250 ms timer, so its figure — and even its
//! process lifetime — is quantised. The server's CPU is sampled every
//! millisecond (`/proc/<pid>/task/*/schedstat`) and a run's time is the span in
//! which the server was busy (`procs::busy_window`). Server CPU per request is
//! its CPU time over the run divided by the requests. (The memcached load
//! generator is ours, so it times itself.) Tables show medians over the rounds and kevy/other ratios,
//! and for redis-benchmark runs the medians of its p50/p99/p99.9 latencies (read from its
//! percentile distribution).
//! Unless `--quick` (without `--write`) or `--no-write`, results go to `BENCHMARKS.md` (each
//! section replaced on its own) and the chart to `docs/bench-ratios.svg`.

mod args;
mod chart;
mod criterion;
pub mod loadgen;
mod memcached;
mod perf;
mod pubsub;
mod redis;
mod report;
mod versus;

use std::path::PathBuf;

use crate::run_cmd;
pub use args::Options;
pub use loadgen::Rng;

use crate::stats::Summary;
use crate::tools::{cargo, ensure_memcached, ensure_redis, root, target_dir};

/// One line of a comparison table: a workload, kevy's and the other server's
/// medians (kevy's absent when it cannot run the workload).
#[derive(Clone, Debug)]
pub struct Row {
    /// The command or workload.
    pub test: String,
    /// Pipeline depth.
    pub depth: usize,
    /// kevy's medians.
    pub kevy: Option<Summary>,
    /// The reference server's medians.
    pub other: Summary,
}

impl Row {
    /// kevy's throughput over the other's.
    pub fn rps_ratio(&self) -> Option<f64> {
        self.kevy.map(|k| k.rps / self.other.rps)
    }

    /// kevy's CPU per request over the other's (below 1: kevy does less work).
    pub fn cpu_ratio(&self) -> Option<f64> {
        self.kevy
            .filter(|_| self.other.cpu_us > 0.0)
            .map(|k| k.cpu_us / self.other.cpu_us)
    }
}

/// The comparison table, as Markdown; with latency columns (p50/p99/p99.9 in
/// ms) when the runs measured them.
pub fn table(rows: &[Row], other: &str) -> String {
    let lat = rows.iter().any(|r| r.other.lat.is_some());
    let mut t = format!(
        "| command | pipeline | kevy req/s | {other} req/s | kevy/{other} | kevy CPU µs/req | {other} CPU µs/req | kevy/{other} CPU |"
    );
    if lat {
        t += &format!(" kevy p50/p99/p99.9 ms | {other} p50/p99/p99.9 ms |");
    }
    t += "\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |";
    if lat {
        t += " ---: | ---: |";
    }
    t += "\n";
    let lat_cell = |l: Option<crate::stats::Latency>| {
        l.map_or("n/a".into(), |l| {
            format!("{:.3} / {:.3} / {:.3}", l.p50, l.p99, l.p999)
        })
    };
    for r in rows {
        let (k_rps, k_cpu) = match r.kevy {
            Some(k) => (format!("{:.0}", k.rps), format!("{:.2}", k.cpu_us)),
            None => ("n/a (not implemented)".into(), "n/a".into()),
        };
        let ratio = |v: Option<f64>| v.map_or("n/a".into(), |v| format!("{v:.2}"));
        t += &format!(
            "| {} | {} | {k_rps} | {:.0} | {} | {k_cpu} | {:.2} | {} |",
            r.test,
            r.depth,
            r.other.rps,
            ratio(r.rps_ratio()),
            r.other.cpu_us,
            ratio(r.cpu_ratio())
        );
        if lat {
            t += &format!(
                " {} | {} |",
                lat_cell(r.kevy.and_then(|k| k.lat)),
                lat_cell(r.other.lat)
            );
        }
        t += "\n";
    }
    t
}

/// Parses flags and runs the chosen sections.
pub fn run(args: &[String], only_memcached: bool) -> Result<(), String> {
    let o = args::parse(args, only_memcached)?;
    let root = root();
    let target = target_dir();
    let mut report = report::Report::load(&root.join("BENCHMARKS.md"));
    if o.wants("redis") || o.wants("pubsub") || o.wants("memcached") {
        if o.wants("redis") || o.wants("pubsub") {
            ensure_redis()?;
        }
        if o.wants("memcached") {
            ensure_memcached()?;
        }
        let mut build = cargo();
        build.current_dir(&root).args(["build", "--release"]);
        if o.kevy_bins.is_empty() {
            build.args(["-p", "kevy-server"]);
        }
        if o.wants("memcached") {
            build.args(["-p", "memcached"]);
        }
        if o.kevy_bins.is_empty() || o.wants("memcached") {
            eprintln!("xtask bench: building release binaries");
            run_cmd(&mut build)?;
        }
    }
    let release = target.join("release");
    let kevy_bins = if o.kevy_bins.is_empty() {
        vec![("kevy".to_string(), release.join("kevy-server"))]
    } else {
        o.kevy_bins.clone()
    };
    let mut charts: Vec<(String, Vec<Row>)> = Vec::new();
    if o.wants("redis") {
        let v = redis::compare(&o, &kevy_bins)?;
        let t = v.table();
        println!(
            "\nkevy-server vs redis-server 7.0 (medians of {} round(s)):\n\n{t}",
            o.rounds
        );
        report.set("redis", &report::redis_section(&o, &v.servers, &t));
        for i in v.kevys() {
            charts.push((
                format!("kevy-server ({}) / redis-server", v.servers[i]),
                v.rows(i),
            ));
        }
    }
    if o.wants("pubsub") {
        let rows = pubsub::compare(&o, &kevy_bins[0].1)?;
        println!(
            "\nPUBLISH to {} subscribers, kevy-server vs redis-server 7.0 (medians of {} round(s)):\n\n{}",
            pubsub::SUBSCRIBERS,
            o.rounds,
            table(&rows, "redis")
        );
    }
    if o.wants("memcached") {
        let rows = memcached::compare(&o, &release.join("memcached"))?;
        let t = table(&rows, "memcached");
        println!(
            "\nkevy memcached example vs memcached 1.6 (medians of {} round(s)):\n\n{t}",
            o.rounds
        );
        report.set("memcached", &report::memcached_section(&o, &t));
        charts.push(("kevy memcached example / memcached".into(), rows));
    }
    if o.wants("criterion") {
        let t = criterion::run(&o, &root, &target)?;
        println!("\ncriterion (kevy-rt/benches/rt.rs, kevy-commands/benches/dispatch.rs):\n\n{t}");
        report.set("criterion", &report::criterion_section(&t));
    }
    if o.write {
        if !charts.is_empty() && o.wants("redis") {
            let svg: PathBuf = root.join("docs").join("bench-ratios.svg");
            std::fs::create_dir_all(root.join("docs")).map_err(|e| e.to_string())?;
            chart::ratios(&svg, &charts)?;
            eprintln!("xtask bench: wrote {}", svg.display());
        }
        report.set("machine", &report::machine_section());
        report.save()?;
        eprintln!("xtask bench: wrote {}", report.path().display());
    }
    Ok(())
}
