//! Shared helpers: servers (in-process kevy, a real `memcached` child) and a
//! raw text-protocol client.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use kevy_rt::Server;
use memcached::Memcached;

/// kevy's memcached in-process on `shards` shards and a free port.
pub fn kevy(shards: usize) -> Server {
    Memcached::new()
        .runtime("127.0.0.1:0", shards)
        .expect("build")
        .start()
        .expect("start")
}

/// A real `memcached` on a free port, killed and reaped on drop.
pub struct Real {
    child: Child,
    pub addr: SocketAddr,
}

impl Real {
    /// Starts Debian's `memcached` (`-t 2`, no UDP) and waits until it accepts.
    pub fn start() -> Real {
        let mut last = String::new();
        for _ in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let spawned = Command::new("memcached")
                .args([
                    "-u",
                    "root",
                    "-l",
                    "127.0.0.1",
                    "-U",
                    "0",
                    "-t",
                    "2",
                    "-p",
                    &port.to_string(),
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn();
            let mut child = match spawned {
                Ok(c) => c,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
                    "memcached is not installed (not found on PATH): these tests compare kevy with \
                     a real memcached 1.6 (Debian: apt-get install memcached; `cargo xtask test` does it)"
                ),
                Err(e) => panic!("cannot run memcached: {e}"),
            };
            let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
            for _ in 0..200 {
                if TcpStream::connect(addr).is_ok() {
                    return Real { child, addr };
                }
                if let Ok(Some(status)) = child.try_wait() {
                    last = format!("exited with {status}");
                    break;
                }
                std::thread::sleep(Duration::from_millis(25));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("memcached did not start: {last}");
    }
}

impl Drop for Real {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A raw connection: send bytes, read replies up to a `version` sentinel.
pub struct Raw {
    sock: TcpStream,
}

impl Raw {
    pub fn connect(addr: SocketAddr) -> Raw {
        let sock = TcpStream::connect(addr).expect("connect");
        // A safety net against a hung test, not a timing assertion.
        sock.set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        Raw { sock }
    }

    /// Sends `script` then `version`, returns everything answered before the
    /// `VERSION` line (the script must not send `version` itself).
    pub fn exchange(&mut self, script: &[u8]) -> Vec<u8> {
        self.sock.write_all(script).expect("write");
        self.sock.write_all(b"version\r\n").expect("write");
        let mut got = Vec::new();
        let mut chunk = vec![0; 1 << 16];
        loop {
            if let Some(at) = version_line_at_end(&got) {
                got.truncate(at);
                return got;
            }
            let n = self.sock.read(&mut chunk).expect("read");
            assert!(
                n > 0,
                "closed early; got {:?}",
                String::from_utf8_lossy(&got)
            );
            got.extend_from_slice(&chunk[..n]);
        }
    }

    /// Sends `script` and reads until the server closes the connection.
    pub fn until_close(&mut self, script: &[u8]) -> Vec<u8> {
        let _ = self.sock.write_all(script);
        let mut got = Vec::new();
        match self.sock.read_to_end(&mut got) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
            Err(e) => panic!(
                "the server did not close: {e}; got {:?}",
                String::from_utf8_lossy(&got)
            ),
        }
        got
    }
}

/// Where a final `VERSION …\r\n` line starts, if the buffer ends with one.
fn version_line_at_end(b: &[u8]) -> Option<usize> {
    if !b.ends_with(b"\r\n") {
        return None;
    }
    let body = &b[..b.len() - 2];
    let start = body.iter().rposition(|&c| c == b'\n').map_or(0, |i| i + 1);
    body[start..].starts_with(b"VERSION ").then_some(start)
}
