//! The command set in-process over 3 shards (kevy-rt's `Harness`), on a manual
//! clock: expiration, delayed `flush_all`, CAS, `incr`/`decr` and scattered gets.
//! Storage requests are given as the decoder delivers them: tokens, an empty
//! separator, then the data block with its `\r\n`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use kevy_rt::testing::Harness;

use crate::{Clock, Memcached};

const T0: u64 = 1_700_000_000;

fn harness() -> (Harness<Memcached>, Arc<AtomicU64>) {
    let (clock, t) = Clock::manual(T0);
    (Harness::new(Memcached::with_clock(clock), 3), t)
}

fn set(h: &mut Harness<Memcached>, verb: &str, key: &str, exptime: &str, data: &str) -> String {
    let len = data.len().to_string();
    let block = format!("{data}\r\n");
    String::from_utf8(h.run(&[verb, key, "0", exptime, &len, "", &block])).unwrap()
}

fn get(h: &mut Harness<Memcached>, keys: &[&str]) -> String {
    let mut args = vec!["get"];
    args.extend_from_slice(keys);
    String::from_utf8(h.run(&args)).unwrap()
}

/// The CAS unique of `key` from `gets`.
fn cas_of(h: &mut Harness<Memcached>, key: &str) -> String {
    let r = String::from_utf8(h.run(&["gets", key])).unwrap();
    r.split("\r\n")
        .next()
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .to_string()
}

#[test]
fn relative_and_absolute_expiration() {
    let (mut h, t) = harness();
    assert_eq!(set(&mut h, "set", "rel", "10", "a"), "STORED\r\n");
    let abs = (T0 + 100).to_string();
    assert_eq!(set(&mut h, "set", "abs", &abs, "b"), "STORED\r\n");
    assert_eq!(
        set(&mut h, "set", "past", &(T0 - 1).to_string(), "c"),
        "STORED\r\n"
    );
    assert_eq!(set(&mut h, "set", "neg", "-1", "d"), "STORED\r\n");
    assert_eq!(get(&mut h, &["past", "neg"]), "END\r\n");
    t.store(T0 + 9, Ordering::Relaxed);
    assert_eq!(get(&mut h, &["rel"]), "VALUE rel 0 1\r\na\r\nEND\r\n");
    t.store(T0 + 10, Ordering::Relaxed);
    assert_eq!(
        get(&mut h, &["rel", "abs"]),
        "VALUE abs 0 1\r\nb\r\nEND\r\n"
    );
    t.store(T0 + 100, Ordering::Relaxed);
    assert_eq!(get(&mut h, &["abs"]), "END\r\n");
}

#[test]
fn touch_and_gat_move_the_deadline() {
    let (mut h, t) = harness();
    set(&mut h, "set", "k", "5", "v");
    assert_eq!(h.run(&["touch", "k", "100"]), b"TOUCHED\r\n");
    assert_eq!(h.run(&["touch", "nope", "100"]), b"NOT_FOUND\r\n");
    t.store(T0 + 50, Ordering::Relaxed);
    assert_eq!(
        h.run(&["gat", "10", "k", "nope"]),
        b"VALUE k 0 1\r\nv\r\nEND\r\n"
    );
    t.store(T0 + 60, Ordering::Relaxed);
    assert_eq!(get(&mut h, &["k"]), "END\r\n");
    set(&mut h, "set", "k", "0", "v");
    assert_eq!(h.run(&["touch", "k", "-1"]), b"TOUCHED\r\n");
    assert_eq!(get(&mut h, &["k"]), "END\r\n");
}

#[test]
fn the_tick_drops_expired_items() {
    let (mut h, t) = harness();
    for i in 0..30 {
        set(
            &mut h,
            "set",
            &format!("k{i}"),
            if i % 2 == 0 { "5" } else { "0" },
            "v",
        );
    }
    set(&mut h, "set", "k0", "50", "v"); // a newer deadline: the old heap entry is stale
    let held = |h: &mut Harness<Memcached>| (0..3).map(|s| h.shard(s).len()).sum::<usize>();
    assert_eq!(held(&mut h), 30);
    t.store(T0 + 5, Ordering::Relaxed);
    h.tick();
    assert_eq!(held(&mut h), 16);
    assert_eq!(get(&mut h, &["k0"]), "VALUE k0 0 1\r\nv\r\nEND\r\n");
}

