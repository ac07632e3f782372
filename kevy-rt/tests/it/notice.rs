//! `Flow::Barrier` on a real runtime (2 shards): a local command that
//! changes something on every shard by notice answers only once every
//! shard has handled the notice and delivered what it posted. `SETALL v
//! handle` sends each shard a notice, whose handler pushes `applied <shard>
//! <v>` to the watching connection `handle`; a client that reads `SETALL`'s
//! reply and then asks the watcher anything finds every shard's line ahead
//! of the answer, even when a shard was busy when the notice was sent.

use kevy_rt::testing::{encode, TestClient, TestServer};
use kevy_rt::{Args, Commands, Flow, LocalCx, Outbox, Resolved, Route, ShardInfo};

use crate::push::{line, parse_handle, who};

/// `WHO` (this connection's handle), `PING`, `BUSY key ms` (sleeps on
/// `key`'s shard), `SETALL v handle` (a notice to every shard, answered
/// behind a barrier).
struct Broadcast;

struct Shard {
    id: usize,
    nshards: usize,
    outbox: Outbox,
}

#[derive(Clone, Copy)]
enum Verb {
    Who,
    Ping,
    Busy,
    SetAll,
    Bad,
}

impl Commands for Broadcast {
    type Shard = Shard;
    type Cmd = Verb;
    type Session = ();
    type Ctx = ();
    kevy_rt::single_shard!();

    fn new_shard(&self, info: ShardInfo) -> Shard {
        Shard {
            id: info.id,
            nshards: info.nshards,
            outbox: info.outbox,
        }
    }

    fn resolve(&self, args: Args<'_>) -> Resolved<Verb> {
        let (cmd, route) = match (args.at(0), args.len()) {
            (b"WHO", 1) => (Verb::Who, Route::Local),
            (b"PING", 1) => (Verb::Ping, Route::Local),
            (b"BUSY", 3) => (Verb::Busy, Route::Key(1)),
            (b"SETALL", 3) => (Verb::SetAll, Route::Local),
            _ => (Verb::Bad, Route::Local),
        };
        Resolved { cmd, route }
    }

    fn ctx(&self, _: &()) {}

    fn execute(&self, _: &mut Shard, _: (), cmd: Verb, args: Args<'_>, out: &mut Vec<u8>) {
        if let Verb::Busy = cmd {
            let ms = std::str::from_utf8(args.at(2))
                .ok()
                .and_then(|s| s.parse().ok());
            std::thread::sleep(std::time::Duration::from_millis(ms.unwrap_or(0)));
        }
        line(out, b"DONE");
    }

    fn execute_local(
        &self,
        shard: &mut Shard,
        _: &mut (),
        cx: &LocalCx,
        cmd: Verb,
        args: Args<'_>,
        out: &mut Vec<u8>,
    ) -> Flow {
        match cmd {
            Verb::Who => {
                let h = cx.conn;
                line(out, format!("{}:{}:{}", h.shard, h.idx, h.gen).as_bytes());
            }
            Verb::Ping => line(out, b"PONG"),
            Verb::SetAll => {
                let mut notice = args.at(1).to_vec();
                notice.push(b' ');
                notice.extend_from_slice(args.at(2));
                for s in 0..shard.nshards {
                    shard.outbox.notice(s as u32, &notice);
                }
                line(out, b"OK");
                return Flow::Barrier;
            }
            _ => out.extend_from_slice(b"-ERR unknown command\r\n"),
        }
        Flow::Continue
    }

    fn notice(&self, shard: &mut Shard, bytes: &[u8]) {
        let text = String::from_utf8_lossy(bytes);
        let Some((v, handle)) = text.split_once(' ') else {
            return;
        };
        if let Some(to) = parse_handle(handle.as_bytes()) {
            let applied = format!("applied {} {v}", shard.id);
            shard.outbox.push_with(to, |o| line(o, applied.as_bytes()));
        }
    }
}

/// A connection on shard `shard`, and its handle.
fn on_shard(server: &TestServer, shard: usize) -> (TestClient, String) {
    loop {
        let mut c = server.connect();
        let h = who(&mut c);
        if h.split(':').next() == Some(&shard.to_string()) {
            return (c, h);
        }
    }
}

/// A key the server routes to `shard`.
fn key_on(server: &TestServer, shard: usize) -> String {
    let router = server.router();
    (0..)
        .map(|i| format!("k{i}"))
        .find(|k| router.shard_of(k.as_bytes()) == shard)
        .unwrap()
}

#[test]
fn a_barrier_reply_comes_after_every_shard_handled_the_notice() {
    let server = TestServer::start(Broadcast, 2);
    let (mut setter, _) = on_shard(&server, 0);
    let (mut watcher, w) = on_shard(&server, 0);
    let (mut busy, _) = on_shard(&server, 0);
    let key = key_on(&server, 1);
    for round in 0..3 {
        // Shard 1 is busy when the notice is sent: its line comes late.
        busy.send(&encode(&["BUSY", &key, "150"]));
        std::thread::sleep(std::time::Duration::from_millis(30));
        let v = format!("v{round}");
        assert_eq!(setter.call(&["SETALL", &v, &w]), b"+OK\r\n");
        // Asked after the reply, the watcher has both lines ahead of PONG.
        watcher.send(&encode(&["PING"]));
        let mut got: Vec<Vec<u8>> = (0..3).map(|_| watcher.reply().unwrap()).collect();
        assert_eq!(got.pop().unwrap(), b"+PONG\r\n", "round {round}");
        got.sort();
        let want: Vec<Vec<u8>> = (0..2)
            .map(|s| format!("+applied {s} {v}\r\n").into_bytes())
            .collect();
        assert_eq!(got, want, "round {round}");
        assert_eq!(busy.reply().unwrap(), b"+DONE\r\n");
    }
    // Commands pipelined behind a barrier answer after it, in order.
    let got = setter.pipeline(&[&["SETALL", "p", &w][..], &["PING"][..], &["WHO"][..]]);
    assert_eq!(&got[..2], &[b"+OK\r\n".to_vec(), b"+PONG\r\n".to_vec()]);
    for _ in 0..2 {
        assert!(watcher.reply().unwrap().starts_with(b"+applied"));
    }
    drop(server);
}
