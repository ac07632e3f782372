//! Set tests that cannot compare fixed bytes: random picks, and large sets
//! (hash-table encoded, so in no defined order).

use crate::testutil::{harness, run};

#[test]
fn test_keys_span_shards() {
    let h = harness();
    let r = h.router();
    let mut shards: Vec<usize> = ["a", "b", "g"]
        .iter()
        .map(|k| r.shard_of(k.as_bytes()))
        .collect();
    shards.sort_unstable();
    shards.dedup();
    assert_eq!(shards.len(), 3);
}

#[test]
fn random_members() {
    use crate::testutil::items;
    let mut h = harness();
    let all = ["a", "b", "c", "1", "2"];
    run(&mut h, &["SADD", "s", "a", "b", "c", "1", "2"]);
    for _ in 0..30 {
        let mut got = items(&run(&mut h, &["SRANDMEMBER", "s", "3"]));
        assert_eq!(got.len(), 3);
        got.sort();
        got.dedup();
        assert_eq!(got.len(), 3, "distinct members");
        assert!(got.iter().all(|m| all.contains(&m.as_str())));
        let rep = items(&run(&mut h, &["SRANDMEMBER", "s", "-20"]));
        assert_eq!(rep.len(), 20);
        assert!(rep.iter().all(|m| all.contains(&m.as_str())));
    }
    assert_eq!(
        run(&mut h, &["SRANDMEMBER", "s", "-100000000"]),
        b"-ERR value is out of range\r\n"
    );
    let mut popped = items(&run(&mut h, &["SPOP", "s", "2"]));
    popped.extend(items(&run(&mut h, &["SPOP", "s"])));
    assert_eq!(run(&mut h, &["SCARD", "s"]), b":2\r\n");
    popped.extend(items(&run(&mut h, &["SPOP", "s", "2"])));
    popped.sort();
    assert_eq!(popped, ["1", "2", "a", "b", "c"]);
    assert_eq!(run(&mut h, &["EXISTS", "s"]), b":0\r\n");
}

#[test]
fn large_sets_use_a_table() {
    use crate::testutil::items;
    let mut h = harness();
    // 600 integers: past the intset limit.
    let mut args = vec!["SADD".to_string(), "a".into()];
    args.extend((0..600).map(|i| i.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(run(&mut h, &args), b":600\r\n");
    let mut args = vec!["SADD".to_string(), "b".into()];
    args.extend((300..900).map(|i| i.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run(&mut h, &args);
    assert_eq!(run(&mut h, &["SINTERCARD", "2", "a", "b"]), b":300\r\n");
    assert_eq!(
        run(&mut h, &["SINTERCARD", "2", "a", "b", "LIMIT", "7"]),
        b":7\r\n"
    );
    assert_eq!(run(&mut h, &["SUNIONSTORE", "g", "a", "b"]), b":900\r\n");
    assert_eq!(run(&mut h, &["SDIFFSTORE", "g", "g", "a"]), b":300\r\n");
    assert_eq!(run(&mut h, &["SISMEMBER", "g", "899"]), b":1\r\n");
    assert_eq!(run(&mut h, &["SISMEMBER", "g", "0"]), b":0\r\n");
    let mut inter: Vec<i64> = items(&run(&mut h, &["SINTER", "a", "b"]))
        .iter()
        .map(|m| m.parse().unwrap())
        .collect();
    inter.sort_unstable();
    assert_eq!(inter, (300..600).collect::<Vec<i64>>());
    // A full SSCAN sees every member.
    let mut seen = std::collections::HashSet::new();
    let mut cursor = "0".to_string();
    loop {
        let got = items(&run(&mut h, &["SSCAN", "a", &cursor, "COUNT", "50"]));
        cursor = got[0].clone();
        seen.extend(got[1..].iter().cloned());
        if cursor == "0" {
            break;
        }
    }
    assert_eq!(seen.len(), 600);
    assert_eq!(items(&run(&mut h, &["SPOP", "a", "599"])).len(), 599);
    assert_eq!(run(&mut h, &["SCARD", "a"]), b":1\r\n");
}

#[test]
fn cross_shard_commands_use_the_connections_database() {
    let mut h = harness();
    let other = h.connect();
    assert_eq!(h.run_on(other, &["SELECT", "3"]), b"+OK\r\n");
    h.run_on(other, &["SADD", "a", "1", "2"]);
    h.run_on(other, &["SADD", "b", "2", "3"]);
    assert_eq!(h.run_on(other, &["SUNIONSTORE", "g", "a", "b"]), b":3\r\n");
    assert_eq!(h.run_on(other, &["SMOVE", "a", "b", "1"]), b":1\r\n");
    assert_eq!(h.run_on(other, &["SINTERCARD", "2", "a", "b"]), b":1\r\n");
    h.run_on(other, &["RPUSH", "b2", "x"]);
    assert_eq!(
        h.run_on(other, &["LMOVE", "b2", "g2", "LEFT", "LEFT"]),
        b"$1\r\nx\r\n"
    );
    // The first connection, in database 0, sees none of it.
    assert_eq!(
        run(&mut h, &["EXISTS", "a", "b", "g", "b2", "g2"]),
        b":0\r\n"
    );
    assert_eq!(
        h.run_on(other, &["EXISTS", "a", "b", "g", "b2", "g2"]),
        b":4\r\n"
    );
    assert_eq!(
        h.run_on(other, &["SMEMBERS", "g"]),
        b"*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"
    );
}
