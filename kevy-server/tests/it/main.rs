//! kevy-server integration tests: kevy on a real runtime (2 shards, free port),
//! compared byte for byte with a real redis-server (`differential`), and driven by
//! real clients — the `redis` crate, `redis-cli` (`server`), redis-py (`clients`) — and the
//! `kevy-server` binary with its flags and config files (`binary`).
//!
//! Needs `redis-server` and `redis-cli` (7.0) on PATH; without them the tests fail
//! and say so.

mod acl;
mod aof;
mod aof_effects;
mod aof_manifest;
mod aof_rdb;
mod aof_rewrite;
mod aof_scripts;
mod bank;
mod binary;
mod blmove_race;
mod call_stats;
mod client_eviction;
mod clients;
mod collection_scan;
mod command_docs;
mod command_info;
mod config_file;
mod differential;
mod failover;
mod history;
mod introspection;
mod isolation;
mod keyspace_new;
mod latency;
mod lazyfree;
mod maxmemory;
mod maxmemory_replica;
mod migrate;
mod misconf;
mod moving;
mod multi_oom;
mod node_clients;
mod obuf;
mod oom_score;
mod pause_expiry;
mod persist_util;
mod pipelines;
mod psync;
mod pubsub;
mod queue;
mod rdb;
mod rdb_cut;
mod relink;
mod relisten;
mod replica_gates;
mod replication;
mod reply_buffer;
mod restore_corrupt;
mod script_bank;
mod script_busy;
mod script_busy_flood;
mod script_busy_send;
mod script_debug;
mod script_monitor;
mod server;
mod shard_threads;
mod sidekiq;
mod soak;
mod stall;
mod stock_conf;
mod stream_queue;
mod stream_rdb;
mod tls;
mod tracking;
mod util;
