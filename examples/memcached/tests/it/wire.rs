//! Exact reply bytes for protocol corner cases (recorded from memcached 1.6.18),
//! on kevy over 2 shards.

use crate::util::{kevy, Raw};

/// (script, expected reply) pairs; each runs on a fresh connection after a flush.
const CASES: &[(&[u8], &[u8])] = &[
    (b"set a 5 0 3\r\nabc\r\nget a\r\n", b"STORED\r\nVALUE a 5 3\r\nabc\r\nEND\r\n"),
    (b"set n 0 0 3\r\n100\r\ndecr n 1\r\nget n\r\nincr n 5\r\n", b"STORED\r\n99\r\nVALUE n 0 3\r\n99 \r\nEND\r\n104\r\n"),
    (b"bogus\r\n\r\nget\r\nGET a\r\nincr\r\n", b"ERROR\r\nERROR\r\nERROR\r\nERROR\r\nERROR\r\n"),
    (b"set x 0 0 3\r\nabcd\r\nget x\r\n", b"CLIENT_ERROR bad data chunk\r\nERROR\r\nEND\r\n"),
    (b"set x 0 0 abc\r\nfoo\r\n", b"CLIENT_ERROR bad command line format\r\nERROR\r\n"),
    (b"set x 0 0 1 noreply\r\nz\r\nget x\r\n", b"VALUE x 0 1\r\nz\r\nEND\r\n"),
    (b"set x 0 0 1 bad\r\nz\r\n", b"STORED\r\n"),
    (b"set k 0 0 1 noreply\r\nzz\r\n", b"ERROR\r\n"),
    (b"set x 4294967296 0 1\r\nz\r\nget x\r\n", b"STORED\r\nVALUE x 0 1\r\nz\r\nEND\r\n"),
    (b"set x 0 0 4294967297\r\nzz\r\nget x\r\n", b"CLIENT_ERROR bad data chunk\r\nERROR\r\nEND\r\n"),
    (b"set x 0 99999999999 1\r\nz\r\nget x\r\n", b"STORED\r\nEND\r\n"),
    (b"delete x 0\r\ndelete x 5\r\ndelete x noreply\r\n", b"NOT_FOUND\r\nCLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n"),
    (b"flush_all abc\r\nverbosity 1\r\nverbosity\r\n", b"CLIENT_ERROR invalid exptime argument\r\nOK\r\nERROR\r\n"),
    (b"touch a abc\r\ngat abc a\r\ngat 0\r\n", b"CLIENT_ERROR invalid exptime argument\r\nCLIENT_ERROR invalid exptime argument\r\nEND\r\n"),
    (b"set a 0 0 1\r\nz\r\nget a a a\r\n", b"STORED\r\nVALUE a 0 1\r\nz\r\nVALUE a 0 1\r\nz\r\nVALUE a 0 1\r\nz\r\nEND\r\n"),
    (b"shutdown\r\n", b"ERROR: shutdown not enabled\r\n"),
];

#[test]
fn corner_cases_match_memcached_byte_for_byte() {
    let server = kevy(2);
    for (script, expect) in CASES {
        let mut c = Raw::connect(server.addr());
        assert_eq!(c.exchange(b"flush_all noreply\r\n"), b"");
        let got = c.exchange(script);
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(expect),
            "script {:?}",
            String::from_utf8_lossy(script)
        );
    }
    server.stop();
}

