//! kevy as a replica (`REPLICAOF host port`): the link to the primary.
//!
//! A thread of its own ([`start`]) connects to the primary and speaks the
//! replica's side of Redis's protocol: `PING`, `AUTH` (`masterauth`,
//! `masteruser`), `REPLCONF listening-port` and `capa`, `PSYNC ? -1`; it
//! reads the snapshot (`$<length>` or a diskless `$EOF:<mark>`), writes it
//! to `dir/dbfilename` and has the server load it; then it applies the
//! stream. It applies everything through a connection of its own to this
//! server (loopback), which it marks as the primary's link with a secret
//! (`REPLCONF MASTER-LINK`): that connection may write on a read-only
//! replica, load the snapshot (`DEBUG RELOAD NOSAVE`) and is never refused
//! for memory. Each batch of the stream is forwarded and its replies read
//! before the offset moves, so `REPLCONF ACK` (every second, and on
//! `GETACK`) acknowledges only what the server has applied. A lost link is
//! tried again every second until `REPLICAOF NO ONE`.

use std::io::{BufReader, Read};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::accounting::Shared;

/// The link's state, as `INFO replication` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Not a replica.
    None = 0,
    /// Connecting (or waiting to retry).
    Connect = 1,
    /// Receiving and loading the snapshot.
    Sync = 2,
    /// Applying the stream.
    Connected = 3,
}

/// The replica side's state (server-wide, in `Shared`).
#[derive(Debug, Default)]
pub struct Upstream {
    /// The primary, while this server is a replica.
    master: Mutex<Option<(String, u16)>>,
    /// The link thread's generation: a thread whose generation is no
    /// longer current stops.
    generation: AtomicU64,
    state: AtomicU8,
    /// The stream offset applied (`master_repl_offset` of a replica).
    offset: AtomicU64,
    /// The stream offset read from the primary, applied or not yet
    /// (`slave_read_repl_offset`: ahead of `offset` while a write waits,
    /// e.g. under `CLIENT PAUSE WRITE`).
    read_offset: AtomicU64,
    /// The client id of the loopback connection that applies the stream.
    link_client: AtomicU64,
    /// The loopback connection of the link that ended last: its thread may
    /// still be sending a batch it read before it saw its end, and none of
    /// it may apply (its writes are refused, [`Upstream::is_retired_link`]).
    retired_link: AtomicU64,
    /// Unix ms of the last byte from the primary.
    last_io: AtomicU64,
    /// The secret the loopback connection shows (`REPLCONF MASTER-LINK`).
    secret: Mutex<String>,
    active: AtomicBool,
    /// The link asks its primary to take over (`PSYNC <replid> <offset>
    /// FAILOVER`): this server is failing over to it.
    failing_over: AtomicBool,
    /// A snapshot or a partial resynchronization from a primary was
    /// taken since this server became a replica: `offset` and the
    /// replication id are that primary's stream's.
    had_sync: AtomicBool,
    /// The database the stream applied last selected (`SELECT`), set
    /// again on the connection that goes on after a `+CONTINUE`.
    db: std::sync::atomic::AtomicU32,
    /// The link's socket, shut down when the link ends so that the
    /// primary sees this replica leave at once.
    sock: Mutex<Option<TcpStream>>,
    /// The configuration's `replicaof` was looked at (once, at the first
    /// tick).
    booted: AtomicBool,
}

impl Upstream {
    /// False the first time only: the caller then starts the link the
    /// configuration asks for.
    pub fn booted(&self) -> bool {
        self.booted.load(Ordering::Relaxed) || self.booted.swap(true, Ordering::AcqRel)
    }

    /// True while this server is a replica (one atomic load).
    #[inline]
    pub fn active(&self) -> bool {
        self.active.load(Ordering::Acquire)
    }

    /// The primary, if this server is a replica.
    pub fn master(&self) -> Option<(String, u16)> {
        self.master.lock().ok().and_then(|m| m.clone())
    }

    /// The link's state.
    pub fn state(&self) -> State {
        match self.state.load(Ordering::Acquire) {
            1 => State::Connect,
            2 => State::Sync,
            3 => State::Connected,
            _ => State::None,
        }
    }

