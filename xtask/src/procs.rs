//! Child processes for benchmarks: servers on free ports (stopped on drop),
//! clients run under a deadline (killed when late), and a process's CPU time
//! (user + system, all threads) in nanoseconds from its threads' `schedstat`
//! — the figure `/proc/<pid>/stat`'s utime + stime gives in 10 ms ticks.

use std::fs::File;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The flags a compared kevy-server runs with: `port`, loopback only, 2
/// shards, no snapshots (as the redis-server it is compared with).
pub fn kevy_flags(port: u16) -> Vec<String> {
    let port = port.to_string();
    [
        "--port",
        &port,
        "--bind",
        "127.0.0.1",
        "--threads",
        "2",
        "--save",
        "",
    ]
    .map(String::from)
    .to_vec()
}

/// A free TCP port on 127.0.0.1 (bound, then released for the server to take).
pub fn free_port() -> Result<u16, String> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    l.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

/// A server child process, killed and reaped on drop.
pub struct Server {
    /// What it is, for messages.
    pub name: String,
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
}

impl Server {
    /// Starts `program args…` listening on `port` and waits until `ready`
    /// answers true on a fresh connection (at most `wait`).
    pub fn start(
        name: &str,
        program: &Path,
        args: &[String],
        port: u16,
        ready: fn(&mut TcpStream) -> bool,
    ) -> Result<Server, String> {
        let child = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
        let mut server = Server {
            name: name.into(),
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!("{name} exited at start: {status}"));
            }
            if let Ok(mut s) = TcpStream::connect(server.addr) {
                let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
                if ready(&mut s) {
                    return Ok(server);
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(format!("{name} did not become ready on port {port}"))
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Still running?
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends one request and checks the reply starts with `expect`.
pub fn ask(s: &mut TcpStream, request: &[u8], expect: &[u8]) -> bool {
    if s.write_all(request).is_err() {
        return false;
    }
    let mut got = Vec::new();
    let mut buf = [0u8; 512];
    while got.len() < expect.len() {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return false,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    got.starts_with(expect)
}

/// RESP `PING` answers `+PONG`.
pub fn resp_ready(s: &mut TcpStream) -> bool {
    ask(s, b"*1\r\n$4\r\nPING\r\n", b"+PONG")
}

/// memcached `version` answers `VERSION`.
pub fn memcached_ready(s: &mut TcpStream) -> bool {
    ask(s, b"version\r\n", b"VERSION ")
}

/// A process's CPU time in nanoseconds, read from each thread's
/// `/proc/<pid>/task/<tid>/schedstat` (files kept open; threads are listed
/// once, so make the probe after the process has started its threads).
pub struct CpuProbe {
    files: Vec<File>,
    buf: Vec<u8>,
}

impl CpuProbe {
    /// A probe of process `pid`'s threads.
    pub fn new(pid: u32) -> Result<CpuProbe, String> {
        let dir = format!("/proc/{pid}/task");
        let mut files = Vec::new();
        for e in std::fs::read_dir(&dir)
            .map_err(|e| format!("{dir}: {e}"))?
            .flatten()
        {
            if let Ok(f) = File::open(e.path().join("schedstat")) {
                files.push(f);
            }
        }
        Ok(CpuProbe {
            files,
            buf: vec![0; 128],
        })
    }

    /// CPU nanoseconds used so far by the threads.
    pub fn ns(&mut self) -> u64 {
        let mut total = 0;
        for f in &self.files {
            let n = f.read_at(&mut self.buf, 0).unwrap_or(0);
            let text = std::str::from_utf8(&self.buf[..n]).unwrap_or("");
            total += text
                .split_whitespace()
                .next()
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0);
        }
        total
    }
}

/// A client run timed against the server it loads.
pub struct Timed {
    /// The client's output.
    pub output: Output,
    /// The time the server's work took (`busy_window`), without the client's
    /// idle head and tail (redis-benchmark's threads exit only on a 250 ms timer).
    pub busy: Duration,
    /// Server CPU over the whole run.
    pub cpu: Duration,
}

/// Runs `cmd` to completion, or kills it once `limit` has passed (a client
/// whose server died may spin forever), sampling `server`'s CPU every
/// millisecond to find when it actually worked.
pub fn run_timed(cmd: &mut Command, server: u32, limit: Duration) -> Result<Timed, String> {
    let mut probe = CpuProbe::new(server)?;
    let start = Instant::now();
    let first = probe.ns();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {:?}: {e}", cmd.get_program()))?;
    let drain = |mut r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            if let Some(r) = r.as_mut() {
                let _ = r.read_to_end(&mut v);
            }
            v
        })
    };
    let t_out = drain(
        child
            .stdout
            .take()
            .map(|o| Box::new(o) as Box<dyn Read + Send>),
    );
    let t_err = drain(
        child
            .stderr
            .take()
            .map(|e| Box::new(e) as Box<dyn Read + Send>),
    );
    let mut samples = vec![(Duration::ZERO, first)];
    let status = loop {
        std::thread::sleep(Duration::from_millis(1));
        samples.push((start.elapsed(), probe.ns()));
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{:?} took longer than {limit:?}; killed",
                    cmd.get_program()
                ));
            }
            Ok(None) => {}
            Err(e) => return Err(e.to_string()),
        }
    };
    let wall = start.elapsed();
    let output = Output {
        status,
        stdout: t_out.join().unwrap_or_default(),
        stderr: t_err.join().unwrap_or_default(),
    };
    let last = samples.last().map_or(first, |s| s.1);
    Ok(Timed {
        output,
        busy: busy_window(&samples).unwrap_or(wall),
        cpu: Duration::from_nanos(last - first),
    })
}

