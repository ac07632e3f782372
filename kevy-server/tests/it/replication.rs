//! kevy as a replication primary: a real redis-server 7.0 started with
//! `--replicaof` loads kevy's snapshot and follows its stream to the same
//! dataset (DEBUG DIGEST), whatever shard each write ran on; and the
//! stream a `SYNC` connection reads holds the commands redis-server's
//! holds for the same writes.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use crate::differential::digest::dataset;
use crate::util::{kevy_with, Raw, RedisServer};

/// kevy with DEBUG enabled (for DEBUG DIGEST).
fn kevy_debug() -> kevy_rt::Server {
    let commands = kevy_commands::Redis::default();
    commands
        .config()
        .load("enable-debug-command", &["yes"])
        .expect("debug on");
    kevy_with(commands)
}

/// `field` of `INFO section` on `c`.
pub(crate) fn info(c: &mut Raw, section: &str, field: &str) -> Option<String> {
    let reply = String::from_utf8_lossy(&c.call(&["INFO", section])).into_owned();
    reply
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")).map(str::to_string))
}

/// Waits until `ready` holds (a hang guard, not a timing assertion: the
/// deadline only turns a hang into a failure that says what it waited for).
#[track_caller]
pub(crate) fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !ready() {
        assert!(Instant::now() < deadline, "never happened: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn run(c: &mut Raw, cmd: &[&str]) -> Vec<u8> {
    let reply = c.call(cmd);
    assert!(
        !reply.starts_with(b"-"),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&reply)
    );
    reply
}

