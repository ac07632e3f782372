//! Multi-shard operations: how `MGET`, `SUM`, `COUNT` and `TOP` split into one
//! part per shard, what each part does on its shard, and how the part replies
//! reduce into one reply on the connection's shard.

use kevy_rt::{Args, Router};

use crate::reply;
use crate::shard::Shard;
use crate::verbs::{Cmd, Verb};

/// One shard's share of a multi-shard operation.
#[derive(Debug)]
pub enum Part {
    /// Read these counters.
    Get(Vec<Vec<u8>>),
    /// Sum the counters with this prefix.
    Sum(Vec<u8>),
    /// Count the counters with this prefix.
    Count(Vec<u8>),
    /// The `n` highest counters with this prefix.
    Top(usize, Vec<u8>),
}

/// What a part answers.
#[derive(Debug)]
pub enum PartReply {
    /// Values of a [`Part::Get`], in the order asked.
    Values(Vec<Option<i64>>),
    /// A partial sum or count.
    Total(i128),
    /// A shard's top counters, highest first.
    Top(Vec<(Vec<u8>, i64)>),
}

/// The origin-side state of an operation.
#[derive(Debug)]
pub enum Plan {
    /// `MGET`: for each requested name, (part index, position in that part).
    Mget(Vec<(usize, usize)>),
    /// `SUM`: add the partial sums.
    Sum,
    /// `COUNT`: add the partial counts.
    Count,
    /// `TOP n`: merge the shards' lists and keep `n`.
    Top(usize),
    /// The request is malformed; write this error.
    Error(&'static str),
}

/// Splits a multi-shard request into parts.
pub fn plan(cmd: Cmd, args: Args<'_>, router: &Router, parts: &mut Vec<(usize, Part)>) -> Plan {
    let every = |parts: &mut Vec<(usize, Part)>, make: &dyn Fn() -> Part| {
        for s in 0..router.nshards() {
            parts.push((s, make()));
        }
    };
    let prefix = args
        .get(if cmd == Cmd::Run(Verb::Top) { 2 } else { 1 })
        .unwrap_or(b"")
        .to_vec();
    match cmd {
        Cmd::Run(Verb::Mget) => {
            // One part per shard involved; remember where each name's value lands.
            let mut names: Vec<Vec<Vec<u8>>> = vec![Vec::new(); router.nshards()];
            let mut at = Vec::with_capacity(args.len() - 1);
            for name in args.skip(1).iter() {
                let s = router.shard_of(name);
                at.push((s, names[s].len()));
                names[s].push(name.to_vec());
            }
            let mut part_of = vec![0; router.nshards()];
            for (s, names) in names.into_iter().enumerate() {
                if !names.is_empty() {
                    part_of[s] = parts.len();
                    parts.push((s, Part::Get(names)));
                }
            }
            Plan::Mget(at.into_iter().map(|(s, i)| (part_of[s], i)).collect())
        }
        Cmd::Run(Verb::Sum) => {
            every(parts, &|| Part::Sum(prefix.clone()));
            Plan::Sum
        }
        Cmd::Run(Verb::Count) => {
            every(parts, &|| Part::Count(prefix.clone()));
            Plan::Count
        }
        Cmd::Run(Verb::Top) => match kevy_rt::resp::parse_i64(args.at(1)) {
            Some(n) if n >= 0 => {
                let n = n as usize;
                every(parts, &|| Part::Top(n, prefix.clone()));
                Plan::Top(n)
            }
            // No parts: gather runs at once and writes the error.
            _ => Plan::Error("ERR TOP wants a count >= 0"),
        },
        // The verb table routes no other verb here.
        _ => Plan::Error("ERR not a multi-shard command"),
    }
}

/// Runs one part on its shard.
pub fn execute_part(shard: &mut Shard, part: Part) -> PartReply {
    match part {
        Part::Get(names) => PartReply::Values(names.iter().map(|n| shard.get(n)).collect()),
        Part::Sum(prefix) => {
            PartReply::Total(shard.matching(&prefix).map(|(_, v)| v as i128).sum())
        }
        Part::Count(prefix) => PartReply::Total(shard.matching(&prefix).count() as i128),
        Part::Top(n, prefix) => PartReply::Top(shard.top(n, &prefix)),
    }
}

/// Reduces the part replies into the reply.
pub fn gather(plan: &Plan, replies: Vec<PartReply>, out: &mut Vec<u8>) {
    match plan {
        Plan::Mget(order) => {
            let values: Vec<Vec<Option<i64>>> = replies
                .into_iter()
                .map(|r| match r {
                    PartReply::Values(v) => v,
                    _ => Vec::new(),
                })
                .collect();
            reply::array_len(out, order.len());
            for &(part, i) in order {
                reply::opt_int(
                    out,
                    values.get(part).and_then(|v| v.get(i)).copied().flatten(),
                );
            }
        }
        Plan::Sum | Plan::Count => {
            let total: i128 = replies
                .iter()
                .map(|r| if let PartReply::Total(t) = r { *t } else { 0 })
                .sum();
            match i64::try_from(total) {
                Ok(t) => reply::int(out, t),
                Err(_) => reply::error(out, "ERR sum out of 64-bit range"),
            }
        }
        Plan::Top(n) => {
            let mut all: Vec<(Vec<u8>, i64)> = replies
                .into_iter()
                .flat_map(|r| match r {
                    PartReply::Top(v) => v,
                    _ => Vec::new(),
                })
                .collect();
            all.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            all.truncate(*n);
            reply::array_len(out, all.len() * 2);
            for (name, v) in all {
                reply::bulk(out, &name);
                reply::int(out, v);
            }
        }
        Plan::Error(e) => reply::error(out, e),
    }
}
