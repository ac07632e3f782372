//! Client eviction (`maxmemory-clients`) on 2 shards: clients whose
//! buffers take the connections past the limit are closed biggest first
//! (counted in INFO's `evicted_clients`), a `CLIENT NO-EVICT on` client is
//! spared, and small well-behaved clients keep being served; each eviction
//! is logged with the client's `CLIENT LIST` line, as Redis does.

use std::sync::{Arc, Mutex};

use kevy_commands::base::log::Level;
use kevy_commands::Redis;

use crate::util::{info_num, kevy_with, Raw};

/// A numeric field of INFO stats.
fn evicted(c: &mut Raw) -> u64 {
    info_num(c, "stats", "evicted_clients").expect("evicted_clients in INFO stats")
}

/// Starts a SET whose 4 MB value arrives only in part (`bytes` of it): the
/// connection's read buffer grows as the bytes arrive (so each such client
/// sending 3.5 MB holds at least that: two are over the 6 MB limit, one is
/// not). The write fails if the server closes the connection first, as it
/// may do with a client it evicts while the bytes still arrive.
fn half_sent_set(c: &mut Raw, bytes: usize) -> std::io::Result<()> {
    c.try_send(b"*3\r\n$3\r\nSET\r\n$4\r\nhuge\r\n$4194304\r\n")?;
    c.try_send(&vec![b'x'; bytes])
}

#[test]
fn the_biggest_clients_go_first_and_no_evict_ones_stay() {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let redis = Redis::default();
    let keep = lines.clone();
    redis.shared().log.set(move |level, msg| {
        keep.lock().unwrap().push((level, msg.to_string()));
    });
    let server = kevy_with(redis);
    let mut admin = Raw::connect(server.addr());
    assert_eq!(admin.call(&["CLIENT", "NO-EVICT", "on"]), b"+OK\r\n");
    assert_eq!(
        admin.call(&["CONFIG", "SET", "maxmemory-clients", "6mb"]),
        b"+OK\r\n"
    );
    assert_eq!(
        admin.call(&["CONFIG", "GET", "maxmemory-clients"]),
        b"*2\r\n$17\r\nmaxmemory-clients\r\n$7\r\n6291456\r\n"
    );
    let mut small: Vec<Raw> = (0..6).map(|_| Raw::connect(server.addr())).collect();
    for c in &mut small {
        assert_eq!(c.call(&["SET", "k", "v"]), b"+OK\r\n");
    }
    let mut spared = Raw::connect(server.addr());
    assert_eq!(spared.call(&["CLIENT", "NO-EVICT", "on"]), b"+OK\r\n");
    const SENT: usize = 7 << 19; // 3.5 MB
    half_sent_set(&mut spared, SENT).expect("the spared client's bytes");
    let mut hog = Raw::connect(server.addr());
    let id = String::from_utf8(hog.call(&["CLIENT", "ID"])).unwrap();
    let id = id.trim().trim_start_matches(':').to_string();
    let hog_addr = hog.local_addr();
    // The hog is closed at a tick, maybe before all its bytes are in (its
    // write then fails); it never gets a reply.
    let _ = half_sent_set(&mut hog, SENT);
    assert_eq!(hog.try_reply(), None);
    assert!(evicted(&mut admin) >= 1);
    // Logged, with who it was (Redis: "Evicting client: id=… addr=…").
    let logged = lines.lock().unwrap().clone();
    let line = logged
        .iter()
        .find(|(_, m)| m.starts_with(&format!("Evicting client: id={id} addr={hog_addr} ")))
        .unwrap_or_else(|| panic!("no eviction logged for client {id}: {logged:?}"));
    assert_eq!(line.0, Level::Notice);
    assert!(line.1.contains(" cmd=client|id "), "{}", line.1);
    assert!(line.1.contains(" qbuf="), "{}", line.1);
    for c in &mut small {
        assert_eq!(c.call(&["GET", "k"]), b"$1\r\nv\r\n");
    }
    // The spared client finishes its SET.
    spared.send(&vec![b'x'; (4 << 20) - SENT]);
    spared.send(b"\r\n");
    assert_eq!(spared.reply(), b"+OK\r\n");
    assert_eq!(admin.call(&["STRLEN", "huge"]), b":4194304\r\n");
    assert_eq!(
        admin.call(&["CONFIG", "SET", "maxmemory-clients", "0"]),
        b"+OK\r\n"
    );
    server.stop();
}