#[test]
fn a_redis_replica_follows_kevy_to_the_same_dataset() {
    // kevy's append-only file goes on midway (a rewrite's cut on every
    // shard) while the replica follows.
    let kevy_dir = scratch("aof-primary");
    let kv = kevy_in(&kevy_dir);
    let mut k = Raw::connect(kv.addr());
    let cmds = dataset();
    let (before, after) = cmds.split_at(cmds.len() / 2);
    for c in before {
        let c: Vec<&str> = c.iter().map(String::as_str).collect();
        run(&mut k, &c);
    }
    let port = kv.addr().port().to_string();
    // The replica writes the snapshot it receives to its own directory
    // (not the tests' working directory, where other redis-servers start).
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("replica-{}-{port}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("replica dir");
    let replica = RedisServer::start_with(&[
        "--replicaof",
        "127.0.0.1",
        &port,
        "--enable-debug-command",
        "yes",
        "--dir",
        dir.to_str().expect("utf-8 path"),
    ]);
    let mut r = Raw::connect(replica.addr());
    wait_for("the replica's first sync", || {
        info(&mut r, "replication", "master_link_status").as_deref() == Some("up")
            && info(&mut r, "replication", "master_sync_in_progress").as_deref() == Some("0")
    });
    // kevy lists it, online, at the port it listens on.
    let line = info(&mut k, "replication", "slave0").expect("slave0");
    assert!(
        line.starts_with(&format!(
            "ip=127.0.0.1,port={},state=online,",
            replica.addr().port()
        )),
        "{line}"
    );
    assert_eq!(
        info(&mut k, "replication", "connected_slaves").as_deref(),
        Some("1")
    );
    run(&mut k, &["CONFIG", "SET", "appendonly", "yes"]);
    for _ in 0..2 {
        wait_for("no rewrite in progress", || {
            info(&mut k, "persistence", "aof_rewrite_in_progress").as_deref() == Some("0")
                && info(&mut k, "persistence", "aof_rewrite_scheduled").as_deref() == Some("0")
        });
        run(&mut k, &["SET", "around-a-rewrite", "1"]);
        run(&mut k, &["BGREWRITEAOF"]);
    }
    // The rest of the dataset, then writes of every kind: multi-key
    // commands over both shards, a transaction, a script, expiries,
    // effects rewritten for the stream, another database emptied.
    for c in after {
        let c: Vec<&str> = c.iter().map(String::as_str).collect();
        run(&mut k, &c);
    }
    for cmd in [
        &["SELECT", "0"][..],
        &["MSET", "m:1", "a", "m:2", "b", "m:3", "c", "m:4", "d"],
        &["DEL", "m:1", "m:3", "str:0"],
        &["INCRBYFLOAT", "fl", "1.5"],
        &["SET", "ttl", "v", "EX", "1000"],
        &["EXPIRE", "str:2", "500"],
        &["SPOP", "set:0", "2"],
        &["MULTI"],
        &["LPUSH", "list:0", "in-tx"],
        &["HSET", "hash:0", "tx", "1"],
        &["EXEC"],
        &[
            "EVAL",
            "redis.call('SET', KEYS[1], ARGV[1]); return redis.call('INCR', KEYS[2])",
            "2",
            "s:1",
            "s:2",
            "x",
        ],
        &["RENAME", "str:4", "renamed"],
        &["SELECT", "5"],
        &["SET", "gone", "1"],
        &["FLUSHDB"],
        &["SELECT", "3"],
        &["SET", "db3", "yes"],
        &["SELECT", "0"],
        &["SET", "sentinel", "last"],
    ] {
        run(&mut k, cmd);
    }
    wait_for("the sentinel on the replica", || {
        r.call(&["GET", "sentinel"]) == b"$4\r\nlast\r\n"
    });
    // WAIT counts the replica once it acknowledged the writes before it:
    // asked for one, it blocks until then; asked for two, it answers one
    // at its timeout.
    run(&mut k, &["SET", "acked", "1"]);
    assert_eq!(k.call(&["WAIT", "1", "0"]), b":1\r\n");
    assert_eq!(r.call(&["GET", "acked"]), b"$1\r\n1\r\n");
    assert_eq!(k.call(&["WAIT", "2", "300"]), b":1\r\n");
    assert_eq!(k.call(&["WAIT", "0", "0"]), b":1\r\n");
    let ours = k.call(&["DEBUG", "DIGEST"]);
    assert_eq!(
        String::from_utf8_lossy(&r.call(&["DEBUG", "DIGEST"])),
        String::from_utf8_lossy(&ours),
        "the replica holds kevy's dataset"
    );
    assert_ne!(ours, format!("+{}\r\n", "0".repeat(40)).into_bytes());
    // A PUBLISH reaches the replica's subscribers too.
    let mut sub = Raw::connect(replica.addr());
    sub.call(&["SUBSCRIBE", "news"]);
    assert_eq!(k.call(&["PUBLISH", "news", "hi"]), b":0\r\n");
    assert_eq!(
        sub.reply(),
        b"*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n"
    );
    drop(sub);
    // One good replica (it acknowledges every second): enough for
    // `min-replicas-to-write 1`, not for 2.
    run(&mut k, &["CONFIG", "SET", "min-replicas-to-write", "1"]);
    run(&mut k, &["SET", "one-good-replica", "1"]);
    run(&mut k, &["CONFIG", "SET", "min-replicas-to-write", "2"]);
    assert_eq!(
        k.call(&["SET", "two-good-replicas", "1"]),
        b"-NOREPLICAS Not enough good replicas to write.\r\n"
    );
    run(&mut k, &["CONFIG", "SET", "min-replicas-to-write", "0"]);
    // A replica that goes away is forgotten, and writes go on.
    drop(r);
    drop(replica);
    wait_for("the replica detached", || {
        info(&mut k, "replication", "connected_slaves").as_deref() == Some("0")
    });
    run(&mut k, &["SET", "after", "1"]);
    kv.stop();
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&kevy_dir);
}

/// A raw `SYNC` connection: the snapshot read and skipped, then the
/// stream's commands one by one.
struct Stream(BufReader<TcpStream>);

