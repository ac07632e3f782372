//! MIGRATE's connections to target instances (Redis's
//! `migrateGetSocket` and its cache): a blocking TCP connection per
//! `host:port`, opened with the command's timeout, kept for
//! [`TTL`] after its last use with the database it last selected, at most
//! [`MAX`] of them (a random one is dropped for a new one). A connection is
//! taken out of the cache while one shard uses it and put back after, so
//! shards migrating at once never share a socket.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Redis's `MIGRATE_SOCKET_CACHE_TTL`: a connection unused this long closes.
pub const TTL: Duration = Duration::from_secs(10);
/// Redis's `MIGRATE_SOCKET_CACHE_ITEMS`.
pub const MAX: usize = 64;

/// One cached connection.
#[derive(Debug)]
pub struct Link {
    /// The socket.
    stream: TcpStream,
    /// The database last selected on it (`None`: select before use).
    pub last_db: Option<i64>,
    /// When it was last used.
    used: Instant,
}

/// The cache, by `host:port` (one per process: Redis has one per server).
static CACHE: Mutex<Option<HashMap<Vec<u8>, Link>>> = Mutex::new(None);

fn with_cache<T>(f: impl FnOnce(&mut HashMap<Vec<u8>, Link>) -> T) -> T {
    let mut guard = CACHE.lock().unwrap_or_else(|p| p.into_inner());
    f(guard.get_or_insert_with(HashMap::new))
}

/// `host:port`, the cache's key.
pub fn name(host: &[u8], port: &[u8]) -> Vec<u8> {
    let mut n = Vec::with_capacity(host.len() + port.len() + 1);
    n.extend_from_slice(host);
    n.push(b':');
    n.extend_from_slice(port);
    n
}

/// The number of cached connections (INFO's `migrate_cached_sockets`).
pub fn cached() -> usize {
    with_cache(|c| c.len())
}

/// Closes the connections unused for longer than [`TTL`] (Redis's
/// `migrateCloseTimedoutSockets`, from the cron; here from the shards' tick).
pub fn expire() {
    let Ok(mut guard) = CACHE.try_lock() else {
        return;
    };
    if let Some(c) = guard.as_mut() {
        c.retain(|_, l| l.used.elapsed() <= TTL);
    }
}

/// Takes the cached connection to `host:port`, or opens one within
/// `timeout`; `None` when it cannot be opened.
pub fn take(host: &[u8], port: &[u8], timeout: Duration) -> Option<Link> {
    let key = name(host, port);
    if let Some(mut l) = with_cache(|c| c.remove(&key)) {
        l.used = Instant::now();
        return Some(l);
    }
    let stream = connect(host, port, timeout)?;
    let _ = stream.set_nodelay(true);
    Some(Link {
        stream,
        last_db: None,
        used: Instant::now(),
    })
}

/// Puts a connection back after use; one already cached under its name
/// (opened meanwhile by another shard) is replaced.
pub fn put(host: &[u8], port: &[u8], link: Link) {
    let key = name(host, port);
    with_cache(|c| {
        if c.len() >= MAX && !c.contains_key(&key) {
            let victim = c.keys().nth(crate::base::random::below(c.len())).cloned();
            if let Some(v) = victim {
                c.remove(&v);
            }
        }
        c.insert(key, link);
    });
}

/// Redis's `connBlockingConnect`: the port as `atoi` reads it, every
/// address the host resolves to, each tried within `timeout`.
fn connect(host: &[u8], port: &[u8], timeout: Duration) -> Option<TcpStream> {
    let host = std::str::from_utf8(host).ok()?;
    let port = atoi(port);
    let port = u16::try_from(port).ok().filter(|&p| p != 0)?;
    let addrs = (host, port).to_socket_addrs().ok()?;
    addrs
        .into_iter()
        .find_map(|a| TcpStream::connect_timeout(&a, timeout).ok())
}

/// C's `atoi`: optional spaces and sign, then digits; 0 for none.
fn atoi(s: &[u8]) -> i64 {
    let s = s.trim_ascii_start();
    let (neg, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut n: i64 = 0;
    for &c in digits.iter().take_while(|c| c.is_ascii_digit()) {
        n = n.saturating_mul(10).saturating_add((c - b'0') as i64);
    }
    if neg {
        -n
    } else {
        n
    }
}

/// How an exchange with the target failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Writing the commands failed.
    Write {
        /// The write timed out (no retry).
        timed_out: bool,
    },
    /// Reading a reply failed.
    Read {
        /// The read timed out (no retry).
        timed_out: bool,
    },
}

fn timed_out(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

impl Link {
    /// Writes `buf` (Redis writes it in 64 KB pieces, each within the
    /// timeout).
    pub fn send(&mut self, buf: &[u8], timeout: Duration) -> Result<(), Failure> {
        let _ = self.stream.set_write_timeout(Some(timeout));
        for piece in buf.chunks(64 * 1024) {
            if let Err(e) = self.stream.write_all(piece) {
                return Err(Failure::Write {
                    timed_out: timed_out(&e),
                });
            }
        }
        Ok(())
    }

    /// A reader of reply lines, each within `timeout`.
    pub fn lines(&mut self, timeout: Duration) -> Lines<'_> {
        let _ = self.stream.set_read_timeout(Some(timeout));
        Lines {
            reader: BufReader::new(&self.stream),
        }
    }
}

/// Reply lines read from a [`Link`].
pub struct Lines<'a> {
    /// The buffered socket.
    reader: BufReader<&'a TcpStream>,
}

impl Lines<'_> {
    /// Redis's `connSyncReadLine`: one line without its CR LF (at most
    /// 1 KB kept); an error for a closed connection or a timeout.
    pub fn line(&mut self) -> Result<Vec<u8>, Failure> {
        let mut line = Vec::new();
        match self.reader.read_until(b'\n', &mut line) {
            Ok(0) => Err(Failure::Read { timed_out: false }),
            Ok(_) if line.last() != Some(&b'\n') => Err(Failure::Read { timed_out: false }),
            Ok(_) => {
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                line.truncate(1023);
                Ok(line)
            }
            Err(e) => Err(Failure::Read {
                timed_out: timed_out(&e),
            }),
        }
    }
}
