//! The shard threads of the `kevy-server` binary: their scheduling
//! policy and the CPUs they run on (`--shard-sched`, `--shard-cpus`), and
//! a pinned shard letting go of a CPU a busy program keeps.

use std::process::Command;

use crate::binary::Binary;
use crate::util::Raw;

/// Returns once every shard of the server behind `c` runs: DBSIZE asks them
/// all, so its reply means each shard thread has started (named, placed and
/// under its policy). Listeners are bound before the threads start, so a
/// reply from one shard says nothing about the others.
fn every_shard_runs(c: &mut Raw) {
    let reply = c.call(&["DBSIZE"]);
    assert!(
        reply.starts_with(b":"),
        "{}",
        String::from_utf8_lossy(&reply)
    );
}

/// The `/proc/PID/task/TID` directories of process `pid`'s `kevy-shard-*`
/// threads, with their names, by name.
fn shard_tasks(pid: u32) -> Vec<(String, std::path::PathBuf)> {
    let mut found = Vec::new();
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).expect("tasks") {
        let dir = task.expect("task").path();
        let comm = std::fs::read_to_string(dir.join("comm")).unwrap_or_default();
        if comm.starts_with("kevy-shard-") {
            found.push((comm.trim().to_string(), dir));
        }
    }
    found.sort();
    found
}

/// The scheduling policy of each `kevy-shard-*` thread of process `pid`
/// (`/proc/PID/task/TID/stat` field 41: 0 SCHED_OTHER, 3 SCHED_BATCH).
fn shard_policies(pid: u32) -> Vec<u32> {
    let mut found = Vec::new();
    for (_, dir) in shard_tasks(pid) {
        let stat = std::fs::read_to_string(dir.join("stat")).expect("stat");
        let after = stat.rsplit_once(')').expect("comm ends").1;
        // Field 3 (state) is the first after the name.
        let policy = after.split_whitespace().nth(41 - 3).expect("policy");
        found.push(policy.parse().expect("a number"));
    }
    found
}

#[test]
fn shard_threads_run_under_the_scheduling_policy_asked_for() {
    for (flag, policy) in [("batch", 3), ("normal", 0)] {
        let bin = Binary::spawn_with(&["--port", "0", "--threads", "2", "--shard-sched", flag]);
        let mut c = Raw::connect(bin.addr);
        assert_eq!(
            c.call(&["CONFIG", "GET", "shard-sched"]),
            format!("*2\r\n$11\r\nshard-sched\r\n${}\r\n{flag}\r\n", flag.len()).as_bytes()
        );
        assert_eq!(c.call(&["SET", "k", "v"]), b"+OK\r\n");
        every_shard_runs(&mut c);
        assert_eq!(
            shard_policies(bin.pid()),
            vec![policy; 2],
            "--shard-sched {flag}"
        );
        assert_eq!(
            c.call(&["CONFIG", "SET", "shard-sched", "normal"]),
            b"-ERR CONFIG SET failed (possibly related to argument 'shard-sched') - can't set immutable config\r\n"
        );
        let (status, _) = bin.stop(libc::SIGTERM);
        assert!(status.success());
    }
    let out = Command::new(env!("CARGO_BIN_EXE_kevy-server"))
        .args(["--port", "0", "--shard-sched", "fifo"])
        .output()
        .expect("run kevy-server");
    assert!(!out.status.success(), "an unknown policy is refused");
}

/// The CPUs each `kevy-shard-*` thread of process `pid` may run on, by
/// shard (`Cpus_allowed_list` of `/proc/PID/task/TID/status`).
fn shard_cpus(pid: u32) -> Vec<(String, String)> {
    shard_tasks(pid)
        .into_iter()
        .map(|(name, dir)| {
            let status = std::fs::read_to_string(dir.join("status")).expect("status");
            (name, cpus_allowed(&status))
        })
        .collect()
}

