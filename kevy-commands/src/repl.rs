//! A primary's replication stream: the replicas attached with `SYNC` or
//! `PSYNC` (one server-wide list, [`Replicas`]) and what each is owed.
//!
//! A replica is sent a snapshot of every shard (an RDB file, taken by the
//! `SYNC` command's parts, which lock every shard whole) and then, from
//! each shard's cut on, every command that shard propagates — the same
//! effects the append-only file logs (`crate::aof::propagate`), handed
//! over at the same durability barrier (`ShardState::hand_over_feed`,
//! before any reply of the commands leaves the shard). A shard appends
//! to a replica only once its own cut for that replica has run, so a
//! command is either in the snapshot or in the stream, never both.
//!
//! The stream of one replica is a byte buffer in this list, appended by
//! whichever shard hands over, under the list's mutex: the order of the
//! hand-overs is the stream's order, as the append-only file's is the
//! file's. The replica's own shard sends it: the first hand-over into an
//! empty buffer posts that shard a notice (`Notice::ReplDrain`), which
//! takes the buffer and pushes it to the connection after the replies it
//! is owed (its `SYNC` reply first).

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

use kevy_rt::ConnHandle;

use crate::aof::feed::{select, Fragment};
use crate::base::resp;

/// The output class of replicas (`client-output-buffer-limit replica
/// …`): the runtime sums its connections' output memory
/// (`Settings::output_memory`), which `maxmemory` leaves out.
pub const REPLICA_CLASS: usize = 1;

/// The attached replicas (see the module doc).
#[derive(Debug, Default)]
pub struct Replicas {
    list: Mutex<Vec<Replica>>,
    /// Replicas in the list (read without the mutex on every hand-over).
    count: AtomicUsize,
    /// Bytes fed to the stream since the start (`master_repl_offset`).
    offset: AtomicU64,
    /// The memory of the replicas' buffers here (`Replica::pending`'s
    /// capacities), kept under the list's mutex, read without it.
    buffered: AtomicU64,
    /// When the primary last pinged its replicas (unix ms).
    pinged: AtomicU64,
    /// Ports given by clients not yet attached (`REPLCONF listening-port`
    /// comes before `PSYNC`), by client id.
    ports: Mutex<Vec<(u64, u16)>>,
    /// Clients parked in `WAIT`.
    waits: Mutex<Vec<Waiter>>,
    /// A `WAIT` parked since the last `REPLCONF GETACK` went out.
    want_ack: std::sync::atomic::AtomicBool,
    /// `min-replicas-to-write` and `min-replicas-max-lag` (seconds).
    minimum: (AtomicU64, AtomicU64),
    /// Fewer good replicas than `min-replicas-to-write`: writes are
    /// refused (`-NOREPLICAS`). Counted again at every tick, on every
    /// acknowledgement, and when a replica comes or goes, as Redis's
    /// `refreshGoodSlavesCount` is.
    refusing: std::sync::atomic::AtomicBool,
    /// The primary's own copy of the stream and its backlog (lock order:
    /// the list, then this).
    canon: Mutex<backlog::Canon>,
    /// A backlog exists: shards hand their commands over even with no
    /// replica attached (one relaxed load).
    backlogged: AtomicBool,
    /// Full resynchronizations, partial ones accepted and refused
    /// (`sync_full`, `sync_partial_ok`, `sync_partial_err`).
    syncs: [AtomicU64; 3],
    /// Shards (the first 64) that log their commands for the stream.
    propagating: AtomicU64,
    /// Every replica is to be disconnected by the next tick
    /// ([`Replicas::doom_all`]).
    doomed: AtomicBool,
}

/// A client parked in `WAIT numreplicas`: done once `need` replicas have
/// acknowledged what they were owed when it parked.
#[derive(Debug)]
struct Waiter {
    client: u64,
    conn: ConnHandle,
    need: usize,
    /// `(replica id, offset)`: the stream each replica was owed then.
    targets: Vec<(u64, u64)>,
    /// Its shard was told to end the wait.
    told: bool,
}

