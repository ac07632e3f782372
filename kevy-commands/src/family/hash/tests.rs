//! Hash family tests: replies recorded from redis-server 7.0.15 (random
//! replies are checked for shape in `random_fields`).

use crate::testutil::{check, harness, run};

#[test]
fn hset_and_hget() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("HSET h f1 v1 f2 v2", ":2\r\n"),
            ("HSET h f1 x f3 v3", ":1\r\n"),
            ("HGET h f1", "$1\r\nx\r\n"),
            ("HGET h nope", "$-1\r\n"),
            ("HGET missing f", "$-1\r\n"),
            ("HGETALL h", "*6\r\n$2\r\nf1\r\n$1\r\nx\r\n$2\r\nf2\r\n$2\r\nv2\r\n$2\r\nf3\r\n$2\r\nv3\r\n"),
            ("HKEYS h", "*3\r\n$2\r\nf1\r\n$2\r\nf2\r\n$2\r\nf3\r\n"),
            ("HVALS h", "*3\r\n$1\r\nx\r\n$2\r\nv2\r\n$2\r\nv3\r\n"),
            ("HLEN h", ":3\r\n"),
            ("HLEN missing", ":0\r\n"),
            ("HEXISTS h f2", ":1\r\n"),
            ("HEXISTS h nope", ":0\r\n"),
            ("HEXISTS missing f", ":0\r\n"),
            ("HSTRLEN h f3", ":2\r\n"),
            ("HSTRLEN h nope", ":0\r\n"),
            ("HSTRLEN missing f", ":0\r\n"),
            ("TYPE h", "+hash\r\n"),
            ("HSET h f", "-ERR wrong number of arguments for 'hset' command\r\n"),
            ("HSET h f v g", "-ERR wrong number of arguments for 'hset' command\r\n"),
            ("HSET h", "-ERR wrong number of arguments for 'hset' command\r\n"),
            ("HMSET h a 1 b 2", "+OK\r\n"),
            ("HMSET h a", "-ERR wrong number of arguments for 'hmset' command\r\n"),
            ("HMSET h a 1 b", "-ERR wrong number of arguments for 'hmset' command\r\n"),
            ("HGETALL h", "*10\r\n$2\r\nf1\r\n$1\r\nx\r\n$2\r\nf2\r\n$2\r\nv2\r\n$2\r\nf3\r\n$2\r\nv3\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n"),
            ("HGETALL missing", "*0\r\n"),
            ("HKEYS missing", "*0\r\n"),
            ("HVALS missing", "*0\r\n"),
        ],
    );
}

#[test]
fn hsetnx_hmget_hdel() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("HSETNX h f v", ":1\r\n"),
            ("HSETNX h f w", ":0\r\n"),
            ("HGET h f", "$1\r\nv\r\n"),
            ("HSETNX h g w", ":1\r\n"),
            ("HMGET h f g nope", "*3\r\n$1\r\nv\r\n$1\r\nw\r\n$-1\r\n"),
            ("HMGET missing a b", "*2\r\n$-1\r\n$-1\r\n"),
            (
                "HMGET h",
                "-ERR wrong number of arguments for 'hmget' command\r\n",
            ),
            ("HDEL h f nope f", ":1\r\n"),
            ("HDEL h nope", ":0\r\n"),
            ("HDEL missing f", ":0\r\n"),
            ("HDEL h g", ":1\r\n"),
            ("EXISTS h", ":0\r\n"),
            ("HSET h a 1 b 2 c 3", ":3\r\n"),
            ("HDEL h a b c d", ":3\r\n"),
            ("EXISTS h", ":0\r\n"),
            (
                "HDEL h",
                "-ERR wrong number of arguments for 'hdel' command\r\n",
            ),
        ],
    );
}

