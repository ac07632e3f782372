//! Building and running a [`Runtime`]: one thread per shard, each with its own
//! listener on the shared port (`SO_REUSEPORT`, so the kernel spreads incoming
//! connections over the shards), its own `mio::Poll`, and its end of the mesh.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use mio::net::TcpListener;
use mio::{Poll, Waker};

use crate::commands::Commands;

/// [`Builder::txn_spin`]'s default, in microseconds.
const DEFAULT_TXN_SPIN_US: u64 = 50;

/// [`Builder::move_after`]'s default.
const DEFAULT_MOVE_AFTER: u32 = 64;
use crate::cpus::ShardCpus;
use crate::mesh::{mesh, MeshEnd, Signal};
use crate::msg::Msg;
use crate::reactor::IoBackend;
use crate::resp::Limits;
use crate::sched::ShardSched;
use crate::settings::Settings;
use crate::shard::{Shard, ShardParts, WAKER};
// Re-exported where they were first defined (`kevy_rt::runtime::Stats`).
pub use crate::stats::{ShardStats, Stats};
use crate::tls::rustls::ServerConfig;

use crate::listen::{bind_listeners, listen_n, listen_unix};

/// Configures a [`Runtime`].
pub struct Builder<C: Commands> {
    cmds: C,
    /// Addresses to listen on, each with whether failing to bind it is
    /// tolerated (Redis's `-addr`).
    addrs: Vec<(String, bool)>,
    shards: usize,
    ring_capacity: usize,
    limits: Limits,
    backlog: i32,
    idle_spin: Duration,
    txn_spin: Duration,
    move_after: u32,
    settings: Arc<Settings>,
    unix: Option<(PathBuf, Option<u32>)>,
    tls: Option<(String, Arc<ServerConfig>)>,
    io: IoBackend,
    sched: ShardSched,
    cpus: ShardCpus,
}

impl<C: Commands> Builder<C> {
    /// Also listen for TLS connections on `addr` (`host:port`, port 0 picks
    /// a free one), each shard on its own listener as for plain TCP; their
    /// sessions use `config` (see [`TlsConfig::load`](crate::tls::TlsConfig::load)).
    pub fn tls(mut self, addr: impl Into<String>, config: Arc<ServerConfig>) -> Self {
        self.tls = Some((addr.into(), config));
        self
    }

    /// Also listen on a Unix domain socket at `path` (an old socket file there
    /// is replaced), with permissions `perm` (e.g. `0o700`) when given. Every
    /// shard accepts on it.
    pub fn unix_socket(mut self, path: impl Into<PathBuf>, perm: Option<u32>) -> Self {
        self.unix = Some((path.into(), perm));
        self
    }

    /// Live-changeable settings (maxclients, idle timeout, keep-alive, output
    /// limit), shared with whoever else holds the `Arc` (e.g. a `CONFIG SET`
    /// handler). Default: [`Settings::new`].
    pub fn settings(mut self, settings: Arc<Settings>) -> Self {
        self.settings = settings;
        self
    }

    /// Address to listen on, `host:port` (default `127.0.0.1:6379`; port 0 picks
    /// a free port). Replaces the addresses given before.
    pub fn bind(mut self, addr: impl Into<String>) -> Self {
        self.addrs = vec![(addr.into(), false)];
        self
    }

    /// Listen on every address of `addrs` (`host:port`, each with whether it
    /// is optional), replacing the addresses given before. A port 0 takes
    /// the port the first bound address got. An optional address the
    /// machine does not have (or whose protocol it lacks, such as IPv6) is
    /// skipped instead of failing the build, as Redis's `bind -::1`; at
    /// least one address must bind, unless there are none at all and a
    /// Unix socket takes the clients (Redis's `bind ""`). They can change
    /// while the server runs: [`Settings::relisten`].
    pub fn bind_all(mut self, addrs: impl IntoIterator<Item = (String, bool)>) -> Self {
        self.addrs = addrs.into_iter().collect();
        self
    }

    /// Number of shards (threads); default: the number of CPUs.
    pub fn shards(mut self, n: usize) -> Self {
        self.shards = n.max(1);
        self
    }

    /// Slots per ring between two shards (default 1024; each slot is a batch).
    pub fn ring_capacity(mut self, n: usize) -> Self {
        self.ring_capacity = n.max(2);
        self
    }

