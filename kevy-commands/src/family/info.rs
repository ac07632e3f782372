//! INFO [section …]: one part per shard collects the shard's figures
//! ([`Report`]: command and error counters, keyspace sizes and counters,
//! connections, network bytes, rates); the origin sums them and writes
//! Redis 7.0's sections, field names and format. Every field redis-server
//! 7.0.15 prints is written: measured where kevy has the thing (keyspace
//! hits and misses, expirations, the change counter, network bytes,
//! instantaneous rates, persistence, replication, scripts, client
//! tracking), Redis's neutral value (0, `-1`, `ok`) where kevy has no such
//! thing (defragmentation) or does not count it
//! apart yet (replication traffic in the network totals).

mod sections;

use kevy_rt::{Args, ClientsOf, Planned};

use super::ServerCx;
use crate::accounting::stats::CmdStat;
use crate::base::resp;
use crate::base::resp::Reply;
use crate::cross::admin::{self as srv, ServerOp, ServerPlan, ServerReply};
pub use crate::cross::admin::{DbFigures, Report, Sections};
use crate::cross::Plan;
use crate::session::{Ctx, Session};
use crate::shard::ShardState;

/// The sections of INFO, in the order Redis writes them.
pub const SECTIONS: [&str; 13] = [
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "modules",
    "commandstats",
    "errorstats",
    "latencystats",
    "cluster",
    "keyspace",
];

/// Sections written by `INFO` / `INFO default`.
const DEFAULT: u32 = ((1 << SECTIONS.len()) - 1) & !(1 << 8) & !(1 << 10);

impl Sections {
    /// The sections `INFO args…` asks for (Redis's `genInfoSectionDict`):
    /// none given means `default`; `all` and `everything` mean every one;
    /// unknown names are ignored.
    pub fn parse(args: Args<'_>) -> Sections {
        if args.len() <= 1 {
            return Sections(DEFAULT);
        }
        let mut bits = 0;
        for a in args.iter().skip(1) {
            let a = a.to_ascii_lowercase();
            match &a[..] {
                b"all" | b"everything" => bits |= (1 << SECTIONS.len()) - 1,
                b"default" => bits |= DEFAULT,
                _ => {
                    if let Some(i) = SECTIONS.iter().position(|s| s.as_bytes() == &a[..]) {
                        bits |= 1 << i;
                    }
                }
            }
        }
        Sections(bits)
    }

    /// True when section `name` is asked for.
    pub fn has(&self, name: &str) -> bool {
        SECTIONS
            .iter()
            .position(|s| *s == name)
            .is_some_and(|i| self.0 & (1 << i) != 0)
    }
}

impl Report {
    /// Adds another shard's figures.
    pub fn merge(&mut self, o: &Report) {
        self.stats.merge(&o.stats);
        if self.dbs.len() < o.dbs.len() {
            self.dbs.resize(o.dbs.len(), DbFigures::default());
        }
        for (a, b) in self.dbs.iter_mut().zip(o.dbs.iter()) {
            a.keys += b.keys;
            a.expires += b.expires;
            a.ttl_sum += b.ttl_sum;
            a.ttl_samples += b.ttl_samples;
        }
        self.accepted += o.accepted;
        self.rejected += o.rejected;
        self.evicted_clients += o.evicted_clients;
        self.clients += o.clients;
        self.max_input = self.max_input.max(o.max_input);
        self.max_output = self.max_output.max(o.max_output);
        self.client_memory += o.client_memory;
        self.replica_query += o.replica_query;
        self.evicted += o.evicted;
        self.hits += o.hits;
        self.misses += o.misses;
        self.expired += o.expired;
        self.stale_ppm += o.stale_ppm;
        self.shards += o.shards;
        self.time_cap += o.time_cap;
        self.dirty += o.dirty;
        self.net_in += o.net_in;
        self.net_out += o.net_out;
        for (a, b) in self.rates_milli.iter_mut().zip(o.rates_milli) {
            *a += b;
        }
        self.tracking[0] += o.tracking[0];
        self.tracking[1] += o.tracking[1];
        self.tracking[2] = self.tracking[2].max(o.tracking[2]);
        for (a, b) in self.pubsub.iter_mut().zip(&o.pubsub) {
            a.extend_from_slice(b);
        }
    }

    /// Distinct channels, patterns and shard channels subscribed to.
    pub fn pubsub_counts(&self) -> [usize; 3] {
        self.pubsub.clone().map(|mut v| {
            v.sort_unstable();
            v.dedup();
            v.len()
        })
    }

