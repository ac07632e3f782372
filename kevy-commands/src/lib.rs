//! # kevy-commands
//!
//! The Redis command set for [`kevy_rt`]: a declarative command table, the
//! per-shard keyspace, and the command families, answering byte-for-byte like
//! redis-server 7.0.
//!
//! ```
//! use kevy_commands::Redis;
//! use kevy_rt::testing::Harness;
//!
//! let mut h = Harness::new(Redis::new().databases(4), 3);
//! assert_eq!(h.run(&["SET", "k", "v"]), b"+OK\r\n");
//! assert_eq!(h.run(&["MGET", "k", "other"]), b"*2\r\n$1\r\nv\r\n$-1\r\n");
//! ```
//!
//! ## How a command runs
//! [`Redis::resolve`](kevy_rt::Commands::resolve) looks the verb up once in the
//! [`table`] and checks its arity; the resulting `&'static Spec` travels with
//! the command. Its [`Run`](table::Run) says where it runs: on the connection's
//! shard (connection commands and every resolve-time error), on the shard that
//! owns its key, over the shards owning its keys, or planned over all shards.
//! Handlers parse their arguments, call a shard-local `op_…` function that
//! returns a value or an [`Error`](error::Error), and write the reply from it.
//!
//! ## Layout
//! - [`table`]: the command table ([`table::Spec`]: arity, flags, key
//!   positions, ACL categories, key specs, docs, route kind and handler) and
//!   the one-lookup resolver; its data in `table/specs.rs` and `table/specs/`.
//! - [`family`]: the handlers, one module per family: `connection` (PING,
//!   ECHO, QUIT, SELECT, resolve errors), `command` (COMMAND …), `string`,
//!   `keys` (generic key commands and expiry), `list`, `hash`, `set`; `opts`
//!   holds the argument parsing the collection families share.
//! - [`multi`]: multi-shard parts, their replies, and the plans that gather
//!   them; [`multi::coll`] has those of the list and set families (set
//!   algebra, moves between shards, LMPOP).
//! - [`keyspace`]: a shard's databases, lazy expiry; [`expire`]: active expiry.
//! - [`value`]: stored values; [`types`]: the list, hash and set collections
//!   with their compact encodings; [`num`]: integer and `long double`
//!   arithmetic.
//! - [`resp`]: the RESP2 reply writer; [`error`]: errors as values.
//! - [`glob`]: Redis's glob matcher, for KEYS and COMMAND LIST.
//!
//! ## Known limitations
//! - MSET and MSETNX whose keys live on several shards are not atomic with
//!   respect to other clients: each shard applies its part independently (a
//!   reader may see some keys set and not others). MSETNX checks all shards
//!   before setting, and keeps its own connection waiting between the rounds,
//!   but another client may create a key between its check and its set. Keys
//!   sharing a `{hash tag}` live on one shard and get Redis's atomicity.
//! - Likewise, cross-shard set algebra, SMOVE, LMOVE, RPOPLPUSH and LMPOP run
//!   in rounds ([`multi::coll`]): another client may act between them. They
//!   never lose an element: a move whose destination changed type meanwhile
//!   gives the element back to its source and replies WRONGTYPE.
//! - SRANDMEMBER and HRANDFIELD with a negative count asking for more than
//!   2^26 elements reply `ERR value is out of range` instead of building the
//!   reply until memory runs out (Redis has no bound).
//! - SSCAN and HSCAN cursors over hash-table-encoded collections are kevy's
//!   own (positions in the table, walked downwards), with SCAN's guarantee:
//!   every element present for the whole iteration is returned. Small
//!   collections answer in one call with cursor 0, as in Redis.
//! - `COMMAND DOCS` reports summary, since, group and complexity only.
#![deny(missing_docs)]

use std::time::{Duration, Instant};

use kevy_rt::{Args, Commands, Flow, Gather, LocalCx, Planned, Resolved, Route, Router, ShardInfo};

pub mod error;
pub mod expire;
pub mod family;
pub mod glob;
pub mod keyspace;
pub mod multi;
pub mod num;
pub mod resp;
pub mod table;
pub mod types;
pub mod value;

#[cfg(test)]
mod testutil;

use family::{Call, Local};
use keyspace::{now_ms, Clock, Keyspace};
use multi::{Part, PartReply, Plan};
use table::{Run, Spec};

/// The Redis command set. Configure with the builder methods, then hand it to
/// the runtime.
#[derive(Clone, Debug)]
pub struct Redis {
    databases: usize,
}

impl Default for Redis {
    fn default() -> Redis {
        Redis { databases: 16 }
    }
}

