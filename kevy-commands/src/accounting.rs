//! Server-wide state and per-shard accounting: what `INFO`, `SLOWLOG`,
//! `LATENCY`, `CLIENT` and `CONFIG` report and change.
//!
//! - [`Shared`] is one per command set, shared by every shard: the
//!   configuration table, start time, run id, the slow-log id counter and
//!   the client-name registry. Nothing in it is touched per command except
//!   relaxed loads of the hot settings.
//! - [`ShardServer`] is each shard's own: command and error counters, latency
//!   histograms, the slow log and the latency monitor. Every command is timed
//!   on the shard that ran it and accounted there by [`ShardServer::done`];
//!   reports sum the shards over a plan with one part per shard.

pub mod latency;
pub mod meter;
pub mod names;
pub mod slowlog;
pub mod stats;

mod errors;

pub use errors::ErrorCounts;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// The Redis version kevy answers as (INFO, HELLO).
pub const REDIS_VERSION: &str = crate::persist::state::REDIS_VERSION;

use kevy_rt::{Args, ShardInfo};

use crate::base::{clock, sys};
use crate::config::ConfigTable;
use names::Names;
use slowlog::{Captured, Entry, SlowLog};
use stats::Stats;

/// State shared by every shard of one server.
#[derive(Debug)]
pub struct Shared {
    /// Every setting.
    pub config: ConfigTable,
    /// When the server started (`LASTSAVE` while nothing is saved).
    pub started: SystemTime,
    /// The same moment, monotonic (uptime).
    pub started_at: Instant,
    /// 40 random hex digits, new at every start (`run_id`).
    pub run_id: String,
    /// The replication id (`master_replid`).
    repl_id: std::sync::Mutex<String>,
    /// The previous replication id and the first offset it does not
    /// cover (`master_replid2`, `second_repl_offset`; `None`: none).
    repl_id2: std::sync::Mutex<Option<(String, u64)>>,
    /// Names of named clients.
    pub names: Arc<Names>,
    /// Active expiry on (`DEBUG SET-ACTIVE-EXPIRE`).
    pub active_expire: AtomicBool,
    /// The shards' periodic work stopped (`DEBUG PAUSE-CRON 1`): no active
    /// expiry, background saves, key eviction or replica pings.
    pub cron_paused: AtomicBool,
    /// Keys in all shards' tracking tables (`tracking-table-max-keys`).
    pub tracked_keys: std::sync::atomic::AtomicUsize,
    /// Scripts may call `noscript` commands
    /// (`DEBUG SET-DISABLE-DENY-SCRIPTS`).
    pub script_deny_off: AtomicBool,
    /// Global-mode scripts in flight: active expiry waits for them, as
    /// nothing expires a key in the middle of a Redis script.
    pub scripts_global: std::sync::atomic::AtomicUsize,
    /// Every connection by client id (written on connect and close, and
    /// when its tracking changes): what another shard looks up instead of
    /// carrying it with every forwarded command ([`Registered`]).
    pub conns: std::sync::Mutex<std::collections::HashMap<u64, Registered>>,
    /// Allocated bytes when the server state was made (`used_memory_startup`).
    pub startup_memory: u64,
    slow_ids: AtomicU64,
    /// Subscriptions, on every shard, that a keyspace event could reach
    /// (patterns, and channels named `__key…`; kept by each shard's
    /// [`Registry`](crate::shard::pubsub::Registry)): while there are
    /// none, keyspace events are not published at all.
    pub key_listeners: Arc<std::sync::atomic::AtomicUsize>,
    /// Scripts in the script cache and their bytes (`INFO memory`'s
    /// `number_of_cached_scripts`, `used_memory_scripts_eval`), kept by the
    /// crate root's script registry.
    pub scripts: [AtomicU64; 2],
    mem_peak: AtomicU64,
    port: AtomicU64,
    /// The append-only file.
    pub aof: crate::aof::Aof,
    /// The attached replicas and their streams.
    pub replicas: crate::repl::Replicas,
    /// The link to the primary, while this server is a replica.
    pub upstream: crate::repl::upstream::Upstream,
    /// A coordinated `FAILOVER` in progress, if any.
    pub failover: crate::repl::failover::Failover,
    /// Shards loaded before the runtime started (from the append-only
    /// file), taken by `new_shard`.
    pub preloaded: crate::aof::Preloaded,
    /// Saving and loading: LASTSAVE, background saves, INFO persistence.
    pub persist: crate::persist::state::Persist,
    /// Where log lines go (the embedder's).
    pub log: crate::base::log::Sink,
}

