//! stub
#![allow(missing_docs, dead_code, unused)]
use kevy_rt::{Args, Gather, Planned, Router};
use crate::family::Call;
use crate::keyspace::{Clock, Db};
use crate::multi::{Part, PartReply, Plan};
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BitsOp { A }
#[derive(Debug)]
pub enum BitsPlan { A }
pub fn execute_part(db: &mut Db, op: BitsOp, args: Args<'_>, now: &Clock) -> PartReply { PartReply::Ok }
pub fn gather(plan: &mut BitsPlan, replies: Vec<PartReply>, next: &mut Vec<(usize, Part)>, out: &mut Vec<u8>) -> Gather { Gather::Done }
pub fn setbit(c: &mut Call<'_>) {}
pub fn getbit(c: &mut Call<'_>) {}
pub fn bitcount(c: &mut Call<'_>) {}
pub fn bitpos(c: &mut Call<'_>) {}
pub fn bitop(c: &mut Call<'_>) {}
pub fn bitfield(c: &mut Call<'_>) {}
pub fn bitfield_ro(c: &mut Call<'_>) {}
pub fn plan_bitop(args: Args<'_>, router: &Router, parts: &mut Vec<(usize, Part)>) -> Planned<Plan> { crate::multi::planned(Plan::Ok) }