    /// The stream offset applied.
    pub fn offset(&self) -> u64 {
        self.offset.load(Ordering::Acquire)
    }

    /// The stream offset read (applied or waiting to be).
    pub fn read_offset(&self) -> u64 {
        self.read_offset.load(Ordering::Acquire)
    }

    /// Seconds since the primary last sent anything (`-1`: never).
    pub fn last_io_secs(&self) -> i64 {
        match self.last_io.load(Ordering::Relaxed) {
            0 => -1,
            t => (now_ms().saturating_sub(t) / 1000) as i64,
        }
    }

    /// True when client `id` is the connection applying the stream.
    #[inline]
    pub fn is_link(&self, id: u64) -> bool {
        self.active() && self.link_client.load(Ordering::Acquire) == id
    }

    /// True when client `id` is the loopback connection of a link that
    /// has ended (`REPLICAOF NO ONE`, or a new primary): its writes are
    /// refused, so that nothing the old primary sent applies once
    /// `REPLICAOF` has replied.
    #[inline]
    pub fn is_retired_link(&self, id: u64) -> bool {
        id != 0 && self.retired_link.load(Ordering::Acquire) == id
    }

    /// The link's loopback connection, if one claimed it, is the link no
    /// more.
    fn retire_link(&self) {
        let old = self.link_client.swap(0, Ordering::AcqRel);
        if old != 0 {
            self.retired_link.store(old, Ordering::Release);
        }
        self.failing_over.store(false, Ordering::Release);
        let sock = self.sock.lock().ok().and_then(|mut s| s.take());
        if let Some(sock) = sock {
            let _ = sock.shutdown(std::net::Shutdown::Both);
        }
    }

    /// Client `id` showed `secret`: true (and it is the link from now on)
    /// when it is the link thread's.
    pub fn claim_link(&self, id: u64, secret: &[u8]) -> bool {
        let ok = self
            .secret
            .lock()
            .is_ok_and(|s| !s.is_empty() && s.as_bytes() == secret);
        if ok {
            self.link_client.store(id, Ordering::Release);
        }
        ok
    }

    /// Drops the connection to the primary (`CLIENT KILL` of the link):
    /// the link thread ends its batch, connects again and continues.
    /// True if it was connected.
    pub fn drop_link(&self) -> bool {
        let sock = self.sock.lock().ok().and_then(|mut s| s.take());
        sock.is_some_and(|s| s.shutdown(std::net::Shutdown::Both).is_ok())
    }

