//! SORT and SORT_RO: a script replaying redis-server 7.0.15's replies byte
//! for byte over three shards (the `w_*`, `h_*`, `x_*` keys and the STORE
//! destinations are spread over them, so most steps run as cross-shard
//! plans), and the choice between running whole and in rounds.

use kevy_rt::Router;

use super::plan::getkeys;
use super::*;
use crate::testutil::{check, harness, run};

#[test]
fn sort_like_redis() {
    let mut h = harness();
    let r = h.router();
    let shards: std::collections::HashSet<usize> = ["w_3", "w_1", "w_2", "l", "dst", "d2"]
        .iter()
        .map(|k| r.shard_of(k.as_bytes()))
        .collect();
    assert_eq!(shards.len(), 3, "the script's keys span every shard");
    check(
        &mut h,
        &[
        // Numbers, ALPHA, DESC, LIMIT, BY nosort.
        ("RPUSH l 3 1 2 10 -5 1.5", ":6\r\n"),
        ("SORT l", "*6\r\n$2\r\n-5\r\n$1\r\n1\r\n$3\r\n1.5\r\n$1\r\n2\r\n$1\r\n3\r\n$2\r\n10\r\n"),
        ("SORT l DESC", "*6\r\n$2\r\n10\r\n$1\r\n3\r\n$1\r\n2\r\n$3\r\n1.5\r\n$1\r\n1\r\n$2\r\n-5\r\n"),
        ("SORT l ALPHA", "*6\r\n$2\r\n-5\r\n$1\r\n1\r\n$3\r\n1.5\r\n$2\r\n10\r\n$1\r\n2\r\n$1\r\n3\r\n"),
        ("SORT l ALPHA DESC", "*6\r\n$1\r\n3\r\n$1\r\n2\r\n$2\r\n10\r\n$3\r\n1.5\r\n$1\r\n1\r\n$2\r\n-5\r\n"),
        ("SORT l LIMIT 1 2", "*2\r\n$1\r\n1\r\n$3\r\n1.5\r\n"),
        ("SORT l LIMIT 1 -1", "*5\r\n$1\r\n1\r\n$3\r\n1.5\r\n$1\r\n2\r\n$1\r\n3\r\n$2\r\n10\r\n"),
        ("SORT l LIMIT -1 2", "*2\r\n$2\r\n-5\r\n$1\r\n1\r\n"),
        ("SORT l LIMIT 10 2", "*0\r\n"),
        ("SORT l LIMIT 0 0", "*0\r\n"),
        ("SORT l LIMIT 5 100", "*1\r\n$2\r\n10\r\n"),
        ("SORT l BY nosort", "*6\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\n2\r\n$2\r\n10\r\n$2\r\n-5\r\n$3\r\n1.5\r\n"),
        ("SORT l BY nosort DESC", "*6\r\n$3\r\n1.5\r\n$2\r\n-5\r\n$2\r\n10\r\n$1\r\n2\r\n$1\r\n1\r\n$1\r\n3\r\n"),
        ("SORT l BY nosort LIMIT 1 2", "*2\r\n$1\r\n1\r\n$1\r\n2\r\n"),
        ("SORT l BY nosort DESC LIMIT 1 2", "*2\r\n$2\r\n-5\r\n$2\r\n10\r\n"),
        ("SORT l BY nosort LIMIT 10 2", "*0\r\n"),
        ("SORT l BY nosort LIMIT 0 -5", "*6\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\n2\r\n$2\r\n10\r\n$2\r\n-5\r\n$3\r\n1.5\r\n"),
        ("SORT l ASC DESC ASC", "*6\r\n$2\r\n-5\r\n$1\r\n1\r\n$3\r\n1.5\r\n$1\r\n2\r\n$1\r\n3\r\n$2\r\n10\r\n"),
        ("SORT_RO l DESC LIMIT 0 2", "*2\r\n$2\r\n10\r\n$1\r\n3\r\n"),
        // Errors, in Redis's order: options first, then the key's type.
        ("SORT l LIMIT x 2", "-ERR value is not an integer or out of range\r\n"),
        ("SORT l LIMIT 1", "-ERR syntax error\r\n"),
        ("SORT l LIMIT 1 x", "-ERR value is not an integer or out of range\r\n"),
        ("SORT l FOO", "-ERR syntax error\r\n"),
        ("SORT l STORE", "-ERR syntax error\r\n"),
        ("SORT l BY", "-ERR syntax error\r\n"),
        ("SORT l GET", "-ERR syntax error\r\n"),
        ("SORT_RO l STORE d", "-ERR syntax error\r\n"),
        ("SET str x", "+OK\r\n"),
        ("SORT str", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
        ("SORT str FOO", "-ERR syntax error\r\n"),
        ("RPUSH bad a b 1", ":3\r\n"),
        ("SORT bad", "-ERR One or more scores can't be converted into double\r\n"),
        ("SORT bad LIMIT 0 1", "-ERR One or more scores can't be converted into double\r\n"),
        ("SORT bad ALPHA", "*3\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\nb\r\n"),
        ("SORT bad BY nosort", "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\n1\r\n"),
        ("SORT", "-ERR wrong number of arguments for 'sort' command\r\n"),
        ("SORT_RO", "-ERR wrong number of arguments for 'sort_ro' command\r\n"),
        ("SORT nope", "*0\r\n"),
        ("SORT nope STORE d", ":0\r\n"),
        // BY and GET patterns over keys on every shard.
        ("MSET w_3 1 w_1 3 w_2 2 w_10 0 w_-5 9 w_1.5 4", "+OK\r\n"),
        ("SORT l BY w_*", "*6\r\n$2\r\n10\r\n$1\r\n3\r\n$1\r\n2\r\n$1\r\n1\r\n$3\r\n1.5\r\n$2\r\n-5\r\n"),
        ("SORT l BY w_* DESC", "*6\r\n$2\r\n-5\r\n$3\r\n1.5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$2\r\n10\r\n"),
        ("SORT l BY w_* GET #", "*6\r\n$2\r\n10\r\n$1\r\n3\r\n$1\r\n2\r\n$1\r\n1\r\n$3\r\n1.5\r\n$2\r\n-5\r\n"),
        ("SORT l BY w_* GET # GET w_*", "*12\r\n$2\r\n10\r\n$1\r\n0\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n2\r\n$1\r\n1\r\n$1\r\n3\r\n$3\r\n1.5\r\n$1\r\n4\r\n$2\r\n-5\r\n$1\r\n9\r\n"),
        ("SORT l BY w_* LIMIT 1 3", "*3\r\n$1\r\n3\r\n$1\r\n2\r\n$1\r\n1\r\n"),
        ("SORT l BY w_* DESC LIMIT 1 3 GET #", "*3\r\n$3\r\n1.5\r\n$1\r\n1\r\n$1\r\n2\r\n"),
        ("SORT l BY w_* GET nothing", "*6\r\n$-1\r\n$-1\r\n$-1\r\n$-1\r\n$-1\r\n$-1\r\n"),
        ("SORT l GET o_* GET #", "*12\r\n$-1\r\n$2\r\n-5\r\n$-1\r\n$1\r\n1\r\n$-1\r\n$3\r\n1.5\r\n$-1\r\n$1\r\n2\r\n$-1\r\n$1\r\n3\r\n$-1\r\n$2\r\n10\r\n"),
        ("SORT l BY w_* BY nosort", "*6\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\n2\r\n$2\r\n10\r\n$2\r\n-5\r\n$3\r\n1.5\r\n"),
        ("SORT l BY nosort BY w_*", "*6\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\n2\r\n$2\r\n10\r\n$2\r\n-5\r\n$3\r\n1.5\r\n"),
        ("SORT l BY w_* ALPHA", "*6\r\n$2\r\n10\r\n$1\r\n3\r\n$1\r\n2\r\n$1\r\n1\r\n$3\r\n1.5\r\n$2\r\n-5\r\n"),
        ("HSET h_3 f 30", ":1\r\n"),
        ("HSET h_1 f 10", ":1\r\n"),
        ("SET h_2 notahash", "+OK\r\n"),
        ("SORT l BY h_*->f", "*6\r\n$2\r\n-5\r\n$3\r\n1.5\r\n$2\r\n10\r\n$1\r\n2\r\n$1\r\n1\r\n$1\r\n3\r\n"),
        ("SORT l BY h_*->f GET h_*->f GET #", "*12\r\n$-1\r\n$2\r\n-5\r\n$-1\r\n$3\r\n1.5\r\n$-1\r\n$2\r\n10\r\n$-1\r\n$1\r\n2\r\n$2\r\n10\r\n$1\r\n1\r\n$2\r\n30\r\n$1\r\n3\r\n"),
        ("SORT l BY w_*->", "*6\r\n$2\r\n-5\r\n$1\r\n1\r\n$3\r\n1.5\r\n$2\r\n10\r\n$1\r\n2\r\n$1\r\n3\r\n"),
        ("SORT l GET h_*->", "*6\r\n$-1\r\n$-1\r\n$-1\r\n$-1\r\n$-1\r\n$-1\r\n"),
        ("SORT l BY h_*-> ALPHA", "*6\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\n2\r\n$2\r\n10\r\n$2\r\n-5\r\n$3\r\n1.5\r\n"),
        ("SORT l BY h_*->f ALPHA", "*6\r\n$1\r\n2\r\n$2\r\n10\r\n$2\r\n-5\r\n$3\r\n1.5\r\n$1\r\n1\r\n$1\r\n3\r\n"),
        ("SORT l GET h_*->f GET h_*->g GET w_*", "*18\r\n$-1\r\n$-1\r\n$1\r\n9\r\n$2\r\n10\r\n$-1\r\n$1\r\n3\r\n$-1\r\n$-1\r\n$1\r\n4\r\n$-1\r\n$-1\r\n$1\r\n2\r\n$2\r\n30\r\n$-1\r\n$1\r\n1\r\n$-1\r\n$-1\r\n$1\r\n0\r\n"),
        ("MSET x_3 a x_1 a x_2 b", "+OK\r\n"),
        ("SORT l BY x_* ALPHA", "*6\r\n$2\r\n10\r\n$2\r\n-5\r\n$3\r\n1.5\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\n2\r\n"),
        ("SORT l BY x_*", "-ERR One or more scores can't be converted into double\r\n"),
        // STORE, on the source's shard and elsewhere; no time to live.
        ("SET dst old EX 100", "+OK\r\n"),
        ("SORT l STORE dst", ":6\r\n"),
        ("LRANGE dst 0 -1", "*6\r\n$2\r\n-5\r\n$1\r\n1\r\n$3\r\n1.5\r\n$1\r\n2\r\n$1\r\n3\r\n$2\r\n10\r\n"),
        ("TTL dst", ":-1\r\n"),
        ("SORT l BY w_* GET # GET w_* STORE d2", ":12\r\n"),
        ("LRANGE d2 0 -1", "*12\r\n$2\r\n10\r\n$1\r\n0\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n2\r\n$1\r\n1\r\n$1\r\n3\r\n$3\r\n1.5\r\n$1\r\n4\r\n$2\r\n-5\r\n$1\r\n9\r\n"),
        ("SORT l BY nosort GET o_* STORE d3", ":6\r\n"),
        ("LRANGE d3 0 -1", "*6\r\n$0\r\n\r\n$0\r\n\r\n$0\r\n\r\n$0\r\n\r\n$0\r\n\r\n$0\r\n\r\n"),
        ("SORT l LIMIT 0 0 STORE dst", ":0\r\n"),
        ("EXISTS dst", ":0\r\n"),
        ("SORT l ALPHA DESC LIMIT 0 3 STORE dst", ":3\r\n"),
        ("LRANGE dst 0 -1", "*3\r\n$1\r\n3\r\n$1\r\n2\r\n$2\r\n10\r\n"),
        ("SORT l STORE dst STORE d4", ":6\r\n"),
        ("EXISTS dst d4", ":2\r\n"),
        // Sets: an intset, and BY nosort sorted when stored.
        ("SADD s 5 3 9", ":3\r\n"),
        ("SORT s", "*3\r\n$1\r\n3\r\n$1\r\n5\r\n$1\r\n9\r\n"),
        ("SORT s DESC", "*3\r\n$1\r\n9\r\n$1\r\n5\r\n$1\r\n3\r\n"),
        ("SORT s BY nosort", "*3\r\n$1\r\n3\r\n$1\r\n5\r\n$1\r\n9\r\n"),
        ("SORT s BY nosort STORE sd", ":3\r\n"),
        ("LRANGE sd 0 -1", "*3\r\n$1\r\n3\r\n$1\r\n5\r\n$1\r\n9\r\n"),
        ("SORT s BY nosort DESC STORE sd", ":3\r\n"),
        ("LRANGE sd 0 -1", "*3\r\n$1\r\n9\r\n$1\r\n5\r\n$1\r\n3\r\n"),
        ("SADD t b c a", ":3\r\n"),
        ("SORT t ALPHA", "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"),
        ("SORT t", "-ERR One or more scores can't be converted into double\r\n"),
        ("SORT t BY nosort STORE td", ":3\r\n"),
        ("LRANGE td 0 -1", "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"),
        ],
    );
}

#[test]
fn ties_come_out_in_redis_order() {
    let mut h = harness();
    check(
        &mut h,
        &[
        // Ties under BY: a stable sort, or with LIMIT Redis's own quicksort order.
        ("RPUSH l 3 1 2 10 -5 1.5 7 8 9 11 12 13 4 5 6 14", ":16\r\n"),
        ("MSET x_3 a x_1 a x_2 b x_7 a x_8 b x_13 c x_4 a", "+OK\r\n"),
        ("SORT l BY x_* ALPHA", "*16\r\n$2\r\n10\r\n$2\r\n-5\r\n$3\r\n1.5\r\n$1\r\n9\r\n$2\r\n11\r\n$2\r\n12\r\n$1\r\n5\r\n$1\r\n6\r\n$2\r\n14\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\n7\r\n$1\r\n4\r\n$1\r\n2\r\n$1\r\n8\r\n$2\r\n13\r\n"),
        ("SORT l BY x_* ALPHA DESC", "*16\r\n$2\r\n13\r\n$1\r\n2\r\n$1\r\n8\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\n7\r\n$1\r\n4\r\n$2\r\n10\r\n$2\r\n-5\r\n$3\r\n1.5\r\n$1\r\n9\r\n$2\r\n11\r\n$2\r\n12\r\n$1\r\n5\r\n$1\r\n6\r\n$2\r\n14\r\n"),
        ("SORT l BY x_* ALPHA LIMIT 0 3", "*3\r\n$2\r\n14\r\n$2\r\n-5\r\n$3\r\n1.5\r\n"),
        ("SORT l BY x_* ALPHA LIMIT 2 5", "*5\r\n$3\r\n1.5\r\n$1\r\n9\r\n$2\r\n11\r\n$2\r\n12\r\n$1\r\n5\r\n"),
        ("SORT l BY x_* ALPHA LIMIT 5 3 DESC", "*3\r\n$1\r\n7\r\n$1\r\n1\r\n$1\r\n5\r\n"),
        ("SORT l BY x_* ALPHA LIMIT 9 100", "*7\r\n$1\r\n4\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n7\r\n$1\r\n2\r\n$1\r\n8\r\n$2\r\n13\r\n"),
        ("SORT l BY x_* LIMIT 2 5", "-ERR One or more scores can't be converted into double\r\n"),
        ],
    );
}

/// Patterns with a `{tag}` before their `*` name keys of one shard: with the
/// source there too, SORT runs whole (one part); otherwise in rounds.
#[test]
fn tagged_patterns_run_whole() {
    let router = Router::new(3);
    let plan = |words: &[&str]| {
        let args: kevy_rt::OwnedArgs = words.iter().collect();
        let mut parts = Vec::new();
        let planned = plan_sort(args.args(), &router, &mut parts);
        (parts.len(), planned.hold)
    };
    assert_eq!(plan(&["SORT", "{t}l"]), (1, false));
    assert_eq!(
        plan(&[
            "SORT",
            "{t}l",
            "BY",
            "{t}w_*",
            "GET",
            "#",
            "GET",
            "{t}h_*->f"
        ]),
        (1, false)
    );
    assert_eq!(
        plan(&["SORT", "{t}l", "BY", "nosort", "GET", "x"]),
        (1, false)
    );
    assert_eq!(plan(&["SORT", "{t}l", "STORE", "{t}d"]), (1, false));
    assert_eq!(plan(&["SORT", "{t}l", "BY", "w_*"]), (1, true));
    assert_eq!(plan(&["SORT", "{t}l", "GET", "w_*{t}"]), (1, true));
    let other = (0..100)
        .map(|i| format!("{{u{i}}}d"))
        .find(|k| router.shard_of(k.as_bytes()) != router.shard_of(b"{t}l"))
        .unwrap();
    assert_eq!(plan(&["SORT", "{t}l", "STORE", &other]), (1, true));
}

#[test]
fn tagged_sort_gives_the_same_answers() {
    let mut h = harness();
    run(&mut h, &["RPUSH", "{t}l", "3", "1", "2"]);
    run(
        &mut h,
        &["MSET", "{t}w_1", "30", "{t}w_2", "10", "{t}w_3", "20"],
    );
    assert_eq!(
        run(
            &mut h,
            &["SORT", "{t}l", "BY", "{t}w_*", "GET", "#", "GET", "{t}w_*", "STORE", "{t}d"]
        ),
        b":6\r\n"
    );
    assert_eq!(
        run(&mut h, &["LRANGE", "{t}d", "0", "-1"]),
        b"*6\r\n$1\r\n2\r\n$2\r\n10\r\n$1\r\n3\r\n$2\r\n20\r\n$1\r\n1\r\n$2\r\n30\r\n"
    );
}

#[test]
fn sort_respects_the_selected_database() {
    let mut h = harness();
    run(&mut h, &["RPUSH", "l", "2", "1"]);
    run(&mut h, &["MSET", "w_1", "9", "w_2", "8"]);
    run(&mut h, &["SELECT", "5"]);
    assert_eq!(run(&mut h, &["SORT", "l"]), b"*0\r\n");
    run(&mut h, &["RPUSH", "l", "1", "2"]);
    assert_eq!(
        run(&mut h, &["SORT", "l", "BY", "w_*", "GET", "w_*"]),
        b"*2\r\n$-1\r\n$-1\r\n"
    );
    run(&mut h, &["MSET", "w_1", "2", "w_2", "1"]);
    assert_eq!(
        run(&mut h, &["SORT", "l", "BY", "w_*", "STORE", "d"]),
        b":2\r\n"
    );
    assert_eq!(
        run(&mut h, &["LRANGE", "d", "0", "-1"]),
        b"*2\r\n$1\r\n2\r\n$1\r\n1\r\n"
    );
    run(&mut h, &["SELECT", "0"]);
    assert_eq!(run(&mut h, &["EXISTS", "d"]), b":0\r\n");
    assert_eq!(
        run(&mut h, &["SORT", "l", "BY", "w_*"]),
        b"*2\r\n$1\r\n2\r\n$1\r\n1\r\n"
    );
}

#[test]
fn patterns_substitute_like_c_strings() {
    let key = |p: &[u8], e: &[u8]| match substitute(p, e) {
        Subst::Key(r) => Some((r.key, r.field)),
        Subst::Elem => Some((b"#".to_vec(), None)),
        Subst::Nothing => None,
    };
    assert_eq!(key(b"w_*", b"1"), Some((b"w_1".to_vec(), None)));
    assert_eq!(key(b"*", b"x"), Some((b"x".to_vec(), None)));
    assert_eq!(key(b"a*b*c", b"X"), Some((b"aXb*c".to_vec(), None)));
    assert_eq!(
        key(b"h_*->f", b"1"),
        Some((b"h_1".to_vec(), Some(b"f".to_vec())))
    );
    assert_eq!(key(b"h_*->", b"1"), Some((b"h_1->".to_vec(), None)));
    assert_eq!(key(b"h->_*", b"1"), Some((b"h->_1".to_vec(), None)));
    assert_eq!(
        key(b"h_*->f->g", b"1"),
        Some((b"h_1".to_vec(), Some(b"f->g".to_vec())))
    );
    assert_eq!(key(b"#", b"1"), Some((b"#".to_vec(), None)));
    assert_eq!(key(b"#\0x", b"1"), Some((b"#".to_vec(), None)));
    assert_eq!(key(b"##", b"1"), None);
    assert_eq!(key(b"w_\0*", b"1"), None);
    assert_eq!(key(b"h_*-\0>f", b"1"), Some((b"h_1-\0>f".to_vec(), None)));
}

#[test]
fn getkeys_finds_the_last_store() {
    let keys = |w: &[&str]| {
        let args: kevy_rt::OwnedArgs = w.iter().collect();
        getkeys(args.args())
            .into_iter()
            .map(|k| k.0)
            .collect::<Vec<_>>()
    };
    assert_eq!(keys(&["SORT", "k"]), [1]);
    assert_eq!(keys(&["SORT", "k", "STORE", "d", "STORE", "e"]), [1, 5]);
    assert_eq!(
        keys(&["SORT", "k", "LIMIT", "STORE", "1", "STORE", "x"]),
        [1, 6]
    );
    assert_eq!(keys(&["SORT", "k", "GET", "STORE", "STORE", "y"]), [1, 5]);
    assert_eq!(keys(&["SORT", "k", "STORE"]), [1]);
}
