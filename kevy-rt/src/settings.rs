//! Runtime settings that can change while the server runs (`CONFIG SET`
//! `maxclients`, `timeout`, `tcp-keepalive`, output-buffer limits, the
//! addresses listened on). Shared by every shard as relaxed atomics: read
//! when a connection is accepted, when output is queued and on the periodic
//! tick — never behind a lock (new listeners wait behind one, looked at
//! only when a tick sees their generation change).

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::push::{OutputLimit, OUTPUT_CLASSES};

/// How often a connection's reply-buffer peak starts again by default
/// (Redis's `reply_buffer_peak_reset_time`, 5 s).
pub const REPLY_PEAK_RESET_MS: i64 = 5000;

/// Live-changeable connection settings. `0` disables a limit.
#[derive(Debug)]
pub struct Settings {
    max_clients: AtomicU64,
    max_client_memory: AtomicU64,
    /// Bumped when `maxmemory-clients` changes, or when a shard's eviction
    /// left the connections over it: every shard evicts at once.
    client_limit_gen: AtomicU64,
    client_memory: AtomicU64,
    evictable_memory: AtomicU64,
    /// Reply bytes made for a connection of another shard and not yet
    /// filed there (`Settings::replies_in_transit`).
    in_transit: std::sync::atomic::AtomicI64,
    biggest: std::sync::Mutex<Vec<u64>>,
    idle_timeout_ms: AtomicU64,
    keepalive_secs: AtomicU64,
    /// Per output class: hard bytes, soft bytes, soft milliseconds.
    output_limits: [[AtomicU64; 3]; OUTPUT_CLASSES],
    /// The output classes whose connections' output memory is summed
    /// (a bit per class), and the sums.
    summed_classes: AtomicU64,
    class_output: [AtomicU64; OUTPUT_CLASSES],
    connected: AtomicU64,
    monitors: AtomicU64,
    blocked: AtomicU64,
    /// Unix time in ms until which clients are paused (0: not paused; a
    /// past time while only [`Settings::hold`]'s pause is in force).
    pause_until_ms: AtomicU64,
    pause_writes_only: AtomicBool,
    /// A pause with no end of the command set's own ([`Settings::hold`]):
    /// 0 none, 1 writes only, 2 everything.
    held: std::sync::atomic::AtomicU8,
    /// The reply-buffer model's settings and counts (`conn.rs`, `ReplyBuf`).
    reply_resizing: AtomicBool,
    reply_peak_reset_ms: AtomicI64,
    reply_shrinks: AtomicU64,
    reply_expands: AtomicU64,
    /// The TCP addresses listened on, and listeners bound while running.
    listening: Mutex<Listening>,
    /// Bumped when new listeners wait for the shards to take them.
    listen_gen: AtomicU64,
    /// `client-query-buffer-limit` and `proto-max-bulk-len` set while
    /// running (0: the runtime's [`Limits`](crate::resp::Limits) as built),
    /// and a count bumped with each change for the shards to take them.
    max_query_buffer: AtomicU64,
    max_bulk_len: AtomicU64,
    limits_gen: AtomicU64,
    /// Bumped by [`Settings::nudge`].
    nudge_gen: AtomicU64,
}

/// The TCP listeners as `CONFIG SET port` / `bind` change them.
#[derive(Debug, Default)]
struct Listening {
    /// The runtime's shards and listen backlog (set when it is built).
    shards: usize,
    backlog: i32,
    /// The addresses listened on.
    addrs: Vec<SocketAddr>,
    /// Listeners bound by [`Settings::relisten`], per shard, until that
    /// shard takes its own (closing the ones it had).
    handover: Vec<Option<Vec<mio::net::TcpListener>>>,
    /// Addresses listened on before, while some shard may still hold its
    /// listeners there: binding one of their ports again joins them.
    retiring: Vec<SocketAddr>,
    /// Shards that closed their old listeners since the last hand-over.
    closed: usize,
    /// The port of the addresses listened on last (kept while there are
    /// none: `bind ""`).
    port: u16,
    /// A duplicate of every listener now in use (the shards own theirs):
    /// [`Settings::relisten`] shuts them down at once, so that the old
    /// addresses refuse connections before `CONFIG SET` replies, not at
    /// the shards' next tick.
    dups: Vec<socket2::Socket>,
}

