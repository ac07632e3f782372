//! A shard's administrative duties: connections killed by a part
//! (`CLIENT KILL`), idle timeouts, client pauses, and `MONITOR` fan-out — plus
//! the connection table as command sets see it ([`ConnTable`]).

use std::time::Instant;

use slab::Slab;

use super::Shard;
use crate::clients::{Answer, ClientOf, ClientTable, Heard};
use crate::commands::Commands;
use crate::conn::Conn;
use crate::stats::ShardStats;

impl<C: Commands> Shard<C> {
    /// Runs the commands a pause held back, once it is over.
    pub(super) fn end_pauses(&mut self) {
        if self.paused.is_empty() || self.settings.paused().is_some() {
            return;
        }
        for i in std::mem::take(&mut self.paused) {
            let Some(owned) = self.conns.get_mut(i).and_then(|c| c.deferred.take()) else {
                continue;
            };
            self.settings.add_blocked(-1);
            let routed = self.route(owned.args());
            self.dispatch(i, routed, owned.args(), false, false);
            self.deliver_pushes();
            self.note_queue(i);
            self.mark_dirty(i);
            self.resume.push(i);
        }
    }

    /// Hands this iteration's monitor lines to every monitor, here and on
    /// the other shards.
    pub(super) fn send_monitor_lines(&mut self) {
        if self.settings.monitors() > 0 {
            self.cmds
                .monitor_lines(&mut self.state, &mut self.monitor_buf);
        }
        if self.monitor_buf.is_empty() {
            return;
        }
        let lines = std::mem::take(&mut self.monitor_buf);
        self.append_monitor(&lines);
        if self.settings.monitors() > self.monitors.len() as u64 {
            for s in 0..self.router.nshards() {
                if s != self.id {
                    let req = self.outgoing[s].get_or_insert_with(|| self.pools.requests(s));
                    req.monitor.extend_from_slice(&lines);
                }
            }
        }
        self.monitor_buf = lines;
        self.monitor_buf.clear();
    }

    /// Appends monitor output to this shard's monitors.
    pub(super) fn append_monitor(&mut self, lines: &[u8]) {
        for k in 0..self.monitors.len() {
            let (i, gen) = self.monitors[k];
            if let Some(c) = self.conns.get_mut(i) {
                if c.gen == gen {
                    // Into the output buffer only: `flush` writes it when no
                    // peer is writing a direct reply to this socket.
                    c.out.extend_from_slice(lines);
                    self.note_queue(i);
                    self.mark_dirty(i);
                }
            }
        }
    }

    /// Acts on `CLIENT KILL`-style requests made during a part.
    pub(super) fn reap_killed(&mut self) {
        while let Some((i, at_once)) = self.killed.pop() {
            if at_once || self.conns.get(i).is_some_and(|c| c.parked.is_some()) {
                // Killed by another client, it goes at once with what it
                // was owed, as Redis frees it; a parked client owes nothing
                // it could still be given: it goes at once too, as Redis
                // frees a blocked client.
                self.close(i);
                continue;
            }
            self.mark_dirty(i);
            self.maybe_close(i);
        }
    }

    /// Client eviction (`maxmemory-clients`), on the tick: publishes the
    /// memory of this shard's connections (read buffer, output buffer and
    /// what is owed to them) and its biggest evictable one; while the total
    /// over every shard is past the limit, closes this shard's evictable
    /// connections biggest first, as long as each is at least as big as
    /// every other shard's biggest (so the server's biggest clients go
    /// first, as in Redis, and a shard never closes small clients for
    /// memory another shard is about to free).
    pub(super) fn evict_clients(&mut self) {
        let limit = self.settings.max_client_memory();
        if limit == 0 && self.client_mem == (0, 0) {
            return;
        }
        self.client_drift = 0;
        let (all, mut sizes) = self.client_sizes();
        let evictable: u64 = sizes.iter().map(|&(_, m)| m).sum();
        let mine = if limit == 0 { (0, 0) } else { (all, evictable) };
        sizes.sort_unstable_by_key(|s| std::cmp::Reverse(s.1));
        let biggest = if limit == 0 {
            0
        } else {
            sizes.first().map_or(0, |s| s.1)
        };
        // The biggest before the total: a shard that sees this shard's
        // total (an AcqRel update) sees the biggest client in it too, and
        // does not close its small ones for memory this shard holds.
        let others = self.settings.exchange_biggest(self.id, biggest);
        let (total, _) = self.settings.publish_client_memory(self.client_mem, mine);
        self.client_mem = mine;
        if limit == 0 || total <= limit {
            return;
        }
        let mut freed = 0u64;
        let mut left = biggest;
        for (i, m) in sizes {
            // Each closing takes its bytes off the shared total first: the
            // shards evicting at once stop together under the limit.
            left = m;
            if m < others || !self.settings.claim_client_memory(limit, m) {
                break;
            }
            left = 0;
            freed += m;
            self.evict_client(i);
        }
        if freed > 0 {
            // What is left here is smaller now: the other shards may close
            // theirs (they held back for the clients just closed).
            self.settings.exchange_biggest(self.id, left);
            // The total of all connections already lost `freed` (claimed).
            let claimed = (all - freed.min(all), evictable);
            let after = (claimed.0, evictable - freed.min(evictable));
            self.settings.publish_client_memory(claimed, after);
            self.client_mem = after;
            if self.settings.client_memory() > limit {
                // Still over: the other shards look again (one of them
                // held back for this shard's bigger clients).
                self.settings.evict_clients_now();
            }
        }
    }