#[test]
fn hash_wrong_type() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("SET s x", "+OK\r\n"),
            (
                "HSET s f v",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "HMSET s f v",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "HSETNX s f v",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "HGET s f",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "HMGET s f",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "HDEL s f",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "HLEN s",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "HEXISTS s f",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "HSTRLEN s f",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "HKEYS s",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "HVALS s",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "HGETALL s",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "HINCRBY s f 1",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "HINCRBYFLOAT s f 1",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "HRANDFIELD s",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "HRANDFIELD s 1",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "HSCAN s 0",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            ("HSET h f v", ":1\r\n"),
            (
                "GET h",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            ("SET h x", "+OK\r\n"),
            ("GET h", "$1\r\nx\r\n"),
            ("TYPE h", "+string\r\n"),
        ],
    );
}

#[test]
fn hincrby() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("HINCRBY h f 5", ":5\r\n"),
            ("HINCRBY h f -10", ":-5\r\n"),
            ("HGET h f", "$2\r\n-5\r\n"),
            (
                "HINCRBY h f 9223372036854775807",
                ":9223372036854775802\r\n",
            ),
            ("HINCRBY h f -9223372036854775808", ":-6\r\n"),
            ("HGET h f", "$2\r\n-6\r\n"),
            ("HSET h big 9223372036854775807", ":1\r\n"),
            (
                "HINCRBY h big 1",
                "-ERR increment or decrement would overflow\r\n",
            ),
            ("HINCRBY h big 0", ":9223372036854775807\r\n"),
            ("HSET h str abc", ":1\r\n"),
            ("HINCRBY h str 1", "-ERR hash value is not an integer\r\n"),
            ("HSET h sp \" 1\"", ":1\r\n"),
            ("HINCRBY h sp 1", "-ERR hash value is not an integer\r\n"),
            (
                "HINCRBY h f x",
                "-ERR value is not an integer or out of range\r\n",
            ),
            (
                "HINCRBY h f 1.5",
                "-ERR value is not an integer or out of range\r\n",
            ),
            (
                "HINCRBY missing f x",
                "-ERR value is not an integer or out of range\r\n",
            ),
            (
                "HINCRBY h f",
                "-ERR wrong number of arguments for 'hincrby' command\r\n",
            ),
            ("HSET h neg -9223372036854775808", ":1\r\n"),
            (
                "HINCRBY h neg -1",
                "-ERR increment or decrement would overflow\r\n",
            ),
        ],
    );
}

#[test]
fn hincrbyfloat() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("HINCRBYFLOAT h f 1.5", "$3\r\n1.5\r\n"),
            ("HINCRBYFLOAT h f 2.5", "$1\r\n4\r\n"),
            ("HGET h f", "$1\r\n4\r\n"),
            ("HINCRBYFLOAT h f -4", "$1\r\n0\r\n"),
            ("HINCRBYFLOAT h g 1e3", "$4\r\n1000\r\n"),
            ("HINCRBYFLOAT h g 3.0e-2", "$22\r\n1000.03000000000000003\r\n"),
            ("HSET h i 10", ":1\r\n"),
            ("HINCRBYFLOAT h i 0.1", "$4\r\n10.1\r\n"),
            ("HSET h s abc", ":1\r\n"),
            ("HINCRBYFLOAT h s 1", "-ERR hash value is not a float\r\n"),
            ("HINCRBYFLOAT h f abc", "-ERR value is not a valid float\r\n"),
            ("HINCRBYFLOAT h f inf", "-ERR value is NaN or Infinity\r\n"),
            ("HINCRBYFLOAT h f -inf", "-ERR value is NaN or Infinity\r\n"),
            ("HINCRBYFLOAT h f nan", "-ERR value is not a valid float\r\n"),
            ("HINCRBYFLOAT missing f inf", "-ERR value is NaN or Infinity\r\n"),
            ("EXISTS missing", ":0\r\n"),
            ("HSET h huge 1.5e308", ":1\r\n"),
            ("HINCRBYFLOAT h huge 1.5e308", "$309\r\n299999999999999999999802952978936936062033681930121889934267370842360212133382092073513329456432044063805856741044049928681709165013290418975721613155792350350455287355122225755520606513477793033688249842856870392034430282663023473578541488576654642706081008486842868180099693230377808905266593729023699845120\r\n"),
            ("HSET h max 1e4932", ":1\r\n"),
            ("HINCRBYFLOAT h max 1e4932", "-ERR increment would produce NaN or Infinity\r\n"),
            ("HINCRBYFLOAT h f \"\"", "-ERR value is not a valid float\r\n"),
            ("HINCRBYFLOAT h f \" 1\"", "-ERR value is not a valid float\r\n"),
            ("HMGET h f g i s huge max", "*6\r\n$1\r\n0\r\n$22\r\n1000.03000000000000003\r\n$4\r\n10.1\r\n$3\r\nabc\r\n$309\r\n299999999999999999999802952978936936062033681930121889934267370842360212133382092073513329456432044063805856741044049928681709165013290418975721613155792350350455287355122225755520606513477793033688249842856870392034430282663023473578541488576654642706081008486842868180099693230377808905266593729023699845120\r\n$6\r\n1e4932\r\n"),
        ],
    );
}

