//! BLPOP, BRPOP, BZPOPMIN and BZPOPMAX where nothing blocks (inside
//! `MULTI`) with keys on several shards: Redis pops from the leftmost key
//! that exists (or answers WRONGTYPE for it) and answers a null array at
//! once when none does.
//!
//! The plan walks the keys left to right, one shard's run of consecutive
//! keys per round: each round runs the command itself, over that run of
//! keys, whole on their shard ([`Op::Whole`]), so the reply is the
//! command's own. A null array means none of those keys exists: the next
//! run is tried; anything else (a pop, WRONGTYPE) is the answer. The keys
//! are locked by the transaction, so nothing changes between the rounds.

use kevy_rt::{Args, Gather, OwnedArgs, Planned, Router};

use crate::base::resp::Reply;
use crate::cross::{bytes_of, Op, Part, PartReply, Plan};
use crate::model::value::Bytes;

/// A non-blocking pop over keys on several shards, between its rounds.
#[derive(Debug)]
pub struct FirstPlan {
    /// The verb, as the client sent it.
    verb: Bytes,
    /// The timeout argument (checked already; the handler ignores it).
    timeout: Bytes,
    /// The keys in argument order, with their shards.
    keys: Vec<(Bytes, usize)>,
    /// The first key not tried yet.
    next: usize,
}

crate::cross::family_plan!(FirstPlan => &gather);

impl FirstPlan {
    /// Sends the next run of keys sharing a shard; false when none is left.
    fn send(&mut self, parts: &mut Vec<(usize, Part)>) -> bool {
        let Some(&(_, shard)) = self.keys.get(self.next) else {
            return false;
        };
        let mut args = OwnedArgs::new();
        args.push(&self.verb);
        while let Some((key, s)) = self.keys.get(self.next) {
            if *s != shard {
                break;
            }
            args.push(key);
            self.next += 1;
        }
        args.push(&self.timeout);
        parts.push((shard, Part::new(Op::Whole, args)));
        true
    }
}

/// Plans `verb key [key …] timeout` inside `MULTI` with keys on several
/// shards.
pub fn plan_first(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    let n = args.len();
    let keys = args
        .iter()
        .take(n.saturating_sub(1))
        .skip(1)
        .map(|k| (Bytes::from_slice(k), router.shard_of(k)))
        .collect();
    let mut plan = FirstPlan {
        verb: Bytes::from_slice(args.at(0)),
        timeout: Bytes::from_slice(args.at(n - 1)),
        keys,
        next: 0,
    };
    plan.send(parts);
    Planned {
        plan: Plan::of(plan),
        hold: true,
    }
}

/// A round of [`FirstPlan`]: the answer, or the next run of keys.
pub fn gather(
    plan: &mut FirstPlan,
    replies: &[PartReply],
    next: &mut Vec<(usize, Part)>,
    out: &mut Reply<'_>,
) -> Gather {
    let bytes = replies.first().map_or(&[][..], bytes_of);
    if is_null_array(bytes) && plan.send(next) {
        return Gather::Again;
    }
    if bytes.is_empty() {
        crate::base::resp::null_array(out);
    }
    out.extend_from_slice(bytes);
    Gather::Done
}

/// RESP2's or RESP3's null array (what a pop of missing keys answers).
fn is_null_array(reply: &[u8]) -> bool {
    reply == b"*-1\r\n" || reply == b"_\r\n"
}

#[cfg(test)]
mod tests;