impl Stream {
    fn attach(addr: SocketAddr) -> Stream {
        let mut s = TcpStream::connect(addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        s.write_all(b"SYNC\r\n").expect("send SYNC");
        let mut r = BufReader::new(s);
        let mut line = String::new();
        // Newlines may come first (a primary's keepalives).
        while line.trim().is_empty() {
            line.clear();
            r.read_line(&mut line).expect("the snapshot's length");
        }
        let len: usize = line
            .trim()
            .strip_prefix('$')
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("not a bulk length: {line:?}"));
        let mut rdb = vec![0; len];
        r.read_exact(&mut rdb).expect("the snapshot");
        assert!(rdb.starts_with(b"REDIS0010"), "an RDB file");
        Stream(r)
    }

    /// The next command, its words lowercased where they are verbs.
    fn next(&mut self) -> Vec<String> {
        let mut line = String::new();
        self.0.read_line(&mut line).expect("a command");
        let n: usize = line
            .trim()
            .strip_prefix('*')
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("not a command: {line:?}"));
        (0..n)
            .map(|_| {
                line.clear();
                self.0.read_line(&mut line).expect("a bulk length");
                let len: usize = line.trim()[1..].parse().expect("length");
                let mut b = vec![0; len + 2];
                self.0.read_exact(&mut b).expect("a bulk");
                String::from_utf8_lossy(&b[..len]).into_owned()
            })
            .collect()
    }
}

/// The stream of each server for the same writes: (SYNC reader, client).
fn streams(addr: SocketAddr, cmds: &[&[&str]], count: usize) -> Vec<Vec<String>> {
    let mut c = Raw::connect(addr);
    // No pings in the stream, and no 5 s wait for a diskless transfer.
    run(
        &mut c,
        &["CONFIG", "SET", "repl-ping-replica-period", "3600"],
    );
    run(&mut c, &["CONFIG", "SET", "repl-diskless-sync", "no"]);
    let mut s = Stream::attach(addr);
    for cmd in cmds {
        c.call(cmd);
    }
    (0..count).map(|_| s.next()).collect()
}