/// Memory counted in `used_memory` that `maxmemory` leaves out, as Redis's
/// `freeMemoryGetNotCountedMemory` does: replicas' output buffers (a
/// replica that stops reading must not make the primary evict its keys)
/// and the append-only file's buffer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Uncounted {
    /// The replication buffers: the replicas' streams waiting for their
    /// shards and the output held by replica connections (INFO's
    /// `mem_total_replication_buffers`; the backlog is a ring of its own,
    /// counted apart).
    pub replicas: u64,
    /// What the shards' feeds keep while the append-only file is open
    /// (`mem_aof_buffer`).
    pub aof: u64,
}

impl Uncounted {
    /// All of it (`mem_not_counted_for_evict`).
    #[inline]
    pub fn total(&self) -> u64 {
        self.replicas + self.aof
    }
}

impl Default for Shared {
    fn default() -> Shared {
        Shared::new()
    }
}

/// 40 hex digits from the OS's randomness (falling back to the clock).
pub(crate) fn random_hex40() -> String {
    let mut bytes = [0u8; 20];
    let ok = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes))
        .is_ok();
    if !ok {
        let mut x = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64)
            | 1;
        for b in bytes.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Shared {
    /// Fresh state: default settings, started now.
    pub fn new() -> Shared {
        clock::calibrate();
        let shared = Shared {
            config: ConfigTable::new(),
            started: SystemTime::now(),
            started_at: Instant::now(),
            run_id: random_hex40(),
            repl_id: std::sync::Mutex::new(random_hex40()),
            repl_id2: std::sync::Mutex::new(None),
            names: Arc::new(Names::default()),
            active_expire: AtomicBool::new(true),
            cron_paused: AtomicBool::new(false),
            tracked_keys: std::sync::atomic::AtomicUsize::new(0),
            script_deny_off: AtomicBool::new(false),
            scripts_global: Default::default(),
            conns: Default::default(),
            startup_memory: sys::allocated_bytes().unwrap_or_else(sys::rss_bytes),
            slow_ids: AtomicU64::new(0),
            key_listeners: Arc::default(),
            scripts: [AtomicU64::new(0), AtomicU64::new(0)],
            mem_peak: AtomicU64::new(0),
            port: AtomicU64::new(0),
            aof: Default::default(),
            replicas: Default::default(),
            upstream: Default::default(),
            failover: Default::default(),
            preloaded: Default::default(),
            persist: Default::default(),
            log: Default::default(),
        };
        // `no-appendfsync-on-rewrite` holds the file's syncs while a
        // background job runs.
        shared.aof.watch_children(shared.persist.child.clone());
        shared
    }

    /// The next slow-log entry id (global order over shards).
    pub fn next_slow_id(&self) -> u64 {
        self.slow_ids.fetch_add(1, Ordering::Relaxed)
    }

    /// The allocator's in-use bytes now (the resident size where the
    /// allocator cannot tell), and the largest value seen so far.
    pub fn memory(&self) -> (u64, u64) {
        let used = self.config.live().memory.used();
        let peak = self.mem_peak.fetch_max(used, Ordering::Relaxed).max(used);
        (used, peak)
    }

    /// The memory `maxmemory` leaves out (see [`Uncounted`]), with the
    /// runtime's `settings` (without them, the replica connections' own
    /// output is not known). A few relaxed loads.
    #[inline]
    pub fn uncounted(&self, settings: Option<&kevy_rt::Settings>) -> Uncounted {
        let out = settings.map_or(0, |s| s.output_memory(crate::repl::REPLICA_CLASS));
        Uncounted {
            replicas: self.replicas.buffered() + out,
            aof: self.aof.buffer_memory(),
        }
    }

    /// Records the TCP port the server listens on (`tcp_port`; the
    /// configured `port` may be 0, meaning any free port).
    pub fn set_listening_port(&self, port: u16) {
        self.port.store(port as u64, Ordering::Relaxed);
    }

    /// The TCP port the server listens on: the runtime's (which `CONFIG
    /// SET port` changes; while `bind ""` listens nowhere, the last one),
    /// else the one recorded, else the configured one.
    pub fn listening_port(&self) -> u64 {
        if let Some(p) = self.config.settings().and_then(|s| s.listening_port()) {
            return p as u64;
        }
        match self.port.load(Ordering::Relaxed) {
            0 => self.config.get_i64("port").max(0) as u64,
            p => p,
        }
    }

    /// The replication id (INFO's `master_replid`).
    pub fn repl_id(&self) -> String {
        self.repl_id.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Takes the primary's replication id, as a replica does when it
    /// syncs (`+FULLRESYNC <replid> …`): a replica and its primary show
    /// the same `master_replid`, which `PSYNC … FAILOVER` checks.
    pub fn set_repl_id(&self, id: &str) {
        if id.len() == 40 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
            if let Ok(mut mine) = self.repl_id.lock() {
                id.clone_into(&mut mine);
            }
        }
    }

    /// Keeps the replication id as the previous one, valid up to stream
    /// offset `offset`, and draws a new one (Redis's `shiftReplicationId`,
    /// when a replica becomes a primary: its replicas, and its old
    /// primary, may go on from where they were).
    pub fn shift_repl_id(&self, offset: u64) {
        if let Ok(mut id) = self.repl_id.lock() {
            let old = std::mem::replace(&mut *id, random_hex40());
            if let Ok(mut id2) = self.repl_id2.lock() {
                *id2 = Some((old, offset + 1));
            }
        }
    }

    /// The previous replication id and the first offset past it.
    pub fn repl_id2(&self) -> Option<(String, u64)> {
        self.repl_id2.lock().ok().and_then(|id| id.clone())
    }

    /// Whether a `PSYNC` of `replid` from offset `from` is of this
    /// server's history (Redis: its id, or its previous one up to where
    /// that ends).
    pub fn knows_stream(&self, replid: &[u8], from: u64) -> bool {
        replid == self.repl_id().as_bytes()
            || self
                .repl_id2()
                .is_some_and(|(id, end)| id.as_bytes() == replid && from <= end)
    }

    /// Forgets the previous replication id.
    pub fn clear_repl_id2(&self) {
        if let Ok(mut id2) = self.repl_id2.lock() {
            *id2 = None;
        }
    }

    /// Draws a new replication id (`DEBUG CHANGE-REPL-ID`).
    pub fn change_repl_id(&self) {
        if let Ok(mut id) = self.repl_id.lock() {
            *id = random_hex40();
        }
    }

    /// Forgets the memory peak (`CONFIG RESETSTAT`).
    pub fn reset_memory_peak(&self) {
        self.mem_peak.store(0, Ordering::Relaxed);
    }

    /// Unix time of the start, in seconds.
    pub fn start_secs(&self) -> i64 {
        self.started
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64)
    }

    /// How a client's address reads in reports: `ip:port`, or
    /// `<unixsocket>:0` for Unix-socket clients (Redis's `getClientPeerId`).
    pub fn peer_id(&self, peer: Option<SocketAddr>, unix: bool) -> String {
        match peer {
            Some(p) => p.to_string(),
            None if unix => format!("{}:0", self.config.get("unixsocket").unwrap_or_default()),
            None => String::new(),
        }
    }
}

