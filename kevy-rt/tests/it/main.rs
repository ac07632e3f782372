//! kevy-rt integration tests: a tiny non-Redis command set on a real runtime
//! (2+ shards, free port), driven over TCP by raw clients and the `redis` crate.

mod barrier;
mod client;
mod converse;
mod isolated;
mod layers;
mod limits;
mod moving;
mod notice;
mod ordered;
mod push;
mod runtime;
mod session;
mod single;
mod stress;
mod tally;