/// Duplicates of `listeners`' sockets (one that cannot be duplicated, out
/// of descriptors, is left out: it closes at its shard's next tick).
fn dups<'a>(
    listeners: impl IntoIterator<Item = &'a mio::net::TcpListener>,
) -> Vec<socket2::Socket> {
    listeners
        .into_iter()
        .filter_map(|l| socket2::SockRef::from(l).try_clone().ok())
        .collect()
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            max_clients: AtomicU64::new(10_000),
            max_client_memory: AtomicU64::new(0),
            client_limit_gen: AtomicU64::new(0),
            client_memory: AtomicU64::new(0),
            evictable_memory: AtomicU64::new(0),
            in_transit: std::sync::atomic::AtomicI64::new(0),
            biggest: std::sync::Mutex::new(Vec::new()),
            idle_timeout_ms: AtomicU64::new(0),
            keepalive_secs: AtomicU64::new(300),
            output_limits: Default::default(),
            summed_classes: AtomicU64::new(0),
            class_output: Default::default(),
            connected: AtomicU64::new(0),
            monitors: AtomicU64::new(0),
            blocked: AtomicU64::new(0),
            pause_until_ms: AtomicU64::new(0),
            pause_writes_only: AtomicBool::new(false),
            held: std::sync::atomic::AtomicU8::new(0),
            reply_resizing: AtomicBool::new(true),
            reply_peak_reset_ms: AtomicI64::new(REPLY_PEAK_RESET_MS),
            reply_shrinks: AtomicU64::new(0),
            reply_expands: AtomicU64::new(0),
            listening: Mutex::new(Listening::default()),
            listen_gen: AtomicU64::new(0),
            max_query_buffer: AtomicU64::new(0),
            max_bulk_len: AtomicU64::new(0),
            limits_gen: AtomicU64::new(0),
            nudge_gen: AtomicU64::new(0),
        }
    }
}

impl Settings {
    /// Redis's defaults: 10,000 clients, no idle timeout, keep-alive every
    /// 300 s, no output limit for normal clients.
    pub fn new() -> Arc<Settings> {
        Arc::new(Settings::default())
    }

    /// Most connections open at once over all shards (`maxclients`).
    pub fn max_clients(&self) -> u64 {
        self.max_clients.load(Ordering::Relaxed)
    }

    /// Sets `maxclients`.
    pub fn set_max_clients(&self, n: u64) {
        self.max_clients.store(n, Ordering::Relaxed);
    }

    /// The memory all connections may use together before the biggest are
    /// closed (`maxmemory-clients`; 0: no limit).
    pub fn max_client_memory(&self) -> u64 {
        self.max_client_memory.load(Ordering::Relaxed)
    }

    /// Sets `maxmemory-clients` in bytes (0: no limit).
    pub fn set_max_client_memory(&self, bytes: u64) {
        self.max_client_memory.store(bytes, Ordering::Relaxed);
        self.evict_clients_now();
    }

    /// Sets the largest unprocessed query buffer (`client-query-buffer-limit`)
    /// while running: every shard takes it before its next request.
    pub fn set_max_query_buffer(&self, bytes: u64) {
        self.max_query_buffer.store(bytes.max(1), Ordering::Relaxed);
        self.limits_gen.fetch_add(1, Ordering::Release);
    }

    /// Sets the largest bulk argument (`proto-max-bulk-len`) while running:
    /// every shard takes it before its next request.
    pub fn set_max_bulk_len(&self, bytes: u64) {
        self.max_bulk_len.store(bytes.max(1), Ordering::Relaxed);
        self.limits_gen.fetch_add(1, Ordering::Release);
    }

    /// Asks every shard to call [`Commands::nudged`](crate::Commands::nudged)
    /// at the start of its next loop iteration.
    pub fn nudge(&self) {
        self.nudge_gen.fetch_add(1, Ordering::Release);
    }

    /// How many times [`Settings::nudge`] was asked.
    #[inline]
    pub(crate) fn nudge_gen(&self) -> u64 {
        self.nudge_gen.load(Ordering::Acquire)
    }

