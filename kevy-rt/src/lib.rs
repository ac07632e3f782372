//! # kevy-rt
//!
//! A generic thread-per-core, shared-nothing server runtime. Each shard is one OS
//! thread with its own reactor (mio), its own connections and its own slice of the
//! state; shards talk only through lock-free single-producer rings. The runtime
//! knows nothing of any command set: a [`Commands`] implementation supplies the
//! verbs, their routing and the per-shard state.
//!
//! ## Layout
//! In layers, lowest first; a module imports only from its own layer or lower
//! ones (`tests/it/layers.rs` checks it), so the trait module depends on
//! nothing that depends on it.
//! 1. [`args`]: argument spans borrowed from read buffers; [`ring`]: the SPSC
//!    ring; [`router`]: key → shard hashing, with `{hashtag}` co-location;
//!    `stream`: TCP or Unix client sockets; [`sched`]: the shard threads'
//!    scheduling policy; [`cpus`]: the CPUs they run on.
//! 2. [`resp`]: RESP2 request decoding (the default wire format) and its limits.
//! 3. [`stats`]: per-shard counters; [`push`]: handles, outboxes and output
//!    limits of pushed output; [`park`]: what blocking commands declare and
//!    the ready-key signal; [`settings`]: live-changeable connection
//!    settings (maxclients, timeout…); [`clients`]: what a command set sees of
//!    connections (CLIENT LIST/KILL).
//! 4. [`commands`]: the [`Commands`] trait a command set implements, and
//!    [`single_shard!`] for command sets with no multi-shard commands.
//! 5. `route` (a [`Route`] turned into the shard or plan a command runs on),
//!    `msg`, `mesh` (the N×N mesh of rings with wake-ups), `conn` (connection
//!    state), [`reactor`] (how sockets are written: epoll or batched io_uring
//!    sends).
//! 6. `shard`: the per-core event loop.
//! 7. [`runtime`]: the builder, `run` and the background `Server` handle;
//!    [`testing`]: an in-process multi-shard driver for command-set unit tests.
#![deny(missing_docs)]

pub mod args;
pub mod clients;
pub mod commands;
mod conn;
pub mod cpus;
pub(crate) mod listen;
mod lock;
mod mesh;
mod msg;
pub mod park;
pub mod push;
pub mod reactor;
pub mod resp;
pub mod ring;
mod route;
pub mod router;
pub mod runtime;
pub mod sched;
pub mod settings;
mod shard;
pub mod stats;
mod stream;
pub mod testing;
pub mod tls;

pub use args::{Args, OwnedArgs, Span};
pub use clients::{Busy, BusyRequest, ClientFacts, ClientOf, ClientsOf, Heard};
pub use commands::{
    Client, Clients, Commands, Flow, Gather, LocalCx, Planned, Prefetch, Resolved, Route, ShardInfo,
};
pub use cpus::ShardCpus;
pub use lock::LockSet;
pub use park::{Park, ReadyKeys, Served, Unpark};
pub use push::{ConnHandle, Outbox, OutputLimit};
pub use reactor::IoBackend;
pub use resp::{Decoded, Limits};
pub use router::Router;
pub use runtime::{Builder, Runtime, Server, Stopper};
pub use sched::ShardSched;
pub use settings::{Settings, Stopping};
pub use stats::{ShardStats, Stats};
