//! `cargo xtask fuzz [--seconds N] [--seed S]`: a self-contained fuzz loop
//! (cargo-fuzz needs a nightly toolchain). Mutated pipelines (see `corpus`) go
//!
//! 1. to the decoders — `kevy_rt::resp::decode` and the memcached example's —
//!    under default and tight limits, checking they never panic and that
//!    every answer is coherent (a command consumes between 1 byte and what is
//!    buffered, its spans lie inside what it consumed, `Incomplete` asks for
//!    more than is there);
//! 2. to live in-process servers on 2 shards — kevy's Redis command set and the
//!    memcached example — one connection per input, half-closed after
//!    sending: the server must answer and close it (not hang), and keep
//!    answering `PING` / `version` on a separate connection throughout.
//!
//! 3. random argument vectors to the command table, in-process over 2
//!    shards (`fuzz/commands.rs`): no panic, well-formed replies.
//!
//! The time is shared equally by the five targets. `cargo xtask test` ends
//! with a few seconds of it (the CI smoke); the coverage-guided cargo-fuzz
//! targets (nightly) live in `fuzz/`. A failing input is saved
//! under `<target dir>/xtask-fuzz/` and the task fails.

mod commands;
mod corpus;

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use kevy_rt::{Decoded, Limits, Runtime, Span};

use crate::bench::Rng;
use crate::tools::target_dir;

type Decoder = fn(&mut [u8], &mut Vec<Span>, &Limits) -> Decoded;

fn tight() -> Limits {
    Limits {
        max_bulk_len: 64,
        max_multibulk_len: 8,
        max_inline_len: 32,
        ..Limits::default()
    }
}

/// Decodes all of `input` with `decode`, checking every answer.
fn check_decoder(decode: Decoder, input: &[u8], limits: &Limits) -> Result<(), String> {
    let mut buf = input.to_vec();
    let mut spans = Vec::new();
    let mut pos = 0;
    while pos < buf.len() {
        spans.clear();
        let len = buf.len() - pos;
        match decode(&mut buf[pos..], &mut spans, limits) {
            Decoded::Command { consumed } | Decoded::Skip { consumed } => {
                if consumed == 0 || consumed > len {
                    return Err(format!("consumed {consumed} of {len} bytes"));
                }
                if let Some(s) = spans
                    .iter()
                    .find(|s| s.start > s.end || s.end as usize > consumed)
                {
                    return Err(format!("span {s:?} outside the {consumed} bytes consumed"));
                }
                pos += consumed;
            }
            Decoded::Incomplete { need } => {
                if need != 0 && need <= len {
                    return Err(format!("incomplete, needing {need} with {len} buffered"));
                }
                break;
            }
            Decoded::Error(_) => break,
        }
    }
    Ok(())
}

fn save(name: &str, input: &[u8]) -> PathBuf {
    let dir = target_dir().join("xtask-fuzz");
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(format!("{name}-{}.bin", std::process::id()));
    let _ = std::fs::write(&path, input);
    path
}

fn fuzz_decoder(
    name: &str,
    decode: Decoder,
    make: fn(&mut Rng) -> Vec<u8>,
    rng: &mut Rng,
    until: Instant,
) -> Result<u64, String> {
    let mut cases = 0;
    let limits = [Limits::default(), tight()];
    while Instant::now() < until {
        let seed = make(rng);
        let input = corpus::mutate(rng, seed);
        for l in &limits {
            let outcome = catch_unwind(AssertUnwindSafe(|| check_decoder(decode, &input, l)));
            let problem = match outcome {
                Ok(Ok(())) => continue,
                Ok(Err(e)) => e,
                Err(_) => "panicked".to_string(),
            };
            let path = save(name, &input);
            return Err(format!(
                "{name}: {problem} on input saved at {}",
                path.display()
            ));
        }
        cases += 1;
    }
    Ok(cases)
}

/// Sends `input`, half-closes, and reads until the server closes.
fn throw(addr: SocketAddr, input: &[u8]) -> Result<(), String> {
    let mut s = TcpStream::connect(addr).map_err(|e| format!("connect: {e}"))?;
    s.set_read_timeout(Some(Duration::from_secs(20)))
        .map_err(|e| e.to_string())?;
    // The server may close mid-way (protocol error): a failed write is fine.
    let _ = s.write_all(input);
    let _ = s.shutdown(Shutdown::Write);
    let mut sink = [0u8; 65536];
    loop {
        match s.read(&mut sink) {
            Ok(0) => return Ok(()),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return Ok(()),
            Err(e) => return Err(format!("the server neither answered nor closed: {e}")),
        }
    }
}