/// The `Cpus_allowed_list` of a `/proc/…/status` text.
fn cpus_allowed(status: &str) -> String {
    status
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
        .expect("Cpus_allowed_list")
        .trim()
        .to_string()
}

#[test]
fn shard_threads_run_on_the_cpus_asked_for() {
    let all = cpus_allowed(&std::fs::read_to_string("/proc/self/status").expect("status"));
    let cases: Vec<(&[&str], Vec<String>)> = vec![
        // Anywhere: the process's own CPUs.
        (&["--shard-cpus", "any"], vec![all.clone(); 2]),
        // Redis's list: round robin over it.
        (&["--server_cpulist", "0"], vec!["0".into(); 2]),
        (&["--shard-cpus", "0"], vec!["0".into(); 2]),
    ];
    for (flags, want) in cases {
        let mut args = vec!["--port", "0", "--threads", "2"];
        args.extend_from_slice(flags);
        let bin = Binary::spawn_with(&args);
        let mut c = Raw::connect(bin.addr);
        assert_eq!(c.call(&["SET", "k", "v"]), b"+OK\r\n");
        every_shard_runs(&mut c);
        let got: Vec<String> = shard_cpus(bin.pid()).into_iter().map(|(_, l)| l).collect();
        assert_eq!(got, want, "{flags:?}");
        let (status, _) = bin.stop(libc::SIGTERM);
        assert!(status.success());
    }
    // The default: one CPU each, each its own, when the process may use
    // one CPU per shard; with more shards (or more CPUs) than that, the
    // kernel places them.
    let ncpus = kevy_rt::cpus::parse_cpu_list(&all).map_or(1, |l| l.len());
    for shards in [ncpus, ncpus + 1] {
        let n = shards.to_string();
        let bin = Binary::spawn_with(&["--port", "0", "--threads", &n]);
        let mut c = Raw::connect(bin.addr);
        assert_eq!(c.call(&["SET", "k", "v"]), b"+OK\r\n");
        every_shard_runs(&mut c);
        let got = shard_cpus(bin.pid());
        assert_eq!(got.len(), shards);
        if shards == ncpus && ncpus >= 2 {
            let mut one: Vec<&str> = got.iter().map(|(_, l)| l.as_str()).collect();
            assert!(one.iter().all(|l| l.parse::<usize>().is_ok()), "{got:?}");
            one.sort();
            one.dedup();
            assert_eq!(one.len(), shards, "each its own: {got:?}");
        } else {
            assert!(got.iter().all(|(_, l)| *l == all), "{shards}: {got:?}");
        }
        let (status, _) = bin.stop(libc::SIGTERM);
        assert!(status.success());
    }
    for bad in [["--shard-cpus", "3-1"], ["--server_cpulist", "x"]] {
        let out = Command::new(env!("CARGO_BIN_EXE_kevy-server"))
            .args(["--port", "0"])
            .args(bad)
            .output()
            .expect("run kevy-server");
        assert!(!out.status.success(), "{bad:?} is refused");
    }
}

