//! List family tests: replies recorded from redis-server 7.0.15. Keys `a`,
//! `b` and `g` live on three different shards of the test harness; `{t}…`
//! keys share one.

use crate::testutil::{check, harness};

#[test]
fn push_and_len() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("LPUSH l a b c", ":3\r\n"),
            ("RPUSH l d e", ":5\r\n"),
            ("LRANGE l 0 -1", "*5\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\nd\r\n$1\r\ne\r\n"),
            ("LLEN l", ":5\r\n"),
            ("LLEN missing", ":0\r\n"),
            ("LPUSHX missing x", ":0\r\n"),
            ("RPUSHX missing x", ":0\r\n"),
            ("EXISTS missing", ":0\r\n"),
            ("LPUSHX l x y", ":7\r\n"),
            ("RPUSHX l z", ":8\r\n"),
            ("LRANGE l 0 -1", "*8\r\n$1\r\ny\r\n$1\r\nx\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nz\r\n"),
            ("TYPE l", "+list\r\n"),
            ("LPUSH l", "-ERR wrong number of arguments for 'lpush' command\r\n"),
            ("RPUSH", "-ERR wrong number of arguments for 'rpush' command\r\n"),
            ("LPUSHX l", "-ERR wrong number of arguments for 'lpushx' command\r\n"),
            ("SET s str", "+OK\r\n"),
            ("LPUSH s x", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
            ("RPUSH s x", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
            ("LPUSHX s x", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
            ("RPUSHX s x", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
            ("LLEN s", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
            ("GET l", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
            ("INCR l", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
            ("APPEND l x", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
            ("STRLEN l", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
        ],
    );
}

#[test]
fn pop_counts() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("RPUSH l a b c d e", ":5\r\n"),
            ("LPOP l", "$1\r\na\r\n"),
            ("RPOP l", "$1\r\ne\r\n"),
            ("LPOP l 2", "*2\r\n$1\r\nb\r\n$1\r\nc\r\n"),
            ("RPOP l 0", "*0\r\n"),
            ("RPOP l 1", "*1\r\n$1\r\nd\r\n"),
            ("LRANGE l 0 -1", "*0\r\n"),
            ("LPOP l 10", "*-1\r\n"),
            ("EXISTS l", ":0\r\n"),
            ("LPOP l", "$-1\r\n"),
            ("LPOP l 0", "*-1\r\n"),
            ("LPOP l 2", "*-1\r\n"),
            ("RPOP missing", "$-1\r\n"),
            ("RPOP missing 3", "*-1\r\n"),
            (
                "LPOP l -1",
                "-ERR value is out of range, must be positive\r\n",
            ),
            (
                "LPOP l abc",
                "-ERR value is out of range, must be positive\r\n",
            ),
            (
                "LPOP l 1 2",
                "-ERR wrong number of arguments for 'lpop' command\r\n",
            ),
            (
                "LPOP",
                "-ERR wrong number of arguments for 'lpop' command\r\n",
            ),
            ("SET s x", "+OK\r\n"),
            (
                "LPOP s",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "RPOP s 0",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "LPOP s -1",
                "-ERR value is out of range, must be positive\r\n",
            ),
        ],
    );
}

#[test]
fn pop_deletes_and_drops_ttl() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("RPUSH l a b", ":2\r\n"),
            ("EXPIRE l 1000", ":1\r\n"),
            ("TTL l", ":1000\r\n"),
            ("LPOP l 2", "*2\r\n$1\r\na\r\n$1\r\nb\r\n"),
            ("EXISTS l", ":0\r\n"),
            ("RPUSH l c", ":1\r\n"),
            ("TTL l", ":-1\r\n"),
        ],
    );
}