/// A connection as any shard looks it up by its id ([`Shared::conns`]).
#[derive(Clone, Copy, Debug)]
pub struct Registered {
    /// Its push handle (`CLIENT TRACKING … REDIRECT id` looks its target up).
    pub conn: kevy_rt::ConnHandle,
    /// Its address (TCP): for a slow-log or ACL-log entry made on another shard.
    pub peer: Option<SocketAddr>,
    /// While it tracks keys its reads touch: where their invalidations go.
    pub tracking: Option<TrackTo>,
}

/// Where a tracking client's invalidations go (`CLIENT TRACKING` options).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrackTo {
    /// The redirect target's handle (`None`: the client itself).
    pub target: Option<kevy_rt::ConnHandle>,
    /// The redirect target's client id (0: none).
    pub redirect: u64,
    /// NOLOOP: not told of its own changes.
    pub noloop: bool,
}

impl Shared {
    /// Connection `id` as registered, if it is still connected.
    pub fn registered(&self, id: u64) -> Option<Registered> {
        let map = match self.conns.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        map.get(&id).copied()
    }

    /// The address of connection `id` (TCP, still connected).
    #[cold]
    pub fn peer_of(&self, id: u64) -> Option<SocketAddr> {
        self.registered(id).and_then(|r| r.peer)
    }
}

