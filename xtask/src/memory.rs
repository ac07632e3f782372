//! `cargo xtask memory [--quick] [--no-build] [--threads N] [--keys N]
//! [--only NAME,…] [--kevy PATH]`: resident memory per key of kevy and
//! redis-server 7.0 holding the same data, one row per type and encoding.
//!
//! Builds kevy-server (release), then for each row starts a fresh kevy
//! (`--threads 2` by default) and a fresh `redis-server --save ''
//! --appendonly no` on free ports, loads the same commands into both through
//! a pipelined writer (RESP written straight to a `TcpStream` while a reader
//! counts the replies concurrently, like `redis-cli --pipe`), waits for the
//! resident size to settle, and prints each one's RSS growth per key and
//! the ratio. The servers are killed when a run ends, whether it succeeded or
//! not.
//!
//! Rows: strings (16 bytes, an integer, 1 KB), hashes, sets of integers and
//! of strings, sorted sets (integer and fractional scores), lists and
//! HyperLogLogs, each with 10 and with 1,000 elements per key. A 10-element
//! row loads `--keys` keys (100,000; `--quick` 10,000), a 1 KB string row
//! half that, a 1,000-element row a twentieth. `--only` picks rows by name (comma
//! separated; leading words match: `--only set` runs every set row,
//! `--only "hash 10"` only that one); `--kevy`
//! measures another kevy-server binary (no build).

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
    keys: u64,
    threads: usize,
    build: bool,
    only: Vec<String>,
    kevy: Option<PathBuf>,
}

impl Opts {
    fn parse(args: &[String]) -> Result<Opts, String> {
        let mut o = Opts {
            keys: 100_000,
            threads: 2,
            build: true,
            only: Vec::new(),
            kevy: None,
        };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            match a.as_str() {
                "--quick" => o.keys = 10_000,
                "--no-build" => o.build = false,
                "--threads" | "--keys" => {
                    let n = it
                        .next()
                        .and_then(|n| n.parse::<u64>().ok())
                        .filter(|&n| n > 0)
                        .ok_or(format!("{a} needs a positive number"))?;
                    match a.as_str() {
                        "--threads" => o.threads = n as usize,
                        _ => o.keys = n,
                    }
                }
                "--only" => {
                    let names = it.next().ok_or("--only needs row names")?;
                    o.only.extend(names.split(',').map(str::to_string));
                }
                "--kevy" => {
                    o.kevy = Some(it.next().ok_or("--kevy needs a path")?.into());
                    o.build = false;
                }
                other => return Err(format!("memory: unknown option {other}")),
            }
        }
        Ok(o)
    }
}

/// Writes command `part` of key `i` of a row.
type Make = fn(i: u64, part: u64, out: &mut Vec<u8>);

/// One row of the table: a kind of key, loaded into both servers.
struct Row {
    name: &'static str,
    /// Keys loaded: `--keys` divided by this.
    divisor: u64,
    /// Commands per key (each answers one line).
    per_key: u64,
    make: Make,
}

/// Appends a command of `head` arguments then `args`.
fn command(out: &mut Vec<u8>, head: &[&[u8]], args: impl Iterator<Item = String>) {
    let args: Vec<String> = args.collect();
    let mut all: Vec<&[u8]> = head.to_vec();
    all.extend(args.iter().map(String::as_bytes));
    encode(out, &all);
}

/// Elements `from..from + n` of element function `f`, as arguments.
fn elems(from: u64, n: u64, f: impl Fn(u64) -> Vec<String>) -> impl Iterator<Item = String> {
    (from..from + n).flat_map(f)
}

