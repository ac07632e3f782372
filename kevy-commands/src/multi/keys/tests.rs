//! Cross-shard key moves under interference: another client changes a key
//! between two rounds of a RENAMENX or a COPY (which the in-process harness,
//! running rounds back to back, never does). The value is never lost.

use kevy_rt::{Commands, Gather, OwnedArgs, Router};

use crate::keyspace::{Clock, Keyspace};
use crate::table;
use crate::value::Value;
use crate::{Ctx, Redis};

/// Two shards; with this router `a` lives on shard 1, `b` on shard 0.
fn shards() -> (Vec<Keyspace>, Router) {
    let router = Router::new(2);
    assert_eq!(router.shard_of(b"a"), 1);
    assert_eq!(router.shard_of(b"b"), 0);
    ((0..2).map(|i| Keyspace::new(2, i)).collect(), router)
}

/// Runs `words` as a planned command, calling `between(round, shards)`
/// before each round after the first.
fn drive(
    shards: &mut [Keyspace],
    router: &Router,
    words: &[&str],
    mut between: impl FnMut(usize, &mut [Keyspace]),
) -> String {
    let redis = Redis::new();
    let args: OwnedArgs = words.iter().collect();
    let spec = table::find(args.args()).expect("a valid command");
    let ctx = Ctx::default();
    let mut parts = Vec::new();
    // The connection lives on shard 0: plans are made and gathered there.
    let mut planned = redis.plan(&mut shards[0], ctx, spec, args.args(), router, &mut parts);
    let mut out = Vec::new();
    let mut round = 0;
    loop {
        if round > 0 {
            between(round, shards);
        }
        let replies = parts
            .drain(..)
            .map(|(s, p)| redis.execute_part(&mut shards[s], ctx, p, &mut kevy_rt::Clients::none()))
            .collect();
        let g = redis.gather(
            &mut shards[0],
            &mut planned.plan,
            replies,
            router,
            &mut parts,
            &mut out,
        );
        round += 1;
        if g == Gather::Done {
            break;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn set(shards: &mut [Keyspace], s: usize, key: &str, v: &str, at: Option<i64>) {
    let c = Clock::new();
    shards[s]
        .db(0)
        .set(key.as_bytes(), Value::string(v.as_bytes()), &c, false, at);
}

fn get(shards: &mut [Keyspace], s: usize, key: &str) -> Option<(Value, Option<i64>)> {
    let c = Clock::new();
    shards[s]
        .db(0)
        .get_with_deadline(key.as_bytes(), &c)
        .map(|(v, at)| (v.clone(), at))
}

#[test]
fn renamenx_puts_the_value_back_when_the_destination_appears() {
    let (mut sh, router) = shards();
    let far = crate::keyspace::now_ms() + 1_000_000;
    set(&mut sh, 1, "a", "moving", Some(far));
    // Rounds: probe, take, put (refused), restore.
    let reply = drive(&mut sh, &router, &["RENAMENX", "a", "b"], |round, sh| {
        if round == 2 {
            set(sh, 0, "b", "theirs", None);
        }
    });
    assert_eq!(reply, ":0\r\n");
    assert_eq!(
        get(&mut sh, 1, "a"),
        Some((Value::string(b"moving"), Some(far)))
    );
    assert_eq!(get(&mut sh, 0, "b"), Some((Value::string(b"theirs"), None)));
}

#[test]
fn renamenx_of_a_source_deleted_meanwhile_is_no_such_key() {
    let (mut sh, router) = shards();
    set(&mut sh, 1, "a", "v", None);
    let reply = drive(&mut sh, &router, &["RENAMENX", "a", "b"], |round, sh| {
        if round == 1 {
            sh[1].db(0).remove(b"a", &Clock::new());
        }
    });
    assert_eq!(reply, "-ERR no such key\r\n");
    assert_eq!(get(&mut sh, 0, "b"), None);
}

#[test]
fn rename_moves_value_and_deadline() {
    let (mut sh, router) = shards();
    let far = crate::keyspace::now_ms() + 1_000_000;
    set(&mut sh, 1, "a", "v", Some(far));
    set(&mut sh, 0, "b", "old", None);
    assert_eq!(
        drive(&mut sh, &router, &["RENAME", "a", "b"], |_, _| {}),
        "+OK\r\n"
    );
    assert_eq!(get(&mut sh, 1, "a"), None);
    assert_eq!(get(&mut sh, 0, "b"), Some((Value::string(b"v"), Some(far))));
}

#[test]
fn copy_to_a_destination_that_appears_meanwhile() {
    let (mut sh, router) = shards();
    set(&mut sh, 1, "a", "v", None);
    let appear = |round: usize, sh: &mut [Keyspace]| {
        if round == 1 {
            set(sh, 0, "b", "theirs", None);
        }
    };
    assert_eq!(
        drive(&mut sh, &router, &["COPY", "a", "b"], appear),
        ":0\r\n"
    );
    assert_eq!(get(&mut sh, 0, "b"), Some((Value::string(b"theirs"), None)));
    assert_eq!(
        drive(&mut sh, &router, &["COPY", "a", "b", "REPLACE"], appear),
        ":1\r\n"
    );
    assert_eq!(get(&mut sh, 0, "b"), Some((Value::string(b"v"), None)));
    assert_eq!(get(&mut sh, 1, "a"), Some((Value::string(b"v"), None)));
}