#[test]
fn lrange_indexes() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("RPUSH l a b c d e f", ":6\r\n"),
            ("LRANGE l 0 0", "*1\r\n$1\r\na\r\n"),
            ("LRANGE l -1 -1", "*1\r\n$1\r\nf\r\n"),
            ("LRANGE l -3 -1", "*3\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n"),
            (
                "LRANGE l 2 100",
                "*4\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n",
            ),
            ("LRANGE l -100 1", "*2\r\n$1\r\na\r\n$1\r\nb\r\n"),
            ("LRANGE l 4 2", "*0\r\n"),
            ("LRANGE l 6 10", "*0\r\n"),
            ("LRANGE l -100 -50", "*0\r\n"),
            ("LRANGE l 0 -7", "*0\r\n"),
            (
                "LRANGE l -9223372036854775808 9223372036854775807",
                "*6\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n",
            ),
            (
                "LRANGE l x 1",
                "-ERR value is not an integer or out of range\r\n",
            ),
            (
                "LRANGE l 1 1.5",
                "-ERR value is not an integer or out of range\r\n",
            ),
            ("LRANGE missing 0 -1", "*0\r\n"),
            (
                "LRANGE missing x 1",
                "-ERR value is not an integer or out of range\r\n",
            ),
            ("SET s x", "+OK\r\n"),
            (
                "LRANGE s 0 -1",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "LRANGE s x 1",
                "-ERR value is not an integer or out of range\r\n",
            ),
            (
                "LRANGE l 1",
                "-ERR wrong number of arguments for 'lrange' command\r\n",
            ),
        ],
    );
}

#[test]
fn lindex_and_lset() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("RPUSH l a b c", ":3\r\n"),
            ("LINDEX l 0", "$1\r\na\r\n"),
            ("LINDEX l -1", "$1\r\nc\r\n"),
            ("LINDEX l 2", "$1\r\nc\r\n"),
            ("LINDEX l 3", "$-1\r\n"),
            ("LINDEX l -4", "$-1\r\n"),
            ("LINDEX l -9223372036854775808", "$-1\r\n"),
            ("LINDEX l 9223372036854775807", "$-1\r\n"),
            (
                "LINDEX l x",
                "-ERR value is not an integer or out of range\r\n",
            ),
            ("LINDEX missing x", "$-1\r\n"),
            ("LINDEX missing 0", "$-1\r\n"),
            ("LSET l 0 A", "+OK\r\n"),
            ("LSET l -1 C", "+OK\r\n"),
            ("LSET l 3 x", "-ERR index out of range\r\n"),
            ("LSET l -4 x", "-ERR index out of range\r\n"),
            (
                "LSET l x y",
                "-ERR value is not an integer or out of range\r\n",
            ),
            ("LSET missing 0 x", "-ERR no such key\r\n"),
            ("LSET missing x x", "-ERR no such key\r\n"),
            ("LRANGE l 0 -1", "*3\r\n$1\r\nA\r\n$1\r\nb\r\n$1\r\nC\r\n"),
            ("SET s x", "+OK\r\n"),
            (
                "LINDEX s 0",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "LINDEX s x",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "LSET s 0 x",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
        ],
    );
}

#[test]
fn linsert() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("RPUSH l a b c b", ":4\r\n"),
            ("LINSERT l BEFORE b x", ":5\r\n"),
            ("LINSERT l after b y", ":6\r\n"),
            ("LINSERT l AFTER c z", ":7\r\n"),
            ("LINSERT l before missing q", ":-1\r\n"),
            ("LRANGE l 0 -1", "*7\r\n$1\r\na\r\n$1\r\nx\r\n$1\r\nb\r\n$1\r\ny\r\n$1\r\nc\r\n$1\r\nz\r\n$1\r\nb\r\n"),
            ("LINSERT l middle b q", "-ERR syntax error\r\n"),
            ("LINSERT missing BEFORE a b", ":0\r\n"),
            ("LINSERT missing MIDDLE a b", "-ERR syntax error\r\n"),
            ("EXISTS missing", ":0\r\n"),
            ("SET s x", "+OK\r\n"),
            ("LINSERT s BEFORE a b", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
            ("LINSERT s MIDDLE a b", "-ERR syntax error\r\n"),
            ("LINSERT l BEFORE a", "-ERR wrong number of arguments for 'linsert' command\r\n"),
        ],
    );
}

