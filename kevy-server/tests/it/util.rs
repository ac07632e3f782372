//! Shared helpers: an in-process kevy, a real `redis-server` child process, and a raw
//! RESP client that reads back whole replies as bytes.

use std::fs::File;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kevy_commands::Redis;
use kevy_rt::{Router, Runtime, Server};

/// Shards of every in-process kevy: more than one, so keys spread over shards.
pub const SHARDS: usize = 2;

/// Runs `session` against a real redis-server and against a kevy server
/// (both stopped after), asserts they saw the same, and gives what Redis
/// answered.
pub fn same_as_redis<T: PartialEq + std::fmt::Debug>(
    session: impl Fn(std::net::SocketAddr) -> T,
) -> T {
    let redis = RedisServer::start();
    let server = kevy();
    let want = session(redis.addr());
    let got = session(server.addr());
    server.stop();
    assert_eq!(want, got);
    want
}

/// Starts kevy in-process on a free port with [`SHARDS`] shards; dropping the
/// returned server stops it.
pub fn kevy() -> Server {
    kevy_with(Redis::default())
}

/// Like [`kevy`], with a command set configured by the caller (settings in
/// its `config()`).
pub fn kevy_with(redis: Redis) -> Server {
    kevy_on(redis, SHARDS)
}

/// Like [`kevy_with`], on `shards` shards.
pub fn kevy_on(redis: Redis, shards: usize) -> Server {
    no_snapshots(&redis);
    let rt = Runtime::builder(redis.clone())
        .bind("127.0.0.1:0")
        .shards(shards)
        .build()
        .expect("build the kevy runtime");
    redis.shared().set_listening_port(rt.local_addr().port());
    rt.start().expect("start the kevy runtime")
}

/// Turns off Redis's built-in `save` rules (a test's server would write
/// `dump.rdb` into the working directory, and the next one load it); a
/// test that wants them sets `save` once the server runs.
pub fn no_snapshots(redis: &Redis) {
    redis
        .config()
        .load("save", &[""])
        .expect("save \"\" is a valid setting");
}

/// The shard that owns `key` in a [`kevy`] server.
pub fn shard_of(key: &str) -> usize {
    Router::new(SHARDS).shard_of(key.as_bytes())
}

/// The first key `prefix{i}` (i = 0, 1, …) that lives on `shard` of a
/// [`kevy`] server.
pub fn key_on(shard: usize, prefix: &str) -> String {
    (0..)
        .map(|i| format!("{prefix}{i}"))
        .find(|k| shard_of(k) == shard)
        .expect("a key on every shard")
}

/// A connection to `server` and the shard that accepted it (from the
/// runtime's per-shard accept counters; the connection is answered first,
/// so accepted by then).
pub fn connect_on(server: &Server) -> (Raw, usize) {
    let before = server.stats().accepted();
    let mut c = Raw::connect(server.addr());
    assert_eq!(c.call(&["PING"]), b"+PONG\r\n");
    let after = server.stats().accepted();
    let shard = (0..SHARDS)
        .find(|&s| after[s] > before[s])
        .expect("a shard accepted the connection");
    (c, shard)
}

/// `n` connections on each shard of `server` (the kernel spreads them):
/// `[shard][i]`.
pub fn conns_per_shard(server: &Server, n: usize) -> Vec<Vec<Raw>> {
    let mut on: Vec<Vec<Raw>> = (0..SHARDS).map(|_| Vec::new()).collect();
    for _ in 0..500 {
        if on.iter().all(|v| v.len() >= n) {
            return on;
        }
        let (c, s) = connect_on(server);
        if on[s].len() < n {
            on[s].push(c);
        }
    }
    panic!("the kernel never spread connections over every shard");
}

/// A real `redis-server` on a free port, killed (and reaped) on drop.
pub struct RedisServer {
    child: Child,
    addr: SocketAddr,
}

impl RedisServer {
    /// Starts `redis-server` without persistence and waits until it answers PING.
    /// Panics with a clear message if it is not installed or does not come up.
    pub fn start() -> RedisServer {
        RedisServer::start_with(&[])
    }

