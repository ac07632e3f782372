//! # memcached
//!
//! The memcached text protocol served by kevy-rt: the same thread-per-core
//! runtime that serves Redis's protocol in `kevy-server`, with a different
//! [`kevy_rt::Commands::decode`] and command set. Items are spread over the
//! shards by key; a `get` of keys on several shards is scattered to their
//! owners and gathered back in request order.
//!
//! Commands: `get`, `gets`, `gat`, `gats`, `set`, `add`, `replace`, `append`,
//! `prepend`, `cas`, `delete`, `incr`, `decr`, `touch`, `flush_all`,
//! `version`, `verbosity`, `stats`, `stats reset`, `quit` — with memcached
//! 1.6's replies, errors (`ERROR`, `CLIENT_ERROR …`, `SERVER_ERROR …`),
//! `noreply`, exptime rules (0 never, up to 30 days relative, beyond that an
//! absolute Unix time, negative already expired), 32-bit flags, 250-byte keys,
//! 1 MB items, `incr`/`decr` on decimal data, and CAS uniques.
//!
//! Differences from memcached 1.6.18 (each a choice, not an accident):
//! - no memory limit and no eviction; no slab, item-size or connection
//!   listings (`stats items|slabs|sizes|conns|settings` answer `ERROR`);
//! - no meta commands (`mg`, `ms`, …), `cache_memlimit`, `lru`, `watch` or
//!   `lru_crawler` (`ERROR`);
//! - a data block longer than the runtime's `Limits::max_bulk_len` is refused
//!   with `SERVER_ERROR object too large for cache` and the connection closed
//!   (memcached swallows it and keeps the connection; a kevy-rt decoder has no
//!   per-connection state to skip it piecemeal). Blocks up to that length but
//!   over 1 MB get memcached's reply and the connection stays open;
//! - CAS uniques are unique per server but not consecutive (each shard counts
//!   its own, interleaved with the others').
//!
//! ## Layout
//! - [`decode`]: request framing — a line, plus the data block of a storage command.
//! - [`verbs`]: a request resolved and its arguments checked, into a [`Cmd`].
//! - [`num`]: numbers parsed the way memcached parses them (C `strto*` quirks).
//! - [`store`]: one shard's items and the operations on them.
//! - [`plan`]: multi-shard `get`, `flush_all` and `stats`.
//! - [`stats`]: the counters behind `stats`.
//! - [`clock`]: Unix seconds, manual in tests.
#![deny(missing_docs)]

pub mod clock;
pub mod decode;
pub mod num;
pub mod plan;
pub mod stats;
pub mod store;
pub mod verbs;

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use kevy_rt::{
    Args, Commands, Decoded, Flow, Gather, Limits, LocalCx, Planned, Resolved, Router, Runtime,
};
use kevy_rt::{ShardInfo, Span};

pub use clock::Clock;
use num::push_u64;
use plan::{Part, PartReply, Plan};
use stats::NAMES;
use store::{ArithError, Store};
pub use verbs::Cmd;

/// The memcached command set.
pub struct Memcached {
    clock: Clock,
    started: u64,
    /// The runtime's connection counters, for `stats`. A command set is built
    /// before its runtime, so they are handed over once it exists
    /// ([`Memcached::runtime`] does it).
    conns: Arc<OnceLock<kevy_rt::Stats>>,
    /// `flush_all` requests (counted once each, on the connection's shard).
    flushes: AtomicU64,
}

impl Default for Memcached {
    fn default() -> Memcached {
        Memcached::new()
    }
}

impl Memcached {
    /// A command set on the system clock.
    pub fn new() -> Memcached {
        Memcached::with_clock(Clock::System)
    }

    /// A command set on `clock` (tests move a manual one).
    pub fn with_clock(clock: Clock) -> Memcached {
        let started = clock.now();
        Memcached {
            clock,
            started,
            conns: Arc::default(),
            flushes: AtomicU64::new(0),
        }
    }

    /// Builds a runtime serving this command set on `addr` with `shards` shards,
    /// its connection counters wired into `stats`.
    pub fn runtime(self, addr: &str, shards: usize) -> io::Result<Runtime<Memcached>> {
        let conns = self.conns.clone();
        let rt = Runtime::builder(self).bind(addr).shards(shards).build()?;
        let _ = conns.set(rt.stats());
        Ok(rt)
    }

    fn write_stats(&self, replies: &[PartReply], nshards: usize, out: &mut Vec<u8>) {
        let t = plan::total(replies);
        let now = self.clock.now();
        let (curr, total) = self.conns.get().map_or((0, 0), |s| {
            let sum = |f: fn(&kevy_rt::ShardStats) -> &AtomicU64| {
                s.shards()
                    .iter()
                    .map(|sh| f(sh).load(Ordering::Relaxed))
                    .sum::<u64>()
            };
            (sum(|s| &s.connected), sum(|s| &s.accepted))
        });
        let mut stat = |name: &str, v: &dyn std::fmt::Display| {
            out.extend_from_slice(format!("STAT {name} {v}\r\n").as_bytes());
        };
        stat("pid", &std::process::id());
        stat("uptime", &now.saturating_sub(self.started));
        stat("time", &now);
        stat("version", &&verbs::VERSION["VERSION ".len()..]);
        stat("pointer_size", &(usize::BITS));
        stat("curr_connections", &curr);
        stat("total_connections", &total);
        stat("cmd_flush", &self.flushes.load(Ordering::Relaxed));
        for (i, name) in NAMES
            .iter()
            .enumerate()
            .filter(|(_, n)| **n != "total_items")
        {
            stat(name, &t.counters.0[i]);
        }
        stat("threads", &nshards);
        stat("bytes", &t.bytes);
        stat("curr_items", &t.curr_items);
        stat("total_items", &t.counters.get(stats::Stat::TotalItems));
        stat("evictions", &0);
        out.extend_from_slice(b"END\r\n");
    }
}

