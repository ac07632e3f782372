//! kevy-server integration tests: kevy on a real runtime (2 shards, free port),
//! compared byte for byte with a real redis-server (`differential`), and driven by
//! real clients — the `redis` crate, `redis-cli`, the `kevy-server` binary
//! (`server`).
//!
//! Needs `redis-server` and `redis-cli` (7.0) on PATH; without them the tests fail
//! and say so.

mod differential;
mod server;
mod util;
