//! Multi-shard commands: the parts sent to shards, their replies, and the
//! origin-side plans that reduce them.
//!
//! A multi-key command whose keys span shards (MGET, MSET, MSETNX, DEL,
//! UNLINK, EXISTS, TOUCH) is split into one [`Part`] per shard carrying that
//! shard's keys; a whole-keyspace command (DBSIZE, FLUSHDB, FLUSHALL, KEYS) sends
//! the same part to every shard. Each part runs as one shard-local operation
//! and answers a [`PartReply`]; `dispatch::gather` (in the layer above the
//! families) reduces them as the [`Plan`] says:
//! a sum, an all-OK, MGET's values put back in request order, KEYS'
//! concatenation, or MSETNX's second round. The list and set families' parts
//! and plans live in [`coll`], the generic key commands' (RENAME, COPY,
//! SCAN, RANDOMKEY, SWAPDB, SORT) in [`keys`], each behind one variant of
//! each type. A part may carry a whole value ([`Part::value`]) to another
//! shard.
//!
//! Cross-shard MSET and MSETNX are not atomic with respect to other clients:
//! another command may run on one shard between the parts. MSETNX holds its
//! connection between its two rounds, so its own later commands wait.
//!
//! A movable-keys command (the table's `Run::Movable`) whose keys all live on one shard
//! runs there whole ([`whole`]). The sorted set, bitmap and HyperLogLog
//! families bring their own parts and plans ([`Op::Zset`], [`Op::Bits`],
//! [`Op::Hll`]): they fetch what the command reads to the origin, compute
//! there, and store a result on the destination's shard in a second round.
//!
//! This layer sits below the families: it names their part operations
//! ([`ops`]) and replies, never their code. A family's origin-side state
//! between rounds is a [`FamilyPlan`] ([`Plan::Family`]), gathered through
//! the trait; running parts and the server plans' reductions sit above the
//! families (`dispatch`).

use kevy_rt::{Args, Gather, OwnedArgs, Planned, Router};

use crate::base::resp::Reply;

pub mod admin;
pub mod coll;
pub mod keys;
pub mod ops;
pub mod routes;
pub mod spare;

use ops::{BitsOp, GeoOp, HllOp, StreamOp, ZOp};

/// What a part does on its shard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// GET each key; reply the encoded values.
    Mget,
    /// Delete the keys; reply the count.
    Del,
    /// Delete the keys, freeing big values in the background; reply the count.
    Unlink,
    /// Count the live keys (with repeats).
    Exists,
    /// Count the live keys (with repeats), counting an access to each.
    Touch,
    /// Set `key value` pairs.
    Mset,
    /// Set `key value` pairs, dropping any deadline (MSETNX's second round).
    MsetnxSet,
    /// Count the keys that exist (MSETNX's first round).
    MsetnxProbe,
    /// Number of keys in the database.
    Dbsize,
    /// Empty the selected database.
    Flushdb,
    /// Empty every database.
    Flushall,
    /// The keys matching the pattern argument.
    Keys,
    /// A list or set operation (see [`coll`]).
    Coll(coll::CollOp),
    /// Run the whole command (its arguments) with its key handler; reply the
    /// reply bytes.
    Whole,
    /// Run one command queued by `MULTI` (arguments `db verb args…`); reply
    /// its reply bytes (run by the crate root's `exec`).
    Exec,
    /// A sorted set part.
    Zset(ZOp),
    /// A bitmap (or LCS) part.
    Bits(BitsOp),
    /// A HyperLogLog part.
    Hll(HllOp),
    /// A GEO part.
    Geo(GeoOp),
    /// A generic key operation (see [`keys`]).
    Key(keys::KeyOp),
    /// A stream read over some of its keys (XREAD, XREADGROUP).
    Stream(StreamOp),
    /// A server command's part (see [`admin`]); run with the shard's
    /// connections by the command set, not by [`crate::dispatch::execute_part`].
    Server(admin::ServerOp),
    /// Run a whole script (the `EVAL`… arguments) on the shard owning its
    /// declared keys (run by the crate root's `script`).
    Script,
    /// [`Op::Script`] run without locks, as a keyed command is (the
    /// script's fast path): answered [`PartReply::Busy`] without running
    /// while an isolated operation is partway on the shard.
    ScriptFree,
    /// One call of a script running on another shard (`db resp verb
    /// args…`; run by the crate root's `script`).
    ScriptCall,
}