/// What one server did with clients that alone go past `maxmemory-clients`
/// (3,000,000 bytes, as Redis's `unit/client-eviction`): a request with a
/// huge argument, a transaction queued past the limit, watched keys and
/// subscriptions piling up, output a client does not read. Each is closed
/// before the request runs (its write never happens), and the clients
/// under the limit are served.
fn one_client_story(addr: std::net::SocketAddr) -> Vec<String> {
    let mut seen = Vec::new();
    let mut admin = Raw::connect(addr);
    assert_eq!(admin.call(&["CLIENT", "NO-EVICT", "on"]), b"+OK\r\n");
    admin.call(&["CONFIG", "SET", "maxmemory-clients", "3000000"]);
    let big = |n: usize| "v".repeat(n);
    // A request under the limit runs; one over it never does.
    let mut c = Raw::connect(addr);
    let first = big(1_000_000);
    seen.push(format!("{:?}", c.call(&["MSET", "k", "v", "k2", &first])));
    let huge = big(3_000_000);
    let _ = c.try_send(&crate::util::encode_str(&["MSET", "k", "w", "k2", &huge]));
    seen.push(format!("closed: {:?}", c.read_to_close()));
    seen.push(format!("{:?}", admin.call(&["STRLEN", "k2"])));
    seen.push(format!("{:?}", admin.call(&["GET", "k"])));
    // A transaction queued past the limit is dropped with its client.
    let mut c = Raw::connect(addr);
    seen.push(format!("{:?}", c.call(&["MULTI"])));
    let quarter = big(750_000);
    let mut closed = false;
    for _ in 0..5 {
        if c.try_send(&crate::util::encode_str(&["SET", "k", &quarter]))
            .is_err()
        {
            closed = true;
            break;
        }
        match c.try_reply() {
            Some(r) => assert_eq!(r, b"+QUEUED\r\n"),
            None => {
                closed = true;
                break;
            }
        }
    }
    seen.push(format!("multi closed: {closed}"));
    seen.push(format!("{:?}", admin.call(&["GET", "k"])));
    // Watched keys and subscriptions count too (at 200,000 bytes).
    admin.call(&["CONFIG", "SET", "maxmemory-clients", "200000"]);
    for verb in ["WATCH", "PSUBSCRIBE", "SUBSCRIBE"] {
        let mut c = Raw::connect(addr);
        let mut n = 0;
        let gone = loop {
            n += 1;
            if n > 200_000 {
                break false;
            }
            let name = format!("{n:012}");
            if c.try_send(&crate::util::encode_str(&[verb, &name]))
                .is_err()
            {
                break true;
            }
            if c.try_reply().is_none() {
                break true;
            }
        };
        seen.push(format!("{verb} closed: {gone}"));
    }
    admin.call(&["CONFIG", "SET", "maxmemory-clients", "0"]);
    seen.push(format!("{:?}", admin.call(&["PING"])));
    seen
}

#[test]
fn a_client_alone_past_the_limit_goes_before_its_request_runs_as_in_redis() {
    let redis = crate::util::RedisServer::start();
    let theirs = one_client_story(redis.addr());
    let server = crate::util::kevy();
    let ours = one_client_story(server.addr());
    assert_eq!(ours, theirs);
    assert!(theirs.iter().all(|l| !l.ends_with("false")), "{theirs:?}");
    let mut c = Raw::connect(server.addr());
    assert!(evicted(&mut c) >= 5);
    server.stop();
}

