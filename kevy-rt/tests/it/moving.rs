//! A connection whose keyed commands keep going to one other shard moves
//! there (`Builder::move_after`, default 64 in a row): its session and its
//! place in the reply order go with it, the client sees nothing; a session
//! the command set pins, and keys spread over the shards, never move it.

use std::time::Duration;

use kevy_rt::testing::TestServer;
use kevy_rt::{Args, Commands, Flow, LocalCx, Resolved, Route, ShardInfo};

/// `N key` (keyed): how many keyed commands the connection sent before;
/// `WHERE` (local): the shard the connection lives on; `PIN` (local): the
/// command set refuses to move the connection from now on.
struct Movers;

#[derive(Default)]
struct Session {
    sent: u64,
    pinned: bool,
}

#[derive(Clone, Copy)]
enum Verb {
    N,
    Where,
    Pin,
}

impl Commands for Movers {
    type Shard = ();
    type Cmd = Verb;
    type Session = Session;
    type Ctx = u64;
    kevy_rt::single_shard!();

    fn new_shard(&self, _: ShardInfo) {}

    fn resolve(&self, args: Args<'_>) -> Resolved<Verb> {
        let (cmd, route) = match args.at(0) {
            b"N" => (Verb::N, Route::Key(1)),
            b"PIN" => (Verb::Pin, Route::Local),
            _ => (Verb::Where, Route::Local),
        };
        Resolved { cmd, route }
    }

    fn ctx(&self, s: &Session) -> u64 {
        s.sent
    }

    fn dispatched(&self, s: &mut Session) {
        s.sent += 1;
    }

    fn movable(&self, s: &Session) -> bool {
        !s.pinned
    }

    fn execute(&self, _: &mut (), sent: u64, _: Verb, _: Args<'_>, out: &mut Vec<u8>) {
        out.extend_from_slice(format!(":{sent}\r\n").as_bytes());
    }

    fn execute_local(
        &self,
        _: &mut (),
        s: &mut Session,
        cx: &LocalCx,
        cmd: Verb,
        _: Args<'_>,
        out: &mut Vec<u8>,
    ) -> Flow {
        match cmd {
            Verb::Pin => {
                s.pinned = true;
                out.extend_from_slice(b"+OK\r\n");
            }
            _ => out.extend_from_slice(format!(":{}\r\n", cx.client.shard).as_bytes()),
        }
        Flow::Continue
    }
}

/// A key of shard `s`.
fn key_of(server: &TestServer, s: usize) -> String {
    (0..)
        .map(|i| format!("k{i}"))
        .find(|k| server.router().shard_of(k.as_bytes()) == s)
        .unwrap_or_default()
}

fn int(reply: &[u8]) -> u64 {
    std::str::from_utf8(reply)
        .ok()
        .and_then(|r| r.trim_start_matches(':').trim_end().parse().ok())
        .unwrap_or(u64::MAX)
}

/// Asks `WHERE` until it answers `s` (the move completes between two
/// commands, not necessarily before the next one).
fn lives_on(c: &mut kevy_rt::testing::TestClient, s: u64) -> bool {
    (0..500).any(|_| {
        let here = int(&c.call(&["WHERE"])) == s;
        if !here {
            std::thread::sleep(Duration::from_millis(10));
        }
        here
    })
}

fn moved_in(server: &TestServer) -> Vec<u64> {
    server.stats().moved_in()
}

/// A server, a client, the shard the client lives on, the other shard and
/// a key of that other shard.
fn start() -> (
    TestServer,
    kevy_rt::testing::TestClient,
    usize,
    usize,
    String,
) {
    let server = TestServer::start(Movers, 2);
    let mut c = server.connect();
    let home = int(&c.call(&["WHERE"])) as usize;
    let other = 1 - home;
    let key = key_of(&server, other);
    (server, c, home, other, key)
}

#[test]
fn a_connection_moves_to_the_shard_of_its_keys_and_keeps_its_session() {
    let (server, mut c, home, other, key) = start();
    for i in 0..64u64 {
        assert_eq!(int(&c.call(&["N", &key])), i);
    }
    assert!(lives_on(&mut c, other as u64), "never moved");
    assert_eq!(moved_in(&server)[other], 1);
    // The session came along: the count goes on.
    assert_eq!(int(&c.call(&["N", &key])), 64);
    // And it serves keys of both shards from its new place.
    let back = key_of(&server, home);
    assert_eq!(int(&c.call(&["N", &back])), 65);
    assert_eq!(int(&c.call(&["N", &key])), 66);
    assert_eq!(server.stats().connected().iter().sum::<u64>(), 1);
}

