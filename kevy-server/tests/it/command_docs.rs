//! `COMMAND DOCS` of every command kevy implements, compared byte for byte
//! with redis-server 7.0.15's, in RESP2 and RESP3: by name (each command and
//! each subcommand, `config|get`), and the no-argument form as an unordered
//! map (redis-server lists its commands in hash order). As in
//! `command_info.rs`, a container lists only the subcommands kevy
//! implements: redis-server's `subcommands` map is narrowed to those, and
//! both are sorted by name (hash order again).

use crate::util::{array_items, bulk_body, kevy, Raw, RedisServer};

/// A map reply's `(key, value)` pairs (RESP2: an array alternating them).
fn pairs(reply: &[u8]) -> Vec<(&[u8], &[u8])> {
    let items = array_items(reply).expect("a map");
    items.chunks(2).map(|kv| (kv[0], kv[1])).collect()
}

/// A map header for `n` pairs, in the protocol `like` (a map reply) uses.
fn map_header(like: &[u8], n: usize) -> Vec<u8> {
    match like[0] {
        b'%' => format!("%{n}\r\n"),
        _ => format!("*{}\r\n", 2 * n),
    }
    .into_bytes()
}

/// A docs map with its `subcommands` narrowed to `keep` (all when `None`)
/// and sorted by name, recursively.
fn narrowed(docs: &[u8], keep: Option<&[Vec<u8>]>) -> Vec<u8> {
    let fields = pairs(docs);
    let mut out = map_header(docs, fields.len());
    for (k, v) in fields {
        out.extend_from_slice(k);
        if bulk_body(k) == Some(b"subcommands") {
            let mut subs: Vec<(&[u8], &[u8])> = pairs(v)
                .into_iter()
                .filter(|(n, _)| {
                    keep.is_none_or(|k| k.iter().any(|s| Some(&s[..]) == bulk_body(n)))
                })
                .collect();
            subs.sort_by_key(|(n, _)| n.to_vec());
            out.extend_from_slice(&map_header(v, subs.len()));
            for (n, d) in subs {
                out.extend_from_slice(n);
                out.extend_from_slice(&narrowed(d, None));
            }
        } else {
            out.extend_from_slice(v);
        }
    }
    out
}

/// The names of the subcommands in a docs map.
fn sub_names(docs: &[u8]) -> Vec<Vec<u8>> {
    pairs(docs)
        .into_iter()
        .filter(|(k, _)| bulk_body(k) == Some(b"subcommands"))
        .flat_map(|(_, v)| pairs(v))
        .map(|(n, _)| bulk_body(n).expect("a name").to_vec())
        .collect()
}

/// Kevy's and redis-server's docs entry, compared after narrowing.
fn compare(label: &str, ours: &[u8], theirs: &[u8]) {
    let keep = sub_names(ours);
    let (ours, theirs) = (narrowed(ours, None), narrowed(theirs, Some(&keep)));
    assert_eq!(
        String::from_utf8_lossy(&ours),
        String::from_utf8_lossy(&theirs),
        "COMMAND DOCS {label}"
    );
}

#[test]
fn command_docs_matches_redis_for_every_command() {
    let redis = RedisServer::start();
    let server = kevy();
    for resp3 in [false, true] {
        let mut r = Raw::connect(redis.addr());
        let mut k = Raw::connect(server.addr());
        if resp3 {
            r.call(&["HELLO", "3"]);
            k.call(&["HELLO", "3"]);
        }
        by_name(&mut r, &mut k);
        all_at_once(&mut r, &mut k);
    }
    server.stop();
}

/// `COMMAND DOCS <name>` of every name in kevy's `COMMAND LIST`.
fn by_name(r: &mut Raw, k: &mut Raw) {
    let list = k.call(&["COMMAND", "LIST"]);
    let names: Vec<Vec<u8>> = array_items(&list)
        .expect("COMMAND LIST")
        .into_iter()
        .map(|n| bulk_body(n).expect("a name").to_vec())
        .collect();
    assert!(names.len() > 100);
    for n in &names {
        let label = String::from_utf8_lossy(n);
        let ours = k.call_bytes(&[b"COMMAND", b"DOCS", n]);
        let theirs = r.call_bytes(&[b"COMMAND", b"DOCS", n]);
        let (ours, theirs) = (pairs(&ours), pairs(&theirs));
        assert_eq!(theirs.len(), 1, "redis-server has no {label}");
        assert_eq!(ours.len(), 1, "kevy has no docs of {label}");
        assert_eq!(ours[0].0, theirs[0].0);
        compare(&label, ours[0].1, theirs[0].1);
    }
}

/// `COMMAND DOCS` with no names: every kevy command, each as redis-server
/// reports it.
fn all_at_once(r: &mut Raw, k: &mut Raw) {
    let ours = k.call(&["COMMAND", "DOCS"]);
    let theirs = r.call(&["COMMAND", "DOCS"]);
    let theirs = pairs(&theirs);
    let ours = pairs(&ours);
    let count = k.call(&["COMMAND", "COUNT"]);
    assert_eq!(format!(":{}\r\n", ours.len()).as_bytes(), &count[..]);
    for (name, docs) in ours {
        let label = String::from_utf8_lossy(bulk_body(name).expect("a name"));
        let (_, want) = theirs
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("redis-server has no {label}"));
        compare(&label, docs, want);
    }
}