    /// Protocol and buffer limits (default: Redis's).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Listen backlog (default 511, as Redis's `tcp-backlog`).
    pub fn backlog(mut self, n: i32) -> Self {
        self.backlog = n;
        self
    }

    /// How long a shard with nothing to do keeps polling (without sleeping)
    /// before it parks in the kernel. Spinning trades CPU for fewer sleep/wake
    /// cycles when traffic is steady. Default: `KEVY_IDLE_SPIN_US` or 0.
    pub fn idle_spin(mut self, d: Duration) -> Self {
        self.idle_spin = d;
        self
    }

    /// How long a shard taking part in an isolated multi-shard operation
    /// (a lock of it queued or held here, or one of its own being
    /// acquired), or that had one open up to this long ago, keeps polling
    /// after its last piece of work before it parks. Such an operation trades messages with the other shards
    /// back and forth (lock, grant, parts, a script's calls, release), and
    /// each one that finds its shard asleep pays for a wake-up — tens of
    /// microseconds on a virtual machine, several per operation. Spinning
    /// only then leaves single-key traffic's CPU cost alone. Default:
    /// `KEVY_TXN_SPIN_US` or 50 µs; zero turns it off.
    pub fn txn_spin(mut self, d: Duration) -> Self {
        self.txn_spin = d;
        self
    }

    /// After how many keyed commands in a row that all went to one other
    /// shard a connection moves there, where its commands then run without
    /// a hop (when the command set allows it, see [`Commands::movable`]);
    /// 0: never. Default: `KEVY_MOVE_AFTER` or 64 (random keys over two
    /// shards make such a run about once in 2^64 commands).
    pub fn move_after(mut self, n: u32) -> Self {
        self.move_after = n;
        self
    }

    /// The CPUs the shard threads run on (see [`ShardCpus`]). Default:
    /// [`ShardCpus::from_env`] (`KEVY_SHARD_CPUS`, else auto: one CPU
    /// each when the process may use one CPU per shard).
    pub fn cpus(mut self, cpus: ShardCpus) -> Self {
        self.cpus = cpus;
        self
    }

    /// The shard threads' scheduling policy (see [`ShardSched`]). Default:
    /// [`ShardSched::from_env`] (`KEVY_SCHED`, else batch).
    pub fn sched(mut self, sched: ShardSched) -> Self {
        self.sched = sched;
        self
    }

    /// The shards' reactor (see [`IoBackend`]). Default:
    /// [`IoBackend::from_env`] (`KEVY_IO`, else auto). With
    /// [`IoBackend::Uring`], [`Builder::build`] fails where the kernel
    /// refuses io_uring; [`IoBackend::Auto`] falls back to epoll there.
    pub fn io(mut self, io: IoBackend) -> Self {
        self.io = io;
        self
    }

