//! The helpers every family's tests go through: [`harness`], a three-shard
//! kevy on the real runtime (every command goes through the reactor, as a
//! client's would: lookahead, prefetch, forwarding, direct replies), and
//! `run`/`check` returning or asserting a command's exact reply bytes. Tests
//! that reach into a shard's state (or its tick, or a session) use the
//! in-process [`inline`] harness instead; `run`/`check` drive either.

use kevy_rt::testing::{Harness, TestClient, TestServer};

use crate::Redis;
use kevy_rt::{Commands, Gather, Router};

use crate::shard::ShardState as DriveKeyspace;

/// Shards in test harnesses: enough for keys to land on different shards.
pub const SHARDS: usize = 3;

/// A fresh three-shard kevy on a real runtime, with Redis's defaults.
pub fn harness() -> Kevy {
    let redis = redis();
    let server = TestServer::start(redis.clone(), SHARDS);
    Kevy {
        conns: vec![server.connect()],
        server,
        redis,
    }
}

/// The Redis command set for a test: without Redis's built-in `save`
/// rules, so that a FLUSHALL (which saves when rules are set) writes no
/// `dump.rdb` into the working directory that tests share.
pub fn redis() -> Redis {
    let redis = Redis::new();
    redis
        .config()
        .load("save", &[""])
        .expect("save \"\" is a valid setting");
    redis
}

/// A fresh three-shard in-process harness (no sockets, no threads), for
/// tests that reach into shards, ticks or sessions.
pub fn inline() -> Harness<Redis> {
    Harness::new(redis(), SHARDS)
}

/// A kevy server for one test, and its client connections (the first made
/// at start). Dropping it closes them and stops the server.
pub struct Kevy {
    conns: Vec<TestClient>,
    server: TestServer,
    redis: Redis,
}

/// A connection of a [`Kevy`], from [`Kevy::connect`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conn(usize);

impl Kevy {
    /// Runs one command on the first connection and returns its reply.
    pub fn run<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Vec<u8> {
        self.run_on(Conn(0), args)
    }

    /// Runs one command on connection `conn` and returns its reply. A
    /// connection the server closed (`QUIT`) is opened again first.
    pub fn run_on<A: AsRef<[u8]>>(&mut self, conn: Conn, args: &[A]) -> Vec<u8> {
        if self.conns[conn.0].closed() {
            self.conns[conn.0] = self.server.connect();
        }
        self.conns[conn.0].call(args)
    }

    /// Opens another connection.
    pub fn connect(&mut self) -> Conn {
        self.conns.push(self.server.connect());
        Conn(self.conns.len() - 1)
    }

    /// Connection `conn`'s client, to send raw bytes or pipelines.
    pub fn client(&mut self, conn: Conn) -> &mut TestClient {
        &mut self.conns[conn.0]
    }

    /// The router in use.
    pub fn router(&self) -> Router {
        self.server.router()
    }

    /// The command set (its configuration is the server's).
    pub fn commands(&self) -> &Redis {
        &self.redis
    }
}

/// What `run` and `check` drive: a [`Kevy`] or an in-process [`Harness`].
pub trait Drive {
    /// Runs one command and returns its reply bytes.
    fn drive(&mut self, args: &[&[u8]]) -> Vec<u8>;
    /// The router in use.
    fn shards(&self) -> Router;
}

impl Drive for Kevy {
    fn drive(&mut self, args: &[&[u8]]) -> Vec<u8> {
        self.run(args)
    }
    fn shards(&self) -> Router {
        self.router()
    }
}

impl Drive for Harness<Redis> {
    fn drive(&mut self, args: &[&[u8]]) -> Vec<u8> {
        self.run(args)
    }
    fn shards(&self) -> Router {
        self.router()
    }
}

/// Runs `args` and returns the reply bytes.
pub fn run(h: &mut impl Drive, args: &[&str]) -> Vec<u8> {
    let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
    h.drive(&args)
}

/// Runs `args` given as raw bytes and returns the reply bytes.
pub fn run_bytes(h: &mut impl Drive, args: &[&[u8]]) -> Vec<u8> {
    h.drive(args)
}

/// Splits a command line on spaces; `"…"` quotes one argument (no escapes).
pub fn split(line: &str) -> Vec<String> {
    let (mut args, mut cur, mut quoted, mut any) = (Vec::new(), String::new(), false, false);
    for ch in line.chars() {
        match ch {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            ' ' if !quoted => {
                if any {
                    args.push(std::mem::take(&mut cur));
                }
                any = false;
            }
            _ => {
                cur.push(ch);
                any = true;
            }
        }
    }
    if any {
        args.push(cur);
    }
    args
}