fn line(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(text.as_bytes());
    out.extend_from_slice(b"\r\n");
}

impl Commands for Memcached {
    type Shard = Store;
    type Cmd = Cmd;
    type Session = ();
    type Ctx = ();
    type Part = Part;
    type PartReply = PartReply;
    type Plan = Plan;

    fn decode(&self, buf: &mut [u8], spans: &mut Vec<Span>, limits: &Limits) -> Decoded {
        decode::decode(buf, spans, limits)
    }

    fn new_shard(&self, info: ShardInfo) -> Store {
        Store::new(info.id, info.nshards)
    }

    fn resolve(&self, args: Args<'_>) -> Resolved<Cmd> {
        verbs::resolve(args)
    }

    fn ctx(&self, _: &()) {}

    /// A memcached connection has no state of its own: one whose keys keep
    /// to one other shard may always move there.
    fn movable(&self, _: &()) -> bool {
        true
    }

    fn execute(&self, store: &mut Store, _: (), cmd: Cmd, args: Args<'_>, out: &mut Vec<u8>) {
        let now = self.clock.now();
        let key = args.at(1);
        match cmd {
            Cmd::Get { cas, touch } => {
                let first = if touch.is_some() { 2 } else { 1 };
                for key in args.skip(first).iter() {
                    store.get_into(key, cas, touch, now, out);
                }
                out.extend_from_slice(b"END\r\n");
            }
            Cmd::Store(s) => {
                let data = args.at(args.len() - 1);
                let r = store.store(key, &s, &data[..data.len().saturating_sub(2)], now);
                if !s.noreply {
                    line(out, r.text());
                }
            }
            Cmd::TooLarge { set, noreply } => {
                store.too_large(key, set, now);
                if !noreply {
                    line(out, "SERVER_ERROR object too large for cache");
                }
            }
            Cmd::Arith {
                incr,
                delta,
                noreply,
            } => {
                let r = store.arith(key, incr, delta, now);
                if noreply {
                    return;
                }
                match r {
                    Ok(v) => {
                        push_u64(out, v);
                        out.extend_from_slice(b"\r\n");
                    }
                    Err(ArithError::NotFound) => line(out, "NOT_FOUND"),
                    Err(ArithError::NonNumeric) => line(
                        out,
                        "CLIENT_ERROR cannot increment or decrement non-numeric value",
                    ),
                }
            }
            Cmd::Delete { noreply } => {
                let hit = store.delete(key, now);
                if !noreply {
                    line(out, if hit { "DELETED" } else { "NOT_FOUND" });
                }
            }
            Cmd::Touch { exptime, noreply } => {
                let hit = store.touch(key, exptime, now);
                if !noreply {
                    line(out, if hit { "TOUCHED" } else { "NOT_FOUND" });
                }
            }
            // Not keyed: the resolver routes these elsewhere.
            _ => line(out, verbs::ERROR),
        }
    }

    fn execute_local(
        &self,
        _: &mut Store,
        _: &mut (),
        _: &LocalCx,
        cmd: Cmd,
        _: Args<'_>,
        out: &mut Vec<u8>,
    ) -> Flow {
        match cmd {
            Cmd::Reply { text, noreply } => {
                if !noreply {
                    line(out, text);
                }
            }
            Cmd::Close => return Flow::Close,
            _ => line(out, verbs::ERROR),
        }
        Flow::Continue
    }

    fn plan(
        &self,
        _: &mut Self::Shard,
        _: (),
        cmd: Cmd,
        args: Args<'_>,
        router: &Router,
        parts: &mut Vec<(usize, Part)>,
    ) -> Planned<Plan> {
        Planned {
            plan: plan::plan(cmd, args, router, parts),
            hold: false,
        }
    }

    fn execute_part(
        &self,
        store: &mut Store,
        _: (),
        part: Part,
        _: &mut kevy_rt::Clients<'_, Self>,
    ) -> PartReply {
        plan::execute_part(store, part, self.clock.now())
    }

    fn gather(
        &self,
        _: &mut Self::Shard,
        plan: &mut Plan,
        replies: Vec<PartReply>,
        router: &Router,
        _: &mut Vec<(usize, Part)>,
        out: &mut Vec<u8>,
    ) -> Gather {
        match plan {
            Plan::Get(order) => plan::gather_get(order, &replies, out),
            Plan::Flush { noreply } => {
                self.flushes.fetch_add(1, Ordering::Relaxed);
                if !*noreply {
                    line(out, "OK");
                }
            }
            Plan::Stats => self.write_stats(&replies, router.nshards(), out),
            Plan::StatsReset => {
                self.flushes.store(0, Ordering::Relaxed);
                line(out, "RESET");
            }
        }
        Gather::Done
    }

    fn tick(&self, store: &mut Store) {
        store.tick(self.clock.now());
    }
}

#[cfg(test)]
mod tests;
