//! kevy-server against redis-server, both driven by `redis-benchmark`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::perf::PerfStat;
use super::versus::{Cell, Versus};
use super::Options;
use crate::procs::{ask, resp_ready, run_timed, Server};
use crate::stats::{summarize, Latency, Run};

/// redis-benchmark tests, in the order they run (SET before GET so GETs hit;
/// MSET, then the multi-key reads, DEL last).
pub const TESTS: &[&str] = &[
    "set", "get", "incr", "lpush", "hset", "mset", "mget", "exists", "del",
];
/// Pipeline depths.
pub const DEPTHS: &[usize] = &[1, 16];
/// Keys per multi-key command (redis-benchmark's MSET has 10).
const MULTI_KEYS: usize = 10;
/// Tests that read or delete the keys MSET writes: they run on a keyspace
/// filled first (and DEL empties it, so it is filled again before the next).
const NEED_KEYS: &[&str] = &["mget", "exists", "del"];
/// MSETs of the fill: three random keys per key of the keyspace (`-r`,
/// `--keyspace`), so ~95% of the keys exist.
fn fill(o: &Options) -> u64 {
    3 * o.keyspace / MULTI_KEYS as u64
}

/// Ten-key tests run a quarter of the requests (each is ten keys' work).
fn requests(o: &Options, test: &str, depth: usize) -> u64 {
    let n = o.requests(depth);
    if test == "mset" || NEED_KEYS.contains(&test) {
        n / 4
    } else {
        n
    }
}

/// redis-benchmark's arguments for `test`: `-t test` for its own tests, a
/// custom command of ten random keys (each `__rand_int__` drawn on its own,
/// the same `key:…` names as MSET's) for the others.
pub fn load_args(test: &str) -> Vec<String> {
    if NEED_KEYS.contains(&test) {
        std::iter::once(test.to_string())
            .chain(std::iter::repeat_n(
                "key:__rand_int__".to_string(),
                MULTI_KEYS,
            ))
            .collect()
    } else {
        vec!["-t".into(), test.into()]
    }
}

/// A command of each test, to ask kevy whether it implements it.
fn probe(test: &str) -> &'static [u8] {
    match test {
        "lpush" => b"*3\r\n$5\r\nLPUSH\r\n$14\r\nxtask:probe:ls\r\n$1\r\nx\r\n",
        "hset" => b"*4\r\n$4\r\nHSET\r\n$14\r\nxtask:probe:hs\r\n$1\r\nf\r\n$1\r\nv\r\n",
        "mset" => b"*3\r\n$4\r\nMSET\r\n$14\r\nxtask:probe:ms\r\n$1\r\nv\r\n",
        "mget" => b"*2\r\n$4\r\nMGET\r\n$14\r\nxtask:probe:mg\r\n",
        "exists" => b"*2\r\n$6\r\nEXISTS\r\n$14\r\nxtask:probe:ex\r\n",
        "del" => b"*2\r\n$3\r\nDEL\r\n$14\r\nxtask:probe:dl\r\n",
        "incr" => b"*2\r\n$4\r\nINCR\r\n$14\r\nxtask:probe:in\r\n",
        "get" => b"*2\r\n$3\r\nGET\r\n$14\r\nxtask:probe:gt\r\n",
        _ => b"*3\r\n$3\r\nSET\r\n$14\r\nxtask:probe:st\r\n$1\r\nv\r\n",
    }
}

/// True unless the server answers the test's command with an error.
fn implements(server: &Server, test: &str) -> bool {
    let Ok(mut s) = std::net::TcpStream::connect(server.addr) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    !ask(&mut s, probe(test), b"-")
}

pub(super) fn start_kevy(o: &Options, bin: &Path, extra: &[String]) -> Result<Server, String> {
    let port = o.port()?;
    let mut args = crate::procs::kevy_flags(port);
    args.extend_from_slice(extra);
    Server::start(
        &format!("kevy-server {}", bin.display()),
        bin,
        &args,
        port,
        resp_ready,
    )
}

pub(super) fn start_redis(o: &Options) -> Result<Server, String> {
    let port = o.port()?;
    let args = [
        "--port",
        &port.to_string(),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
    ];
    Server::start(
        "redis-server",
        Path::new("redis-server"),
        &args.map(String::from),
        port,
        resp_ready,
    )
}

/// One redis-benchmark run of `test` at `depth` against `server`, its system
/// calls and context switches counted while `perf` (cleared when perf fails).
fn bench(
    server: &mut Server,
    test: &str,
    depth: usize,
    (n, keyspace): (u64, u64),
    perf: &mut bool,
) -> Result<Run, String> {
    let mut cmd = Command::new("redis-benchmark");
    cmd.args(["-h", "127.0.0.1", "-p", &server.addr.port().to_string()])
        .args(["-c", "50", "-n", &n.to_string(), "-P", &depth.to_string()])
        // Not `-q`: the full report has the latency distribution.
        .args(["-r", &keyspace.to_string(), "--threads", "2"])
        .args(load_args(test));
    let counter = if *perf {
        let p = PerfStat::start(server.pid());
        if p.is_none() {
            eprintln!("xtask bench: perf stat cannot count here; no system call counts");
            *perf = false;
        }
        p
    } else {
        None
    };
    let timed = run_timed(&mut cmd, server.pid(), Duration::from_secs(300))?;
    let counts = counter.and_then(PerfStat::stop);
    let out = &timed.output;
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    if !out.status.success() || !server.alive() {
        return Err(format!(
            "redis-benchmark {test} -P {depth} against {} failed: {text}",
            server.name
        ));
    }
    if text.contains("ERR") || text.contains("Error") {
        return Err(format!(
            "{} answered {test} with errors: {text}",
            server.name
        ));
    }
    Ok(Run {
        ops: n,
        secs: timed.busy.as_secs_f64(),
        cpu: timed.cpu.as_secs_f64(),
        lat: Latency::parse_redis_benchmark(&text),
        counts,
    })
}