/// Asserts the reply of each `(command, reply)` pair, in order (commands are
/// split by [`split`]). The replies are redis-server 7.0.15's, byte for byte.
pub fn check(h: &mut impl Drive, script: &[(&str, &str)]) {
    for (cmd, want) in script {
        let args = split(cmd);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let got = run(h, &args);
        assert_eq!(String::from_utf8_lossy(&got), *want, "command: {cmd}");
    }
}

/// Sends the whole script in one write (a pipeline, as a client may) and
/// asserts everything that comes back is the expected replies, in order;
/// an empty expected reply is one the server must not send (`CLIENT REPLY`).
pub fn check_pipelined(h: &mut Kevy, script: &[(&str, &str)]) {
    let mut bytes = Vec::new();
    for (cmd, _) in script {
        bytes.extend(kevy_rt::testing::encode(&split(cmd)));
    }
    let want: Vec<&str> = script
        .iter()
        .map(|(_, r)| *r)
        .filter(|r| !r.is_empty())
        .collect();
    let c = h.client(Conn(0));
    c.send(&bytes);
    let got: Vec<String> = c
        .replies(want.len())
        .iter()
        .map(|r| String::from_utf8_lossy(r).into_owned())
        .collect();
    assert_eq!(got, want, "pipeline: {script:?}");
    // Nothing beyond: a ping's reply is the next thing to come.
    assert_eq!(c.call(&["PING"]), b"+PONG\r\n");
}

/// Like [`check`], for replies that are not text: compared as bytes.
pub fn check_bytes(h: &mut impl Drive, script: &[(&str, &[u8])]) {
    for (cmd, want) in script {
        let args = split(cmd);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let got = run(h, &args);
        assert_eq!(got, *want, "command: {cmd}");
    }
}

/// Keys that land on pairwise different shards of the harness router, with the
/// given prefix (so tests can be sure a command really spans shards).
pub fn keys_on_distinct_shards(h: &impl Drive, prefix: &str) -> Vec<String> {
    let router = h.shards();
    let mut seen = [false; SHARDS];
    let mut keys = Vec::new();
    for i in 0.. {
        let k = format!("{prefix}{i}");
        let s = router.shard_of(k.as_bytes());
        if !seen[s] {
            seen[s] = true;
            keys.push(k);
            if keys.len() == SHARDS {
                break;
            }
        }
    }
    keys
}

/// The elements of a RESP array reply, flattened one level (a nested array,
/// like SCAN's, yields its own elements after the outer ones before it);
/// integers and bulks become their text, a null bulk becomes `"(nil)"`.
pub fn items(reply: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(reply);
    let mut lines = text.split("\r\n");
    let mut out = Vec::new();
    while let Some(line) = lines.next() {
        match line.as_bytes().first() {
            Some(b'$') if line == "$-1" => out.push("(nil)".into()),
            Some(b'$') => out.push(lines.next().unwrap_or_default().to_string()),
            Some(b':') | Some(b'+') | Some(b'-') => out.push(line[1..].to_string()),
            _ => {}
        }
    }
    out
}

/// Runs `words` as a planned command, calling `between(round, shards)`
/// before each round after the first.
pub fn drive(
    shards: &mut [DriveKeyspace],
    router: &kevy_rt::Router,
    words: &[&str],
    mut between: impl FnMut(usize, &mut [DriveKeyspace]),
) -> String {
    let redis = redis();
    let args: kevy_rt::OwnedArgs = words.iter().collect();
    let spec = crate::table::find(args.args()).expect("a valid command");
    let ctx = crate::Ctx::default();
    let mut parts = Vec::new();
    // The connection lives on shard 0: plans are made and gathered there.
    let mut planned = redis.plan(&mut shards[0], ctx, spec, args.args(), router, &mut parts);
    let mut out = Vec::new();
    let mut round = 0;
    loop {
        if round > 0 {
            between(round, shards);
        }
        let replies = parts
            .drain(..)
            .map(|(s, p)| {
                redis.execute_part(&mut shards[s], ctx, p, &mut kevy_rt::ClientsOf::none())
            })
            .collect();
        let g = redis.gather(
            &mut shards[0],
            &mut planned.plan,
            replies,
            router,
            &mut parts,
            &mut out,
        );
        round += 1;
        if g == Gather::Done {
            break;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
