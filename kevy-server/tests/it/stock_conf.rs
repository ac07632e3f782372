//! The configuration file an operator already has: Debian's stock
//! `redis.conf` for redis-server 7.0 (`fixtures/debian-redis-7.0.conf`),
//! with only its paths and port pointed at a test directory, starts
//! kevy-server unchanged — two bind addresses (`127.0.0.1 -::1`), a pid
//! file, and running in the background (`daemonize yes`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::binary::Binary;
use crate::util::{bulk_body, free_port, Raw};

const STOCK: &str = include_str!("fixtures/debian-redis-7.0.conf");

/// The stock file with `port`, `dir`, `logfile`, `pidfile` and `daemonize`
/// replaced; every other directive as shipped.
fn stock_conf(dir: &Path, port: u16, daemonize: bool, logfile: &str) -> PathBuf {
    let mut out = String::new();
    for line in STOCK.lines() {
        let name = line.split_whitespace().next().unwrap_or("");
        let line = match name {
            "port" => format!("port {port}"),
            "dir" => format!("dir {}", dir.display()),
            "logfile" => format!("logfile {logfile}"),
            "pidfile" => format!("pidfile {}", dir.join("kevy.pid").display()),
            "daemonize" => format!("daemonize {}", if daemonize { "yes" } else { "no" }),
            _ => line.to_string(),
        };
        out.push_str(&line);
        out.push('\n');
    }
    // Two shards, whatever the machine has.
    out.push_str("threads 2\n");
    let path = dir.join("redis.conf");
    std::fs::write(&path, out).unwrap();
    path
}

fn test_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kevy-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn get(c: &mut Raw, name: &str) -> String {
    let r = c.call(&["CONFIG", "GET", name]);
    let items = crate::util::array_items(&r).expect("an array");
    assert_eq!(items.len(), 2, "{name}: {r:?}");
    String::from_utf8_lossy(bulk_body(items[1]).unwrap()).into_owned()
}

#[test]
fn debians_redis_conf_starts_kevy_in_the_foreground() {
    let dir = test_dir("stock-fg");
    let conf = stock_conf(&dir, 0, false, "\"\"");
    let bin = Binary::spawn_with(&[conf.to_str().unwrap()]);
    let mut c = Raw::connect(bin.addr);
    assert_eq!(c.call(&["PING"]), b"+PONG\r\n");
    assert_eq!(get(&mut c, "bind"), "127.0.0.1 -::1");
    assert_eq!(get(&mut c, "aof-use-rdb-preamble"), "yes");
    assert_eq!(get(&mut c, "list-max-listpack-size"), "-2");
    // The pid file holds the server's pid while it runs.
    let pidfile = dir.join("kevy.pid");
    let pid = std::fs::read_to_string(&pidfile).expect("the pid file");
    assert_eq!(pid.trim(), bin.pid().to_string());
    // IPv6 loopback is optional (`-::1`): where the machine has it, the
    // server answers there too, on the same port.
    if std::net::TcpListener::bind("[::1]:0").is_ok() {
        let mut v6 = Raw::connect(format!("[::1]:{}", bin.addr.port()).parse().unwrap());
        assert_eq!(v6.call(&["PING"]), b"+PONG\r\n");
    }
    let (status, log) = bin.stop(libc::SIGTERM);
    assert!(status.success(), "{status}: {log}");
    assert!(!pidfile.exists(), "the pid file is removed at exit");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Kills the daemon if the test fails before it shut it down.
struct Daemon(Option<i32>);

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(pid) = self.0 {
            // SAFETY: kill(2) has no memory effects.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    }
}

fn alive(pid: i32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| s.contains(") Z "))
}

#[test]
fn debians_redis_conf_starts_kevy_in_the_background() {
    let dir = test_dir("stock-bg");
    let port = free_port();
    let logfile = dir.join("kevy.log");
    let conf = stock_conf(&dir, port, true, logfile.to_str().unwrap());
    // The launched process returns at once, successfully; the server
    // goes on in a child of its own session.
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_kevy-server"))
        .arg(&conf)
        .status()
        .expect("run kevy-server");
    assert!(status.success(), "{status}");
    let pidfile = dir.join("kevy.pid");
    let mut pid = None;
    for _ in 0..500 {
        if let Some(p) = std::fs::read_to_string(&pidfile)
            .ok()
            .and_then(|t| t.trim().parse::<i32>().ok())
        {
            pid = Some(p);
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let daemon = Daemon(pid);
    let pid = pid.expect("the daemon writes its pid file");
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let mut c = None;
    for _ in 0..500 {
        if std::net::TcpStream::connect(addr).is_ok() {
            c = Some(Raw::connect(addr));
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut c = c.expect("the daemon listens");
    assert_eq!(c.call(&["SET", "k", "v"]), b"+OK\r\n");
    assert_eq!(get(&mut c, "daemonize"), "yes");
    let info = c.call(&["INFO", "server"]);
    let info = String::from_utf8_lossy(bulk_body(&info).unwrap()).into_owned();
    assert!(info.contains(&format!("process_id:{pid}\r\n")), "{info}");
    c.send(&crate::util::encode_str(&["SHUTDOWN", "NOSAVE"]));
    for _ in 0..500 {
        if !alive(pid) {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!alive(pid), "the daemon exits on SHUTDOWN");
    std::mem::forget(daemon);
    assert!(!pidfile.exists(), "the pid file is removed at exit");
    let log = std::fs::read_to_string(&logfile).unwrap_or_default();
    assert!(log.contains("ready to exit"), "{log}");
    let _ = std::fs::remove_dir_all(&dir);
}