#[test]
fn delayed_flush_all_invalidates_older_items_at_its_deadline() {
    let (mut h, t) = harness();
    set(&mut h, "set", "old", "0", "o");
    assert_eq!(h.run(&["flush_all", "10"]), b"OK\r\n");
    t.store(T0 + 8, Ordering::Relaxed);
    assert_eq!(get(&mut h, &["old"]), "VALUE old 0 1\r\no\r\nEND\r\n");
    set(&mut h, "set", "mid", "0", "m");
    // memcached's deadline is the second before the one asked for.
    t.store(T0 + 9, Ordering::Relaxed);
    assert_eq!(get(&mut h, &["old", "mid"]), "END\r\n");
    // An item stored in that very second is older than the deadline too.
    set(&mut h, "set", "same", "0", "s");
    assert_eq!(get(&mut h, &["same"]), "END\r\n");
    t.store(T0 + 10, Ordering::Relaxed);
    set(&mut h, "set", "new", "0", "n");
    t.store(T0 + 11, Ordering::Relaxed);
    h.tick();
    assert_eq!(get(&mut h, &["new"]), "VALUE new 0 1\r\nn\r\nEND\r\n");
    assert_eq!(h.run(&["flush_all"]), b"OK\r\n");
    assert_eq!(get(&mut h, &["new"]), "END\r\n");
    assert_eq!(h.run(&["flush_all", "noreply"]), b"");
}

#[test]
fn cas_matches_only_the_current_unique() {
    let (mut h, _) = harness();
    set(&mut h, "set", "k", "0", "v1");
    let cas = cas_of(&mut h, "k");
    let stale = cas.clone();
    assert_eq!(
        h.run(&["cas", "k", "3", "0", "2", &cas, "", "v2\r\n"]),
        b"STORED\r\n"
    );
    assert_eq!(
        h.run(&["cas", "k", "3", "0", "2", &stale, "", "v3\r\n"]),
        b"EXISTS\r\n"
    );
    assert_eq!(
        h.run(&["cas", "k", "3", "0", "2", "0", "", "v3\r\n"]),
        b"EXISTS\r\n"
    );
    assert_eq!(
        h.run(&["cas", "nope", "0", "0", "1", "1", "", "z\r\n"]),
        b"NOT_FOUND\r\n"
    );
    assert_eq!(get(&mut h, &["k"]), "VALUE k 3 2\r\nv2\r\nEND\r\n");
    // touch keeps the unique; append and incr change it.
    let before = cas_of(&mut h, "k");
    h.run(&["touch", "k", "0"]);
    assert_eq!(cas_of(&mut h, "k"), before);
    set(&mut h, "append", "k", "0", "x");
    assert_ne!(cas_of(&mut h, "k"), before);
}

#[test]
fn uniques_never_repeat_across_shards() {
    let (mut h, _) = harness();
    let mut seen = std::collections::HashSet::new();
    for i in 0..60 {
        let k = format!("k{i}");
        set(&mut h, "set", &k, "0", "v");
        assert!(seen.insert(cas_of(&mut h, &k)));
    }
}

#[test]
fn incr_and_decr_follow_memcached() {
    let (mut h, _) = harness();
    set(&mut h, "set", "n", "0", "100");
    assert_eq!(h.run(&["decr", "n", "1"]), b"99\r\n");
    assert_eq!(get(&mut h, &["n"]), "VALUE n 0 3\r\n99 \r\nEND\r\n");
    assert_eq!(h.run(&["incr", "n", "901"]), b"1000\r\n");
    assert_eq!(get(&mut h, &["n"]), "VALUE n 0 4\r\n1000\r\nEND\r\n");
    assert_eq!(h.run(&["decr", "n", "5000"]), b"0\r\n");
    set(&mut h, "set", "n", "0", "18446744073709551615");
    assert_eq!(h.run(&["incr", "n", "2"]), b"1\r\n");
    assert_eq!(h.run(&["incr", "missing", "1"]), b"NOT_FOUND\r\n");
    set(&mut h, "set", "s", "0", "12abc");
    let non_numeric = b"CLIENT_ERROR cannot increment or decrement non-numeric value\r\n";
    assert_eq!(h.run(&["incr", "s", "1"]), non_numeric);
    set(&mut h, "set", "e", "0", "");
    assert_eq!(h.run(&["incr", "e", "1"]), non_numeric);
    assert_eq!(
        h.run(&["incr", "n", "-1"]),
        b"CLIENT_ERROR invalid numeric delta argument\r\n"
    );
    assert_eq!(h.run(&["incr", "n", "1", "noreply"]), b"");
    assert_eq!(
        get(&mut h, &["n"]),
        "VALUE n 0 20\r\n2                   \r\nEND\r\n"
    );
}

