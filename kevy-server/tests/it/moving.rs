//! A connection whose commands keep going to keys of the other shard moves
//! there (kevy-rt's `Builder::move_after`): the client sees the same
//! connection (id, name, CLIENT LIST, CLIENT KILL), and a connection with
//! state on its shard (subscriptions, tracking, WATCH, MULTI) never moves,
//! so its messages, invalidations and aborts still reach it.

use crate::util::{connect_on, kevy, key_on, Raw, SHARDS};

/// Connections that moved to each shard of `server`.
fn moved_in(server: &kevy_rt::Server) -> Vec<u64> {
    server.stats().moved_in()
}

/// Sends `n` GETs of `key` one at a time (each answered before the next).
fn gets(c: &mut Raw, key: &str, n: usize) {
    for _ in 0..n {
        let r = c.call(&["GET", key]);
        assert!(r.starts_with(b"$") || r.starts_with(b"_"), "{r:?}");
    }
}

#[test]
fn a_moved_connection_is_the_same_client() {
    let server = kevy();
    let (mut c, home) = connect_on(&server);
    let other = (home + 1) % SHARDS;
    let list = key_on(other, "moving:list");
    assert_eq!(c.call(&["CLIENT", "SETNAME", "mover"]), b"+OK\r\n");
    let id = c.call(&["CLIENT", "ID"]);
    for i in 1..=100 {
        assert_eq!(
            c.call(&["LPUSH", &list, "x"]),
            format!(":{i}\r\n").as_bytes()
        );
    }
    // The move happens between two commands once the connection is quiet.
    let moved = (0..1000).any(|_| {
        c.call(&["PING"]);
        moved_in(&server)[other] == 1
    });
    assert!(moved, "the connection never moved: {:?}", moved_in(&server));
    assert_eq!(c.call(&["CLIENT", "ID"]), id);
    assert_eq!(c.call(&["CLIENT", "GETNAME"]), b"$5\r\nmover\r\n");
    assert_eq!(c.call(&["LLEN", &list]), b":100\r\n");
    // Listed once, on its new shard, and killed there by id.
    let mut killer = Raw::connect(server.addr());
    let listing = killer.call(&["CLIENT", "LIST"]);
    let text = String::from_utf8_lossy(&listing);
    assert_eq!(text.matches("name=mover").count(), 1, "{text}");
    let id = String::from_utf8_lossy(&id)
        .trim_start_matches(':')
        .trim()
        .to_string();
    assert_eq!(killer.call(&["CLIENT", "KILL", "ID", &id]), b":1\r\n");
    assert_eq!(c.read_to_close(), b"");
}

#[test]
fn connections_with_state_on_their_shard_stay() {
    let server = kevy();
    let (mut writer, _) = connect_on(&server);
    // One of each kind on each shard, reading keys of the other shard.
    for home in 0..SHARDS {
        let other = (home + 1) % SHARDS;
        let key = key_on(other, &format!("stay{home}:"));
        let before = moved_in(&server);
        let (mut tracked, h) = loop {
            let (c, h) = connect_on(&server);
            if h == home {
                break (c, h);
            }
        };
        assert_eq!(h, home);
        tracked.call(&["HELLO", "3"]);
        assert_eq!(tracked.call(&["CLIENT", "TRACKING", "ON"]), b"+OK\r\n");
        gets(&mut tracked, &key, 100);
        let (mut subscribed, _) = loop {
            let (c, h) = connect_on(&server);
            if h == home {
                break (c, h);
            }
        };
        subscribed.call(&["HELLO", "3"]);
        subscribed.send(b"*2\r\n$9\r\nSUBSCRIBE\r\n$2\r\nch\r\n");
        assert!(subscribed.reply().starts_with(b">3\r\n$9\r\nsubscribe"));
        gets(&mut subscribed, &key, 100);
        let (mut watching, _) = loop {
            let (c, h) = connect_on(&server);
            if h == home {
                break (c, h);
            }
        };
        assert_eq!(watching.call(&["WATCH", &key]), b"+OK\r\n");
        gets(&mut watching, &key, 100);
        for c in [&mut tracked, &mut subscribed, &mut watching] {
            c.call(&["PING"]);
        }
        assert_eq!(moved_in(&server), before, "a connection with state moved");
        // What their state promised still reaches them.
        assert_eq!(writer.call(&["SET", &key, "changed"]), b"+OK\r\n");
        let push = tracked.reply();
        assert!(push.starts_with(b">2\r\n$10\r\ninvalidate"), "{push:?}");
        assert_eq!(writer.call(&["PUBLISH", "ch", "hi"]), b":1\r\n");
        let msg = subscribed.reply();
        assert!(msg.ends_with(b"$2\r\nhi\r\n"), "{msg:?}");
        assert_eq!(watching.call(&["MULTI"]), b"+OK\r\n");
        assert_eq!(watching.call(&["GET", &key]), b"+QUEUED\r\n");
        assert_eq!(watching.call(&["EXEC"]), b"*-1\r\n");
    }
}
