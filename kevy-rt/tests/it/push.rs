//! Pushed output on a real runtime (2 and 3 shards): a tiny chat command set
//! whose members live on every shard. `SAY` fans a line out through a part
//! on each shard, which pushes it to that shard's members; `TELL` pushes
//! from the sender's shard to one connection anywhere (across a ring); the
//! close hook drops a member's registration; the member class's output
//! limits close a member that stops reading, and the runtime sums the
//! members' output memory (`Settings::output_memory`). `AWAIT` parks on
//! no key until another connection's `RELEASE` ends it from any shard
//! (`Outbox::end_parked`).

use std::sync::Arc;
use std::time::Duration;

use kevy_rt::testing::{TestClient, TestServer};
use kevy_rt::{
    Args, Clients, Commands, ConnHandle, Flow, Gather, LocalCx, Outbox, OutputLimit, Park, Planned,
    Resolved, Route, Router, Settings, ShardInfo, Unpark,
};

/// `JOIN` (members get `SAY` lines; output class 1), `WHO` (this
/// connection's handle), `TELL shard:idx:gen line`, `SAY line` (answers how
/// many members got it), `MEMBERS` (over every shard), `LIMIT hard soft ms`
/// (class 1's output limit), `OMEM class` (the output memory summed for
/// `class`: 1 is), `AWAIT` (parks until released: `+RELEASED`),
/// `RELEASE shard:idx:gen` (ends that connection's parked `AWAIT`),
/// `BLOCKED` (parked calls, server-wide).
struct Chat;

struct Shard {
    nshards: usize,
    members: Vec<ConnHandle>,
    outbox: Outbox,
    settings: Arc<Settings>,
}

#[derive(Default)]
struct Session {
    member: bool,
}

#[derive(Clone, Copy)]
enum Verb {
    Join,
    Who,
    Tell,
    Say,
    Members,
    Limit,
    Omem,
    Await,
    Release,
    Blocked,
    Bad,
}

enum Part {
    Say(Vec<u8>),
    Count,
}

pub(crate) fn line(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'+');
    out.extend_from_slice(s);
    out.extend_from_slice(b"\r\n");
}

pub(crate) fn parse_handle(s: &[u8]) -> Option<ConnHandle> {
    let s = std::str::from_utf8(s).ok()?;
    let mut it = s.split(':').map(|x| x.parse::<u32>().ok());
    Some(ConnHandle {
        shard: it.next()??,
        idx: it.next()??,
        gen: it.next()??,
    })
}

impl Commands for Chat {
    type Shard = Shard;
    type Cmd = Verb;
    type Session = Session;
    type Ctx = ();
    type Part = Part;
    type PartReply = usize;
    type Plan = ();

    fn new_shard(&self, info: ShardInfo) -> Shard {
        info.settings.sum_output_of(1);
        Shard {
            nshards: info.nshards,
            members: Vec::new(),
            outbox: info.outbox,
            settings: info.settings,
        }
    }

    fn resolve(&self, args: Args<'_>) -> Resolved<Verb> {
        let (cmd, route) = match (args.at(0), args.len()) {
            (b"JOIN", 1) => (Verb::Join, Route::Local),
            (b"WHO", 1) => (Verb::Who, Route::Local),
            (b"TELL", 3) => (Verb::Tell, Route::Local),
            (b"SAY", 2) => (Verb::Say, Route::Plan),
            (b"MEMBERS", 1) => (Verb::Members, Route::Plan),
            (b"LIMIT", 4) => (Verb::Limit, Route::Local),
            (b"OMEM", 2) => (Verb::Omem, Route::Local),
            (b"AWAIT", 1) => (Verb::Await, Route::Plan),
            (b"RELEASE", 2) => (Verb::Release, Route::Local),
            (b"BLOCKED", 1) => (Verb::Blocked, Route::Local),
            _ => (Verb::Bad, Route::Local),
        };
        Resolved { cmd, route }
    }

    fn ctx(&self, _: &Session) {}

    fn execute(&self, _: &mut Shard, _: (), _: Verb, _: Args<'_>, out: &mut Vec<u8>) {
        out.extend_from_slice(b"-ERR no keyed commands\r\n");
    }