    /// How many times the limits above were set.
    #[inline]
    pub(crate) fn limits_gen(&self) -> u64 {
        self.limits_gen.load(Ordering::Acquire)
    }

    /// `limits` with the values set while running.
    pub(crate) fn current_limits(&self, mut limits: crate::resp::Limits) -> crate::resp::Limits {
        let size = |a: &AtomicU64| usize::try_from(a.load(Ordering::Relaxed)).unwrap_or(usize::MAX);
        match size(&self.max_query_buffer) {
            0 => {}
            n => limits.max_query_buffer = n,
        }
        match size(&self.max_bulk_len) {
            0 => {}
            n => limits.max_bulk_len = n,
        }
        limits
    }

    /// Idle time after which a connection is closed (`timeout`); `None` = never.
    pub fn idle_timeout(&self) -> Option<Duration> {
        match self.idle_timeout_ms.load(Ordering::Relaxed) {
            0 => None,
            ms => Some(Duration::from_millis(ms)),
        }
    }

    /// Sets `timeout`; zero disables it.
    pub fn set_idle_timeout(&self, d: Duration) {
        self.idle_timeout_ms.store(
            d.as_millis().min(u64::MAX as u128) as u64,
            Ordering::Relaxed,
        );
    }

    /// TCP keep-alive interval for new connections (`tcp-keepalive`); `None` = off.
    pub fn keepalive(&self) -> Option<Duration> {
        match self.keepalive_secs.load(Ordering::Relaxed) {
            0 => None,
            s => Some(Duration::from_secs(s)),
        }
    }

    /// Sets `tcp-keepalive` in seconds; zero disables it.
    pub fn set_keepalive_secs(&self, secs: u64) {
        self.keepalive_secs.store(secs, Ordering::Relaxed);
    }

    /// Unsent output beyond which a connection of class 0 is closed (the
    /// hard limit of `client-output-buffer-limit normal`); `None` = unlimited.
    pub fn output_hard_limit(&self) -> Option<u64> {
        match self.output_limits[0][0].load(Ordering::Relaxed) {
            0 => None,
            n => Some(n),
        }
    }

    /// Sets class 0's output hard limit in bytes; zero disables it.
    pub fn set_output_hard_limit(&self, bytes: u64) {
        self.output_limits[0][0].store(bytes, Ordering::Relaxed);
    }

    /// The output limits of connections of `class` (see
    /// [`Commands::output_class`](crate::Commands::output_class)); a class
    /// past [`OUTPUT_CLASSES`] reads as class 0.
    pub fn output_limit(&self, class: usize) -> OutputLimit {
        let l = self
            .output_limits
            .get(class)
            .unwrap_or(&self.output_limits[0]);
        OutputLimit {
            hard: l[0].load(Ordering::Relaxed),
            soft: l[1].load(Ordering::Relaxed),
            soft_for: Duration::from_millis(l[2].load(Ordering::Relaxed)),
        }
    }

    /// Sets the output limits of `class` (ignored past [`OUTPUT_CLASSES`]).
    pub fn set_output_limit(&self, class: usize, limit: OutputLimit) {
        if let Some(l) = self.output_limits.get(class) {
            l[0].store(limit.hard, Ordering::Relaxed);
            l[1].store(limit.soft, Ordering::Relaxed);
            let ms = limit.soft_for.as_millis().min(u64::MAX as u128) as u64;
            l[2].store(ms, Ordering::Relaxed);
        }
    }

    /// Sums the output memory of the connections of `class` from now on
    /// ([`Settings::output_memory`]): a command set that keeps some
    /// connections' output out of a memory limit (Redis leaves replicas'
    /// output buffers out of `maxmemory`) asks for it once, before the
    /// runtime starts. Ignored past [`OUTPUT_CLASSES`].
    pub fn sum_output_of(&self, class: usize) {
        if class < OUTPUT_CLASSES {
            self.summed_classes.fetch_or(1 << class, Ordering::Relaxed);
        }
    }

    /// True when the output memory of `class` is summed.
    #[inline]
    pub(crate) fn output_summed(&self, class: usize) -> bool {
        class < OUTPUT_CLASSES && self.summed_classes.load(Ordering::Relaxed) & (1 << class) != 0
    }

