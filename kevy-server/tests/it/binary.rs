//! The `kevy-server` binary: start-up from flags and redis.conf files, signals.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

use crate::util::Raw;

/// A `kevy-server` child process, killed if the test fails before it exits.
pub(crate) struct Binary {
    child: Child,
    pub(crate) addr: SocketAddr,
    stdout: BufReader<std::process::ChildStdout>,
}

impl Binary {
    fn spawn() -> Binary {
        Binary::spawn_with(&["--bind", "127.0.0.1", "--port", "0", "--threads", "2"])
    }

    /// Starts the binary on a free port with 2 shards and DEBUG allowed.
    pub(crate) fn spawn_debug() -> Binary {
        Binary::spawn_with(&[
            "--port",
            "0",
            "--threads",
            "2",
            "--enable-debug-command",
            "yes",
        ])
    }

    /// Starts the binary on a free port with 2 shards, in the scratch
    /// directory `dir` (for the files a replica or a snapshot writes),
    /// with `extra` arguments.
    pub(crate) fn spawn_in(dir: &std::path::Path, extra: &[&str]) -> Binary {
        let dir = dir.to_str().expect("utf-8 path");
        let mut args = vec!["--port", "0", "--threads", "2", "--dir", dir];
        args.extend_from_slice(extra);
        Binary::spawn_with(&args)
    }

    /// Starts the binary with `args`. Without a configuration file it runs
    /// without Redis's built-in `save` rules (`--save ""` first, so a
    /// `save` the test passes still applies): its SIGTERM would write
    /// `dump.rdb` into the working directory, for the next test to load.
    /// With one, it runs in the file's directory, the test's own.
    pub(crate) fn spawn_with(args: &[&str]) -> Binary {
        let conf = args.first().filter(|a| !a.starts_with("--"));
        let mut all = args.to_vec();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_kevy-server"));
        match conf.and_then(|c| std::path::Path::new(c).parent()) {
            Some(dir) => {
                cmd.current_dir(dir);
            }
            None => all.splice(0..0, ["--save", ""]).for_each(drop),
        }
        let mut child = cmd
            .args(&all)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn kevy-server");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut seen = String::new();
        let addr = loop {
            let mut line = String::new();
            if stdout
                .read_line(&mut line)
                .expect("read kevy-server stdout")
                == 0
            {
                let _ = child.kill();
                let mut err = String::new();
                if let Some(mut e) = child.stderr.take() {
                    let _ = e.read_to_string(&mut err);
                }
                let _ = child.wait();
                panic!("kevy-server exited before listening; stdout: {seen}; stderr: {err}");
            }
            seen.push_str(&line);
            if let Some((_, rest)) = line.split_once("listening on ") {
                let addr = rest.split_whitespace().next().unwrap_or_default();
                let mut addr = addr
                    .parse::<SocketAddr>()
                    .unwrap_or_else(|e| panic!("bad address in {line:?}: {e}"));
                // Listening on every address (the default `* -::*`): the
                // tests reach it through loopback.
                if addr.ip().is_unspecified() {
                    addr.set_ip(match addr {
                        SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
                        SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
                    });
                }
                break addr;
            }
        };
        Binary {
            child,
            addr,
            stdout,
        }
    }

