//! Client eviction (`maxmemory-clients`) on 2 shards: clients whose
//! buffers take the connections past the limit are closed biggest first
//! (counted in INFO's `evicted_clients`), a `CLIENT NO-EVICT on` client is
//! spared, and small well-behaved clients keep being served; each eviction
//! is logged with the client's `CLIENT LIST` line, as Redis does.

use std::sync::{Arc, Mutex};

use kevy_commands::base::log::Level;
use kevy_commands::Redis;

use crate::util::{kevy_with, Raw};

/// A numeric field of INFO stats.
fn evicted(c: &mut Raw) -> u64 {
    let reply = c.call(&["INFO", "stats"]);
    String::from_utf8_lossy(&reply)
        .lines()
        .find_map(|l| l.strip_prefix("evicted_clients:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("evicted_clients in INFO stats")
}

/// Starts a SET whose 4 MB value arrives only in part (`bytes` of it): the
/// connection's read buffer grows as the bytes arrive (so each such client
/// sending 3.5 MB holds at least that: two are over the 6 MB limit, one is
/// not).
fn half_sent_set(c: &mut Raw, bytes: usize) {
    c.send(b"*3\r\n$3\r\nSET\r\n$4\r\nhuge\r\n$4194304\r\n");
    c.send(&vec![b'x'; bytes]);
}

#[test]
fn the_biggest_clients_go_first_and_no_evict_ones_stay() {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let redis = Redis::default();
    let keep = lines.clone();
    redis.shared().log.set(move |level, msg| {
        keep.lock().unwrap().push((level, msg.to_string()));
    });
    let server = kevy_with(redis);
    let mut admin = Raw::connect(server.addr());
    assert_eq!(admin.call(&["CLIENT", "NO-EVICT", "on"]), b"+OK\r\n");
    assert_eq!(
        admin.call(&["CONFIG", "SET", "maxmemory-clients", "6mb"]),
        b"+OK\r\n"
    );
    assert_eq!(
        admin.call(&["CONFIG", "GET", "maxmemory-clients"]),
        b"*2\r\n$17\r\nmaxmemory-clients\r\n$7\r\n6291456\r\n"
    );
    let mut small: Vec<Raw> = (0..6).map(|_| Raw::connect(server.addr())).collect();
    for c in &mut small {
        assert_eq!(c.call(&["SET", "k", "v"]), b"+OK\r\n");
    }
    let mut spared = Raw::connect(server.addr());
    assert_eq!(spared.call(&["CLIENT", "NO-EVICT", "on"]), b"+OK\r\n");
    const SENT: usize = 7 << 19; // 3.5 MB
    half_sent_set(&mut spared, SENT);
    let mut hog = Raw::connect(server.addr());
    let id = String::from_utf8(hog.call(&["CLIENT", "ID"])).unwrap();
    let id = id.trim().trim_start_matches(':').to_string();
    let hog_addr = hog.local_addr();
    half_sent_set(&mut hog, SENT);
    // The hog is closed at a tick; it never gets a reply.
    assert_eq!(hog.try_reply(), None);
    assert!(evicted(&mut admin) >= 1);
    // Logged, with who it was (Redis: "Evicting client: id=… addr=…").
    let logged = lines.lock().unwrap().clone();
    let line = logged
        .iter()
        .find(|(_, m)| m.starts_with(&format!("Evicting client: id={id} addr={hog_addr} ")))
        .unwrap_or_else(|| panic!("no eviction logged for client {id}: {logged:?}"));
    assert_eq!(line.0, Level::Notice);
    assert!(line.1.contains(" cmd=client|id "), "{}", line.1);
    assert!(line.1.contains(" qbuf="), "{}", line.1);
    for c in &mut small {
        assert_eq!(c.call(&["GET", "k"]), b"$1\r\nv\r\n");
    }
    // The spared client finishes its SET.
    spared.send(&vec![b'x'; (4 << 20) - SENT]);
    spared.send(b"\r\n");
    assert_eq!(spared.reply(), b"+OK\r\n");
    assert_eq!(admin.call(&["STRLEN", "huge"]), b":4194304\r\n");
    assert_eq!(
        admin.call(&["CONFIG", "SET", "maxmemory-clients", "0"]),
        b"+OK\r\n"
    );
    server.stop();
}
