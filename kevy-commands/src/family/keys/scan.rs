//! SCAN and RANDOMKEY, planned over the shards.
//!
//! A SCAN cursor is `position * shards + shard`: the shard being walked and
//! the cursor within its table ([`Db::scan`], Redis's reverse-binary walk
//! over home buckets). A call walks one shard; once that shard is done it
//! goes on with the next one in the same call while fewer than COUNT keys
//! were seen, and the cursor is 0 once the last shard is done. Every key
//! present for a whole scan is returned at least once, as in Redis.

use kevy_rt::{Args, Gather, OwnedArgs, Planned, Router};

use crate::base::error::{cstr, Error};
use crate::base::random;
use crate::base::resp;
use crate::base::resp::Reply;
use crate::cross::keys::{self, KeyOp, KeyPlan, KeyReply};
use crate::cross::{self, Part, PartReply, Plan};
use crate::family::opts::{self, scan_cursor, scan_opts_typed};
use crate::model::value::{Bytes, Value};
use crate::store::db::{Clock, Db};

/// The resolve-time check of SCAN: the cursor, then the options.
pub fn check_scan(args: Args<'_>) -> Result<(), Error> {
    scan_cursor(args.at(1))?;
    scan_opts_typed(args, 2).map(|_| ())
}

/// A SCAN call in progress.
#[derive(Debug)]
pub struct ScanPlan {
    /// The shard being walked.
    shard: usize,
    /// Shards in the runtime.
    shards: usize,
    /// COUNT.
    count: usize,
    /// Keys seen so far, before filtering.
    seen: usize,
    /// The keys found.
    keys: Vec<Bytes>,
    /// SCAN's options (MATCH, COUNT, TYPE), for every shard's step.
    opts: OwnedArgs,
}

crate::cross::family_plan!(ScanPlan => gather_scan);

impl ScanPlan {
    /// The step on the current shard from `cursor`, with what is left of
    /// COUNT.
    fn step(&self, cursor: u64) -> (usize, Part) {
        let (cursor, budget) = (cursor.to_string(), (self.count - self.seen).to_string());
        let args = [cursor.as_bytes(), budget.as_bytes()]
            .into_iter()
            .chain(self.opts.args().iter())
            .collect();
        (self.shard, keys::part(KeyOp::Scan, args))
    }
}

/// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
///
/// Planned onto the shard the cursor names (the arguments were checked at
/// resolve time).
pub fn plan_scan(args: Args<'_>, router: &Router, parts: &mut Vec<(usize, Part)>) -> Planned<Plan> {
    let cursor = scan_cursor(args.at(1)).unwrap_or(0);
    let count = scan_opts_typed(args, 2).map_or(10, |o| o.count);
    let shards = router.nshards();
    let p = ScanPlan {
        shard: (cursor % shards as u64) as usize,
        shards,
        count,
        seen: 0,
        keys: Vec::new(),
        opts: args.skip(2).iter().collect(),
    };
    parts.push(p.step(cursor / shards as u64));
    cross::held(Plan::of(p))
}

/// One SCAN step on a shard: `args` are the cursor, the budget and SCAN's
/// options. Keys are filtered as Redis 7.0 does: MATCH, then TYPE (an
/// expired key reads as type `none`), then expiry (expired keys are
/// removed).
pub fn execute_scan(db: &mut Db, args: Args<'_>, now: &Clock) -> KeyReply {
    let cursor = scan_cursor(args.at(0)).unwrap_or(0);
    let budget = crate::base::num::parse_i64(args.at(1)).map_or(1, |n| n.max(1) as usize);
    let Ok(o) = scan_opts_typed(args, 2) else {
        return KeyReply::Scanned {
            next: 0,
            seen: 0,
            keys: Vec::new(),
        };
    };
    let mut found = Vec::new();
    let next = db.scan(cursor, budget, |k| found.push(Bytes::from_slice(k)));
    let seen = found.len();
    found.retain(|k| {
        if !o.matches(k) {
            return false;
        }
        let ty = db.peek(k, now).map(Value::type_name);
        match o.ty {
            // An expired key was just removed: type "none", and no longer
            // expired for Redis's last filter.
            Some(want) => cstr(want).eq_ignore_ascii_case(ty.unwrap_or("none").as_bytes()),
            None => ty.is_some(),
        }
    });
    KeyReply::Scanned {
        next,
        seen,
        keys: found,
    }
}

/// Adds one shard's step to the call; goes on with the next shard, or
/// replies.
pub fn gather_scan(
    p: &mut ScanPlan,
    replies: Vec<PartReply>,
    next: &mut Vec<(usize, Part)>,
    out: &mut Reply<'_>,
) -> Gather {
    let Some(KeyReply::Scanned {
        next: position,
        seen,
        keys: found,
    }) = replies.into_iter().next().and_then(keys::into_reply)
    else {
        keys::internal(out);
        return Gather::Done;
    };
    p.seen += seen;
    p.keys.extend(found);
    let last = p.shard + 1 >= p.shards;
    if position == 0 && !last && p.seen < p.count {
        p.shard += 1;
        next.push(p.step(0));
        return Gather::Again;
    }
    let cursor = match (position, last) {
        (0, true) => 0,
        (0, false) => (p.shard + 1) as u64,
        (n, _) => n.wrapping_mul(p.shards as u64).wrapping_add(p.shard as u64),
    };
    opts::scan_reply_header(out, cursor, p.keys.len());
    p.keys.iter().for_each(|k| resp::bulk(out, k));
    Gather::Done
}

/// RANDOMKEY
///
/// Every shard offers a random live key and its database size; the origin
/// picks one offer with a probability proportional to the size, so every key
/// is about equally likely.
pub fn plan_randomkey(
    _: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    for shard in 0..router.nshards() {
        parts.push((shard, keys::part(KeyOp::Random, OwnedArgs::new())));
    }
    keys::plan(KeyPlan::Random)
}

/// Picks RANDOMKEY's reply among the shards' offers.
pub fn gather_random(replies: &[PartReply], out: &mut Reply<'_>) {
    let offers: Vec<(usize, &Bytes)> = replies
        .iter()
        .filter_map(|r| match keys::reply_of(r) {
            Some(KeyReply::Random { len, key: Some(k) }) => Some(((*len).max(1), k)),
            _ => None,
        })
        .collect();
    let total = offers.iter().map(|o| o.0).sum::<usize>();
    let mut at = random::below(total);
    let pick = offers.iter().find(|(len, _)| {
        if at < *len {
            return true;
        }
        at -= len;
        false
    });
    resp::bulk_or_null(out, pick.map(|(_, k)| &k[..]));
}

#[cfg(test)]
mod tests;
