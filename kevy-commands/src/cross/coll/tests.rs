//! Cross-shard protocols under interference: another client changes a key
//! between two rounds of a move or an LMPOP (which the in-process harness,
//! running rounds back to back, never does).

use kevy_rt::{Commands, OwnedArgs, Router};

use crate::shard::ShardState;

use crate::model::value::Value;
use crate::store::db::Clock;
use crate::table;
use crate::testutil::drive;
use crate::Ctx;

/// Two shards; with this router `a` lives on shard 1, `b` and `g` on shard 0.
fn shards() -> (Vec<ShardState>, Router) {
    let router = Router::new(2);
    assert_eq!(router.shard_of(b"a"), 1);
    assert_eq!(router.shard_of(b"b"), 0);
    assert_eq!(router.shard_of(b"g"), 0);
    ((0..2).map(|i| ShardState::new(1, i)).collect(), router)
}

/// Runs `words` on shard `s` directly (a command of another client).
fn on(shards: &mut [ShardState], s: usize, words: &[&str]) -> String {
    let redis = crate::testutil::redis();
    let args: OwnedArgs = words.iter().collect();
    let spec = table::find(args.args()).expect("a valid command");
    let mut out = Vec::new();
    redis.execute(&mut shards[s], Ctx::default(), spec, args.args(), &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn list(shards: &mut [ShardState], s: usize, key: &str) -> Vec<String> {
    match shards[s].db(0).get(key.as_bytes(), &Clock::new()) {
        Some(Value::List(l)) => l
            .reader()
            .iter()
            .map(|e| String::from_utf8_lossy(e).into_owned())
            .collect(),
        _ => Vec::new(),
    }
}

#[test]
fn lmove_gives_the_element_back_when_the_destination_changes_type() {
    let (mut sh, router) = shards();
    on(&mut sh, 1, &["RPUSH", "a", "1", "2", "3"]);
    let reply = drive(
        &mut sh,
        &router,
        &["LMOVE", "a", "b", "LEFT", "RIGHT"],
        |round, sh| {
            if round == 2 {
                // Between the take and the give, `b` becomes a string.
                on(sh, 0, &["SET", "b", "x"]);
            }
        },
    );
    assert_eq!(
        reply,
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
    );
    assert_eq!(list(&mut sh, 1, "a"), ["1", "2", "3"]);
}

#[test]
fn lmove_from_a_list_that_vanished_moves_nothing() {
    let (mut sh, router) = shards();
    on(&mut sh, 1, &["RPUSH", "a", "1"]);
    let reply = drive(&mut sh, &router, &["RPOPLPUSH", "a", "b"], |round, sh| {
        if round == 1 {
            on(sh, 1, &["DEL", "a"]);
        }
    });
    assert_eq!(reply, "$-1\r\n");
    assert_eq!(on(&mut sh, 0, &["EXISTS", "b"]), ":0\r\n");
}

#[test]
fn smove_gives_the_member_back_when_the_destination_changes_type() {
    let (mut sh, router) = shards();
    on(&mut sh, 1, &["SADD", "a", "m", "n"]);
    let reply = drive(&mut sh, &router, &["SMOVE", "a", "b", "m"], |round, sh| {
        if round == 2 {
            on(sh, 0, &["LPUSH", "b", "x"]);
        }
    });
    assert_eq!(
        reply,
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
    );
    assert_eq!(on(&mut sh, 1, &["SISMEMBER", "a", "m"]), ":1\r\n");
    // Even when the source emptied and was deleted by the take.
    on(&mut sh, 0, &["DEL", "b"]);
    on(&mut sh, 1, &["SREM", "a", "n"]);
    let reply = drive(&mut sh, &router, &["SMOVE", "a", "b", "m"], |round, sh| {
        if round == 2 {
            on(sh, 0, &["SET", "b", "x"]);
        }
    });
    assert!(reply.starts_with("-WRONGTYPE"));
    assert_eq!(on(&mut sh, 1, &["SMEMBERS", "a"]), "*1\r\n$1\r\nm\r\n");
}

#[test]
fn smove_of_a_member_removed_meanwhile_answers_zero() {
    let (mut sh, router) = shards();
    on(&mut sh, 1, &["SADD", "a", "m", "n"]);
    let reply = drive(&mut sh, &router, &["SMOVE", "a", "b", "m"], |round, sh| {
        if round == 1 {
            on(sh, 1, &["SREM", "a", "m"]);
        }
    });
    assert_eq!(reply, ":0\r\n");
    assert_eq!(on(&mut sh, 0, &["EXISTS", "b"]), ":0\r\n");
}

#[test]
fn lmpop_looks_again_when_its_list_empties_between_rounds() {
    let (mut sh, router) = shards();
    on(&mut sh, 1, &["RPUSH", "a", "1"]);
    on(&mut sh, 0, &["RPUSH", "g", "2", "3"]);
    let reply = drive(
        &mut sh,
        &router,
        &["LMPOP", "3", "b", "a", "g", "LEFT"],
        |round, sh| {
            if round == 1 {
                // `a` was chosen; another client empties it.
                on(sh, 1, &["LPOP", "a"]);
            }
        },
    );
    assert_eq!(reply, "*2\r\n$1\r\ng\r\n*1\r\n$1\r\n2\r\n");
    assert_eq!(list(&mut sh, 0, "g"), ["3"]);
}

#[test]
fn store_after_the_sources_changed_stores_what_was_read() {
    let (mut sh, router) = shards();
    on(&mut sh, 1, &["SADD", "a", "1", "2"]);
    on(&mut sh, 0, &["SADD", "g", "2", "3"]);
    let reply = drive(
        &mut sh,
        &router,
        &["SUNIONSTORE", "b", "a", "g"],
        |round, sh| {
            if round == 1 {
                on(sh, 1, &["DEL", "a"]);
            }
        },
    );
    assert_eq!(reply, ":3\r\n");
    assert_eq!(
        on(&mut sh, 0, &["SMEMBERS", "b"]),
        "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"
    );
}
