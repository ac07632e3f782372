//! `COMMAND INFO` of every command kevy implements, compared byte for byte
//! with redis-server 7.0.15's. A container command (CLIENT, CONFIG…) lists
//! only the subcommands kevy implements: redis-server's entry is compared
//! with its subcommands narrowed to those. Subcommands come in hash order
//! (redis-server's differs from one start to the next), so both sides are
//! compared with their subcommands sorted by name. Compared in RESP2 and in
//! RESP3 (flags, categories, tips, key specs and subcommands are sets there,
//! key specs maps).

use crate::util::{array_items, bulk_body, kevy, Raw, RedisServer};

/// The name (first element) of a `COMMAND INFO` entry.
fn name(entry: &[u8]) -> Vec<u8> {
    let items = array_items(entry).expect("an entry");
    bulk_body(items[0]).expect("a name").to_vec()
}

/// `entry` with its subcommands (element 10) narrowed to `keep` (all when
/// `None`) and sorted by name.
fn narrowed(entry: &[u8], keep: Option<&[Vec<u8>]>) -> Vec<u8> {
    let items = array_items(entry).expect("an entry");
    assert_eq!(items.len(), 10);
    let mut out = b"*10\r\n".to_vec();
    for item in &items[..9] {
        out.extend_from_slice(item);
    }
    let mut subs: Vec<&[u8]> = array_items(items[9])
        .expect("subcommands")
        .into_iter()
        .filter(|s| keep.is_none_or(|k| k.contains(&name(s))))
        .collect();
    subs.sort_by_key(|s| name(s));
    // `*` in RESP2, a set `~` in RESP3.
    let kind = items[9][0] as char;
    out.extend_from_slice(format!("{kind}{}\r\n", subs.len()).as_bytes());
    for s in subs {
        out.extend_from_slice(s);
    }
    out
}

#[test]
fn command_info_matches_redis_for_every_command() {
    let redis = RedisServer::start();
    let server = kevy();
    for resp3 in [false, true] {
        let mut r = Raw::connect(redis.addr());
        let mut k = Raw::connect(server.addr());
        if resp3 {
            r.call(&["HELLO", "3"]);
            k.call(&["HELLO", "3"]);
        }
        compare_every_command(&mut r, &mut k);
    }
    server.stop();
}

/// Compares `COMMAND INFO` of every command kevy lists, over `r` (redis) and
/// `k` (kevy).
fn compare_every_command(r: &mut Raw, k: &mut Raw) {
    let list = k.call(&["COMMAND", "LIST"]);
    let names: Vec<Vec<u8>> = array_items(&list)
        .expect("COMMAND LIST")
        .into_iter()
        .map(|n| bulk_body(n).expect("a name").to_vec())
        .collect();
    assert!(names.len() > 100);
    let mut checked = 0;
    for n in &names {
        let ours = k.call_bytes(&[b"COMMAND", b"INFO", n]);
        let theirs = r.call_bytes(&[b"COMMAND", b"INFO", n]);
        let ours = array_items(&ours).expect("an array")[0].to_vec();
        let theirs = array_items(&theirs).expect("an array")[0].to_vec();
        let label = String::from_utf8_lossy(n);
        assert!(
            theirs != b"*-1\r\n" && theirs != b"_\r\n",
            "redis-server has no {label}"
        );
        let sub_names: Vec<Vec<u8>> = array_items(&ours).expect("an entry")[9..]
            .iter()
            .flat_map(|s| array_items(s).unwrap_or_default())
            .map(name)
            .collect();
        let (ours, theirs) = (narrowed(&ours, None), narrowed(&theirs, Some(&sub_names)));
        assert_eq!(
            String::from_utf8_lossy(&ours),
            String::from_utf8_lossy(&theirs),
            "COMMAND INFO {label}"
        );
        checked += 1;
    }
    assert_eq!(checked, names.len());
}
