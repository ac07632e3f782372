//! One shard: a thread with its own reactor, listener, connections and state.
//!
//! Each loop iteration: wait for events (or a ring wake-up), read and decode
//! sockets and run or forward their commands, drain the inbound rings (run peers'
//! requests, file their replies), send this iteration's batches, write replies
//! out, and run the periodic tick when it is due.

use std::io;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mio::net::{TcpListener, UnixListener};
use mio::{Events, Interest, Poll, Token};
use slab::Slab;

use crate::args::Span;
use crate::commands::{Commands, ShardInfo};
use crate::conn::{Conn, Resized};
use crate::mesh::MeshEnd;
use crate::msg::{ConnRef, Msg, Pools, Requests, POOL_MAX_BYTES};
use crate::resp::Limits;
use crate::router::Router;
use crate::settings::Settings;
use crate::stats::ShardStats;
use crate::tls::rustls::ServerConfig;

/// What admits connections (`busy::Door`), borrowing the shard's fields
/// one by one (its connections and state stay free to borrow).
macro_rules! door {
    ($s:ident) => {
        busy::Door {
            shard: $s.id,
            registry: $s.poll.registry(),
            settings: &$s.settings,
            stats: &$s.stats,
            conn_ids: &$s.conn_ids,
            next_gen: &mut $s.next_gen,
            limits: &$s.limits,
            listeners: &$s.listeners,
            unix_listener: $s.unix_listener.as_ref(),
            uring: $s.ring.is_some(),
        }
    };
}

/// The shard's connection table as lent to the command set
/// (`admin::ConnTable`), able to serve its connections while a long part
/// or gather runs (`busy::Pump`).
macro_rules! conn_table {
    ($s:ident) => {
        crate::shard::admin::ConnTable {
            conns: &mut $s.conns,
            killed: &mut $s.killed,
            unblocked: &mut $s.parking.unblocked,
            shard: $s.id,
            pump: Some(crate::shard::busy::Pump {
                cmds: &*$s.cmds,
                door: door!($s),
                served: Vec::new(),
                later: Vec::new(),
                accepted: Vec::new(),
                rearm: &mut $s.rearm,
                ring: $s.ring.as_mut(),
            }),
        }
    };
}

mod accept;
mod admin;
mod arrival;
mod busy;
mod converse;
mod cross;
mod fence;
mod input;
mod moving;
mod park;
mod push;
mod recv;
mod send;
mod txn;

pub(crate) const WAKER: Token = Token(usize::MAX);
/// Output held back while replies from other shards are still due.
const COALESCE_MAX: usize = 64 * 1024;
/// Bytes one connection may read per loop iteration. Past it, the rest waits
/// for the next iteration, so a bulk loader's pipeline goes to the peers in
/// batches of bounded size instead of being decoded (and its forwarded
/// commands and reply slots held) in one go: loading 1M keys through one
/// `redis-cli --pipe` peaked at 135 MB of such buffers without it.
const READ_BUDGET: usize = 256 * 1024;
/// A connection without input for this long gives back grown buffers.
const SHRINK_IDLE: Duration = Duration::from_secs(1);
/// The plain listeners' tokens: `LISTENERS + i` for the `i`-th bound address.
const LISTENERS: usize = usize::MAX - 64;
const UNIX_LISTENER: Token = Token(usize::MAX - 2);
const TLS_LISTENER: Token = Token(usize::MAX - 3);

/// A multi-shard operation in flight, on its origin shard.
struct Op<C: Commands> {
    conn: ConnRef,
    seq: u64,
    ctx: C::Ctx,
    hold: bool,
    /// Counted in its connection's fence (not holding it): leaves the
    /// fence when it replies.
    fenced: bool,
    plan: C::Plan,
    replies: Vec<Option<C::PartReply>>,
    remaining: usize,
    /// An isolated operation's transaction and the shards holding its locks,
    /// released when it replies.
    locks: Option<(crate::lock::TxnId, Vec<usize>)>,
}