#[test]
fn lrem() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("RPUSH l a b a c a b a", ":7\r\n"),
            ("LREM l 2 a", ":2\r\n"),
            (
                "LRANGE l 0 -1",
                "*5\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\na\r\n",
            ),
            ("LREM l -1 a", ":1\r\n"),
            (
                "LRANGE l 0 -1",
                "*4\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\na\r\n$1\r\nb\r\n",
            ),
            ("LREM l 0 b", ":2\r\n"),
            ("LRANGE l 0 -1", "*2\r\n$1\r\nc\r\n$1\r\na\r\n"),
            ("LREM l 0 zz", ":0\r\n"),
            ("LREM l 0 a", ":1\r\n"),
            ("LREM l 5 c", ":1\r\n"),
            ("EXISTS l", ":0\r\n"),
            ("LREM missing 0 a", ":0\r\n"),
            (
                "LREM l x a",
                "-ERR value is not an integer or out of range\r\n",
            ),
            (
                "LREM missing x a",
                "-ERR value is not an integer or out of range\r\n",
            ),
            ("SET s x", "+OK\r\n"),
            (
                "LREM s 0 a",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "LREM s x a",
                "-ERR value is not an integer or out of range\r\n",
            ),
            ("RPUSH l2 x x x", ":3\r\n"),
            ("LREM l2 -9223372036854775808 x", ":3\r\n"),
            ("EXISTS l2", ":0\r\n"),
        ],
    );
}

#[test]
fn ltrim() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("RPUSH l a b c d e f", ":6\r\n"),
            ("LTRIM l 1 -2", "+OK\r\n"),
            (
                "LRANGE l 0 -1",
                "*4\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n",
            ),
            ("LTRIM l -100 100", "+OK\r\n"),
            (
                "LRANGE l 0 -1",
                "*4\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n",
            ),
            ("LTRIM l 1 1", "+OK\r\n"),
            ("LRANGE l 0 -1", "*1\r\n$1\r\nc\r\n"),
            ("LTRIM l 2 1", "+OK\r\n"),
            ("EXISTS l", ":0\r\n"),
            ("LTRIM missing 0 1", "+OK\r\n"),
            ("RPUSH l a b", ":2\r\n"),
            ("LTRIM l 5 10", "+OK\r\n"),
            ("EXISTS l", ":0\r\n"),
            (
                "LTRIM l x 1",
                "-ERR value is not an integer or out of range\r\n",
            ),
            (
                "LTRIM missing x 1",
                "-ERR value is not an integer or out of range\r\n",
            ),
            ("SET s x", "+OK\r\n"),
            (
                "LTRIM s 0 1",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "LTRIM s x 1",
                "-ERR value is not an integer or out of range\r\n",
            ),
        ],
    );
}

#[test]
fn lpos() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("RPUSH l a b c 1 2 3 c c", ":8\r\n"),
            ("LPOS l c", ":2\r\n"),
            ("LPOS l c RANK 2", ":6\r\n"),
            ("LPOS l c RANK -1", ":7\r\n"),
            ("LPOS l c RANK -3", ":2\r\n"),
            ("LPOS l c RANK 4", "$-1\r\n"),
            ("LPOS l c COUNT 2", "*2\r\n:2\r\n:6\r\n"),
            ("LPOS l c COUNT 0", "*3\r\n:2\r\n:6\r\n:7\r\n"),
            ("LPOS l c RANK -1 COUNT 2", "*2\r\n:7\r\n:6\r\n"),
            ("LPOS l c COUNT 0 MAXLEN 3", "*1\r\n:2\r\n"),
            ("LPOS l c RANK -1 MAXLEN 2", ":7\r\n"),
            ("LPOS l c RANK 2 MAXLEN 3", "$-1\r\n"),
            ("LPOS l x", "$-1\r\n"),
            ("LPOS l x COUNT 5", "*0\r\n"),
            ("LPOS missing c", "$-1\r\n"),
            ("LPOS missing c COUNT 1", "*0\r\n"),
            ("LPOS missing c RANK 0", "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list\r\n"),
            ("LPOS l c RANK 0", "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list\r\n"),
            ("LPOS l c RANK -9223372036854775808", ":7\r\n"),
            ("LPOS l c RANK -9223372036854775808 COUNT 1", "*3\r\n:7\r\n:6\r\n:2\r\n"),
            ("LPOS l c RANK 9223372036854775807", "$-1\r\n"),
            ("LPOS l c COUNT -1", "-ERR COUNT can't be negative\r\n"),
            ("LPOS l c COUNT x", "-ERR COUNT can't be negative\r\n"),
            ("LPOS l c MAXLEN -1", "-ERR MAXLEN can't be negative\r\n"),
            ("LPOS l c MAXLEN x", "-ERR MAXLEN can't be negative\r\n"),
            ("LPOS l c RANK x", "-ERR value is not an integer or out of range\r\n"),
            ("LPOS l c rank 1 count 1 maxlen 0 RANK 2", "*1\r\n:6\r\n"),
            ("LPOS l c FOO 1", "-ERR syntax error\r\n"),
            ("LPOS l c RANK", "-ERR syntax error\r\n"),
            ("LPOS l c COUNT 1 MAXLEN", "-ERR syntax error\r\n"),
            ("SET s x", "+OK\r\n"),
            ("LPOS s c", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
            ("LPOS s c RANK 0", "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list\r\n"),
            ("LPOS s c COUNT 1", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
            ("LPOS l", "-ERR wrong number of arguments for 'lpos' command\r\n"),
        ],
    );
}

