//! `cargo xtask bench`: the benchmark kevy is judged by.
//!
//! ```text
//! cargo xtask bench [--quick] [--rounds N] [--only redis|pubsub|memcached|criterion]… [--no-write|--write]
//!                   [--kevy-arg ARG]…   (e.g. `--kevy-arg --io --kevy-arg uring`)
//! cargo xtask bench-memcached [--quick] [--rounds N]   (= bench --only memcached)
//! ```
//!
//! - **redis**: release `kevy-server --threads 2` and `redis-server` 7.0
//!   (`--save '' --appendonly no`) on free ports, driven by `redis-benchmark`
//!   (`-c 50 --threads 2 -r 100000`, pipelines 1 and 16, one test per run) in
//!   interleaved rounds — the two servers alternate run by run and swap who goes
//!   first every round, so drifting machine load hits both alike.
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

mod chart;
mod criterion;
pub mod loadgen;
mod memcached;
mod pubsub;
mod redis;
mod report;

use std::path::PathBuf;

use crate::run_cmd;
pub use loadgen::Rng;

use crate::stats::Summary;
use crate::tools::{cargo, ensure_memcached, ensure_redis, root, target_dir};

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

    fn wants(&self, section: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|s| s == section)
    }
}

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
    let mut o = Options {
        quick: false,
        rounds: 5,
        only: Vec::new(),
        write: true,
        kevy_args: Vec::new(),
    };
    let mut rounds = None;
    let mut force_write = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--quick" => o.quick = true,
            "--no-write" => o.write = false,
            "--write" => force_write = true,
            "--rounds" => {
                rounds = Some(
                    it.next()
                        .and_then(|v| v.parse().ok())
                        .ok_or("--rounds wants a number")?,
                )
            }
            "--only" => o.only.push(
                it.next()
                    .ok_or("--only wants redis, memcached or criterion")?
                    .clone(),
            ),
            "--criterion" => o.only.push("criterion".into()),
            "--kevy-arg" => o
                .kevy_args
                .push(it.next().ok_or("--kevy-arg wants a value")?.clone()),
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
        eprintln!("xtask bench: building release binaries");
        run_cmd(cargo().current_dir(&root).args([
            "build",
            "--release",
            "-p",
            "kevy-server",
            "-p",
            "memcached",
        ]))?;
    }
    let release = target.join("release");
    let mut charts: Vec<(String, Vec<Row>)> = Vec::new();
    if o.wants("redis") {
        let rows = redis::compare(&o, &release.join("kevy-server"))?;
        let t = table(&rows, "redis");
        println!(
            "\nkevy-server vs redis-server 7.0 (medians of {} round(s)):\n\n{t}",
            o.rounds
        );
        report.set("redis", &report::redis_section(&o, &t));
        charts.push(("kevy-server / redis-server".into(), rows));
    }
    if o.wants("pubsub") {
        let rows = pubsub::compare(&o, &release.join("kevy-server"))?;
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
