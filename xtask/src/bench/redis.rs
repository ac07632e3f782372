//! kevy-server against redis-server, both driven by `redis-benchmark`.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::{Options, Row};
use crate::procs::{ask, free_port, resp_ready, run_timed, Server};
use crate::stats::{summarize, Latency, Run};

/// redis-benchmark tests, in the order they run (SET before GET so GETs hit).
pub const TESTS: &[&str] = &["set", "get", "incr", "lpush", "hset", "mset"];
/// Pipeline depths.
pub const DEPTHS: &[usize] = &[1, 16];

/// A command of each test, to ask kevy whether it implements it.
fn probe(test: &str) -> &'static [u8] {
    match test {
        "lpush" => b"*3\r\n$5\r\nLPUSH\r\n$14\r\nxtask:probe:ls\r\n$1\r\nx\r\n",
        "hset" => b"*4\r\n$4\r\nHSET\r\n$14\r\nxtask:probe:hs\r\n$1\r\nf\r\n$1\r\nv\r\n",
        "mset" => b"*3\r\n$4\r\nMSET\r\n$14\r\nxtask:probe:ms\r\n$1\r\nv\r\n",
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

pub(super) fn start_kevy(bin: &Path, extra: &[String]) -> Result<Server, String> {
    let port = free_port()?;
    let mut args = ["--port", &port.to_string(), "--threads", "2"]
        .map(String::from)
        .to_vec();
    args.extend_from_slice(extra);
    Server::start("kevy-server", bin, &args, port, resp_ready)
}

pub(super) fn start_redis() -> Result<Server, String> {
    let port = free_port()?;
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

/// One redis-benchmark run of `test` at `depth` against `server`.
fn bench(server: &mut Server, test: &str, depth: usize, n: u64) -> Result<Run, String> {
    let mut cmd = Command::new("redis-benchmark");
    cmd.args(["-h", "127.0.0.1", "-p", &server.addr.port().to_string()])
        .args([
            "-c",
            "50",
            "-n",
            &n.to_string(),
            "-P",
            &depth.to_string(),
            "-t",
            test,
        ])
        // Not `-q`: the full report has the latency distribution.
        .args(["-r", "100000", "--threads", "2"]);
    let timed = run_timed(&mut cmd, server.pid(), Duration::from_secs(300))?;
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
    })
}

/// Runs every test at every depth for `o.rounds` interleaved rounds.
pub fn compare(o: &Options, kevy_bin: &Path) -> Result<Vec<Row>, String> {
    let mut kevy = start_kevy(kevy_bin, &o.kevy_args)?;
    let mut redis = start_redis()?;
    let usable: Vec<bool> = TESTS.iter().map(|t| implements(&kevy, t)).collect();
    for (t, ok) in TESTS.iter().zip(&usable) {
        if !ok {
            eprintln!("xtask bench: kevy-server does not implement {t} yet; skipping it for kevy");
        }
    }
    // Warm both up (connections, allocator, keyspace).
    bench(&mut kevy, "set", 16, o.requests(16) / 10)?;
    bench(&mut redis, "set", 16, o.requests(16) / 10)?;
    let cells = TESTS.len() * DEPTHS.len();
    let mut runs: Vec<[Vec<Run>; 2]> = (0..cells).map(|_| [Vec::new(), Vec::new()]).collect();
    for round in 0..o.rounds {
        for (d, &depth) in DEPTHS.iter().enumerate() {
            for (t, &test) in TESTS.iter().enumerate() {
                let cell = d * TESTS.len() + t;
                let n = o.requests(depth);
                let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
                for who in order {
                    if who == 0 && !usable[t] {
                        continue;
                    }
                    let server = if who == 0 { &mut kevy } else { &mut redis };
                    let run = bench(server, test, depth, n)?;
                    let lat = run.lat.unwrap_or_default();
                    eprintln!(
                        "round {}/{} {:>5} -P {:<2} {:<12} {:>10.0} req/s {:>6.2} µs CPU/req  p50 {:.3} p99 {:.3} p99.9 {:.3} ms",
                        round + 1,
                        o.rounds,
                        test,
                        depth,
                        server.name,
                        run.rps(),
                        run.cpu_us_per_op(),
                        lat.p50,
                        lat.p99,
                        lat.p999
                    );
                    runs[cell][who].push(run);
                }
            }
        }
    }
    let mut rows = Vec::new();
    for (d, &depth) in DEPTHS.iter().enumerate() {
        for (t, test) in TESTS.iter().enumerate() {
            let [k, r] = &runs[d * TESTS.len() + t];
            rows.push(Row {
                test: test.to_string(),
                depth,
                kevy: (!k.is_empty()).then(|| summarize(k)),
                other: summarize(r),
            });
        }
    }
    Ok(rows)
}
