//! BITOP and LCS across shards: the source strings are fetched to the origin
//! ([`BitsOp::Fetch`]), BITOP's result is then stored on the destination's
//! shard ([`BitsOp::Store`]) while the connection waits; LCS is computed on
//! the origin. Not atomic with respect to other clients (a source may change
//! between the fetch and the store).

use kevy_rt::{Args, Gather, OwnedArgs, Planned, Router};

use super::{compute_bitop, parse_bitop, store_string, BitOp};
use crate::base::error::Error;
use crate::base::num::I64_BUF;
use crate::base::resp;
use crate::base::resp::Reply;
use crate::cross::{self, bytes_of, encoded, Op, Part, PartReply, Plan};
use crate::family::string::lcs_reply;
use crate::model::value::Bytes;
use crate::store::db::{Clock, Db};

pub use crate::cross::ops::BitsOp;

/// What the origin keeps of a bitmap operation between rounds.
#[derive(Debug)]
pub enum BitsPlan {
    /// BITOP: the operation, where each source is, and the destination.
    Bitop {
        /// The operation.
        op: BitOp,
        /// `(part, item)` of each source.
        slots: Vec<(u32, u32)>,
        /// Destination shard.
        shard: usize,
        /// Destination key.
        dst: Bytes,
    },
    /// LCS: the command (for its options) and where its two strings are.
    Lcs {
        /// The whole command.
        args: OwnedArgs,
        /// `(part, item)` of each key.
        slots: Vec<(u32, u32)>,
    },
    /// A last round whose one part replied the reply bytes.
    Relay,
}

crate::cross::family_plan!(BitsPlan => gather);

const MISSING: u8 = 0;
const WRONG_TYPE: u8 = 1;
const STRING: u8 = 2;

/// Runs a bitmap part.
pub fn execute_part(db: &mut Db, op: BitsOp, args: Args<'_>, now: &Clock) -> PartReply {
    match op {
        BitsOp::Fetch => {
            let (mut buf, mut ends) = (Vec::new(), Vec::new());
            for key in args.iter() {
                let mut ib = I64_BUF;
                match db.get(key, now).map(|v| v.as_bytes(&mut ib)) {
                    None => buf.push(MISSING),
                    Some(Err(_)) => buf.push(WRONG_TYPE),
                    Some(Ok(s)) => {
                        buf.push(STRING);
                        buf.extend_from_slice(s);
                    }
                }
                ends.push(u32::try_from(buf.len()).unwrap_or(u32::MAX));
            }
            PartReply::Encoded { buf, ends }
        }
        BitsOp::Store => {
            store_string(db, args.at(0), args.at(1), now);
            let mut out = Vec::new();
            resp::int(&mut out, args.at(1).len() as i64);
            encoded(out)
        }
    }
}

/// Fetches the strings at `keys` (argument indexes), one part per shard.
fn fetch(
    args: Args<'_>,
    keys: std::ops::Range<usize>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Vec<(u32, u32)> {
    let mut f = OwnedArgs::new();
    f.push(b"");
    keys.for_each(|i| f.push(args.at(i)));
    cross::scatter(f.args(), 1, Op::Bits(BitsOp::Fetch), router, parts)
}

/// Plans a BITOP whose keys live on several shards.
pub fn plan_bitop(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    let op = match parse_bitop(args) {
        Ok(op) => op,
        Err(e) => {
            let mut out = Vec::new();
            e.write(args, &mut out);
            return cross::reply(out);
        }
    };
    let slots = fetch(args, 3..args.len(), router, parts);
    Planned {
        plan: Plan::of(BitsPlan::Bitop {
            op,
            slots,
            shard: router.shard_of(args.at(2)),
            dst: Bytes::from_slice(args.at(2)),
        }),
        hold: true,
    }
}

/// Plans an LCS whose two keys live on different shards.
pub fn plan_lcs(args: Args<'_>, router: &Router, parts: &mut Vec<(usize, Part)>) -> Planned<Plan> {
    let slots = fetch(args, 1..3, router, parts);
    cross::planned(Plan::of(BitsPlan::Lcs {
        args: args.to_owned_args(),
        slots,
    }))
}

/// The fetched strings of `slots` (`None`: a key of another type).
fn strings<'a>(replies: &'a [PartReply], slots: &[(u32, u32)]) -> Option<Vec<Option<&'a [u8]>>> {
    slots
        .iter()
        .map(|&(part, i)| {
            let PartReply::Encoded { buf, ends } = replies.get(part as usize)? else {
                return None;
            };
            let i = i as usize;
            let start = if i == 0 {
                0
            } else {
                *ends.get(i - 1)? as usize
            };
            let item = buf.get(start..*ends.get(i)? as usize)?;
            match item.split_first() {
                Some((&STRING, s)) => Some(Some(s)),
                Some((&MISSING, _)) => Some(None),
                _ => None,
            }
        })
        .collect()
}

/// Reduces a round of a bitmap operation.
pub fn gather(
    plan: &mut BitsPlan,
    replies: Vec<PartReply>,
    next: &mut Vec<(usize, Part)>,
    out: &mut Reply<'_>,
) -> Gather {
    match plan {
        BitsPlan::Relay => replies
            .iter()
            .for_each(|r| out.extend_from_slice(bytes_of(r))),
        BitsPlan::Bitop {
            op,
            slots,
            shard,
            dst,
        } => {
            let Some(srcs) = strings(&replies, slots) else {
                Error::WrongType.write(OwnedArgs::new().args(), out);
                return Gather::Done;
            };
            let srcs: Vec<&[u8]> = srcs.into_iter().map(|s| s.unwrap_or(&[])).collect();
            let res = compute_bitop(*op, &srcs);
            let args: OwnedArgs = [&dst[..], &res[..]].into_iter().collect();
            next.push((
                *shard,
                Part {
                    db: None,
                    resp3: None,
                    op: Op::Bits(BitsOp::Store),
                    args,
                    value: None,
                },
            ));
            *plan = BitsPlan::Relay;
            return Gather::Again;
        }
        BitsPlan::Lcs { args, slots } => match strings(&replies, slots) {
            Some(ab) => {
                let a = ab.first().copied().flatten().unwrap_or(&[]);
                let b = ab.get(1).copied().flatten().unwrap_or(&[]);
                lcs_reply(args.args(), a, b, out);
            }
            None => Error::Message(crate::family::string::LCS_NOT_STRINGS).write(args.args(), out),
        },
    }
    Gather::Done
}
