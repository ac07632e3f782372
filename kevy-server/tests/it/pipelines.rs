//! Pipelines whose commands change how the connection is answered
//! (`CLIENT REPLY`, `SELECT`, `HELLO`), or that mix multi-key commands with
//! commands on their keys: sent in one write, exact bytes back, from kevy
//! and from redis-server 7.0. The reactor decodes and resolves a command
//! while the one before it runs; a command that changes the session must be
//! seen by every command after it, and one on a key of a multi-key command
//! still in flight runs after it.

use kevy_commands::Redis;

use crate::differential::seeded::{seeds, Gen};
use crate::util::{escape, kevy_on, Raw, RedisServer};

/// Each input (sent in one write, then `QUIT`) and all the server writes
/// before closing.
const CASES: &[(&[u8], &[u8])] = &[
    // The case: the SET's reply is skipped, the GET's is not.
    (
        b"CLIENT REPLY SKIP\r\nSET a 1\r\nGET a\r\n",
        b"$1\r\n1\r\n+OK\r\n",
    ),
    // A SKIP skips the next command, even when that is another SKIP.
    (
        b"CLIENT REPLY SKIP\r\nCLIENT REPLY SKIP\r\nSET a 1\r\nGET a\r\n",
        b"$1\r\n1\r\n+OK\r\n",
    ),
    // Keys on both shards of a two-shard server after the skip.
    (
        b"SET b 2\r\nCLIENT REPLY SKIP\r\nGET b\r\nGET a\r\nGET b\r\nGET c\r\nGET d\r\n",
        b"+OK\r\n$-1\r\n$1\r\n2\r\n$-1\r\n$-1\r\n+OK\r\n",
    ),
    // A multi-shard command after the skip.
    (
        b"CLIENT REPLY SKIP\r\nMSET a 1 b 2 c 3 d 4\r\nMGET a b c d\r\n",
        b"*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n+OK\r\n",
    ),
    // OFF silences everything up to ON, whatever shard runs it.
    (
        b"CLIENT REPLY OFF\r\nSET a 2\r\nGET a\r\nGET b\r\nMGET a b c\r\nCLIENT REPLY ON\r\nGET a\r\n",
        b"+OK\r\n$1\r\n2\r\n+OK\r\n",
    ),
    // SKIP while OFF does nothing; after ON the next command is answered.
    (
        b"CLIENT REPLY OFF\r\nCLIENT REPLY SKIP\r\nPING\r\nCLIENT REPLY ON\r\nPING\r\n",
        b"+OK\r\n+PONG\r\n+OK\r\n",
    ),
    // SELECT and HELLO take effect for the very next command.
    (
        b"SELECT 1\r\nSET a x\r\nSELECT 0\r\nGET a\r\nSELECT 1\r\nGET a\r\n",
        b"+OK\r\n+OK\r\n+OK\r\n$-1\r\n+OK\r\n$1\r\nx\r\n+OK\r\n",
    ),
];

/// What a server writes for `input` (then `QUIT`) on a fresh connection,
/// after a FLUSHALL.
fn answer(addr: std::net::SocketAddr, input: &[u8]) -> Vec<u8> {
    let mut c = Raw::connect(addr);
    assert_eq!(c.call(&["FLUSHALL"]), b"+OK\r\n");
    c.send(&[input, b"QUIT\r\n"].concat());
    c.read_to_close()
}

