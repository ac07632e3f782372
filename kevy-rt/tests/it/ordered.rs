//! Execution order per connection around isolated operations: a keyed
//! command deferred behind a lock runs before the isolated operation its
//! connection sent next, even when that operation's lock request reaches
//! the shard while the command still waits (`SET k 1`, then
//! `MSET k 2 x 1`, then `GET k` answers 2, as in Redis); and a connection's
//! commands deferred behind locks run in the order sent, its later ones
//! (locked or not) staying behind its first waiting one, across retries.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
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
    /// after another, until the test lets its first key go.
    Hold,
    Bad,
}

enum Plan {
    Mset,
    /// Its shards and its first key (what the test releases).
    Hold(Vec<usize>, Vec<u8>),
    None,
}

enum Part {
    Set(Vec<(Vec<u8>, Vec<u8>)>),
    Nop,
}

/// The command set; a `HOLD`'s first key enters `held` once it holds its
/// locks, which it keeps until that key is in `release`.
struct Order {
    held: Keys,
    release: Keys,
}

/// A set of keys shared with the test.
type Keys = Arc<Mutex<HashSet<Vec<u8>>>>;

fn has(keys: &Keys, key: &[u8]) -> bool {
    keys.lock().is_ok_and(|k| k.contains(key))
}

fn put(keys: &Keys, key: &str) {
    if let Ok(mut k) = keys.lock() {
        k.insert(key.as_bytes().to_vec());
    }
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
                Plan::Hold(shards, args.at(1).to_vec())
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
        if let Plan::Hold(shards, key) = plan {
            if let Ok(mut held) = self.held.lock() {
                held.insert(key.clone());
            }
            if !has(&self.release, key) {
                // Another round under the same locks.
                next.extend(shards.iter().map(|&s| (s, Part::Nop)));
                return Gather::Again;
            }
        }
        out.extend_from_slice(b"+OK\r\n");
        Gather::Done
    }
}

