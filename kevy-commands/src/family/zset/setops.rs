//! Set operations over sorted sets: ZUNION, ZINTER, ZDIFF, ZUNIONSTORE,
//! ZINTERSTORE, ZDIFFSTORE and ZINTERCARD (Redis's
//! `zunionInterDiffGenericCommand`), with WEIGHTS, AGGREGATE SUM|MIN|MAX,
//! WITHSCORES and LIMIT.
//!
//! The computation ([`compute`]) works on [`Src`]s: a sorted set read in
//! place when every key lives on this shard, or a snapshot fetched from
//! another shard (see [`super::multi`]); both give the same result.

use hashbrown::HashMap;
use kevy_rt::Args;

use super::{store, write_members};
use crate::base::error::{cstr, Error, OpResult};
use crate::base::float::parse_double;
use crate::base::num::int_arg;
use crate::base::resp;
use crate::base::resp::Reply;
use crate::family::Call;
use crate::model::value::Value;
use crate::model::zset::{before, ZSet};
use crate::store::db::{Clock, Db};

/// A WEIGHTS value that is not a float.
const BAD_WEIGHT: Error = Error::Message("ERR weight value is not a float");
/// A negative ZINTERCARD LIMIT.
const BAD_LIMIT: Error = Error::Message("ERR LIMIT can't be negative");

/// Which operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetOp {
    /// ZUNION, ZUNIONSTORE.
    Union,
    /// ZINTER, ZINTERSTORE, ZINTERCARD.
    Inter,
    /// ZDIFF, ZDIFFSTORE.
    Diff,
}

/// How scores of a member found in several inputs combine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aggregate {
    /// Add them (NaN from `inf + -inf` becomes 0).
    Sum,
    /// Keep the lowest.
    Min,
    /// Keep the highest.
    Max,
}

impl Aggregate {
    /// Redis's `zunionInterAggregate`.
    fn apply(self, target: &mut f64, val: f64) {
        match self {
            Aggregate::Sum => {
                *target += val;
                if target.is_nan() {
                    *target = 0.0;
                }
            }
            Aggregate::Min => {
                if val < *target {
                    *target = val;
                }
            }
            Aggregate::Max => {
                if val > *target {
                    *target = val;
                }
            }
        }
    }
}

/// One of the seven commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SetCmd {
    /// The operation.
    pub op: SetOp,
    /// Stores at argument 1 (the STORE forms).
    pub store: bool,
    /// ZINTERCARD: only the cardinality.
    pub card: bool,
    /// Full name, for the "at least 1 input key" error.
    pub name: &'static str,
}

impl SetCmd {
    /// Index of `numkeys`.
    pub fn numkeys_at(&self) -> usize {
        if self.store {
            2
        } else {
            1
        }
    }

    /// Parses `numkeys` and checks the keys are there: the errors Redis gives
    /// before reading any key. Returns the input keys' argument range.
    pub fn keys(&self, args: Args<'_>) -> OpResult<std::ops::Range<usize>> {
        let at = self.numkeys_at();
        let n = int_arg(args.at(at))?;
        if n < 1 {
            return Err(Error::NeedKeys(self.name));
        }
        let avail = (args.len() - (at + 1)) as i64;
        if n > avail {
            return Err(Error::Syntax);
        }
        Ok(at + 1..at + 1 + n as usize)
    }

    /// Parses the options after the keys (errors Redis gives after reading
    /// the keys).
    pub fn opts(&self, args: Args<'_>, keys: std::ops::Range<usize>) -> OpResult<SetOpts> {
        let setnum = keys.len();
        let mut o = SetOpts {
            weights: vec![1.0; setnum],
            aggregate: Aggregate::Sum,
            withscores: false,
            limit: 0,
        };
        let mut j = keys.end;
        while j < args.len() {
            let remaining = args.len() - j;
            let opt = cstr(args.at(j));
            let is = |w: &[u8]| opt.eq_ignore_ascii_case(w);
            let full = self.op != SetOp::Diff && !self.card;
            if full && remaining > setnum && is(b"weights") {
                for (i, w) in o.weights.iter_mut().enumerate() {
                    *w = parse_double(args.at(j + 1 + i)).ok_or(BAD_WEIGHT)?;
                }
                j += 1 + setnum;
            } else if full && remaining >= 2 && is(b"aggregate") {
                let a = cstr(args.at(j + 1));
                o.aggregate = if a.eq_ignore_ascii_case(b"sum") {
                    Aggregate::Sum
                } else if a.eq_ignore_ascii_case(b"min") {
                    Aggregate::Min
                } else if a.eq_ignore_ascii_case(b"max") {
                    Aggregate::Max
                } else {
                    return Err(Error::Syntax);
                };
                j += 2;
            } else if !self.store && !self.card && is(b"withscores") {
                o.withscores = true;
                j += 1;
            } else if self.card && remaining >= 2 && is(b"limit") {
                let n = int_arg(args.at(j + 1)).map_err(|_| BAD_LIMIT)?;
                o.limit = usize::try_from(n).map_err(|_| BAD_LIMIT)?;
                j += 2;
            } else {
                return Err(Error::Syntax);
            }
        }
        Ok(o)
    }
}

