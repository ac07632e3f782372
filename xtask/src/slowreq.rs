//! `cargo xtask slow-request [--args N] [--piece B] [--pace-us U] [--rounds R] [--no-build]`:
//! server CPU for one request of many arguments that arrives in small pieces
//! (issue 9), kevy against redis-server 7.0.
//!
//! Builds kevy-server (release), starts it (`--threads 2`) and a
//! `redis-server --save '' --appendonly no` on free ports, and sends each the
//! same `RPUSH k x x …` of `N` one-byte elements (300,000 by default) in
//! writes of `B` bytes (1024; `TCP_NODELAY`) `U` µs apart (100, so that the
//! server reads them one by one rather than coalesced), then reads the reply and
//! deletes the list. The figure is the server's CPU time (all threads, from
//! `/proc/<pid>/task/*/schedstat`, which `utime + stime` gives in ticks) over
//! the request, the median of `R` rounds (3). A decoder that re-parses the
//! request from its first byte on every read costs CPU quadratic in its size;
//! one that keeps its progress, linear.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::memory::kevy_binary;
use crate::procs::{free_port, resp_ready, CpuProbe, Server};
use crate::stats::median;
use crate::tools::ensure_redis;

struct Opts {
    args: usize,
    piece: usize,
    rounds: usize,
    pace: Duration,
    build: bool,
}

impl Opts {
    fn parse(args: &[String]) -> Result<Opts, String> {
        let mut o = Opts {
            args: 300_000,
            piece: 1024,
            rounds: 3,
            pace: Duration::from_micros(100),
            build: true,
        };
        let mut it = args.iter();
        let number = |it: &mut std::slice::Iter<'_, String>, name: &str| {
            it.next()
                .and_then(|n| n.parse::<usize>().ok())
                .filter(|&n| n > 0)
                .ok_or(format!("{name} needs a positive number"))
        };
        while let Some(a) = it.next() {
            match a.as_str() {
                "--args" => o.args = number(&mut it, "--args")?,
                "--piece" => o.piece = number(&mut it, "--piece")?,
                "--rounds" => o.rounds = number(&mut it, "--rounds")?,
                "--pace-us" => o.pace = Duration::from_micros(number(&mut it, "--pace-us")? as u64),
                "--no-build" => o.build = false,
                other => return Err(format!("slow-request: unknown option {other}")),
            }
        }
        Ok(o)
    }
}

/// Runs the task.
pub fn run(args: &[String]) -> Result<(), String> {
    let opts = Opts::parse(args)?;
    ensure_redis()?;
    let kevy = kevy_binary(opts.build)?;
    let request = rpush(opts.args);
    println!(
        "RPUSH of {} one-byte elements ({} bytes) in {}-byte writes {} µs apart; server CPU, median of {}",
        opts.args,
        request.len(),
        opts.piece,
        opts.pace.as_micros(),
        opts.rounds
    );
    let port = free_port()?;
    let redis = Server::start(
        "redis-server",
        "redis-server".as_ref(),
        &[
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        .map(String::from),
        port,
        resp_ready,
    )?;
    let r = measure(&redis, &request, &opts)?;
    drop(redis);
    let port = free_port()?;
    let kevy = Server::start(
        "kevy-server",
        &kevy,
        &crate::procs::kevy_flags(port),
        port,
        resp_ready,
    )?;
    let k = measure(&kevy, &request, &opts)?;
    println!("redis-server {:>10.1} ms", r * 1e3);
    println!("kevy-server  {:>10.1} ms", k * 1e3);
    println!("kevy/redis   {:>10.2}", k / r);
    Ok(())
}

/// `RPUSH k x x …` with `n` elements, in RESP.
fn rpush(n: usize) -> Vec<u8> {
    let mut v = format!("*{}\r\n$5\r\nRPUSH\r\n$1\r\nk\r\n", n + 2).into_bytes();
    for _ in 0..n {
        v.extend_from_slice(b"$1\r\nx\r\n");
    }
    v
}

/// Median server CPU seconds for `request` sent in pieces.
fn measure(server: &Server, request: &[u8], opts: &Opts) -> Result<f64, String> {
    let mut s = TcpStream::connect(server.addr).map_err(|e| format!("{}: {e}", server.name))?;
    s.set_nodelay(true).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(600)))
        .map_err(|e| e.to_string())?;
    let want = format!(":{}\r\n", opts.args).into_bytes();
    let mut cpu = Vec::new();
    for _ in 0..opts.rounds {
        let mut probe = CpuProbe::new(server.pid())?;
        let before = probe.ns();
        for piece in request.chunks(opts.piece) {
            s.write_all(piece).map_err(|e| format!("write: {e}"))?;
            std::thread::sleep(opts.pace);
        }
        expect(&mut s, &want)?;
        cpu.push((probe.ns() - before) as f64 / 1e9);
        s.write_all(b"*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n")
            .map_err(|e| format!("write: {e}"))?;
        expect(&mut s, b":1\r\n")?;
    }
    Ok(median(&cpu))
}

/// Reads exactly `want.len()` bytes and checks they are `want`.
fn expect(s: &mut TcpStream, want: &[u8]) -> Result<(), String> {
    let mut got = vec![0; want.len()];
    s.read_exact(&mut got).map_err(|e| format!("read: {e}"))?;
    if got == want {
        Ok(())
    } else {
        Err(format!(
            "expected {:?}, got {:?}",
            String::from_utf8_lossy(want),
            String::from_utf8_lossy(&got)
        ))
    }
}