/// Everything one shard thread owns.
pub(crate) struct Shard<C: Commands> {
    id: usize,
    cmds: Arc<C>,
    state: C::Shard,
    router: Router,
    limits: Limits,
    poll: Poll,
    /// One listener per bound address (`Builder::bind_all`).
    listeners: Vec<TcpListener>,
    unix_listener: Option<UnixListener>,
    /// The TLS listener and the configuration its connections' sessions use.
    tls: Option<(TcpListener, Arc<ServerConfig>)>,
    conns: Slab<Conn<C>>,
    mesh: MeshEnd<Msg<C>>,
    outgoing: Vec<Option<Requests<C>>>,
    ops: Slab<Op<C>>,
    /// Locks, deferred commands and transactions being locked.
    txn: txn::Txns<C>,
    /// Parked blocking commands, here and on this shard's keys.
    parking: park::Parking<C>,
    pools: Pools<C>,
    /// Connections to flush at the end of the iteration.
    dirty: Vec<usize>,
    /// Connections whose input may be decoded again.
    resume: Vec<usize>,
    /// Connections that used up their read budget: resumed next iteration.
    again: Vec<usize>,
    spans: Vec<Span>,
    /// The spans of the request decoded ahead (see `process`).
    spans_next: Vec<Span>,
    /// The spans of the request decoded after that one.
    spans_next2: Vec<Span>,
    /// Span lists for `spans_next` when its own is left with a request
    /// decoded ahead (`Conn::ahead`): the lists such requests' resumptions
    /// replaced, kept instead of freed, so none is allocated again (a held
    /// connection, with an isolated operation in flight, leaves one ahead
    /// on almost every read at `-P 16`).
    spans_spare: Vec<Vec<Span>>,
    /// The command about to be dispatched was declared isolated (one-round,
    /// its keys in `txn.locks`) by the fence check
    /// ([`Shard::fence_holds`]): `dispatch` does not ask again.
    predeclared: bool,
    parts: Vec<(usize, C::Part)>,
    /// A gathered round's replies, emptied, for the next gather's (lent
    /// to [`Commands::gather_lending`]: no vector per operation).
    gathered: Vec<C::PartReply>,
    /// Peer batches' replies waiting for the iteration's durability
    /// barrier (`Commands::holds_replies`): one barrier for all of them.
    held: Vec<(usize, crate::msg::Replies<C>, bool)>,
    next_gen: u32,
    commands_run: u64,
    parks: u64,
    /// Connections with replies queued behind a direct reply in flight.
    direct_waiters: usize,
    /// Connections a part asked to close (and whether at once, dropping
    /// their output).
    killed: Vec<(usize, bool)>,
    /// The memory of this shard's connections as last published for
    /// client eviction (`Settings::client_memory`).
    client_mem: (u64, u64),
    /// A connection is being closed by client eviction (`evict_client`),
    /// which accounts for its memory itself.
    evicting: bool,
    /// The last [`Settings::client_limit_gen`] this shard evicted for.
    client_limit_gen: u64,
    /// The last [`Settings::limits_gen`] this shard took limits for.
    limits_gen: u64,
    /// The last [`Settings::nudge_gen`] this shard was nudged for.
    nudge_gen: u64,
    /// The last [`Settings::listen_gen`] this shard took listeners for.
    listen_gen: u64,
    /// How much this shard's connections grew (or shrank) since its last
    /// look at the server-wide sum (`Shard::evicted_for_memory`).
    client_drift: i64,
    /// Its watch over the CPU it was pinned to (`cpus/watch.rs`).
    pub(crate) core: Option<crate::cpus::CoreWatch>,
    /// Connections a peer's batch of replies just grew, looked at for
    /// client eviction once the batch is filed (only under
    /// `maxmemory-clients`; `Shard::on_replies`).
    grown: Vec<usize>,
    /// Connections with a command held back by a pause.
    paused: Vec<usize>,
    /// This shard's `MONITOR` connections.
    monitors: Vec<(usize, u32)>,
    /// Monitor lines produced this iteration.
    monitor_buf: Vec<u8>,
    conn_ids: Arc<AtomicU64>,
    /// Shards that closed their listeners while stopping.
    unlistened: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    stats: Arc<ShardStats>,
    /// How long an idle loop keeps polling before it parks.
    idle_spin: Duration,
    /// How long a loop with an isolated operation open here keeps polling
    /// before it parks (`Builder::txn_spin`).
    txn_spin: Duration,
    /// When a loop iteration last began with a multi-round isolated
    /// operation open here (`Shard::run`).
    txn_seen: Option<Instant>,
    /// `Builder::move_after` (0: connections never move).
    move_after: u32,
    /// A peer's push was delivered here since the last look: written
    /// before the next commands run (`serve_arrivals`).
    pushed: bool,
    /// Connections whose keyed commands all went to another shard lately:
    /// they move there once nothing of theirs is in flight.
    movers: Vec<usize>,
    settings: Arc<Settings>,
    /// Time at the top of this loop iteration.
    now: Instant,
    /// What the command set pushes to connections (see `shard/push.rs`).
    outbox: crate::push::Outbox,
    /// The io_uring reactor, unless the backend is epoll (`shard/send.rs`,
    /// `shard/recv.rs`).
    ring: Option<crate::reactor::uring::Ring>,
    /// Connections whose receive is armed at the next wait.
    rearm: Vec<usize>,
}