    /// Binds the listeners and sets up every shard's reactor; nothing runs yet.
    pub fn build(self) -> io::Result<Runtime<C>> {
        // The process's CPUs, before a shard thread narrows its own.
        crate::cpus::remember();
        let n = self.shards;
        // listeners[shard][address]. A port the kernel picked for the first
        // address (port 0) may be taken on a later one (`* -::*`: another
        // process holds it on IPv6): then all start again on a new one.
        let mut attempts = 0;
        let (listeners, bound_addrs) = loop {
            match bind_listeners(&self.addrs, n, self.backlog) {
                Err((e, true)) if attempts < 16 => {
                    attempts += 1;
                    drop(e);
                }
                Err((e, _)) => return Err(e),
                Ok(bound) => break bound,
            }
        };
        // No TCP address at all (`bind ""`) is fine with a Unix socket to
        // take clients; `local_addr` is then an unspecified address, port 0.
        let bound = match bound_addrs.first() {
            Some(&a) => a,
            None if self.addrs.is_empty() && self.unix.is_some() => {
                SocketAddr::from(([0, 0, 0, 0], 0))
            }
            None => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "no address to bind",
                ))
            }
        };
        self.settings
            .init_listening(n, self.backlog, bound_addrs.clone(), &listeners);
        let mut tls_listeners = Vec::with_capacity(n);
        let mut tls_addr = None;
        if let Some((tls, config)) = &self.tls {
            let addr = tls.to_socket_addrs()?.next().ok_or_else(|| {
                io::Error::new(io::ErrorKind::InvalidInput, "no TLS address to bind")
            })?;
            let (ls, bound) = listen_n(addr, n, self.backlog)?;
            tls_listeners.extend(ls.into_iter().map(|l| Some((l, config.clone()))));
            tls_addr = Some(bound);
        } else {
            tls_listeners.resize_with(n, || None);
        }
        let unix = match &self.unix {
            Some((path, perm)) => Some(listen_unix(path, *perm)?),
            None => None,
        };
        let mut unix_listeners = Vec::with_capacity(n);
        for _ in 0..n {
            unix_listeners.push(match &unix {
                Some(l) => Some(mio::net::UnixListener::from_std(l.try_clone()?)),
                None => None,
            });
        }
        let (io, io_reason) = match self.io {
            IoBackend::Epoll => (IoBackend::Epoll, "asked for".to_string()),
            // Fail here, not on a shard thread, when the kernel refuses it.
            IoBackend::Uring => {
                uring_works()?;
                (IoBackend::Uring, "asked for".to_string())
            }
            IoBackend::Auto => match uring_works() {
                Ok(()) => (
                    IoBackend::Uring,
                    "auto: the kernel has io_uring with multishot receives".to_string(),
                ),
                Err(e) => (IoBackend::Epoll, format!("auto: io_uring unusable ({e})")),
            },
        };
        let mut polls = Vec::with_capacity(n);
        let mut signals = Vec::with_capacity(n);
        for _ in 0..n {
            let poll = Poll::new()?;
            let waker = match io {
                IoBackend::Uring => crate::mesh::Waker::Fd(eventfd()?),
                _ => crate::mesh::Waker::Mio(Waker::new(poll.registry(), WAKER)?),
            };
            signals.push(Signal::new(waker));
            polls.push(poll);
        }
        let signals: Arc<[Signal]> = signals.into();
        let ends = mesh::<Msg<C>>(self.ring_capacity, signals.clone());
        Ok(Runtime {
            cmds: Arc::new(self.cmds),
            local_addr: bound,
            local_addrs: bound_addrs,
            tls_addr,
            limits: self.limits,
            shards: polls
                .into_iter()
                .zip(listeners)
                .zip(ends)
                .zip(unix_listeners)
                .zip(tls_listeners)
                .map(|((((p, l), e), u), t)| ((p, l), e, u, t))
                .collect(),
            unix_path: self.unix.map(|(p, _)| p),
            signals,
            stop: Arc::new(AtomicBool::new(false)),
            stats: (0..n).map(|_| Arc::new(ShardStats::default())).collect(),
            idle_spin: self.idle_spin,
            txn_spin: self.txn_spin,
            move_after: self.move_after,
            settings: self.settings,
            io,
            io_reason,
            sched: self.sched,
            cpus: self.cpus,
        })
    }
}