/// One shard's share of a multi-shard command.
#[derive(Debug)]
pub struct Part {
    /// What to do.
    pub op: Op,
    /// Its arguments: keys, `key value` pairs, or a pattern.
    pub args: OwnedArgs,
    /// A value travelling with the part (RENAME's and COPY's puts).
    pub value: Option<Box<keys::Carried>>,
    /// The database to run in instead of the operation's (a multi-shard
    /// command inside `EXEC`, after a `SELECT` in the transaction).
    pub db: Option<u32>,
    /// The protocol to reply in instead of the operation's (a multi-shard
    /// call of a script, in the script's protocol, not its client's).
    pub resp3: Option<bool>,
}

impl Part {
    /// A part carrying no value.
    pub fn new(op: Op, args: OwnedArgs) -> Part {
        Part {
            db: None,
            resp3: None,
            op,
            args,
            value: None,
        }
    }
}

/// The result of a [`Part`].
#[derive(Debug, PartialEq, Eq)]
pub enum PartReply {
    /// A count.
    Int(i64),
    /// Done.
    Ok,
    /// RESP-encoded items back to back; `ends[i]` is where item `i` ends.
    Encoded {
        /// The items.
        buf: Vec<u8>,
        /// End offset of each item.
        ends: Vec<u32>,
    },
    /// The result of a list or set operation.
    Coll(coll::CollReply),
    /// The result of a generic key operation.
    Key(keys::KeyReply),
    /// The result of a server command's part.
    Server(admin::ServerReply),
    /// A script part found it needs another shard: its writes are undone;
    /// the operation restarts with every shard locked.
    Restart,
    /// An [`Op::ScriptFree`] part did not run: the shard takes part in an
    /// isolated operation; the script goes through the locks instead.
    Busy,
    /// A script's reply with errors its calls counted already on the
    /// part's shard, or nested errors: how the origin counts them.
    Counted(Vec<u8>, Box<crate::accounting::ErrorCounts>),
}

/// How the origin shard reduces part replies.
#[derive(Debug)]
pub enum Plan {
    /// Sum of the counts.
    Sum,
    /// `+OK` once every part is done.
    Ok,
    /// MGET: `slots[i]` is the (part, item) holding the value of key `i`.
    Mget {
        /// Where each requested key's value is.
        slots: Vec<(u32, u32)>,
    },
    /// KEYS: the concatenation of every part's keys.
    Keys,
    /// MSETNX: round 1 probes; `set` is round 2, sent only when no key exists.
    Msetnx {
        /// The setting parts, taken when round 2 starts.
        set: Vec<(usize, Part)>,
    },
    /// A list or set operation (see [`coll`]).
    Coll(coll::CollPlan),
    /// A generic key operation (see [`keys`]).
    Key(keys::KeyPlan),
    /// A server command (see [`admin`]); gathered by the command set.
    Server(admin::ServerPlan),
    /// A command that has no plan (never produced for a command the table
    /// routes to planning); gathers to an error.
    Misrouted,
    /// The reply of the one [`Op::Whole`] part.
    Whole,
    /// A reply known when planning (an argument error): no part is sent.
    Reply(Vec<u8>),
    /// A family's own multi-round operation (a sorted set, bitmap,
    /// HyperLogLog, GEO or stream operation, a set combination, LMPOP,
    /// RENAME, COPY, SCAN, SORT, a blocking pop inside `MULTI`).
    Family(Box<dyn FamilyPlan>),
}

/// What a family keeps on the origin shard between the rounds of its
/// multi-shard operation: it reduces each round's part replies.
pub trait FamilyPlan: std::fmt::Debug {
    /// Reduces one round: writes the reply ([`Gather::Done`]), or pushes the
    /// next round's parts to `next` ([`Gather::Again`]).
    fn gather(
        &mut self,
        replies: Vec<PartReply>,
        next: &mut Vec<(usize, Part)>,
        out: &mut Reply<'_>,
    ) -> Gather;
}

/// Implements [`FamilyPlan`] for a plan type by its family's gather function,
/// which takes the plan, the round's replies, the next round's parts and the
/// reply: `family_plan!(ZPlan => gather);`, or with `&` before the function
/// when it borrows the replies (`family_plan!(AlgebraPlan => &gather_algebra);`).
macro_rules! family_plan {
    ($plan:ty => & $gather:path) => {
        $crate::cross::family_plan!(@impl $plan, |plan, replies, next, out| {
            $gather(plan, &replies, next, out)
        });
    };
    ($plan:ty => $gather:path) => {
        $crate::cross::family_plan!(@impl $plan, |plan, replies, next, out| {
            $gather(plan, replies, next, out)
        });
    };
    (@impl $plan:ty, |$p:ident, $r:ident, $n:ident, $o:ident| $call:expr) => {
        impl $crate::cross::FamilyPlan for $plan {
            fn gather(
                &mut self,
                $r: ::std::vec::Vec<$crate::cross::PartReply>,
                $n: &mut ::std::vec::Vec<(usize, $crate::cross::Part)>,
                $o: &mut $crate::base::resp::Reply<'_>,
            ) -> ::kevy_rt::Gather {
                let $p = self;
                $call
            }
        }
    };
}
pub(crate) use family_plan;