impl Redis {
    /// The command set with Redis's defaults (16 databases).
    pub fn new() -> Redis {
        Redis::default()
    }

    /// Sets the number of databases `SELECT` can reach (at least 1).
    pub fn databases(mut self, n: usize) -> Redis {
        self.databases = n.max(1);
        self
    }

    /// The number of databases.
    pub fn database_count(&self) -> usize {
        self.databases
    }
}

/// Per-connection state.
#[derive(Clone, Debug, Default)]
pub struct Session {
    /// The selected database.
    pub db: usize,
}

/// What a forwarded command needs from its connection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ctx {
    /// The selected database.
    pub db: u32,
}

/// Share of the tick interval the active expiry may use (Redis: 25%).
const EXPIRE_BUDGET_DIVISOR: u32 = 4;

impl Commands for Redis {
    type Shard = Keyspace;
    type Cmd = &'static Spec;
    type Session = Session;
    type Ctx = Ctx;
    type Part = Part;
    type PartReply = PartReply;
    type Plan = Plan;

    fn new_shard(&self, info: ShardInfo) -> Keyspace {
        let seed = (now_ms() as u64) ^ (info.id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        Keyspace::new(self.databases, seed)
    }

    #[inline]
    fn resolve(&self, args: Args<'_>) -> Resolved<&'static Spec> {
        match table::find(args) {
            Ok(spec) => Resolved {
                cmd: spec,
                route: spec.route(),
            },
            Err(_) => Resolved {
                cmd: &table::REJECT,
                route: Route::Local,
            },
        }
    }

    #[inline]
    fn ctx(&self, session: &Session) -> Ctx {
        Ctx {
            db: session.db as u32,
        }
    }

    #[inline]
    fn execute(
        &self,
        shard: &mut Keyspace,
        ctx: Ctx,
        cmd: &'static Spec,
        args: Args<'_>,
        out: &mut Vec<u8>,
    ) {
        match cmd.run {
            Run::Key(f) | Run::Keys(f, _) => {
                let mut call = Call {
                    db: shard.db(ctx.db as usize),
                    args,
                    now: Clock::new(),
                    out,
                };
                f(&mut call);
            }
            Run::Local(_) | Run::Plan(_) => misrouted(out),
        }
    }

    fn execute_local(
        &self,
        shard: &mut Keyspace,
        session: &mut Session,
        cx: &LocalCx,
        cmd: &'static Spec,
        args: Args<'_>,
        out: &mut Vec<u8>,
    ) -> Flow {
        match cmd.run {
            Run::Local(f) => f(&mut Local {
                shard,
                session,
                cx,
                args,
                out,
            }),
            Run::Key(_) | Run::Keys(..) | Run::Plan(_) => {
                misrouted(out);
                Flow::Continue
            }
        }
    }

    fn plan(
        &self,
        _shard: &mut Keyspace,
        _ctx: Ctx,
        cmd: &'static Spec,
        args: Args<'_>,
        router: &Router,
        parts: &mut Vec<(usize, Part)>,
    ) -> Planned<Plan> {
        match cmd.run {
            Run::Keys(_, plan) | Run::Plan(plan) => plan(args, router, parts),
            Run::Local(_) | Run::Key(_) => multi::planned(Plan::Misrouted),
        }
    }

    fn execute_part(
        &self,
        shard: &mut Keyspace,
        ctx: Ctx,
        part: Part,
        _clients: &mut kevy_rt::Clients<'_, Self>,
    ) -> PartReply {
        multi::execute_part(shard, ctx, part)
    }

    fn gather(
        &self,
        _shard: &mut Keyspace,
        plan: &mut Plan,
        replies: Vec<PartReply>,
        _router: &Router,
        next: &mut Vec<(usize, Part)>,
        out: &mut Vec<u8>,
    ) -> Gather {
        multi::gather(plan, replies, next, out)
    }

    fn tick(&self, shard: &mut Keyspace) {
        let budget = self.tick_interval() / EXPIRE_BUDGET_DIVISOR;
        shard.active_expire(
            now_ms(),
            Instant::now() + budget.max(Duration::from_millis(1)),
        );
        for db in &mut shard.dbs {
            db.shrink_if_sparse();
        }
    }
}

/// The reply for a command handed to the wrong entry point, which the runtime
/// never does with the routes [`Spec::route`] gives.
fn misrouted(out: &mut Vec<u8>) {
    debug_assert!(false, "command routed against its spec");
    resp::error(out, b"ERR internal error: command routed against its spec");
}
