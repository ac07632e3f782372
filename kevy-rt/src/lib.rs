//! # kevy-rt
//!
//! A generic thread-per-core, shared-nothing server runtime. Each shard is one OS
//! thread with its own reactor (mio), its own connections and its own slice of the
//! state; shards talk only through lock-free single-producer rings. The runtime
//! knows nothing of any command set: a [`Commands`] implementation supplies the
//! verbs, their routing and the per-shard state.
//!
//! ## Layout
//! - [`args`]: argument spans borrowed from read buffers.
//! - [`resp`]: RESP2 request decoding (the default wire format) and its limits.
//! - [`clients`]: what a command set sees of connections (CLIENT LIST/KILL).
//! - [`commands`]: the [`Commands`] trait a command set implements, and
//!   [`single_shard!`] for command sets with no multi-shard commands.
//! - [`router`]: key → shard hashing, with `{hashtag}` co-location.
//! - [`ring`], `mesh`, `msg`: SPSC rings and the N×N mesh of them with wake-ups.
//! - `stream`: TCP or Unix client sockets.
//! - `shard`, `conn`: the per-core event loop and connection state.
//! - `route`: a [`Route`] turned into the shard (or plan) a command runs on.
//! - [`testing`]: an in-process multi-shard driver for command-set unit tests.
//! - [`settings`]: live-changeable connection settings (maxclients, timeout…).
//! - [`runtime`]: the builder, `run` and the background `Server` handle.
#![deny(missing_docs)]

pub mod args;
pub mod clients;
pub mod commands;
mod conn;
mod mesh;
mod msg;
pub mod resp;
pub mod ring;
mod route;
pub mod router;
pub mod runtime;
pub mod settings;
mod shard;
mod stream;
pub mod testing;

pub use args::{Args, OwnedArgs, Span};
pub use clients::{Client, ClientFacts, Clients};
pub use commands::{
    Commands, Flow, Gather, LocalCx, Planned, Prefetch, Resolved, Route, ShardInfo,
};
pub use resp::{Decoded, Limits};
pub use router::Router;
pub use runtime::{Builder, Runtime, Server, ShardStats, Stats, Stopper};
pub use settings::Settings;
