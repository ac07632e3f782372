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
//! A command whose keys follow a `numkeys` argument (ZUNION, ZMPOP…) is
//! always planned: it runs whole on the shard owning all its keys, or its
//! inputs are fetched to the origin and any result stored in a second round.
//! Handlers parse their arguments, call a shard-local `op_…` function that
//! returns a value or an [`Error`](base::error::Error), and write the reply from it.
//!
//! ## Protocols
//! A connection speaks RESP2 until `HELLO 3`; the session keeps its
//! protocol and [`Ctx`] carries it with every forwarded command and part, so
//! a handler on any shard, and the gather on the origin, write into a
//! [`base::resp::Reply`] that knows it. Replies whose RESP3 shape differs (null
//! `_`, maps `%`, sets `~`, doubles `,`, nested WITHSCORES pairs, verbatim
//! `=` text) go through the writers taking a `Reply`; the rest are the same
//! bytes in both.
//!
//! ## Layout
//! The crate is built in layers, bottom first; a module imports only its
//! own layer and those below (`cargo xtask tidy` checks it, with the list
//! in `xtask/src/layers.rs`; ARCHITECTURE.md draws it):
//! 1. [`base`], primitives: [`base::bytes`] (the byte string of keys,
//!    values and elements), [`base::num`] (integer and `long double`
//!    arithmetic), [`base::float`] (doubles through the C library, as Redis
//!    does), [`base::resp`] (the reply writer, RESP2 and RESP3:
//!    [`base::resp::Reply`] is a handler's output buffer with its
//!    connection's protocol, and the writers whose shape differs between the
//!    two take it), [`base::error`] (errors as values), [`base::clock`],
//!    [`base::random`] (the one xorshift generator), [`base::glob`]
//!    (Redis's glob matcher), [`base::sys`], [`base::hist`],
//!    [`base::sparkline`], [`base::text`].
//! 2. [`model`], the data model: [`model::value`] (stored values),
//!    [`model::types`] (list, hash and set with their compact encodings),
//!    [`model::zset`] (compact encoding and skiplist), [`model::hll`]
//!    (Redis's HyperLogLog representation), [`model::size`] (what a value
//!    costs: MEMORY USAGE's estimate, eviction's accounting).
//! 3. [`store`]: [`store::db`], a shard's databases (one thin pointer per
//!    key to a node holding key and value), lazy expiry, the access clock
//!    and LFU counter (OBJECT IDLETIME, FREQ), SCAN's walk, random keys and
//!    eviction's sampling; [`store::limits`] (`maxmemory` and its policies,
//!    the [`MemoryGauge`] an embedder installs), [`store::lfu`],
//!    [`store::pool`] (Redis's eviction pool).
//! 4. The shard: [`shard::ShardState`], everything one shard owns (its
//!    databases, accounting and eviction state), with [`shard::evict`]
//!    (eviction and the `-OOM` refusal of `denyoom` commands; each shard
//!    evicts its own keys) and [`shard::expire`] (active expiry);
//!    [`accounting`]: server-wide state ([`accounting::Shared`]) and each
//!    shard's accounting (command statistics, slow log, latency monitor;
//!    every command is timed on the shard that runs it); [`config`]: the
//!    settings registry behind the config file and `CONFIG`; [`session`]: a
//!    connection's [`Session`] and the [`Ctx`] its commands carry to other
//!    shards (selected database, protocol, …).
//! 5. The commands, in two layers:
//!    - [`cross`] (below the families, naming none of them): multi-shard
//!      parts, their replies, and the plans that gather them;
//!      [`cross::coll`] has those of the list and set families (moves
//!      between shards, LMPOP), [`cross::keys`] those of the generic key
//!      commands (whole values travelling between shards, RANDOMKEY,
//!      SWAPDB, SORT's rounds), [`cross::admin`] those of the server
//!      commands, [`cross::ops`] the part operations of the sorted set,
//!      bitmap, HyperLogLog, GEO and stream families; a family's own
//!      state between rounds is a [`cross::FamilyPlan`]
//!      (`family/*/cross.rs`, set algebra, LMPOP, RENAME, COPY, SCAN, SORT).
//!    - [`family`]: the handlers, one module per family: `connection`
//!      (PING, ECHO, QUIT, SELECT, HELLO, resolve errors), `command`
//!      (COMMAND …), `string` (with LCS), `keys` (generic key commands and
//!      expiry; RENAME, COPY, MOVE in `keys::moves`, SCAN and RANDOMKEY in
//!      `keys::scan`, OBJECT in `keys::object`), `sort` (SORT, SORT_RO),
//!      `list`, `hash`, `set`, `zset` (sorted sets), `bitmap` (SETBIT …
//!      BITFIELD), `hll` (PFADD, PFCOUNT, PFMERGE); the server commands
//!      `client`, `config`, `info`, `diag` (SLOWLOG, LATENCY), `debug`
//!      (DEBUG, MEMORY) and `monitor` (MONITOR, TIME, LASTSAVE); `opts`
//!      holds what several families share (argument parsing, client
//!      names, SELECT's index, OBJECT ENCODING's names). [`family::spec`]
//!      says what a command is ([`family::spec::Spec`]: arity, flags, key
//!      positions, ACL categories, key specs, route kind and handler; the
//!      handler contexts), holds [`family::spec::docs`] (what `COMMAND
//!      DOCS` reports: argument trees, history…, cold data apart from the
//!      specs, generated from a live redis-server by `cargo xtask gen-docs`
//!      into `family/spec/docs/generated/*.rs`), and the
//!      [`family::spec::Catalog`] through which the families read the
//!      table above them.
//! 6. [`table`]: the command table, one [`Spec`](table::Spec) per verb
//!    naming its handler (`table/specs.rs` and, per family,
//!    `table/specs/*.rs`), the one-lookup resolver, the commands' counter
//!    indexes ([`table::ids`]) and [`table::CATALOG`].
//! 7. `commands`: the [`Commands`](kevy_rt::Commands) implementation for [`Redis`], each method
//!    delegating to `redis` (the struct, its builder, a shard's tick), `run`
//!    (a command on one shard) or `planning` (multi-shard and isolated
//!    commands: plan and gather); and
//!    [`dispatch`]: a part run by its [`cross::Op`], a plan gathered by its
//!    [`cross::Plan`] (the matches that call into each family;
//!    [`dispatch::coll`], [`dispatch::keys`] and [`dispatch::admin`] run
//!    the list and set, key and server parts, and reduce the key and
//!    server plans).
//!
//! ## Known limitations
//!
//! Listed in [`limits`].
#![deny(missing_docs)]

pub mod accounting;
pub mod acl;
pub mod aof;
pub mod aofrun;
pub mod base;
mod commands;
pub mod config;
pub mod cross;
pub mod dispatch;
mod events;
mod exec;
pub mod family;
pub mod limits;
pub mod model;
mod pause;
pub mod persist;
mod persistence;
mod planning;
mod redis;
pub mod repl;
mod run;
pub mod script;
pub mod session;
pub mod shard;
pub mod store;
pub mod table;
mod tracked;

pub use tracked::{TimedReply, Tracked};

pub use store::limits::MemoryGauge;

#[cfg(test)]
mod testutil;

pub use session::{Ctx, Session};

pub use redis::Redis;