impl Plan {
    /// A family's plan ([`Plan::Family`]).
    pub fn of(plan: impl FamilyPlan + 'static) -> Plan {
        Plan::Family(Box::new(plan))
    }
}

/// Groups the keys of `args` (from index 1, `step` apart, each followed by its
/// `step - 1` companions) by shard, pushing one part per shard, in the order
/// the shards first appear. Returns, for each key in request order, its
/// (part index, position in part).
pub fn scatter(
    args: Args<'_>,
    step: usize,
    op: Op,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Vec<(u32, u32)> {
    let mut owner = spare::slots(args.len() / step.max(1));
    scatter_each(args, step, op, router, parts, |p, pos| owner.push((p, pos)));
    owner
}

/// [`scatter`] for a plan that needs no key's place (MSET, DEL, EXISTS):
/// nothing but the parts is allocated.
pub fn scatter_parts(
    args: Args<'_>,
    step: usize,
    op: Op,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) {
    scatter_each(args, step, op, router, parts, |_, _| {});
}

/// The longest stretch of arguments [`scatter`] copies whole into every
/// part (times the number of shards): beyond it, each part copies its own
/// arguments only.
const STRETCH_BYTES: usize = 16 * 1024;

/// [`scatter`]'s walk: `each(part index, position in part)` per key.
fn scatter_each(
    args: Args<'_>,
    step: usize,
    op: Op,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
    mut each: impl FnMut(u32, u32),
) {
    let step = step.max(1);
    let first = parts.len();
    // Room for an even share of the arguments and a bit: most groups
    // never grow while filled.
    let nshards = router.nshards();
    let room = |n: usize| n / nshards + n / (2 * nshards) + 8;
    let nargs = args.len();
    let arg_room = room(nargs);
    let nkeys = (nargs.saturating_sub(1)).div_ceil(step);
    // The arguments after the verb, when they lie in one short stretch of
    // their buffer (a decoded request): each part copies the stretch once
    // and picks its arguments out of it, instead of one copy per argument.
    let (raw, spans) = args.raw();
    let stretch = match (spans.get(1), spans.last()) {
        (Some(first), Some(last))
            if nshards * (last.end.saturating_sub(first.start) as usize) <= STRETCH_BYTES
                && last.end as usize <= raw.len()
                && spans[1..]
                    .iter()
                    .all(|s| s.start >= first.start && s.end <= last.end && s.start <= s.end) =>
        {
            Some((
                first.start as usize,
                &raw[first.start as usize..last.end as usize],
            ))
        }
        _ => None,
    };
    routes::take(nkeys, |hashes| {
        let mut i = 1;
        let mut key = 0;
        while i < args.len() {
            let shard = match hashes {
                // Hashed when its lock was declared (`routes`).
                Some(h) => router.shard_of_hash(h[key]),
                None => router.shard_of(args.at(i)),
            };
            key += 1;
            // A few shards at most: a scan beats a table.
            let p = match parts[first..].iter().position(|(s, _)| *s == shard) {
                Some(p) => first + p,
                None => {
                    let group = match stretch {
                        Some((_, bytes)) => {
                            // A kept list comes back empty: the stretch
                            // starts at its byte 0.
                            let mut g = spare::args(arg_room, bytes.len());
                            let at = g.push_bytes(bytes);
                            debug_assert_eq!(at, 0);
                            g
                        }
                        None => spare::args(arg_room, room(args.byte_len())),
                    };
                    parts.push((shard, Part::new(op, group)));
                    parts.len() - 1
                }
            };
            let group = &mut parts[p].1.args;
            each(p as u32, (group.len() / step) as u32);
            let end = (i + step).min(spans.len());
            match stretch {
                Some((lo, _)) => {
                    for s in &spans[i..end] {
                        group.push_within(s.start as usize - lo, s.end as usize - lo);
                    }
                }
                None => {
                    for j in i..end {
                        group.push(args.at(j));
                    }
                }
            }
            i += step;
        }
    });
}

/// Sends the same part (`op` with `args`) to every shard.
pub fn broadcast(op: Op, args: &[&[u8]], router: &Router, parts: &mut Vec<(usize, Part)>) {
    for shard in 0..router.nshards() {
        let args: OwnedArgs = args.iter().collect();
        parts.push((shard, Part::new(op, args)));
    }
}

/// A plan that holds nothing back.
pub fn planned(plan: Plan) -> Planned<Plan> {
    Planned { plan, hold: false }
}

/// A plan that holds its connection until it replies.
pub fn held(plan: Plan) -> Planned<Plan> {
    Planned { plan, hold: true }
}

/// Plans the whole command on `shard`, which owns all its keys.
pub fn whole(args: Args<'_>, shard: usize, parts: &mut Vec<(usize, Part)>) -> Planned<Plan> {
    parts.push((
        shard,
        Part {
            db: None,
            resp3: None,
            op: Op::Whole,
            args: args.to_owned_args(),
            value: None,
        },
    ));
    planned(Plan::Whole)
}

/// A plan that sends nothing and replies `reply` (an argument error found
/// while planning).
pub fn reply(reply: Vec<u8>) -> Planned<Plan> {
    planned(Plan::Reply(reply))
}

/// The shard owning all of `keys`, if one does (`None` for no key or several
/// shards).
pub fn one_shard<'a>(router: &Router, mut keys: impl Iterator<Item = &'a [u8]>) -> Option<usize> {
    let first = router.shard_of(keys.next()?);
    keys.all(|k| router.shard_of(k) == first).then_some(first)
}

