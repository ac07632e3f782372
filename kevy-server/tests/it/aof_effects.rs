//! Commands the append-only file logs by their effect, as Redis 7.0
//! rewrites them, checked across a restart: XADD's generated IDs and
//! approximate trims, RESTORE's relative TTL.

use crate::aof::{check_aof, con, kevy, kill, q, temp};

/// XADD's generated IDs and approximate trims replay alike: logged as the
/// ID added and the exact length or first ID left (as Redis 7.0 does), a
/// restart with another node size and shard count gives the same streams.
#[test]
fn stream_ids_and_approximate_trims_replay_alike() {
    let dir = temp("streams");
    let a = crate::persist_util::kevy_aof(&dir, 2, &["--stream-node-max-entries", "10"]);
    let mut c = con(a.addr);
    for i in 0..40 {
        q(&mut c, &["XADD", "s", "*", "i", &i.to_string()]);
        q(
            &mut c,
            &["XADD", "t", "MAXLEN", "~", "15", "*", "i", &i.to_string()],
        );
    }
    q(&mut c, &["XADD", "s", "99999999999999-*", "last", "1"]);
    q(
        &mut c,
        &[
            "XADD", "u", "MINID", "~", "0-1", "LIMIT", "5", "5-*", "a", "1",
        ],
    );
    q(&mut c, &["XTRIM", "s", "MAXLEN", "~", "25", "LIMIT", "20"]);
    q(&mut c, &["XTRIM", "t", "MINID", "~", "1-0"]);
    let streams = |addr| {
        let mut c = crate::util::Raw::connect(addr);
        ["s", "t", "u"].map(|k| (c.call(&["XLEN", k]), c.call(&["XRANGE", k, "-", "+"])))
    };
    let before = streams(a.addr);
    kill(a);
    check_aof(&dir);
    let b = crate::persist_util::kevy_aof(&dir, 3, &["--stream-node-max-entries", "1"]);
    assert_eq!(streams(b.addr), before);
    kill(b);
    let _ = std::fs::remove_dir_all(&dir);
}

/// RESTORE with a relative TTL is logged with its deadline (ABSTTL), as
/// Redis 7.0 does: the key keeps its deadline across a restart.
#[test]
fn restore_keeps_its_deadline_across_a_restart() {
    let dir = temp("restore");
    let a = kevy(&dir, 2, "always");
    let mut c = crate::util::Raw::connect(a.addr);
    c.call(&["SET", "k", "v"]);
    let payload = crate::util::bulk_body(&c.call(&["DUMP", "k"]))
        .unwrap()
        .to_vec();
    let p: &[u8] = &payload;
    c.call_bytes(&[b"RESTORE", b"k1", b"100000000", p]);
    c.call_bytes(&[b"RESTORE", b"k2", b"0", p]);
    c.call_bytes(&[b"RESTORE", b"k", b"1", p, b"REPLACE", b"ABSTTL"]);
    let times = |addr| {
        let mut c = crate::util::Raw::connect(addr);
        ["k", "k1", "k2"].map(|k| c.call(&["PEXPIRETIME", k]))
    };
    let before = times(a.addr);
    assert_eq!(before[0], b":-2\r\n");
    kill(a);
    let b = kevy(&dir, 3, "always");
    assert_eq!(times(b.addr), before);
    kill(b);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The pending entries of group `g` of stream `s` as XINFO STREAM FULL
/// shows them: `[id, consumer, delivery time, delivery count]` each.
fn pending(addr: std::net::SocketAddr) -> Vec<redis::Value> {
    use redis::Value;
    let mut c = con(addr);
    let full: Value = redis::cmd("XINFO")
        .arg("STREAM")
        .arg("s")
        .arg("FULL")
        .query(&mut c)
        .unwrap();
    let field = |v: &Value, name: &str| -> Option<Value> {
        let Value::Array(items) = v else { return None };
        items.chunks(2).find_map(|kv| match &kv[0] {
            Value::BulkString(k) if k == name.as_bytes() => Some(kv[1].clone()),
            _ => None,
        })
    };
    let Some(Value::Array(groups)) = field(&full, "groups") else {
        panic!("no groups in {full:?}");
    };
    match field(&groups[0], "pending") {
        Some(Value::Array(p)) => p,
        other => panic!("no pending list: {other:?}"),
    }
}

/// Claims are logged as Redis logs them, with each entry's delivery time
/// and count: the pending list is the same after a restart (its delivery
/// times too), and entries found deleted stay dropped.
#[test]
fn claimed_entries_keep_their_delivery_times_across_a_restart() {
    let dir = temp("claims");
    let a = kevy(&dir, 2, "always");
    let mut c = con(a.addr);
    for i in 1..=6 {
        q(&mut c, &["XADD", "s", &format!("{i}-0"), "f", "v"]);
    }
    q(&mut c, &["XGROUP", "CREATE", "s", "g", "0"]);
    q(
        &mut c,
        &[
            "XREADGROUP",
            "GROUP",
            "g",
            "alice",
            "COUNT",
            "5",
            "STREAMS",
            "s",
            ">",
        ],
    );
    q(
        &mut c,
        &["XCLAIM", "s", "g", "bob", "0", "1-0", "IDLE", "5000000"],
    );
    q(
        &mut c,
        &[
            "XCLAIM", "s", "g", "carol", "3600000", "1-0", "2-0", "JUSTID",
        ],
    );
    q(
        &mut c,
        &[
            "XCLAIM",
            "s",
            "g",
            "dave",
            "0",
            "3-0",
            "RETRYCOUNT",
            "7",
            "LASTID",
            "5-0",
        ],
    );
    q(&mut c, &["XDEL", "s", "4-0"]);
    q(
        &mut c,
        &["XAUTOCLAIM", "s", "g", "erin", "0", "0-0", "COUNT", "10"],
    );
    let before = pending(a.addr);
    assert_eq!(before.len(), 4, "{before:?}");
    // A read after the claims (logged as given when it did not block, so
    // replayed with the time of the replay).
    let read = |c: &mut redis::Connection, who: &str, noack: bool| {
        let mut args = vec!["XREADGROUP", "GROUP", "g", who];
        if noack {
            args.push("NOACK");
        }
        args.extend(["STREAMS", "s", ">"]);
        q(c, &args);
    };
    read(&mut c, "frank", false);
    q(&mut c, &["XADD", "s", "7-0", "f", "v"]);
    read(&mut c, "gina", true);
    kill(a);
    check_aof(&dir);
    let b = kevy(&dir, 3, "always");
    let after = pending(b.addr);
    assert_eq!(after[..4], before[..]);
    assert_eq!(after.len(), 5, "{after:?}");
    // NOACK's read moved the group past 7-0: nothing new to read.
    let mut c = con(b.addr);
    let again = q(
        &mut c,
        &["XREADGROUP", "GROUP", "g", "x", "STREAMS", "s", ">"],
    );
    assert_eq!(again, redis::Value::Nil);
    kill(b);
    let _ = std::fs::remove_dir_all(&dir);
}
