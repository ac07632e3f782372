//! Real Node.js applications against kevy with 2 shards
//! (`clients/node/script.js`): BullMQ processing 10,000 jobs with 4 workers
//! (delayed jobs, jobs that fail and are retried), in a hash-tagged queue
//! and in a queue whose keys spread over both shards (its scripts touch
//! undeclared keys on the other shard); redlock v5 taking a lock on two
//! resources that live on different shards.
//!
//! Needs `node` and the project's packages: `npm ci --prefix
//! kevy-server/tests/it/clients/node` (`.ci/run` and `cargo xtask test` run it).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{app_lines, kevy, line_value as value, shard_of};

/// The Node project's directory.
fn project() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/clients/node")
}

/// Runs `node script.js port args…`, returning its `name value` lines;
/// fails loudly when the packages are not installed or the script fails.
fn node(port: u16, args: &[&str]) -> Vec<(String, String)> {
    let dir = project();
    assert!(
        dir.join("node_modules/bullmq").is_dir(),
        "the Node packages are not installed: run `npm ci --prefix {}`",
        dir.display()
    );
    app_lines(
        Command::new("node")
            .arg(dir.join("script.js"))
            .arg(port.to_string())
            .args(args),
        &format!("node script.js {args:?}"),
        "the Node client tests need it: apt-get install nodejs npm",
    )
}

/// The BullMQ run's checks: `jobs` jobs, every one completed exactly once,
/// the planned failures retried, no delayed job run early.
fn check_bullmq(lines: &[(String, String)], jobs: u32) {
    let failures: u32 = (0..jobs)
        .map(|i| match i {
            i if i % 39 == 0 => 2,
            i if i % 13 == 0 => 1,
            _ => 0,
        })
        .sum();
    let jobs_s = jobs.to_string();
    assert_eq!(value(lines, "jobs"), jobs_s);
    assert_eq!(value(lines, "completed"), jobs_s);
    assert_eq!(value(lines, "exactly_once"), jobs_s);
    assert_eq!(value(lines, "runs"), (jobs + failures).to_string());
    assert_eq!(value(lines, "expected_runs"), (jobs + failures).to_string());
    assert_eq!(value(lines, "failed_attempts"), failures.to_string());
    assert_eq!(
        value(lines, "delayed_jobs_checked"),
        jobs.div_ceil(10).to_string()
    );
    assert_eq!(value(lines, "delayed_too_early"), "0");
    assert_eq!(
        value(lines, "counts"),
        format!("completed={jobs} failed=0 delayed=0 wait=0 active=0")
    );
    assert!(!lines.iter().any(|(k, _)| k == "FAILED"), "{lines:?}");
}

/// 10,000 jobs under the `{bull}` prefix, as BullMQ's docs set a queue up
/// for Redis Cluster: every key of the queue on one shard, so its scripts
/// run in shard mode.
#[test]
fn bullmq_runs_every_job_exactly_once() {
    let server = kevy();
    let lines = node(server.addr().port(), &["bullmq", "10000", "{bull}"]);
    check_bullmq(&lines, 10_000);
    assert_eq!(value(&lines, "retried_jobs"), "770");
    server.stop();
}

/// The default `bull` prefix spreads a queue's keys over both shards: its
/// scripts touch undeclared keys on the other shard (global mode, each
/// remote call suspending the script until its reply is in; see
/// ARCHITECTURE.md, "Scripts"), BullMQ's delayed-job promotion among them.
#[test]
fn bullmq_with_keys_on_both_shards() {
    let server = kevy();
    let lines = node(server.addr().port(), &["bullmq", "10000"]);
    check_bullmq(&lines, 10_000);
    assert_eq!(value(&lines, "retried_jobs"), "770");
    server.stop();
}

#[test]
fn redlock_locks_resources_on_both_shards() {
    let a = "lock:orders";
    let b = (0..)
        .map(|i| format!("lock:stock{i}"))
        .find(|k| shard_of(k) != shard_of(a))
        .expect("a key on the other shard");
    let server = kevy();
    let lines = node(server.addr().port(), &["redlock", a, &b]);
    assert_eq!(value(&lines, "redlock_acquired"), "200");
    assert_eq!(value(&lines, "redlock_extended"), "40");
    assert_eq!(value(&lines, "redlock_overlaps"), "0");
    assert_eq!(value(&lines, "redlock_counter"), "200");
    assert_eq!(value(&lines, "redlock_refused"), "1");
    assert_eq!(value(&lines, "redlock_left"), "0");
    server.stop();
}
