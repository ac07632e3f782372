//! Server commands end to end on a two-shard kevy: CLIENT LIST/KILL over
//! every shard's connections, INFO read like an exporter reads it (and
//! checked against redis-server's), SLOWLOG in global order, MONITOR seeing
//! both shards, and CLIENT PAUSE WRITE holding writes but not reads.

use std::collections::HashMap;
use std::time::Duration;

use crate::util::{array_items, bulk, bulk_body, integer, kevy, key_on, Raw, RedisServer};

/// The `name=value` fields of each `CLIENT LIST` line.
fn client_lines(reply: &[u8]) -> Vec<HashMap<String, String>> {
    let body = bulk_body(reply).unwrap_or_else(|| panic!("not a bulk: {reply:?}"));
    String::from_utf8_lossy(body)
        .lines()
        .map(|l| {
            l.split(' ')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

#[test]
fn client_list_shows_each_connections_protocol_on_every_shard() {
    let server = kevy();
    let mut conns: Vec<Raw> = (0..16).map(|_| Raw::connect(server.addr())).collect();
    for (i, c) in conns.iter_mut().enumerate() {
        let proto = if i % 2 == 1 { "3" } else { "2" };
        let hello = c.call(&["HELLO", proto, "SETNAME", &format!("h{i}")]);
        assert_eq!(hello[0], if i % 2 == 1 { b'%' } else { b'*' });
    }
    // A RESP3 connection gets the list as verbatim text (`=len`, `txt:`).
    let reply = conns[1].call(&["CLIENT", "LIST"]);
    let head = reply.iter().position(|&b| b == b'\n').expect("a header") + 1;
    assert!(reply.starts_with(b"=") && reply[head..].starts_with(b"txt:"));
    let body = &reply[head + 4..reply.len() - 2];
    let lines = client_lines(&bulk(body));
    assert_eq!(lines.len(), 16);
    for l in &lines {
        let i: usize = l["name"][1..].parse().expect("named h<i>");
        assert_eq!(l["resp"], if i % 2 == 1 { "3" } else { "2" }, "{l:?}");
    }
    // Through a RESP2 connection, the same list as a bulk string.
    assert_eq!(client_lines(&conns[0].call(&["CLIENT", "LIST"])).len(), 16);
    server.stop();
}

#[test]
fn client_list_and_kill_see_every_shard() {
    let server = kevy();
    // Enough connections that the kernel spreads them over both shards.
    let mut conns: Vec<Raw> = (0..16).map(|_| Raw::connect(server.addr())).collect();
    let mut ids = Vec::new();
    for (i, c) in conns.iter_mut().enumerate() {
        assert_eq!(c.call(&["CLIENT", "SETNAME", &format!("c{i}")]), b"+OK\r\n");
        ids.push(integer(&c.call(&["CLIENT", "ID"])).expect("an id"));
    }
    let lines = client_lines(&conns[0].call(&["CLIENT", "LIST"]));
    assert_eq!(lines.len(), 16);
    let listed: Vec<i64> = lines.iter().map(|l| l["id"].parse().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(listed, sorted, "one line per connection, in id order");
    for (i, c) in conns.iter().enumerate() {
        let line = lines
            .iter()
            .find(|l| l["id"] == ids[i].to_string())
            .unwrap();
        assert_eq!(line["name"], format!("c{i}"));
        assert_eq!(line["addr"], c.local_addr().to_string());
        assert_eq!(line["laddr"], server.addr().to_string());
        let cmd = if i == 0 { "client|list" } else { "client|id" };
        assert_eq!(line["cmd"], cmd);
    }
    // ID filter keeps the order asked for.
    let some = client_lines(&conns[1].call(&[
        "CLIENT",
        "LIST",
        "ID",
        &ids[5].to_string(),
        &ids[2].to_string(),
        "999999",
    ]));
    let got: Vec<&str> = some.iter().map(|l| l["name"].as_str()).collect();
    assert_eq!(got, ["c5", "c2"]);
    // Kill by id (whichever shard it is on), by address (old form), by name-less filters.
    assert_eq!(
        conns[0].call(&["CLIENT", "KILL", "ID", &ids[3].to_string()]),
        b":1\r\n"
    );
    assert!(conns[3].read_to_close().is_empty());
    let addr = conns[4].local_addr().to_string();
    assert_eq!(conns[0].call(&["CLIENT", "KILL", &addr]), b"+OK\r\n");
    assert!(conns[4].read_to_close().is_empty());
    assert_eq!(
        conns[0].call(&["CLIENT", "KILL", &addr]),
        b"-ERR No such client\r\n"
    );
    assert_eq!(
        conns[0].call(&["CLIENT", "KILL", "TYPE", "pubsub"]),
        b":0\r\n"
    );
    // SKIPME yes (the default) spares the caller; SKIPME no does not.
    let me = ids[6].to_string();
    assert_eq!(conns[6].call(&["CLIENT", "KILL", "ID", &me]), b":0\r\n");
    assert_eq!(
        conns[6].call(&["CLIENT", "KILL", "ID", &me, "SKIPME", "no"]),
        b":1\r\n"
    );
    assert!(
        conns[6].read_to_close().is_empty(),
        "the reply came, then the close"
    );
    let left = client_lines(&conns[0].call(&["CLIENT", "LIST"]));
    assert_eq!(left.len(), 13);
    // Everyone else but the caller, on every shard.
    assert_eq!(
        conns[0].call(&["CLIENT", "KILL", "TYPE", "normal"]),
        b":12\r\n"
    );
    assert_eq!(client_lines(&conns[0].call(&["CLIENT", "LIST"])).len(), 1);
    server.stop();
}

/// `name → value` of every `name:value` line, skipping `#` headers and
/// blank lines (what an exporter does).
fn info_fields(reply: &[u8]) -> HashMap<String, String> {
    let body = bulk_body(reply).unwrap_or_else(|| panic!("INFO is a bulk string"));
    let text = String::from_utf8_lossy(body);
    let mut out = HashMap::new();
    for line in text.split("\r\n") {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (k, v) = line
            .split_once(':')
            .unwrap_or_else(|| panic!("not name:value: {line:?}"));
        out.insert(k.to_string(), v.to_string());
    }
    out
}

#[test]
fn info_reads_like_redis_to_an_exporter() {
    let redis = RedisServer::start();
    let mut r = Raw::connect(redis.addr());
    r.call(&["SET", "k", "v"]);
    let theirs = info_fields(&r.call(&["INFO", "everything"]));
    let server = kevy();
    let mut c = Raw::connect(server.addr());
    let _other = Raw::connect(server.addr());
    for i in 0..10 {
        c.call(&["SET", &format!("k{i}"), "v"]);
    }
    c.call(&["EXPIRE", "k1", "100"]);
    let ours = info_fields(&c.call(&["INFO", "everything"]));
    // Wherever redis-server has a number, kevy has one too.
    let mut shared = 0;
    for (k, v) in &ours {
        let Some(theirs) = theirs.get(k) else {
            continue;
        };
        shared += 1;
        if theirs.parse::<f64>().is_ok() {
            assert!(
                v.parse::<f64>().is_ok(),
                "{k}: redis {theirs:?}, kevy {v:?}"
            );
        }
    }
    assert!(shared > 50, "only {shared} fields in common");
    let num = |k: &str| -> u64 {
        ours.get(k)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{k} missing or not a number"))
    };
    assert_eq!(ours["redis_version"], "7.0.15");
    assert_eq!(num("tcp_port"), server.addr().port() as u64);
    assert_eq!(num("process_id"), std::process::id() as u64);
    assert_eq!(num("connected_clients"), 2);
    assert_eq!(num("total_connections_received"), 2);
    assert_eq!(
        ours["db0"],
        "keys=10,expires=1,avg_ttl=".to_string() + ours["db0"].rsplit('=').next().unwrap()
    );
    assert!(ours["cmdstat_set"].starts_with("calls=10,"));
    assert!(num("used_memory") > 0 && num("used_memory_rss") > 0);
    let before = num("total_commands_processed");
    c.call(&["PING"]);
    let after = info_fields(&c.call(&["INFO", "stats"]));
    assert_eq!(
        after["total_commands_processed"].parse::<u64>().unwrap(),
        before + 2
    );
    server.stop();
}

/// `(id, arguments, client address)` of each `SLOWLOG GET` entry.
fn slow_entries(reply: &[u8]) -> Vec<(i64, Vec<String>, String)> {
    array_items(reply)
        .expect("an array")
        .into_iter()
        .map(|e| {
            let f = array_items(e).expect("an entry");
            let args = array_items(f[3])
                .expect("arguments")
                .into_iter()
                .map(|a| String::from_utf8_lossy(bulk_body(a).unwrap()).into_owned())
                .collect();
            let peer = String::from_utf8_lossy(bulk_body(f[4]).unwrap()).into_owned();
            (integer(f[0]).unwrap(), args, peer)
        })
        .collect()
}

#[test]
fn slowlog_keeps_global_order_across_shards() {
    let server = kevy();
    let mut a = Raw::connect(server.addr());
    let mut b = Raw::connect(server.addr());
    assert_eq!(
        a.call(&["CONFIG", "SET", "slowlog-log-slower-than", "0"]),
        b"+OK\r\n"
    );
    let keys = [key_on(0, "x"), key_on(1, "x")];
    let mut sent = Vec::new();
    for i in 0..20 {
        let (c, who) = if i % 3 == 0 {
            (&mut b, "b")
        } else {
            (&mut a, "a")
        };
        let k = &keys[i % 2];
        assert_eq!(c.call(&["SET", k, &i.to_string()]), b"+OK\r\n");
        sent.push((who, i.to_string()));
    }
    let log = slow_entries(&a.call(&["SLOWLOG", "GET", "-1"]));
    let sets: Vec<&(i64, Vec<String>, String)> = log.iter().filter(|e| e.1[0] == "SET").collect();
    assert_eq!(sets.len(), 20);
    assert!(log.windows(2).all(|w| w[0].0 > w[1].0), "ids descend");
    for (entry, (who, v)) in sets.iter().zip(sent.iter().rev()) {
        assert_eq!(&entry.1[2], v);
        let addr = if *who == "a" {
            a.local_addr()
        } else {
            b.local_addr()
        };
        assert_eq!(entry.2, addr.to_string());
    }
    assert_eq!(a.call(&["SLOWLOG", "LEN"]), b":22\r\n");
    assert_eq!(a.call(&["SLOWLOG", "RESET"]), b"+OK\r\n");
    assert_eq!(a.call(&["SLOWLOG", "LEN"]), b":1\r\n");
    server.stop();
}

#[test]
fn monitor_sees_commands_run_on_both_shards() {
    let server = kevy();
    let mut m = Raw::connect(server.addr());
    assert_eq!(m.call(&["MONITOR"]), b"+OK\r\n");
    let mut c = Raw::connect(server.addr());
    let keys = [key_on(0, "m"), key_on(1, "m")];
    let me = c.local_addr().to_string();
    let mut want = Vec::new();
    for (i, k) in keys.iter().chain(keys.iter()).enumerate() {
        c.call(&["SET", k, &format!("v\"{i}")]);
        want.push(format!("[0 {me}] \"SET\" \"{k}\" \"v\\\"{i}\""));
    }
    c.call(&["CONFIG", "GET", "port"]);
    c.call(&["MGET", &keys[0], &keys[1]]);
    want.push(format!("[0 {me}] \"MGET\" \"{}\" \"{}\"", keys[0], keys[1]));
    for w in &want {
        let line = m.reply();
        let text = String::from_utf8_lossy(&line).into_owned();
        let (stamp, rest) = text.split_once(' ').unwrap();
        assert!(stamp.starts_with('+') && stamp.contains('.'), "{text}");
        assert_eq!(rest.trim_end(), w, "CONFIG (admin) is never shown");
    }
    server.stop();
}

#[test]
fn client_pause_write_holds_writes_and_lets_reads_pass() {
    let server = kevy();
    let mut a = Raw::connect(server.addr());
    let mut b = Raw::connect(server.addr());
    let k = key_on(1, "p");
    assert_eq!(a.call(&["CLIENT", "PAUSE", "60000", "WRITE"]), b"+OK\r\n");
    assert_eq!(a.call(&["GET", &k]), b"$-1\r\n");
    b.send(&crate::util::encode_str(&["SET", &k, "v"]));
    assert_eq!(
        b.reply_within(Duration::from_millis(300)),
        None,
        "the SET waits"
    );
    assert_eq!(a.call(&["GET", &k]), b"$-1\r\n", "reads pass");
    assert_eq!(a.call(&["CLIENT", "UNPAUSE"]), b"+OK\r\n");
    assert_eq!(b.reply(), b"+OK\r\n");
    assert_eq!(a.call(&["GET", &k]), b"$1\r\nv\r\n");
    server.stop();
}

#[test]
fn client_pause_write_holds_a_writing_exec_and_lets_a_reading_one_pass() {
    let server = kevy();
    let mut admin = Raw::connect(server.addr());
    let mut w = Raw::connect(server.addr());
    let mut r = Raw::connect(server.addr());
    let k = key_on(1, "px");
    for (c, cmd) in [(&mut w, ["SET", &k, "v"]), (&mut r, ["GET", &k, ""])] {
        assert_eq!(c.call(&["MULTI"]), b"+OK\r\n");
        let cmd: Vec<&str> = cmd.iter().copied().filter(|a| !a.is_empty()).collect();
        assert_eq!(c.call(&cmd), b"+QUEUED\r\n");
    }
    assert_eq!(
        admin.call(&["CLIENT", "PAUSE", "60000", "WRITE"]),
        b"+OK\r\n"
    );
    w.send(&crate::util::encode_str(&["EXEC"]));
    assert_eq!(r.call(&["EXEC"]), b"*1\r\n$-1\r\n", "a reading EXEC runs");
    assert_eq!(
        w.reply_within(Duration::from_millis(300)),
        None,
        "the writing EXEC waits"
    );
    assert_eq!(admin.call(&["CLIENT", "UNPAUSE"]), b"+OK\r\n");
    assert_eq!(w.reply(), b"*1\r\n+OK\r\n");
    server.stop();
}

/// What `INFO clients` says while a paused client waits, is outlived by an
/// idle one, and hangs up, on the server at `addr`: one entry per step.
fn paused_client_story(addr: std::net::SocketAddr) -> Vec<String> {
    let mut admin = Raw::connect(addr);
    let clients = |admin: &mut Raw, want: &dyn Fn(u64, u64) -> bool| -> String {
        for _ in 0..500 {
            let f = info_fields(&admin.call(&["INFO", "clients"]));
            let (c, b) = (&f["connected_clients"], &f["blocked_clients"]);
            if want(c.parse().unwrap(), b.parse().unwrap()) {
                return format!("connected={c} blocked={b}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("INFO clients never got there");
    };
    let mut story = Vec::new();
    assert_eq!(admin.call(&["CONFIG", "SET", "timeout", "1"]), b"+OK\r\n");
    assert_eq!(
        admin.call(&["CLIENT", "PAUSE", "60000", "WRITE"]),
        b"+OK\r\n"
    );
    let mut paused = Raw::connect(addr);
    paused.send(&crate::util::encode_str(&["SET", "held", "1"]));
    story.push(clients(&mut admin, &|_, b| b == 1));
    // An idle client is closed by the timeout; the paused one (idle as
    // long) is not.
    let mut idle = Raw::connect(addr);
    assert_eq!(idle.call(&["PING"]), b"+PONG\r\n");
    story.push(clients(&mut admin, &|c, _| c == 3));
    story.push(clients(&mut admin, &|c, _| c == 2));
    assert!(idle.read_to_close().is_empty());
    // The paused client hangs up: freed while the pause lasts.
    drop(paused);
    story.push(clients(&mut admin, &|c, _| c == 1));
    assert_eq!(admin.call(&["CLIENT", "UNPAUSE"]), b"+OK\r\n");
    story.push(String::from_utf8_lossy(&admin.call(&["GET", "held"])).into_owned());
    assert_eq!(admin.call(&["CONFIG", "SET", "timeout", "0"]), b"+OK\r\n");
    story
}

/// Paused clients count in `blocked_clients`, are spared by `timeout`, and
/// are freed when they hang up during the pause (their write never runs),
/// in kevy as in redis-server 7.0. Before: `blocked_clients:0`, the paused
/// client closed by the timeout, and a hung-up one kept till the pause ended.
#[test]
fn paused_clients_are_blocked_spared_by_timeout_and_freed_on_hang_up() {
    let redis = RedisServer::start();
    let theirs = paused_client_story(redis.addr());
    let server = kevy();
    let ours = paused_client_story(server.addr());
    assert_eq!(ours, theirs);
    assert_eq!(theirs[0], "connected=2 blocked=1");
    server.stop();
}

/// What a subscriber and a pattern subscriber see across the `timeout` that
/// closes an idle client, on the server at `addr`.
fn subscriber_timeout_story(addr: std::net::SocketAddr) -> Vec<String> {
    let mut story = Vec::new();
    let mut text = |b: Vec<u8>| story.push(String::from_utf8_lossy(&b).into_owned());
    text(Raw::connect(addr).call(&["CONFIG", "SET", "timeout", "1"]));
    let mut sub = Raw::connect(addr);
    text(sub.call(&["SUBSCRIBE", "news"]));
    let mut psub = Raw::connect(addr);
    text(psub.call(&["PSUBSCRIBE", "n*"]));
    // Connected after the subscribers, closed by the timeout before them
    // were they not spared.
    let mut idle = Raw::connect(addr);
    text(idle.call(&["PING"]));
    text(idle.read_to_close());
    text(sub.call(&["PING"]));
    // The first connection was as idle: a new one publishes.
    let mut admin = Raw::connect(addr);
    text(admin.call(&["PUBLISH", "news", "hi"]));
    text(sub.reply());
    text(psub.reply());
    text(admin.call(&["CONFIG", "SET", "timeout", "0"]));
    story
}

/// The idle timeout spares Pub/Sub clients, in kevy as in redis-server 7.0
/// (before, kevy closed them as any idle client).
#[test]
fn the_idle_timeout_spares_subscribers() {
    let redis = RedisServer::start();
    let theirs = subscriber_timeout_story(redis.addr());
    let server = kevy();
    let ours = subscriber_timeout_story(server.addr());
    assert_eq!(ours, theirs);
    assert_eq!(theirs[4], "", "the idle client was closed");
    server.stop();
}

/// A client answered after a long block is still served past the `timeout`
/// counted from its request: idleness counts from the last write as well
/// as the last read.
fn blocked_then_served_story(addr: std::net::SocketAddr) -> Vec<String> {
    let mut story = Vec::new();
    let mut text = |b: Vec<u8>| story.push(String::from_utf8_lossy(&b).into_owned());
    text(Raw::connect(addr).call(&["CONFIG", "SET", "timeout", "3"]));
    let mut waiter = Raw::connect(addr);
    waiter.send(&crate::util::encode_str(&["BLPOP", "jobs", "0"]));
    // Served before the timeout: a client served past it may be closed by
    // redis-server itself between the serve and the write of the reply
    // (its cron counts idleness from the last read or write).
    std::thread::sleep(Duration::from_millis(2000));
    text(Raw::connect(addr).call(&["LPUSH", "jobs", "j1"]));
    // A close shows in the story (which server did it), not as a panic.
    text(waiter.try_reply().unwrap_or_else(|| b"<closed>".to_vec()));
    // Inside the timeout since the reply (2 s of 3), past it since the
    // request (4 s): a server counting from the request alone closes the
    // client here (1 s of margin either way on a loaded machine).
    std::thread::sleep(Duration::from_millis(2000));
    text(waiter.call(&["PING"]));
    text(Raw::connect(addr).call(&["CONFIG", "SET", "timeout", "0"]));
    story
}

/// A client answered after a long block stays open until `timeout` has
/// passed since the reply, in kevy as in redis-server 7.0 (before, kevy
/// closed it soon after the reply: its idleness counted from the BLPOP's
/// arrival).
#[test]
fn the_idle_timeout_counts_from_the_last_reply() {
    let redis = RedisServer::start();
    let theirs = blocked_then_served_story(redis.addr());
    let server = kevy();
    let ours = blocked_then_served_story(server.addr());
    assert_eq!(ours, theirs);
    assert_eq!(theirs[3], "+PONG\r\n");
    server.stop();
}

/// The `CLIENT LIST` line of the connection named `name`, asked by `by`.
fn line_named(by: &mut Raw, name: &str) -> HashMap<String, String> {
    client_lines(&by.call(&["CLIENT", "LIST"]))
        .into_iter()
        .find(|l| l.get("name").map(String::as_str) == Some(name))
        .unwrap_or_else(|| panic!("no client named {name}"))
}

fn field(l: &HashMap<String, String>, k: &str) -> usize {
    l[k].parse()
        .unwrap_or_else(|_| panic!("{k}={} is not a number", l[k]))
}

/// The query buffer (`qbuf` + `qbuf-free`) of the connection named `name`.
fn query_buffer(by: &mut Raw, name: &str) -> usize {
    let l = line_named(by, name);
    field(&l, "qbuf") + field(&l, "qbuf-free")
}

/// What the buffer fields of CLIENT LIST say, on one server (Redis's own
/// `unit/introspection` and `unit/querybuf`): the caller's own line has its
/// request in `qbuf` and no output queued; an idle connection has a 16 KB
/// query buffer, one that sent a 400 KB argument keeps a bigger one, and
/// an idle one gives it all back.
fn buffer_story(addr: std::net::SocketAddr) -> Vec<String> {
    let mut seen = Vec::new();
    let mut me = Raw::connect(addr);
    let mut other = Raw::connect(addr);
    other.call(&["CLIENT", "SETNAME", "other"]);
    for sub in ["LIST", "INFO"] {
        let reply = me.call(&["CLIENT", sub]);
        let name = format!("client|{}", sub.to_lowercase());
        let l = &client_lines(&reply)
            .into_iter()
            .find(|l| l["cmd"] == name)
            .expect("the caller's line");
        for k in ["qbuf", "multi-mem", "obl", "oll", "omem", "events"] {
            seen.push(format!("{} {k}={}", l["cmd"], l[k]));
        }
    }
    let idle = query_buffer(&mut me, "other");
    seen.push(format!("idle 16K..32K: {}", (16384..32768).contains(&idle)));
    other.call_bytes(&[b"SET", b"x", &vec![b'A'; 400_000]]);
    let big = query_buffer(&mut me, "other");
    seen.push(format!("after 400 KB > 32K: {}", big > 32768));
    other.call(&["SET", "x", "small"]);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let freed = loop {
        let l = line_named(&mut me, "other");
        if field(&l, "idle") >= 3 && field(&l, "qbuf") + field(&l, "qbuf-free") == 0 {
            break true;
        }
        if std::time::Instant::now() > deadline {
            break false;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    seen.push(format!("idle frees it: {freed}"));
    seen
}

#[test]
fn client_buffer_fields_read_like_redis() {
    let redis = RedisServer::start();
    let server = kevy();
    let (theirs, ours) = std::thread::scope(|s| {
        let t = s.spawn(|| buffer_story(redis.addr()));
        let o = buffer_story(server.addr());
        (t.join().expect("redis story"), o)
    });
    server.stop();
    assert!(theirs.iter().all(|l| !l.ends_with("false")), "{theirs:?}");
    assert_eq!(ours, theirs);
}

/// MIGRATE's credentials are hidden in the slow log as in MONITOR, with
/// redis-server's arguments: the slow log of a planned command (MIGRATE
/// runs on every shard owning its keys) showed the password.
#[test]
fn slowlog_redacts_migrate_credentials_like_redis() {
    let server = kevy();
    let redis = RedisServer::start();
    let mut logs = Vec::new();
    for addr in [server.addr(), redis.addr()] {
        let mut c = Raw::connect(addr);
        assert_eq!(
            c.call(&["CONFIG", "SET", "slowlog-log-slower-than", "0"]),
            b"+OK\r\n"
        );
        c.call(&["MSET", "a", "1", "b", "2", "k", "3"]);
        c.call(&["SLOWLOG", "RESET"]);
        // Port 1: nothing listens there, so the reply is an IOERR.
        for cmd in [
            &[
                "MIGRATE",
                "127.0.0.1",
                "1",
                "",
                "0",
                "50",
                "AUTH",
                "secret",
                "KEYS",
                "a",
                "b",
            ][..],
            &[
                "MIGRATE",
                "127.0.0.1",
                "1",
                "k",
                "0",
                "50",
                "AUTH2",
                "user",
                "secret2",
            ],
        ] {
            let r = c.call(cmd);
            assert!(r.starts_with(b"-IOERR"), "{}", String::from_utf8_lossy(&r));
        }
        let log = slow_entries(&c.call(&["SLOWLOG", "GET", "-1"]));
        let migrates: Vec<Vec<String>> = log
            .into_iter()
            .filter(|e| e.1[0].eq_ignore_ascii_case("migrate"))
            .map(|e| e.1)
            .collect();
        logs.push(migrates);
    }
    assert_eq!(logs[0].len(), 2, "{:?}", logs[0]);
    assert!(logs[0].iter().flatten().all(|a| !a.contains("secret")));
    assert_eq!(logs[0], logs[1]);
    server.stop();
}

/// `client-query-buffer-limit` set while running: a connection whose
/// unprocessed input passes the new limit is closed without a reply, as
/// Redis closes it; raised again, the same input is taken.
#[test]
fn query_buffer_limit_set_while_running() {
    let server = kevy();
    let mut admin = Raw::connect(server.addr());
    let set = |admin: &mut Raw, v: &str| {
        let r = admin.call(&["CONFIG", "SET", "client-query-buffer-limit", v]);
        assert_eq!(r, b"+OK\r\n");
    };
    set(&mut admin, "1mb");
    let header = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3000000\r\n";
    let part = [header.as_slice(), &vec![b'x'; 1_500_000]].concat();
    // Connections on either shard.
    for _ in 0..4 {
        let mut c = Raw::connect(server.addr());
        let _ = c.try_send(&part);
        assert_eq!(c.read_to_close(), b"", "closed without a reply");
    }
    assert_eq!(admin.call(&["EXISTS", "k"]), b":0\r\n");
    set(&mut admin, "1gb");
    for _ in 0..4 {
        let mut c = Raw::connect(server.addr());
        c.send(&part);
        c.send(&[vec![b'x'; 1_500_000], b"\r\n".to_vec()].concat());
        assert_eq!(c.reply(), b"+OK\r\n");
    }
    assert_eq!(admin.call(&["STRLEN", "k"]), b":3000000\r\n");
    server.stop();
}

/// `qbuf` of connections that sent part of a request, on one server: what
/// follows the request's last complete part (Redis trims the headers and
/// arguments it parsed off its query buffer), every byte of an inline one.
fn partial_qbufs(addr: std::net::SocketAddr) -> Vec<String> {
    let big = [b"*1\r\n$100000\r\n".as_slice(), &[b'v'; 50_000]].concat();
    let echo = [
        b"*2\r\n$4\r\nECHO\r\n$40000\r\n".as_slice(),
        &[b'v'; 40_000],
    ]
    .concat();
    let inputs: [&[u8]; 7] = [
        b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nab",
        &big,
        b"*3\r\n$3\r\nSET\r\n$1",
        b"*3\r\n",
        b"*3\r\n$3\r\nSET\r\n",
        b"PING",
        &echo,
    ];
    let mut admin = Raw::connect(addr);
    let mut seen = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        let mut c = Raw::connect(addr);
        let name = format!("partial{i}");
        c.call(&["CLIENT", "SETNAME", &name]);
        let before = crate::util::info_num(&mut admin, "stats", "total_net_input_bytes")
            .expect("total_net_input_bytes");
        c.send(input);
        // Read by the server once its input count covers the bytes sent.
        crate::replication::wait_for("the partial request read", || {
            crate::util::info_num(&mut admin, "stats", "total_net_input_bytes")
                .is_some_and(|n| n >= before + input.len() as u64)
        });
        let l = line_named(&mut admin, &name);
        seen.push(format!("{name} qbuf={}", l["qbuf"]));
    }
    seen
}

#[test]
fn partial_request_qbuf_reads_like_redis() {
    let redis = RedisServer::start();
    let server = kevy();
    let theirs = partial_qbufs(redis.addr());
    let ours = partial_qbufs(server.addr());
    server.stop();
    assert_eq!(ours, theirs);
}