/// What a shard thread is built from.
pub(crate) struct ShardParts<C: Commands> {
    pub(crate) id: usize,
    pub(crate) cmds: Arc<C>,
    pub(crate) limits: Limits,
    pub(crate) poll: Poll,
    pub(crate) listeners: Vec<TcpListener>,
    pub(crate) unix_listener: Option<UnixListener>,
    pub(crate) tls: Option<(TcpListener, Arc<ServerConfig>)>,
    pub(crate) mesh: MeshEnd<Msg<C>>,
    pub(crate) conn_ids: Arc<AtomicU64>,
    pub(crate) stop: Arc<AtomicBool>,
    /// Shards that closed their listeners while stopping ([`Shard::run`]).
    pub(crate) unlistened: Arc<AtomicUsize>,
    pub(crate) stats: Arc<ShardStats>,
    pub(crate) idle_spin: Duration,
    pub(crate) txn_spin: Duration,
    pub(crate) move_after: u32,
    pub(crate) settings: Arc<Settings>,
    /// [`Settings::listen_gen`] when the runtime started.
    pub(crate) listen_gen: u64,
    pub(crate) io: crate::reactor::IoBackend,
}

impl<C: Commands> Shard<C> {
    /// Builds the shard on its own thread (the state never crosses threads).
    pub(crate) fn new(p: ShardParts<C>) -> io::Result<Shard<C>> {
        let nshards = p.mesh.nshards();
        let outbox = crate::push::Outbox::new();
        let parking = park::Parking::new();
        let state = p.cmds.new_shard(ShardInfo {
            id: p.id,
            nshards,
            stats: p.stats.clone(),
            settings: p.settings.clone(),
            outbox: outbox.clone(),
            ready: parking.ready.clone(),
            stopping: crate::settings::Stopping::new(p.stop.clone()),
        });
        let mut listeners = p.listeners;
        for (i, l) in listeners.iter_mut().enumerate() {
            p.poll
                .registry()
                .register(l, Token(LISTENERS + i), Interest::READABLE)?;
        }
        let mut unix_listener = p.unix_listener;
        if let Some(l) = unix_listener.as_mut() {
            p.poll
                .registry()
                .register(l, UNIX_LISTENER, Interest::READABLE)?;
        }
        let mut tls = p.tls;
        if let Some((l, _)) = tls.as_mut() {
            p.poll
                .registry()
                .register(l, TLS_LISTENER, Interest::READABLE)?;
        }
        let mut ring = match p.io {
            crate::reactor::IoBackend::Epoll => None,
            _ => Some(crate::reactor::uring::Ring::new(
                p.mesh.wake_fd(),
                p.poll.as_raw_fd(),
            )?),
        };
        if let Some(fd) = ring.as_mut().and_then(|r| r.wake_handle()) {
            p.mesh.set_ring(fd);
        }
        Ok(Shard {
            id: p.id,
            cmds: p.cmds,
            state,
            router: Router::new(nshards),
            limits: p.limits,
            poll: p.poll,
            listeners,
            unix_listener,
            tls,
            conns: Slab::new(),
            mesh: p.mesh,
            outgoing: (0..nshards).map(|_| None).collect(),
            ops: Slab::new(),
            txn: txn::Txns::new(nshards),
            parking,
            pools: Pools::new(nshards),
            dirty: Vec::new(),
            resume: Vec::new(),
            again: Vec::new(),
            spans: Vec::new(),
            spans_next: Vec::new(),
            spans_next2: Vec::new(),
            spans_spare: Vec::new(),
            predeclared: false,
            parts: Vec::new(),
            gathered: Vec::new(),
            held: Vec::new(),
            next_gen: 0,
            commands_run: 0,
            parks: 0,
            direct_waiters: 0,
            killed: Vec::new(),
            client_mem: (0, 0),
            evicting: false,
            client_limit_gen: 0,
            limits_gen: 0,
            nudge_gen: 0,
            listen_gen: p.listen_gen,
            client_drift: 0,
            core: None,
            grown: Vec::new(),
            paused: Vec::new(),
            monitors: Vec::new(),
            monitor_buf: Vec::new(),
            conn_ids: p.conn_ids,
            unlistened: p.unlistened,
            stop: p.stop,
            stats: p.stats,
            idle_spin: p.idle_spin,
            txn_spin: p.txn_spin,
            txn_seen: None,
            move_after: p.move_after,
            pushed: false,
            movers: Vec::new(),
            settings: p.settings,
            now: Instant::now(),
            outbox,
            ring,
            rearm: Vec::new(),
        })
    }

