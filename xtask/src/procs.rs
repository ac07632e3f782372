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
    /// From the server's first busy moment to the start of its first idle
    /// stretch of 20 ms or more: the time the work took, without a client's
    /// idle tail (redis-benchmark's threads exit only on a 250 ms timer).
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

/// The span from the first busy sample interval (the server used more than
/// 5% of a core) to the start of the first idle stretch of at least 20 ms
/// after which the server used less than 2% of the CPU it had used so far
/// (a cron tick after the run), or to the last sample. An idle stretch with
/// more work after it is the server waiting for a core on a loaded machine,
/// and counts as part of the run.
pub fn busy_window(samples: &[(Duration, u64)]) -> Option<Duration> {
    let busy = |i: usize| {
        let (t0, c0) = samples[i - 1];
        let (t1, c1) = samples[i];
        let dt = (t1 - t0).as_nanos() as f64;
        dt > 0.0 && (c1.saturating_sub(c0)) as f64 > 0.05 * dt
    };
    let first = (1..samples.len()).find(|&i| busy(i))?;
    let (begin, cpu0) = samples[first - 1];
    let total = samples.last()?.1;
    let mut idle_since: Option<usize> = None;
    for i in first + 1..samples.len() {
        if busy(i) {
            idle_since = None;
        } else {
            let since = *idle_since.get_or_insert(i - 1);
            let (t, cpu) = samples[since];
            let after = total.saturating_sub(cpu) as f64;
            if samples[i].0 - t >= Duration::from_millis(20)
                && after < 0.02 * cpu.saturating_sub(cpu0) as f64
            {
                return Some(t - begin);
            }
        }
    }
    Some(samples.last()?.0 - begin)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: u64) -> Duration {
        Duration::from_millis(v)
    }

    #[test]
    fn the_busy_window_skips_the_idle_head_and_tail() {
        // Idle 0–3 ms, busy 3–500 ms (a full core), idle after, a blip at 700 ms.
        let mut s = Vec::new();
        let mut cpu = 0;
        for t in 0..=800u64 {
            if (4..=500).contains(&t) || t == 700 {
                cpu += 1_000_000;
            }
            s.push((ms(t), cpu));
        }
        assert_eq!(busy_window(&s), Some(ms(497)));
        assert_eq!(busy_window(&s[..3]), None);
        // Busy to the end: the window runs to the last sample.
        assert_eq!(busy_window(&s[..9]), Some(ms(5)));
    }

    #[test]
    fn a_starved_stretch_mid_run_counts_as_run() {
        // Busy 1–100 ms, no CPU 100–150 ms (waiting for a core), busy to 300 ms.
        let mut s = Vec::new();
        let mut cpu = 0;
        for t in 0..=400u64 {
            if (1..=100).contains(&t) || (151..=300).contains(&t) {
                cpu += 1_000_000;
            }
            s.push((ms(t), cpu));
        }
        assert_eq!(busy_window(&s), Some(ms(300)));
    }
}
