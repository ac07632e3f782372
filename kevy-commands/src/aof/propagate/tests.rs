//! Propagation rules against Redis 7.0's rewrites, one command at a time.

use super::*;
use kevy_rt::OwnedArgs;

fn run(prop: Prop, args: &[&str], reply: &[u8], left: Option<Option<Ms>>) -> Vec<Vec<String>> {
    let owned: OwnedArgs = args.iter().map(|a| a.as_bytes()).collect();
    let mut out = Fragment::default();
    propagate(&mut out, 0, prop, owned.args(), reply, 1, &mut |_| left);
    let mut cmds = Vec::new();
    crate::aof::parse::commands::<()>(&out.bytes, |a, _| {
        cmds.push(
            a.iter()
                .map(|x| String::from_utf8_lossy(x).into_owned())
                .collect(),
        );
        Ok(())
    })
    .unwrap()
    .unwrap();
    cmds
}

fn v(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn rewrites_time_and_chance_as_redis() {
    let at = Some(Some(1_700_000_000_123));
    assert_eq!(
        run(
            Prop::Set,
            &["SET", "k", "v", "EX", "10", "NX"],
            b"+OK\r\n",
            at
        ),
        vec![v(&["SET", "k", "v", "PXAT", "1700000000123"])]
    );
    assert_eq!(
        run(Prop::Set, &["set", "k", "v", "GET"], b"$-1\r\n", Some(None)),
        vec![v(&["set", "k", "v"])]
    );
    assert_eq!(
        run(Prop::SetEx, &["SETEX", "k", "10", "v"], b"+OK\r\n", at),
        vec![v(&["SET", "k", "v", "PXAT", "1700000000123"])]
    );
    assert_eq!(
        run(Prop::Expire, &["EXPIRE", "k", "10"], b":1\r\n", at),
        vec![v(&["PEXPIREAT", "k", "1700000000123"])]
    );
    assert_eq!(
        run(Prop::Expire, &["EXPIRE", "k", "-1"], b":1\r\n", None),
        vec![v(&["DEL", "k"])]
    );
    assert_eq!(
        run(
            Prop::GetEx,
            &["GETEX", "k", "PERSIST"],
            b"$1\r\nv\r\n",
            Some(None)
        ),
        vec![v(&["PERSIST", "k"])]
    );
    assert!(run(Prop::GetEx, &["GETEX", "k"], b"$1\r\nv\r\n", Some(None)).is_empty());
    assert_eq!(
        run(
            Prop::IncrByFloat,
            &["INCRBYFLOAT", "k", "0.1"],
            b"$3\r\n1.1\r\n",
            Some(None)
        ),
        vec![v(&["SET", "k", "1.1", "KEEPTTL"])]
    );
    assert_eq!(
        run(
            Prop::HIncrByFloat,
            &["HINCRBYFLOAT", "h", "f", "1"],
            b"$1\r\n2\r\n",
            Some(None)
        ),
        vec![v(&["HSET", "h", "f", "2"])]
    );
    assert_eq!(
        run(
            Prop::Spop,
            &["SPOP", "s", "2"],
            b"*2\r\n$1\r\na\r\n$1\r\nb\r\n",
            Some(None)
        ),
        vec![v(&["SREM", "s", "a"]), v(&["SREM", "s", "b"])]
    );
    // The last member popped without a count is an SREM; a count that
    // took the whole set, a DEL (as Redis 7.0 logs them).
    assert_eq!(
        run(Prop::Spop, &["SPOP", "s"], b"$1\r\na\r\n", None),
        vec![v(&["SREM", "s", "a"])]
    );
    assert_eq!(
        run(Prop::Spop, &["SPOP", "s", "5"], b"*1\r\n$1\r\na\r\n", None),
        vec![v(&["DEL", "s"])]
    );
    assert_eq!(
        run(
            Prop::Lmpop,
            &["LMPOP", "2", "a", "b", "RIGHT", "COUNT", "5"],
            b"*2\r\n$1\r\nb\r\n*2\r\n$1\r\nx\r\n$1\r\ny\r\n",
            Some(None)
        ),
        vec![v(&["RPOP", "b", "2"])]
    );
    assert_eq!(
        run(Prop::GetSet, &["GETSET", "k", "v"], b"$-1\r\n", Some(None)),
        vec![v(&["SET", "k", "v"])]
    );
    assert_eq!(
        run(
            Prop::Bpop(true),
            &["BLPOP", "a", "b", "0"],
            b"*2\r\n$1\r\nb\r\n$1\r\nx\r\n",
            Some(None)
        ),
        vec![v(&["LPOP", "b"])]
    );
}

#[test]
fn unchanged_writes_are_not_logged() {
    let owned: OwnedArgs = ["SETNX", "k", "v"].iter().map(|a| a.as_bytes()).collect();
    let mut out = Fragment::default();
    propagate(
        &mut out,
        0,
        Prop::Verbatim,
        owned.args(),
        b":0\r\n",
        0,
        &mut |_| None,
    );
    assert!(out.is_empty());
}

/// The multi-key pops log the pop they did, their direction read past the
/// keys: after `numkeys`, which the blocking forms put after a timeout
/// (BZMPOP MIN was logged as ZPOPMAX: the timeout was read as `numkeys`).
#[test]
fn the_multi_key_pops_log_their_direction() {
    let zreply = b"*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$3\r\none\r\n$1\r\n1\r\n";
    let lreply = b"*2\r\n$1\r\nl\r\n*1\r\n$1\r\na\r\n";
    let cases: [(Prop, &[&str], &[u8], &str); 6] = [
        (Prop::Zmpop, &["ZMPOP", "1", "z", "MIN"], zreply, "ZPOPMIN"),
        (
            Prop::Zmpop,
            &["BZMPOP", "0", "1", "z", "MIN"],
            zreply,
            "ZPOPMIN",
        ),
        (
            Prop::Zmpop,
            &["bzmpop", "0", "2", "y", "z", "MAX", "COUNT", "3"],
            zreply,
            "ZPOPMAX",
        ),
        (Prop::Lmpop, &["LMPOP", "1", "l", "RIGHT"], lreply, "RPOP"),
        (
            Prop::Lmpop,
            &["BLMPOP", "0", "1", "l", "LEFT"],
            lreply,
            "LPOP",
        ),
        (
            Prop::Lmpop,
            &["BLMPOP", "0", "2", "k", "l", "RIGHT"],
            lreply,
            "RPOP",
        ),
    ];
    for (prop, args, reply, verb) in cases {
        let key = if prop == Prop::Zmpop { "z" } else { "l" };
        assert_eq!(
            run(prop, args, reply, None),
            vec![v(&[verb, key, "1"])],
            "{args:?}"
        );
    }
}