const ROWS: &[Row] = &[
    Row {
        name: "string 16 B",
        divisor: 1,
        per_key: 1,
        make: |i, _, out| {
            let (k, v) = (format!("key:{i}"), format!("value:{i:010}"));
            encode(out, &[b"SET", k.as_bytes(), v.as_bytes()]);
        },
    },
    Row {
        name: "string int",
        divisor: 1,
        per_key: 1,
        make: |i, _, out| {
            let (k, v) = (format!("int:{i}"), (i * 7919).to_string());
            encode(out, &[b"SET", k.as_bytes(), v.as_bytes()]);
        },
    },
    Row {
        name: "string 1 KB",
        divisor: 2,
        per_key: 1,
        make: |i, _, out| {
            let k = format!("kb:{i}");
            encode(out, &[b"SET", k.as_bytes(), &[b'x'; 1024]]);
        },
    },
    Row {
        name: "hash 10",
        divisor: 1,
        per_key: 1,
        make: |i, _, out| {
            let k = format!("hash:{i}");
            let pairs = elems(0, 10, |j| {
                vec![
                    format!("field:{j}"),
                    format!("v{:07}", (i * 10 + j) % 10_000_000),
                ]
            });
            command(out, &[b"HSET", k.as_bytes()], pairs);
        },
    },
    Row {
        name: "hash 1000",
        divisor: 20,
        per_key: 10,
        make: |i, part, out| {
            let k = format!("hash:{i}");
            let pairs = elems(part * 100, 100, |j| {
                vec![
                    format!("field:{j}"),
                    format!("v{:07}", (i * 10 + j) % 10_000_000),
                ]
            });
            command(out, &[b"HSET", k.as_bytes()], pairs);
        },
    },
    Row {
        name: "set int 10",
        divisor: 1,
        per_key: 1,
        make: |i, _, out| {
            let k = format!("iset:{i}");
            let members = elems(0, 10, |j| vec![((i * 10 + j) % 10_000).to_string()]);
            command(out, &[b"SADD", k.as_bytes()], members);
        },
    },
    Row {
        name: "set int 1000",
        divisor: 20,
        per_key: 10,
        make: |i, part, out| {
            let k = format!("iset:{i}");
            let members = elems(part * 100, 100, |j| vec![(i * 1000 + j).to_string()]);
            command(out, &[b"SADD", k.as_bytes()], members);
        },
    },
    Row {
        name: "set str 10",
        divisor: 1,
        per_key: 1,
        make: |i, _, out| {
            let k = format!("sset:{i}");
            let members = elems(0, 10, |j| vec![format!("member:{j}")]);
            command(out, &[b"SADD", k.as_bytes()], members);
        },
    },
    Row {
        name: "set str 1000",
        divisor: 20,
        per_key: 10,
        make: |i, part, out| {
            let k = format!("sset:{i}");
            let members = elems(part * 100, 100, |j| vec![format!("member:{j}")]);
            command(out, &[b"SADD", k.as_bytes()], members);
        },
    },
    Row {
        name: "zset 10",
        divisor: 1,
        per_key: 1,
        make: |i, _, out| {
            let k = format!("zset:{i}");
            let pairs = elems(0, 10, |j| {
                vec![((i + j) % 1000).to_string(), format!("member:{j}")]
            });
            command(out, &[b"ZADD", k.as_bytes()], pairs);
        },
    },
    Row {
        name: "zset 10 frac",
        divisor: 1,
        per_key: 1,
        make: |i, _, out| {
            let k = format!("fzset:{i}");
            let pairs = elems(0, 10, |j| {
                vec![format!("{j}.{}", i % 10 + 1), format!("member:{j}")]
            });
            command(out, &[b"ZADD", k.as_bytes()], pairs);
        },
    },
    Row {
        name: "zset 1000",
        divisor: 20,
        per_key: 10,
        make: |i, part, out| {
            let k = format!("zset:{i}");
            let pairs = elems(part * 100, 100, |j| {
                vec![((i + j) % 100_000).to_string(), format!("member:{j}")]
            });
            command(out, &[b"ZADD", k.as_bytes()], pairs);
        },
    },
    Row {
        name: "list 10",
        divisor: 1,
        per_key: 1,
        make: |i, _, out| {
            let k = format!("list:{i}");
            let items = elems(0, 10, |j| vec![format!("item:{j}")]);
            command(out, &[b"RPUSH", k.as_bytes()], items);
        },
    },
    Row {
        name: "list 1000",
        divisor: 20,
        per_key: 10,
        make: |i, part, out| {
            let k = format!("list:{i}");
            let items = elems(part * 100, 100, |j| vec![format!("item:{j}")]);
            command(out, &[b"RPUSH", k.as_bytes()], items);
        },
    },
    Row {
        name: "hll 10",
        divisor: 1,
        per_key: 1,
        make: |i, _, out| {
            let k = format!("hll:{i}");
            let items = elems(0, 10, |j| vec![format!("e:{i}:{j}")]);
            command(out, &[b"PFADD", k.as_bytes()], items);
        },
    },
    Row {
        name: "hll 1000",
        divisor: 20,
        per_key: 10,
        make: |i, part, out| {
            let k = format!("hll:{i}");
            let items = elems(part * 100, 100, |j| vec![format!("e:{i}:{j}")]);
            command(out, &[b"PFADD", k.as_bytes()], items);
        },
    },
    Row {
        name: "stream 10",
        divisor: 1,
        per_key: 20,
        make: stream_entry,
    },
    Row {
        name: "stream 1000",
        divisor: 50,
        per_key: 2000,
        make: stream_entry,
    },
];

