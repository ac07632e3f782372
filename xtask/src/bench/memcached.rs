//! kevy's memcached example against Debian's memcached, under `loadgen`.

use std::path::Path;

use super::loadgen::{self, Load, Op};
use super::{Options, Row};
use crate::procs::{memcached_ready, CpuProbe, Server};
use crate::stats::{summarize, Run};
use crate::tools::is_root;

/// Workloads, in the order they run (sets first, so gets hit).
const OPS: &[(&str, Op)] = &[("set", Op::Set), ("get", Op::Get)];
/// Pipeline depths.
const DEPTHS: &[usize] = &[1, 16];

fn start_kevy(o: &Options, bin: &Path) -> Result<Server, String> {
    let port = o.port()?;
    let args = ["-l", "127.0.0.1", "-p", &port.to_string(), "-t", "2"].map(String::from);
    Server::start("kevy-memcached", bin, &args, port, memcached_ready)
}

fn start_memcached(o: &Options) -> Result<Server, String> {
    let port = o.port()?;
    let mut args: Vec<String> = [
        "-l",
        "127.0.0.1",
        "-p",
        &port.to_string(),
        "-U",
        "0",
        "-t",
        "2",
        "-m",
        "4096",
        "-c",
        "4096",
    ]
    .map(String::from)
    .to_vec();
    if is_root() {
        args.extend(["-u".into(), "root".into()]);
    }
    Server::start(
        "memcached",
        Path::new("memcached"),
        &args,
        port,
        memcached_ready,
    )
}

/// One run; also returns the fraction of gets that hit.
fn bench(server: &mut Server, op: Op, depth: usize, requests: u64) -> Result<(Run, f64), String> {
    let load = Load {
        op,
        conns: 50,
        threads: 2,
        depth,
        requests,
        value_size: 32,
        keys: 100_000,
    };
    let mut cpu = CpuProbe::new(server.pid())?;
    let cpu0 = cpu.ns();
    let (wall, hits) =
        loadgen::run(server.addr, load).map_err(|e| format!("{}: {e}", server.name))?;
    let used = (cpu.ns() - cpu0) as f64 / 1e9;
    if !server.alive() {
        return Err(format!("{} died", server.name));
    }
    Ok((
        Run {
            ops: requests,
            secs: wall.as_secs_f64(),
            cpu: used,
            lat: None,
            counts: None,
        },
        hits as f64 / requests as f64,
    ))
}

/// Runs every workload at every depth for `o.rounds` interleaved rounds.
pub fn compare(o: &Options, kevy_bin: &Path) -> Result<Vec<Row>, String> {
    let mut kevy = start_kevy(o, kevy_bin)?;
    let mut real = start_memcached(o)?;
    bench(&mut kevy, Op::Set, 16, o.requests(16) / 10)?;
    bench(&mut real, Op::Set, 16, o.requests(16) / 10)?;
    let cells = OPS.len() * DEPTHS.len();
    let mut runs: Vec<[Vec<Run>; 2]> = (0..cells).map(|_| [Vec::new(), Vec::new()]).collect();
    for round in 0..o.rounds {
        for (d, &depth) in DEPTHS.iter().enumerate() {
            for (i, &(name, op)) in OPS.iter().enumerate() {
                let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
                for who in order {
                    let server = if who == 0 { &mut kevy } else { &mut real };
                    let (run, hit) = bench(server, op, depth, o.requests(depth))?;
                    let hits = if op == Op::Get {
                        format!(" ({:.0}% hits)", hit * 100.0)
                    } else {
                        String::new()
                    };
                    eprintln!(
                        "round {}/{} {name:>4} -P {depth:<2} {:<14} {:>10.0} req/s {:>6.2} µs CPU/req{hits}",
                        round + 1,
                        o.rounds,
                        server.name,
                        run.rps(),
                        run.cpu_us_per_op()
                    );
                    runs[d * OPS.len() + i][who].push(run);
                }
            }
        }
    }
    let mut rows = Vec::new();
    for (d, &depth) in DEPTHS.iter().enumerate() {
        for (i, &(name, _)) in OPS.iter().enumerate() {
            let [k, r] = &runs[d * OPS.len() + i];
            rows.push(Row {
                test: name.into(),
                depth,
                kevy: Some(summarize(k)),
                other: summarize(r),
            });
        }
    }
    Ok(rows)
}
