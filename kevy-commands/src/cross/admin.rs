//! The multi-shard parts of server commands (`CLIENT LIST | KILL`, `INFO`,
//! `CONFIG RESETSTAT`, `SLOWLOG`, `LATENCY`, `DEBUG OBJECT`, `MEMORY
//! STATS | DOCTOR`): what each part does on its shard, what it answers, and
//! how the origin shard reduces the answers, with the data they carry
//! ([`Report`], [`Sections`], the pub/sub parts). The work itself lives in
//! the families; `dispatch::admin` routes each part and plan to it.

use kevy_rt::{OwnedArgs, Planned};

use crate::accounting::latency::Series;
use crate::accounting::slowlog::Entry;
use crate::accounting::stats::Stats;
use crate::base::hist::Histogram;
use crate::cross::{Part, Plan};
use crate::shard::pubsub::Kind;

/// What a server command's part does on its shard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServerOp {
    /// The lines of the shard's connections (filters in the arguments).
    ClientList,
    /// Close the shard's connections matching the filters.
    ClientKill,
    /// Unblock the shard's connection of this id, if parked.
    ClientUnblock,
    /// The shard's figures for `INFO` and `MEMORY STATS | DOCTOR`.
    Report,
    /// Forget the shard's statistics.
    ResetStat,
    /// The shard's newest slow-log entries.
    SlowlogGet,
    /// The shard's slow-log length.
    SlowlogLen,
    /// Empty the shard's slow log.
    SlowlogReset,
    /// The shard's latency-monitor events.
    Latency,
    /// Drop the shard's latency events named in the arguments (all if none).
    LatencyReset,
    /// The shard's per-command latency histograms.
    Histograms,
    /// `DEBUG OBJECT key` on the key's shard.
    DebugObject,
    /// `DEBUG LISTPACK key` on the key's shard.
    DebugListpack,
    /// `DEBUG QUICKLIST key [0|1]` on the key's shard.
    DebugQuicklist,
    /// `DEBUG HTSTATS-KEY key` on the key's shard.
    HtStatsKey,
    /// `DEBUG POPULATE count [prefix [size]]`: the keys this shard owns.
    Populate,
    /// `DEBUG DIGEST`: the shard's per-database digests.
    Digest,
    /// `DEBUG DIGEST-VALUE`: one key's value digest on its shard.
    DigestValue,
    /// A pub/sub part (PUBLISH, PUBSUB …).
    Pubsub(PubsubOp),
    /// The append-only file rewrite's cut on the shard.
    AofCut,
    /// The shard's keys, encoded for an RDB file (SAVE, DEBUG RELOAD).
    Snapshot,
    /// Empty the shard and load its keys of the RDB file (DEBUG RELOAD).
    Load,
    /// Hand the shard's AOF feed to the file (DEBUG LOADAOF).
    AofFlush,
    /// Replace the shard's databases by the AOF replay's (DEBUG LOADAOF).
    AofLoad,
    /// Close the shard's connections of the users whose ids are the
    /// arguments (ACL DELUSER, ACL LOAD), or a user's subscribers to
    /// channels it lost (ACL SETUSER).
    AclKill,
    /// MIGRATE of the shard's keys named in the arguments (see the
    /// migrate family).
    Migrate,
    /// A new replica's cut on the shard (argument: its client id): the
    /// shard's keys for its snapshot, its later commands for its stream.
    ReplCut,
    /// `DEBUG SLEEP seconds`: the shard stops for that long (every shard
    /// at once: the whole server, as Redis's one thread).
    Sleep,
}