    /// Like [`RedisServer::start`], with more `--name value` arguments
    /// (`--enable-debug-command yes`).
    pub fn start_with(extra: &[&str]) -> RedisServer {
        let mut last_error = String::new();
        // A free port can be taken between probing and binding: try a few.
        for _ in 0..5 {
            match RedisServer::try_start(free_port(), extra) {
                Ok(server) => return server,
                Err(e) => last_error = e,
            }
        }
        panic!("redis-server did not start: {last_error}");
    }

    fn try_start(port: u16, extra: &[&str]) -> Result<RedisServer, String> {
        let log_path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("redis-{}-{port}.log", std::process::id()));
        let log = File::create(&log_path).map_err(|e| format!("{}: {e}", log_path.display()))?;
        let log2 = log.try_clone().map_err(|e| e.to_string())?;
        let spawned = Command::new("redis-server")
            .args(["--port", &port.to_string()])
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .spawn();
        let child = match spawned {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::NotFound => panic!(
                "redis-server is not installed (not found on PATH): the differential \
                 tests need a real Redis 7.0 (Debian: apt-get install redis-server)"
            ),
            Err(e) => panic!("cannot run redis-server: {e}"),
        };
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let mut server = RedisServer { child, addr };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(status)) = server.child.try_wait() {
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                return Err(format!("exited with {status} on port {port}:\n{log}"));
            }
            if let Ok(sock) = TcpStream::connect(addr) {
                let mut c = Raw::from_stream(sock);
                c.send(&encode(&[b"PING"]));
                if c.try_reply().as_deref() == Some(b"+PONG\r\n") {
                    return Ok(server);
                }
            }
            if Instant::now() > deadline {
                return Err(format!("no PONG on port {port} after 20 s"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("probe a free port")
        .port()
}

/// Encodes a command as a RESP multibulk.
pub fn encode(args: &[&[u8]]) -> Vec<u8> {
    let mut v = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        v.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        v.extend_from_slice(a);
        v.extend_from_slice(b"\r\n");
    }
    v
}

/// Encodes a command given as strings.
pub fn encode_str(args: &[&str]) -> Vec<u8> {
    let a: Vec<&[u8]> = args.iter().map(|s| s.as_bytes()).collect();
    encode(&a)
}

/// A raw RESP client: sends bytes, reads back exactly one complete reply at a time.
pub struct Raw {
    sock: TcpStream,
    buf: Vec<u8>,
}

impl Raw {
    /// Connects; a reply that never comes fails after a minute instead of hanging.
    pub fn connect(addr: SocketAddr) -> Raw {
        let sock = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect {addr}: {e}"));
        Raw::from_stream(sock)
    }

    fn from_stream(sock: TcpStream) -> Raw {
        sock.set_read_timeout(Some(Duration::from_secs(60)))
            .expect("set a read timeout");
        sock.set_nodelay(true).expect("set TCP_NODELAY");
        Raw {
            sock,
            buf: Vec::new(),
        }
    }

    /// A second handle on the same connection, to read replies on another
    /// thread while this one writes.
    pub fn clone_reader(&self) -> Raw {
        Raw::from_stream(self.sock.try_clone().expect("clone the socket"))
    }

    /// The client side's address (the server's peer address for it).
    pub fn local_addr(&self) -> SocketAddr {
        self.sock.local_addr().expect("local address")
    }

    /// The socket, to be read another way (nothing is left buffered).
    pub fn into_stream(self) -> TcpStream {
        assert!(self.buf.is_empty(), "bytes left buffered");
        self.sock
    }

    /// Reads one reply if it comes within `wait`, else `None` (for checking
    /// that a reply is held back; a late reply stays buffered for
    /// [`Raw::reply`]).
    pub fn reply_within(&mut self, wait: Duration) -> Option<Vec<u8>> {
        self.sock
            .set_read_timeout(Some(wait))
            .expect("set a read timeout");
        let mut chunk = vec![0u8; 1 << 16];
        let got = loop {
            if let Some(n) = reply_len(&self.buf) {
                break Some(self.buf.drain(..n).collect());
            }
            match self.sock.read(&mut chunk) {
                Ok(0) => break None,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => break None,
            }
        };
        self.sock
            .set_read_timeout(Some(Duration::from_secs(60)))
            .expect("set a read timeout");
        got
    }

    /// Writes raw bytes.
    pub fn send(&mut self, bytes: &[u8]) {
        self.sock.write_all(bytes).expect("write to the server");
    }

    /// Writes raw bytes; the connection may already be closed.
    pub fn try_send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.sock.write_all(bytes)
    }

    /// Sends one command and returns its reply.
    pub fn call(&mut self, args: &[&str]) -> Vec<u8> {
        self.send(&encode_str(args));
        self.reply()
    }

    /// Sends one command with binary arguments and returns its reply.
    pub fn call_bytes(&mut self, args: &[&[u8]]) -> Vec<u8> {
        self.send(&encode(args));
        self.reply()
    }

    /// Reads one complete reply; panics if the connection closes first.
    pub fn reply(&mut self) -> Vec<u8> {
        match self.try_reply() {
            Some(r) => r,
            None => panic!(
                "connection closed before a complete reply; buffered: {}",
                escape(&self.buf)
            ),
        }
    }

    /// Reads one complete reply, or `None` if the server closed the connection
    /// (or reset it) before one arrived.
    pub fn try_reply(&mut self) -> Option<Vec<u8>> {
        let mut chunk = vec![0u8; 1 << 16];
        loop {
            if let Some(n) = reply_len(&self.buf) {
                return Some(self.buf.drain(..n).collect());
            }
            let n = match self.sock.read(&mut chunk) {
                Ok(0) => return None,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => return None,
                Err(e) => panic!("read from the server: {e}"),
            };
            // A big bulk: grow the read chunk so 100 MB does not take 1,600 reads.
            if chunk.len() < (1 << 22) && n == chunk.len() {
                chunk.resize(chunk.len() * 4, 0);
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Reads until the server closes; returns everything left (buffered included).
    pub fn read_to_close(&mut self) -> Vec<u8> {
        let mut rest = std::mem::take(&mut self.buf);
        let mut chunk = [0u8; 65536];
        loop {
            match self.sock.read(&mut chunk) {
                Ok(0) => return rest,
                Ok(n) => rest.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => return rest,
                Err(e) => panic!(
                    "waiting for the server to close: {e}; got so far: {}",
                    escape(&rest)
                ),
            }
        }
    }

    /// Half-closes the connection (no more requests).
    pub fn shutdown_write(&mut self) {
        self.sock
            .shutdown(Shutdown::Write)
            .expect("shutdown(Write)");
    }
}

/// Length of the first complete RESP2 or RESP3 reply in `b`, if `b` holds
/// one: lines (`+ - : _ , # (`), blobs (`$ = !`), aggregates (`* ~ >`, maps
/// `%` of pairs, nested), an attribute `|` with the reply it precedes.
pub fn reply_len(b: &[u8]) -> Option<usize> {
    let line = memchr_crlf(b)?;
    let head = std::str::from_utf8(&b[1..line]).ok()?;
    match b.first()? {
        b'+' | b'-' | b':' | b'_' | b',' | b'#' | b'(' => Some(line + 2),
        b'%' | b'|' => {
            let n: i64 = head.parse().ok()?;
            let mut pos = line + 2;
            for _ in 0..2 * n.max(0) {
                pos += reply_len(&b[pos..])?;
            }
            if b[0] == b'|' {
                pos += reply_len(&b[pos..])?;
            }
            Some(pos)
        }
        b'$' | b'=' | b'!' => {
            let n: i64 = head.parse().ok()?;
            if n < 0 {
                return Some(line + 2);
            }
            let total = line + 2 + n as usize + 2;
            (b.len() >= total).then_some(total)
        }
        b'*' | b'~' | b'>' => {
            let n: i64 = head.parse().ok()?;
            let mut pos = line + 2;
            for _ in 0..n.max(0) {
                pos += reply_len(&b[pos..])?;
            }
            Some(pos)
        }
        other => panic!(
            "not a RESP reply (type byte {:?}): {}",
            *other as char,
            escape(b)
        ),
    }
}

fn memchr_crlf(b: &[u8]) -> Option<usize> {
    b.windows(2).position(|w| w == b"\r\n")
}

/// The elements of an aggregate reply (array, RESP3 set or push; a RESP3
/// map's keys and values alternating), each as its own complete reply;
/// `None` if `reply` is not a (non-null) aggregate.
pub fn array_items(reply: &[u8]) -> Option<Vec<&[u8]>> {
    let pairs = match reply.first() {
        Some(b'*' | b'~' | b'>') => false,
        Some(b'%') => true,
        _ => return None,
    };
    let line = memchr_crlf(reply)?;
    let n: i64 = std::str::from_utf8(&reply[1..line]).ok()?.parse().ok()?;
    if n < 0 {
        return None;
    }
    let n = if pairs { 2 * n } else { n };
    let mut pos = line + 2;
    let mut items = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let len = reply_len(&reply[pos..])?;
        items.push(&reply[pos..pos + len]);
        pos += len;
    }
    Some(items)
}

/// The numeric `field` of `INFO section`, through `c` (`None` when it is
/// missing or not a number).
pub fn info_num(c: &mut Raw, section: &str, field: &str) -> Option<u64> {
    let reply = c.call(&["INFO", section]);
    let prefix = format!("{field}:");
    String::from_utf8_lossy(&reply)
        .lines()
        .find_map(|l| l.strip_prefix(&prefix).map(|v| v.trim().parse().ok()))
        .flatten()
}

/// The value of an integer reply (`:N\r\n`).
pub fn integer(reply: &[u8]) -> Option<i64> {
    let body = reply.strip_prefix(b":")?.strip_suffix(b"\r\n")?;
    std::str::from_utf8(body).ok()?.parse().ok()
}

/// The payload of a (non-null) bulk string reply.
pub fn bulk_body(reply: &[u8]) -> Option<&[u8]> {
    let rest = reply.strip_prefix(b"$")?;
    let line = memchr_crlf(rest)?;
    let n: usize = std::str::from_utf8(&rest[..line]).ok()?.parse().ok()?;
    rest.get(line + 2..line + 2 + n)
}

/// A bulk string reply.
pub fn bulk(v: &[u8]) -> Vec<u8> {
    let mut r = format!("${}\r\n", v.len()).into_bytes();
    r.extend_from_slice(v);
    r.extend_from_slice(b"\r\n");
    r
}

/// Bytes as a readable, escaped string (`+OK\r\n`), cut after 400 characters.
pub fn escape(b: &[u8]) -> String {
    let mut s = String::new();
    for &c in b.iter().take(400) {
        s.extend(std::ascii::escape_default(c).map(char::from));
    }
    if b.len() > 400 {
        s.push_str(&format!("… ({} bytes)", b.len()));
    }
    s
}

/// 64-bit FNV-1a: a content fingerprint for large values.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// `n` pseudo-random bytes (xorshift), the same for the same seed.
pub fn noise(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    let mut v = Vec::with_capacity(n + 8);
    while v.len() < n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.extend_from_slice(&x.to_le_bytes());
    }
    v.truncate(n);
    v
}

/// Runs a client application (`cmd`, `what` naming it in failures) and
/// gives its `name value` output lines; fails loudly when it cannot start
/// (`missing` says what to install) or exits with an error.
pub fn app_lines(cmd: &mut Command, what: &str, missing: &str) -> Vec<(String, String)> {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what} ({missing}): {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{what} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("{stdout}");
    stdout
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The value of line `name` of [`app_lines`]' output.
pub fn line_value<'a>(lines: &'a [(String, String)], name: &str) -> &'a str {
    lines
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no `{name}` line in {lines:?}"))
}

/// The replies of a session's calls, as text, in order (what the
/// `same_as_redis` sessions compare).
#[derive(Default)]
pub struct Transcript(pub Vec<String>);

impl Transcript {
    /// Sends `args` on `c` and records its reply.
    pub fn call(&mut self, c: &mut Raw, args: &[&str]) {
        self.0
            .push(String::from_utf8_lossy(&c.call(args)).into_owned());
    }
}
