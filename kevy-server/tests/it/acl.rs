//! AUTH and ACL with the `redis` crate on 2 shards: a password and an ACL
//! user from the config, `-NOAUTH` before authentication, key patterns
//! refusing a cross-shard MSET whole (nothing written on either shard),
//! and ACL DELUSER closing the user's connections on every shard; and,
//! against redis-server 7.0, ACL SETUSER closing a user's subscribers to
//! channels it lost, CLIENT KILL USER, and the request limits before
//! authentication.

use std::net::SocketAddr;

use kevy_commands::Redis;

use crate::util::{escape, kevy, kevy_with, shard_of, Raw, RedisServer};

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

/// Connections of one role: enough that both of kevy's shards serve some.
const EACH: usize = 4;

/// Opens [`EACH`] connections as user `s` (RESP3 when `resp3`), each
/// running `cmd` first (a subscription, or nothing).
fn open_as(addr: SocketAddr, resp3: bool, cmd: &[&str]) -> Vec<Raw> {
    (0..EACH)
        .map(|_| {
            let mut c = Raw::connect(addr);
            if resp3 {
                let r = c.call(&["HELLO", "3", "AUTH", "s", "p"]);
                assert!(r.starts_with(b"%7"), "{}", escape(&r));
            } else {
                assert_eq!(c.call(&["AUTH", "s", "p"]), b"+OK\r\n");
            }
            if !cmd.is_empty() {
                c.call(cmd);
            }
            c
        })
        .collect()
}

/// How many of `conns` still answer PING (a closed one answers nothing).
fn alive(conns: &mut [Raw]) -> usize {
    conns
        .iter_mut()
        .filter_map(|c| {
            c.try_send(&crate::util::encode_str(&["PING"])).ok()?;
            c.try_reply()
        })
        .count()
}

/// Subscribers of a user whose channel permissions shrink, seen from
/// outside: `(step, connections of each role still alive)`.
fn pubsub_revocation(addr: SocketAddr) -> Vec<(String, Vec<usize>)> {
    let mut admin = Raw::connect(addr);
    let setuser = |admin: &mut Raw, rules: &[&str]| {
        let mut args = vec!["ACL", "SETUSER", "s"];
        args.extend_from_slice(rules);
        assert_eq!(admin.call(&args), b"+OK\r\n", "{rules:?}");
    };
    setuser(
        &mut admin,
        &[
            "on",
            ">p",
            "+@all",
            "~*",
            "resetchannels",
            "&news.*",
            "&chat",
        ],
    );
    let mut roles = [
        open_as(addr, false, &["SUBSCRIBE", "chat"]),
        open_as(addr, false, &["SUBSCRIBE", "news.x"]),
        open_as(addr, false, &["PSUBSCRIBE", "news.*"]),
        open_as(addr, false, &["SSUBSCRIBE", "news.y"]),
        open_as(addr, true, &["SUBSCRIBE", "chat"]),
        open_as(addr, false, &[]),
    ];
    let mut dflt: Vec<Raw> = (0..EACH)
        .map(|_| {
            let mut c = Raw::connect(addr);
            c.call(&["SUBSCRIBE", "chat"]);
            c
        })
        .collect();
    let mut seen = Vec::new();
    let mut look = |step: &str, roles: &mut [Vec<Raw>], dflt: &mut Vec<Raw>| {
        let mut n: Vec<usize> = roles.iter_mut().map(|r| alive(r)).collect();
        n.push(alive(dflt));
        seen.push((step.to_string(), n));
    };
    look("start", &mut roles, &mut dflt);
    // A superset, and other attributes: nobody is closed.
    setuser(&mut admin, &["&more", "-flushall", "resetkeys", "~k*"]);
    look("superset", &mut roles, &mut dflt);
    // `chat` lost: its subscribers go, RESP3 ones too.
    setuser(&mut admin, &["resetchannels", "&news.*"]);
    look("chat lost", &mut roles, &mut dflt);
    // `news.*` lost for `news.x` and `news.y`: the pattern subscriber (a
    // pattern must be listed literally) and the shard subscriber go.
    setuser(&mut admin, &["resetchannels", "&news.x", "(+get &news.z)"]);
    look("pattern lost", &mut roles, &mut dflt);
    // Every channel, then none: the last subscribers go.
    setuser(&mut admin, &["allchannels"]);
    look("all channels", &mut roles, &mut dflt);
    setuser(&mut admin, &["clearselectors", "resetchannels"]);
    look("no channel", &mut roles, &mut dflt);
    // The default user too.
    assert_eq!(
        admin.call(&["ACL", "SETUSER", "default", "resetchannels", "&x"]),
        b"+OK\r\n"
    );
    look("default lost chat", &mut roles, &mut dflt);
    assert_eq!(
        admin.call(&["ACL", "SETUSER", "default", "allchannels"]),
        b"+OK\r\n"
    );
    // CLIENT KILL USER closes the rest of the user's connections.
    let killed = admin.call(&["CLIENT", "KILL", "USER", "s"]);
    look("after kill", &mut roles, &mut dflt);
    let killed = crate::util::integer(&killed).and_then(|n| usize::try_from(n).ok());
    seen.push(("killed".into(), killed.into_iter().collect()));
    assert_eq!(admin.call(&["ACL", "DELUSER", "s"]), b":1\r\n");
    seen
}