    /// The memory the output of every connection of `class` holds (buffer
    /// capacity and sends in flight), over all shards, as last noted: when
    /// output is queued by a push, when a connection is written and on
    /// the tick. 0 unless [`Settings::sum_output_of`] asked for `class`.
    /// One relaxed load.
    #[inline]
    pub fn output_memory(&self, class: usize) -> u64 {
        self.class_output
            .get(class)
            .map_or(0, |a| a.load(Ordering::Relaxed))
    }

    /// Moves a connection's noted output memory from `old` (bytes of class
    /// `old_class`) to `new` (of `new_class`).
    pub(crate) fn note_output(&self, old_class: usize, old: u64, new_class: usize, new: u64) {
        if old_class == new_class {
            let d = new.wrapping_sub(old);
            if let Some(a) = self.class_output.get(new_class) {
                a.fetch_add(d, Ordering::Relaxed);
            }
            return;
        }
        if let Some(a) = self.class_output.get(old_class) {
            a.fetch_sub(old, Ordering::Relaxed);
        }
        if let Some(a) = self.class_output.get(new_class) {
            a.fetch_add(new, Ordering::Relaxed);
        }
    }

    /// Whether reply buffers are resized to their use (Redis's
    /// `DEBUG REPLYBUFFER RESIZING`, on by default).
    pub fn reply_resizing(&self) -> bool {
        self.reply_resizing.load(Ordering::Relaxed)
    }

    /// Turns reply-buffer resizing on or off.
    pub fn set_reply_resizing(&self, on: bool) {
        self.reply_resizing.store(on, Ordering::Relaxed);
    }

    /// Milliseconds after which a reply buffer's peak starts again (its
    /// current fill), `None` for never (`DEBUG REPLYBUFFER
    /// PEAK-RESET-TIME`).
    pub fn reply_peak_reset(&self) -> Option<Duration> {
        let ms = self.reply_peak_reset_ms.load(Ordering::Relaxed);
        (ms >= 0).then(|| Duration::from_millis(ms as u64))
    }

    /// Sets the peak reset time in milliseconds (negative: never).
    pub fn set_reply_peak_reset_ms(&self, ms: i64) {
        self.reply_peak_reset_ms.store(ms, Ordering::Relaxed);
    }

    /// Reply buffers shrunk and grown so far (INFO `reply_buffer_shrinks`,
    /// `reply_buffer_expands`).
    pub fn reply_resizes(&self) -> (u64, u64) {
        (
            self.reply_shrinks.load(Ordering::Relaxed),
            self.reply_expands.load(Ordering::Relaxed),
        )
    }

    /// Counts a reply buffer shrunk (`false`) or grown (`true`).
    pub(crate) fn count_reply_resize(&self, grew: bool) {
        let c = if grew {
            &self.reply_expands
        } else {
            &self.reply_shrinks
        };
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// Connections open now over all shards.
    pub fn connected(&self) -> u64 {
        self.connected.load(Ordering::Relaxed)
    }

    /// Pauses clients until `until` (`CLIENT PAUSE`): their commands for which
    /// [`Commands::pausable`](crate::Commands::pausable) answers true wait, in
    /// order, until the pause ends. Over a pause in force, the later end and
    /// the stricter mode win, as in Redis.
    pub fn pause(&self, until: std::time::SystemTime, writes_only: bool) {
        let ms = until
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_millis().max(1) as u64);
        let (until_ms, writes_only) = match self.timed_pause(now_unix_ms()) {
            Some(cur_writes) => (
                ms.max(self.pause_until_ms.load(Ordering::Relaxed)),
                cur_writes && writes_only,
            ),
            None => (ms, writes_only),
        };
        self.pause_writes_only.store(writes_only, Ordering::Relaxed);
        self.pause_until_ms.store(until_ms, Ordering::Relaxed);
    }

    /// Ends the `CLIENT PAUSE` in force now (`CLIENT UNPAUSE`); a held
    /// pause ([`Settings::hold`]) stays.
    pub fn unpause(&self) {
        let past = u64::from(self.held.load(Ordering::Relaxed) != 0);
        self.pause_until_ms.store(past, Ordering::Relaxed);
    }