    /// The event loop; returns when the runtime is stopped.
    pub(crate) fn run(mut self) -> io::Result<()> {
        let mut events = Events::with_capacity(1024);
        let mut tick_every = self.cmds.tick_interval();
        let mut next_tick = Instant::now() + tick_every;
        // When the loop last found nothing to do (None while busy).
        let mut idle_since: Option<Instant> = None;
        loop {
            let now = Instant::now();
            self.now = now;
            let mut timeout = next_tick.saturating_duration_since(now);
            if self.mesh.has_backlog() || self.cmds.background(&self.state) {
                timeout = timeout.min(Duration::from_millis(1));
            }
            if let Some(d) = self.parking.sleep_limit(now) {
                timeout = timeout.min(d);
            }
            if !self.paused.is_empty() {
                // Look again soon: the pause may end (or be lifted) any time.
                timeout = timeout.min(Duration::from_millis(5));
            }
            // Without an idle spin, a busy iteration is not followed by a
            // zero-timeout poll before parking: the parking poll returns at
            // once when something is ready, and the empty one was a system
            // call for nothing.
            let idle_for = idle_since.map_or(Duration::ZERO, |t| now.duration_since(t));
            // A multi-round operation open here, or one that was while the
            // shard last worked: its next message, or the next operation of
            // a client that runs them one after another, is due soon.
            // Measured from when it was last seen open, not from the last
            // work: steady traffic after one `MULTI` must not spin on.
            if self.txn_open() {
                self.txn_seen = Some(now);
            }
            let spinning = (!self.idle_spin.is_zero() && idle_for < self.idle_spin)
                || (idle_for < self.txn_spin
                    && self
                        .txn_seen
                        .is_some_and(|t| now.duration_since(t) < self.txn_spin));
            self.resume.append(&mut self.again);
            if !self.resume.is_empty() || spinning || !self.mesh.park(self.direct_waiters > 0) {
                timeout = Duration::ZERO;
            }
            if timeout > Duration::ZERO {
                self.parks += 1;
            }
            let polled = if self.ring.is_some() {
                self.ring_wait(timeout, &mut events)
            } else {
                self.poll.poll(&mut events, Some(timeout))
            };
            self.mesh.unpark();
            if let Err(e) = polled {
                if e.kind() != io::ErrorKind::Interrupted {
                    return Err(e);
                }
            }
            if self.stop.load(Ordering::Acquire) {
                self.stop_listening();
                self.cmds.stopped(&mut self.state);
                return Ok(());
            }
            let gen = self.settings.client_limit_gen();
            if gen != self.client_limit_gen {
                // `maxmemory-clients` lowered, or another shard's eviction
                // left the server over it: evict before serving anything.
                self.client_limit_gen = gen;
                self.evict_clients();
            }
            self.take_limits();
            let nudge = self.settings.nudge_gen();
            if nudge != self.nudge_gen {
                self.nudge_gen = nudge;
                self.cmds.nudged(&mut self.state);
                // What the nudge pushed (an eviction's invalidations) is
                // written before any command runs: unsent, it would count
                // as used memory for the next command's eviction.
                self.deliver_pushes();
                self.send_outgoing();
                self.flush_dirty();
            }
            let busy = self.serve_arrivals(&events);
            if busy {
                idle_since = None;
            } else if idle_since.is_none() {
                idle_since = Some(now);
            }
            self.pump_txns();
            while let Some(i) = self.resume.pop() {
                self.process(i);
                // The edge that announced this input (maybe with a FIN) is
                // spent: read to the end, unless a read already came back
                // short (a held connection at depth 1: the read would only
                // block, one system call per request for nothing).
                if self.conns.get(i).is_some_and(|c| c.unread || c.eof) {
                    self.read(i, true);
                }
            }
            self.reap_killed();
            self.expire_parked();
            self.serve_ready();
            self.end_pauses();
            self.send_monitor_lines();
            self.pump_txns();
            self.serve_ready();
            // What this iteration's commands logged goes to the log (and to
            // disk when the command set wants it) before any reply, push or
            // request leaves.
            self.cmds.before_replies(&mut self.state);
            self.send_held();
            self.deliver_pushes();
            self.send_outgoing();
            self.cmds.after_messages(&mut self.state);
            self.flush_dirty();
            self.move_ready();
            if Instant::now() >= next_tick {
                if let Some(w) = self.core.as_mut() {
                    w.tick(self.now);
                }
                self.cmds.tick(&mut self.state);
                self.deliver_pushes();
                self.cmds.before_replies(&mut self.state);
                self.send_held();
                self.send_outgoing();
                // What the tick pushed (an eviction's invalidations, expired
                // keys' notifications) goes out now, not after the next
                // command (whose eviction would count it as used memory).
                self.flush_dirty();
                self.close_idle();
                self.enforce_output_limits_idle();
                self.evict_clients();
                self.shrink_idle();
                let gen = self.settings.listen_gen();
                if gen != self.listen_gen {
                    self.listen_gen = gen;
                    self.take_listeners();
                }
                if idle_since.is_some_and(|t| self.now.duration_since(t) >= tick_every) {
                    // Idle for a whole tick: hand the pools' burst memory back.
                    self.pools.release();
                } else {
                    self.pools.trim();
                }
                // Asked again each time: the interval may change while the
                // runtime runs (Redis's `CONFIG SET hz`).
                tick_every = self.cmds.tick_interval();
                next_tick = Instant::now() + tick_every;
                self.stats
                    .commands
                    .store(self.commands_run, Ordering::Relaxed);
                self.stats.parks.store(self.parks, Ordering::Relaxed);
            }
        }
    }