#[test]
fn a_deep_pipeline_keeps_its_order_across_the_move() {
    let (_server, mut c, _, other, key) = start();
    let mut sent = 0u64;
    for round in 0..20 {
        // Pipelines of 1 to 200 commands: the move finds the connection
        // quiet between two of them, whatever the depth.
        let n = 1 + (round * 37) % 200;
        let cmds: Vec<[&str; 2]> = (0..n).map(|_| ["N", key.as_str()]).collect();
        let refs: Vec<&[&str]> = cmds.iter().map(|c| c.as_slice()).collect();
        let got: Vec<u64> = c.pipeline(&refs).iter().map(|r| int(r)).collect();
        let want: Vec<u64> = (sent..sent + n as u64).collect();
        assert_eq!(got, want, "round {round}");
        sent += n as u64;
    }
    assert!(lives_on(&mut c, other as u64), "never moved");
}

#[test]
fn pinned_sessions_and_spread_keys_stay_home() {
    let server = TestServer::start(Movers, 2);
    let mut pinned = server.connect();
    let mut spread = server.connect();
    assert_eq!(pinned.call(&["PIN"]), b"+OK\r\n");
    let home = int(&pinned.call(&["WHERE"]));
    let key = key_of(&server, 1 - home as usize);
    let spread_home = int(&spread.call(&["WHERE"])) as usize;
    let (away, at_home) = (
        key_of(&server, 1 - spread_home),
        key_of(&server, spread_home),
    );
    for i in 0..300u64 {
        assert_eq!(int(&pinned.call(&["N", &key])), i);
        // 63 in a row on the other shard, then one at home: never 64.
        let k = if i % 64 == 63 { &at_home } else { &away };
        assert_eq!(int(&spread.call(&["N", k])), i);
    }
    assert_eq!(int(&spread.call(&["WHERE"])) as usize, spread_home);
    assert_eq!(int(&pinned.call(&["WHERE"])), home);
    assert_eq!(moved_in(&server), vec![0, 0]);
}

#[test]
fn a_client_that_hangs_up_as_it_moves_is_closed_and_others_are_served() {
    let server = TestServer::start(Movers, 2);
    for round in 0..20 {
        let mut c = server.connect();
        let home = int(&c.call(&["WHERE"]));
        let key = key_of(&server, 1 - home as usize);
        // 64 commands written at once, then gone before the replies.
        let one = kevy_rt::testing::encode(&["N", key.as_str()]);
        let all: Vec<u8> = (0..64 + round).flat_map(|_| one.clone()).collect();
        c.send(&all);
        drop(c);
    }
    let mut c = server.connect();
    assert_eq!(int(&c.call(&["N", "x"])), 0);
    let gone = (0..500).any(|_| {
        let n: u64 = server.stats().connected().iter().sum();
        if n != 1 {
            std::thread::sleep(Duration::from_millis(10));
        }
        n == 1
    });
    assert!(gone, "hung-up clients still counted as connected");
}

#[test]
fn clients_moving_back_and_forth_keep_their_order() {
    let server = TestServer::start(Movers, 2);
    let keys = [key_of(&server, 0), key_of(&server, 1)];
    let threads: Vec<_> = (0..6)
        .map(|t| {
            let mut c = server.connect();
            let keys = keys.clone();
            std::thread::spawn(move || {
                let mut sent = 0u64;
                for phase in 0..12usize {
                    // 70-odd commands on one shard's key, then on the
                    // other's: each phase is a run long enough to move.
                    let key = &keys[(phase + t) % 2];
                    let mut left = 70 + (phase * 13 + t * 7) % 50;
                    while left > 0 {
                        let depth = 1 + (left * 31 + t) % 24;
                        let n = depth.min(left);
                        let cmds: Vec<[&str; 2]> = (0..n).map(|_| ["N", key.as_str()]).collect();
                        let refs: Vec<&[&str]> = cmds.iter().map(|c| c.as_slice()).collect();
                        let got: Vec<u64> = c.pipeline(&refs).iter().map(|r| int(r)).collect();
                        let want: Vec<u64> = (sent..sent + n as u64).collect();
                        assert_eq!(got, want, "client {t} phase {phase}");
                        sent += n as u64;
                        left -= n;
                    }
                }
                sent
            })
        })
        .collect();
    for t in threads {
        assert!(t.join().is_ok_and(|sent| sent > 0));
    }
    // They moved, more than once each on average.
    let moves: u64 = moved_in(&server).iter().sum();
    assert!(moves >= 6, "moves: {moves}");
}