    /// The process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `sig`, waits for the exit; returns the exit status and the rest of stdout.
    pub(crate) fn stop(mut self, sig: libc::c_int) -> (std::process::ExitStatus, String) {
        // SAFETY: kill(2) on our own child's pid has no memory effects.
        let rc = unsafe { libc::kill(self.child.id() as libc::pid_t, sig) };
        assert_eq!(rc, 0, "kill: {}", std::io::Error::last_os_error());
        let mut rest = String::new();
        let _ = self.stdout.read_to_string(&mut rest);
        let status = self.child.wait().expect("wait for kevy-server");
        (status, rest)
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[test]
fn the_binary_serves_then_exits_cleanly_on_sigterm() {
    let bin = Binary::spawn();
    assert!(bin.addr.ip().is_loopback(), "{}", bin.addr);
    assert_ne!(bin.addr.port(), 0);
    let mut c = Raw::connect(bin.addr);
    assert_eq!(c.call(&["PING"]), b"+PONG\r\n");
    for i in 0..20 {
        assert_eq!(
            c.call(&["SET", &format!("k{i}"), &i.to_string()]),
            b"+OK\r\n"
        );
    }
    assert_eq!(
        c.call(&["MGET", "k3", "k17"]),
        b"*2\r\n$1\r\n3\r\n$2\r\n17\r\n"
    );
    assert_eq!(c.call(&["DBSIZE"]), b":20\r\n");
    let (status, log) = bin.stop(libc::SIGTERM);
    assert!(
        status.success(),
        "kevy-server exited with {status}; log: {log}"
    );
    assert!(
        c.try_reply().is_none(),
        "the connection stays open after exit"
    );
}

/// A non-loopback IPv4 address of this machine, if it has one: the source
/// address a datagram to a documentation address would leave from (a
/// UDP `connect` sends nothing).
fn non_loopback_ip() -> Option<std::net::IpAddr> {
    let sock = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    sock.connect("192.0.2.1:9").ok()?;
    let ip = sock.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

#[test]
fn by_default_it_binds_as_redis_and_protected_mode_refuses_outsiders() {
    // No `bind`: Redis 7.0's default, every IPv4 address and, where the
    // machine has IPv6, every IPv6 one.
    let bin = Binary::spawn_with(&["--port", "0", "--threads", "2"]);
    let port = bin.addr.port();
    let mut c = Raw::connect(SocketAddr::from(([127, 0, 0, 1], port)));
    assert_eq!(
        c.call(&["CONFIG", "GET", "bind"]),
        b"*2\r\n$4\r\nbind\r\n$6\r\n* -::*\r\n"
    );
    assert_eq!(
        c.call(&["CONFIG", "GET", "protected-mode"]),
        b"*2\r\n$14\r\nprotected-mode\r\n$3\r\nyes\r\n"
    );
    let Some(ip) = non_loopback_ip() else {
        // No address but loopback here: nothing more to try.
        return;
    };
    // From outside, while the default user has no password: refused with
    // Redis's text, the connection closed.
    let mut outsider = Raw::connect(SocketAddr::new(ip, port));
    let refused = outsider.reply_within(std::time::Duration::from_secs(10));
    let refused = refused.expect("a refusal");
    assert!(
        refused.starts_with(b"-DENIED Redis is running in protected mode"),
        "{}",
        String::from_utf8_lossy(&refused)
    );
    assert_eq!(
        c.call(&["CONFIG", "SET", "protected-mode", "no"]),
        b"+OK\r\n"
    );
    let mut outsider = Raw::connect(SocketAddr::new(ip, port));
    assert_eq!(outsider.call(&["PING"]), b"+PONG\r\n");
}

#[test]
fn the_binary_exits_cleanly_on_sigint() {
    let bin = Binary::spawn();
    let mut c = Raw::connect(bin.addr);
    assert_eq!(c.call(&["PING"]), b"+PONG\r\n");
    let (status, log) = bin.stop(libc::SIGINT);
    assert!(
        status.success(),
        "kevy-server exited with {status}; log: {log}"
    );
}

#[test]
fn the_binary_starts_from_a_redis_conf_file() {
    let dir = std::env::temp_dir().join(format!("kevy-conf-it-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sock = dir.join("kevy.sock");
    let conf = dir.join("kevy.conf");
    std::fs::write(
        &conf,
        format!(
            "# written by the test\nport 0\nthreads 2\ndatabases 2\nmaxclients 3\nsave \"\"\nappendonly no\nunixsocket {}\nunixsocketperm 700\nloglevel notice\n",
            sock.display()
        ),
    )
    .unwrap();
    let bin = Binary::spawn_with(&[conf.to_str().unwrap()]);
    let mut c = Raw::connect(bin.addr);
    assert_eq!(c.call(&["SELECT", "1"]), b"+OK\r\n");
    assert_eq!(
        c.call(&["SELECT", "2"]),
        b"-ERR DB index is out of range\r\n"
    );
    // The Unix socket serves the same keyspace.
    assert_eq!(c.call(&["SET", "via", "tcp"]), b"+OK\r\n");
    let out = Command::new("redis-cli")
        .args(["-s", sock.to_str().unwrap(), "-n", "1", "GET", "via"])
        .output()
        .expect("redis-cli");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "tcp\n");
    // redis-cli has gone; wait until the server has seen it go (its slot
    // counts against maxclients until then).
    let mut tries = 0;
    loop {
        let list = c.call(&["CLIENT", "LIST"]);
        let clients = list.windows(3).filter(|w| w == b"id=").count();
        if clients == 1 {
            break;
        }
        tries += 1;
        assert!(tries < 1000, "redis-cli's connection never closed");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    // maxclients 3: this one and two more are fine, the fourth is refused.
    let mut b = Raw::connect(bin.addr);
    let mut d = Raw::connect(bin.addr);
    assert_eq!(b.call(&["PING"]), b"+PONG\r\n");
    assert_eq!(d.call(&["PING"]), b"+PONG\r\n");
    let mut e = Raw::connect(bin.addr);
    e.send(b"PING\r\n");
    assert_eq!(
        e.try_reply().as_deref(),
        Some(&b"-ERR max number of clients reached\r\n"[..])
    );
    let (status, log) = bin.stop(libc::SIGTERM);
    assert!(status.success(), "{status}: {log}");
    assert!(!sock.exists(), "the socket file is removed at exit");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn rename_command_renames_and_removes_and_survives_a_rewrite() {
    let dir = std::env::temp_dir().join(format!("kevy-rename-it-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let conf = dir.join("kevy.conf");
    std::fs::write(
        &conf,
        "port 0\nthreads 2\nbind 127.0.0.1\nsave \"\"\nrename-command flushdb badger\nrename-command keys \"\"\n",
    )
    .unwrap();
    let check = |c: &mut Raw| {
        assert_eq!(c.call(&["SET", "k", "v"]), b"+OK\r\n");
        assert_eq!(
            c.call(&["FLUSHDB"]),
            b"-ERR unknown command 'FLUSHDB', with args beginning with: \r\n"
        );
        assert_eq!(
            c.call(&["KEYS", "*"]),
            b"-ERR unknown command 'KEYS', with args beginning with: '*' \r\n"
        );
        // Under MULTI and in scripts too.
        assert_eq!(c.call(&["MULTI"]), b"+OK\r\n");
        assert_eq!(c.call(&["badger"]), b"+QUEUED\r\n");
        assert_eq!(c.call(&["EXEC"]), b"*1\r\n+OK\r\n");
        assert_eq!(c.call(&["DBSIZE"]), b":0\r\n");
        let refused = c.call(&["EVAL", "return redis.call('flushdb')", "0"]);
        assert!(
            refused.starts_with(b"-ERR Unknown Redis command called from script"),
            "{}",
            String::from_utf8_lossy(&refused)
        );
    };
    let bin = Binary::spawn_with(&[conf.to_str().unwrap()]);
    let mut c = Raw::connect(bin.addr);
    check(&mut c);
    // CONFIG REWRITE keeps the lines; the next start renames alike.
    assert_eq!(c.call(&["CONFIG", "REWRITE"]), b"+OK\r\n");
    let text = std::fs::read_to_string(&conf).unwrap();
    assert!(text.contains("rename-command flushdb badger"), "{text}");
    let (status, log) = bin.stop(libc::SIGTERM);
    assert!(status.success(), "{status}: {log}");
    let bin = Binary::spawn_with(&[conf.to_str().unwrap()]);
    check(&mut Raw::connect(bin.addr));
    drop(bin);
    // Redis's errors stop the start-up.
    let refused = |line: &str, why: &str| {
        std::fs::write(&conf, format!("port 0\n{line}\n")).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_kevy-server"))
            .arg(&conf)
            .output()
            .expect("run kevy-server");
        assert!(!out.status.success(), "{line} started");
        let said = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(said.contains(why), "{line}: {said}");
    };
    refused(
        "rename-command nosuch x",
        "No such command in rename-command",
    );
    refused(
        "rename-command get set",
        "Target command name already exists",
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_bad_config_file_stops_start_up_naming_the_line() {
    let dir = std::env::temp_dir().join(format!("kevy-conf-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let conf = dir.join("bad.conf");
    for (text, expect) in [
        ("port 0\nport banana\n", "at line 2"),
        (
            "port 0\ncluster-enabled yes\n",
            "cluster mode is not implemented",
        ),
        ("frobnicate 1\n", "Bad directive"),
        (
            "port 0\nuser foo on\nuser foo off\n",
            "Error in user declaration 'foo': Duplicate user found",
        ),
    ] {
        std::fs::write(&conf, text).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_kevy-server"))
            .arg(&conf)
            .stdin(Stdio::null())
            .output()
            .expect("run kevy-server");
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expect), "{text:?}: {err}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn redis_cli_shutdown_stops_the_binary() {
    let mut bin = Binary::spawn();
    let mut c = Raw::connect(bin.addr);
    assert_eq!(c.call(&["SET", "k", "v"]), b"+OK\r\n");
    let out = Command::new("redis-cli")
        .args(["-p", &bin.addr.port().to_string(), "shutdown"])
        .output()
        .expect("redis-cli");
    assert!(out.status.success(), "{out:?}");
    let status = bin.child.wait().expect("wait for kevy-server");
    assert!(status.success(), "kevy-server exited with {status}");
}

/// Once SHUTDOWN's connection is closed, connecting again is refused (no
/// shard still listens), on both reactors, as with redis-server (Redis's
/// scripting.tcl 'SHUTDOWN NOSAVE can kill a timedout script anyway').
#[test]
fn after_shutdown_closes_the_connection_no_shard_accepts() {
    for io in ["uring", "epoll"] {
        for round in 0..5 {
            let mut bin = Binary::spawn_with(&["--port", "0", "--threads", "2", "--io", io]);
            let addr = bin.addr;
            let mut c = std::net::TcpStream::connect(addr).expect("connect");
            c.write_all(b"*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n")
                .expect("send");
            let mut buf = [0u8; 64];
            // No reply: the connection ends with the server.
            assert!(
                matches!(c.read(&mut buf), Ok(0) | Err(_)),
                "{io} round {round}"
            );
            let again = std::net::TcpStream::connect(addr);
            assert!(
                again.is_err(),
                "{io} round {round}: accepted after SHUTDOWN"
            );
            let status = bin.child.wait().expect("wait for kevy-server");
            assert!(status.success(), "kevy-server exited with {status}");
        }
    }
}

#[test]
fn a_declared_user_starts_from_a_reset_one() {
    // As Redis's ACLLoadConfiguredUsers: the default user loses its
    // channels (and gains sanitize-payload) unless the line gives them.
    let bin = Binary::spawn_with(&["--user", "default", "on", "nopass", "~*", "+@all"]);
    let mut c = Raw::connect(bin.addr);
    let list = String::from_utf8_lossy(&c.call(&["ACL", "LIST"])).into_owned();
    assert!(
        list.contains("user default on nopass sanitize-payload ~* resetchannels +@all"),
        "{list}"
    );
    let sub = String::from_utf8_lossy(&c.call(&["SUBSCRIBE", "foo"])).into_owned();
    assert!(
        sub.starts_with("-NOPERM") && sub.contains("channel"),
        "{sub}"
    );
}

/// What `/proc/PID/cmdline` (and so `ps`) shows of process `pid`, up to
/// its first NUL.
fn proc_title(pid: u32) -> String {
    let raw = std::fs::read(format!("/proc/{pid}/cmdline")).expect("read cmdline");
    let first = raw.split(|&b| b == 0).next().unwrap_or_default();
    String::from_utf8_lossy(first).into_owned()
}

/// The process title, as Redis sets it: the default template shows the
/// program as executed and where it listens; `CONFIG SET
/// proc-title-template` shows a new one at once; an unknown variable is
/// refused with Redis's error, and the title stays.
#[test]
fn the_process_title_follows_its_template() {
    let dir = std::env::temp_dir().join(format!("kevy-title-it-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sock = dir.join("t.sock");
    let conf = dir.join("t.conf");
    std::fs::write(
        &conf,
        format!(
            "port 0\nthreads 2\nsave \"\"\nbind 127.0.0.1\nunixsocket {}\n",
            sock.display()
        ),
    )
    .unwrap();
    let bin = Binary::spawn_with(&[conf.to_str().unwrap()]);
    let exe = env!("CARGO_BIN_EXE_kevy-server");
    let port = bin.addr.port();
    assert_eq!(proc_title(bin.pid()), format!("{exe} 127.0.0.1:{port}"));
    let mut c = Raw::connect(bin.addr);
    let template = "TEST {title} {listen-addr} {port} {tls-port} {unixsocket} {config-file}";
    assert_eq!(
        c.call(&["CONFIG", "SET", "proc-title-template", template]),
        b"+OK\r\n"
    );
    let want = format!(
        "TEST {exe} 127.0.0.1:{port} {port} 0 {} {}",
        sock.display(),
        conf.display()
    );
    assert_eq!(proc_title(bin.pid()), want);
    assert_eq!(
        c.call(&["CONFIG", "SET", "proc-title-template", "{invalid-var}"]),
        &b"-ERR CONFIG SET failed (possibly related to argument 'proc-title-template') - \
           template format is invalid or contains unknown variables\r\n"[..]
    );
    assert_eq!(proc_title(bin.pid()), want);
    // A title shorter than the program's name: the rest is cleared.
    assert_eq!(
        c.call(&["CONFIG", "SET", "proc-title-template", "x"]),
        b"+OK\r\n"
    );
    assert_eq!(proc_title(bin.pid()), "x");
    let (status, log) = bin.stop(libc::SIGTERM);
    assert!(status.success(), "{status}: {log}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A fatal signal writes Redis's crash report ("crashed by signal"), then
/// the process dies of the signal (Redis's `bugReportEnd`), or exits with
/// 1 under `use-exit-on-panic yes`; `crash-log-enabled no` leaves the
/// report out (Redis's `integration/logging`).
#[test]
fn a_fatal_signal_writes_a_crash_report() {
    use std::os::unix::process::ExitStatusExt;
    // DEBUG SEGFAULT: the process dies of SIGSEGV.
    let mut bin = Binary::spawn_debug();
    let mut c = Raw::connect(bin.addr);
    assert!(c
        .try_send(&crate::util::encode_str(&["DEBUG", "SEGFAULT"]))
        .is_ok());
    assert_eq!(c.try_reply(), None, "no reply: the server is gone");
    let mut rest = String::new();
    let _ = bin.stdout.read_to_string(&mut rest);
    let status = bin.child.wait().expect("wait for kevy-server");
    assert_eq!(status.signal(), Some(libc::SIGSEGV), "{status}");
    assert!(rest.contains("=== KEVY BUG REPORT START"), "{rest}");
    assert!(rest.contains("crashed by signal: 11"), "{rest}");
    // SIGABRT from another process, under use-exit-on-panic: exit(1),
    // the sender named.
    let bin = Binary::spawn_with(&[
        "--port",
        "0",
        "--threads",
        "2",
        "--use-exit-on-panic",
        "yes",
    ]);
    let (status, rest) = bin.stop(libc::SIGABRT);
    assert_eq!(status.code(), Some(1), "{status}");
    assert!(rest.contains("crashed by signal: 6"), "{rest}");
    assert!(
        rest.contains(&format!("Killed by PID: {}", std::process::id())),
        "{rest}"
    );
    // Without the crash log: the signal, no report.
    let bin = Binary::spawn_with(&["--port", "0", "--threads", "2", "--crash-log-enabled", "no"]);
    let (status, rest) = bin.stop(libc::SIGABRT);
    assert_eq!(status.signal(), Some(libc::SIGABRT), "{status}");
    assert!(!rest.contains("crashed by signal"), "{rest}");
}