/// A shard pinned by default lets go of its CPU while a busy loop keeps
/// it waiting there, and takes it again once the loop ends (`cpus/watch.rs`:
/// beside a busy program a pinned `SCHED_BATCH` shard waited a scheduler
/// tick for each request). Bounded waits only: the watch looks on the
/// shard's tick, and pins again after a back-off of a second or more.
#[test]
fn a_pinned_shard_lets_go_of_a_busy_cpu_and_takes_it_back_later() {
    let all = cpus_allowed(&std::fs::read_to_string("/proc/self/status").expect("status"));
    let ncpus = kevy_rt::cpus::parse_cpu_list(&all).map_or(1, |l| l.len());
    if !(2..=8).contains(&ncpus) {
        // Pinned only with one CPU per shard: a few shards at most here.
        return;
    }
    let n = ncpus.to_string();
    let bin = Binary::spawn_with(&["--port", "0", "--threads", &n]);
    let mut c = Raw::connect(bin.addr);
    every_shard_runs(&mut c);
    let first = shard_cpus(bin.pid());
    let (name, cpu) = first[0].clone();
    let cpu: usize = cpu.parse().expect("pinned to one CPU");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let busy = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            // SAFETY: an all-zero `cpu_set_t` is a valid empty set; `cpu`
            // is one of the process's CPUs, below the set's capacity; the
            // call only reads the set, for the calling thread (pid 0).
            unsafe {
                let mut set: libc::cpu_set_t = std::mem::zeroed();
                libc::CPU_SET(cpu, &mut set);
                libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
            }
            let mut x = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                x = std::hint::black_box(x.wrapping_add(1));
            }
        })
    };
    // Requests keep every shard waking (DBSIZE asks each one).
    let mut released = false;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::time::Instant::now() < deadline {
        every_shard_runs(&mut c);
        let now = shard_cpus(bin.pid());
        if now.iter().any(|(n, l)| *n == name && *l == all) {
            released = true;
            break;
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    busy.join().expect("busy loop");
    assert!(released, "{name} stayed on CPU {cpu} beside a busy loop");
    let mut back = false;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::time::Instant::now() < deadline {
        every_shard_runs(&mut c);
        if shard_cpus(bin.pid()) == first {
            back = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(
        back,
        "{name} did not take CPU {cpu} back: {:?}",
        shard_cpus(bin.pid())
    );
    let (status, _) = bin.stop(libc::SIGTERM);
    assert!(status.success());
}

/// `--txn-spin-us`: how long a shard taking part in EXEC or a script over
/// both shards polls before it sleeps. Off or long, such operations give
/// the same answers; the setting is fixed at start, and a value out of
/// range is refused.
#[test]
fn transactions_over_both_shards_answer_the_same_whatever_the_shards_spin() {
    let (a, b) = (
        crate::util::key_on(0, "spin:a"),
        crate::util::key_on(1, "spin:b"),
    );
    let script = "redis.call('incr', KEYS[1]); return redis.call('incrby', KEYS[2], 2)";
    for spin in ["0", "1000"] {
        let bin = Binary::spawn_with(&["--port", "0", "--threads", "2", "--txn-spin-us", spin]);
        let mut c = Raw::connect(bin.addr);
        assert_eq!(
            c.call(&["CONFIG", "GET", "txn-spin-us"]),
            format!("*2\r\n$11\r\ntxn-spin-us\r\n${}\r\n{spin}\r\n", spin.len()).as_bytes()
        );
        for i in 1..=50 {
            assert_eq!(c.call(&["MULTI"]), b"+OK\r\n");
            assert_eq!(c.call(&["INCR", &a]), b"+QUEUED\r\n");
            assert_eq!(c.call(&["INCR", &b]), b"+QUEUED\r\n");
            assert_eq!(
                c.call(&["EXEC"]),
                format!("*2\r\n:{}\r\n:{}\r\n", 2 * i - 1, 3 * i - 2).as_bytes(),
                "EXEC {i}, --txn-spin-us {spin}"
            );
            assert_eq!(
                c.call(&["EVAL", script, "2", &a, &b]),
                format!(":{}\r\n", 3 * i).as_bytes(),
                "EVAL {i}, --txn-spin-us {spin}"
            );
        }
        assert_eq!(
            c.call(&["CONFIG", "SET", "txn-spin-us", "5"]),
            b"-ERR CONFIG SET failed (possibly related to argument 'txn-spin-us') - can't set immutable config\r\n"
        );
        let (status, _) = bin.stop(libc::SIGTERM);
        assert!(status.success());
    }
    let out = Command::new(env!("CARGO_BIN_EXE_kevy-server"))
        .args(["--port", "0", "--txn-spin-us", "-1"])
        .output()
        .expect("run kevy-server");
    assert!(!out.status.success(), "a negative spin is refused");
}