#[test]
fn lmove_same_shard() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("RPUSH {t}a 1 2 3", ":3\r\n"),
            ("LMOVE {t}a {t}b LEFT RIGHT", "$1\r\n1\r\n"),
            ("LMOVE {t}a {t}b RIGHT LEFT", "$1\r\n3\r\n"),
            ("LRANGE {t}a 0 -1", "*1\r\n$1\r\n2\r\n"),
            ("LRANGE {t}b 0 -1", "*2\r\n$1\r\n3\r\n$1\r\n1\r\n"),
            ("LMOVE {t}a {t}a LEFT RIGHT", "$1\r\n2\r\n"),
            ("LRANGE {t}a 0 -1", "*1\r\n$1\r\n2\r\n"),
            ("RPOPLPUSH {t}b {t}a", "$1\r\n1\r\n"),
            ("RPOPLPUSH {t}b {t}a", "$1\r\n3\r\n"),
            ("EXISTS {t}b", ":0\r\n"),
            ("RPOPLPUSH {t}b {t}a", "$-1\r\n"),
            (
                "LRANGE {t}a 0 -1",
                "*3\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\n2\r\n",
            ),
            ("LMOVE {t}a {t}b left left", "$1\r\n3\r\n"),
            ("LMOVE {t}a {t}b UP LEFT", "-ERR syntax error\r\n"),
            ("LMOVE {t}a {t}b LEFT DOWN", "-ERR syntax error\r\n"),
            ("LMOVE {t}missing {t}b UP LEFT", "-ERR syntax error\r\n"),
            ("SET {t}s x", "+OK\r\n"),
            (
                "LMOVE {t}s {t}b LEFT LEFT",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "LMOVE {t}a {t}s LEFT LEFT",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            ("LMOVE {t}missing {t}s LEFT LEFT", "$-1\r\n"),
            (
                "RPOPLPUSH {t}a {t}s",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            ("LRANGE {t}a 0 -1", "*2\r\n$1\r\n1\r\n$1\r\n2\r\n"),
            ("RPUSH {t}one x", ":1\r\n"),
            ("LMOVE {t}one {t}one LEFT LEFT", "$1\r\nx\r\n"),
            ("LRANGE {t}one 0 -1", "*1\r\n$1\r\nx\r\n"),
            (
                "LMOVE {t}a {t}b LEFT",
                "-ERR wrong number of arguments for 'lmove' command\r\n",
            ),
            (
                "RPOPLPUSH {t}a",
                "-ERR wrong number of arguments for 'rpoplpush' command\r\n",
            ),
        ],
    );
}

#[test]
fn lmove_across_shards() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("RPUSH a 1 2 3", ":3\r\n"),
            ("LMOVE a b LEFT RIGHT", "$1\r\n1\r\n"),
            ("LMOVE a b RIGHT LEFT", "$1\r\n3\r\n"),
            ("LRANGE a 0 -1", "*1\r\n$1\r\n2\r\n"),
            ("LRANGE b 0 -1", "*2\r\n$1\r\n3\r\n$1\r\n1\r\n"),
            ("RPOPLPUSH b g", "$1\r\n1\r\n"),
            ("RPOPLPUSH b g", "$1\r\n3\r\n"),
            ("EXISTS b", ":0\r\n"),
            ("RPOPLPUSH b g", "$-1\r\n"),
            ("LRANGE g 0 -1", "*2\r\n$1\r\n3\r\n$1\r\n1\r\n"),
            ("LMOVE g a RIGHT LEFT", "$1\r\n1\r\n"),
            ("LRANGE a 0 -1", "*2\r\n$1\r\n1\r\n$1\r\n2\r\n"),
            ("LMOVE a b UP LEFT", "-ERR syntax error\r\n"),
            ("SET s x", "+OK\r\n"),
            (
                "LMOVE s a LEFT LEFT",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "LMOVE a s LEFT LEFT",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            ("LMOVE missing s LEFT LEFT", "$-1\r\n"),
            (
                "RPOPLPUSH a s",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "RPOPLPUSH s a",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            ("LRANGE a 0 -1", "*2\r\n$1\r\n1\r\n$1\r\n2\r\n"),
        ],
    );
}