/// What MONITOR and the slow log show instead of a password.
pub const REDACTED: &[u8] = b"(redacted)";

/// A command as the accounting sees it (the command table's `Spec`, which
/// lives above this layer): its counter index, the flags that decide the
/// slow log and latency monitor, and what the slow log hides.
pub trait Accountable: 'static {
    /// Its counter index; `None` for a stand-in outside the table (a
    /// request that did not resolve).
    fn stat_id(&'static self) -> Option<usize>;
    /// The counter index of the command `args` name, if any.
    fn stat_id_of_args(args: Args<'_>) -> Option<usize>;
    /// Kept out of the slow log (`skip_slowlog`).
    fn skip_slowlog(&self) -> bool;
    /// Flagged `fast` (a latency sample is a `fast-command` event).
    fn fast(&self) -> bool;
    /// Flagged `write` (it may add to the change counter).
    fn writes(&self) -> bool;
    /// What command `id`, run with `argc` arguments and replying `reply`,
    /// adds to the change counter (`rdb_changes_since_last_save`).
    fn dirty(id: usize, args: Args<'_>, argc: usize, reply: &[u8]) -> u64;
    /// The positions of `args` the slow log hides.
    fn redactions(&self, args: Args<'_>) -> Vec<usize>;
}

/// Who ran a command, as far as a shard knows.
#[derive(Clone, Copy, Debug)]
pub struct Who<'a> {
    /// The connection id.
    pub id: u64,
    /// Its address (TCP).
    pub peer: Option<SocketAddr>,
    /// It came through the Unix socket.
    pub unix: bool,
    /// Its name when the shard has it at hand.
    pub name: Option<&'a [u8]>,
    /// It has a name (to be looked up when `name` is not at hand).
    pub named: bool,
}

/// One shard's counters and logs.
#[derive(Debug)]
pub struct ShardServer {
    /// The server-wide state.
    pub shared: Arc<Shared>,
    /// Which shard this is, with the runtime's counters and settings;
    /// `None` outside a runtime.
    pub info: Option<ShardInfo>,
    /// Command and error counters.
    pub stats: Stats,
    /// The slow log.
    pub slowlog: SlowLog,
    /// The latency monitor.
    pub latency: latency::Monitor,
    /// Changes made by write commands (Redis's `server.dirty`).
    pub dirty: u64,
    /// The last background-save epoch this shard served.
    pub rdb_epoch: u64,
    /// The background save or AOF rewrite whose snapshot this shard is
    /// taking, slice by slice.
    pub rdb_job: Option<crate::persist::state::SnapJob>,
    /// Instantaneous rates (ops, bytes in and out).
    pub meter: meter::Meter,
    /// The last command accounted and its counter index, `(spec address,
    /// index)`: a pipeline repeats its verb, and finding the index from the
    /// address was ~25 instructions of each command's accounting.
    last_id: (usize, usize),
    /// `DEBUG SLEEP`'s pause of this shard, taken once the iteration's
    /// messages left (`Commands::after_messages`): every shard's part
    /// reached it first, so all shards stop together.
    pub sleep: Option<std::time::Duration>,
    /// The next failed command's error is not counted in `errorstats`: a
    /// script's reply quoting an error its call counted already.
    pub uncounted: bool,
}

impl Default for ShardServer {
    fn default() -> ShardServer {
        ShardServer::new(Arc::new(Shared::new()), None)
    }
}

/// Unix time in seconds.
pub fn unix_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl ShardServer {
    /// Shard `info`'s state in the server `shared`.
    pub fn new(shared: Arc<Shared>, info: Option<ShardInfo>) -> ShardServer {
        if let Some(i) = &info {
            shared.config.attach(&i.settings);
        }
        ShardServer {
            shared,
            info,
            stats: Stats::default(),
            slowlog: SlowLog::default(),
            latency: latency::Monitor::default(),
            dirty: 0,
            rdb_epoch: 0,
            rdb_job: None,
            meter: meter::Meter::default(),
            last_id: (0, 0),
            sleep: None,
            uncounted: false,
        }
    }

    /// Accounts a command this shard ran for `ns` nanoseconds, whose reply
    /// is `reply`: its counters, latency histogram, slow-log entry and
    /// latency-monitor sample. `args` are its arguments (for the slow log;
    /// `slow` holds them instead for a planned command).
    #[inline]
    pub fn done<C: Accountable>(
        &mut self,
        spec: &'static C,
        ns: u64,
        reply: &[u8],
        who: &Who<'_>,
        args: Args<'_>,
        slow: Option<&Captured>,
    ) {
        let addr = std::ptr::from_ref(spec) as usize;
        let id = if addr == self.last_id.0 {
            self.last_id.1
        } else {
            let Some(id) = spec.stat_id() else {
                return self.rejected(C::stat_id_of_args(args), reply);
            };
            self.last_id = (addr, id);
            id
        };
        let failed = reply.first() == Some(&b'-');
        let live = self.shared.config.live();
        let tracking = live.latency_tracking.load(Ordering::Relaxed);
        let slow_thr = live.slowlog_slower_than.load(Ordering::Relaxed);
        let lat = live.latency_threshold.load(Ordering::Relaxed);
        if spec.writes() && !args.is_empty() {
            // A planned command's count is taken by `count_dirty`.
            self.dirty += C::dirty(id, args, args.len(), reply);
        }
        let s = self.stats.cmd(id);
        s.calls += 1;
        s.ns += ns;
        if tracking {
            s.hist.get_or_insert_with(Default::default).record(ns);
        }
        if failed {
            s.failed += 1;
            if !std::mem::take(&mut self.uncounted) {
                self.stats.error(reply);
            }
        }
        // `ns / 1000 >= t` exactly when `ns >= t * 1000`: no division on
        // the usual path (a command under both thresholds).
        if slow_thr >= 0 && ns >= (slow_thr as u64).saturating_mul(1000) && !spec.skip_slowlog() {
            self.log_slow(spec, ns / 1000, who, args, slow);
        }
        if lat > 0 && ns >= lat.saturating_mul(1_000_000) {
            let ms = ns / 1_000_000;
            let event = if spec.fast() {
                "fast-command"
            } else {
                "command"
            };
            self.latency.add(event, unix_secs(), ms);
        }
    }

    /// Counts a command a script ran through its own path (a connection
    /// command, a movable-keys one): a call of `ns`, failed with its
    /// error counted when `reply` is one. No slow-log entry, as Redis
    /// logs none for a script's calls.
    pub fn script_call<C: Accountable>(&mut self, spec: &'static C, ns: u64, reply: &[u8]) {
        let Some(id) = spec.stat_id() else {
            return;
        };
        let s = self.stats.cmd(id);
        s.calls += 1;
        s.ns += ns;
        if reply.first() == Some(&b'-') {
            s.failed += 1;
            self.stats.error(reply);
        }
    }

    /// A script's reply with errors nested in it (`counts`), after its
    /// `done` (`failed`: the reply itself was an error): each nested
    /// error its call did not count is counted, and the script is a
    /// failed call once for those (if not already) and once for each
    /// nested error counted already, as Redis's `afterErrorReply` does.
    pub fn nested_errors<C: Accountable>(
        &mut self,
        spec: &'static C,
        failed: bool,
        counts: &ErrorCounts,
    ) {
        for line in &counts.nested {
            self.stats.error(line);
        }
        let Some(id) = spec.stat_id() else {
            return;
        };
        let s = self.stats.cmd(id);
        s.failed += u64::from(counts.nested_counted);
        if !failed && !counts.nested.is_empty() {
            s.failed += 1;
        }
    }

    /// Counts the changes of a planned command of `argc` arguments that
    /// replied `reply` (its `done` saw no arguments).
    pub fn count_dirty<C: Accountable>(&mut self, spec: &'static C, argc: usize, reply: &[u8]) {
        if let Some(id) = spec.stat_id() {
            let empty = kevy_rt::OwnedArgs::new();
            self.dirty += C::dirty(id, empty.args(), argc, reply);
        }
    }

    /// Accounts a command refused by the permission gate: a rejected call,
    /// or a failed one when the command's own check refused it (`ran`:
    /// SORT's, which Redis makes as the command runs).
    pub fn refused(&mut self, id: Option<usize>, reply: &[u8], ran: bool) {
        match id {
            Some(id) if ran => {
                let s = self.stats.cmd(id);
                s.calls += 1;
                s.failed += 1;
                self.stats.error(reply);
            }
            _ => self.rejected(id, reply),
        }
    }

    /// Accounts a request refused before it ran: an error reply, and a
    /// rejected call of its command (counter index `id`) when the command
    /// is known.
    pub fn rejected(&mut self, id: Option<usize>, reply: &[u8]) {
        if let Some(id) = id {
            self.stats.cmd(id).rejected += 1;
        }
        if reply.first() == Some(&b'-') {
            self.stats.error(reply);
        }
    }

    #[cold]
    fn log_slow<C: Accountable>(
        &mut self,
        spec: &C,
        usec: u64,
        who: &Who<'_>,
        args: Args<'_>,
        slow: Option<&Captured>,
    ) {
        let max = self
            .shared
            .config
            .live()
            .slowlog_max_len
            .load(Ordering::Relaxed);
        // A forwarded command's context carries no address: looked up.
        let addr = match (who.peer, who.unix) {
            (None, false) => self.shared.peer_of(who.id),
            (peer, _) => peer,
        };
        let peer = self.shared.peer_id(addr, who.unix);
        let looked_up = match who.name {
            None if who.named => self.shared.names.get(who.id),
            _ => None,
        };
        let name = who.name.or(looked_up.as_deref()).unwrap_or_default();
        let mut e = match slow {
            Some(c) => c.entry(unix_secs(), usec, peer, name),
            None => {
                let hidden = spec.redactions(args);
                let shown =
                    slowlog::with_lens(args)
                        .enumerate()
                        .map(|(i, a)| match hidden.contains(&i) {
                            true => (REDACTED, 10),
                            false => a,
                        });
                Entry::new(unix_secs(), usec, shown, args.len(), peer, name)
            }
        };
        e.id = self.shared.next_slow_id();
        self.slowlog.push(e, max.min(usize::MAX as u64) as usize);
    }

    /// Bytes this shard read from and wrote to client sockets.
    pub fn net_bytes(&self) -> (u64, u64) {
        self.info.as_ref().map_or((0, 0), |i| {
            (
                i.stats.net_input.load(Ordering::Relaxed),
                i.stats.net_output.load(Ordering::Relaxed),
            )
        })
    }

    /// Samples the instantaneous rates (called by the tick).
    pub fn sample_meter(&mut self, now_ms: i64) {
        let calls = self.stats.cmds.iter().map(|c| c.calls).sum();
        let (input, output) = self.net_bytes();
        self.meter.sample(now_ms, [calls, input, output]);
    }

    /// Records a latency-monitor sample of a non-command event
    /// (`expire-cycle`) that took `ms` milliseconds.
    pub fn event(&mut self, event: &'static str, ms: u64) {
        let lat = self
            .shared
            .config
            .live()
            .latency_threshold
            .load(Ordering::Relaxed);
        if lat > 0 && ms >= lat {
            self.latency.add(event, unix_secs(), ms);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_ids_are_hex() {
        let s = Shared::new();
        assert_eq!(s.run_id.len(), 40);
        assert!(s.run_id.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(s.run_id, s.repl_id());
        let before = s.repl_id();
        s.change_repl_id();
        assert_ne!(s.repl_id(), before);
        assert_eq!(s.repl_id().len(), 40);
        let (used, peak) = s.memory();
        assert!(used > 0 && peak >= used);
    }
}