    /// The memory of this shard's connections that counts toward
    /// `maxmemory-clients` (read buffer, output buffer, what is owed to
    /// them, the session's own), and each evictable one's.
    fn client_sizes(&self) -> (u64, Vec<(usize, u64)>) {
        let mut sizes: Vec<(usize, u64)> = Vec::new();
        let mut all = 0u64;
        for (i, c) in self.conns.iter() {
            if c.closing || !self.cmds.client_memory_counted(&c.session) {
                continue;
            }
            let m = (c.rbuf.capacity()
                + c.out_memory()
                + c.owed
                + self.cmds.session_memory(&c.session)) as u64;
            all += m;
            if self.cmds.evictable(&c.session) {
                sizes.push((i, m));
            }
        }
        (all, sizes)
    }

    /// A big connection closed (not by client eviction): this shard's part
    /// of the clients' memory is published again now, not at the next
    /// tick, so that no shard evicts its clients for memory freed here
    /// (Redis frees a client's memory from its sum as it frees the client).
    pub(super) fn closed_big_client(&mut self, mem: u64) {
        let limit = self.settings.max_client_memory();
        if limit == 0 || self.evicting || mem < (limit / 32).max(64 << 10) {
            return;
        }
        let (all, sizes) = self.client_sizes();
        let evictable = sizes.iter().map(|s| s.1).sum();
        let biggest = sizes.iter().map(|s| s.1).max().unwrap_or(0);
        self.settings.exchange_biggest(self.id, biggest);
        self.settings
            .publish_client_memory(self.client_mem, (all, evictable));
        self.client_mem = (all, evictable);
    }

    /// Closes connection `i` for client eviction (counted, told to the
    /// command set).
    fn evict_client(&mut self, i: usize) {
        ShardStats::add_own(&self.stats.evicted_clients, 1);
        if let Some(c) = self.conns.get(i) {
            let client = ClientOf {
                facts: c.facts(self.id),
                session: &c.session,
                last_cmd: c.last_cmd,
            };
            self.cmds.evicting(&mut self.state, client);
        }
        self.evicting = true;
        self.close(i);
        self.evicting = false;
    }

    /// Takes the limits `CONFIG SET` changed while running
    /// (`client-query-buffer-limit`, `proto-max-bulk-len`): one load a loop
    /// iteration, and after each local command (which may be the `CONFIG
    /// SET`, with requests pipelined behind it).
    #[inline]
    pub(super) fn take_limits(&mut self) {
        let gen = self.settings.limits_gen();
        if gen != self.limits_gen {
            self.limits_gen = gen;
            self.limits = self.settings.current_limits(self.limits);
        }
    }

    /// Client eviction right after a read, before the input runs, and
    /// before output is written (Redis checks after every read and
    /// command): a connection that alone uses more than `maxmemory-clients`
    /// goes at once — a request with a huge argument never runs, a
    /// transaction queued past the limit never commits, output piling up
    /// for a client that does not read stops at the limit. The server-wide
    /// sum is the tick's ([`Shard::evict_clients`]). True when it closed
    /// the connection.
    #[inline(always)]
    pub(super) fn evicted_for_memory(&mut self, i: usize) -> bool {
        let limit = self.settings.max_client_memory();
        limit != 0 && self.evicted_past(i, limit)
    }