#[test]
fn lmpop() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("RPUSH {t}b 1 2 3 4", ":4\r\n"),
            (
                "LMPOP 2 {t}a {t}b LEFT",
                "*2\r\n$4\r\n{t}b\r\n*1\r\n$1\r\n1\r\n",
            ),
            (
                "LMPOP 2 {t}a {t}b RIGHT COUNT 2",
                "*2\r\n$4\r\n{t}b\r\n*2\r\n$1\r\n4\r\n$1\r\n3\r\n",
            ),
            (
                "LMPOP 2 {t}a {t}b left count 10",
                "*2\r\n$4\r\n{t}b\r\n*1\r\n$1\r\n2\r\n",
            ),
            ("LMPOP 2 {t}a {t}b LEFT", "*-1\r\n"),
            ("EXISTS {t}b", ":0\r\n"),
            ("LMPOP 1 {t}a RIGHT COUNT 1", "*-1\r\n"),
            ("RPUSH {t}a x", ":1\r\n"),
            ("SET {t}s str", "+OK\r\n"),
            (
                "LMPOP 3 {t}missing {t}s {t}a LEFT",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "LMPOP 3 {t}missing {t}a {t}s LEFT",
                "*2\r\n$4\r\n{t}a\r\n*1\r\n$1\r\nx\r\n",
            ),
            (
                "LMPOP 0 {t}a LEFT",
                "-ERR numkeys should be greater than 0\r\n",
            ),
            (
                "LMPOP -1 {t}a LEFT",
                "-ERR numkeys should be greater than 0\r\n",
            ),
            (
                "LMPOP x {t}a LEFT",
                "-ERR numkeys should be greater than 0\r\n",
            ),
            ("LMPOP 2 {t}a LEFT", "-ERR syntax error\r\n"),
            ("LMPOP 1 {t}a MIDDLE", "-ERR syntax error\r\n"),
            (
                "LMPOP 1 {t}a LEFT COUNT 0",
                "-ERR count should be greater than 0\r\n",
            ),
            (
                "LMPOP 1 {t}a LEFT COUNT -1",
                "-ERR count should be greater than 0\r\n",
            ),
            (
                "LMPOP 1 {t}a LEFT COUNT x",
                "-ERR count should be greater than 0\r\n",
            ),
            ("LMPOP 1 {t}a LEFT COUNT 1 COUNT 1", "-ERR syntax error\r\n"),
            ("LMPOP 1 {t}a LEFT COUNT", "-ERR syntax error\r\n"),
            ("LMPOP 1 {t}a LEFT FOO", "-ERR syntax error\r\n"),
            (
                "LMPOP 1 {t}a",
                "-ERR wrong number of arguments for 'lmpop' command\r\n",
            ),
            (
                "LMPOP 9223372036854775807 {t}a LEFT",
                "-ERR syntax error\r\n",
            ),
        ],
    );
}

#[test]
fn lmpop_across_shards() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("RPUSH g 1 2 3", ":3\r\n"),
            ("RPUSH a x y", ":2\r\n"),
            (
                "LMPOP 3 b a g LEFT COUNT 5",
                "*2\r\n$1\r\na\r\n*2\r\n$1\r\nx\r\n$1\r\ny\r\n",
            ),
            (
                "LMPOP 3 b a g LEFT COUNT 5",
                "*2\r\n$1\r\ng\r\n*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n",
            ),
            ("LMPOP 3 b a g RIGHT", "*-1\r\n"),
            ("LMPOP 3 b a g RIGHT", "*-1\r\n"),
            ("EXISTS a g", ":0\r\n"),
            ("SET b str", "+OK\r\n"),
            ("RPUSH g 9", ":1\r\n"),
            ("LMPOP 2 g b LEFT", "*2\r\n$1\r\ng\r\n*1\r\n$1\r\n9\r\n"),
            (
                "LMPOP 2 b g LEFT",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            ("LMPOP 2 a g LEFT", "*-1\r\n"),
        ],
    );
}

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
