//! An in-process server for tests: the real [`Runtime`] (reactors, rings,
//! lookahead and prefetch, held connections, direct replies) on a free port
//! of 127.0.0.1 in background threads, and a small blocking RESP client that
//! sends raw bytes or commands and reads back whole replies. What a test sees
//! through it is what a client of a real server sees.
//!
//! ```
//! # use kevy_rt::testing::TestServer;
//! # fn demo<C: kevy_rt::Commands>(cmds: C) {
//! let server = TestServer::start(cmds, 2);
//! let mut c = server.connect();
//! let reply: Vec<u8> = c.call(&["PING"]);
//! # }
//! ```

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use crate::commands::Commands;
use crate::router::Router;
use crate::runtime::{Runtime, Server};

/// How long a client waits for a reply before the test fails.
const REPLY_WAIT: Duration = Duration::from_secs(30);

/// A runtime serving a command set on 127.0.0.1, stopped when dropped.
pub struct TestServer {
    server: Server,
    router: Router,
}

impl TestServer {
    /// Starts `cmds` on `nshards` shards on a free port. Panics when the
    /// runtime cannot start (a test fixture: the test cannot go on).
    pub fn start<C: Commands>(cmds: C, nshards: usize) -> TestServer {
        match TestServer::try_start(cmds, nshards) {
            Ok(s) => s,
            Err(e) => panic!("start a test server: {e}"),
        }
    }

    /// Like [`TestServer::start`], with the error returned.
    pub fn try_start<C: Commands>(cmds: C, nshards: usize) -> io::Result<TestServer> {
        let nshards = nshards.max(1);
        let server = Runtime::builder(cmds)
            .bind("127.0.0.1:0")
            .shards(nshards)
            .build()?
            .start()?;
        Ok(TestServer {
            server,
            router: Router::new(nshards),
        })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// Its router (which shard owns a key).
    pub fn router(&self) -> Router {
        self.router
    }

    /// Its per-shard counters.
    pub fn stats(&self) -> &crate::stats::Stats {
        self.server.stats()
    }

    /// A new client connection. Panics when it cannot connect.
    pub fn connect(&self) -> TestClient {
        let sock = match TcpStream::connect(self.addr()) {
            Ok(s) => s,
            Err(e) => panic!("connect to the test server: {e}"),
        };
        let _ = sock.set_nodelay(true);
        let _ = sock.set_read_timeout(Some(REPLY_WAIT));
        TestClient {
            sock,
            buf: Vec::new(),
            closed: false,
        }
    }
}

/// A blocking RESP client of a [`TestServer`].
pub struct TestClient {
    sock: TcpStream,
    /// Received bytes not yet returned as replies.
    buf: Vec<u8>,
    closed: bool,
}

impl TestClient {
    /// Writes raw bytes (a request, a pipeline, half a request…).
    pub fn send(&mut self, bytes: &[u8]) {
        if self.sock.write_all(bytes).is_err() {
            self.closed = true;
        }
    }

    /// Sends one command (as a RESP multibulk) and returns its reply; empty
    /// when the server closed the connection first.
    pub fn call<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Vec<u8> {
        self.send(&encode(args));
        self.reply().unwrap_or_default()
    }

    /// Sends every command in one write and returns their replies, in order.
    pub fn pipeline<A: AsRef<[u8]>>(&mut self, cmds: &[&[A]]) -> Vec<Vec<u8>> {
        let bytes: Vec<u8> = cmds.iter().flat_map(|c| encode(c)).collect();
        self.send(&bytes);
        self.replies(cmds.len())
    }

    /// Reads exactly `n` replies (fewer when the server closes first).
    pub fn replies(&mut self, n: usize) -> Vec<Vec<u8>> {
        (0..n).map_while(|_| self.reply()).collect()
    }

    /// Reads one complete reply; `None` when the server closed the
    /// connection before one arrived. Panics when none comes within 30 s.
    pub fn reply(&mut self) -> Option<Vec<u8>> {
        let mut chunk = vec![0u8; 1 << 16];
        loop {
            if let Some(n) = reply_len(&self.buf) {
                return Some(self.buf.drain(..n).collect());
            }
            if self.closed {
                return None;
            }
            match self.sock.read(&mut chunk) {
                Ok(0) => self.closed = true,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    panic!(
                        "no reply within {REPLY_WAIT:?}; buffered: {:?}",
                        String::from_utf8_lossy(&self.buf)
                    )
                }
                Err(_) => self.closed = true,
            }
        }
    }

    /// Hangs up: shuts the socket down both ways (the server reads the
    /// end of the stream).
    pub fn hang_up(&mut self) {
        let _ = self.sock.shutdown(std::net::Shutdown::Both);
        self.closed = true;
    }

    /// The server closed the connection (seen while writing or reading).
    pub fn closed(&self) -> bool {
        self.closed
    }
}

/// Encodes a command as a RESP multibulk.
pub fn encode<A: AsRef<[u8]>>(args: &[A]) -> Vec<u8> {
    let mut v = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        let a = a.as_ref();
        v.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        v.extend_from_slice(a);
        v.extend_from_slice(b"\r\n");
    }
    v
}

/// Length of the first complete RESP2 or RESP3 reply in `b`, if `b` holds
/// one: lines (`+ - : _ , # (` and anything unknown), blobs (`$ = !`),
/// aggregates (`* ~ >`, maps `%` and attributes `|` of pairs, an attribute
/// with the reply it precedes).
pub fn reply_len(b: &[u8]) -> Option<usize> {
    let line = b.windows(2).position(|w| w == b"\r\n")?;
    let count = || -> Option<i64> { std::str::from_utf8(&b[1..line]).ok()?.parse().ok() };
    match b.first()? {
        b'$' | b'=' | b'!' => {
            let n = count()?;
            if n < 0 {
                return Some(line + 2);
            }
            let total = line + 2 + n as usize + 2;
            (b.len() >= total).then_some(total)
        }
        kind @ (b'*' | b'~' | b'>' | b'%' | b'|') => {
            let n = count()?.max(0) * if matches!(kind, b'%' | b'|') { 2 } else { 1 };
            let mut pos = line + 2;
            for _ in 0..n {
                pos += reply_len(&b[pos..])?;
            }
            if *kind == b'|' {
                pos += reply_len(&b[pos..])?;
            }
            Some(pos)
        }
        _ => Some(line + 2),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_lengths() {
        assert_eq!(reply_len(b"+OK\r\n+OK"), Some(5));
        assert_eq!(reply_len(b"$3\r\nabc\r"), None);
        assert_eq!(reply_len(b"$3\r\nabc\r\n:1\r\n"), Some(9));
        assert_eq!(reply_len(b"$-1\r\n"), Some(5));
        assert_eq!(reply_len(b"*2\r\n:1\r\n$1\r\nx\r\n"), Some(15));
        assert_eq!(reply_len(b"*2\r\n:1\r\n"), None);
        assert_eq!(reply_len(b"%1\r\n+a\r\n:1\r\n"), Some(12));
        assert_eq!(reply_len(b"*-1\r\n"), Some(5));
    }
}
