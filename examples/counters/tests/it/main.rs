//! counters end to end: the runtime on 2–3 shards on a free port, driven by the
//! `redis` crate (in-process servers), and the binary itself.

mod binary;
mod server;
