//! The multi-shard operations of the list and set families, when their keys
//! live on several shards (keys sharing a `{tag}` run on one shard, atomically,
//! through the ordinary handlers).
//!
//! - **Whole**: a command with a `numkeys` argument (LMPOP, SINTERCARD) is
//!   always planned; when its keys share a shard the plan sends the whole
//!   command there and copies its reply.
//! - **Set algebra** (SINTER, SUNION, SDIFF, their STORE forms, SINTERCARD):
//!   each shard combines its own keys ([`CollOp::SetPartial`]); the origin
//!   combines the partial results. The STORE forms then store the result at
//!   the destination's shard in a second round ([`CollOp::SetStore`]).
//! - **Moves** (SMOVE, LMOVE, RPOPLPUSH): round 1 probes source and
//!   destination as Redis checks them (source missing → nothing, then the
//!   types of both); round 2 takes the member from the source; round 3 gives
//!   it to the destination. Should the destination have changed type
//!   between rounds 1 and 3 (another client), round 4 gives the member back
//!   to the source, so nothing is lost, and the reply is Redis's WRONGTYPE.
//! - **LMPOP**: round 1 asks each shard for its first key (in argument
//!   order) that is a non-empty list or of the wrong type; round 2 pops from
//!   the earliest such key over all shards. If that list emptied in between,
//!   round 1 runs again.
//!
//! Multi-round operations hold their connection (`Planned::hold`).

use kevy_rt::{Gather, OwnedArgs};

use super::{Op, Part, PartReply, Plan};
use crate::base::error::{Error, OpResult};
use crate::base::resp;
use crate::base::resp::Reply;
use crate::model::types::list::End;
use crate::model::value::Bytes;

/// A command run whole on one shard by a plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Whole {
    /// LMPOP.
    Lmpop,
    /// SINTERCARD.
    Sintercard,
}

/// How a shard combines its sets for the origin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algebra {
    /// The intersection of its keys (empty if one is missing).
    Inter,
    /// The union of its keys.
    Union,
    /// SDIFF on the shard of the first key: the first set minus the others,
    /// led by the sizes Redis picks its algorithm by ([`DiffSizes`]).
    DiffFirst,
    /// SDIFF on another shard: the union of its keys (to subtract), led by
    /// their sizes ([`DiffSizes`]).
    DiffRest,
}

/// What a shard's SDIFF partial tells the origin besides its members: the
/// sizes Redis chooses its algorithm by, which decide the encoding an
/// SDIFFSTORE result is stored in. Travels as the partial's argument 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DiffSizes {
    /// The shard's keys that hold a set.
    pub present: usize,
    /// Their members, summed.
    pub total: usize,
    /// The first set's size (its shard only; 0 when missing).
    pub first: usize,
    /// The first set would fit an intset (its shard only).
    pub first_fits: bool,
}

impl DiffSizes {
    /// The sizes as one argument.
    pub fn encode(&self) -> Vec<u8> {
        let fits = u8::from(self.first_fits);
        format!("{} {} {} {fits}", self.present, self.total, self.first).into_bytes()
    }

    /// Reads [`DiffSizes::encode`]'s argument (`None`: not one).
    pub fn decode(arg: &[u8]) -> Option<DiffSizes> {
        let text = std::str::from_utf8(arg).ok()?;
        let mut n = text.split(' ').map(|f| f.parse::<usize>().ok());
        Some(DiffSizes {
            present: n.next()??,
            total: n.next()??,
            first: n.next()??,
            first_fits: n.next()?? == 1,
        })
    }
}

/// What a part of a list or set operation does on its shard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CollOp {
    /// Runs the command in the part's arguments; replies its bytes.
    Whole(Whole),
    /// Combines the sets at the keys in the arguments.
    SetPartial(Algebra),
    /// Replaces the key in argument 0 by a set of the other arguments
    /// (deletes it when there are none); replies the size.
    SetStore {
        /// In the hash-table encoding even where an intset would do (what
        /// Redis's second SDIFF algorithm leaves).
        as_table: bool,
    },
    /// Probes the list at argument 0.
    ListProbe,
    /// Probes the set at argument 0 and whether argument 1 is a member.
    SetProbe,
    /// Pops one element from that end of the list at argument 0.
    ListTake(End),
    /// Pushes argument 1 at that end of the list at argument 0.
    ListGive(End),
    /// Removes member argument 1 from the set at argument 0.
    SetTake,
    /// Adds member argument 1 to the set at argument 0.
    SetGive,
    /// LMPOP round 1 over the keys in the arguments.
    LmpopProbe,
    /// Pops up to argument 1 elements from that end of the list at argument 0.
    LmpopPop(End),
}