#[test]
fn losing_channels_closes_subscribers_as_redis_does() {
    let redis = RedisServer::start();
    let expected = pubsub_revocation(redis.addr());
    drop(redis);
    let server = kevy();
    let got = pubsub_revocation(server.addr());
    server.stop();
    assert_eq!(got, expected);
    let e = EACH;
    let at = |step: &str| {
        got.iter()
            .find(|(s, _)| s == step)
            .map(|(_, n)| n.clone())
            .unwrap()
    };
    assert_eq!(at("start"), [e, e, e, e, e, e, e]);
    assert_eq!(at("superset"), [e, e, e, e, e, e, e]);
    assert_eq!(at("chat lost"), [0, e, e, e, 0, e, e]);
    assert_eq!(at("pattern lost"), [0, e, 0, 0, 0, e, e]);
    assert_eq!(at("all channels"), [0, e, 0, 0, 0, e, e]);
    assert_eq!(at("no channel"), [0, 0, 0, 0, 0, e, e]);
    assert_eq!(at("default lost chat"), [0, 0, 0, 0, 0, e, 0]);
    assert_eq!(at("after kill"), [0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(at("killed"), [e]);
}

/// Requests from a client that has not authenticated (requirepass set),
/// each over a fresh connection followed by QUIT.
fn guest_inputs() -> Vec<Vec<u8>> {
    let args = |n: usize| [format!("*{n}\r\n").into_bytes(), b"$1\r\na\r\n".repeat(n)].concat();
    let echo = |n: usize| {
        [
            format!("*2\r\n$4\r\nECHO\r\n${n}\r\n").into_bytes(),
            vec![b'x'; n],
            b"\r\n".to_vec(),
        ]
        .concat()
    };
    vec![
        // At the limits: NOAUTH, the connection stays.
        args(10),
        echo(16384),
        // Past them: the replies before it, the error, then closed.
        [b"PING\r\n".to_vec(), args(11)].concat(),
        b"*11\r\n".to_vec(),
        echo(16385),
        b"*2\r\n$4\r\nECHO\r\n$16385\r\n".to_vec(),
        // Authenticated in the same read: no limit from there on.
        [b"AUTH pw\r\n".to_vec(), args(11), echo(16385)].concat(),
        [b"AUTH default pw\r\n".to_vec(), echo(20000)].concat(),
        // A wrong password leaves the limits on.
        [b"AUTH nope\r\n".to_vec(), args(11)].concat(),
    ]
}

fn send_guests(addr: SocketAddr) -> Vec<Vec<u8>> {
    guest_inputs()
        .iter()
        .map(|input| {
            let mut c = Raw::connect(addr);
            let _ = c.try_send(&[input.as_slice(), b"*1\r\n$4\r\nQUIT\r\n"].concat());
            c.read_to_close()
        })
        .collect()
}

#[test]
fn unauthenticated_clients_send_small_requests_only() {
    let redis = RedisServer::start();
    let set = Raw::connect(redis.addr()).call(&["CONFIG", "SET", "requirepass", "pw"]);
    assert_eq!(set, b"+OK\r\n");
    let expected = send_guests(redis.addr());
    drop(redis);
    let cmds = Redis::default();
    cmds.config().load("requirepass", &["pw"]).unwrap();
    let server = kevy_with(cmds);
    let got = send_guests(server.addr());
    server.stop();
    for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
        assert_eq!(escape(g), escape(e), "input #{i}");
    }
    let text = |i: usize| String::from_utf8_lossy(&got[i]).into_owned();
    let noauth = "-NOAUTH Authentication required.\r\n";
    assert!(
        text(0).starts_with("-ERR unknown command 'a'"),
        "{}",
        text(0)
    );
    assert_eq!(text(1), format!("{noauth}+OK\r\n"));
    let mbulk = "-ERR Protocol error: unauthenticated multibulk length\r\n";
    let bulk = "-ERR Protocol error: unauthenticated bulk length\r\n";
    assert_eq!(text(2), format!("{noauth}{mbulk}"));
    assert_eq!(text(3), mbulk);
    assert_eq!(text(4), bulk);
    assert_eq!(text(5), bulk);
    assert!(
        text(6).starts_with("+OK\r\n-ERR unknown command 'a'"),
        "{}",
        text(6)
    );
    let echoed = format!("${}\r\n{}\r\n+OK\r\n", 16385, "x".repeat(16385));
    assert!(text(6).ends_with(&echoed));
    assert!(text(7).ends_with(&format!("${}\r\n{}\r\n+OK\r\n", 20000, "x".repeat(20000))));
    assert_eq!(
        text(8),
        format!("-WRONGPASS invalid username-password pair or user is disabled.\r\n{mbulk}")
    );
}
