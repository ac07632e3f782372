//! A small memcached load generator: `threads` threads, each driving its share
//! of `conns` blocking connections in lock step — every connection sends a
//! batch of `depth` pipelined requests, then every connection reads its
//! replies — until the run's requests are done. Keys are random over a key
//! space; every reply is checked.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

/// The workload of one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `set key:N 0 0 <value>`.
    Set,
    /// `get key:N`.
    Get,
}

/// Load shape.
#[derive(Clone, Copy, Debug)]
pub struct Load {
    /// What to send.
    pub op: Op,
    /// Connections in all.
    pub conns: usize,
    /// Client threads.
    pub threads: usize,
    /// Requests in flight per connection.
    pub depth: usize,
    /// Requests in all.
    pub requests: u64,
    /// Bytes per value.
    pub value_size: usize,
    /// Distinct keys.
    pub keys: u64,
}

/// xorshift64*: a tiny deterministic generator.
pub struct Rng(u64);

impl Rng {
    /// A generator from a non-zero seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    /// The next number.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

struct Conn {
    sock: TcpStream,
    buf: Vec<u8>,
    pending: u64,
    /// `VALUE` blocks received (get hits).
    hits: u64,
}

/// Reads until `n` replies of `op` have arrived, checking each.
fn read_replies(c: &mut Conn, op: Op, mut n: u64) -> Result<(), String> {
    let mut pos = 0;
    let mut chunk = [0u8; 64 * 1024];
    while n > 0 {
        // Parse what is buffered.
        loop {
            if n == 0 {
                break;
            }
            let Some(nl) = c.buf[pos..].windows(2).position(|w| w == b"\r\n") else {
                break;
            };
            let line = &c.buf[pos..pos + nl];
            match op {
                Op::Set if line == b"STORED" => {
                    pos += nl + 2;
                    n -= 1;
                }
                Op::Get if line == b"END" => {
                    pos += nl + 2;
                    n -= 1;
                }
                Op::Get if line.starts_with(b"VALUE ") => {
                    let len: usize =
                        std::str::from_utf8(line.rsplit(|&b| b == b' ').next().unwrap_or(b""))
                            .ok()
                            .and_then(|s| s.parse().ok())
                            .ok_or_else(|| {
                                format!("bad VALUE line {:?}", String::from_utf8_lossy(line))
                            })?;
                    if c.buf.len() < pos + nl + 2 + len + 2 {
                        break;
                    }
                    pos += nl + 2 + len + 2;
                    c.hits += 1;
                }
                _ => {
                    return Err(format!(
                        "unexpected reply {:?}",
                        String::from_utf8_lossy(line)
                    ))
                }
            }
        }
        if n == 0 {
            break;
        }
        c.buf.drain(..pos);
        pos = 0;
        let got = c.sock.read(&mut chunk).map_err(|e| format!("read: {e}"))?;
        if got == 0 {
            return Err("server closed the connection".into());
        }
        c.buf.extend_from_slice(&chunk[..got]);
    }
    c.buf.drain(..pos);
    Ok(())
}

fn worker(conns: &mut [Conn], load: Load, mut requests: u64, seed: u64) -> Result<u64, String> {
    let mut rng = Rng::new(seed);
    let value = vec![b'v'; load.value_size];
    let mut out = Vec::with_capacity(load.depth * (load.value_size + 40));
    while requests > 0 {
        for c in conns.iter_mut() {
            let k = (load.depth as u64).min(requests);
            requests -= k;
            out.clear();
            for _ in 0..k {
                let key = rng.next() % load.keys;
                match load.op {
                    Op::Set => {
                        out.extend_from_slice(
                            format!("set key:{key} 0 0 {}\r\n", value.len()).as_bytes(),
                        );
                        out.extend_from_slice(&value);
                        out.extend_from_slice(b"\r\n");
                    }
                    Op::Get => out.extend_from_slice(format!("get key:{key}\r\n").as_bytes()),
                }
            }
            c.sock.write_all(&out).map_err(|e| format!("write: {e}"))?;
            c.pending = k;
        }
        for c in conns.iter_mut() {
            let k = std::mem::take(&mut c.pending);
            read_replies(c, load.op, k)?;
        }
    }
    Ok(conns.iter().map(|c| c.hits).sum())
}

/// Runs `load` against `addr`; returns the wall time from the moment every
/// connection is open until the last reply, and the number of get hits.
pub fn run(addr: SocketAddr, load: Load) -> Result<(Duration, u64), String> {
    let threads = load.threads.max(1);
    let start = Arc::new(Barrier::new(threads + 1));
    let mut handles = Vec::new();
    for t in 0..threads {
        let share =
            load.requests / threads as u64 + u64::from((t as u64) < load.requests % threads as u64);
        let nconns = load.conns / threads + usize::from(t < load.conns % threads);
        let start = start.clone();
        handles.push(std::thread::spawn(move || -> Result<u64, String> {
            let conns: Result<Vec<Conn>, String> = (0..nconns.max(1))
                .map(|_| {
                    let sock = TcpStream::connect(addr).map_err(|e| format!("connect: {e}"))?;
                    let _ = sock.set_nodelay(true);
                    let _ = sock.set_read_timeout(Some(Duration::from_secs(60)));
                    Ok(Conn {
                        sock,
                        buf: Vec::new(),
                        pending: 0,
                        hits: 0,
                    })
                })
                .collect();
            start.wait();
            worker(&mut conns?, load, share, 0x9E37_79B9 + t as u64)
        }));
    }
    start.wait();
    let began = Instant::now();
    let mut result = Ok(0);
    for h in handles {
        match h.join() {
            Ok(Ok(hits)) => result = result.map(|n| n + hits),
            Ok(Err(e)) => result = Err(e),
            Err(_) => result = Err("a load thread panicked".into()),
        }
    }
    let elapsed = began.elapsed();
    result.map(|hits| (elapsed, hits))
}
