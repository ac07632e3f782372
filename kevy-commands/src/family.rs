//! Command handlers, one module per command family (Redis's `t_string.c`,
//! Dragonfly's `string_family`). Each handler parses its arguments, calls a
//! shard-local `op_…` function that does no I/O and returns a value or an
//! [`Error`](crate::base::error::Error), and writes the reply from that.

use kevy_rt::{Args, Flow, LocalCx, Planned, Router};

use crate::shard::ShardState;

use crate::base::resp::Reply;
use crate::cross::{Part, Plan};
use crate::session::{Ctx, Session};
use crate::store::db::{Clock, Db};

pub mod bitmap;
pub mod command;
pub mod connection;
pub mod geo;
pub mod hll;
pub mod keys;
pub mod string;
pub mod zset;

pub mod client;
pub mod config;
pub mod debug;
pub mod diag;
pub mod info;
pub mod monitor;

pub mod hash;
pub mod list;
pub mod opts;
pub mod set;
pub mod sort;
pub mod txn;

/// A keyed command running on the shard that owns its key(s).
pub struct Call<'a> {
    /// The selected database on this shard.
    pub db: &'a mut Db,
    /// The command's arguments (verb included).
    pub args: Args<'a>,
    /// The time of the command, read at most once.
    pub now: Clock,
    /// Where the reply goes, in the connection's protocol.
    pub out: &'a mut Reply<'a>,
}

/// A keyed command's handler.
pub type KeyFn = fn(&mut Call<'_>);

/// A keyed command running on the shard that owns its key(s), with every
/// database of that shard (MOVE, COPY … DB).
pub struct ShardCall<'a> {
    /// The shard's keyspace.
    pub shard: &'a mut ShardState,
    /// The selected database's index.
    pub db: usize,
    /// The command's arguments (verb included).
    pub args: Args<'a>,
    /// The time of the command, read at most once.
    pub now: Clock,
    /// Where the reply goes, in the connection's protocol.
    pub out: &'a mut Reply<'a>,
}

/// A handler given its shard's whole keyspace.
pub type ShardFn = fn(&mut ShardCall<'_>);

/// A local command running on the connection's shard.
pub struct Local<'a> {
    /// This shard's keyspace.
    pub shard: &'a mut ShardState,
    /// The connection's session.
    pub session: &'a mut Session,
    /// Facts about the connection.
    pub cx: &'a LocalCx,
    /// The command's arguments (verb included).
    pub args: Args<'a>,
    /// Where the reply goes, in the connection's protocol.
    pub out: &'a mut Reply<'a>,
}

/// A local command's handler.
pub type LocalFn = fn(&mut Local<'_>) -> Flow;

/// Splits a multi-shard command into `(shard, part)` pairs.
pub type PlanFn = fn(Args<'_>, &Router, &mut Vec<(usize, Part)>) -> Planned<Plan>;

/// A server command planned on the connection's shard, with the caller's
/// context and that shard's state at hand (`CLIENT LIST`, `INFO`, …).
pub struct ServerCx<'a, 'p> {
    /// The connection's shard.
    pub shard: &'a mut ShardState,
    /// The caller.
    pub ctx: Ctx,
    /// The command's arguments (verb included).
    pub args: Args<'a>,
    /// Key → shard.
    pub router: &'a Router,
    /// Where the parts go.
    pub parts: &'p mut Vec<(usize, Part)>,
}

/// Plans a server command.
pub type ServerPlanFn = fn(&mut ServerCx<'_, '_>) -> Planned<Plan>;