#[test]
fn client_reply_and_select_take_effect_inside_a_pipeline() {
    let redis = RedisServer::start();
    let one = kevy_on(Redis::default(), 1);
    let two = kevy_on(Redis::default(), 2);
    let mut failures = Vec::new();
    for (input, want) in CASES {
        for (name, addr) in [
            ("redis-server", redis.addr()),
            ("kevy, 1 shard", one.addr()),
            ("kevy, 2 shards", two.addr()),
        ] {
            let got = answer(addr, input);
            if got != *want {
                failures.push(format!(
                    "{name}: {}\n  want: {}\n  got:  {}",
                    escape(input),
                    escape(want),
                    escape(&got)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A request of many arguments arriving in small pieces (the decoder resumes
/// after the arguments of earlier pieces), with a pipelined request behind it
/// in the last piece: both are answered, and the list holds every element.
#[test]
fn many_arguments_in_small_pieces() {
    let server = kevy_on(Redis::default(), 2);
    let mut c = Raw::connect(server.addr());
    const N: usize = 20_000;
    let mut req = format!("*{}\r\n$5\r\nRPUSH\r\n$4\r\nlist\r\n", N + 2).into_bytes();
    for i in 0..N {
        let e = (i % 1000).to_string();
        req.extend_from_slice(format!("${}\r\n{e}\r\n", e.len()).as_bytes());
    }
    req.extend_from_slice(b"LINDEX list -1\r\n");
    for (n, piece) in req.chunks(97).enumerate() {
        c.send(piece);
        if n % 64 == 0 {
            // Now and then let the server read what came so far.
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }
    assert_eq!(c.reply(), format!(":{N}\r\n").into_bytes());
    assert_eq!(c.reply(), b"$3\r\n999\r\n");
    assert_eq!(c.call(&["LINDEX", "list", "12345"]), b"$3\r\n345\r\n");
}

/// One pipeline of `n` commands over a few keys (both shards of a two-shard
/// server): one-round multi-key commands (which do not hold their
/// connection in kevy) mixed with single-key reads and writes of the same
/// keys, commands that name no key, `SELECT`, and `MULTI` blocks. Every
/// written value is unique, so a command run out of order shows.
fn random_pipeline(seed: u64, n: usize) -> Vec<u8> {
    let mut rng = Gen::new(seed);
    let keys = ["k0", "k1", "k2", "k3", "k4", "k5", "{k0}x"];
    let mut out = Vec::new();
    let mut value = 0;
    let push = |out: &mut Vec<u8>, words: Vec<String>| {
        out.extend_from_slice(format!("*{}\r\n", words.len()).as_bytes());
        for w in words {
            out.extend_from_slice(format!("${}\r\n{w}\r\n", w.len()).as_bytes());
        }
    };
    let mut in_multi = false;
    for _ in 0..n {
        let key = |rng: &mut Gen| rng.pick(&keys);
        let mut words: Vec<String> = Vec::new();
        let pick = rng.below(24);
        match pick {
            0..=3 => {
                words.push("MSET".into());
                for _ in 0..2 + rng.below(3) {
                    value += 1;
                    words.push(keys[rng.below(keys.len())].into());
                    words.push(format!("v{value}"));
                }
            }
            4..=10 => {
                let verb = match pick {
                    4..=6 => "MGET",
                    7..=8 => "EXISTS",
                    9 => "DEL",
                    _ => "UNLINK",
                };
                words.push(verb.into());
                for _ in 0..2 + rng.below(3) {
                    words.push(keys[rng.below(keys.len())].into());
                }
            }
            11 => {
                words.push("TOUCH".into());
                words.push(key(&mut rng));
                words.push(key(&mut rng));
            }
            12..=13 => {
                value += 1;
                words.extend(["SET".into(), key(&mut rng), format!("v{value}")]);
            }
            14..=15 => words.extend(["GET".into(), key(&mut rng)]),
            16 => words.extend(["INCR".into(), key(&mut rng)]),
            17 => {
                value += 1;
                words.extend(["APPEND".into(), key(&mut rng), format!("a{value}")]);
            }
            18 => words.extend(["STRLEN".into(), key(&mut rng)]),
            19 => words.push("DBSIZE".into()),
            20 => words.extend(["SELECT".into(), rng.below(2).to_string()]),
            21 => words.extend(["PING".into(), format!("p{value}")]),
            22 if !in_multi => {
                in_multi = true;
                words.push("MULTI".into());
            }
            _ if in_multi => {
                in_multi = false;
                words.push("EXEC".into());
            }
            _ => words.extend(["TYPE".into(), key(&mut rng)]),
        }
        push(&mut out, words);
    }
    if in_multi {
        push(&mut out, vec!["EXEC".into()]);
    }
    // Where everything ended, in both databases.
    for db in ["0", "1"] {
        push(&mut out, vec!["SELECT".into(), db.into()]);
        let mut mget = vec!["MGET".to_string()];
        mget.extend(keys.iter().map(|k| k.to_string()));
        push(&mut out, mget);
    }
    out
}

/// Pipelines of one-round multi-key commands and single-key commands on the
/// same keys, sent in one write: kevy on two and three shards answers byte
/// for byte as redis-server 7.0 does. A later command on a key of a
/// multi-key command still in flight waits for it; one on other keys goes
/// on (kevy's connection is not held), which no reply may show.
#[test]
fn one_round_operations_and_commands_on_their_keys_keep_their_order() {
    let redis = RedisServer::start();
    let two = kevy_on(Redis::default(), 2);
    let three = kevy_on(Redis::default(), 3);
    let mut failures = Vec::new();
    for seed in seeds(40) {
        let input = random_pipeline(seed, 60);
        let want = answer(redis.addr(), &input);
        assert!(want.ends_with(b"+OK\r\n"), "redis-server answered QUIT");
        for (name, addr) in [("2 shards", two.addr()), ("3 shards", three.addr())] {
            let got = answer(addr, &input);
            if got != want {
                failures.push(format!(
                    "seed {seed}, kevy on {name}: {}\n  want: {}\n  got:  {}",
                    escape(&input),
                    escape(&want),
                    escape(&got)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