#[test]
fn storage_modes() {
    let (mut h, _) = harness();
    assert_eq!(set(&mut h, "add", "k", "0", "a"), "STORED\r\n");
    assert_eq!(set(&mut h, "add", "k", "0", "b"), "NOT_STORED\r\n");
    assert_eq!(set(&mut h, "replace", "k", "0", "c"), "STORED\r\n");
    assert_eq!(set(&mut h, "replace", "none", "0", "c"), "NOT_STORED\r\n");
    assert_eq!(set(&mut h, "append", "k", "0", "de"), "STORED\r\n");
    assert_eq!(set(&mut h, "prepend", "k", "0", "xy"), "STORED\r\n");
    assert_eq!(set(&mut h, "append", "none", "0", "c"), "NOT_STORED\r\n");
    assert_eq!(get(&mut h, &["k"]), "VALUE k 0 5\r\nxycde\r\nEND\r\n");
    assert_eq!(h.run(&["delete", "k"]), b"DELETED\r\n");
    assert_eq!(h.run(&["delete", "k"]), b"NOT_FOUND\r\n");
}

#[test]
fn too_large_items_are_refused_and_a_set_drops_the_old_one() {
    let (mut h, _) = harness();
    set(&mut h, "set", "k", "0", "small");
    let big = "x".repeat(1024 * 1024);
    assert_eq!(
        set(&mut h, "add", "k", "0", &big),
        "SERVER_ERROR object too large for cache\r\n"
    );
    assert_eq!(get(&mut h, &["k"]), "VALUE k 0 5\r\nsmall\r\nEND\r\n");
    assert_eq!(
        set(&mut h, "set", "k", "0", &big),
        "SERVER_ERROR object too large for cache\r\n"
    );
    assert_eq!(get(&mut h, &["k"]), "END\r\n");
    // The largest item that fits: 1 MB less memcached's per-item overhead.
    let fits = "x".repeat(1024 * 1024 - 60);
    assert_eq!(set(&mut h, "set", "k", "0", &fits), "STORED\r\n");
    assert_eq!(set(&mut h, "append", "k", "0", "y"), "NOT_STORED\r\n");
}

#[test]
fn gets_scatter_over_shards_and_keep_request_order() {
    let (mut h, _) = harness();
    let keys: Vec<String> = (0..20).map(|i| format!("key{i}")).collect();
    for (i, k) in keys.iter().enumerate() {
        if !i.is_multiple_of(3) {
            set(&mut h, "set", k, "0", &i.to_string());
        }
    }
    let owners: std::collections::HashSet<usize> = keys
        .iter()
        .map(|k| h.router().shard_of(k.as_bytes()))
        .collect();
    assert_eq!(owners.len(), 3);
    let mut ask: Vec<&str> = keys.iter().rev().map(String::as_str).collect();
    ask.push("key1");
    let mut expect = String::new();
    for k in &ask {
        let i: usize = k[3..].parse().unwrap();
        if !i.is_multiple_of(3) {
            expect += &format!("VALUE {k} 0 {}\r\n{i}\r\n", i.to_string().len());
        }
    }
    expect += "END\r\n";
    assert_eq!(get(&mut h, &ask), expect);
}

#[test]
fn stats_add_up_every_shard() {
    let (mut h, _) = harness();
    for i in 0..10 {
        set(&mut h, "set", &format!("k{i}"), "0", "v");
    }
    get(&mut h, &["k1", "k2", "nope"]);
    h.run(&["flush_all", "100"]);
    let stats = String::from_utf8(h.run(&["stats"])).unwrap();
    for want in [
        "STAT cmd_get 3\r\n",
        "STAT get_hits 2\r\n",
        "STAT get_misses 1\r\n",
        "STAT cmd_set 10\r\n",
    ] {
        assert!(stats.contains(want), "{want:?} in {stats}");
    }
    for want in [
        "STAT curr_items 10\r\n",
        "STAT threads 3\r\n",
        "STAT cmd_flush 1\r\n",
        "STAT total_items 10\r\n",
    ] {
        assert!(stats.contains(want), "{want:?} in {stats}");
    }
    assert!(stats.ends_with("END\r\n"));
    assert_eq!(h.run(&["stats", "reset"]), b"RESET\r\n");
    let stats = String::from_utf8(h.run(&["stats"])).unwrap();
    assert!(stats.contains("STAT cmd_get 0\r\n") && stats.contains("STAT curr_items 10\r\n"));
    assert_eq!(h.run(&["stats", "slabs"]), b"ERROR\r\n");
}
