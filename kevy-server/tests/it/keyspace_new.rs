//! The `n` (new key) keyspace-notification class set together with `A`,
//! compared with redis-server 7.0: CONFIG GET shows `AKE` (Redis's text
//! hides `n` after `A`) yet new-key events still fire.

use crate::util::{encode_str, same_as_redis, Raw};

fn session(addr: std::net::SocketAddr) -> Vec<Vec<u8>> {
    let mut c = Raw::connect(addr);
    let mut sub = Raw::connect(addr);
    let mut out = vec![c.call(&["CONFIG", "SET", "notify-keyspace-events", "KEAn"])];
    out.push(c.call(&["CONFIG", "GET", "notify-keyspace-events"]));
    out.push(sub.call(&["SUBSCRIBE", "__keyevent@0__:new"]));
    c.call(&["DEL", "fresh1", "fresh2"]);
    out.push(c.call(&["SET", "fresh1", "x"]));
    out.push(c.call(&["SET", "fresh1", "y"]));
    out.push(c.call(&["LPUSH", "fresh2", "a"]));
    out.push(sub.reply());
    out.push(sub.reply());
    sub.send(&encode_str(&["UNSUBSCRIBE"]));
    out.push(sub.reply());
    out.push(c.call(&["CONFIG", "SET", "notify-keyspace-events", ""]));
    out
}

#[test]
fn new_key_events_fire_with_all_classes() {
    let want = same_as_redis(session);
    assert_eq!(
        want[1],
        b"*2\r\n$22\r\nnotify-keyspace-events\r\n$3\r\nAKE\r\n"
    );
}
