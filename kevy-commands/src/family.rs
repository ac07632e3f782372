//! Command handlers, one module per command family (Redis's `t_string.c`,
//! Dragonfly's `string_family`). Each handler parses its arguments, calls a
//! shard-local `op_…` function that does no I/O and returns a value or an
//! [`Error`](crate::base::error::Error), and writes the reply from that.

pub mod acl;
pub mod bitmap;
pub mod blocking;
pub mod command;
pub mod connection;
pub mod geo;
pub mod hll;
pub mod keys;
pub mod string;
pub mod zset;

pub mod client;
pub mod cluster;
pub mod config;
pub mod debug;
pub mod diag;
pub mod failover;
pub mod info;
pub mod migrate;
pub mod module;
pub mod monitor;
pub mod persist;

pub mod hash;
pub mod list;
pub mod loadaof;
pub mod lolwut;
pub mod opts;
pub mod pubsub;
pub mod repl;
pub mod replica;
pub mod rewrite;
pub mod set;
pub mod sort;
pub mod spec;
pub mod stream;
pub mod tracking;
pub mod txn;
pub mod wait;
pub mod watch;

pub use spec::{Call, KeyFn, Local, LocalFn, PlanFn, ServerCx, ServerPlanFn, ShardCall, ShardFn};