    /// Starts (`Some(writes_only)`) or ends (`None`) a pause of the command
    /// set's own, with no end time, beside `CLIENT PAUSE`'s and untouched
    /// by `CLIENT UNPAUSE` (Redis's pause purposes: a `FAILOVER` holds
    /// writes until it completes or is aborted). While both are in force
    /// the stricter mode wins.
    pub fn hold(&self, pause: Option<bool>) {
        let held = match pause {
            None => 0,
            Some(true) => 1,
            Some(false) => 2,
        };
        self.held.store(held, Ordering::Relaxed);
        if held != 0 {
            // Off the fast path of `paused`: a past end, if none is set.
            let _ =
                self.pause_until_ms
                    .compare_exchange(0, 1, Ordering::Relaxed, Ordering::Relaxed);
        } else if self.timed_pause(now_unix_ms()).is_none() {
            self.pause_until_ms.store(0, Ordering::Relaxed);
        }
    }

    /// The pause in force, if any: `Some(writes_only)`.
    #[inline]
    pub fn paused(&self) -> Option<bool> {
        if self.pause_until_ms.load(Ordering::Relaxed) == 0 {
            return None;
        }
        let timed = self.timed_pause(now_unix_ms());
        match (timed, self.held.load(Ordering::Relaxed)) {
            (t, 0) => t,
            (None, h) => Some(h == 1),
            (Some(w), h) => Some(w && h == 1),
        }
    }

    /// `CLIENT PAUSE`'s pause at `now` (unix ms), if in force.
    fn timed_pause(&self, now: u64) -> Option<bool> {
        let until = self.pause_until_ms.load(Ordering::Relaxed);
        (now < until).then(|| self.pause_writes_only.load(Ordering::Relaxed))
    }

    /// Connections in `MONITOR` mode over all shards.
    pub fn monitors(&self) -> u64 {
        self.monitors.load(Ordering::Relaxed)
    }

    pub(crate) fn add_monitor(&self, delta: i64) {
        if delta >= 0 {
            self.monitors.fetch_add(delta as u64, Ordering::Relaxed);
        } else {
            self.monitors
                .fetch_sub(delta.unsigned_abs(), Ordering::Relaxed);
        }
    }

    /// Connections blocked over all shards: those with a command held back
    /// by a pause (Redis 7.0 counts them in `blocked_clients`).
    pub fn blocked_clients(&self) -> u64 {
        self.blocked.load(Ordering::Relaxed)
    }

    pub(crate) fn add_blocked(&self, delta: i64) {
        if delta >= 0 {
            self.blocked.fetch_add(delta as u64, Ordering::Relaxed);
        } else {
            self.blocked
                .fetch_sub(delta.unsigned_abs(), Ordering::Relaxed);
        }
    }