#[test]
fn the_stream_holds_what_redis_streams_for_the_same_writes() {
    // redis-server saves to disk for a SYNC (repl-diskless-sync no): in a
    // directory of its own.
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("sync-primary-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("primary dir");
    let redis = RedisServer::start_with(&["--dir", dir.to_str().expect("utf-8 path")]);
    let kv = kevy_debug();
    let cmds: &[&[&str]] = &[
        &["SET", "a", "1"],
        &["INCR", "a"],
        &["SET", "absent-ok", "1", "NX"],
        &["SET", "absent-ok", "2", "NX"],
        &["INCRBYFLOAT", "f", "2.5"],
        &["MSET", "k1", "v1", "k2", "v2", "k3", "v3"],
        &["DEL", "k1", "k2", "nokey"],
        &["GETSET", "k3", "w"],
        &["HINCRBYFLOAT", "h", "x", "1.25"],
        &["RPUSH", "l", "a", "b", "c"],
        &["LPOP", "l"],
        &["GETDEL", "a"],
        &["SELECT", "2"],
        &["SADD", "s", "m"],
        &["MULTI"],
        &["INCR", "c"],
        &["SET", "d", "x"],
        &["EXEC"],
        &["SELECT", "0"],
        &["RENAME", "k3", "k4"],
        &["PUBLISH", "news", "hello"],
        &["MULTI"],
        &["PUBLISH", "news", "in-tx"],
        &["SET", "after-publish", "1"],
        &["EXEC"],
        // One write in a transaction goes alone; the blocking multi-pops
        // log the pop they did.
        &["MULTI"],
        &["SET", "single", "1"],
        &["GET", "single"],
        &["EXEC"],
        &["ZADD", "z", "1", "a", "2", "b", "3", "c"],
        &["BZMPOP", "0", "1", "z", "MIN"],
        &["BZMPOP", "0", "1", "z", "MAX", "COUNT", "5"],
        &["RPUSH", "bl", "x", "y"],
        &["BLMPOP", "0", "1", "bl", "RIGHT"],
        &["SADD", "one", "m"],
        &["SPOP", "one"],
        &["SET", "end", "1"],
    ];
    let count = 34;
    let theirs = streams(redis.addr(), cmds, count);
    let ours = streams(kv.addr(), cmds, count);
    assert_eq!(ours, theirs);
    assert_eq!(ours[0], ["SELECT", "0"]);
    assert_eq!(ours[count - 1], ["SET", "end", "1"]);
    kv.stop();
    drop(redis);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A scratch directory under the target dir, made empty.
pub(crate) fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// A redis-server primary saving into a scratch directory of its own,
/// sending its snapshot to replicas at once (no diskless delay).
fn redis_primary(name: &str, extra: &[&str]) -> (RedisServer, std::path::PathBuf) {
    let dir = scratch(name);
    let mut args = vec![
        "--dir",
        dir.to_str().expect("utf-8 path"),
        "--repl-diskless-sync-delay",
        "0",
    ];
    args.extend_from_slice(extra);
    (RedisServer::start_with(&args), dir)
}

/// Waits until the replica behind `r` has its link to the primary up.
#[track_caller]
pub(crate) fn wait_link_up(r: &mut Raw) {
    wait_for("the link up", || {
        info(r, "replication", "master_link_status").as_deref() == Some("up")
    });
}

/// kevy with DEBUG enabled, saving into `dir` (a replica writes the
/// snapshot it receives there).
pub(crate) fn kevy_in(dir: &std::path::Path) -> kevy_rt::Server {
    kevy_in_with(dir, &[])
}

/// [`kevy_in`] with more settings.
fn kevy_in_with(dir: &std::path::Path, settings: &[(&str, &str)]) -> kevy_rt::Server {
    let commands = kevy_commands::Redis::default();
    let config = commands.config();
    for (name, value) in settings {
        config.load(name, &[value]).expect("setting");
    }
    config
        .load("enable-debug-command", &["yes"])
        .expect("debug on");
    config
        .load("dir", &[dir.to_str().expect("utf-8 path")])
        .expect("dir");
    kevy_with(commands)
}

/// kevy as a replica (`REPLICAOF`) of `primary`, which `p` talks to:
/// it loads the primary's snapshot and applies its stream to the same
/// dataset, refuses clients' writes while read-only, is counted by the
/// primary's WAIT, and writes again after `REPLICAOF NO ONE`.
fn follow_story(primary: SocketAddr, p: &mut Raw, replica: &kevy_rt::Server) {
    let cmds = dataset();
    let (before, after) = cmds.split_at(cmds.len() / 2);
    for c in before {
        let c: Vec<&str> = c.iter().map(String::as_str).collect();
        run(p, &c);
    }
    let mut r = Raw::connect(replica.addr());
    let port = primary.port().to_string();
    assert_eq!(r.call(&["REPLICAOF", "127.0.0.1", &port]), b"+OK\r\n");
    assert_eq!(
        r.call(&["REPLICAOF", "127.0.0.1", &port]),
        b"+OK Already connected to specified master\r\n"
    );
    wait_link_up(&mut r);
    for c in after {
        let c: Vec<&str> = c.iter().map(String::as_str).collect();
        run(p, &c);
    }
    run(p, &["SELECT", "0"]);
    run(p, &["MSET", "m:1", "a", "m:2", "b"]);
    run(p, &["MULTI"]);
    run(p, &["INCR", "counter"]);
    run(p, &["LPUSH", "list:0", "tx"]);
    run(p, &["EXEC"]);
    run(p, &["SET", "sentinel", "last"]);
    assert_eq!(p.call(&["WAIT", "1", "0"]), b":1\r\n");
    assert_eq!(r.call(&["GET", "sentinel"]), b"$4\r\nlast\r\n");
    assert_eq!(
        String::from_utf8_lossy(&r.call(&["DEBUG", "DIGEST"])),
        String::from_utf8_lossy(&p.call(&["DEBUG", "DIGEST"])),
        "the replica holds the primary's dataset"
    );
    assert_eq!(
        r.call(&["SET", "mine", "1"]),
        b"-READONLY You can't write against a read only replica.\r\n"
    );
    let role = String::from_utf8_lossy(&r.call(&["ROLE"])).into_owned();
    assert!(
        role.starts_with("*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n"),
        "{role}"
    );
    assert!(role.contains("$9\r\nconnected\r\n"), "{role}");
    assert_eq!(r.call(&["REPLICAOF", "NO", "ONE"]), b"+OK\r\n");
    assert_eq!(r.call(&["SET", "mine", "1"]), b"+OK\r\n");
    assert_eq!(
        info(&mut r, "replication", "role").as_deref(),
        Some("master")
    );
}

#[test]
fn kevy_follows_a_redis_primary_and_a_kevy_one() {
    let (redis, redis_dir) = redis_primary("redis-primary", &["--enable-debug-command", "yes"]);
    let dir = scratch("kevy-replica");
    let replica = kevy_in(&dir);
    let mut p = Raw::connect(redis.addr());
    follow_story(redis.addr(), &mut p, &replica);
    drop(p);
    drop(redis);
    // The same replica, now following a kevy primary (a full resync
    // replaces what it held).
    let primary = kevy_debug();
    let mut p = Raw::connect(primary.addr());
    run(&mut p, &["SET", "only-on-the-new-primary", "1"]);
    follow_story(primary.addr(), &mut p, &replica);
    let mut r = Raw::connect(replica.addr());
    assert_eq!(
        r.call(&["EXISTS", "mine", "only-on-the-new-primary"]),
        b":2\r\n"
    );
    primary.stop();
    replica.stop();
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&redis_dir);
}

/// Under `CLIENT PAUSE WRITE` a replica reads the primary's stream
/// (`slave_read_repl_offset` follows `master_repl_offset`) but applies
/// none of it (`slave_repl_offset` stays) until unpaused, as Redis's
/// pause unit checks.
#[test]
fn a_paused_replica_reads_the_stream_and_applies_it_once_unpaused() {
    let (redis, redis_dir) = redis_primary("paused-primary", &[]);
    let dir = scratch("paused-replica");
    let replica = kevy_in(&dir);
    let mut p = Raw::connect(redis.addr());
    let mut r = Raw::connect(replica.addr());
    let port = redis.addr().port().to_string();
    assert_eq!(r.call(&["REPLICAOF", "127.0.0.1", &port]), b"+OK\r\n");
    wait_link_up(&mut r);
    run(&mut p, &["SET", "foo", "bar"]);
    let primary_offset = |p: &mut Raw| info(p, "replication", "master_repl_offset");
    let applied = |r: &mut Raw| info(r, "replication", "slave_repl_offset");
    let read = |r: &mut Raw| info(r, "replication", "slave_read_repl_offset");
    wait_for("the replica applied foo", || {
        applied(&mut r) == primary_offset(&mut p)
    });
    let before = applied(&mut r);
    assert_eq!(r.call(&["CLIENT", "PAUSE", "100000", "WRITE"]), b"+OK\r\n");
    run(&mut p, &["SET", "foo2", "bar2"]);
    wait_for("the replica read foo2", || {
        read(&mut r) == primary_offset(&mut p)
    });
    assert_eq!(applied(&mut r), before, "applied while paused");
    assert_eq!(r.call(&["GET", "foo2"]), b"$-1\r\n");
    assert_eq!(r.call(&["CLIENT", "UNPAUSE"]), b"+OK\r\n");
    wait_for("the replica applied foo2", || {
        applied(&mut r) == primary_offset(&mut p)
    });
    assert_eq!(r.call(&["GET", "foo2"]), b"$4\r\nbar2\r\n");
    drop(p);
    drop(redis);
    replica.stop();
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&redis_dir);
}