#[test]
fn hrandfield_errors() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("HRANDFIELD missing", "$-1\r\n"),
            ("HRANDFIELD missing 3", "*0\r\n"),
            ("HRANDFIELD missing -3 WITHVALUES", "*0\r\n"),
            ("HRANDFIELD missing x", "-ERR value is not an integer or out of range\r\n"),
            ("HRANDFIELD missing -9223372036854775808", "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n"),
            ("HRANDFIELD missing 1 FOO", "-ERR syntax error\r\n"),
            ("HRANDFIELD missing 1 WITHVALUES x", "-ERR syntax error\r\n"),
            ("HRANDFIELD missing 4611686018427387904 WITHVALUES", "-ERR value is out of range\r\n"),
            ("HRANDFIELD missing -4611686018427387904 WITHVALUES", "-ERR value is out of range\r\n"),
            ("HSET h a 1", ":1\r\n"),
            ("HRANDFIELD h", "$1\r\na\r\n"),
            ("HRANDFIELD h 1", "*1\r\n$1\r\na\r\n"),
            ("HRANDFIELD h 0", "*0\r\n"),
            ("HRANDFIELD h -2", "*2\r\n$1\r\na\r\n$1\r\na\r\n"),
            ("HRANDFIELD h 5 WITHVALUES", "*2\r\n$1\r\na\r\n$1\r\n1\r\n"),
            ("HRANDFIELD h -2 WITHVALUES", "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n1\r\n"),
            ("HRANDFIELD h 1 withvalues", "*2\r\n$1\r\na\r\n$1\r\n1\r\n"),
            ("HRANDFIELD h 0 WITHVALUES", "*0\r\n"),
            ("HRANDFIELD h 1 WITHVALUES FOO", "-ERR syntax error\r\n"),
        ],
    );
}

#[test]
fn hscan_small() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("HSET h a 1 b 2 c 3 ab 4", ":4\r\n"),
            ("HSCAN h 0", "*2\r\n$1\r\n0\r\n*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$2\r\nab\r\n$1\r\n4\r\n"),
            ("HSCAN h 0 MATCH a*", "*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$2\r\nab\r\n$1\r\n4\r\n"),
            ("HSCAN h 0 MATCH *b COUNT 1", "*2\r\n$1\r\n0\r\n*4\r\n$1\r\nb\r\n$1\r\n2\r\n$2\r\nab\r\n$1\r\n4\r\n"),
            ("HSCAN h 0 COUNT 100 MATCH nope", "*2\r\n$1\r\n0\r\n*0\r\n"),
            ("HSCAN h 0 MATCH *", "*2\r\n$1\r\n0\r\n*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$2\r\nab\r\n$1\r\n4\r\n"),
            ("HSCAN h 42", "*2\r\n$1\r\n0\r\n*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$2\r\nab\r\n$1\r\n4\r\n"),
            ("HSCAN h 0 COUNT 0", "-ERR syntax error\r\n"),
            ("HSCAN h 0 COUNT -1", "-ERR syntax error\r\n"),
            ("HSCAN h 0 COUNT x", "-ERR value is not an integer or out of range\r\n"),
            ("HSCAN h 0 MATCH", "-ERR syntax error\r\n"),
            ("HSCAN h 0 FOO bar", "-ERR syntax error\r\n"),
            ("HSCAN h x", "-ERR invalid cursor\r\n"),
            ("HSCAN h -1", "*2\r\n$1\r\n0\r\n*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$2\r\nab\r\n$1\r\n4\r\n"),
            ("HSCAN h \"\"", "*2\r\n$1\r\n0\r\n*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$2\r\nab\r\n$1\r\n4\r\n"),
            ("HSCAN missing 0", "*2\r\n$1\r\n0\r\n*0\r\n"),
            ("HSCAN missing 0 COUNT 0", "*2\r\n$1\r\n0\r\n*0\r\n"),
            ("HSCAN missing x", "-ERR invalid cursor\r\n"),
            ("HSCAN h", "-ERR wrong number of arguments for 'hscan' command\r\n"),
        ],
    );
}

