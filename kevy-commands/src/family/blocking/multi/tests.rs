//! Blocking pops inside `MULTI` with keys on every shard of the harness;
//! the replies are redis-server 7.0.15's.

use crate::testutil::{check, harness, keys_on_distinct_shards, run};

/// Runs `cmd` (with `{0}`, `{1}`, `{2}` standing for keys on three
/// different shards) alone in a transaction; returns EXEC's reply.
fn in_multi(h: &mut crate::testutil::Kevy, keys: &[String], cmd: &str) -> String {
    let mut c = cmd.to_string();
    for (i, k) in keys.iter().enumerate() {
        c = c.replace(&format!("{{{i}}}"), k);
    }
    let words: Vec<&str> = c.split(' ').collect();
    assert_eq!(run(h, &["MULTI"]), b"+OK\r\n");
    assert_eq!(run(h, &words), b"+QUEUED\r\n", "{c}");
    String::from_utf8_lossy(&run(h, &["EXEC"])).into_owned()
}

#[test]
fn list_pops_take_the_leftmost_existing_key_across_shards() {
    let mut h = harness();
    let k = keys_on_distinct_shards(&h, "bl");
    let (a, b, c) = (&k[0], &k[1], &k[2]);
    check(&mut h, &[(&format!("RPUSH {c} x y z"), ":3\r\n")]);
    assert_eq!(
        in_multi(&mut h, &k, "BLPOP {0} {1} {2} 0"),
        format!("*1\r\n*2\r\n${}\r\n{c}\r\n$1\r\nx\r\n", c.len())
    );
    assert_eq!(
        in_multi(&mut h, &k, "BRPOP {0} {1} {2} 5"),
        format!("*1\r\n*2\r\n${}\r\n{c}\r\n$1\r\nz\r\n", c.len())
    );
    check(&mut h, &[(&format!("RPUSH {b} q"), ":1\r\n")]);
    assert_eq!(
        in_multi(&mut h, &k, "BLPOP {2} {1} {0} 0"),
        format!("*1\r\n*2\r\n${}\r\n{c}\r\n$1\r\ny\r\n", c.len())
    );
    // {2} emptied and gone: {1} is next.
    assert_eq!(
        in_multi(&mut h, &k, "BLPOP {2} {1} {0} 0"),
        format!("*1\r\n*2\r\n${}\r\n{b}\r\n$1\r\nq\r\n", b.len())
    );
    assert_eq!(in_multi(&mut h, &k, "BLPOP {0} {1} {2} 0"), "*1\r\n*-1\r\n");
    // A key of another type before any list answers WRONGTYPE.
    check(
        &mut h,
        &[
            (&format!("SET {b} s"), "+OK\r\n"),
            (&format!("RPUSH {c} w"), ":1\r\n"),
        ],
    );
    assert_eq!(
        in_multi(&mut h, &k, "BRPOP {0} {1} {2} 0"),
        "*1\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
    );
    check(
        &mut h,
        &[
            (&format!("LLEN {c}"), ":1\r\n"),
            (&format!("EXISTS {a}"), ":0\r\n"),
        ],
    );
}

#[test]
fn sorted_set_pops_take_the_leftmost_existing_key_across_shards() {
    let mut h = harness();
    let k = keys_on_distinct_shards(&h, "bz");
    let (b, c) = (&k[1], &k[2]);
    check(&mut h, &[(&format!("ZADD {c} 1 m 2 n 3 o"), ":3\r\n")]);
    assert_eq!(
        in_multi(&mut h, &k, "BZPOPMIN {0} {1} {2} 0"),
        format!("*1\r\n*3\r\n${}\r\n{c}\r\n$1\r\nm\r\n$1\r\n1\r\n", c.len())
    );
    assert_eq!(
        in_multi(&mut h, &k, "BZPOPMAX {0} {1} {2} 0.5"),
        format!("*1\r\n*3\r\n${}\r\n{c}\r\n$1\r\no\r\n$1\r\n3\r\n", c.len())
    );
    check(&mut h, &[(&format!("LPUSH {b} l"), ":1\r\n")]);
    assert_eq!(
        in_multi(&mut h, &k, "BZPOPMAX {0} {1} {2} 0"),
        "*1\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
    );
    check(&mut h, &[(&format!("DEL {b} {c}"), ":2\r\n")]);
    assert_eq!(
        in_multi(&mut h, &k, "BZPOPMIN {0} {1} {2} 0"),
        "*1\r\n*-1\r\n"
    );
}

#[test]
fn resp3_and_a_selected_database() {
    let mut h = harness();
    let k = keys_on_distinct_shards(&h, "b3");
    let c = &k[2];
    assert!(run(&mut h, &["HELLO", "3"]).starts_with(b"%"));
    assert_eq!(in_multi(&mut h, &k, "BLPOP {0} {1} {2} 0"), "*1\r\n_\r\n");
    check(
        &mut h,
        &[
            ("SELECT 1", "+OK\r\n"),
            (&format!("ZADD {c} 2.5 m"), ":1\r\n"),
            ("SELECT 0", "+OK\r\n"),
        ],
    );
    // The pop runs in the database the transaction selected.
    check(&mut h, &[("MULTI", "+OK\r\n"), ("SELECT 1", "+QUEUED\r\n")]);
    let pop = format!("BZPOPMIN {} {} {c} 0", k[0], k[1]);
    let words: Vec<&str> = pop.split(' ').collect();
    assert_eq!(run(&mut h, &words), b"+QUEUED\r\n");
    assert_eq!(
        String::from_utf8_lossy(&run(&mut h, &["EXEC"])),
        format!(
            "*2\r\n+OK\r\n*3\r\n${}\r\n{c}\r\n$1\r\nm\r\n,2.5\r\n",
            c.len()
        )
    );
}