    /// Keys over every database.
    pub fn keys(&self) -> u64 {
        self.dbs.iter().map(|d| d.keys).sum()
    }
}

/// Deadlines sampled per database for `avg_ttl`.
const TTL_SAMPLES: usize = 64;

/// INFO [section …]
pub fn plan_info(cx: &mut ServerCx<'_, '_>) -> Planned<Plan> {
    let sections = Sections::parse(cx.args);
    let hist: &[u8] = if sections.has("latencystats") {
        b"1"
    } else {
        b"0"
    };
    // Read before anything of this INFO is allocated (its parts and their
    // reports: ~30 KB on 2 shards), as Redis reads it before its reply.
    let (used, _) = cx.shard.server.shared.memory();
    srv::broadcast(
        ServerOp::Report,
        &[hist],
        cx.router.nshards(),
        cx.parts,
        ServerPlan::Info(sections, used),
    )
}

/// A shard's figures. Argument: `1` to include latency histograms.
pub fn report_part(
    shard: &mut ShardState,
    args: Args<'_>,
    clients: &mut ClientsOf<'_, Session, &'static crate::family::spec::Spec>,
) -> ServerReply {
    let with_hist = args.get(0) == Some(b"1");
    let now = crate::store::db::now_ms();
    let own = &shard.server.stats;
    let mut r = Report::default();
    r.stats.errors = own.errors.clone();
    r.stats.cmds = own
        .cmds
        .iter()
        .map(|c| CmdStat {
            hist: if with_hist { c.hist.clone() } else { None },
            ..*c
        })
        .collect();
    for db in &shard.dbs {
        let volatile = &db.volatile;
        let step = (volatile.len() / TTL_SAMPLES).max(1);
        let (mut sum, mut n) = (0u64, 0u64);
        for v in volatile.iter().step_by(step).take(TTL_SAMPLES) {
            sum += (v.at - now).max(0) as u64;
            n += 1;
        }
        r.dbs.push(DbFigures {
            keys: db.len() as u64,
            expires: db.volatile_len() as u64,
            ttl_sum: sum,
            ttl_samples: n,
        });
    }
    r.evicted = shard.evict.evicted;
    for db in &shard.dbs {
        r.hits += db.counts.hits;
        r.misses += db.counts.misses;
        r.expired += db.counts.expired;
    }
    r.stale_ppm = (shard.expire_stats.stale * 1e6) as u64;
    r.shards = 1;
    r.time_cap = shard.expire_stats.time_cap;
    r.dirty = shard.server.dirty;
    (r.net_in, r.net_out) = shard.server.net_bytes();
    let rates = shard.server.meter.rates();
    r.rates_milli = rates.map(|x| (x * 1000.0) as u64);
    let t = &shard.tracking;
    r.tracking = [t.len(), t.items(), t.prefixes()].map(|n| n as u64);
    r.pubsub = shard.pubsub.name_hashes();
    if let Some(info) = &shard.server.info {
        use std::sync::atomic::Ordering::Relaxed;
        r.accepted = info.stats.accepted.load(Relaxed);
        r.rejected = info.stats.rejected.load(Relaxed);
        r.evicted_clients = info.stats.evicted_clients.load(Relaxed);
    }
    // Replicas' memory is theirs (`mem_clients_slaves`), not the normal
    // clients'.
    let replicas = shard.server.shared.replicas.ids();
    clients.for_each(|c| {
        let f = &c.facts;
        r.clients += 1;
        r.max_input = r.max_input.max(f.query_buf as u64);
        r.max_output = r.max_output.max(f.out_unsent as u64);
        let query = (f.query_buf + f.query_buf_free) as u64;
        if replicas.contains(&f.id) {
            r.replica_query += query;
        } else {
            r.client_memory += query + f.out_capacity as u64;
        }
    });
    ServerReply::Report(Box::new(r))
}

/// Sums the shards' reports.
pub fn merge_reports(replies: Vec<ServerReply>) -> Report {
    let mut total = Report::default();
    for r in replies {
        if let ServerReply::Report(r) = r {
            total.merge(&r);
        }
    }
    total
}

/// The INFO reply.
pub fn gather_info(
    shard: &mut ShardState,
    _ctx: Ctx,
    sections: &Sections,
    used_at_plan: u64,
    replies: Vec<ServerReply>,
    out: &mut Reply<'_>,
) {
    let mut total = merge_reports(replies);
    total.used_at_plan = used_at_plan;
    let text = sections::write(shard, *sections, &total);
    resp::verbatim(out, text.as_bytes());
}

#[cfg(test)]
mod tests;