#[test]
fn long_keys_and_long_lines() {
    let server = kevy(2);
    let mut c = Raw::connect(server.addr());
    let key = "k".repeat(251);
    let got = c.exchange(
        format!("set a 0 0 1\r\nz\r\nget a {key} a\r\nset {key} 0 0 1\r\nz\r\n").as_bytes(),
    );
    assert_eq!(got, b"STORED\r\nCLIENT_ERROR bad command line format\r\nCLIENT_ERROR bad command line format\r\nERROR\r\n");
    // A get of 1500 keys: a line far over 2048 bytes, arriving in pieces.
    let line = format!("get {}\r\n", "a ".repeat(1500));
    let got = c.exchange(line.as_bytes());
    assert_eq!(
        got,
        [&b"VALUE a 0 1\r\nz\r\n".repeat(1500)[..], b"END\r\n"].concat()
    );
    // Anything else that long without a newline is dropped, connection and all.
    let mut c = Raw::connect(server.addr());
    assert_eq!(c.until_close(&[b'x'; 3000]), b"");
    server.stop();
}

#[test]
fn quit_and_http_close_the_connection() {
    let server = kevy(2);
    let mut c = Raw::connect(server.addr());
    assert_eq!(
        c.until_close(b"set a 0 0 1\r\nz\r\nquit\r\nget a\r\n"),
        b"STORED\r\n"
    );
    let mut c = Raw::connect(server.addr());
    assert_eq!(c.until_close(b"GET / HTTP/1.1\r\n"), b"");
    server.stop();
}

#[test]
fn values_spanning_many_reads_and_pipelined_requests() {
    let server = kevy(3);
    let mut c = Raw::connect(server.addr());
    let big = vec![b'\xff'; 100_000];
    let mut script = format!("set big 7 0 {}\r\n", big.len()).into_bytes();
    script.extend_from_slice(&big);
    script.extend_from_slice(b"\r\n");
    let mut expect = b"STORED\r\n".to_vec();
    for i in 0..300 {
        script.extend_from_slice(
            format!(
                "set k{i} 0 0 {}\r\n{i}\r\nget k{i} big\r\n",
                i.to_string().len()
            )
            .as_bytes(),
        );
        expect.extend_from_slice(
            format!("STORED\r\nVALUE k{i} 0 {}\r\n{i}\r\n", i.to_string().len()).as_bytes(),
        );
        expect.extend_from_slice(format!("VALUE big 7 {}\r\n", big.len()).as_bytes());
        expect.extend_from_slice(&big);
        expect.extend_from_slice(b"\r\nEND\r\n");
    }
    assert!(
        c.exchange(&script) == expect,
        "300 pipelined set/get pairs came back in order"
    );
    server.stop();
}

/// A connection whose keys all live on the other shard moves there
/// (`Commands::movable` is always true here) and keeps answering, in
/// order, for keys of both shards.
#[test]
fn a_connection_moves_to_its_keys_shard() {
    let server = kevy(2);
    let before = server.stats().accepted();
    let mut c = Raw::connect(server.addr());
    assert_eq!(c.exchange(b""), b"");
    let after = server.stats().accepted();
    let home = (0..2).find(|&s| after[s] > before[s]).expect("accepted");
    let router = kevy_rt::Router::new(2);
    let key = |s: usize| {
        (0..)
            .map(|i| format!("mv{i}"))
            .find(|k| router.shard_of(k.as_bytes()) == s)
            .unwrap_or_default()
    };
    let (away, local) = (key(1 - home), key(home));
    for i in 0..100 {
        let v = format!("{i:03}");
        let script = format!("set {away} 0 0 3\r\n{v}\r\nget {away}\r\n");
        let want = format!("STORED\r\nVALUE {away} 0 3\r\n{v}\r\nEND\r\n");
        assert_eq!(c.exchange(script.as_bytes()), want.as_bytes());
    }
    let moved = (0..500).any(|_| {
        c.exchange(b"");
        server.stats().moved_in()[1 - home] == 1
    });
    assert!(moved, "never moved: {:?}", server.stats().moved_in());
    let script = format!("set {local} 0 0 1\r\nh\r\nget {local} {away}\r\n");
    let want = format!("STORED\r\nVALUE {local} 0 1\r\nh\r\nVALUE {away} 0 3\r\n099\r\nEND\r\n");
    assert_eq!(c.exchange(script.as_bytes()), want.as_bytes());
}