/// A two-shard server of `Order`, with its `held` and `release` sets.
fn start() -> (TestServer, Keys, Keys) {
    let held = Keys::default();
    let release = Keys::default();
    let cmds = Order {
        held: held.clone(),
        release: release.clone(),
    };
    (TestServer::start(cmds, 2), held, release)
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
    let (server, held, release) = start();
    for round in 0..8 {
        let (ks, xs) = if round % 2 == 0 { (0, 1) } else { (1, 0) };
        let k = key_on(&server, &format!("k{round}-"), ks);
        let x = key_on(&server, &format!("x{round}-"), xs);
        // Connections land on the shards in turn: several, so that both
        // the holder and the client are on either shard over the rounds.
        let mut holder = server.connect();
        let mut client = server.connect();
        holder.send(&encode(&["HOLD", k.as_str(), x.as_str()]));
        while !has(&held, k.as_bytes()) {
            thread::sleep(Duration::from_millis(1));
        }
        let mut bytes = encode(&["SET", k.as_str(), "1"]);
        bytes.extend(encode(&["MSET", k.as_str(), "2", x.as_str(), "1"]));
        bytes.extend(encode(&["GET", k.as_str()]));
        client.send(&bytes);
        // Give the pipeline time to reach the shards and wait there (were
        // it slower, the test would pass without exercising the order).
        thread::sleep(Duration::from_millis(100));
        put(&release, &k);
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

/// A connection's deferred commands leave the wait in the order it sent
/// them, across several retries, and what it sends while they wait stays
/// behind them. `HOLD a xa` and `HOLD b xb` hold two keys of one shard
/// (and one each on the other shard: a hold's rounds then wait for a peer,
/// never looping on one shard); a client
/// pipelines `SET a 1`, `SET b 1`, `SET z 1` (z is not locked: it waits
/// only behind its connection's earlier commands). Letting `a` go retries
/// the waiting commands: `SET a` runs (another client reads a = 1), `SET
/// b` still waits, so `SET z` must too (z reads empty). The client then
/// sends `GET z`, which waits as well; letting `b` go runs the rest in
/// order, so `GET z` answers 1. Connections on both shards over the rounds.
#[test]
fn deferred_commands_leave_in_order_across_retries() {
    let (server, held, release) = start();
    for round in 0..4 {
        let s = round % 2;
        let a = key_on(&server, &format!("a{round}-"), s);
        let b = key_on(&server, &format!("b{round}-"), s);
        let z = key_on(&server, &format!("z{round}-"), s);
        let xa = key_on(&server, &format!("xa{round}-"), 1 - s);
        let xb = key_on(&server, &format!("xb{round}-"), 1 - s);
        let mut hold_a = server.connect();
        let mut hold_b = server.connect();
        let mut client = server.connect();
        let mut other = server.connect();
        hold_a.send(&encode(&["HOLD", a.as_str(), xa.as_str()]));
        hold_b.send(&encode(&["HOLD", b.as_str(), xb.as_str()]));
        while !has(&held, a.as_bytes()) || !has(&held, b.as_bytes()) {
            thread::sleep(Duration::from_millis(1));
        }
        let mut bytes = encode(&["SET", a.as_str(), "1"]);
        bytes.extend(encode(&["SET", b.as_str(), "1"]));
        bytes.extend(encode(&["SET", z.as_str(), "1"]));
        client.send(&bytes);
        // Give the pipeline time to reach the shard and wait there (were
        // it slower, its commands would still wait: the assertions hold,
        // only the first retry would see fewer of them).
        thread::sleep(Duration::from_millis(100));
        put(&release, &a);
        assert_eq!(hold_a.reply().unwrap_or_default(), b"+OK\r\n");
        // The retry ran `SET a` (its reply stays unwritten while the
        // connection still owes the next ones: written together).
        while other.call(&["GET", a.as_str()]) != b"+1\r\n" {
            thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(other.call(&["GET", z.as_str()]), b"+\r\n", "round {round}");
        client.send(&encode(&["GET", z.as_str()]));
        put(&release, &b);
        assert_eq!(hold_b.reply().unwrap_or_default(), b"+OK\r\n");
        let replies = client.replies(4);
        assert_eq!(
            replies,
            [&b"+OK\r\n"[..], b"+OK\r\n", b"+OK\r\n", b"+1\r\n"],
            "round {round}: keys on shard {s}"
        );
        assert_eq!(other.call(&["GET", b.as_str()]), b"+1\r\n");
    }
    drop(server);
}

/// A lock request is not held back by commands deferred *after* it
/// arrived. `HOLD k xk` and `HOLD z xz` hold two keys of one shard; a
/// client's `MSET k 2 x 1` queues behind the first hold; then another
/// client pipelines `SET z 1` (deferred behind the second hold) and `SET k
/// 1` (deferred behind its connection's `SET z`: it declares k after the
/// MSET's request arrived). Letting k go must grant the MSET, though `SET
/// k 1` still waits; the second hold lets z go only once the MSET replied,
/// as a holder that waits for another operation would (a connection's
/// chained operations): a table that held the MSET back behind `SET k 1`
/// deadlocks here (the SET waits for `SET z`, which waits for the hold,
/// which waits for the MSET), and the MSET's reply never comes. Then k =
/// 2, and once z goes the SETs run in order: k = 1. Both placements of k
/// (lower and higher shard of the MSET), connections on both shards.
#[test]
fn a_request_is_not_held_back_by_commands_deferred_after_it() {
    let (server, held, release) = start();
    for round in 0..4 {
        let (s, o) = if round % 2 == 0 { (0, 1) } else { (1, 0) };
        let k = key_on(&server, &format!("k{round}-"), s);
        let z = key_on(&server, &format!("z{round}-"), s);
        let xk = key_on(&server, &format!("xk{round}-"), o);
        let xz = key_on(&server, &format!("xz{round}-"), o);
        let x = key_on(&server, &format!("x{round}-"), o);
        let mut hold_k = server.connect();
        let mut hold_z = server.connect();
        let mut mset = server.connect();
        let mut client = server.connect();
        let mut other = server.connect();
        hold_k.send(&encode(&["HOLD", k.as_str(), xk.as_str()]));
        hold_z.send(&encode(&["HOLD", z.as_str(), xz.as_str()]));
        while !has(&held, k.as_bytes()) || !has(&held, z.as_bytes()) {
            thread::sleep(Duration::from_millis(1));
        }
        mset.send(&encode(&["MSET", k.as_str(), "2", x.as_str(), "1"]));
        // Give the MSET's request time to reach k's shard and queue there
        // before the SETs are deferred (were it slower, the SETs would
        // arrive first and the MSET would rightly wait for them: the test
        // would pass without exercising the order).
        thread::sleep(Duration::from_millis(100));
        let mut bytes = encode(&["SET", z.as_str(), "1"]);
        bytes.extend(encode(&["SET", k.as_str(), "1"]));
        client.send(&bytes);
        thread::sleep(Duration::from_millis(100));
        put(&release, &k);
        assert_eq!(hold_k.reply().unwrap_or_default(), b"+OK\r\n");
        assert_eq!(
            mset.reply().unwrap_or_default(),
            b"+OK\r\n",
            "round {round}"
        );
        assert_eq!(other.call(&["GET", k.as_str()]), b"+2\r\n", "round {round}");
        put(&release, &z);
        assert_eq!(hold_z.reply().unwrap_or_default(), b"+OK\r\n");
        assert_eq!(client.replies(2), [&b"+OK\r\n"[..], b"+OK\r\n"]);
        assert_eq!(other.call(&["GET", k.as_str()]), b"+1\r\n", "round {round}");
        assert_eq!(other.call(&["GET", x.as_str()]), b"+1\r\n");
    }
    drop(server);
}

/// A client that pipelines commands behind an isolated operation and then
/// hangs up its sending side gets every reply before the connection closes:
/// the commands wait while the operation holds the connection, the hang-up
/// arrives meanwhile, and they still run once it ends (the same for output
/// over the high-water mark: `runtime.rs`). Connections on both shards, k
/// on either.
#[test]
fn commands_sent_before_a_hang_up_run_after_the_hold_that_delayed_them() {
    let (server, held, release) = start();
    for round in 0..4 {
        let (ks, xs) = if round % 2 == 0 { (0, 1) } else { (1, 0) };
        let k = key_on(&server, &format!("k{round}-"), ks);
        let x = key_on(&server, &format!("x{round}-"), xs);
        let mut c = crate::client::Raw::connect(server.addr());
        let mut bytes = encode(&["HOLD", k.as_str(), x.as_str()]);
        bytes.extend(encode(&["SET", k.as_str(), "1"]));
        bytes.extend(encode(&["SET", x.as_str(), "2"]));
        bytes.extend(encode(&["GET", k.as_str()]));
        bytes.extend(encode(&["GET", x.as_str()]));
        c.send(&bytes);
        c.sock_ref()
            .shutdown(std::net::Shutdown::Write)
            .expect("half-close");
        while !has(&held, k.as_bytes()) {
            thread::sleep(Duration::from_millis(1));
        }
        // Give the hang-up time to reach the shard while the hold lasts
        // (were it slower, the test would pass without exercising it).
        thread::sleep(Duration::from_millis(100));
        put(&release, &k);
        assert_eq!(
            c.read_to_close(),
            b"+OK\r\n+OK\r\n+OK\r\n+1\r\n+2\r\n",
            "round {round}: k on shard {ks}"
        );
    }
    drop(server);
}

/// A one-round operation does not hold its connection
/// (`kevy-rt/src/lock/fence.rs`): while `HOLD k xk` holds k, a client
/// pipelines `MSET k 2 x 1` (which waits for k), `SET z 1`, `SET x 5` and
/// `GET k`. `SET z 1` runs meanwhile (another client reads it), while the
/// commands on the MSET's keys wait for it: once the hold ends, GET k
/// answers 2 and x ends as 5. k on either shard, z on either, connections
/// on both shards.
#[test]
fn a_one_round_operation_lets_its_connection_go_on_but_not_past_its_keys() {
    let (server, held, release) = start();
    for round in 0..8 {
        let (ks, xs) = if round % 2 == 0 { (0, 1) } else { (1, 0) };
        let zs = (round / 2) % 2;
        let k = key_on(&server, &format!("k{round}-"), ks);
        let xk = key_on(&server, &format!("xk{round}-"), xs);
        let x = key_on(&server, &format!("x{round}-"), xs);
        let z = key_on(&server, &format!("z{round}-"), zs);
        let mut holder = server.connect();
        let mut client = server.connect();
        let mut other = server.connect();
        holder.send(&encode(&["HOLD", k.as_str(), xk.as_str()]));
        while !has(&held, k.as_bytes()) {
            thread::sleep(Duration::from_millis(1));
        }
        let mut bytes = encode(&["MSET", k.as_str(), "2", x.as_str(), "1"]);
        bytes.extend(encode(&["SET", z.as_str(), "1"]));
        bytes.extend(encode(&["SET", x.as_str(), "5"]));
        bytes.extend(encode(&["GET", k.as_str()]));
        client.send(&bytes);
        // The MSET waits for k as long as the hold lasts: the SET of z
        // behind it runs meanwhile (a connection held by the MSET would
        // never get there).
        while other.call(&["GET", z.as_str()]) != b"+1\r\n" {
            thread::sleep(Duration::from_millis(1));
        }
        put(&release, &k);
        assert_eq!(holder.reply().unwrap_or_default(), b"+OK\r\n");
        assert_eq!(
            client.replies(4),
            [&b"+OK\r\n"[..], b"+OK\r\n", b"+OK\r\n", b"+2\r\n"],
            "round {round}: k on shard {ks}, z on {zs}"
        );
        assert_eq!(other.call(&["GET", x.as_str()]), b"+5\r\n", "round {round}");
    }
    drop(server);
}