    fn execute_local(
        &self,
        shard: &mut Shard,
        session: &mut Session,
        cx: &LocalCx,
        cmd: Verb,
        args: Args<'_>,
        out: &mut Vec<u8>,
    ) -> Flow {
        match cmd {
            Verb::Join => {
                if !session.member {
                    session.member = true;
                    shard.members.push(cx.conn);
                }
                line(out, b"OK");
            }
            Verb::Who => {
                let h = cx.conn;
                line(out, format!("{}:{}:{}", h.shard, h.idx, h.gen).as_bytes());
            }
            Verb::Tell => match parse_handle(args.at(1)) {
                Some(to) => {
                    shard.outbox.push_with(to, |o| line(o, args.at(2)));
                    line(out, b"OK");
                }
                None => out.extend_from_slice(b"-ERR bad handle\r\n"),
            },
            Verb::Omem => {
                let class = usize::from(args.at(1) == b"1");
                let n = shard.settings.output_memory(class);
                out.extend_from_slice(format!(":{n}\r\n").as_bytes());
            }
            Verb::Blocked => {
                let n = shard.settings.blocked_clients();
                out.extend_from_slice(format!(":{n}\r\n").as_bytes());
            }
            Verb::Release => match parse_handle(args.at(1)) {
                Some(to) => {
                    shard.outbox.end_parked(to);
                    line(out, b"OK");
                }
                None => out.extend_from_slice(b"-ERR bad handle\r\n"),
            },
            Verb::Limit => {
                let n = |i| {
                    std::str::from_utf8(args.at(i))
                        .ok()
                        .and_then(|s| s.parse::<u64>().ok())
                        .unwrap_or(0)
                };
                shard.settings.set_output_limit(
                    1,
                    OutputLimit {
                        hard: n(1),
                        soft: n(2),
                        soft_for: Duration::from_millis(n(3)),
                    },
                );
                line(out, b"OK");
            }
            _ => out.extend_from_slice(b"-ERR unknown command\r\n"),
        }
        Flow::Continue
    }

    fn blocking(&self, _: &Session, cmd: Verb, _: Args<'_>, _: &mut Vec<u32>) -> Option<Park> {
        matches!(cmd, Verb::Await).then_some(Park { timeout: None })
    }

    fn unparked(
        &self,
        _: &mut Shard,
        _: &Session,
        _: Verb,
        _: Args<'_>,
        why: Unpark,
        out: &mut Vec<u8>,
    ) {
        match why {
            Unpark::Timeout => line(out, b"RELEASED"),
            Unpark::Error => out.extend_from_slice(b"-ERR unblocked\r\n"),
        }
    }

    fn output_class(&self, session: &Session) -> usize {
        usize::from(session.member)
    }

    fn closed(&self, shard: &mut Shard, session: &mut Session, conn: ConnHandle) {
        if session.member {
            shard.members.retain(|&m| m != conn);
        }
    }

    fn plan(
        &self,
        shard: &mut Shard,
        _: (),
        cmd: Verb,
        args: Args<'_>,
        _: &Router,
        parts: &mut Vec<(usize, Part)>,
    ) -> Planned<()> {
        for s in 0..shard.nshards {
            let part = match cmd {
                Verb::Say => Part::Say(args.at(1).to_vec()),
                _ => Part::Count,
            };
            parts.push((s, part));
        }
        Planned {
            plan: (),
            hold: false,
        }
    }

    fn execute_part(
        &self,
        shard: &mut Shard,
        _: (),
        part: Part,
        _: &mut Clients<'_, Self>,
    ) -> usize {
        match part {
            Part::Say(text) => {
                for &m in &shard.members {
                    shard.outbox.push_with(m, |o| line(o, &text));
                }
                shard.members.len()
            }
            Part::Count => shard.members.len(),
        }
    }

    fn gather(
        &self,
        _: &mut Shard,
        _: &mut (),
        replies: Vec<usize>,
        _: &Router,
        _: &mut Vec<(usize, Part)>,
        out: &mut Vec<u8>,
    ) -> Gather {
        out.extend_from_slice(format!(":{}\r\n", replies.iter().sum::<usize>()).as_bytes());
        Gather::Done
    }
}

pub(crate) fn who(c: &mut TestClient) -> String {
    let r = c.call(&["WHO"]);
    String::from_utf8_lossy(&r[1..r.len() - 2]).into_owned()
}

/// Connections until one lands on every shard.
fn one_per_shard(server: &TestServer, n: usize) -> Vec<(TestClient, String)> {
    let mut found: Vec<Option<(TestClient, String)>> = (0..n).map(|_| None).collect();
    while found.iter().any(Option::is_none) {
        let mut c = server.connect();
        let h = who(&mut c);
        let shard: usize = h.split(':').next().unwrap().parse().unwrap();
        if found[shard].is_none() {
            found[shard] = Some((c, h));
        }
    }
    found.into_iter().map(Option::unwrap).collect()
}