    /// Stops being a replica (`REPLICAOF NO ONE`): the link thread stops.
    /// True if it was one.
    pub fn stop(&self) -> bool {
        let was = self.active.swap(false, Ordering::AcqRel);
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Ok(mut m) = self.master.lock() {
            *m = None;
        }
        self.state.store(State::None as u8, Ordering::Release);
        self.retire_link();
        was
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Becomes a replica of `host:port`: a new link thread (the old one, if
/// any, stops). False when it already follows that primary.
pub fn start(shared: &Arc<Shared>, host: String, port: u16) -> bool {
    let up = &shared.upstream;
    if up.active() && up.master().as_ref() == Some(&(host.clone(), port)) {
        return false;
    }
    spawn(shared, host, port, false);
    true
}

/// Follows the replica `host:port` of a `FAILOVER`, asking it to take
/// over (see `crate::repl::failover`).
pub fn start_failover(shared: &Arc<Shared>, host: String, port: u16) {
    spawn(shared, host, port, true);
    if let Err(e) = shared.config.oom_refresh(true) {
        shared.log.log(crate::base::log::Level::Warning, &e);
    }
}

/// A new link thread to `host:port` (the old one, if any, stops).
fn spawn(shared: &Arc<Shared>, host: String, port: u16, failover: bool) {
    let up = &shared.upstream;
    let generation = up.generation.fetch_add(1, Ordering::AcqRel) + 1;
    up.retire_link();
    up.failing_over.store(failover, Ordering::Release);
    if let Ok(mut m) = up.master.lock() {
        *m = Some((host.clone(), port));
    }
    let secret = crate::accounting::random_hex40();
    if let Ok(mut s) = up.secret.lock() {
        s.clone_from(&secret);
    }
    if !up.active() {
        // A primary turning replica: nothing applied from a primary yet
        // (its own stream's offset is what a `PSYNC` names).
        up.had_sync.store(false, Ordering::Release);
    }
    up.state.store(State::Connect as u8, Ordering::Release);
    up.active.store(true, Ordering::Release);
    let shared = shared.clone();
    let spawned = std::thread::Builder::new()
        .name("replica-link".into())
        .spawn(move || run(&shared, generation, &secret, &host, port));
    if spawned.is_err() {
        up.stop();
    }
}

/// The link thread: connects, syncs and applies until its generation ends.
/// Its loopback connections show `secret`, its generation's: a thread
/// that has not yet seen its end cannot claim a later link.
fn run(shared: &Shared, generation: u64, secret: &str, host: &str, port: u16) {
    let up = &shared.upstream;
    let current = || up.generation.load(Ordering::Acquire) == generation;
    while current() {
        up.state.store(State::Connect as u8, Ordering::Release);
        if let Err(e) = follow(shared, &current, secret, host, port) {
            if current() {
                shared.log.log(
                    crate::base::log::Level::Warning,
                    &format!("Lost the link with MASTER {host}:{port}: {e}"),
                );
            }
        }
        std::thread::sleep(Duration::from_secs(1));
    }
}

type Result<T> = std::result::Result<T, String>;

fn err(e: std::io::Error) -> String {
    e.to_string()
}

/// A connection to `addr` from `source` (`bind-source-addr`: an IP
/// address, or empty for the kernel's choice). As Redis's best-effort
/// bind, a source address that cannot be bound is left to the kernel.
fn connect_from(
    addr: std::net::SocketAddr,
    source: &str,
    timeout: Duration,
) -> std::io::Result<TcpStream> {
    use socket2::{Domain, Protocol, Socket, Type};
    let sock = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    if let Ok(ip) = source.parse::<std::net::IpAddr>() {
        let _ = sock.bind(&std::net::SocketAddr::new(ip, 0).into());
    }
    sock.connect_timeout(&addr.into(), timeout)?;
    Ok(sock.into())
}

/// One connection to the primary: the handshake, the snapshot, the stream.
fn follow(
    shared: &Shared,
    current: &dyn Fn() -> bool,
    secret: &str,
    host: &str,
    port: u16,
) -> Result<()> {
    let up = &shared.upstream;
    let addr = std::net::ToSocketAddrs::to_socket_addrs(&(host, port))
        .map_err(err)?
        .next()
        .ok_or("no address")?;
    let source = shared.config.get("bind-source-addr").unwrap_or_default();
    let sock = connect_from(addr, &source, Duration::from_secs(5)).map_err(err)?;
    sock.set_read_timeout(Some(Duration::from_secs(60)))
        .map_err(err)?;
    let _ = sock.set_nodelay(true);
    if let (Ok(mut slot), Ok(clone)) = (up.sock.lock(), sock.try_clone()) {
        if !current() {
            return Ok(());
        }
        *slot = Some(clone);
    }
    let mut master = BufReader::new(sock.try_clone().map_err(err)?);
    let mut out = sock;
    // The handshake: errors to PING (a primary asking for AUTH) are fine.
    call(&mut out, &mut master, &[b"PING"])?;
    let pass = shared.config.get("masterauth").unwrap_or_default();
    if !pass.is_empty() {
        let user = shared.config.get("masteruser").unwrap_or_default();
        let reply = if user.is_empty() {
            call(&mut out, &mut master, &[b"AUTH", pass.as_bytes()])?
        } else {
            call(
                &mut out,
                &mut master,
                &[b"AUTH", user.as_bytes(), pass.as_bytes()],
            )?
        };
        if reply.starts_with('-') {
            return Err(format!("Unable to AUTH to MASTER: {reply}"));
        }
    }
    let me = shared.listening_port().to_string();
    call(
        &mut out,
        &mut master,
        &[b"REPLCONF", b"listening-port", me.as_bytes()],
    )?;
    call(
        &mut out,
        &mut master,
        &[b"REPLCONF", b"capa", b"eof", b"capa", b"psync2"],
    )?;
    // The server serves before anything is asked of the primary (a
    // replica in `DEBUG SLEEP` connects again only once awake, as Redis's
    // cron does).
    let mut local = Local::connect(shared, secret)?;
    local.call(&[b"PING"])?;
    let failing_over = up.failing_over.load(Ordering::Acquire);
    // What this server holds of a stream (Redis's cached master): the
    // primary's it applied, or its own as a primary (also what a
    // `FAILOVER` target already has; it takes over when the id is its
    // own). A fresh server asks for everything.
    let (id, from) = if up.had_sync.load(Ordering::Acquire) && !failing_over {
        (shared.repl_id(), up.offset() + 1)
    } else if shared.replicas.offset() > 0 || failing_over {
        (shared.repl_id(), shared.replicas.offset() + 1)
    } else {
        ("?".to_string(), 0)
    };
    let at = if id == "?" {
        "-1".to_string()
    } else {
        from.to_string()
    };
    let mut argv: Vec<&[u8]> = vec![b"PSYNC", id.as_bytes(), at.as_bytes()];
    if failing_over {
        argv.push(b"FAILOVER");
    }
    let reply = match call(&mut out, &mut master, &argv) {
        Ok(r) => r,
        Err(e) => {
            shared
                .failover
                .abort(shared, "Write error to failover target");
            return Err(e);
        }
    };
    let mut words = reply.trim_start_matches('+').split_whitespace();
    let word = words.next();
    if failing_over {
        if matches!(word, Some("FULLRESYNC" | "CONTINUE")) {
            up.failing_over.store(false, Ordering::Release);
            shared.failover.completed(shared);
        } else {
            shared
                .failover
                .abort(shared, "Failover target rejected psync request");
            return Err(format!("PSYNC FAILOVER answered {reply}"));
        }
    }
    if word == Some("CONTINUE") && id != "?" {
        // The primary goes on from `from`: no snapshot. A new id (the
        // primary was promoted) becomes ours, the old one our previous.
        if let Some(new) = words.next().filter(|n| *n != id) {
            shared.shift_repl_id(from - 1);
            shared.set_repl_id(new);
        }
        let db = up.db.load(Ordering::Acquire).to_string();
        local.call(&[b"SELECT", db.as_bytes()])?;
        up.offset.store(from - 1, Ordering::Release);
        up.read_offset.store(from - 1, Ordering::Release);
        up.had_sync.store(true, Ordering::Release);
        up.state.store(State::Connected as u8, Ordering::Release);
        shared.log.log(
            crate::base::log::Level::Notice,
            &format!("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization ({host}:{port})"),
        );
        return apply(shared, current, &mut master, &mut out, &mut local);
    }
    if word != Some("FULLRESYNC") {
        return Err(format!("PSYNC answered {reply}"));
    }
    let replid = words.next().unwrap_or_default().to_string();
    let start: u64 = words.next().and_then(|o| o.parse().ok()).unwrap_or(0);
    up.state.store(State::Sync as u8, Ordering::Release);
    let rdb = read_snapshot(&mut master)?;
    up.last_io.store(now_ms(), Ordering::Relaxed);
    if !current() {
        return Ok(());
    }
    // The snapshot goes where SAVE would put it, then the server loads it.
    let dir = shared.config.get("dir").unwrap_or_default();
    let name = shared.config.get("dbfilename").unwrap_or_default();
    let path = std::path::PathBuf::from(if dir.is_empty() { ".".into() } else { dir }).join(name);
    let tmp = path.with_extension(format!("replica-{}.tmp", std::process::id()));
    std::fs::write(&tmp, &rdb).map_err(err)?;
    std::fs::rename(&tmp, &path).map_err(err)?;
    let reply = local.call(&[b"DEBUG", b"RELOAD", b"NOSAVE"])?;
    if reply.starts_with('-') {
        return Err(format!("loading the snapshot: {reply}"));
    }
    up.offset.store(start, Ordering::Release);
    up.read_offset.store(start, Ordering::Release);
    up.db.store(0, Ordering::Release);
    up.had_sync.store(true, Ordering::Release);
    shared.set_repl_id(&replid);
    shared.clear_repl_id2();
    up.state.store(State::Connected as u8, Ordering::Release);
    shared.log.log(
        crate::base::log::Level::Notice,
        &format!("MASTER <-> REPLICA sync: Finished with success ({host}:{port})"),
    );
    apply(shared, current, &mut master, &mut out, &mut local)
}

/// Applies the stream until the link ends: every batch the primary sent
/// is forwarded to the server and answered before the offset counts it.
fn apply(
    shared: &Shared,
    current: &dyn Fn() -> bool,
    master: &mut BufReader<TcpStream>,
    out: &mut TcpStream,
    local: &mut Local,
) -> Result<()> {
    let up = &shared.upstream;
    master
        .get_ref()
        .set_read_timeout(Some(Duration::from_millis(100)))
        .map_err(err)?;
    let mut acked = Instant::now();
    let mut buf: Vec<u8> = Vec::new();
    loop {
        if !current() {
            return Ok(());
        }
        if acked.elapsed() >= Duration::from_secs(1) {
            ack(out, up.offset())?;
            acked = Instant::now();
        }
        let mut chunk = [0u8; 64 * 1024];
        match master.read(&mut chunk) {
            Ok(0) => return Err("the primary closed the link".into()),
            // Read after this link ended (a read waits up to 100 ms, and
            // the old primary streams until it sees the link close): none
            // of it applies, nor counts.
            Ok(_) if !current() => return Ok(()),
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                up.read_offset.fetch_add(n as u64, Ordering::AcqRel);
                up.last_io.store(now_ms(), Ordering::Relaxed);
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock
                        | std::io::ErrorKind::TimedOut
                        // A signal (SIGSTOP then SIGCONT): read again.
                        | std::io::ErrorKind::Interrupted
                ) =>
            {
                continue;
            }
            Err(e) => return Err(err(e)),
        }
        // Whole commands only; a partial one waits for the next read. The
        // batch is forwarded pipelined, and its replies read before the
        // offset counts it (at its end, or before a GETACK's answer).
        let mut at = 0;
        let mut forwarded = 0;
        let mut pending = 0u64;
        while let Some((argv, used)) = parse_command(&buf[at..]) {
            at += used;
            let verb = argv.first().map(|v| v.to_ascii_lowercase());
            let getack = verb.as_deref() == Some(b"replconf")
                && argv
                    .get(1)
                    .is_some_and(|a| a.eq_ignore_ascii_case(b"getack"));
            match verb.as_deref() {
                Some(b"ping" | b"replconf") | None => {}
                Some(b"select") => {
                    if let Some(db) = argv
                        .get(1)
                        .and_then(|d| std::str::from_utf8(d).ok()?.parse::<u32>().ok())
                    {
                        up.db.store(db, Ordering::Release);
                    }
                    local.send(&argv)?;
                    forwarded += 1;
                }
                Some(_) => {
                    local.send(&argv)?;
                    forwarded += 1;
                }
            }
            if getack {
                local.skip_replies(std::mem::take(&mut forwarded))?;
                if !current() {
                    return Ok(());
                }
                up.offset
                    .fetch_add(std::mem::take(&mut pending), Ordering::AcqRel);
                ack(out, up.offset())?;
                acked = Instant::now();
            }
            pending += used as u64;
        }
        local.skip_replies(forwarded)?;
        if !current() {
            return Ok(());
        }
        up.offset.fetch_add(pending, Ordering::AcqRel);
        buf.drain(..at);
        shrink(&mut buf);
    }
}

/// What the link's buffers keep between reads: a big command (a 32 MB
/// value) grows them, and they give that back once it is applied, as a
/// Redis replica trims its primary's query buffer.
const LINK_KEEP: usize = 1 << 20;

/// Frees what `buf` holds past [`LINK_KEEP`] and past what it still
/// holds.
fn shrink(buf: &mut Vec<u8>) {
    if buf.capacity() > LINK_KEEP && buf.len() < LINK_KEEP / 2 {
        buf.shrink_to(LINK_KEEP / 2);
    }
}

mod wire;
use wire::{ack, call, parse_command, read_snapshot, Local};
