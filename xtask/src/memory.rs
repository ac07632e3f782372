//! `cargo xtask memory [--quick] [--no-build] [--threads N]`: resident memory
//! of kevy and redis-server 7.0 holding the same data.
//!
//! Builds kevy-server (release), then for each data set starts a fresh
//! kevy (`--threads 2` by default) and a fresh `redis-server --save ''
//! --appendonly no` on free ports, loads the same commands into both through
//! a pipelined writer (RESP written straight to a `TcpStream` while a reader
//! counts the replies concurrently, like `redis-cli --pipe`), waits for the
//! resident size to settle, and prints `VmRSS` of each and their ratio. The
//! servers are killed when a run ends, whether it succeeded or not.
//!
//! Data sets (issue 3): `strings`, 1,000,000 keys `key:N` holding a 16-byte
//! value; `hashes`, 100,000 keys `hash:N` of 10 fields (`field:J` → an
//! 8-byte value); and both together. `--quick` loads a tenth of each.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::run_cmd;
use crate::tools::ensure_redis;

/// Options of the task.
struct Opts {
    strings: u64,
    hashes: u64,
    threads: usize,
    build: bool,
}

impl Opts {
    fn parse(args: &[String]) -> Result<Opts, String> {
        let mut o = Opts {
            strings: 1_000_000,
            hashes: 100_000,
            threads: 2,
            build: true,
        };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            match a.as_str() {
                "--quick" => {
                    o.strings = 100_000;
                    o.hashes = 10_000;
                }
                "--no-build" => o.build = false,
                "--threads" => {
                    o.threads = it
                        .next()
                        .and_then(|n| n.parse().ok())
                        .filter(|&n| n > 0)
                        .ok_or("--threads needs a positive number")?;
                }
                other => return Err(format!("memory: unknown option {other}")),
            }
        }
        Ok(o)
    }
}

/// Which keys a run loads.
#[derive(Clone, Copy)]
struct DataSet {
    name: &'static str,
    strings: u64,
    hashes: u64,
}

pub fn run(args: &[String]) -> Result<(), String> {
    let opts = Opts::parse(args)?;
    ensure_redis()?;
    let kevy = kevy_binary(opts.build)?;
    let sets = [
        DataSet {
            name: "strings",
            strings: opts.strings,
            hashes: 0,
        },
        DataSet {
            name: "hashes",
            strings: 0,
            hashes: opts.hashes,
        },
        DataSet {
            name: "strings+hashes",
            strings: opts.strings,
            hashes: opts.hashes,
        },
    ];
    println!(
        "kevy --threads {} vs redis-server; {} strings key:N → 16 B, {} hashes of 10 fields",
        opts.threads, opts.strings, opts.hashes
    );
    println!(
        "{:<16} {:>10} {:>12} {:>12} {:>12} {:>12} {:>8}",
        "data set", "keys", "redis idle", "redis RSS", "kevy idle", "kevy RSS", "ratio"
    );
    for set in sets {
        let redis = measure(&Server::redis()?, set)?;
        let kevy = measure(&Server::kevy(&kevy, opts.threads)?, set)?;
        println!(
            "{:<16} {:>10} {:>12} {:>12} {:>12} {:>12} {:>8.2}",
            set.name,
            set.strings + set.hashes,
            mb(redis.0),
            mb(redis.1),
            mb(kevy.0),
            mb(kevy.1),
            kevy.1 as f64 / redis.1 as f64
        );
    }
    Ok(())
}

fn mb(kb: u64) -> String {
    format!("{:.1} MB", kb as f64 / 1024.0)
}

/// Loads `set` into `server`; its resident size (kB) before and after.
fn measure(server: &Server, set: DataSet) -> Result<(u64, u64), String> {
    let idle = settled_rss(server.pid())?;
    load(server.addr, set.strings, |i, out| {
        let key = format!("key:{i}");
        let value = format!("value:{i:010}");
        encode(out, &[b"SET", key.as_bytes(), value.as_bytes()]);
    })?;
    load(server.addr, set.hashes, |i, out| {
        let key = format!("hash:{i}");
        let pairs: Vec<(String, String)> = (0..10)
            .map(|j| {
                (
                    format!("field:{j}"),
                    format!("v{:07}", (i * 10 + j) % 10_000_000),
                )
            })
            .collect();
        let mut args: Vec<&[u8]> = vec![b"HSET", key.as_bytes()];
        for (f, v) in &pairs {
            args.push(f.as_bytes());
            args.push(v.as_bytes());
        }
        encode(out, &args);
    })?;
    Ok((idle, settled_rss(server.pid())?))
}