/// `replicaof` on the command line makes kevy-server a replica from the
/// start (as in a configuration file).
#[test]
fn the_binary_follows_the_primary_its_configuration_names() {
    let (redis, redis_dir) = redis_primary("boot-primary", &[]);
    let mut p = Raw::connect(redis.addr());
    run(&mut p, &["SET", "from-primary", "1"]);
    let dir = scratch("boot-replica");
    let port = redis.addr().port().to_string();
    let bin = crate::binary::Binary::spawn_with(&[
        "--port",
        "0",
        "--threads",
        "2",
        "--replicaof",
        "127.0.0.1",
        &port,
        "--dir",
        dir.to_str().expect("utf-8 path"),
    ]);
    let mut r = Raw::connect(bin.addr);
    wait_link_up(&mut r);
    assert_eq!(r.call(&["GET", "from-primary"]), b"$1\r\n1\r\n");
    run(&mut p, &["SET", "later", "2"]);
    assert_eq!(p.call(&["WAIT", "1", "0"]), b":1\r\n");
    assert_eq!(r.call(&["GET", "later"]), b"$1\r\n2\r\n");
    // Stopped and continued (SIGSTOP, SIGCONT: the link's read is
    // interrupted), the replica keeps its link: the writes meanwhile are
    // applied and acknowledged, and the primary made no second full sync.
    let pid = bin.pid() as libc::pid_t;
    // SAFETY: kill(2) on our own child's pid has no memory effects.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGSTOP) }, 0);
    run(&mut p, &["SET", "while-stopped", "3"]);
    std::thread::sleep(std::time::Duration::from_millis(300));
    // SAFETY: as above.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGCONT) }, 0);
    assert_eq!(p.call(&["WAIT", "1", "0"]), b":1\r\n");
    assert_eq!(r.call(&["GET", "while-stopped"]), b"$1\r\n3\r\n");
    assert_eq!(info(&mut p, "stats", "sync_full").as_deref(), Some("1"));
    let (status, _) = bin.stop(libc::SIGTERM);
    assert!(status.success());
    drop(redis);
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&redis_dir);
}

