//! Execution order per connection around isolated operations: a keyed
//! command deferred behind a lock runs before the isolated operation its
//! connection sent next, even when that operation's lock request reaches
//! the shard while the command still waits (`SET k 1`, then
//! `MSET k 2 x 1`, then `GET k` answers 2, as in Redis).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use kevy_rt::testing::{encode, TestServer};
use kevy_rt::{
    Args, Clients, Commands, Flow, Gather, LocalCx, LockSet, Planned, Resolved, Route, Router,
    ShardInfo,
};

#[derive(Clone, Copy, Debug)]
enum Verb {
    /// `SET key value` (one key, on its shard).
    Set,
    /// `GET key`: `+value`, or `+` when missing.
    Get,
    /// `MSET key value …`: isolated, one-round, one part per shard.
    Mset,
    /// `HOLD key …`: isolated; holds its locks, a round of empty parts
    /// after another, until the test lets it go.
    Hold,
    Bad,
}

enum Plan {
    Mset,
    Hold(Vec<usize>),
    None,
}

enum Part {
    Set(Vec<(Vec<u8>, Vec<u8>)>),
    Nop,
}

/// The command set; `held` is set once a `HOLD` holds its locks, which
/// it keeps until `release` is set.
struct Order {
    held: Arc<AtomicBool>,
    release: Arc<AtomicBool>,
}

impl Commands for Order {
    type Shard = HashMap<Vec<u8>, Vec<u8>>;
    type Cmd = Verb;
    type Session = ();
    type Ctx = ();
    type Part = Part;
    type PartReply = ();
    type Plan = Plan;

    fn new_shard(&self, _: ShardInfo) -> Self::Shard {
        HashMap::new()
    }

    fn resolve(&self, args: Args<'_>) -> Resolved<Verb> {
        let (cmd, route) = match (&args.at(0).to_ascii_uppercase()[..], args.len()) {
            (b"SET", 3) => (Verb::Set, Route::Key(1)),
            (b"GET", 2) => (Verb::Get, Route::Key(1)),
            (b"MSET", n) if n > 1 && n % 2 == 1 => (Verb::Mset, Route::Plan),
            (b"HOLD", n) if n > 1 => (Verb::Hold, Route::Plan),
            _ => (Verb::Bad, Route::Local),
        };
        Resolved { cmd, route }
    }

    fn ctx(&self, _: &()) {}

    fn execute(&self, map: &mut Self::Shard, _: (), cmd: Verb, args: Args<'_>, out: &mut Vec<u8>) {
        match cmd {
            Verb::Set => {
                map.insert(args.at(1).to_vec(), args.at(2).to_vec());
                out.extend_from_slice(b"+OK\r\n");
            }
            Verb::Get => {
                out.push(b'+');
                out.extend_from_slice(map.get(args.at(1)).map_or(&b""[..], |v| v));
                out.extend_from_slice(b"\r\n");
            }
            _ => out.extend_from_slice(b"-ERR unexpected\r\n"),
        }
    }

    fn execute_local(
        &self,
        _: &mut Self::Shard,
        _: &mut (),
        _: &LocalCx,
        _: Verb,
        _: Args<'_>,
        out: &mut Vec<u8>,
    ) -> Flow {
        out.extend_from_slice(b"-ERR unknown\r\n");
        Flow::Continue
    }

    fn isolate(&self, _: &mut (), _: (), cmd: Verb, args: Args<'_>, locks: &mut LockSet) -> bool {
        match cmd {
            Verb::Mset => {
                (1..args.len())
                    .step_by(2)
                    .for_each(|i| locks.write(args.at(i)));
                locks.one_round();
            }
            Verb::Hold => args.skip(1).iter().for_each(|k| locks.write(k)),
            _ => return false,
        }
        true
    }