#[test]
fn random_fields() {
    use crate::testutil::items;
    let mut h = harness();
    run(&mut h, &["HSET", "h", "a", "1", "b", "2", "c", "3"]);
    for _ in 0..30 {
        let mut got = items(&run(&mut h, &["HRANDFIELD", "h", "2"]));
        assert_eq!(got.len(), 2);
        got.dedup();
        assert_eq!(got.len(), 2, "distinct fields");
        assert!(got.iter().all(|f| ["a", "b", "c"].contains(&f.as_str())));
        let pairs = items(&run(&mut h, &["HRANDFIELD", "h", "-5", "WITHVALUES"]));
        assert_eq!(pairs.len(), 10);
        for p in pairs.chunks(2) {
            let want = match p[0].as_str() {
                "a" => "1",
                "b" => "2",
                _ => "3",
            };
            assert_eq!(p[1], want);
        }
        let one = items(&run(&mut h, &["HRANDFIELD", "h"]));
        assert!(["a", "b", "c"].contains(&one[0].as_str()));
    }
    assert_eq!(
        items(&run(&mut h, &["HRANDFIELD", "h", "3"])),
        ["a", "b", "c"]
    );
    assert_eq!(
        run(&mut h, &["HRANDFIELD", "h", "-100000000"]),
        b"-ERR value is out of range\r\n"
    );
}

#[test]
fn large_hashes_use_a_table() {
    use crate::testutil::items;
    let mut h = harness();
    let mut args = vec!["HSET".to_string(), "h".into()];
    for i in 0..300 {
        args.push(format!("field:{i}"));
        args.push(format!("{i}"));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(run(&mut h, &args), b":300\r\n");
    assert_eq!(run(&mut h, &["HLEN", "h"]), b":300\r\n");
    assert_eq!(run(&mut h, &["HGET", "h", "field:123"]), b"$3\r\n123\r\n");
    assert_eq!(items(&run(&mut h, &["HGETALL", "h"])).len(), 600);
    // A full SCAN sees every field once at least.
    let mut seen = std::collections::HashSet::new();
    let mut cursor = "0".to_string();
    loop {
        let got = items(&run(&mut h, &["HSCAN", "h", &cursor, "COUNT", "7"]));
        cursor = got[0].clone();
        for p in got[1..].chunks(2) {
            assert_eq!(p[0], format!("field:{}", p[1]));
            seen.insert(p[0].clone());
        }
        if cursor == "0" {
            break;
        }
    }
    assert_eq!(seen.len(), 300);
    let distinct = items(&run(&mut h, &["HRANDFIELD", "h", "150"]));
    let set: std::collections::HashSet<_> = distinct.iter().collect();
    assert_eq!(set.len(), 150);
    assert_eq!(items(&run(&mut h, &["HRANDFIELD", "h", "-500"])).len(), 500);
    // Deleting every field deletes the key.
    for i in 0..300 {
        run(&mut h, &["HDEL", "h", &format!("field:{i}")]);
    }
    assert_eq!(run(&mut h, &["EXISTS", "h"]), b":0\r\n");
    // A long value converts a small hash, which keeps working.
    let long = "x".repeat(65);
    run(&mut h, &["HSET", "h2", "a", "1", "b", &long]);
    assert_eq!(items(&run(&mut h, &["HKEYS", "h2"])).len(), 2);
    assert_eq!(run(&mut h, &["HSTRLEN", "h2", "b"]), b":65\r\n");
}