/// One attached replica.
#[derive(Debug)]
struct Replica {
    /// Its client id.
    id: u64,
    /// Where its stream goes.
    conn: ConnHandle,
    /// The stream's offset after its last byte owed to it (the offset it
    /// was told at `PSYNC`, plus every byte appended since).
    sent: u64,
    /// The offset after the last write owed to it (`sent` without the
    /// pings and `GETACK`s after it): what `WAIT` waits for.
    written: u64,
    /// Per shard: that shard's cut has run, so what it hands over is owed.
    started: Vec<bool>,
    /// Stream bytes not yet taken by its shard.
    pending: Vec<u8>,
    /// The database its stream last selected (`None`: none yet, so the
    /// first command is preceded by a `SELECT`, as Redis starts a stream).
    db: Option<u32>,
    /// A drain notice is on its way to its shard.
    notified: bool,
    /// The port it listens on (`REPLCONF listening-port`).
    port: u16,
    /// Its address, as `ip`.
    ip: String,
    /// The offset it last acknowledged (`REPLCONF ACK`).
    acked: u64,
    /// When it last acknowledged (unix ms; its attachment before that).
    ack_ms: u64,
    /// The stream's offset when it attached.
    from: u64,
    /// The offset its `+FULLRESYNC` names, once its snapshot is complete
    /// (its stream is the primary's own from then on).
    synced_at: Option<u64>,
}

/// What `INFO replication` and `ROLE` show of one replica.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shown {
    /// Its address.
    pub ip: String,
    /// The port it listens on.
    pub port: u16,
    /// The offset it acknowledged.
    pub acked: u64,
    /// Its snapshot was sent: it follows the stream.
    pub online: bool,
}