/// A live server and how to ask it whether it is still well.
struct Live {
    addr: SocketAddr,
    watch: TcpStream,
    probe: &'static [u8],
    answer: Vec<u8>,
}

impl Live {
    fn new(addr: SocketAddr, probe: &'static [u8], answer: Vec<u8>) -> Result<Live, String> {
        let watch = TcpStream::connect(addr).map_err(|e| e.to_string())?;
        watch
            .set_read_timeout(Some(Duration::from_secs(20)))
            .map_err(|e| e.to_string())?;
        Ok(Live {
            addr,
            watch,
            probe,
            answer,
        })
    }

    fn healthy(&mut self) -> Result<(), String> {
        self.watch
            .write_all(self.probe)
            .map_err(|e| format!("watcher write: {e}"))?;
        let mut got = vec![0u8; self.answer.len()];
        self.watch
            .read_exact(&mut got)
            .map_err(|e| format!("watcher read: {e}"))?;
        if got == self.answer {
            Ok(())
        } else {
            Err(format!("watcher got {:?}", String::from_utf8_lossy(&got)))
        }
    }
}

fn fuzz_live(
    name: &str,
    live: &mut Live,
    make: fn(&mut Rng) -> Vec<u8>,
    rng: &mut Rng,
    until: Instant,
) -> Result<u64, String> {
    let mut cases = 0;
    while Instant::now() < until {
        let seed = make(rng);
        let input = corpus::mutate(rng, seed);
        let thrown = throw(live.addr, &input);
        let health = if cases % 32 == 0 || thrown.is_err() {
            live.healthy()
        } else {
            Ok(())
        };
        if let Err(e) = thrown.and(health) {
            let path = save(name, &input);
            return Err(format!("{name}: {e}; input saved at {}", path.display()));
        }
        cases += 1;
    }
    live.healthy()
        .map_err(|e| format!("{name}: {e} at the end"))?;
    Ok(cases)
}

pub fn run(args: &[String]) -> Result<(), String> {
    let mut seconds = 60u64;
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let value = it.next().and_then(|v| v.parse().ok());
        match (a.as_str(), value) {
            ("--seconds", Some(v)) => seconds = v,
            ("--seed", Some(v)) => seed = v,
            _ => return Err("usage: cargo xtask fuzz [--seconds N] [--seed S]".into()),
        }
    }
    eprintln!("fuzz: {seconds} s, seed {seed}");
    let mut rng = Rng::new(seed);
    let slice = Duration::from_secs_f64(seconds as f64 / 5.0);
    let mc_decode: Decoder = memcached::decode::decode;

    let n = fuzz_decoder(
        "resp-decoder",
        kevy_rt::resp::decode,
        corpus::redis_pipeline,
        &mut rng,
        Instant::now() + slice,
    )?;
    eprintln!("fuzz: RESP decoder: {n} inputs");
    let n = fuzz_decoder(
        "memcached-decoder",
        mc_decode,
        corpus::memcached_pipeline,
        &mut rng,
        Instant::now() + slice,
    )?;
    eprintln!("fuzz: memcached decoder: {n} inputs");
    let n = commands::fuzz(&mut rng, Instant::now() + slice)?;
    eprintln!("fuzz: command table: {n} commands");

    // No snapshots: the fuzz inputs' writes stay in memory.
    let commands = kevy_commands::Redis::default();
    commands
        .config()
        .load("save", &[""])
        .map_err(|e| e.to_string())?;
    let redis = Runtime::builder(commands)
        .bind("127.0.0.1:0")
        .shards(2)
        .build()
        .and_then(|rt| rt.start())
        .map_err(|e| e.to_string())?;
    let mut live = Live::new(redis.addr(), b"*1\r\n$4\r\nPING\r\n", b"+PONG\r\n".to_vec())?;
    let n = fuzz_live(
        "kevy-server",
        &mut live,
        corpus::redis_pipeline,
        &mut rng,
        Instant::now() + slice,
    )?;
    redis.stop();
    eprintln!("fuzz: live kevy (Redis command set): {n} connections");

    let mc = memcached::Memcached::new()
        .runtime("127.0.0.1:0", 2)
        .and_then(|rt| rt.start())
        .map_err(|e| e.to_string())?;
    let mut live = Live::new(
        mc.addr(),
        b"version\r\n",
        format!("{}\r\n", memcached::verbs::VERSION).into_bytes(),
    )?;
    let n = fuzz_live(
        "memcached-example",
        &mut live,
        corpus::memcached_pipeline,
        &mut rng,
        Instant::now() + slice,
    )?;
    mc.stop();
    eprintln!("fuzz: live memcached example: {n} connections");
    eprintln!("fuzz: no failure (seed {seed})");
    Ok(())
}