/// Work trimmed from each end of a run when timing it (see `busy_window`).
const TRIM: f64 = 0.01;

/// How long the server took for the run's work, from cumulative CPU samples
/// `(time, nanoseconds)`: the span from the moment it had done 1% of the
/// run's CPU work to the moment it had done 99% (each found by linear
/// interpolation within its sample interval), scaled to the whole work
/// (÷ 0.98). Blips before and after the load — the client connecting and
/// reading its configuration, closing its connections a timer tick after
/// the last reply — are each well under 1% of a run and do not stretch the
/// window, however long the idle gaps around them (on a loaded machine a
/// client may take tens of milliseconds between them and the load). None
/// when the server did nothing.
pub fn busy_window(samples: &[(Duration, u64)]) -> Option<Duration> {
    let (first, last) = (samples.first()?.1, samples.last()?.1);
    let total = last.checked_sub(first).filter(|&t| t > 0)? as f64;
    let at = |share: f64| -> Option<f64> {
        let goal = first as f64 + share * total;
        samples.windows(2).find_map(|w| {
            let ((t0, c0), (t1, c1)) = (w[0], w[1]);
            let (c0, c1) = (c0 as f64, c1 as f64);
            (c1 >= goal && c1 > c0).then(|| {
                let (t0, t1) = (t0.as_secs_f64(), t1.as_secs_f64());
                t0 + (t1 - t0) * ((goal - c0) / (c1 - c0)).clamp(0.0, 1.0)
            })
        })
    };
    let span = (at(1.0 - TRIM)? - at(TRIM)?) / (1.0 - 2.0 * TRIM);
    Some(Duration::from_secs_f64(span.max(0.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: u64) -> Duration {
        Duration::from_millis(v)
    }

    #[test]
    fn the_busy_window_skips_the_idle_head_and_tail() {
        // A blip at 2 ms (the client connecting), idle to 40 ms, busy 40–140 ms
        // at a full core, idle, a blip at 400 ms (the client closing).
        let mut s = Vec::new();
        let mut cpu = 0;
        for t in 0..=500u64 {
            if t == 2 || t == 400 {
                cpu += 200_000;
            }
            if (41..=140).contains(&t) {
                cpu += 1_000_000;
            }
            s.push((ms(t), cpu));
        }
        let w = busy_window(&s).unwrap();
        let want = ms(100).as_secs_f64();
        // The blips are 0.4% of the work: the window is that much long.
        assert!((w.as_secs_f64() - want).abs() < 0.005 * want, "{w:?}");
        assert_eq!(busy_window(&s[..2]), None);
        // A steady load to the end: the window is the run.
        let steady: Vec<_> = (0..=50u64).map(|t| (ms(t), t * 500_000)).collect();
        let w = busy_window(&steady).unwrap().as_secs_f64();
        assert!((w - 0.050).abs() < 1e-6, "{w}");
    }

    #[test]
    fn a_starved_stretch_mid_run_counts_as_run() {
        // Busy 1–100 ms, no CPU 100–150 ms (waiting for a core), busy to 300 ms,
        // then idle and a 1 ms cron tick at 700 ms (0.4% of the work).
        let mut s = Vec::new();
        let mut cpu = 0;
        for t in 0..=800u64 {
            if (1..=100).contains(&t) || (151..=300).contains(&t) || t == 700 {
                cpu += 1_000_000;
            }
            s.push((ms(t), cpu));
        }
        let w = busy_window(&s).unwrap().as_secs_f64();
        // Within 1%: the tick's work is counted in the whole the window is scaled to.
        assert!((w - 0.300).abs() < 0.01 * 0.300, "{w}");
    }
}