/// A new non-blocking eventfd (a shard's waker on the io_uring reactor).
pub(crate) fn eventfd() -> io::Result<std::os::fd::OwnedFd> {
    use std::os::fd::FromRawFd;
    // SAFETY: eventfd takes no pointers; a non-negative return is a new
    // descriptor nothing else owns.
    let fd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` was just created above and is owned by nothing else.
    Ok(unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) })
}

/// Whether the kernel gives this process an io_uring for sends. Tried on a
/// thread of its own: tearing a ring down queues task work on the thread
/// that made it, which interrupts that thread's next blocking system call
/// (`EINTR`), and the caller's thread may be a client's.
fn uring_works() -> io::Result<()> {
    std::thread::spawn(crate::reactor::uring::probe)
        .join()
        .unwrap_or_else(|_| Err(io::Error::other("io_uring probe panicked")))
}

type ShardSetup<C> = (
    (Poll, Vec<TcpListener>),
    MeshEnd<Msg<C>>,
    Option<mio::net::UnixListener>,
    Option<(TcpListener, Arc<ServerConfig>)>,
);

/// A thread-per-core server for the command set `C`, bound and ready to run.
///
/// ```no_run
/// # fn demo<C: kevy_rt::Commands>(cmds: C) -> std::io::Result<()> {
/// let rt = kevy_rt::Runtime::builder(cmds).bind("127.0.0.1:0").shards(2).build()?;
/// println!("listening on {}", rt.local_addr());
/// let server = rt.start()?; // background threads
/// server.stop();
/// # Ok(()) }
/// ```
pub struct Runtime<C: Commands> {
    cmds: Arc<C>,
    local_addr: SocketAddr,
    local_addrs: Vec<SocketAddr>,
    tls_addr: Option<SocketAddr>,
    limits: Limits,
    shards: Vec<ShardSetup<C>>,
    signals: Arc<[Signal]>,
    stop: Arc<AtomicBool>,
    stats: Vec<Arc<ShardStats>>,
    idle_spin: Duration,
    txn_spin: Duration,
    move_after: u32,
    settings: Arc<Settings>,
    unix_path: Option<PathBuf>,
    /// Epoll or Uring (Auto resolved at build).
    io: IoBackend,
    /// Why `io` was chosen.
    io_reason: String,
    /// The shard threads' scheduling policy.
    sched: ShardSched,
    /// Where the shard threads run.
    cpus: ShardCpus,
}

impl<C: Commands> Runtime<C> {
    /// A builder with default settings.
    pub fn builder(cmds: C) -> Builder<C> {
        Builder {
            cmds,
            addrs: vec![("127.0.0.1:6379".into(), false)],
            shards: std::thread::available_parallelism().map_or(1, |n| n.get()),
            ring_capacity: 1024,
            limits: Limits::default(),
            backlog: 511,
            idle_spin: Duration::from_micros(
                std::env::var("KEVY_IDLE_SPIN_US")
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0),
            ),
            txn_spin: Duration::from_micros(
                std::env::var("KEVY_TXN_SPIN_US")
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(DEFAULT_TXN_SPIN_US),
            ),
            move_after: std::env::var("KEVY_MOVE_AFTER")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(DEFAULT_MOVE_AFTER),
            settings: Settings::new(),
            unix: None,
            tls: None,
            io: IoBackend::from_env(),
            sched: ShardSched::from_env(),
            cpus: ShardCpus::from_env(),
        }
    }

    /// The I/O backend the shards use: [`IoBackend::Epoll`] or
    /// [`IoBackend::Uring`] (what [`IoBackend::Auto`] chose).
    pub fn io(&self) -> IoBackend {
        self.io
    }

    /// Why [`Runtime::io`] is what it is, for a start-up log line: `asked
    /// for`, or what [`IoBackend::Auto`] found (`auto: the kernel has
    /// io_uring …`, `auto: io_uring unusable (<error>)`).
    pub fn io_reason(&self) -> &str {
        &self.io_reason
    }

    /// The address the listeners are bound to (with the real port when 0 was asked).
    /// With several addresses, the first.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Every address listened on (an optional one the machine lacks is not
    /// among them).
    pub fn local_addrs(&self) -> &[SocketAddr] {
        &self.local_addrs
    }

    /// The address the TLS listeners are bound to, if any.
    pub fn tls_addr(&self) -> Option<SocketAddr> {
        self.tls_addr
    }

    /// A handle that stops the runtime from any thread.
    pub fn stopper(&self) -> Stopper {
        Stopper {
            stop: self.stop.clone(),
            signals: self.signals.clone(),
        }
    }

    /// Per-shard counters.
    pub fn stats(&self) -> Stats {
        Stats(self.stats.clone())
    }

    /// The live settings.
    pub fn settings(&self) -> Arc<Settings> {
        self.settings.clone()
    }

    /// Runs every shard until [`Stopper::stop`] is called; returns the first
    /// shard error, if any.
    pub fn run(self) -> io::Result<()> {
        let unix_path = self.unix_path.clone();
        let handles = self.spawn()?;
        let mut result = Ok(());
        for h in handles {
            match h.join() {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    if result.is_ok() {
                        result = Err(e);
                    }
                }
                Err(_) => {
                    if result.is_ok() {
                        result = Err(io::Error::other("a shard thread panicked"));
                    }
                }
            }
        }
        if let Some(p) = unix_path {
            let _ = std::fs::remove_file(p);
        }
        result
    }

    /// Runs the shards on background threads; the returned [`Server`] stops them.
    pub fn start(self) -> io::Result<Server> {
        let stopper = self.stopper();
        let stats = self.stats();
        let addr = self.local_addr;
        let tls_addr = self.tls_addr;
        let unix_path = self.unix_path.clone();
        let handles = self.spawn()?;
        Ok(Server {
            addr,
            tls_addr,
            unix_path,
            stopper,
            stats,
            handles,
        })
    }

    fn spawn(self) -> io::Result<Vec<JoinHandle<io::Result<()>>>> {
        let conn_ids = Arc::new(AtomicU64::new(0));
        let unlistened = Arc::new(AtomicUsize::new(0));
        let mut handles = Vec::new();
        let nshards = self.shards.len();
        let allowed = crate::cpus::allowed_cpus();
        for (id, (((poll, listeners), mesh, unix_listener, tls), stats)) in
            self.shards.into_iter().zip(self.stats).enumerate()
        {
            let parts = ShardParts {
                id,
                cmds: self.cmds.clone(),
                limits: self.limits,
                poll,
                listeners,
                unix_listener,
                tls,
                mesh,
                conn_ids: conn_ids.clone(),
                stop: self.stop.clone(),
                unlistened: unlistened.clone(),
                stats,
                idle_spin: self.idle_spin,
                txn_spin: self.txn_spin,
                move_after: self.move_after,
                // Read here, not on the shard's thread: a `CONFIG SET port`
                // served by a shard that started first must not be missed.
                listen_gen: self.settings.listen_gen(),
                settings: self.settings.clone(),
                io: self.io,
            };
            let stopper = Stopper {
                stop: self.stop.clone(),
                signals: self.signals.clone(),
            };
            let sched = self.sched;
            let cpu = self.cpus.cpu_of(id, nshards, &allowed);
            let auto = self.cpus == ShardCpus::Auto;
            let h = std::thread::Builder::new()
                .name(format!("kevy-shard-{id}"))
                .spawn(move || {
                    // Best effort: a thread left under the default policy
                    // serves the same, at a higher CPU cost per request.
                    let _ = sched.apply();
                    // Best effort too: a shard the system does not place
                    // runs where the kernel puts it.
                    let mut watch = None;
                    if let Some(cpu) = cpu {
                        let placed = crate::cpus::place(&[cpu]).is_ok();
                        if placed && auto {
                            watch = Some(crate::cpus::CoreWatch::new(cpu, Instant::now()));
                        }
                    }
                    // A panic is a bug; a server missing a shard would hang its
                    // clients, so the whole runtime stops instead (fail fast).
                    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        let mut shard = Shard::new(parts)?;
                        shard.core = watch;
                        shard.run()
                    }));
                    match result {
                        Ok(r) => r,
                        Err(_) => {
                            stopper.stop();
                            Err(io::Error::other(format!(
                                "shard {id} panicked; runtime stopped"
                            )))
                        }
                    }
                });
            match h {
                Ok(h) => handles.push(h),
                Err(e) => {
                    Stopper {
                        stop: self.stop.clone(),
                        signals: self.signals.clone(),
                    }
                    .stop();
                    for h in handles {
                        let _ = h.join();
                    }
                    return Err(e);
                }
            }
        }
        Ok(handles)
    }
}

/// Stops a running [`Runtime`]: every shard finishes its current iteration,
/// closes its connections and exits.
#[derive(Clone)]
pub struct Stopper {
    stop: Arc<AtomicBool>,
    signals: Arc<[Signal]>,
}

impl Stopper {
    /// Asks every shard to stop; returns at once.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Release);
        for s in self.signals.iter() {
            s.wake();
        }
    }
}

/// A runtime running on background threads. Dropping it stops it too.
pub struct Server {
    addr: SocketAddr,
    tls_addr: Option<SocketAddr>,
    unix_path: Option<PathBuf>,
    stopper: Stopper,
    stats: Stats,
    handles: Vec<JoinHandle<io::Result<()>>>,
}

impl Server {
    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Where it listens for TLS, if it does.
    pub fn tls_addr(&self) -> Option<SocketAddr> {
        self.tls_addr
    }

    /// Per-shard counters.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// A handle to stop it from elsewhere.
    pub fn stopper(&self) -> Stopper {
        self.stopper.clone()
    }

    /// Stops every shard and waits for the threads to end.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stopper.stop();
        for h in self.handles.drain(..) {
            let _ = h.join();
        }
        if let Some(p) = self.unix_path.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown();
    }
}
