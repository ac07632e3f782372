//! Memory limits' deterministic replies: LFU access counts (OBJECT FREQ)
//! and the errors of OBJECT FREQ and IDLETIME by policy, the memory
//! settings' values and errors, `-OOM` for writes over `maxmemory` (reads
//! and deletions still run), and CLIENT NO-TOUCH (Redis 7.2: unknown to
//! 7.0). Sequences put the settings back.

use super::{run_family, Seq};

pub const SEQUENCES: &[Seq] = &[
    &[
        &["SET", "k", "v"],
        &["OBJECT", "FREQ", "k"],
        &["CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"],
        &["OBJECT", "IDLETIME", "k"],
        &["SET", "k2", "v"],
        &["OBJECT", "FREQ", "k2"],
        &["GET", "k2"],
        &["OBJECT", "FREQ", "k2"],
        &["OBJECT", "FREQ", "missing"],
        &["CONFIG", "GET", "maxmemory-policy"],
        &["CONFIG", "SET", "maxmemory-policy", "bogus"],
        &["CONFIG", "SET", "maxmemory-policy", "NoEviction"],
        &["CONFIG", "GET", "maxmemory-policy"],
        &["OBJECT", "FREQ", "k2"],
        &["CLIENT", "NO-TOUCH", "ON"],
        &["CONFIG", "GET", "maxmemory-samples"],
        &["CONFIG", "GET", "maxmemory-eviction-tenacity"],
        &["CONFIG", "GET", "lfu-log-factor"],
        &["CONFIG", "GET", "lfu-decay-time"],
        &["CONFIG", "GET", "maxmemory*"],
        &["CONFIG", "SET", "maxmemory-clients", "0%"],
        &["CONFIG", "SET", "maxmemory-clients", "lots"],
        &["CONFIG", "GET", "maxmemory-clients"],
        &["CONFIG", "SET", "maxmemory-samples", "0"],
        &["CONFIG", "SET", "maxmemory-eviction-tenacity", "101"],
        &["CONFIG", "SET", "lfu-log-factor", "-1"],
        &["CONFIG", "SET", "maxmemory", "12x"],
        &["CONFIG", "SET", "maxmemory", "1"],
        &["CONFIG", "GET", "maxmemory"],
        &["SET", "k", "w"],
        &["INCR", "n"],
        &["GET", "k"],
        &["EXISTS", "k2"],
        &["DEL", "k2"],
        &["CONFIG", "SET", "maxmemory", "0"],
        &["SET", "k", "w"],
        &["GET", "k"],
    ],
    // Over the limit, a volatile policy evicts every key with a TTL, then
    // refuses the write; keys without one stay. (Keys share a hash tag:
    // kevy evicts from the shard the write runs on.)
    &[
        &["SET", "{m}p1", "v"],
        &["SET", "{m}t1", "v", "EX", "100"],
        &["SET", "{m}t2", "v", "EX", "200"],
        &["CONFIG", "SET", "maxmemory-policy", "volatile-ttl"],
        &["CONFIG", "SET", "maxmemory", "1"],
        &["SET", "{m}p2", "v"],
        &["EXISTS", "{m}t1", "{m}t2"],
        &["EXISTS", "{m}p1", "{m}p2"],
        &["GET", "{m}p1"],
        &["CONFIG", "SET", "maxmemory-policy", "allkeys-random"],
        &["SET", "{m}p2", "v"],
        &["EXISTS", "{m}p1"],
        &["CONFIG", "SET", "maxmemory", "0"],
        &["CONFIG", "SET", "maxmemory-policy", "noeviction"],
        &["SET", "{m}p2", "v"],
    ],
];

#[test]
fn memory_limits_match_redis() {
    run_family("memory", SEQUENCES);
}