/// A part reply carrying finished reply bytes.
pub fn encoded(buf: Vec<u8>) -> PartReply {
    let ends = vec![u32::try_from(buf.len()).unwrap_or(u32::MAX)];
    PartReply::Encoded { buf, ends }
}

/// The bytes of an [`encoded`] part reply (empty for any other reply).
pub fn bytes_of(r: &PartReply) -> &[u8] {
    match r {
        PartReply::Encoded { buf, .. } => buf,
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scatter_keeps_request_order() {
        let router = Router::new(3);
        let args: OwnedArgs = ["MSET", "a", "1", "b", "2", "c", "3", "d", "4"]
            .into_iter()
            .collect();
        let mut parts = Vec::new();
        let slots = scatter(args.args(), 2, Op::Mset, &router, &mut parts);
        assert_eq!(slots.len(), 4);
        for (i, key) in ["a", "b", "c", "d"].iter().enumerate() {
            let (p, pos) = slots[i];
            let (shard, part) = &parts[p as usize];
            assert_eq!(*shard, router.shard_of(key.as_bytes()));
            assert_eq!(part.args.args().at(pos as usize * 2), key.as_bytes());
        }
    }

    /// Each part holds exactly its keys and values, in request order, whether
    /// it copied the request's stretch whole or argument by argument.
    fn parts_hold_their_pairs(args: Args<'_>) {
        let router = Router::new(2);
        let mut parts = Vec::new();
        scatter_parts(args, 2, Op::Mset, &router, &mut parts);
        for (shard, part) in &parts {
            let want: Vec<&[u8]> = (1..args.len())
                .step_by(2)
                .filter(|&i| router.shard_of(args.at(i)) == *shard)
                .flat_map(|i| [args.at(i), args.at(i + 1)])
                .collect();
            assert_eq!(part.args.args().iter().collect::<Vec<_>>(), want);
        }
        assert_eq!(parts.len(), 2);
    }

    #[test]
    fn scatter_picks_arguments_out_of_one_stretch() {
        // A decoded request: arguments inside their framing.
        let mut raw = Vec::new();
        let mut spans = Vec::new();
        let words: Vec<String> = ["MSET".to_string()]
            .into_iter()
            .chain((0..16).flat_map(|i| [format!("key:{i}"), format!("v{i}")]))
            .collect();
        for w in &words {
            raw.extend_from_slice(format!("${}\r\n", w.len()).as_bytes());
            spans.push(kevy_rt::Span::new(raw.len(), raw.len() + w.len()));
            raw.extend_from_slice(w.as_bytes());
            raw.extend_from_slice(b"\r\n");
        }
        parts_hold_their_pairs(Args::new(&raw, &spans));
        // Too long to copy whole into every part: copied per argument.
        let big = "x".repeat(STRETCH_BYTES);
        let owned: OwnedArgs = words
            .iter()
            .enumerate()
            .map(|(i, w)| if i == 2 { big.as_str() } else { w.as_str() })
            .collect();
        parts_hold_their_pairs(owned.args());
    }
}
