//! Propagation through the command set (a harness on 2 and 3 shards).

use kevy_rt::testing::Harness;

use crate::Redis;

/// Every shard's pending feed, decoded (shard order).
fn logged(h: &mut Harness<Redis>, shards: usize) -> Vec<Vec<String>> {
    let mut all = Vec::new();
    for i in 0..shards {
        let bytes = std::mem::take(&mut h.shard(i).aof.main.bytes);
        h.shard(i).aof.main.clear();
        crate::aof::parse::commands::<()>(&bytes, |a, _| {
            all.push(
                a.iter()
                    .map(|x| String::from_utf8_lossy(x).into_owned())
                    .collect(),
            );
            Ok(())
        })
        .unwrap()
        .unwrap();
    }
    all
}

fn harness(shards: usize) -> Harness<Redis> {
    let mut h = Harness::new(crate::testutil::redis(), shards);
    for i in 0..shards {
        h.shard(i).set_propagating(true);
    }
    h
}

fn v(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn commands_propagate_their_effect_once() {
    let mut h = harness(3);
    h.run(&["SET", "k", "v", "EX", "100"]);
    h.run(&["SETNX", "k", "other"]);
    h.run(&["DEL", "missing"]);
    let got = logged(&mut h, 3);
    // The SELECT before a fragment is the file's to write (it knows the
    // database its last command left selected).
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(&got[0][..4], &v(&["SET", "k", "v", "PXAT"])[..]);
    // A cross-shard MSET: one command, on the origin.
    h.run(&["MSET", "a", "1", "b", "2", "c", "3", "d", "4"]);
    let got = logged(&mut h, 3);
    assert_eq!(
        got,
        vec![v(&["MSET", "a", "1", "b", "2", "c", "3", "d", "4"])]
    );
}

#[test]
fn transactions_are_one_block_on_the_origin() {
    let mut h = harness(3);
    h.run(&["MULTI"]);
    h.run(&["INCR", "a"]);
    h.run(&["SELECT", "2"]);
    h.run(&["INCR", "b"]);
    h.run(&["GET", "a"]);
    h.run(&["MSET", "x", "1", "y", "2"]);
    h.run(&["EXEC"]);
    let got = logged(&mut h, 3);
    let verbs: Vec<&str> = got.iter().map(|c| c[0].as_str()).collect();
    assert_eq!(
        verbs,
        ["MULTI", "INCR", "SELECT", "INCR", "MSET", "EXEC"],
        "{got:?}"
    );
}

#[test]
fn expiry_is_logged_as_del_before_the_command_that_met_it() {
    let mut h = harness(2);
    h.run(&["SET", "x", "v", "PX", "1"]);
    logged(&mut h, 2);
    std::thread::sleep(std::time::Duration::from_millis(5));
    h.run(&["APPEND", "x", "new"]);
    let got = logged(&mut h, 2);
    assert_eq!(got[0], v(&["DEL", "x"]), "{got:?}");
    assert_eq!(got[1], v(&["APPEND", "x", "new"]));
}

#[test]
fn function_changes_are_logged_as_given_once_they_succeed() {
    let mut h = harness(2);
    let code = "#!lua name=lib\nredis.register_function('f', function() return 1 end)";
    h.run(&["FUNCTION", "LOAD", code]);
    // Refused (the library exists): nothing to replay.
    h.run(&["FUNCTION", "LOAD", code]);
    h.run(&["FUNCTION", "LIST"]);
    h.run(&["FUNCTION", "DELETE", "lib"]);
    h.run(&["FUNCTION", "DELETE", "lib"]);
    h.run(&["FUNCTION", "FLUSH", "SYNC"]);
    let got = logged(&mut h, 2);
    assert_eq!(
        got,
        vec![
            v(&["FUNCTION", "LOAD", code]),
            v(&["FUNCTION", "DELETE", "lib"]),
            v(&["FUNCTION", "FLUSH", "SYNC"]),
        ]
    );
}