fn lock(m: &Mutex<Vec<Replica>>) -> std::sync::MutexGuard<'_, Vec<Replica>> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn canon(m: &Mutex<backlog::Canon>) -> std::sync::MutexGuard<'_, backlog::Canon> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Replicas {
    /// True while writes are refused for want of good replicas
    /// (`-NOREPLICAS`): one relaxed load.
    #[inline]
    pub fn refusing(&self) -> bool {
        self.refusing.load(Ordering::Relaxed)
    }

    /// Sets `min-replicas-to-write` and `min-replicas-max-lag` (seconds)
    /// and counts the good replicas again.
    pub fn set_minimum(&self, to_write: u64, max_lag: u64) {
        self.minimum.0.store(to_write, Ordering::Relaxed);
        self.minimum.1.store(max_lag, Ordering::Relaxed);
        self.count_good(&lock(&self.list));
    }

    /// Counts the good replicas (online, acknowledged within
    /// `min-replicas-max-lag` seconds) and says whether writes are refused:
    /// fewer than `min-replicas-to-write`, both settings non-zero.
    fn count_good(&self, list: &[Replica]) {
        let (to_write, max_lag) = (
            self.minimum.0.load(Ordering::Relaxed),
            self.minimum.1.load(Ordering::Relaxed),
        );
        let refuse = to_write != 0 && max_lag != 0 && {
            let now = crate::base::clock::now_ms().max(0) as u64 / 1000;
            let good = list
                .iter()
                .filter(|r| {
                    r.started.iter().all(|s| *s) && now.saturating_sub(r.ack_ms / 1000) <= max_lag
                })
                .count() as u64;
            good < to_write
        };
        self.refusing.store(refuse, Ordering::Relaxed);
    }

    /// True while some replica is attached (one atomic load).
    #[inline]
    pub fn active(&self) -> bool {
        self.count.load(Ordering::Acquire) != 0
    }

    /// The stream's offset (`master_repl_offset`).
    pub fn offset(&self) -> u64 {
        self.offset.load(Ordering::Acquire)
    }

    /// Client `id` is a replica.
    pub fn is(&self, id: u64) -> bool {
        self.active() && lock(&self.list).iter().any(|r| r.id == id)
    }

    /// Attaches client `id` (at `conn`, from `ip`) as a replica of a server
    /// of `nshards` shards: nothing is owed until each shard's cut
    /// ([`Replicas::start`]). The stream's offset it starts at, or `None`
    /// when it is attached already.
    pub fn add(&self, id: u64, conn: ConnHandle, ip: String, nshards: usize) -> Option<u64> {
        let mut list = lock(&self.list);
        if list.iter().any(|r| r.id == id) {
            return None;
        }
        let start = self.offset();
        self.syncs[0].fetch_add(1, Ordering::Relaxed);
        self.attach(&mut list, id, conn, ip, vec![false; nshards], None);
        Some(start)
    }

    /// Puts client `id` on the list, owed the stream from now on where
    /// `started` says, in database `db`.
    fn attach(
        &self,
        list: &mut Vec<Replica>,
        id: u64,
        conn: ConnHandle,
        ip: String,
        started: Vec<bool>,
        db: Option<u32>,
    ) {
        let start = self.offset();
        let port = {
            let mut ports = self.ports.lock().unwrap_or_else(|e| e.into_inner());
            let at = ports.iter().position(|(c, _)| *c == id);
            at.map_or(0, |at| ports.swap_remove(at).1)
        };
        let synced = started.iter().all(|s| *s);
        list.push(Replica {
            id,
            conn,
            sent: start,
            written: start,
            started,
            pending: Vec::new(),
            db,
            notified: false,
            port,
            ip,
            acked: 0,
            ack_ms: crate::base::clock::now_ms().max(0) as u64,
            from: start,
            synced_at: synced.then_some(start),
        });
        canon(&self.canon).alone_since = 0;
        self.count.store(list.len(), Ordering::Release);
        self.count_good(list);
    }

    /// Shard `shard` has cut for replica `id`: what it hands over from now
    /// on is owed to it.
    ///
    /// Once every shard has cut, the replica's stream becomes the
    /// primary's own: its selected database is the stream's (a `SELECT`
    /// added if not), and its offsets move to the stream's, so the
    /// `+FULLRESYNC` names the offset at which its snapshot plus what it
    /// was sent since reach the stream's end ([`Replicas::synced_offset`]):
    /// what a later `PSYNC` of it, or a `FAILOVER`, counts on.
    pub fn start(&self, id: u64, shard: usize) {
        let mut list = lock(&self.list);
        if let Some(r) = list.iter_mut().find(|r| r.id == id) {
            if let Some(s) = r.started.get_mut(shard) {
                *s = true;
            }
            if r.synced_at.is_none() && r.started.iter().all(|s| *s) {
                let c = canon(&self.canon);
                if let Some(db) = c.db.filter(|&d| r.db != Some(d)) {
                    let mut sel = Vec::new();
                    select(&mut sel, db);
                    self.reserve(&mut r.pending, sel.len());
                    r.pending.extend_from_slice(&sel);
                    r.sent += sel.len() as u64;
                    r.db = Some(db);
                }
                drop(c);
                // Where its offset starts: the stream's end less what it
                // was sent (it saw nothing of what shards logged before
                // their cuts; that is in its snapshot).
                let end = self.offset();
                let at = end.saturating_sub(r.sent - r.from);
                r.written = (r.written + end).saturating_sub(r.sent);
                r.sent = end;
                r.synced_at = Some(at);
            }
        }
        self.count_good(&list);
    }

    /// Detaches client `id` (closed, or its snapshot failed); true when it
    /// was a replica.
    pub fn remove(&self, id: u64) -> bool {
        let mut ports = self.ports.lock().unwrap_or_else(|e| e.into_inner());
        if !ports.is_empty() {
            ports.retain(|(c, _)| *c != id);
        }
        drop(ports);
        if !self.active() {
            return false;
        }
        let mut list = lock(&self.list);
        let found = list.iter().position(|r| r.id == id).map(|at| {
            let r = list.remove(at);
            self.unbuffer(r.pending.capacity());
        });
        self.count.store(list.len(), Ordering::Release);
        self.count_good(&list);
        found.is_some()
    }

    /// Records the port client `id` listens on (`REPLCONF
    /// listening-port`), before or after it attached.
    pub fn note_port(&self, id: u64, port: u16) {
        if let Some(r) = lock(&self.list).iter_mut().find(|r| r.id == id) {
            r.port = port;
            return;
        }
        let mut ports = self.ports.lock().unwrap_or_else(|e| e.into_inner());
        match ports.iter_mut().find(|(c, _)| *c == id) {
            Some(p) => p.1 = port,
            None => ports.push((id, port)),
        }
    }

    /// Records the offset replica `id` acknowledged (`REPLCONF ACK`);
    /// calls `done` with each `WAIT`ing client that now has its count.
    pub fn note_ack(&self, id: u64, acked: u64, mut done: impl FnMut(ConnHandle)) {
        let mut list = lock(&self.list);
        let Some(r) = list.iter_mut().find(|r| r.id == id) else {
            return;
        };
        r.acked = acked;
        r.ack_ms = crate::base::clock::now_ms().max(0) as u64;
        self.count_good(&list);
        // Lock order: the list, then the waits.
        let mut waits = self.waits.lock().unwrap_or_else(|e| e.into_inner());
        for w in waits.iter_mut().filter(|w| !w.told) {
            if acks(&list, &w.targets) >= w.need {
                w.told = true;
                done(w.conn);
            }
        }
    }

    /// The replicas that acknowledged everything owed to them now (`WAIT`
    /// answered at once).
    pub fn acked_now(&self) -> usize {
        if !self.active() {
            return 0;
        }
        lock(&self.list)
            .iter()
            .filter(|r| r.acked >= r.written && r.started.iter().all(|s| *s))
            .count()
    }

    /// Parks client `client` (at `conn`) in `WAIT need`: true unless enough
    /// replicas acknowledged everything owed to them already. The replicas
    /// are asked for an acknowledgement at the next tick
    /// ([`Replicas::take_want_ack`]).
    pub fn wait(&self, client: u64, conn: Option<ConnHandle>, need: usize) -> bool {
        if self.acked_now() >= need {
            return false;
        }
        let Some(conn) = conn else {
            return true;
        };
        let targets = lock(&self.list).iter().map(|r| (r.id, r.written)).collect();
        let mut waits = self.waits.lock().unwrap_or_else(|e| e.into_inner());
        waits.retain(|w| w.client != client);
        waits.push(Waiter {
            client,
            conn,
            need,
            targets,
            told: false,
        });
        self.want_ack.store(true, Ordering::Release);
        true
    }

    /// Ends client `client`'s `WAIT` (answered, timed out, unblocked or
    /// closed): the replicas that acknowledged what they were owed when it
    /// parked.
    pub fn finish_wait(&self, client: u64) -> usize {
        let mut waits = self.waits.lock().unwrap_or_else(|e| e.into_inner());
        let Some(at) = waits.iter().position(|w| w.client == client) else {
            return 0;
        };
        let w = waits.swap_remove(at);
        drop(waits);
        acks(&lock(&self.list), &w.targets)
    }

    /// True once after a `WAIT` parked: the replicas are to be sent
    /// `REPLCONF GETACK *`.
    pub fn take_want_ack(&self) -> bool {
        self.want_ack.load(Ordering::Relaxed) && self.want_ack.swap(false, Ordering::AcqRel)
    }

    /// True when a ping is due: replicas are attached and none was sent
    /// in the last `period_ms` (at `now_ms`); the ping then counts as sent.
    pub fn ping_due(&self, now_ms: u64, period_ms: u64) -> bool {
        if !self.active() {
            self.pinged.store(now_ms, Ordering::Relaxed);
            return false;
        }
        let last = self.pinged.load(Ordering::Relaxed);
        if last == 0 {
            // The first look since the start (a replica may attach before
            // any tick ran): the period starts now.
            self.pinged.store(now_ms, Ordering::Relaxed);
            return false;
        }
        if now_ms.saturating_sub(last) < period_ms {
            return false;
        }
        self.pinged
            .compare_exchange(last, now_ms, Ordering::AcqRel, Ordering::Relaxed)
            .is_ok()
    }

    /// Appends shard `shard`'s handed-over commands to every replica that
    /// shard owes them to; calls `notify` with the shard of each replica
    /// whose buffer was empty (it must be told to send it).
    pub fn feed(&self, shard: usize, frag: &Fragment, mut notify: impl FnMut(u32)) {
        let Some(last) = frag.last_db else {
            return;
        };
        let mut list = lock(&self.list);
        let grew = canon(&self.canon).feed(frag.first_db, last, &frag.bytes);
        for r in list.iter_mut() {
            if !r.started.get(shard).copied().unwrap_or(false) {
                continue;
            }
            let before = r.pending.len();
            // Room for a `SELECT` too.
            self.reserve(&mut r.pending, frag.bytes.len() + 32);
            if r.db != Some(frag.first_db) {
                select(&mut r.pending, frag.first_db);
            }
            r.pending.extend_from_slice(&frag.bytes);
            r.db = Some(last);
            let added = r.pending.len() - before;
            r.sent += added as u64;
            r.written = r.sent;
            if !r.notified {
                r.notified = true;
                notify(r.conn.shard);
            }
        }
        self.offset.fetch_add(grew as u64, Ordering::AcqRel);
    }

    /// Appends the command `argv` to every replica whose snapshot is
    /// complete, in the database each has selected (the primary's `PING`
    /// every `repl-ping-replica-period`); `notify` as for
    /// [`Replicas::feed`].
    pub fn command(&self, argv: &[&[u8]], mut notify: impl FnMut(u32)) {
        let mut cmd = Vec::new();
        resp::array(&mut cmd, argv.len());
        argv.iter().for_each(|a| resp::bulk(&mut cmd, a));
        let mut list = lock(&self.list);
        let grew = canon(&self.canon).command(&cmd);
        for r in list.iter_mut().filter(|r| r.started.iter().all(|s| *s)) {
            self.reserve(&mut r.pending, cmd.len());
            r.pending.extend_from_slice(&cmd);
            r.sent += cmd.len() as u64;
            if !r.notified {
                r.notified = true;
                notify(r.conn.shard);
            }
        }
        self.offset.fetch_add(grew as u64, Ordering::AcqRel);
    }

    /// Takes the buffers of the replicas living on shard `shard`: `(where,
    /// bytes)` for each that has some. They stay counted in
    /// [`Replicas::buffered`] until [`Replicas::release`]: the shard
    /// pushes them to the connections (a copy, until the runtime delivers
    /// it), and the memory a stream holds on its way there is the
    /// replicas' all along.
    pub fn drain(&self, shard: u32) -> Vec<(ConnHandle, Vec<u8>)> {
        let mut list = lock(&self.list);
        let mut out = Vec::new();
        for r in list.iter_mut().filter(|r| r.conn.shard == shard) {
            r.notified = false;
            if !r.pending.is_empty() {
                out.push((r.conn, std::mem::take(&mut r.pending)));
            }
        }
        out
    }

    /// Uncounts `bytes` of taken buffers ([`Replicas::drain`]) once their
    /// push was delivered.
    pub fn release(&self, bytes: u64) {
        self.buffered.fetch_sub(bytes, Ordering::Relaxed);
    }

    /// The memory of the replicas' streams waiting here for their shards
    /// to send them (the rest of a replica's output buffer is its
    /// connection's, in the runtime's sum for its output class). One
    /// relaxed load.
    #[inline]
    pub fn buffered(&self) -> u64 {
        self.buffered.load(Ordering::Relaxed)
    }

    /// Makes room for `extra` more bytes in a replica's buffer, counting
    /// the growth before it is allocated (another shard reading the
    /// allocator's total meanwhile sees it as the replicas').
    fn reserve(&self, buf: &mut Vec<u8>, extra: usize) {
        let (len, cap) = (buf.len(), buf.capacity());
        if len + extra <= cap {
            return;
        }
        let want = (len + extra).max(cap * 2);
        self.buffered
            .fetch_add((want - cap) as u64, Ordering::Relaxed);
        buf.reserve_exact(want - len);
        let got = buf.capacity();
        if got != want {
            let d = (got as u64).wrapping_sub(want as u64);
            self.buffered.fetch_add(d, Ordering::Relaxed);
        }
    }

    /// A replica's buffer of `cap` bytes of capacity was taken or dropped.
    fn unbuffer(&self, cap: usize) {
        self.buffered.fetch_sub(cap as u64, Ordering::Relaxed);
    }

    /// The client ids of the attached replicas.
    pub fn ids(&self) -> Vec<u64> {
        if !self.active() {
            return Vec::new();
        }
        lock(&self.list).iter().map(|r| r.id).collect()
    }

    /// The replicas, as `INFO replication` and `ROLE` list them.
    pub fn shown(&self) -> Vec<Shown> {
        if !self.active() {
            return Vec::new();
        }
        lock(&self.list)
            .iter()
            .map(|r| Shown {
                ip: r.ip.clone(),
                port: r.port,
                acked: r.acked,
                online: r.started.iter().all(|s| *s),
            })
            .collect()
    }
}

/// How many of `targets`' replicas acknowledged at least their offset.
fn acks(list: &[Replica], targets: &[(u64, u64)]) -> usize {
    targets
        .iter()
        .filter(|(id, at)| list.iter().any(|r| r.id == *id && r.acked >= *at))
        .count()
}

pub mod backlog;
pub mod failover;
pub mod upstream;

#[cfg(test)]
mod tests;