    /// [`Shard::evicted_for_memory`] under a limit of `limit` bytes.
    #[inline(never)]
    fn evicted_past(&mut self, i: usize, limit: u64) -> bool {
        let Some(c) = self.conns.get_mut(i) else {
            return false;
        };
        let m = (c.rbuf.capacity() + c.out_memory() + c.owed) as u64;
        // This connection's growth since it was last looked at here: past
        // a 32nd of the limit on this shard, the server-wide sum is
        // looked at now rather than at the tick (Redis counts every
        // client's memory as it changes), so clients filling their
        // buffers fast are evicted before their memory evicts keys.
        self.client_drift += m as i64 - std::mem::replace(&mut c.mem_seen, m) as i64;
        if m + self.cmds.session_memory(&c.session) as u64 <= limit
            || !self.cmds.evictable(&c.session)
        {
            if self.client_drift.unsigned_abs() > (limit / 32).max(64 << 10) {
                self.evict_clients();
                return !self.conns.contains(i) || self.conns[i].closing;
            }
            return false;
        }
        self.evict_client(i);
        true
    }

    /// Closes connections idle for longer than the `timeout` setting: those
    /// with nothing in flight nor left to write, not paused, not monitors,
    /// not exempted by the command set (Redis exempts blocked clients,
    /// monitors and Pub/Sub clients). Idleness counts from the last input
    /// or output (`Shard::flush`).
    pub(super) fn close_idle(&mut self) {
        let Some(limit) = self.settings.idle_timeout() else {
            return;
        };
        let now = Instant::now();
        let cmds = &*self.cmds;
        let idle: Vec<usize> = self
            .conns
            .iter()
            .filter(|(_, c)| {
                c.pending.is_empty()
                    && c.unsent() == 0
                    && c.deferred.is_none()
                    && c.parked.is_none()
                    && !c.monitor
                    && now.duration_since(c.last_active) > limit
                    && !cmds.idle_exempt(&c.session)
            })
            .map(|(i, _)| i)
            .collect();
        for i in idle {
            self.close(i);
        }
    }
}

/// A shard's connection table as [`Clients`](crate::Clients) shows it.
pub(super) struct ConnTable<'a, C: Commands> {
    pub(super) conns: &'a mut Slab<Conn<C>>,
    pub(super) killed: &'a mut Vec<(usize, bool)>,
    pub(super) unblocked: &'a mut Vec<(usize, crate::park::Unpark)>,
    pub(super) shard: usize,
    /// What serves the connections while a long part runs.
    pub(super) pump: Option<super::busy::Pump<'a, C>>,
}

impl<C: Commands> ClientTable<C::Session, C::Cmd> for ConnTable<'_, C> {
    fn each(&self, f: &mut dyn FnMut(ClientOf<'_, C::Session, C::Cmd>)) {
        for (_, c) in self.conns.iter() {
            f(ClientOf {
                facts: c.facts(self.shard),
                session: &c.session,
                last_cmd: c.last_cmd,
            });
        }
    }

    fn kill(&mut self, id: u64, at_once: bool) -> bool {
        let found = self.conns.iter_mut().find(|(_, c)| c.id == id);
        match found {
            Some((i, c)) => {
                c.closing = true;
                self.killed.push((i, at_once));
                true
            }
            None => false,
        }
    }

    fn unblock(&mut self, id: u64, why: crate::park::Unpark) -> bool {
        let found = self.conns.iter_mut().find(|(_, c)| c.id == id);
        match found {
            Some((i, c)) => match &c.parked {
                Some((_, claim)) if claim.end(crate::park::claim::GONE) => {
                    self.unblocked.push((i, why));
                    true
                }
                _ => false,
            },
            None => false,
        }
    }

    fn serve_busy(&mut self, answer: &mut Answer<'_, C::Session>) {
        if let Some(pump) = self.pump.as_mut() {
            pump.serve(self.conns, self.shard, answer);
        }
    }

    fn converse(&mut self, id: u64, send: &[u8], wait: std::time::Duration) -> Heard {
        let found = self.conns.iter().find(|(_, c)| c.id == id).map(|(i, _)| i);
        match (found, self.pump.as_mut()) {
            (Some(i), Some(pump)) => super::converse::converse(pump, self.conns, i, send, wait),
            _ => Heard::Gone,
        }
    }
}