/// A replica under `requirepass` (its link authenticates to itself) that
/// needs `masterauth` for its primary.
#[test]
fn a_replica_with_passwords_on_both_sides_follows() {
    let (redis, redis_dir) = redis_primary("auth-primary", &[]);
    let mut p = Raw::connect(redis.addr());
    run(&mut p, &["CONFIG", "SET", "requirepass", "up-secret"]);
    run(&mut p, &["SET", "guarded", "1"]);
    let dir = scratch("auth-replica");
    let replica = kevy_in_with(
        &dir,
        &[("requirepass", "down-secret"), ("masterauth", "up-secret")],
    );
    let mut r = Raw::connect(replica.addr());
    run(&mut r, &["AUTH", "down-secret"]);
    let port = redis.addr().port().to_string();
    run(&mut r, &["REPLICAOF", "127.0.0.1", &port]);
    wait_link_up(&mut r);
    assert_eq!(r.call(&["GET", "guarded"]), b"$1\r\n1\r\n");
    // The idle timeout spares the link applying the stream (flag M) as it
    // spares the primary's replica connection (flag S): idle past it, the
    // same connections are there (not closed, nor resynced).
    let id_of = |c: &mut Raw, flag: &str| -> String {
        let list = String::from_utf8_lossy(&c.call(&["CLIENT", "LIST"])).into_owned();
        list.lines()
            .find(|l| l.contains(&format!(" flags={flag} ")))
            .and_then(|l| l.split_whitespace().next().map(str::to_string))
            .unwrap_or_else(|| panic!("no client with flags={flag} in {list}"))
    };
    let (link, copy) = (id_of(&mut r, "M"), id_of(&mut p, "S"));
    run(&mut r, &["CONFIG", "SET", "timeout", "1"]);
    run(&mut p, &["CONFIG", "SET", "timeout", "1"]);
    std::thread::sleep(std::time::Duration::from_millis(2500));
    // The clients themselves were idle too: new ones.
    let mut r = Raw::connect(replica.addr());
    run(&mut r, &["AUTH", "down-secret"]);
    let mut p = Raw::connect(redis.addr());
    run(&mut p, &["AUTH", "up-secret"]);
    assert_eq!((id_of(&mut r, "M"), id_of(&mut p, "S")), (link, copy));
    run(&mut r, &["CONFIG", "SET", "timeout", "0"]);
    run(&mut p, &["CONFIG", "SET", "timeout", "0"]);
    run(&mut p, &["SET", "later", "2"]);
    assert_eq!(p.call(&["WAIT", "1", "0"]), b":1\r\n");
    assert_eq!(r.call(&["GET", "later"]), b"$1\r\n2\r\n");
    run(&mut r, &["REPLICAOF", "NO", "ONE"]);
    replica.stop();
    drop(redis);
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&redis_dir);
}

