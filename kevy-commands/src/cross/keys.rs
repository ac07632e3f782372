//! The multi-shard operations of the generic key commands.
//!
//! - **RENAME / RENAMENX** across two shards (the keys family's `RenamePlan`): RENAMENX first
//!   probes both keys (the source must exist, the destination must not);
//!   then round *take* removes the source with its deadline, round *put*
//!   stores both at the destination. Should a RENAMENX destination have
//!   appeared meanwhile (another client), the value goes back to the source
//!   (*restore*) and the reply is 0: the value is never lost.
//! - **COPY** across two shards (the keys family's `CopyPlan`): the source's shard parses
//!   the command (it knows the number of databases), checks it and clones
//!   the value with its deadline; the destination's shard stores the clone.
//! - **SWAPDB**, **RANDOMKEY**: every shard swaps its two databases / offers
//!   a random key and its database size; the origin picks one key, weighted
//!   by size.
//! - **SCAN** (the keys family's `ScanPlan`): the cursor names a shard and a position in its
//!   table; a call continues on the next shards while it has seen fewer keys
//!   than COUNT.
//! - **SORT** (the sort family's `SortPlan`): see there.
//!
//! Those four keep their state in a [`super::FamilyPlan`]; the parts run,
//! and the plans below are reduced, by `dispatch::keys`.
//!
//! Values travel between shards whole ([`Carried`]): any [`Value`] type
//! moves or copies the same way.

use kevy_rt::OwnedArgs;

use super::{Part, PartReply, Plan};
use crate::base::error::OpResult;
use crate::base::resp;
use crate::base::resp::Reply;
use crate::model::value::{Bytes, Value};
use crate::store::db::Ms;

/// A value on its way between shards, with its deadline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Carried {
    /// The value.
    pub value: Value,
    /// Its deadline, if any.
    pub at: Option<Ms>,
}

/// The elements to sort, in the source's order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Source {
    /// The order means something (a list): BY nosort keeps it, and LIMIT
    /// takes a range of it.
    pub ordered: bool,
    /// The elements.
    pub elems: Vec<Bytes>,
}

/// What a part of a generic key operation does on its shard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyOp {
    /// Removes the key in argument 0; replies its value and deadline.
    Take,
    /// Stores the carried value at argument 0, replacing any value.
    Put,
    /// Stores the carried value at argument 0 unless the key exists (then
    /// hands the value back).
    PutNx,
    /// COPY's first round: the arguments are the whole command; parses it,
    /// then clones the source.
    CopyOut,
    /// COPY's second round: stores the carried value at argument 0 in
    /// database argument 1, replacing a value when argument 2 is `1`.
    CopyIn,
    /// Swaps the databases in arguments 0 and 1.
    Swapdb,
    /// A random key and the database size.
    Random,
    /// One SCAN step: cursor, budget, then SCAN's options.
    Scan,
    /// A whole SORT on the shard holding every key it uses (SORT_RO, and
    /// called from a script).
    SortWhole(bool, bool),
    /// Reads the elements SORT sorts (argument 0).
    SortLoad,
    /// Looks up `key, field-flag, field` triples for SORT's BY and GET.
    SortFetch,
    /// Stores a SORT result: argument 0 becomes a list of the others.
    SortStore,
}

/// The result of a [`KeyOp`].
#[derive(Debug, PartialEq, Eq)]
pub enum KeyReply {
    /// A take: the value and its deadline, or nothing when the key is gone.
    Taken(Option<Box<Carried>>),
    /// A put: `None` when stored, else the value handed back.
    Put(Option<Box<Carried>>),
    /// COPY's first round: the clone (none for a missing source), the
    /// destination database and the REPLACE flag; or the command's error.
    Copied(OpResult<(Option<Box<Carried>>, u32, bool)>),
    /// Done, or an error.
    Done(OpResult<()>),
    /// RANDOMKEY: the database size and a random live key.
    Random {
        /// Keys in the database.
        len: usize,
        /// A random live key.
        key: Option<Bytes>,
    },
    /// One SCAN step.
    Scanned {
        /// The shard's next cursor (0: done with this shard).
        next: u64,
        /// Keys visited, before filtering (they count against COUNT).
        seen: usize,
        /// The keys that passed the filters.
        keys: Vec<Bytes>,
    },
    /// A whole command's reply bytes.
    Encoded(Vec<u8>),
    /// SORT's elements, and whether their order is meaningful (a list).
    Loaded(OpResult<Source>),
    /// SORT's looked-up values.
    Values(Vec<Option<Bytes>>),
}

/// Origin-side state of a generic key operation.
#[derive(Debug)]
pub enum KeyPlan {
    /// Copy the single part's reply.
    Whole,
    /// SWAPDB: `+OK` unless a shard refused.
    Swapdb,
    /// RANDOMKEY: one key among the shards' offers.
    Random,
}

/// A part of a generic key operation.
pub fn part(op: KeyOp, args: OwnedArgs) -> Part {
    Part::new(super::Op::Key(op), args)
}

/// A part carrying `value`.
pub fn part_with(op: KeyOp, args: OwnedArgs, value: Box<Carried>) -> Part {
    Part {
        db: None,
        resp3: None,
        value: Some(value),
        ..part(op, args)
    }
}

/// A plan that holds its connection until it replies.
pub fn held(p: KeyPlan) -> kevy_rt::Planned<Plan> {
    kevy_rt::Planned {
        plan: Plan::Key(p),
        hold: true,
    }
}

/// A plan that holds nothing back.
pub fn plan(p: KeyPlan) -> kevy_rt::Planned<Plan> {
    super::planned(Plan::Key(p))
}

/// The key reply of a part reply (`None` for another kind).
pub fn reply_of(r: &PartReply) -> Option<&KeyReply> {
    match r {
        PartReply::Key(k) => Some(k),
        _ => None,
    }
}

/// The key reply of a part reply, by value.
pub fn into_reply(r: PartReply) -> Option<KeyReply> {
    match r {
        PartReply::Key(k) => Some(k),
        _ => None,
    }
}

/// The reply for a part reply of an unexpected kind (never sent by a shard).
pub fn internal(out: &mut Reply<'_>) {
    resp::error(out, b"ERR internal error: unexpected part reply");
}

#[cfg(test)]
mod tests;