/// What a probed key holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Probe {
    /// No key.
    Missing,
    /// A value of another type.
    WrongType,
    /// A value of the type; for a set, whether the member is in it.
    Present {
        /// The probed member is in the set (always true for lists).
        member: bool,
    },
}

/// The result of a [`CollOp`].
#[derive(Debug, PartialEq, Eq)]
pub enum CollReply {
    /// A whole command's reply bytes.
    Encoded(Vec<u8>),
    /// A combined set's members, or `WrongType`.
    Members(OpResult<OwnedArgs>),
    /// A count.
    Int(i64),
    /// A probe.
    Probe(Probe),
    /// What was taken: nothing when the key or member was gone.
    Taken(OpResult<Option<Bytes>>),
    /// A give: done, or `WrongType`.
    Given(OpResult<()>),
    /// LMPOP round 1: the position (in the part) of the first key that is a
    /// non-empty list (`false`) or of the wrong type (`true`).
    Found(Option<(u32, bool)>),
    /// LMPOP round 2: the popped elements, nothing if the list is gone.
    Popped(OpResult<Option<Vec<Bytes>>>),
}

/// Origin-side state of a list or set operation.
#[derive(Debug)]
pub enum CollPlan {
    /// Copy the single part's reply.
    Whole,
    /// A move, see [`MovePlan`].
    Move(MovePlan),
}

/// A collection part: `op` with its arguments.
pub fn part(op: CollOp, args: OwnedArgs) -> Part {
    Part::new(Op::Coll(op), args)
}

/// A plan that holds nothing back.
pub fn plan(p: CollPlan) -> kevy_rt::Planned<Plan> {
    super::planned(Plan::Coll(p))
}

/// A plan that holds its connection until it replies.
pub fn held(p: CollPlan) -> kevy_rt::Planned<Plan> {
    kevy_rt::Planned {
        plan: Plan::Coll(p),
        hold: true,
    }
}

/// The collection reply of a part reply (`None` for another kind).
pub fn reply_of(r: &PartReply) -> Option<&CollReply> {
    match r {
        PartReply::Coll(c) => Some(c),
        _ => None,
    }
}

/// Reduces one round of replies, or starts the next round.
pub fn gather(
    plan: &mut CollPlan,
    replies: Vec<PartReply>,
    next: &mut Vec<(usize, Part)>,
    out: &mut Reply<'_>,
) -> Gather {
    match plan {
        CollPlan::Whole => {
            for r in &replies {
                if let Some(CollReply::Encoded(bytes)) = reply_of(r) {
                    out.extend_from_slice(bytes);
                    return Gather::Done;
                }
            }
            resp::error(out, b"ERR internal error: no reply from shard");
            Gather::Done
        }
        CollPlan::Move(p) => gather_move(p, &replies, next, out),
    }
}

/// What a move moves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Moving {
    /// A list element, popped at `from` and pushed at `to` (LMOVE).
    List {
        /// The source end.
        from: End,
        /// The destination end.
        to: End,
        /// The element, once taken.
        element: Option<Bytes>,
    },
    /// A set member (SMOVE).
    Set {
        /// The member.
        member: Bytes,
    },
}

/// The rounds of a move.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Probing source and destination.
    Probe,
    /// Taking from the source.
    Take,
    /// Giving to the destination.
    Give,
    /// Giving back to the source after the destination turned out wrong.
    Restore,
    /// Over: the source held nothing to move ([`Commands::missed`](kevy_rt::Commands::missed)).
    Missed,
}

/// A cross-shard SMOVE, LMOVE or RPOPLPUSH.
#[derive(Debug)]
pub struct MovePlan {
    /// What moves.
    pub moving: Moving,
    /// Source key and shard.
    pub src: (Bytes, usize),
    /// Destination key and shard.
    pub dst: (Bytes, usize),
    /// The current round.
    pub stage: Stage,
}

impl MovePlan {
    /// Round 1: probes of the source and the destination.
    pub fn start(&self, parts: &mut Vec<(usize, Part)>) {
        let (src, dst) = (&self.src, &self.dst);
        match &self.moving {
            Moving::List { .. } => {
                parts.push((
                    src.1,
                    part(CollOp::ListProbe, [&src.0[..]].into_iter().collect()),
                ));
                parts.push((
                    dst.1,
                    part(CollOp::ListProbe, [&dst.0[..]].into_iter().collect()),
                ));
            }
            Moving::Set { member } => {
                let args = [&src.0[..], member].into_iter().collect();
                parts.push((src.1, part(CollOp::SetProbe, args)));
                let args = [&dst.0[..], member].into_iter().collect();
                parts.push((dst.1, part(CollOp::SetProbe, args)));
            }
        }
    }

