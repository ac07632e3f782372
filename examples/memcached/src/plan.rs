//! Multi-shard requests: a `get` whose keys live on several shards (scattered
//! per shard, gathered back in request order), `flush_all` and `stats` on
//! every shard.

use kevy_rt::{Args, OwnedArgs, Router};

use crate::stats::{Counters, ShardReport};
use crate::store::Store;
use crate::verbs::Cmd;

/// One shard's share of a multi-shard request.
#[derive(Debug)]
pub enum Part {
    /// Look these keys up (`get` family).
    Get {
        /// The keys this shard owns, in request order.
        keys: OwnedArgs,
        /// Include CAS uniques.
        cas: bool,
        /// New exptime for every item found (`gat`).
        touch: Option<i32>,
    },
    /// `flush_all` with this delay.
    Flush(i32),
    /// Report counters.
    Stats,
    /// Reset counters.
    StatsReset,
}

/// What a part answers.
#[derive(Debug)]
pub enum PartReply {
    /// The `VALUE` blocks of a [`Part::Get`], one after the other; `ends[i]` is
    /// where key `i`'s block ends (empty for a miss).
    Values {
        /// The blocks.
        buf: Vec<u8>,
        /// End offset of each key's block.
        ends: Vec<usize>,
    },
    /// A shard's counters.
    Stats(ShardReport),
    /// Done, nothing to report.
    Done,
}

/// The origin-side state of a multi-shard request.
#[derive(Debug)]
pub enum Plan {
    /// For each requested key, in order: (part index, position in the part).
    Get(Vec<(usize, usize)>),
    /// `flush_all`: reply `OK` unless `noreply`.
    Flush {
        /// No reply wanted.
        noreply: bool,
    },
    /// `stats`.
    Stats,
    /// `stats reset`.
    StatsReset,
}

/// Splits a request into parts.
pub fn plan(cmd: Cmd, args: Args<'_>, router: &Router, parts: &mut Vec<(usize, Part)>) -> Plan {
    let every = |parts: &mut Vec<(usize, Part)>, make: &dyn Fn() -> Part| {
        for s in 0..router.nshards() {
            parts.push((s, make()));
        }
    };
    match cmd {
        Cmd::Get { cas, touch } => {
            let first = if touch.is_some() { 2 } else { 1 };
            let mut per_shard: Vec<OwnedArgs> = vec![OwnedArgs::new(); router.nshards()];
            let mut at = Vec::with_capacity(args.len().saturating_sub(first));
            for key in args.skip(first).iter() {
                let s = router.shard_of(key);
                at.push((s, per_shard[s].len()));
                per_shard[s].push(key);
            }
            let mut part_of = vec![0; router.nshards()];
            for (s, keys) in per_shard.into_iter().enumerate() {
                if !keys.is_empty() {
                    part_of[s] = parts.len();
                    parts.push((s, Part::Get { keys, cas, touch }));
                }
            }
            Plan::Get(at.into_iter().map(|(s, i)| (part_of[s], i)).collect())
        }
        Cmd::FlushAll { delay, noreply } => {
            every(parts, &|| Part::Flush(delay));
            Plan::Flush { noreply }
        }
        Cmd::StatsReset => {
            every(parts, &|| Part::StatsReset);
            Plan::StatsReset
        }
        // The resolver plans nothing else; report stats for anything that is.
        _ => {
            every(parts, &|| Part::Stats);
            Plan::Stats
        }
    }
}

/// Runs one part on its shard at Unix time `now`.
pub fn execute_part(store: &mut Store, part: Part, now: u64) -> PartReply {
    match part {
        Part::Get { keys, cas, touch } => {
            let mut buf = Vec::new();
            let mut ends = Vec::with_capacity(keys.len());
            for key in keys.args().iter() {
                store.get_into(key, cas, touch, now, &mut buf);
                ends.push(buf.len());
            }
            PartReply::Values { buf, ends }
        }
        Part::Flush(delay) => {
            store.flush(delay, now);
            PartReply::Done
        }
        Part::Stats => PartReply::Stats(store.report()),
        Part::StatsReset => {
            store.reset_stats();
            PartReply::Done
        }
    }
}

/// Reduces the `get` parts' replies: the `VALUE` blocks in request order, then
/// `END`.
pub fn gather_get(order: &[(usize, usize)], replies: &[PartReply], out: &mut Vec<u8>) {
    for &(part, i) in order {
        if let Some(PartReply::Values { buf, ends }) = replies.get(part) {
            let start = if i == 0 { 0 } else { ends[i - 1] };
            out.extend_from_slice(&buf[start..ends[i]]);
        }
    }
    out.extend_from_slice(b"END\r\n");
}

/// Sums the shards' reports.
pub fn total(replies: &[PartReply]) -> ShardReport {
    let mut t = ShardReport {
        counters: Counters::default(),
        curr_items: 0,
        bytes: 0,
    };
    for r in replies {
        if let PartReply::Stats(s) = r {
            t.counters.add(&s.counters);
            t.curr_items += s.curr_items;
            t.bytes += s.bytes;
        }
    }
    t
}