/// The options of a set operation.
#[derive(Clone, Debug, PartialEq)]
pub struct SetOpts {
    /// One weight per input key.
    pub weights: Vec<f64>,
    /// How scores combine.
    pub aggregate: Aggregate,
    /// Reply with scores.
    pub withscores: bool,
    /// ZINTERCARD's LIMIT (0: none).
    pub limit: usize,
}

/// A sorted set fetched from another shard: member → score.
pub type Snap = HashMap<Vec<u8>, f64>;

/// A plain set as a set-operation input: every member with score 1, as
/// Redis's `zuiInitIterator` reads sets. `None` for other values.
pub fn set_snap(v: &Value) -> Option<Snap> {
    let Value::Set(set) = v else {
        return None;
    };
    let mut buf = [0u8; 20];
    Some(
        set.iter()
            .map(|m| (m.bytes(&mut buf).to_vec(), 1.0))
            .collect(),
    )
}

/// An input of a set operation. A plain set arrives as a [`Src::Snap`] made
/// by [`set_snap`].
#[derive(Clone, Copy, Debug)]
pub enum Src<'a> {
    /// A missing key: empty.
    Missing,
    /// A sorted set on this shard.
    Zset(&'a ZSet),
    /// A sorted set fetched from another shard.
    Snap(&'a Snap),
}

impl<'a> Src<'a> {
    /// The input a stored value makes, or `WrongType`.
    pub fn of(v: Option<&'a Value>) -> OpResult<Src<'a>> {
        match v {
            None => Ok(Src::Missing),
            Some(Value::ZSet(z)) => Ok(Src::Zset(z)),
            Some(_) => Err(Error::WrongType),
        }
    }

    fn len(&self) -> usize {
        match self {
            Src::Missing => 0,
            Src::Zset(z) => z.len(),
            Src::Snap(s) => s.len(),
        }
    }

    fn find(&self, m: &[u8]) -> Option<f64> {
        match self {
            Src::Missing => None,
            Src::Zset(z) => z.score(m),
            Src::Snap(s) => s.get(m).copied(),
        }
    }

    fn for_each(&self, mut f: impl FnMut(&'a [u8], f64)) {
        match *self {
            Src::Missing => {}
            Src::Zset(z) => z.iter(0, false).for_each(|(m, s)| f(m, s)),
            Src::Snap(s) => s.iter().for_each(|(m, &v)| f(m, v)),
        }
    }
}

/// The result of a set operation.
pub enum Outcome<'a> {
    /// Members and scores, sorted.
    Members(Vec<(&'a [u8], f64)>),
    /// ZINTERCARD's count.
    Card(usize),
}

/// Computes `op` over `srcs` (in key order) as Redis does, scores combined in
/// its order (inputs by ascending size, ties in key order).
pub fn compute<'a>(cmd: &SetCmd, srcs: &[Src<'a>], o: &SetOpts) -> Outcome<'a> {
    let mut order: Vec<usize> = (0..srcs.len()).collect();
    if cmd.op != SetOp::Diff {
        order.sort_by_key(|&i| srcs[i].len());
    }
    let weight = |i: usize| o.weights.get(i).copied().unwrap_or(1.0);
    let mut out: Vec<(&'a [u8], f64)> = Vec::new();
    let mut card = 0usize;
    match cmd.op {
        SetOp::Inter => {
            let (first, rest) = order.split_first().map_or((0, &[][..]), |(f, r)| (*f, r));
            if srcs.get(first).map_or(0, Src::len) > 0 {
                let mut done = false;
                srcs[first].for_each(|m, s| {
                    if done {
                        return;
                    }
                    let mut score = weight(first) * s;
                    if score.is_nan() {
                        score = 0.0;
                    }
                    for &j in rest {
                        match srcs[j].find(m) {
                            Some(v) => o.aggregate.apply(&mut score, v * weight(j)),
                            None => return,
                        }
                    }
                    if cmd.card {
                        card += 1;
                        done = o.limit > 0 && card >= o.limit;
                    } else {
                        out.push((m, score));
                    }
                });
            }
        }
        SetOp::Union => {
            let mut acc: HashMap<&'a [u8], f64> = HashMap::new();
            for &i in &order {
                srcs[i].for_each(|m, s| {
                    let mut score = weight(i) * s;
                    if score.is_nan() {
                        score = 0.0;
                    }
                    match acc.get_mut(m) {
                        Some(cur) => o.aggregate.apply(cur, score),
                        None => {
                            acc.insert(m, score);
                        }
                    }
                });
            }
            out = acc.into_iter().collect();
        }
        SetOp::Diff => {
            if let Some((first, rest)) = srcs.split_first() {
                first.for_each(|m, s| {
                    if !rest.iter().any(|r| r.find(m).is_some()) {
                        out.push((m, s));
                    }
                });
            }
        }
    }
    if cmd.card {
        return Outcome::Card(card);
    }
    out.sort_unstable_by(|a, b| {
        if before(a.1, a.0, b.1, b.0) {
            std::cmp::Ordering::Less
        } else if before(b.1, b.0, a.1, a.0) {
            std::cmp::Ordering::Greater
        } else {
            std::cmp::Ordering::Equal
        }
    });
    Outcome::Members(out)
}

/// Writes a set operation's result as the reply of a command without a
/// destination.
pub fn write_outcome(out: &mut Reply<'_>, o: &SetOpts, outcome: Outcome<'_>) {
    match outcome {
        Outcome::Card(n) => resp::int(out, n as i64),
        Outcome::Members(items) => write_members(out, items.len(), items.into_iter(), o.withscores),
    }
}

/// Runs a set operation whose keys all live on this shard.
fn op_setop(
    db: &mut Db,
    args: Args<'_>,
    cmd: &SetCmd,
    now: &Clock,
    out: &mut Reply<'_>,
) -> OpResult<()> {
    let keys = cmd.keys(args)?;
    for i in keys.clone() {
        // Reclaims expired inputs, as Redis's lookups do.
        db.contains(args.at(i), now);
    }
    let stored = {
        let view: &Db = db;
        let sets: Vec<Option<Snap>> = keys
            .clone()
            .map(|i| view.get_ref(args.at(i), now).and_then(set_snap))
            .collect();
        let srcs = keys
            .clone()
            .zip(&sets)
            .map(|(i, set)| match set {
                Some(s) => Ok(Src::Snap(s)),
                None => Src::of(view.get_ref(args.at(i), now)),
            })
            .collect::<OpResult<Vec<_>>>()?;
        let opts = cmd.opts(args, keys)?;
        match compute(cmd, &srcs, &opts) {
            Outcome::Members(items) if cmd.store => ZSet::from_sorted(&items, &view.enc()),
            other => {
                write_outcome(out, &opts, other);
                return Ok(());
            }
        }
    };
    let n = store(db, args.at(1), stored, now);
    resp::int(out, n as i64);
    Ok(())
}

fn setop_generic(c: &mut Call<'_>, cmd: SetCmd) {
    if let Err(e) = op_setop(c.db, c.args, &cmd, &c.now, c.out) {
        e.write(c.args, c.out);
    }
}

/// The set operation of each command.
pub mod cmds {
    use super::{SetCmd, SetOp};

    /// ZUNION.
    pub const ZUNION: SetCmd = SetCmd {
        op: SetOp::Union,
        store: false,
        card: false,
        name: "zunion",
    };
    /// ZINTER.
    pub const ZINTER: SetCmd = SetCmd {
        op: SetOp::Inter,
        store: false,
        card: false,
        name: "zinter",
    };
    /// ZDIFF.
    pub const ZDIFF: SetCmd = SetCmd {
        op: SetOp::Diff,
        store: false,
        card: false,
        name: "zdiff",
    };
    /// ZUNIONSTORE.
    pub const ZUNIONSTORE: SetCmd = SetCmd {
        op: SetOp::Union,
        store: true,
        card: false,
        name: "zunionstore",
    };
    /// ZINTERSTORE.
    pub const ZINTERSTORE: SetCmd = SetCmd {
        op: SetOp::Inter,
        store: true,
        card: false,
        name: "zinterstore",
    };
    /// ZDIFFSTORE.
    pub const ZDIFFSTORE: SetCmd = SetCmd {
        op: SetOp::Diff,
        store: true,
        card: false,
        name: "zdiffstore",
    };
    /// ZINTERCARD.
    pub const ZINTERCARD: SetCmd = SetCmd {
        op: SetOp::Inter,
        store: false,
        card: true,
        name: "zintercard",
    };
}

/// ZUNION numkeys key \[key ...\] \[WEIGHTS weight \[weight ...\]\] \[AGGREGATE SUM | MIN | MAX\] \[WITHSCORES\]
pub fn zunion(c: &mut Call<'_>) {
    setop_generic(c, cmds::ZUNION);
}

/// ZINTER numkeys key \[key ...\] \[WEIGHTS weight \[weight ...\]\] \[AGGREGATE SUM | MIN | MAX\] \[WITHSCORES\]
pub fn zinter(c: &mut Call<'_>) {
    setop_generic(c, cmds::ZINTER);
}

/// ZDIFF numkeys key \[key ...\] \[WITHSCORES\]
pub fn zdiff(c: &mut Call<'_>) {
    setop_generic(c, cmds::ZDIFF);
}

/// ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX]
pub fn zunionstore(c: &mut Call<'_>) {
    setop_generic(c, cmds::ZUNIONSTORE);
}

/// ZINTERSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX]
pub fn zinterstore(c: &mut Call<'_>) {
    setop_generic(c, cmds::ZINTERSTORE);
}

/// ZDIFFSTORE destination numkeys key [key ...]
pub fn zdiffstore(c: &mut Call<'_>) {
    setop_generic(c, cmds::ZDIFFSTORE);
}

/// ZINTERCARD numkeys key [key ...] [LIMIT limit]
pub fn zintercard(c: &mut Call<'_>) {
    setop_generic(c, cmds::ZINTERCARD);
}
