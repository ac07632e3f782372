//! The list and set families' parts run on their shards (the part and
//! plan types are [`crate::cross::coll`]'s).

use kevy_rt::OwnedArgs;

use crate::base::resp::Reply;
use crate::cross::coll::{CollOp, CollReply, Whole};
use crate::cross::PartReply;
use crate::family::{list, set, Call};
use crate::store::db::{Clock, Db};

/// Runs one part on its shard.
pub fn execute(db: &mut Db, op: CollOp, args: &OwnedArgs, now: &Clock, resp3: bool) -> PartReply {
    let a = args.args();
    PartReply::Coll(match op {
        CollOp::Whole(w) => {
            let mut bytes = Vec::new();
            let mut out = Reply::new(&mut bytes, resp3);
            let mut call = Call {
                db,
                args: a,
                now: Clock::like(now),
                out: &mut out,
            };
            match w {
                Whole::Lmpop => list::lmpop(&mut call),
                Whole::Sintercard => set::sintercard(&mut call),
            }
            CollReply::Encoded(bytes)
        }
        CollOp::SetPartial(alg) => CollReply::Members(set::op_partial(db, a, alg, now)),
        CollOp::SetStore { as_table } => {
            CollReply::Int(set::op_store_members(db, a, as_table, now))
        }
        CollOp::ListProbe => CollReply::Probe(list::op_probe(db, a.at(0), now)),
        CollOp::SetProbe => CollReply::Probe(set::op_probe(db, a.at(0), a.at(1), now)),
        CollOp::ListTake(end) => CollReply::Taken(list::op_take(db, a.at(0), end, now)),
        CollOp::ListGive(end) => CollReply::Given(list::op_give(db, a.at(0), end, a.at(1), now)),
        CollOp::SetTake => CollReply::Taken(set::op_take(db, a.at(0), a.at(1), now)),
        CollOp::SetGive => CollReply::Given(set::op_give(db, a.at(0), a.at(1), now)),
        CollOp::LmpopProbe => CollReply::Found(list::execute_lmpop_probe(db, a, now)),
        CollOp::LmpopPop(end) => CollReply::Popped(list::execute_lmpop(db, a, end, now)),
    })
}
