//! PUBLISH fan-out: kevy-server against redis-server, 50 subscribers of one
//! channel and one publisher pipelining PUBLISH 16 deep, timed from the
//! first publish until every subscriber has every message (our own
//! clients, so the run times itself; server CPU from its threads'
//! `schedstat`).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use super::redis::{start_kevy, start_redis};
use super::{Options, Row};
use crate::procs::{CpuProbe, Server};
use crate::stats::{summarize, Run};

/// Subscribers of the channel.
pub const SUBSCRIBERS: usize = 50;
/// PUBLISH commands per write.
const DEPTH: usize = 16;
const CHANNEL: &str = "xtask:bench:ch";
/// The message (16 bytes).
const PAYLOAD: &str = "0123456789abcdef";

fn command(args: &[&str]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n{a}\r\n", a.len()).as_bytes());
    }
    out
}

/// Bytes of one delivered message.
fn message_len() -> usize {
    command(&["message", CHANNEL, PAYLOAD]).len()
}

/// Reads from `s` until `n` bytes came (false on error or EOF).
fn read_exact_n(s: &mut TcpStream, n: usize, buf: &mut [u8]) -> bool {
    let mut got = 0;
    while got < n {
        let want = (n - got).min(buf.len());
        match s.read(&mut buf[..want]) {
            Ok(0) | Err(_) => return false,
            Ok(k) => got += k,
        }
    }
    true
}

/// One run: `n` messages to every subscriber.
fn bench(server: &mut Server, n: usize) -> Result<Run, String> {
    let addr: SocketAddr = server.addr;
    let ready = Arc::new(Barrier::new(SUBSCRIBERS + 1));
    let expect = n * message_len();
    let subs: Vec<_> = (0..SUBSCRIBERS)
        .map(|_| {
            let ready = ready.clone();
            std::thread::spawn(move || -> Result<(), String> {
                let mut s = TcpStream::connect(addr).map_err(|e| e.to_string())?;
                s.set_read_timeout(Some(Duration::from_secs(60)))
                    .map_err(|e| e.to_string())?;
                s.write_all(&command(&["SUBSCRIBE", CHANNEL]))
                    .map_err(|e| e.to_string())?;
                let mut buf = vec![0u8; 1 << 16];
                // `*3 $9 subscribe $n channel :1`: read up to its last line.
                let mut seen = Vec::new();
                while !seen.ends_with(b":1\r\n") {
                    let k = s.read(&mut buf).map_err(|e| e.to_string())?;
                    if k == 0 {
                        return Err("subscriber closed".into());
                    }
                    seen.extend_from_slice(&buf[..k]);
                }
                ready.wait();
                if read_exact_n(&mut s, expect, &mut buf) {
                    Ok(())
                } else {
                    Err("a subscriber missed messages".into())
                }
            })
        })
        .collect();
    ready.wait();
    let mut p = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    p.set_read_timeout(Some(Duration::from_secs(60)))
        .map_err(|e| e.to_string())?;
    let one = command(&["PUBLISH", CHANNEL, PAYLOAD]);
    let batch: Vec<u8> = one.repeat(DEPTH);
    let reply = format!(":{SUBSCRIBERS}\r\n");
    let mut buf = vec![0u8; 1 << 16];
    let mut cpu = CpuProbe::new(server.pid())?;
    let (cpu0, t0) = (cpu.ns(), Instant::now());
    let mut sent = 0;
    while sent < n {
        let k = DEPTH.min(n - sent);
        p.write_all(&batch[..k * one.len()])
            .map_err(|e| e.to_string())?;
        if !read_exact_n(&mut p, k * reply.len(), &mut buf) {
            return Err(format!("{}: PUBLISH replies cut short", server.name));
        }
        sent += k;
    }
    for s in subs {
        s.join().map_err(|_| "subscriber panicked")??;
    }
    let secs = t0.elapsed().as_secs_f64();
    let cpu = (cpu.ns() - cpu0) as f64 / 1e9;
    Ok(Run {
        ops: n as u64,
        secs,
        cpu,
        lat: None,
        counts: None,
    })
}

/// Interleaved rounds of the fan-out on both servers.
pub fn compare(o: &Options, kevy_bin: &std::path::Path) -> Result<Vec<Row>, String> {
    let mut kevy = start_kevy(o, kevy_bin, &o.kevy_args)?;
    let mut redis = start_redis(o)?;
    let n = if o.quick { 5_000 } else { 20_000 };
    bench(&mut kevy, n / 10)?;
    bench(&mut redis, n / 10)?;
    let mut runs: [Vec<Run>; 2] = [Vec::new(), Vec::new()];
    for round in 0..o.rounds {
        let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        for who in order {
            let server = if who == 0 { &mut kevy } else { &mut redis };
            let run = bench(server, n)?;
            eprintln!(
                "round {}/{} PUBLISH to {SUBSCRIBERS} -P {DEPTH} {:<12} {:>9.0} msg/s {:>6.2} µs CPU/msg",
                round + 1,
                o.rounds,
                server.name,
                run.rps(),
                run.cpu_us_per_op()
            );
            runs[who].push(run);
        }
    }
    Ok(vec![Row {
        test: format!("publish x{SUBSCRIBERS}"),
        depth: DEPTH,
        kevy: Some(summarize(&runs[0])),
        other: summarize(&runs[1]),
    }])
}
