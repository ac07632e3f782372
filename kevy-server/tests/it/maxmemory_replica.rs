//! A replica's output buffer is left out of `maxmemory` on the
//! `kevy-server` binary (memory counted by its allocator), as Redis's
//! `freeMemoryGetNotCountedMemory` leaves it: a replica that stops reading
//! makes the primary hold its stream, and the writes behind it neither
//! evict keys nor get `-OOM`. INFO memory shows the buffer as the
//! replicas' (`mem_clients_slaves`, `mem_total_replication_buffers`,
//! `mem_not_counted_for_evict`), not the normal clients', and `CLIENT
//! KILL TYPE replica` frees it at once. Nor does it count toward
//! `maxmemory-clients`: client eviction sums normal and Pub/Sub clients.

use crate::binary::Binary;
use crate::replication::{scratch, wait_for};
use crate::util::{encode, info_num, Raw};

/// A numeric field of an INFO section.
fn field(c: &mut Raw, section: &str, name: &str) -> u64 {
    info_num(c, section, name).unwrap_or_else(|| panic!("no {name} in INFO {section}"))
}

/// The numeric fields of one `INFO memory` (figures read together).
fn memory(c: &mut Raw) -> std::collections::HashMap<String, u64> {
    let reply = c.call(&["INFO", "memory"]);
    String::from_utf8_lossy(&reply)
        .lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(':')?;
            Some((k.to_string(), v.trim().parse().ok()?))
        })
        .collect()
}

/// The replica's side of the protocol on a new connection to `addr`, up
/// to the snapshot it never reads; returns once the primary (`p`) counts
/// it.
fn stalled_replica(p: &mut Raw, addr: std::net::SocketAddr) -> Raw {
    let mut replica = Raw::connect(addr);
    assert_eq!(
        replica.call(&["REPLCONF", "listening-port", "6380"]),
        b"+OK\r\n"
    );
    replica.send(&encode(&[b"PSYNC", b"?", b"-1"]));
    wait_for("the replica attached", || {
        field(p, "replication", "connected_slaves") == 1
    });
    replica
}

/// `rounds` pipelines of 100 SETs of 1 KB to one key (the dataset does
/// not grow, the replication stream does), every reply `+OK`.
fn write_rounds(p: &mut Raw, rounds: usize) {
    let big = vec![b'a'; 1024];
    let batch: Vec<u8> = (0..100)
        .flat_map(|_| encode(&[b"SET", b"key:0", &big]))
        .collect();
    for round in 0..rounds {
        p.send(&batch);
        for _ in 0..100 {
            let r = p.reply();
            assert_eq!(
                r,
                b"+OK\r\n",
                "round {round}: {}",
                String::from_utf8_lossy(&r)
            );
        }
    }
}

/// Under `policy`, with a 16 MB margin over what the primary uses once a
/// replica attached that never reads: 60 MB of writes to one key (the
/// dataset does not grow, the replica's stream does) all succeed, no key
/// is evicted, and the stream the primary holds is the replicas' memory.
fn stalled_replica_under(policy: &str) {
    let dir = scratch(&format!("stalled-replica-{policy}"));
    let primary = Binary::spawn_in(
        &dir,
        &[
            "--maxmemory-policy",
            policy,
            "--client-output-buffer-limit",
            "replica 0 0 0",
        ],
    );
    let mut p = Raw::connect(primary.addr);
    let value = vec![b'v'; 10 * 1024];
    let fill: Vec<Vec<u8>> = (0..100)
        .map(|i| encode(&[b"SET", format!("key:{i}").as_bytes(), &value]))
        .collect();
    p.send(&fill.concat());
    for _ in 0..fill.len() {
        assert_eq!(p.reply(), b"+OK\r\n");
    }
    let replica = stalled_replica(&mut p, primary.addr);
    let used = field(&mut p, "memory", "used_memory");
    let limit = used + (16 << 20);
    let set = p.call(&["CONFIG", "SET", "maxmemory", &limit.to_string()]);
    assert_eq!(set, b"+OK\r\n");
    // Pipelines of 100 KB: what a pipeline stages on its way to the
    // replica's buffer (the client's query buffer, the shard's feed, the
    // push) counts, as a pipelining client's query buffer does in Redis.
    write_rounds(&mut p, 600);
    // The socket buffers take a few MB; the rest waits in the primary.
    let m = memory(&mut p);
    let slaves = m["mem_clients_slaves"];
    assert!(slaves > 32 << 20, "the replica holds {slaves} bytes");
    let buffers = m["mem_total_replication_buffers"];
    assert!(
        buffers > 32 << 20 && buffers <= slaves,
        "{buffers} of {slaves}"
    );
    let uncounted = m["mem_not_counted_for_evict"];
    assert_eq!(
        uncounted, buffers,
        "no append-only file: only the replica's"
    );
    // The backlog is full: its default 1 MB, counted as Redis counts it
    // (in used_memory, for eviction too).
    assert_eq!(m["mem_replication_backlog"], 1 << 20);
    assert!(m["mem_clients_normal"] < 1 << 20);
    let over = m["used_memory"];
    assert!(
        over > limit,
        "used_memory {over} counts the stream past {limit}"
    );
    assert_eq!(field(&mut p, "stats", "evicted_keys"), 0);
    assert_eq!(p.call(&["DBSIZE"]), b":100\r\n");
    // Killing the replica frees its buffer with it.
    let killed = p.call(&["CLIENT", "KILL", "TYPE", "replica"]);
    assert_eq!(killed, b":1\r\n");
    assert_eq!(field(&mut p, "replication", "connected_slaves"), 0);
    assert_eq!(field(&mut p, "memory", "mem_clients_slaves"), 0);
    // A send in flight when it closed holds its buffer (counted as the
    // replicas') until the kernel gives it back.
    wait_for("the replica's buffer freed", || {
        let m = memory(&mut p);
        m["mem_not_counted_for_evict"] == 0 && m["used_memory"] < limit
    });
    assert_eq!(field(&mut p, "stats", "evicted_keys"), 0);
    drop((p, replica));
    drop(primary);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_stalled_replicas_buffer_evicts_no_key() {
    stalled_replica_under("allkeys-random");
}

#[test]
fn a_stalled_replicas_buffer_refuses_no_write() {
    stalled_replica_under("noeviction");
}

/// Client eviction counts normal and Pub/Sub clients only, as Redis does:
/// a replica that stops reading holds far more than `maxmemory-clients`,
/// and neither it nor the client writing is evicted for it.
#[test]
fn a_stalled_replicas_buffer_evicts_no_client() {
    let dir = scratch("stalled-replica-clients");
    let primary = Binary::spawn_in(
        &dir,
        &[
            "--maxmemory-clients",
            "4mb",
            "--client-output-buffer-limit",
            "replica 0 0 0",
        ],
    );
    let mut p = Raw::connect(primary.addr);
    let replica = stalled_replica(&mut p, primary.addr);
    write_rounds(&mut p, 200);
    let slaves = field(&mut p, "memory", "mem_clients_slaves");
    assert!(slaves > 8 << 20, "the replica holds {slaves} bytes");
    // A tick for the shards to sum the clients' memory.
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(p.call(&["PING"]), b"+PONG\r\n");
    assert_eq!(field(&mut p, "stats", "evicted_clients"), 0);
    assert_eq!(field(&mut p, "replication", "connected_slaves"), 1);
    drop((p, replica));
    drop(primary);
    let _ = std::fs::remove_dir_all(&dir);
}
