//! # Known limitations
//!
//! Where kevy-commands answers differently from redis-server 7.0, or does
//! not answer yet (the crate root links here).
//! - Commands whose keys live on several shards (MSET, MSETNX, set algebra,
//!   SMOVE, LMOVE, the STORE variants, BITOP, PFMERGE, RENAME, COPY…) run
//!   isolated under the runtime's key locks: no other client sees them half
//!   done. Commands that name no key (KEYS, SCAN, DBSIZE, RANDOMKEY) and keys
//!   that SORT … BY/GET patterns read are not locked. Moves never lose an
//!   element: a move whose destination changed type gives the element back
//!   to its source and replies WRONGTYPE.
//! - SRANDMEMBER and HRANDFIELD with a negative count asking for more than
//!   2^26 elements reply `ERR value is out of range`, and ZRANDMEMBER returns
//!   at most 2^24 members (an error beyond), instead of building the reply
//!   until memory runs out (Redis has no bound).
//! - SSCAN and HSCAN cursors over hash-table-encoded collections are kevy's
//!   own (positions in the table, walked downwards), with SCAN's guarantee:
//!   every element present for the whole iteration is returned. Small
//!   collections answer in one call with cursor 0, as in Redis. ZSCAN of a
//!   large sorted set likewise uses its own cursors (slots of the skiplist's
//!   arena): cursors and member order differ from Redis's, a full scan
//!   returns the same members.
//! - RENAME, RENAMENX, COPY and SORT whose keys live on several shards run in
//!   rounds ([`cross::keys`](crate::cross::keys)) under the key locks, so no
//!   other client sees a value in two places or none; keys that SORT's BY
//!   and GET patterns read are not locked.
//! - SCAN cursors are kevy's own: `position * shards + shard`, the position
//!   being Redis's reverse-binary cursor over the shard's table. A call may
//!   go on to the next shards in the same call. The guarantee is Redis's;
//!   a call costs several times Redis's (see `store/db/scan.rs`).
//! - OBJECT ENCODING reports what Redis would for the same value by its
//!   shape and history (strings modified in place by APPEND, SETRANGE,
//!   SETBIT, PFADD… are `raw` whatever their length, and so are their
//!   copies). OBJECT REFCOUNT of a small integer (0–9999) is always 2147483647; Redis
//!   says 1 for one made by COPY.
//! - The access clock (OBJECT IDLETIME) is refreshed by the shard tick,
//!   every 100 ms, like Redis's `server.lruclock`. Reads of several sets at
//!   once (SINTER, SUNION, SDIFF) do not count as accesses.
//! - Eviction runs before commands flagged `denyoom` and on the tick, not
//!   before every command as Redis's `performEvictions` does; each shard
//!   frees its share of the excess from its own keys, so keys are evicted
//!   in LRU/LFU order per shard, not over the whole server. Without a
//!   [`MemoryGauge`](crate::MemoryGauge) the memory in use is estimated. A
//!   planned (multi-shard) write is checked on its connection's shard
//!   only. INFO leaves out `evicted_clients` and the eviction-time fields;
//!   `maxmemory-clients` is not implemented. `CLIENT NO-TOUCH` is Redis
//!   7.2's: kevy answers as 7.0 does (unknown subcommand). The memory left
//!   out of `maxmemory` is the replicas' output and the append-only file's
//!   buffer, as in Redis; the replication backlog (its own ring, not
//!   shared with the replicas' buffers: `mem_replication_backlog` is what
//!   it holds) counts, as Redis counts the backlog's part, and the
//!   stream's way to them (a shard's feed, the push to the replica's
//!   connection, up to an iteration's worth each) counts towards the limit.
//!   `mem_clients_slaves` includes the replicas' query buffers (Redis 7.0
//!   reports them nowhere).
//! - Scripts (`EVAL`…): a command forwarded to a script's shard (or
//!   waiting behind a global-mode script's locks) before the script timed
//!   out waits for its end instead of getting `-BUSY`; with timed-out
//!   scripts on several shards `SCRIPT KILL` kills them all; TLS
//!   connections of a busy shard wait for the script's end.
//! - A planned command's duration (command statistics, slow log) is the time
//!   spent planning and gathering on its connection's shard plus, for each
//!   round, the longest of its parts.
//! - `DEBUG SLEEP` blocks the shard serving the connection, not the server.
//! - MIGRATE whose keys live on several shards runs one exchange per shard,
//!   each on its own connection to the target (Redis: one); the replies
//!   merge (first error, else `+OK`, else `+NOKEY`). Each blocks the shard
//!   running it for the exchange, as Redis blocks the server. WAIT: no
//!   replica exists, so it answers 0 (after its timeout when it asks for
//!   replicas). The lazy-free counters of INFO are the process's (one
//!   server per process in `kevy-server`).
//! - Client-side caching: `tracking-table-max-keys` bounds each shard's
//!   table at its share (the limit over the number of shards).
//!   A multi-shard change (MSET over two shards) invalidates or notifies
//!   per shard, so a subscriber may see its keys in either order.
//! - Not implemented yet: the `DEBUG` subcommands other than
//!   `OBJECT`, `SLEEP`, `SET-ACTIVE-EXPIRE`. `CLIENT KILL` also accepts Redis
//!   7.4's `MAXAGE` filter. INFO gives Redis's neutral values for what kevy
//!   does not have yet (replication).
//! - Blocking commands: a BLMOVE or BRPOPLPUSH whose destination lives on
//!   another shard than its source is finished by an isolated LMOVE once
//!   the source is ready; until that LMOVE runs the element stays in the
//!   source, so one push wakes every such waiter of the key and all but
//!   one park again (Redis wakes one).
//! - RDB snapshots: each shard encodes its keys in one go when it serves a
//!   save (for 1M small keys on 2 shards, about a second of each shard's
//!   time), and holds the encoded keys until the file is written (about
//!   the file's size) — but BGSAVE slices it while the shard serves; the cut across shards is per shard (see
//!   ARCHITECTURE.md). SHUTDOWN's final save happens after the shards
//!   stopped: a failed save ends the process with an error status instead
//!   of refusing the SHUTDOWN. Function libraries in a Redis file are not
//!   loaded (they are skipped with a warning). `sanitize-dump-payload` stays `no`, yet
//!   every payload is fully checked.