    fn plan(
        &self,
        _: &mut Self::Shard,
        _: (),
        cmd: Verb,
        args: Args<'_>,
        router: &Router,
        parts: &mut Vec<(usize, Part)>,
    ) -> Planned<Plan> {
        let plan = match cmd {
            Verb::Mset => {
                for s in 0..router.nshards() {
                    let pairs: Vec<(Vec<u8>, Vec<u8>)> = (1..args.len())
                        .step_by(2)
                        .filter(|&i| router.shard_of(args.at(i)) == s)
                        .map(|i| (args.at(i).to_vec(), args.at(i + 1).to_vec()))
                        .collect();
                    if !pairs.is_empty() {
                        parts.push((s, Part::Set(pairs)));
                    }
                }
                Plan::Mset
            }
            Verb::Hold => {
                let mut shards: Vec<usize> =
                    args.skip(1).iter().map(|k| router.shard_of(k)).collect();
                shards.sort_unstable();
                shards.dedup();
                parts.extend(shards.iter().map(|&s| (s, Part::Nop)));
                Plan::Hold(shards)
            }
            _ => Plan::None,
        };
        Planned { plan, hold: false }
    }

    fn execute_part(&self, map: &mut Self::Shard, _: (), part: Part, _: &mut Clients<'_, Self>) {
        if let Part::Set(pairs) = part {
            map.extend(pairs);
        }
    }

    fn gather(
        &self,
        _: &mut Self::Shard,
        plan: &mut Plan,
        _: Vec<()>,
        _: &Router,
        next: &mut Vec<(usize, Part)>,
        out: &mut Vec<u8>,
    ) -> Gather {
        if let Plan::Hold(shards) = plan {
            self.held.store(true, Ordering::SeqCst);
            if !self.release.load(Ordering::SeqCst) {
                // Another round under the same locks.
                next.extend(shards.iter().map(|&s| (s, Part::Nop)));
                return Gather::Again;
            }
        }
        out.extend_from_slice(b"+OK\r\n");
        Gather::Done
    }
}

/// A key the router places on shard `s` (`prefix0`, `prefix1`…).
fn key_on(server: &TestServer, prefix: &str, s: usize) -> String {
    (0..)
        .map(|i| format!("{prefix}{i}"))
        .find(|k| server.router().shard_of(k.as_bytes()) == s)
        .unwrap_or_default()
}

/// While `HOLD k x` holds k, a connection pipelines `SET k 1`,
/// `MSET k 2 x 1`, `GET k`: the SET waits behind the lock and the MSET's
/// request for k queues behind it; once the hold ends the SET runs first,
/// so GET answers 2. Both placements of k (lower and higher shard of the
/// MSET) and connections on both shards.
#[test]
fn a_deferred_command_runs_before_its_connections_next_isolated_operation() {
    let held = Arc::new(AtomicBool::new(false));
    let release = Arc::new(AtomicBool::new(false));
    let cmds = Order {
        held: held.clone(),
        release: release.clone(),
    };
    let server = TestServer::start(cmds, 2);
    for round in 0..8 {
        let (ks, xs) = if round % 2 == 0 { (0, 1) } else { (1, 0) };
        let k = key_on(&server, &format!("k{round}-"), ks);
        let x = key_on(&server, &format!("x{round}-"), xs);
        // Connections land on the shards in turn: several, so that both
        // the holder and the client are on either shard over the rounds.
        let mut holder = server.connect();
        let mut client = server.connect();
        held.store(false, Ordering::SeqCst);
        release.store(false, Ordering::SeqCst);
        holder.send(&encode(&["HOLD", k.as_str(), x.as_str()]));
        while !held.load(Ordering::SeqCst) {
            thread::sleep(Duration::from_millis(1));
        }
        let mut bytes = encode(&["SET", k.as_str(), "1"]);
        bytes.extend(encode(&["MSET", k.as_str(), "2", x.as_str(), "1"]));
        bytes.extend(encode(&["GET", k.as_str()]));
        client.send(&bytes);
        // Give the pipeline time to reach the shards and wait there (were
        // it slower, the test would pass without exercising the order).
        thread::sleep(Duration::from_millis(100));
        release.store(true, Ordering::SeqCst);
        assert_eq!(holder.reply().unwrap_or_default(), b"+OK\r\n");
        let replies = client.replies(3);
        assert_eq!(
            replies,
            [&b"+OK\r\n"[..], b"+OK\r\n", b"+2\r\n"],
            "round {round}: k on shard {ks}"
        );
        assert_eq!(client.call(&["GET", x.as_str()]), b"+1\r\n");
    }
    drop(server);
}
