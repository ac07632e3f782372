//! stub
#![allow(missing_docs, dead_code, unused)]
use kevy_rt::{Args, Gather, Planned, Router};
use crate::family::Call;
use crate::keyspace::{Clock, Db};
use crate::multi::{Part, PartReply, Plan};
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HllOp { A }
#[derive(Debug)]
pub enum HllPlan { A }
pub fn execute_part(db: &mut Db, op: HllOp, args: Args<'_>, now: &Clock) -> PartReply { PartReply::Ok }
pub fn gather(plan: &mut HllPlan, replies: Vec<PartReply>, next: &mut Vec<(usize, Part)>, out: &mut Vec<u8>) -> Gather { Gather::Done }
pub fn plan_pfcount(args: Args<'_>, router: &Router, parts: &mut Vec<(usize, Part)>) -> Planned<Plan> { crate::multi::planned(Plan::Ok) }
pub fn plan_pfmerge(args: Args<'_>, router: &Router, parts: &mut Vec<(usize, Part)>) -> Planned<Plan> { crate::multi::planned(Plan::Ok) }
pub fn pfadd(c: &mut Call<'_>) {}
pub fn pfcount(c: &mut Call<'_>) {}
pub fn pfmerge(c: &mut Call<'_>) {}