/// XREADGROUP goes to the stream as Redis sends it: an XCLAIM per entry
/// delivered (in a transaction's MULTI … EXEC too, and from a script),
/// and a script's ZUNIONSTORE and ZMPOP as Redis propagates them (their
/// delivery times aside: `TIME` differs from server to server).
#[test]
fn stream_reads_and_a_scripts_movable_key_writes_stream_as_in_redis() {
    let dir = scratch("sync-xreadgroup");
    let redis = RedisServer::start_with(&["--dir", dir.to_str().expect("utf-8 path")]);
    let kv = kevy_debug();
    let r1 = [
        "XREADGROUP",
        "GROUP",
        "g",
        "c1",
        "COUNT",
        "1",
        "STREAMS",
        "ms",
        ">",
    ];
    let r2 = ["XREADGROUP", "GROUP", "g", "c2", "STREAMS", "ms", ">"];
    let script_read = "return redis.call('xreadgroup','group','g','c4','streams',KEYS[1],'>')";
    let cmds: &[&[&str]] = &[
        &["XADD", "ms", "1-1", "a", "b"],
        &["XADD", "ms", "2-1", "c", "d"],
        &["XADD", "ms", "3-1", "e", "f"],
        &["XGROUP", "CREATE", "ms", "g", "0"],
        &r1,
        &["MULTI"],
        &r1,
        &["SET", "k", "v"],
        &r2,
        &["EXEC"],
        &["XREADGROUP", "GROUP", "g", "c3", "STREAMS", "ms", ">"],
        &["XADD", "ms", "4-1", "g", "h"],
        &["EVAL", script_read, "1", "ms"],
        &["ZADD", "{t}a", "1", "x", "2", "y"],
        &[
            "EVAL",
            "return redis.call('zunionstore','{t}d',1,'{t}a')",
            "2",
            "{t}d",
            "{t}a",
        ],
        &[
            "EVAL",
            "return redis.call('zmpop',1,'{t}a','min')",
            "1",
            "{t}a",
        ],
        &["SET", "end", "1"],
    ];
    let count = 17;
    let untimed = |stream: Vec<Vec<String>>| -> Vec<Vec<String>> {
        stream
            .into_iter()
            .map(|mut c| {
                if let Some(at) = c.iter().position(|w| w.eq_ignore_ascii_case("time")) {
                    if let Some(t) = c.get_mut(at + 1) {
                        *t = "*".into();
                    }
                }
                c
            })
            .collect()
    };
    let theirs = untimed(streams(redis.addr(), cmds, count));
    let ours = untimed(streams(kv.addr(), cmds, count));
    assert_eq!(ours, theirs);
    assert_eq!(ours[5][0].to_ascii_uppercase(), "XCLAIM");
    assert_eq!(ours[count - 1], ["SET", "end", "1"]);
    kv.stop();
    drop(redis);
    let _ = std::fs::remove_dir_all(&dir);
}