    #[inline]
    fn mark_dirty(&mut self, i: usize) {
        if let Some(c) = self.conns.get_mut(i) {
            if !c.dirty {
                c.dirty = true;
                self.dirty.push(i);
            }
        }
    }

    /// Writes pending output; closes or resumes the connection as due.
    ///
    /// The only place a shard writes its own connection's socket. While a
    /// peer may be writing a direct reply to it (`Conn::direct`), it writes
    /// nothing: output produced meanwhile (monitor lines, pushed messages)
    /// waits in `out` until the peer's note comes back.
    fn flush(&mut self, i: usize) {
        // client-output-buffer-limit, on what is owed before any of it is
        // written (Redis checks as a reply is added): a reply past the hard
        // limit closes the client unwritten, whatever the socket would take.
        if self.enforce_output_limit(i) || self.evicted_for_memory(i) {
            return;
        }
        let Some(c) = self.conns.get_mut(i) else {
            return;
        };
        c.reply.fill(c.out.len() - c.wpos);
        if c.wpos < c.out.len() {
            // Idleness counts from the last read or write, as Redis's
            // `timeout` does: a client answered after a long block or pause
            // is not idle.
            c.last_active = self.now;
        }
        if let Some(t) = c.tls.as_deref_mut() {
            // Records left from an earlier flush go first (and alone may be
            // what this writable event is for).
            match t.flush(&c.sock) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(_) => {
                    self.close(i);
                    return;
                }
            }
        }
        // A peer writing a direct reply, or a barrier not passed yet:
        // nothing is written meanwhile.
        let hold = c.direct || c.barrier > 0;
        if let Some(sends) = self.ring.as_mut().filter(|_| c.tls.is_none()) {
            // One send in flight at a time keeps the bytes in order; what
            // is produced meanwhile waits in `out` for its completion.
            if !hold && c.in_flight == 0 && c.wpos < c.out.len() {
                // The output of a class whose memory is summed stays out
                // of the ring's spare buffers, both ways: pooled, a buffer
                // it grew would leave the sum yet stay allocated.
                let summed = self.settings.output_summed(c.class as usize);
                let next = if summed { Vec::new() } else { sends.spare() };
                let mut out = std::mem::replace(&mut c.out, next);
                out.drain(..c.wpos);
                c.wpos = 0;
                c.in_flight = out.len();
                c.flight_mem = out.capacity();
                // A closing connection is closed when its send is done:
                // that completion must end the wait.
                let waits = !c.closing && !c.eof;
                c.flight = sends.send(i, c.gen, c.sock.clone(), out, waits);
                if summed {
                    sends.summed(c.flight, c.class, c.flight_mem as u64);
                }
            }
        }
        while !hold && c.wpos < c.out.len() && c.in_flight == 0 {
            match c.write_sock() {
                Ok(0) => break,
                Ok(n) => {
                    c.wpos += n;
                    ShardStats::add_own(&self.stats.net_output, n);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => {
                    self.close(i);
                    return;
                }
            }
        }
        let Some(c) = self.conns.get_mut(i) else {
            return;
        };
        if c.wpos == c.out.len() {
            c.out.clear();
            c.wpos = 0;
            if c.out.capacity() > POOL_MAX_BYTES {
                c.out = Vec::new();
            }
        } else if c.wpos > POOL_MAX_BYTES {
            c.out.drain(..c.wpos);
            c.wpos = 0;
        }
        c.note_output(&self.settings, None);
        if c.want_read && c.can_decode() && c.unsent() <= c.high_water / 2 {
            self.resume.push(i);
        }
        self.maybe_close(i);
    }