/// Appends `args` as a RESP multibulk.
fn encode(out: &mut Vec<u8>, args: &[&[u8]]) {
    out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

/// Sends `count` commands made by `make` down one connection as fast as the
/// server takes them, reading the replies on this thread meanwhile; fails on
/// the first error reply. Every command must answer one simple line.
fn load(
    addr: SocketAddr,
    count: u64,
    mut make: impl FnMut(u64, &mut Vec<u8>) + Send,
) -> Result<(), String> {
    if count == 0 {
        return Ok(());
    }
    let stream = TcpStream::connect(addr).map_err(|e| format!("connect {addr}: {e}"))?;
    stream.set_nodelay(true).ok();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .map_err(|e| e.to_string())?;
    let mut writer = stream.try_clone().map_err(|e| e.to_string())?;
    std::thread::scope(|s| {
        let sender = s.spawn(move || -> Result<(), String> {
            let mut buf = Vec::with_capacity(64 * 1024);
            for i in 0..count {
                make(i, &mut buf);
                if buf.len() >= 60 * 1024 {
                    writer.write_all(&buf).map_err(|e| format!("send: {e}"))?;
                    buf.clear();
                }
            }
            writer.write_all(&buf).map_err(|e| format!("send: {e}"))
        });
        let read = read_replies(&stream, count);
        let sent = sender.join().map_err(|_| "sender panicked".to_string())?;
        sent.and(read)
    })
}

/// Reads `count` one-line replies; fails on an error reply.
fn read_replies(mut stream: &TcpStream, count: u64) -> Result<(), String> {
    let mut buf = vec![0u8; 64 * 1024];
    let (mut lines, mut line_start) = (0u64, true);
    while lines < count {
        let n = stream.read(&mut buf).map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            return Err(format!("server closed after {lines} replies"));
        }
        for (i, &b) in buf[..n].iter().enumerate() {
            if line_start && b == b'-' {
                let end = buf[i..n].iter().position(|&c| c == b'\r').unwrap_or(n - i);
                let text = String::from_utf8_lossy(&buf[i..i + end]);
                return Err(format!("error reply after {lines} replies: {text}"));
            }
            line_start = b == b'\n';
            lines += u64::from(line_start);
        }
    }
    Ok(())
}

/// `VmRSS` of `pid` in kB once it has stopped moving: after three seconds
/// (time for background work after a burst: kevy's heap trim, jemalloc's
/// purge in Redis), unchanged by more than 1% over a second; at most fifteen
/// seconds.
fn settled_rss(pid: u32) -> Result<u64, String> {
    let start = Instant::now();
    let deadline = start + Duration::from_secs(15);
    let mut last = rss_kb(pid)?;
    let mut stable_since = Instant::now();
    loop {
        std::thread::sleep(Duration::from_millis(200));
        let now = rss_kb(pid)?;
        if now.abs_diff(last) * 100 > last {
            stable_since = Instant::now();
        }
        last = now;
        let settled = start.elapsed() >= Duration::from_secs(3)
            && stable_since.elapsed() >= Duration::from_secs(1);
        if settled || Instant::now() > deadline {
            return Ok(last);
        }
    }
}

/// `VmRSS` of `pid` in kB, from `/proc/PID/status`.
fn rss_kb(pid: u32) -> Result<u64, String> {
    let path = format!("/proc/{pid}/status");
    let f = File::open(&path).map_err(|e| format!("{path}: {e}"))?;
    for line in BufReader::new(f).lines() {
        let line = line.map_err(|e| format!("{path}: {e}"))?;
        if let Some(rest) = line.strip_prefix("VmRSS:") {
            let kb = rest.trim().trim_end_matches("kB").trim();
            return kb.parse().map_err(|e| format!("{path}: VmRSS {kb}: {e}"));
        }
    }
    Err(format!("{path}: no VmRSS"))
}

/// Builds kevy-server in release mode (unless told not to); its path.
pub(crate) fn kevy_binary(build: bool) -> Result<PathBuf, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("xtask has no parent directory")?;
    if build {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        run_cmd(Command::new(cargo).current_dir(root).args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "kevy-server",
        ]))?;
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let bin = target.join("release").join("kevy-server");
    if bin.exists() {
        Ok(bin)
    } else {
        Err(format!("{} not found", bin.display()))
    }
}

/// A server child process, killed and reaped on drop.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    fn redis() -> Result<Server, String> {
        Server::start("redis-server", |port| {
            let port = port.to_string();
            [
                "--port",
                &port,
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ]
            .map(String::from)
            .to_vec()
        })
    }

    fn kevy(bin: &Path, threads: usize) -> Result<Server, String> {
        let bin = bin.to_str().ok_or("kevy-server path is not UTF-8")?;
        Server::start(bin, |port| {
            vec![
                "--port".into(),
                port.to_string(),
                "--bind".into(),
                "127.0.0.1".into(),
                "--threads".into(),
                threads.to_string(),
            ]
        })
    }

    /// Starts `prog` with the arguments for a free port and waits for PONG.
    fn start(prog: &str, args: impl Fn(u16) -> Vec<String>) -> Result<Server, String> {
        let mut last = String::new();
        // A probed port can be taken before the server binds it: try a few.
        for _ in 0..5 {
            let port = free_port()?;
            let child = Command::new(prog)
                .args(args(port))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| format!("cannot run {prog}: {e}"))?;
            let mut server = Server {
                child,
                addr: ([127, 0, 0, 1], port).into(),
            };
            match server.wait_ready() {
                Ok(()) => return Ok(server),
                Err(e) => last = e,
            }
        }
        Err(format!("{prog} did not start: {last}"))
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("exited with {status}"));
            }
            if let Ok(mut s) = TcpStream::connect(self.addr) {
                let mut reply = [0u8; 7];
                s.set_read_timeout(Some(Duration::from_secs(2))).ok();
                if s.write_all(b"PING\r\n").is_ok()
                    && s.read_exact(&mut reply).is_ok()
                    && &reply == b"+PONG\r\n"
                {
                    return Ok(());
                }
            }
            if Instant::now() > deadline {
                return Err(format!("no PONG on {} after 20 s", self.addr));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("probe a free port: {e}"))
}