/// Entry `part / 2` of stream key `i` (an event of two fields, IDs a
/// millisecond apart): XADD answers a bulk string, two lines, so only even
/// parts send one and each part stands for one line.
fn stream_entry(i: u64, part: u64, out: &mut Vec<u8>) {
    if part % 2 == 1 {
        return;
    }
    let j = part / 2;
    let k = format!("stream:{i}");
    let fields = [
        format!("{}-0", 1_700_000_000_000 + j),
        "user".to_string(),
        format!("{}", 1000 + (i * 7 + j) % 9000),
        "action".to_string(),
        format!("item:{j}"),
    ];
    command(out, &[b"XADD", k.as_bytes()], fields.into_iter());
}

pub fn run(args: &[String]) -> Result<(), String> {
    let opts = Opts::parse(args)?;
    ensure_redis()?;
    let kevy = match &opts.kevy {
        Some(p) => p.clone(),
        None => kevy_binary(opts.build)?,
    };
    let rows: Vec<&Row> = ROWS
        .iter()
        .filter(|r| opts.only.is_empty() || opts.only.iter().any(|o| only_matches(r.name, o)))
        .collect();
    if rows.is_empty() {
        let names: Vec<&str> = ROWS.iter().map(|r| r.name).collect();
        return Err(format!("no row matches --only; rows: {}", names.join(", ")));
    }
    println!(
        "kevy --threads {} vs redis-server: RSS growth per key, {} keys per 10-element row",
        opts.threads, opts.keys
    );
    println!(
        "| {:<13} | {:>9} | {:>11} | {:>10} | {:>10} |",
        "each key", "keys", "redis B/key", "kevy B/key", "kevy/redis"
    );
    println!("|---|---:|---:|---:|---:|");
    for row in rows {
        let keys = (opts.keys / row.divisor).max(1);
        let redis = measure(&Server::redis()?, row, keys)?;
        let kevy = measure(&Server::kevy(&kevy, opts.threads)?, row, keys)?;
        println!(
            "| {:<13} | {:>9} | {:>11.0} | {:>10.0} | {:>10.2} |",
            row.name,
            keys,
            redis,
            kevy,
            kevy / redis
        );
    }
    Ok(())
}

/// True when `--only` name `o` picks row `name`: the same name, or its
/// leading words (`set` picks `set int 10`; `hash 10` not `hash 1000`).
fn only_matches(name: &str, o: &str) -> bool {
    name == o
        || name
            .strip_prefix(o)
            .is_some_and(|rest| rest.starts_with(' '))
}

/// Loads `keys` keys of `row` into `server`; its RSS growth per key (bytes).
fn measure(server: &Server, row: &Row, keys: u64) -> Result<f64, String> {
    let idle = settled_rss(server.pid())?;
    let per = row.per_key;
    let make = row.make;
    load(server.addr, keys * per, move |c, out| {
        make(c / per, c % per, out)
    })?;
    let loaded = settled_rss(server.pid())?;
    Ok(loaded.saturating_sub(idle) as f64 * 1024.0 / keys as f64)
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
                // No snapshots, as the redis-server it is compared with.
                "--save".into(),
                String::new(),
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