    /// Writes the connections that have new output, but those still owed
    /// replies by other shards (they are written once those come).
    pub(super) fn flush_dirty(&mut self) {
        while let Some(i) = self.dirty.pop() {
            if let Some(c) = self.conns.get_mut(i) {
                c.dirty = false;
            }
            if let Some(c) = self.conns.get(i) {
                // Replies still owed by other shards will make the
                // connection dirty again: write once then, not twice.
                if !c.pending.is_empty() && c.unsent() < COALESCE_MAX && !self.over_hard_limit(c) {
                    continue;
                }
            }
            self.flush(i);
        }
    }

    /// Resizes every connection's reply buffer (`conn/replybuf.rs`), and
    /// shrinks the buffers of connections that took no input for
    /// [`SHRINK_IDLE`].
    fn shrink_idle(&mut self) {
        let before = self.now.checked_sub(SHRINK_IDLE);
        for (_, c) in self.conns.iter_mut() {
            let queued = c.unsent();
            if c.reply.resize(self.now, queued, &self.settings) == Some(Resized::Shrunk)
                && queued == 0
                && c.out.capacity() > c.reply.size()
            {
                c.out = Vec::with_capacity(c.reply.size());
                c.wpos = 0;
            }
            if before.is_some_and(|b| c.last_active < b) {
                c.shrink_idle();
            }
            c.note_output(&self.settings, None);
        }
    }

    /// Closes a connection that is finished and owed nothing.
    fn maybe_close(&mut self, i: usize) {
        if let Some(c) = self.conns.get(i) {
            // After EOF, complete requests still buffered (the connection
            // was held, or its output over the high-water mark, and is
            // resumed once that ends) run first; an incomplete tail is
            // dropped. Not "can it decode now": a flush that just brought
            // the output down resumes the connection after this check.
            let input_waiting = c.rpos < c.rend && !c.tail;
            if c.drained() && (c.closing || (c.eof && !c.held && !input_waiting)) {
                self.close(i);
            }
        }
    }
}