    /// The reply when the source has nothing to move.
    /// Answers that the source held nothing to move.
    fn missed(&mut self, out: &mut Reply<'_>) {
        self.stage = Stage::Missed;
        self.nothing(out);
    }

    /// True when the move ended finding its source empty.
    pub fn is_missed(&self) -> bool {
        self.stage == Stage::Missed
    }

    fn nothing(&self, out: &mut Reply<'_>) {
        match self.moving {
            Moving::List { .. } => resp::null(out),
            Moving::Set { .. } => resp::int(out, 0),
        }
    }

    /// The part giving the moved value to `key` on `shard` (at `end` for a
    /// list).
    fn give(&self, to: (&[u8], usize), end: End) -> Option<(usize, Part)> {
        let (op, value) = match &self.moving {
            Moving::List { element, .. } => (CollOp::ListGive(end), element.as_ref()?),
            Moving::Set { member } => (CollOp::SetGive, member),
        };
        Some((to.1, part(op, [to.0, &value[..]].into_iter().collect())))
    }
}

fn wrongtype(out: &mut Reply<'_>) {
    resp::error(
        out,
        b"WRONGTYPE Operation against a key holding the wrong kind of value",
    );
}

/// One round of a move.
fn gather_move(
    p: &mut MovePlan,
    replies: &[PartReply],
    next: &mut Vec<(usize, Part)>,
    out: &mut Reply<'_>,
) -> Gather {
    let r = |i: usize| replies.get(i).and_then(reply_of);
    match p.stage {
        Stage::Probe => {
            let (Some(CollReply::Probe(src)), Some(CollReply::Probe(dst))) = (r(0), r(1)) else {
                resp::error(out, b"ERR internal error: bad probe");
                return Gather::Done;
            };
            match (src, dst) {
                (Probe::Missing, _) => p.missed(out),
                (Probe::WrongType, _) | (_, Probe::WrongType) => wrongtype(out),
                (Probe::Present { member: false }, _) => p.missed(out),
                (Probe::Present { member: true }, _) => {
                    let (key, shard) = (&p.src.0[..], p.src.1);
                    let take = match &p.moving {
                        Moving::List { from, .. } => {
                            part(CollOp::ListTake(*from), [key].into_iter().collect())
                        }
                        Moving::Set { member } => {
                            part(CollOp::SetTake, [key, &member[..]].into_iter().collect())
                        }
                    };
                    next.push((shard, take));
                    p.stage = Stage::Take;
                    return Gather::Again;
                }
            }
        }
        Stage::Take => match r(0) {
            Some(CollReply::Taken(Ok(Some(value)))) => {
                let end = match &mut p.moving {
                    Moving::List { element, to, .. } => {
                        *element = Some(value.clone());
                        *to
                    }
                    Moving::Set { .. } => End::Left,
                };
                if let Some(give) = p.give((&p.dst.0, p.dst.1), end) {
                    next.push(give);
                    p.stage = Stage::Give;
                    return Gather::Again;
                }
                resp::error(out, b"ERR internal error: nothing to give");
            }
            Some(CollReply::Taken(Err(e))) => e.write(kevy_rt::Args::new(&[], &[]), out),
            _ => p.missed(out),
        },
        Stage::Give => match r(0) {
            Some(CollReply::Given(Ok(()))) => match &p.moving {
                Moving::List { element, .. } => {
                    resp::bulk_or_null(out, element.as_deref());
                }
                Moving::Set { .. } => resp::int(out, 1),
            },
            _ => {
                let from = match &p.moving {
                    Moving::List { from, .. } => *from,
                    Moving::Set { .. } => End::Left,
                };
                if let Some(back) = p.give((&p.src.0, p.src.1), from) {
                    next.push(back);
                    p.stage = Stage::Restore;
                    return Gather::Again;
                }
                wrongtype(out);
            }
        },
        Stage::Restore => wrongtype(out),
        Stage::Missed => p.nothing(out),
    }
    Gather::Done
}

/// The members of a partial set reply, or its error.
pub fn members_of(r: Option<&CollReply>) -> Result<&OwnedArgs, Error> {
    match r {
        Some(CollReply::Members(Ok(m))) => Ok(m),
        Some(CollReply::Members(Err(e))) => Err(*e),
        _ => Err(Error::Message("ERR internal error: bad set part")),
    }
}

#[cfg(test)]
mod tests;