/// Starts a kevy-server per binary and reactor, then redis-server (last).
fn start_all(
    o: &Options,
    bins: &[(String, PathBuf)],
) -> Result<(Vec<Server>, Vec<String>), String> {
    let mut servers = Vec::new();
    let mut labels = Vec::new();
    for (label, bin) in bins {
        for reactor in &o.reactors {
            let mut args = vec!["--io".to_string(), reactor.clone()];
            args.extend_from_slice(&o.kevy_args);
            servers.push(start_kevy(o, bin, &args)?);
            labels.push(format!("{label} {reactor}"));
        }
    }
    servers.push(start_redis(o)?);
    labels.push("redis".into());
    Ok((servers, labels))
}

/// Runs the chosen tests at the chosen depths for `o.rounds` interleaved
/// rounds on every kevy binary and reactor and on redis-server: within a
/// round each command and depth runs on every server in turn, the order
/// rotated round by round so drifting load hits all alike.
pub fn compare(o: &Options, bins: &[(String, PathBuf)]) -> Result<Versus, String> {
    let (mut servers, labels) = start_all(o, bins)?;
    let tests: Vec<&str> = o.commands.iter().map(String::as_str).collect();
    let usable: Vec<Vec<bool>> = servers
        .iter()
        .zip(&labels)
        .map(|(s, label)| {
            tests
                .iter()
                .map(|t| {
                    let ok = implements(s, t);
                    if !ok {
                        eprintln!("xtask bench: {label} does not implement {t}; skipping it there");
                    }
                    ok
                })
                .collect()
        })
        .collect();
    let mut perf = o.perf;
    let mut no_perf = false;
    // Warm every server up (connections, allocator, keyspace).
    let mut filled = vec![false; servers.len()];
    for s in &mut servers {
        bench(
            s,
            "set",
            16,
            (o.requests(16) / 10, o.keyspace),
            &mut no_perf,
        )?;
    }
    let cells = tests.len() * o.depths.len();
    let mut runs: Vec<Vec<Vec<Run>>> = vec![vec![Vec::new(); servers.len()]; cells];
    for round in 0..o.rounds {
        for (d, &depth) in o.depths.iter().enumerate() {
            for (t, &test) in tests.iter().enumerate() {
                let n = requests(o, test, depth);
                for k in 0..servers.len() {
                    let who = (k + round) % servers.len();
                    if !usable[who][t] {
                        continue;
                    }
                    let server = &mut servers[who];
                    if NEED_KEYS.contains(&test) && !filled[who] {
                        bench(server, "mset", 16, (fill(o), o.keyspace), &mut no_perf)?;
                        filled[who] = true;
                    }
                    let run = bench(server, test, depth, (n, o.keyspace), &mut perf)?;
                    filled[who] &= test != "del";
                    let lat = run.lat.unwrap_or_default();
                    eprintln!(
                        "round {}/{} {:>6} -P {:<2} {:<14} {:>9.0} req/s {:>6.2} µs CPU/req {} syscalls/req  p50 {:.3} p99 {:.3} p99.9 {:.3} ms",
                        round + 1,
                        o.rounds,
                        test,
                        depth,
                        labels[who],
                        run.rps(),
                        run.cpu_us_per_op(),
                        run.syscalls_per_op().map_or("n/a".into(), |v| format!("{v:.3}")),
                        lat.p50,
                        lat.p99,
                        lat.p999
                    );
                    runs[d * tests.len() + t][who].push(run);
                }
            }
        }
    }
    let mut out = Vec::new();
    for (d, &depth) in o.depths.iter().enumerate() {
        for (t, test) in tests.iter().enumerate() {
            out.push(Cell {
                test: test.to_string(),
                depth,
                results: runs[d * tests.len() + t]
                    .iter()
                    .map(|r| (!r.is_empty()).then(|| summarize(r)))
                    .collect(),
            });
        }
    }
    Ok(Versus {
        servers: labels,
        cells: out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_key_reads_are_custom_commands_of_ten_random_keys() {
        assert_eq!(load_args("set"), ["-t", "set"]);
        assert_eq!(load_args("mset"), ["-t", "mset"]);
        let mget = load_args("mget");
        assert_eq!(mget.len(), 1 + MULTI_KEYS);
        assert_eq!(mget[0], "mget");
        assert!(mget[1..].iter().all(|k| k == "key:__rand_int__"));
        assert_eq!(load_args("del")[0], "del");
    }

    #[test]
    fn every_test_has_its_probe() {
        let set = probe("set");
        for t in TESTS {
            let p = probe(t);
            let verb = std::str::from_utf8(p)
                .unwrap()
                .split("\r\n")
                .nth(2)
                .unwrap();
            assert_eq!(verb.to_ascii_lowercase(), *t);
            assert!(*t == "set" || p != set);
        }
    }
}
