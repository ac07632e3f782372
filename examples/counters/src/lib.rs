//! # counters
//!
//! A command set that is not Redis, spoken over RESP, on kevy-rt: named 64-bit
//! counters spread over the shards by name, with verbs of its own.
//!
//! | verb | route | reply |
//! | --- | --- | --- |
//! | `INCR name [by]` | the shard owning `name` | the new value |
//! | `GET name` | the shard owning `name` | the value, or nil |
//! | `RESET name` | the shard owning `name` | the value it had (0 if none) |
//! | `OWNER name` | the shard owning `name` | that shard's index |
//! | `MGET name…` | scatter to the owners, gather in order | values or nils |
//! | `SUM prefix` | every shard, reduced | total of counters starting with `prefix` |
//! | `COUNT [prefix]` | every shard, reduced | how many counters start with `prefix` |
//! | `TOP n [prefix]` | every shard's top `n`, merged | `[name, value, …]`, highest first |
//! | `HOME`, `PING`, `QUIT` | the connection's own shard | its index, `PONG`, `OK` |
//!
//! A client connected to any shard may name any counter: `INCR` of a counter
//! another shard owns travels there over a ring and its reply comes back in
//! request order. `SUM`, `COUNT` and `TOP` are multi-shard reductions: one part
//! per shard, reduced on the connection's shard.
//!
//! ## Layout
//! - [`verbs`]: the verb table (name, arity, route) and how a request resolves.
//! - [`shard`]: one shard's counters and the operations on them.
//! - `plan`: the multi-shard operations' parts, part replies and reductions.
//! - `reply`: RESP reply writers.
//! - `Counters` (here): the [`kevy_rt::Commands`] implementation tying them together.
#![deny(missing_docs)]

mod plan;
mod reply;
pub mod shard;
pub mod verbs;

use kevy_rt::{Args, Commands, Flow, Gather, LocalCx, Planned, Resolved, Router, ShardInfo};

pub use plan::{Part, PartReply, Plan};
pub use shard::Shard;
pub use verbs::{Cmd, Verb};

/// The counters command set; share it with [`kevy_rt::Runtime::builder`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Counters;

impl Commands for Counters {
    type Shard = Shard;
    type Cmd = Cmd;
    type Session = ();
    type Ctx = ();
    type Part = Part;
    type PartReply = PartReply;
    type Plan = Plan;

    fn new_shard(&self, info: ShardInfo) -> Shard {
        Shard::new(info.id)
    }

    fn resolve(&self, args: Args<'_>) -> Resolved<Cmd> {
        verbs::resolve(args)
    }

    fn ctx(&self, _: &()) {}

    fn execute(&self, shard: &mut Shard, _: (), cmd: Cmd, args: Args<'_>, out: &mut Vec<u8>) {
        let Cmd::Run(verb) = cmd else {
            return verbs::write_error(cmd, args, out);
        };
        let name = args.at(1);
        match verb {
            Verb::Incr => {
                let by = match args.get(2) {
                    None => Ok(1),
                    Some(b) => kevy_rt::resp::parse_i64(b).ok_or("ERR increment is not an integer"),
                };
                match by.and_then(|by| shard.incr(name, by).ok_or("ERR increment would overflow")) {
                    Ok(n) => reply::int(out, n),
                    Err(e) => reply::error(out, e),
                }
            }
            Verb::Get => reply::opt_int(out, shard.get(name)),
            Verb::Reset => reply::int(out, shard.reset(name)),
            Verb::Owner => reply::int(out, shard.id() as i64),
            // MGET whose names all live on this shard runs here in one go.
            Verb::Mget => {
                reply::array_len(out, args.len() - 1);
                for name in args.skip(1).iter() {
                    reply::opt_int(out, shard.get(name));
                }
            }
            _ => verbs::write_error(Cmd::Unknown, args, out),
        }
    }

    fn execute_local(
        &self,
        _: &mut Shard,
        _: &mut (),
        cx: &LocalCx,
        cmd: Cmd,
        args: Args<'_>,
        out: &mut Vec<u8>,
    ) -> Flow {
        match cmd {
            Cmd::Run(Verb::Ping) => reply::simple(out, "PONG"),
            Cmd::Run(Verb::Home) => reply::int(out, cx.client.shard as i64),
            Cmd::Run(Verb::Quit) => {
                reply::simple(out, "OK");
                return Flow::Close;
            }
            _ => verbs::write_error(cmd, args, out),
        }
        Flow::Continue
    }

    fn plan(
        &self,
        _: &mut Self::Shard,
        _: (),
        cmd: Cmd,
        args: Args<'_>,
        router: &Router,
        parts: &mut Vec<(usize, Part)>,
    ) -> Planned<Plan> {
        Planned {
            plan: plan::plan(cmd, args, router, parts),
            hold: false,
        }
    }

    fn execute_part(
        &self,
        shard: &mut Shard,
        _: (),
        part: Part,
        _: &mut kevy_rt::Clients<'_, Self>,
    ) -> PartReply {
        plan::execute_part(shard, part)
    }

    fn gather(
        &self,
        _: &mut Self::Shard,
        plan: &mut Plan,
        replies: Vec<PartReply>,
        _: &Router,
        _: &mut Vec<(usize, Part)>,
        out: &mut Vec<u8>,
    ) -> Gather {
        plan::gather(plan, replies, out);
        Gather::Done
    }
}

#[cfg(test)]
mod tests;