/// What a server part answers.
#[derive(Debug, PartialEq, Eq)]
pub enum ServerReply {
    /// A count.
    Count(i64),
    /// `(connection id, CLIENT LIST line)` of each connection.
    Clients(Vec<(u64, Vec<u8>)>),
    /// A shard's figures.
    Report(Box<Report>),
    /// Slow-log entries, newest first.
    Slow(Vec<Entry>),
    /// Latency events.
    Latency(Vec<(&'static str, Series)>),
    /// Names of latency events dropped.
    Names(Vec<&'static str>),
    /// `(command index, histogram)` of each command with latencies.
    Histograms(Vec<(usize, Histogram)>),
    /// A finished reply.
    Bytes(Vec<u8>),
    /// A pub/sub part's answer.
    Pubsub(PubsubReply),
    /// `(database, digest)` of each non-empty database, or one value's
    /// digest (database 0).
    Digests(Vec<(u32, crate::model::digest::Digest)>),
    /// A shard's keys encoded for an RDB file, and its change counter.
    Chunks(Vec<crate::persist::rdb::DbChunk>, u64),
}

/// How the origin shard reduces a server command's parts.
#[derive(Debug)]
pub enum ServerPlan {
    /// The reply, known when planning (an error, or no parts needed).
    Reply(Vec<u8>),
    /// `CLIENT LIST`: every line by id, or those of these ids in this order.
    ClientList(Option<Vec<u64>>),
    /// `CLIENT KILL`: the old form (`+OK` or an error) or the count.
    ClientKill {
        /// `CLIENT KILL addr:port`.
        old: bool,
    },
    /// `INFO` of these sections, and `used_memory` when it was planned.
    Info(Sections, u64),
    /// `MEMORY STATS`.
    MemoryStats,
    /// `MEMORY DOCTOR`.
    MemoryDoctor,
    /// `+OK` once every part is done.
    Ok,
    /// `SLOWLOG GET`: the newest this many entries.
    SlowlogGet(usize),
    /// `SLOWLOG LEN`.
    SlowlogLen,
    /// `LATENCY LATEST`.
    LatencyLatest,
    /// `LATENCY HISTORY event`.
    LatencyHistory(Vec<u8>),
    /// `LATENCY DOCTOR`: the report from the merged latency events.
    LatencyDoctor,
    /// `LATENCY GRAPH event`: the chart of the event's merged samples.
    LatencyGraph(Vec<u8>),
    /// `LATENCY RESET`: the number of distinct events dropped.
    LatencyReset,
    /// `LATENCY HISTOGRAM [command …]`.
    LatencyHistogram(Vec<Vec<u8>>),
    /// The one part's [`ServerReply::Bytes`] is the reply.
    Forward,
    /// `DEBUG HTSTATS dbid`: the database's key and expiry counts from
    /// every shard's report.
    HtStats(usize),
    /// `DEBUG DIGEST`: the dataset digest from every shard's databases.
    Digest,
    /// `DEBUG DIGEST-VALUE`: one digest per part, in part order.
    DigestValue,
    /// A pub/sub command.
    Pubsub(PubsubPlan),
    /// `BGREWRITEAOF`: every shard has cut.
    AofRewrite {
        /// Run by `EXEC`: the reply says "scheduled", as Redis's does.
        in_exec: bool,
    },
    /// `SAVE`: the file from the parts' keys.
    Save,
    /// `FLUSHALL` on this many shards: every one emptied; saved next when
    /// `save` has rules.
    Flushall(usize),
    /// `FLUSHALL`'s save round.
    FlushallSave,
    /// `DEBUG RELOAD` on this many shards: save, then load with these
    /// options (`persist::RELOAD_*` bits).
    Reload(usize, u8),
    /// `DEBUG RELOAD`'s load round.
    Reloading(usize),
    /// MIGRATE: the first error, else `+OK` if a shard moved keys, else `+NOKEY`.
    Migrate,
    /// `DEBUG LOADAOF` on this many shards: the feeds flushed.
    LoadAof(usize),
    /// `DEBUG LOADAOF`'s load round.
    LoadingAof,
    /// `SYNC` / `PSYNC` of client `id`: the snapshot from the parts' keys,
    /// after `+FULLRESYNC <replid> <offset>` for PSYNC.
    Sync {
        /// Answer `+FULLRESYNC` first.
        psync: bool,
        /// The stream's offset when the replica attached.
        offset: u64,
        /// The replica's client id.
        id: u64,
    },
}

/// A plan answered without parts.
pub fn reply(bytes: Vec<u8>) -> Planned<Plan> {
    super::planned(Plan::Server(ServerPlan::Reply(bytes)))
}

/// An error reply known when planning.
pub fn error(msg: &[u8]) -> Planned<Plan> {
    let mut out = Vec::new();
    crate::base::error::write_sanitized(&mut out, msg);
    reply(out)
}

/// Sends `op` with `args` to every shard; reduced as `plan` says.
pub fn broadcast(
    op: ServerOp,
    args: &[&[u8]],
    nshards: usize,
    parts: &mut Vec<(usize, Part)>,
    plan: ServerPlan,
) -> Planned<Plan> {
    for shard in 0..nshards {
        let args: OwnedArgs = args.iter().collect();
        parts.push((
            shard,
            Part {
                db: None,
                resp3: None,
                op: super::Op::Server(op),
                args,
                value: None,
            },
        ));
    }
    super::planned(Plan::Server(plan))
}

/// What a pub/sub part does on its shard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PubsubOp {
    /// Publish `channel message` (the kind's namespace); answer the count.
    Publish(Kind),
    /// The channels matching the optional pattern argument.
    Channels(Kind),
    /// The subscriber count of each channel argument.
    NumSub(Kind),
    /// The patterns with subscribers.
    Patterns,
}

/// What a pub/sub part answers.
#[derive(Debug, PartialEq, Eq)]
pub enum PubsubReply {
    /// Receivers reached.
    Count(i64),
    /// Channel or pattern names.
    Names(Vec<Vec<u8>>),
    /// A count per channel argument.
    Counts(Vec<i64>),
}

/// How the origin reduces pub/sub parts.
#[derive(Debug)]
pub enum PubsubPlan {
    /// PUBLISH, SPUBLISH (the command, sent to the replicas once
    /// gathered): the sum.
    Sum(Vec<Vec<u8>>),
    /// PUBSUB CHANNELS, SHARDCHANNELS: the union.
    Union,
    /// PUBSUB NUMSUB, SHARDNUMSUB: these channels with summed counts.
    NumSub(Vec<Vec<u8>>),
    /// PUBSUB NUMPAT: distinct patterns.
    NumPat,
}

/// Which `INFO` sections to write: bit `i` is the INFO family's
/// `SECTIONS[i]`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sections(pub u32);

/// One database's figures on one shard.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DbFigures {
    /// Keys (expired ones not yet reclaimed included, like DBSIZE).
    pub keys: u64,
    /// Keys with a time to live.
    pub expires: u64,
    /// Sum of the remaining time to live of the sampled keys, in ms.
    pub ttl_sum: u64,
    /// Keys sampled for it.
    pub ttl_samples: u64,
}

/// A shard's figures.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// `used_memory` as the origin read it when it planned the INFO,
    /// before the parts and their reports were allocated (Redis reads it
    /// before building its reply); 0 in a part's own report.
    pub used_at_plan: u64,
    /// Command and error counters (latency histograms only when asked).
    pub stats: Stats,
    /// By database index.
    pub dbs: Vec<DbFigures>,
    /// Connections accepted since start (or `CONFIG RESETSTAT`).
    pub accepted: u64,
    /// Connections refused at `maxclients`.
    pub rejected: u64,
    /// Connections closed by client eviction (`maxmemory-clients`).
    pub evicted_clients: u64,
    /// Open connections on the shard.
    pub clients: u64,
    /// Largest unprocessed input of a connection.
    pub max_input: u64,
    /// Largest unsent output of a connection.
    pub max_output: u64,
    /// Bytes of connection buffers (query and output), replicas' aside.
    pub client_memory: u64,
    /// Bytes of replicas' query buffers (their output is in the
    /// replication buffers, [`crate::accounting::Uncounted`]).
    pub replica_query: u64,
    /// Keys evicted under `maxmemory`.
    pub evicted: u64,
    /// Read lookups that found their key.
    pub hits: u64,
    /// Read lookups that did not.
    pub misses: u64,
    /// Keys removed at their deadline.
    pub expired: u64,
    /// The active expiry's stale share, in millionths, summed over shards.
    pub stale_ppm: u64,
    /// Shards summed into `stale_ppm`.
    pub shards: u64,
    /// Active-expiry cycles cut short by their budget.
    pub time_cap: u64,
    /// Changes since the last save (`server.dirty`).
    pub dirty: u64,
    /// Bytes read from clients.
    pub net_in: u64,
    /// Bytes written to clients.
    pub net_out: u64,
    /// Instantaneous rates in thousandths per second: ops, bytes in, out.
    pub rates_milli: [u64; 3],
    /// Client-side caching: keys tracked, (key, client) items, BCAST
    /// prefixes (every shard keeps them all: the largest count).
    pub tracking: [u64; 3],
    /// Hashes of the channels, patterns and shard channels subscribed to
    /// here: a name subscribed on several shards counts once.
    pub pubsub: [Vec<u64>; 3],
}
