//! Searches that store across shards: GEORADIUS … STORE / STOREDIST,
//! GEORADIUSBYMEMBER … STORE / STOREDIST and GEOSEARCHSTORE whose source and
//! destination live on different shards.
//!
//! Round one runs the whole search on the source's shard ([`GeoOp::Search`]),
//! which answers either the reply (an error, found there in Redis's order)
//! or the pairs to store; round two stores them on the destination's shard
//! with the sorted set family's store part (`ZOp::Store`, built as Redis
//! builds a search result: a skiplist made compact when it fits), whose
//! reply (the count) is the command's. The connection is held between the
//! rounds. Like every cross-shard store, it is atomic per shard only.

use kevy_rt::{Args, Gather, OwnedArgs, Planned, Router};

use super::search::{search, store_pairs, write_points, Cmd};
use crate::base::error::cstr;
use crate::base::resp::Reply;
use crate::cross::{self, bytes_of, encoded, Op, Part, PartReply, Plan};
use crate::family::zset::{put_pairs, ZOp};
use crate::model::value::Bytes;
use crate::store::db::{Clock, Db};

pub use crate::cross::ops::GeoOp;

/// What the origin keeps of a storing search between rounds.
#[derive(Debug)]
pub enum GeoPlan {
    /// Round one: the destination key and its shard.
    Search {
        /// Destination shard.
        shard: usize,
        /// Destination key.
        dst: Bytes,
    },
    /// Round two: the store part's reply is the command's.
    Relay,
}

crate::cross::family_plan!(GeoPlan => gather);

/// A search part's tag: the reply follows.
const REPLY: u8 = 0;
/// A search part's tag: the pairs to store follow.
const PAIRS: u8 = 1;

/// Runs a GEO part.
pub fn execute_part(db: &mut Db, op: GeoOp, args: Args<'_>, now: &Clock, resp3: bool) -> PartReply {
    match op {
        GeoOp::Search => {
            let mut buf = vec![REPLY];
            match search(db, args, Cmd::of(args), now) {
                Ok(found) => match found.opts.store {
                    Some((_, storedist)) => {
                        buf[0] = PAIRS;
                        put_pairs(&mut buf, store_pairs(&found, storedist).into_iter());
                    }
                    None => write_points(&mut Reply::new(&mut buf, resp3), &found),
                },
                Err(e) => e.write(args, &mut buf),
            }
            encoded(buf)
        }
    }
}

/// The destination a GEORADIUS / GEORADIUSBYMEMBER stores into, found as its
/// option loop finds it (the last STORE or STOREDIST wins); `None` when it
/// does not store (or its options are wrong, which the search reports).
fn store_key(args: Args<'_>, base: usize) -> Option<usize> {
    let mut dst = None;
    let mut i = base;
    while i < args.len() {
        let arg = cstr(args.at(i));
        let is = |w: &[u8]| arg.eq_ignore_ascii_case(w);
        let has_next = i + 1 < args.len();
        if is(b"count") && has_next {
            i += 1;
        } else if (is(b"store") || is(b"storedist")) && has_next {
            dst = Some(i + 1);
            i += 1;
        } else if !["withdist", "withhash", "withcoord", "any", "asc", "desc"]
            .iter()
            .any(|w| is(w.as_bytes()))
        {
            return dst;
        }
        i += 1;
    }
    dst
}

/// Plans a search whose keys may span shards: whole on the source's shard
/// when it reads or stores there, else the two rounds.
fn plan_search(
    args: Args<'_>,
    dst: Option<usize>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    let src = router.shard_of(args.at(Cmd::of(args).src()));
    let dst = match dst {
        Some(d) if router.shard_of(args.at(d)) != src => d,
        _ => return cross::whole(args, src, parts),
    };
    parts.push((src, Part::new(Op::Geo(GeoOp::Search), args.to_owned_args())));
    Planned {
        plan: Plan::of(GeoPlan::Search {
            shard: router.shard_of(args.at(dst)),
            dst: Bytes::from_slice(args.at(dst)),
        }),
        hold: true,
    }
}

/// Plans GEORADIUS (keys: the source, and a STORE / STOREDIST destination).
pub fn plan_georadius(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    plan_search(args, store_key(args, 6), router, parts)
}

/// Plans GEORADIUSBYMEMBER (keys: the source, and a STORE / STOREDIST
/// destination).
pub fn plan_georadiusbymember(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    plan_search(args, store_key(args, 5), router, parts)
}

/// Plans GEOSEARCHSTORE whose destination and source live on different
/// shards.
pub fn plan_geosearchstore(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    plan_search(args, Some(1), router, parts)
}

/// Reduces a round of a storing search.
pub fn gather(
    plan: &mut GeoPlan,
    replies: Vec<PartReply>,
    next: &mut Vec<(usize, Part)>,
    out: &mut Reply<'_>,
) -> Gather {
    let bytes = replies.first().map_or(&[][..], bytes_of);
    match plan {
        GeoPlan::Relay => out.extend_from_slice(bytes),
        GeoPlan::Search { shard, dst } => match bytes.split_first() {
            Some((&PAIRS, pairs)) => {
                let args: OwnedArgs = [&dst[..], pairs, b"set"].into_iter().collect();
                next.push((*shard, Part::new(Op::Zset(ZOp::Store), args)));
                *plan = GeoPlan::Relay;
                return Gather::Again;
            }
            Some((_, reply)) => out.extend_from_slice(reply),
            None => {}
        },
    }
    Gather::Done
}