/// Lowering `maxmemory-clients` evicts as in Redis: the biggest clients go,
/// on both shards, and only until the rest is under the new limit. (Every
/// shard evicts at its next loop iteration, not at its next tick; a shard
/// holding back for another's bigger client may go on an iteration later,
/// so the test waits for the count.)
#[test]
fn lowering_the_limit_evicts_the_biggest_on_every_shard() {
    let server = kevy_with(Redis::default());
    let mut admin = Raw::connect(server.addr());
    assert_eq!(admin.call(&["CLIENT", "NO-EVICT", "on"]), b"+OK\r\n");
    let mut on = crate::util::conns_per_shard(&server, 3);
    // Per shard: a 2 MB, a 1 MB and a 512 KB half-sent request.
    let sizes = [2 << 20, 1 << 20, 1 << 19];
    for (s, conns) in on.iter_mut().enumerate() {
        for (c, &bytes) in conns.iter_mut().zip(&sizes) {
            assert_eq!(
                c.call(&["CLIENT", "SETNAME", &format!("c{s}-{bytes}")]),
                b"+OK\r\n"
            );
            half_sent_set(c, bytes).expect("no limit yet: every byte goes in");
        }
    }
    // Wait until every byte sent is buffered (CLIENT LIST's qbuf); then
    // each client's tot-mem, by name ("" for the admin).
    let fields = |admin: &mut Raw, field: &str| -> Vec<(String, u64)> {
        let list = String::from_utf8(admin.call(&["CLIENT", "LIST"])).unwrap();
        let at = format!("{field}=");
        list.lines()
            .filter_map(|l| {
                let name = l.split(' ').find_map(|f| f.strip_prefix("name="))?;
                let v = l.split(' ').find_map(|f| f.strip_prefix(at.as_str()))?;
                Some((name.to_string(), v.parse().unwrap()))
            })
            .collect()
    };
    // (Each client's own size: a 2 MB client past 512 KB may still be
    // receiving, and the limit below would then leave room for it.)
    for _ in 0..500 {
        let full = fields(&mut admin, "qbuf")
            .iter()
            .filter(|(n, q)| {
                let sent = n.rsplit('-').next().and_then(|b| b.parse::<u64>().ok());
                sent.is_some_and(|b| *q >= b)
            })
            .count();
        if full == 6 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    // Room for everyone but the two 2 MB clients (with 64 KB to spare):
    // those two go, and only they.
    let mem = fields(&mut admin, "tot-mem");
    assert_eq!(mem.len(), 7, "{mem:?}");
    let keep: u64 = mem
        .iter()
        .filter(|(n, _)| !n.ends_with(&format!("-{}", 2 << 20)))
        .map(|(_, m)| m)
        .sum();
    let limit = (keep + (64 << 10)).to_string();
    assert_eq!(
        admin.call(&["CONFIG", "SET", "maxmemory-clients", &limit]),
        b"+OK\r\n"
    );
    for _ in 0..500 {
        if evicted(&mut admin) >= 2 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let mut left: Vec<String> = fields(&mut admin, "qbuf")
        .into_iter()
        .map(|(n, _)| n)
        .filter(|n| !n.is_empty())
        .collect();
    left.sort();
    let mut want: Vec<String> = (0..2)
        .flat_map(|s| [format!("c{s}-{}", 1 << 20), format!("c{s}-{}", 1 << 19)])
        .collect();
    want.sort();
    assert_eq!(left, want);
    assert_eq!(evicted(&mut admin), 2);
    assert_eq!(
        admin.call(&["CONFIG", "SET", "maxmemory-clients", "0"]),
        b"+OK\r\n"
    );
    server.stop();
}

/// A client that sends GETs of a 200 KB value and reads none of the
/// replies, as Redis's "client evicted due to output buf": between two of
/// its requests another client's `CLIENT LIST` shows it under
/// `maxmemory-clients` or not at all — it is evicted as its replies take
/// it past the limit, before anything else runs. On each shard: the key's
/// own (the replies made there) and the other (the replies come back from
/// the key's shard).
#[test]
fn a_client_not_reading_its_replies_is_gone_before_it_is_seen_over_the_limit() {
    const LIMIT: u64 = 3_000_000;
    let server = crate::util::kevy();
    let mut admin = Raw::connect(server.addr());
    assert_eq!(admin.call(&["CLIENT", "NO-EVICT", "on"]), b"+OK\r\n");
    assert_eq!(
        admin.call(&["CONFIG", "SET", "maxmemory-clients", &LIMIT.to_string()]),
        b"+OK\r\n"
    );
    assert_eq!(
        admin.call(&["SETRANGE", "k", "200000", "v"]),
        b":200001\r\n"
    );
    let before = evicted(&mut admin);
    for (s, mut conns) in crate::util::conns_per_shard(&server, 1)
        .into_iter()
        .enumerate()
    {
        let mut c = conns.pop().unwrap();
        let name = format!("reader-{s}");
        assert_eq!(c.call(&["CLIENT", "SETNAME", &name]), b"+OK\r\n");
        let get = crate::util::encode_str(&["GET", "k"]);
        let mut sent = 0;
        loop {
            let list = String::from_utf8(admin.call(&["CLIENT", "LIST"])).unwrap();
            let Some(line) = list.lines().find(|l| l.contains(&format!(" name={name} "))) else {
                break;
            };
            let mem: u64 = line
                .split(' ')
                .find_map(|f| f.strip_prefix("tot-mem="))
                .and_then(|v| v.parse().ok())
                .unwrap();
            assert!(mem < LIMIT, "seen over the limit after {sent} GETs: {line}");
            if c.try_send(&get).is_err() {
                break;
            }
            sent += 1;
            assert!(sent < 10_000, "never evicted: {line}");
        }
    }
    assert_eq!(evicted(&mut admin), before + 2);
    assert_eq!(admin.call(&["STRLEN", "k"]), b":200001\r\n");
    server.stop();
}
