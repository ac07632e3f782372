//! AUTH and ACL with the `redis` crate on 2 shards: a password and an ACL
//! user from the config, `-NOAUTH` before authentication, key patterns
//! refusing a cross-shard MSET whole (nothing written on either shard),
//! and ACL DELUSER closing the user's connections on every shard.

use kevy_commands::Redis;

use crate::util::{kevy_with, shard_of};

fn server() -> kevy_rt::Server {
    let redis = Redis::default();
    let cfg = redis.config();
    cfg.load("requirepass", &["sekret"]).unwrap();
    cfg.load(
        "user",
        &["app", "on", ">apppw", "~app:*", "+@all", "-@dangerous"],
    )
    .unwrap();
    kevy_with(redis)
}

/// Two keys matching `prefix*`, one on each shard.
fn keys_on_both(prefix: &str) -> (String, String) {
    let mut on = [None, None];
    for i in 0.. {
        let k = format!("{prefix}{i}");
        let s = shard_of(&k);
        if on[s].is_none() {
            on[s] = Some(k);
        }
        if let [Some(a), Some(b)] = &on {
            return (a.clone(), b.clone());
        }
    }
    unreachable!()
}

fn err_text<T: std::fmt::Debug>(r: redis::RedisResult<T>) -> String {
    format!("{:?}", r.expect_err("an error"))
}

#[test]
fn users_and_key_patterns_across_shards() {
    let server = server();
    let addr = server.addr();
    let anon = redis::Client::open(format!("redis://{addr}/")).unwrap();
    let mut anon = anon.get_connection().unwrap();
    let e = err_text(
        redis::cmd("GET")
            .arg("x")
            .query::<Option<String>>(&mut anon),
    );
    assert!(e.contains("Authentication required"), "{e}");

    let admin = redis::Client::open(format!("redis://default:sekret@{addr}/")).unwrap();
    let mut admin = admin.get_connection().unwrap();
    let app = redis::Client::open(format!("redis://app:apppw@{addr}/")).unwrap();
    let mut app = app.get_connection().unwrap();
    let who: String = redis::cmd("ACL").arg("WHOAMI").query(&mut app).unwrap();
    assert_eq!(who, "app");

    let (a0, a1) = keys_on_both("app:");
    let (o0, _) = keys_on_both("other:");
    // Allowed keys on both shards.
    let () = redis::cmd("MSET")
        .arg(&a0)
        .arg("x")
        .arg(&a1)
        .arg("y")
        .query(&mut app)
        .unwrap();
    // A cross-shard MSET naming one forbidden key is refused whole.
    let e = err_text(
        redis::cmd("MSET")
            .arg(&a1)
            .arg("changed")
            .arg(&o0)
            .arg("z")
            .query::<()>(&mut app),
    );
    assert!(
        e.contains("no permissions to access one of the keys"),
        "{e}"
    );
    let got: Vec<Option<String>> = redis::cmd("MGET")
        .arg(&a0)
        .arg(&a1)
        .arg(&o0)
        .query(&mut admin)
        .unwrap();
    assert_eq!(got, [Some("x".into()), Some("y".into()), None]);
    // A dangerous command is refused, and logged.
    let e = err_text(redis::cmd("FLUSHALL").query::<()>(&mut app));
    assert!(e.contains("'flushall' command"), "{e}");
    let log: Vec<redis::Value> = redis::cmd("ACL").arg("LOG").query(&mut admin).unwrap();
    assert_eq!(log.len(), 2, "{log:?}");
    server.stop();
}

#[test]
fn deleting_a_user_closes_its_connections_on_every_shard() {
    let server = server();
    let addr = server.addr();
    let app = redis::Client::open(format!("redis://app:apppw@{addr}/")).unwrap();
    // Enough connections that both shards serve some.
    let mut conns: Vec<redis::Connection> = (0..8).map(|_| app.get_connection().unwrap()).collect();
    for c in &mut conns {
        let pong: String = redis::cmd("PING").query(c).unwrap();
        assert_eq!(pong, "PONG");
    }
    let admin = redis::Client::open(format!("redis://default:sekret@{addr}/")).unwrap();
    let mut admin = admin.get_connection().unwrap();
    let clients: String = redis::cmd("CLIENT").arg("LIST").query(&mut admin).unwrap();
    assert_eq!(clients.matches("user=app").count(), 8, "{clients}");
    let n: i64 = redis::cmd("ACL")
        .arg("DELUSER")
        .arg("app")
        .query(&mut admin)
        .unwrap();
    assert_eq!(n, 1);
    for c in &mut conns {
        assert!(redis::cmd("PING").query::<String>(c).is_err());
    }
    let clients: String = redis::cmd("CLIENT").arg("LIST").query(&mut admin).unwrap();
    assert_eq!(clients.matches("user=").count(), 1, "{clients}");
    server.stop();
}
