//! Keys are not expired while clients are paused, compared with
//! redis-server 7.0 (its `pause.tcl` case): during `CLIENT PAUSE` an
//! expired key reads as missing (GET, EXISTS, TTL) but stays (DBSIZE,
//! `expired_keys`, no `expired` event) until the pause ends; then the next
//! lookup expires it. Keys on both shards.

use crate::util::{encode_str, same_as_redis, shard_of, Raw};

fn expired_keys(c: &mut Raw) -> String {
    let info = String::from_utf8_lossy(&c.call(&["INFO", "stats"])).into_owned();
    info.lines()
        .find(|l| l.starts_with("expired_keys:"))
        .unwrap_or_default()
        .to_string()
}

fn session(addr: std::net::SocketAddr) -> Vec<String> {
    let mut c = Raw::connect(addr);
    let mut sub = Raw::connect(addr);
    let mut out = Vec::new();
    let mut push = |b: Vec<u8>| out.push(String::from_utf8_lossy(&b).into_owned());
    push(c.call(&["CONFIG", "SET", "notify-keyspace-events", "Ex"]));
    push(sub.call(&["SUBSCRIBE", "__keyevent@0__:expired"]));
    push(c.call(&["CONFIG", "RESETSTAT"]));
    push(c.call(&["MULTI"]));
    push(c.call(&["SET", "a", "1", "PX", "10"]));
    push(c.call(&["SET", "b", "2", "PX", "10"]));
    push(c.call(&["CLIENT", "PAUSE", "50000", "WRITE"]));
    push(c.call(&["EXEC"]));
    // Until both read as expired (no clock in the assertions).
    while c.call(&["EXISTS", "a", "b"]) != b":0\r\n" {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    push(c.call(&["GET", "a"]));
    push(c.call(&["TTL", "b"]));
    push(c.call(&["DBSIZE"]));
    push(expired_keys(&mut c).into_bytes());
    push(c.call(&["CLIENT", "UNPAUSE"]));
    push(c.call(&["GET", "a"]));
    push(c.call(&["GET", "b"]));
    push(c.call(&["DBSIZE"]));
    push(expired_keys(&mut c).into_bytes());
    // The expired events came only now, one per key.
    push(sub.reply());
    push(sub.reply());
    sub.send(&encode_str(&["UNSUBSCRIBE"]));
    push(sub.reply());
    push(c.call(&["CONFIG", "SET", "notify-keyspace-events", ""]));
    out
}

#[test]
fn expired_keys_stay_while_clients_are_paused() {
    assert_ne!(shard_of("a"), shard_of("b"), "keys on both shards");
    let want = same_as_redis(session);
    assert_eq!(want[10], ":2\r\n", "{want:?}");
    assert_eq!(want[11], "expired_keys:0");
    assert_eq!(want[16], "expired_keys:2");
}
