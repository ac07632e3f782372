//! Cross-shard key moves under interference: another client changes a key
//! between two rounds of a RENAMENX or a COPY (which the in-process harness,
//! running rounds back to back, never does). The value is never lost.

use kevy_rt::Router;

use crate::shard::ShardState;

use crate::model::value::Value;
use crate::store::db::Clock;
use crate::testutil::drive;

/// Two shards; with this router `a` lives on shard 1, `b` on shard 0.
fn shards() -> (Vec<ShardState>, Router) {
    let router = Router::new(2);
    assert_eq!(router.shard_of(b"a"), 1);
    assert_eq!(router.shard_of(b"b"), 0);
    ((0..2).map(|i| ShardState::new(2, i)).collect(), router)
}

fn set(shards: &mut [ShardState], s: usize, key: &str, v: &str, at: Option<i64>) {
    let c = Clock::new();
    shards[s]
        .db(0)
        .set(key.as_bytes(), Value::string(v.as_bytes()), &c, false, at);
}

fn get(shards: &mut [ShardState], s: usize, key: &str) -> Option<(Value, Option<i64>)> {
    let c = Clock::new();
    shards[s]
        .db(0)
        .get_with_deadline(key.as_bytes(), &c)
        .map(|(v, at)| (v.clone(), at))
}

#[test]
fn renamenx_puts_the_value_back_when_the_destination_appears() {
    let (mut sh, router) = shards();
    let far = crate::store::db::now_ms() + 1_000_000;
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
    let far = crate::store::db::now_ms() + 1_000_000;
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
    let appear = |round: usize, sh: &mut [ShardState]| {
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