#[test]
fn a_push_crosses_shards_and_a_stale_handle_reaches_nobody() {
    let server = TestServer::start(Chat, 2);
    let mut conns = one_per_shard(&server, 2);
    let (mut b, hb) = conns.pop().unwrap();
    let (mut a, ha) = conns.pop().unwrap();
    // Shard 0 → shard 1 and back, and to itself.
    assert_eq!(a.call(&["TELL", &hb, "hello b"]), b"+OK\r\n");
    assert_eq!(b.reply().unwrap(), b"+hello b\r\n");
    assert_eq!(b.call(&["TELL", &ha, "hello a"]), b"+OK\r\n");
    assert_eq!(a.reply().unwrap(), b"+hello a\r\n");
    // A push comes after the replies owed when it was sent, before those of
    // later commands.
    let got = a.pipeline(&[&["WHO"][..], &["TELL", &ha, "me"][..], &["WHO"][..]]);
    assert_eq!(got[1], b"+OK\r\n");
    assert_eq!(got[2], b"+me\r\n");
    assert_eq!(a.reply().unwrap(), got[0]);
    // b closes; its slot is reused by a new connection, which must not get
    // what is sent to the old handle.
    drop(b);
    loop {
        let mut c = server.connect();
        let h = who(&mut c);
        let (shard, idx) = (h.split(':').next().unwrap(), h.split(':').nth(1).unwrap());
        let old: Vec<&str> = hb.split(':').collect();
        if shard == old[0] && idx == old[1] {
            assert_ne!(h, hb, "a reused slot has a new generation");
            assert_eq!(a.call(&["TELL", &hb, "stale"]), b"+OK\r\n");
            assert_eq!(a.call(&["TELL", &h, "fresh"]), b"+OK\r\n");
            assert_eq!(c.reply().unwrap(), b"+fresh\r\n");
            break;
        }
    }
    drop(server);
}