    /// Listens on `addrs` (`host:port`, each with whether it is optional:
    /// skipped where the machine lacks it) instead of the addresses listened
    /// on now; an empty list takes no more TCP connections. The new
    /// listeners are bound here, so that an address that does not resolve or
    /// a port another process holds fails this call and changes nothing;
    /// each shard then takes its own at its next tick, closing the old ones
    /// (connections already accepted stay). Returns the addresses bound.
    pub fn relisten(&self, addrs: &[(String, bool)]) -> io::Result<Vec<SocketAddr>> {
        let mut l = self.listening.lock().unwrap_or_else(|p| p.into_inner());
        if l.shards == 0 {
            return Err(io::Error::new(
                io::ErrorKind::NotConnected,
                "the runtime is not running",
            ));
        }
        let held: Vec<SocketAddr> = l.addrs.iter().chain(&l.retiring).copied().collect();
        let (listeners, bound) =
            crate::listen::bind_listeners_beside(addrs, l.shards, l.backlog, &held)
                .map_err(|(e, _)| e)?;
        if bound.is_empty() && !addrs.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::AddrNotAvailable,
                "no address to bind",
            ));
        }
        // Bound and listening already: the old ones can stop taking
        // connections now (Linux unhashes a listening socket shut down for
        // reading; its shard closes it at its next tick).
        for old in l.dups.drain(..) {
            let _ = old.shutdown(std::net::Shutdown::Read);
        }
        l.dups = dups(listeners.iter().flatten());
        l.handover = listeners.into_iter().map(Some).collect();
        l.retiring = held;
        l.closed = 0;
        if let Some(a) = bound.first() {
            l.port = a.port();
        }
        l.addrs = bound.clone();
        self.listen_gen.fetch_add(1, Ordering::Release);
        Ok(bound)
    }

    /// The TCP addresses listened on (after [`Settings::relisten`], the
    /// new ones, though shards may still be taking them).
    pub fn listening(&self) -> Vec<SocketAddr> {
        let l = self.listening.lock().unwrap_or_else(|p| p.into_inner());
        l.addrs.clone()
    }

    /// The TCP port listened on: the first address's, else (none now) the
    /// last one listened on; `None` before the runtime is built or when it
    /// never listened on TCP.
    pub fn listening_port(&self) -> Option<u16> {
        let l = self.listening.lock().unwrap_or_else(|p| p.into_inner());
        Some(l.port).filter(|&p| p != 0)
    }

    /// What the runtime listens on when it is built.
    pub(crate) fn init_listening(
        &self,
        shards: usize,
        backlog: i32,
        addrs: Vec<SocketAddr>,
        listeners: &[Vec<mio::net::TcpListener>],
    ) {
        let mut l = self.listening.lock().unwrap_or_else(|p| p.into_inner());
        l.dups = dups(listeners.iter().flatten());
        l.port = addrs.first().map_or(0, SocketAddr::port);
        l.shards = shards;
        l.backlog = backlog;
        l.addrs = addrs;
        l.handover.clear();
    }

    /// How many times listeners were handed over (a shard compares it on
    /// its tick with the last it saw).
    #[inline]
    pub(crate) fn listen_gen(&self) -> u64 {
        self.listen_gen.load(Ordering::Acquire)
    }

    /// Shard `shard`'s listeners of the latest hand-over, once.
    pub(crate) fn take_listeners(&self, shard: usize) -> Option<Vec<mio::net::TcpListener>> {
        let mut l = self.listening.lock().unwrap_or_else(|p| p.into_inner());
        l.handover.get_mut(shard).and_then(Option::take)
    }

    /// Stopping: the duplicates of the listeners close (shut down first,
    /// so that the sockets stop listening though a shard may still hold
    /// its descriptor), and so do listeners not yet handed over.
    pub(crate) fn close_listeners(&self) {
        let mut l = self.listening.lock().unwrap_or_else(|p| p.into_inner());
        for d in l.dups.drain(..) {
            let _ = d.shutdown(std::net::Shutdown::Read);
        }
        l.handover.clear();
    }

    /// A shard closed the listeners the latest hand-over replaced.
    pub(crate) fn closed_old_listeners(&self) {
        let mut l = self.listening.lock().unwrap_or_else(|p| p.into_inner());
        l.closed += 1;
        if l.closed >= l.shards {
            l.retiring.clear();
        }
    }

    /// Counts a new connection unless the limit is reached.
    pub(crate) fn try_admit(&self) -> bool {
        let max = self.max_clients();
        let now = self.connected.fetch_add(1, Ordering::Relaxed);
        if max != 0 && now >= max {
            self.connected.fetch_sub(1, Ordering::Relaxed);
            return false;
        }
        true
    }

    /// Uncounts a closed connection.
    pub(crate) fn release(&self) {
        self.connected.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Whether the runtime is stopping (see [`ShardInfo::stopping`](crate::ShardInfo::stopping)).
#[derive(Clone, Debug, Default)]
pub struct Stopping(Arc<std::sync::atomic::AtomicBool>);

impl Stopping {
    /// Shares the runtime's stop flag.
    pub(crate) fn new(flag: Arc<std::sync::atomic::AtomicBool>) -> Stopping {
        Stopping(flag)
    }

    /// True once the runtime was asked to stop. One relaxed load.
    #[inline]
    pub fn get(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// The time now in unix milliseconds.
fn now_unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

mod clients;

#[cfg(test)]
mod tests;
