//! The command set driven in-process over 3 shards by kevy-rt's `Harness`.

use kevy_rt::testing::Harness;

use crate::Counters;

fn h() -> Harness<Counters> {
    Harness::new(Counters, 3)
}

#[test]
fn incr_get_reset() {
    let mut h = h();
    assert_eq!(h.run(&["INCR", "a"]), b":1\r\n");
    assert_eq!(h.run(&["incr", "a", "41"]), b":42\r\n");
    assert_eq!(h.run(&["INCR", "a", "-50"]), b":-8\r\n");
    assert_eq!(h.run(&["GET", "a"]), b":-8\r\n");
    assert_eq!(h.run(&["GET", "b"]), b"$-1\r\n");
    assert_eq!(h.run(&["RESET", "a"]), b":-8\r\n");
    assert_eq!(h.run(&["RESET", "a"]), b":0\r\n");
    assert_eq!(h.run(&["GET", "a"]), b"$-1\r\n");
}

#[test]
fn errors() {
    let mut h = h();
    assert_eq!(h.run(&["NOPE"]), b"-ERR unknown command 'NOPE'\r\n");
    assert_eq!(
        h.run(&["GET"]),
        b"-ERR wrong number of arguments for 'get'\r\n"
    );
    assert_eq!(
        h.run(&["INCR", "a", "1", "2"]),
        b"-ERR wrong number of arguments for 'incr'\r\n"
    );
    assert_eq!(
        h.run(&["INCR", "a", "x"]),
        b"-ERR increment is not an integer\r\n"
    );
    assert_eq!(
        h.run(&["INCR", "a", "9223372036854775807"]),
        b":9223372036854775807\r\n"
    );
    assert_eq!(
        h.run(&["INCR", "a", "1"]),
        b"-ERR increment would overflow\r\n"
    );
    assert_eq!(h.run(&["GET", "a"]), b":9223372036854775807\r\n");
    assert_eq!(h.run(&["TOP", "x"]), b"-ERR TOP wants a count >= 0\r\n");
    assert_eq!(h.run(&["TOP", "-1"]), b"-ERR TOP wants a count >= 0\r\n");
}

#[test]
fn reductions_cover_every_shard() {
    let mut h = h();
    let mut total = 0;
    for i in 0..60i64 {
        let name = format!("page:{i}");
        h.run(&["INCR", &name, &i.to_string()]);
        total += i;
    }
    h.run(&["INCR", "other", "1000"]);
    let owners: std::collections::HashSet<usize> = (0..60)
        .map(|i| h.router().shard_of(format!("page:{i}").as_bytes()))
        .collect();
    assert_eq!(owners.len(), 3);
    assert_eq!(h.run(&["SUM", "page:"]), format!(":{total}\r\n").as_bytes());
    assert_eq!(
        h.run(&["SUM", ""]),
        format!(":{}\r\n", total + 1000).as_bytes()
    );
    assert_eq!(h.run(&["COUNT", "page:"]), b":60\r\n");
    assert_eq!(h.run(&["COUNT"]), b":61\r\n");
    assert_eq!(
        h.run(&["TOP", "3", "page:"]),
        b"*6\r\n$7\r\npage:59\r\n:59\r\n$7\r\npage:58\r\n:58\r\n$7\r\npage:57\r\n:57\r\n"
    );
    assert_eq!(h.run(&["TOP", "1"]), b"*2\r\n$5\r\nother\r\n:1000\r\n");
    assert_eq!(h.run(&["TOP", "0"]), b"*0\r\n");
    assert_eq!(h.run(&["SUM", "nothing"]), b":0\r\n");
}

#[test]
fn sums_beyond_64_bits_are_errors() {
    let mut h = h();
    for name in ["x1", "x2", "x3", "x4"] {
        h.run(&["INCR", name, "9223372036854775807"]);
    }
    assert_eq!(h.run(&["SUM", "x"]), b"-ERR sum out of 64-bit range\r\n");
}

#[test]
fn mget_keeps_request_order_across_shards() {
    let mut h = h();
    h.run(&["INCR", "a", "1"]);
    h.run(&["INCR", "b", "2"]);
    h.run(&["INCR", "c", "3"]);
    assert_eq!(
        h.run(&["MGET", "c", "missing", "a", "b", "a"]),
        b"*5\r\n:3\r\n$-1\r\n:1\r\n:2\r\n:1\r\n"
    );
}