#[test]
fn every_member_on_every_shard_gets_every_line_in_order_and_closing_unregisters() {
    let server = TestServer::start(Chat, 3);
    let mut members: Vec<TestClient> = (0..12).map(|_| server.connect()).collect();
    for m in members.iter_mut() {
        assert_eq!(m.call(&["JOIN"]), b"+OK\r\n");
    }
    let mut senders: Vec<TestClient> = (0..3).map(|_| server.connect()).collect();
    for (k, s) in senders.iter_mut().enumerate() {
        let lines: Vec<String> = (0..200).map(|n| format!("{k}-{n}")).collect();
        let cmds: Vec<Vec<&str>> = lines.iter().map(|l| vec!["SAY", l.as_str()]).collect();
        let cmds: Vec<&[&str]> = cmds.iter().map(Vec::as_slice).collect();
        for r in s.pipeline(&cmds) {
            assert_eq!(r, b":12\r\n");
        }
    }
    for m in members.iter_mut() {
        let mut next = [0usize; 3];
        for _ in 0..600 {
            let r = m.reply().unwrap();
            let text = String::from_utf8_lossy(&r[1..r.len() - 2]).into_owned();
            let (k, n) = text.split_once('-').unwrap();
            let k: usize = k.parse().unwrap();
            assert_eq!(n.parse::<usize>().unwrap(), next[k], "order per sender");
            next[k] += 1;
        }
    }
    for m in members.drain(6..) {
        drop(m);
    }
    // The close hook runs on each member's shard; wait until all six are gone.
    while senders[0].call(&["MEMBERS"]) != b":6\r\n" {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(senders[1].call(&["SAY", "last"]), b":6\r\n");
    for m in members.iter_mut() {
        assert_eq!(m.reply().unwrap(), b"+last\r\n");
    }
    drop(server);
}

#[test]
fn a_member_that_stops_reading_is_closed_at_its_class_limit() {
    let server = TestServer::start(Chat, 2);
    let mut admin = server.connect();
    assert_eq!(admin.call(&["LIMIT", "1048576", "0", "0"]), b"+OK\r\n");
    let mut slow = server.connect();
    assert_eq!(slow.call(&["JOIN"]), b"+OK\r\n");
    // A plain connection (class 0, unlimited) that also reads nothing.
    let mut plain = server.connect();
    assert_eq!(plain.call(&["WHO"]).first(), Some(&b'+'));
    let text = "x".repeat(16 * 1024);
    let mut sender = server.connect();
    let mut delivered = 1;
    let mut sent = 0;
    // Until the member is gone (its socket buffers hold a few MB at most).
    while delivered > 0 {
        assert!(sent < 100_000, "the slow member was never closed");
        let r = sender.call(&["SAY", &text]);
        delivered = if r == b":1\r\n" { 1 } else { 0 };
        assert!(r == b":1\r\n" || r == b":0\r\n", "{r:?}");
        sent += 1;
    }
    assert!(sent > 64, "closed before its limit: {sent}");
    assert_eq!(plain.call(&["WHO"]).first(), Some(&b'+'));
    drop(server);
}

/// The output memory of class 1 (members) is summed over the shards: a
/// member that stops reading holds what is pushed to it, counted until it
/// goes; class 0's is not summed, however much a connection of it holds.
#[test]
fn the_output_memory_of_a_summed_class_follows_its_connections() {
    let server = TestServer::start(Chat, 2);
    let mut conns = one_per_shard(&server, 2);
    let (plain, hp) = conns.pop().unwrap();
    let (mut slow, _) = conns.pop().unwrap();
    assert_eq!(slow.call(&["JOIN"]), b"+OK\r\n");
    let mut sender = server.connect();
    let omem = |c: &mut TestClient, class: &str| {
        let r = c.call(&["OMEM", class]);
        String::from_utf8_lossy(&r[1..r.len() - 2])
            .parse::<u64>()
            .unwrap()
    };
    // Before any message: at most the few bytes its `+OK` left allocated
    // (a written buffer keeps its capacity; on epoll it is written from
    // the same buffer).
    assert!(omem(&mut sender, "1") < 1024);
    let text = "x".repeat(16 * 1024);
    let mut sent = 0;
    // Past what the socket buffers take (a few MB), the output stays here.
    while omem(&mut sender, "1") < 4 << 20 {
        assert!(sent < 100_000, "the member's output never summed");
        assert_eq!(sender.call(&["SAY", &text]), b":1\r\n");
        assert_eq!(sender.call(&["TELL", &hp, &text]), b"+OK\r\n");
        sent += 1;
    }
    assert_eq!(omem(&mut sender, "0"), 0, "class 0 is not summed");
    drop(slow);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while omem(&mut sender, "1") != 0 {
        assert!(std::time::Instant::now() < deadline, "never uncounted");
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(plain);
    drop(server);
}

/// A connection parked on no key is ended by `Outbox::end_parked` from its
/// own shard or another: it answers as at its deadline, then serves its
/// next command; a handle that is not parked (or stale) changes nothing.
#[test]
fn a_parked_call_is_ended_from_any_shard() {
    let server = TestServer::start(Chat, 2);
    let mut conns = one_per_shard(&server, 2);
    let (b, hb) = conns.pop().unwrap();
    let (a, ha) = conns.pop().unwrap();
    // Another connection on shard 0: a release from the waiter's own shard.
    let near = loop {
        let mut c = server.connect();
        if who(&mut c).starts_with("0:") {
            break c;
        }
    };
    let mut all = [(a, ha), (b, hb), (near, String::new())];
    for round in 0..2 {
        let [(a, ha), (b, _), (near, _)] = &mut all;
        // Shard 1 releases shard 0's call, then shard 0 its own.
        let (waiter, h, releaser) = if round == 0 {
            (a, &*ha, b)
        } else {
            (a, &*ha, near)
        };
        waiter.send(&kevy_rt::testing::encode(&["AWAIT"]));
        waiter.send(&kevy_rt::testing::encode(&["WHO"]));
        while releaser.call(&["BLOCKED"]) != b":1\r\n" {
            std::thread::sleep(Duration::from_millis(2));
        }
        // Parked: its next command waits behind it. Released; released
        // again, by itself (nothing left to end).
        assert_eq!(releaser.call(&["RELEASE", h]), b"+OK\r\n");
        assert_eq!(waiter.reply().unwrap(), b"+RELEASED\r\n");
        assert_eq!(waiter.reply().unwrap(), format!("+{h}\r\n").into_bytes());
        assert_eq!(waiter.call(&["RELEASE", h]), b"+OK\r\n");
        assert_eq!(waiter.call(&["WHO"]), format!("+{h}\r\n").into_bytes());
    }
    drop(server);
}
