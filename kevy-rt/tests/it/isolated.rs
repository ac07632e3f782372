//! Isolated multi-shard operations ([`Commands::isolate`]) on a real runtime:
//! a tiny bank whose cross-shard transfers, bulk writes and all-account reads
//! run isolated, hammered by concurrent clients while local commands touch the
//! same keys. Every read must see all of an operation or none of it.

use std::collections::HashMap;
use std::thread;

use kevy_rt::testing::TestServer;
use kevy_rt::{
    Args, Clients, Commands, Flow, Gather, LocalCx, LockSet, Planned, Resolved, Route, Router,
    ShardInfo,
};

#[derive(Clone, Copy, Debug)]
enum Verb {
    /// `ADD key n` (one key, on its shard).
    Add,
    /// `GET key`.
    Get,
    /// `XFER from to n`: isolated transfer.
    Xfer,
    /// `SUM key…`: isolated read of every key, summed.
    Sum,
    /// `SETALL value key…`: isolated write of one value to every key.
    SetAll,
    /// `SAME key…`: isolated read; `:1` when every key holds one value.
    Same,
    /// `CLEAR`: isolated, whole shards: every key set to 0.
    Clear,
    Bad,
}

/// `one_round`: every isolated verb declares itself one-round
/// (`LockSet::one_round`) and plans one part per shard (XFER: one per key,
/// so two on one shard when both accounts share it).
struct Bank {
    one_round: bool,
}

enum Part {
    Add(Vec<u8>, i64),
    Get(Vec<Vec<u8>>),
    Set(Vec<Vec<u8>>, Vec<u8>),
    Clear,
}

enum PartReply {
    Values(Vec<Option<Vec<u8>>>),
    Done,
}

fn num(v: &[u8]) -> i64 {
    std::str::from_utf8(v)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

impl Commands for Bank {
    type Shard = HashMap<Vec<u8>, Vec<u8>>;
    type Cmd = Verb;
    type Session = ();
    type Ctx = ();
    type Part = Part;
    type PartReply = PartReply;
    type Plan = Verb;

    fn new_shard(&self, _: ShardInfo) -> Self::Shard {
        HashMap::new()
    }

    fn resolve(&self, args: Args<'_>) -> Resolved<Verb> {
        let all = Route::Keys {
            first: 1,
            last: -1,
            step: 1,
        };
        let (cmd, route) = match (&args.at(0).to_ascii_uppercase()[..], args.len()) {
            (b"ADD", 3) => (Verb::Add, Route::Key(1)),
            (b"GET", 2) => (Verb::Get, Route::Key(1)),
            (b"XFER", 4) => (Verb::Xfer, Route::Plan),
            (b"SUM", n) if n > 1 => (Verb::Sum, all),
            (b"SAME", n) if n > 1 => (Verb::Same, all),
            (b"SETALL", n) if n > 2 => (
                Verb::SetAll,
                Route::Keys {
                    first: 2,
                    last: -1,
                    step: 1,
                },
            ),
            (b"CLEAR", 1) => (Verb::Clear, Route::Plan),
            _ => (Verb::Bad, Route::Local),
        };
        Resolved { cmd, route }
    }

    fn ctx(&self, _: &()) {}

    fn execute(&self, map: &mut Self::Shard, _: (), cmd: Verb, args: Args<'_>, out: &mut Vec<u8>) {
        match cmd {
            Verb::Add => {
                let n = map.get(args.at(1)).map_or(0, |v| num(v)) + num(args.at(2));
                map.insert(args.at(1).to_vec(), n.to_string().into_bytes());
                out.extend_from_slice(format!(":{n}\r\n").as_bytes());
            }
            Verb::Get => {
                let n = map.get(args.at(1)).map_or(0, |v| num(v));
                out.extend_from_slice(format!(":{n}\r\n").as_bytes());
            }
            Verb::Sum => {
                let n: i64 = args
                    .skip(1)
                    .iter()
                    .map(|k| map.get(k).map_or(0, |v| num(v)))
                    .sum();
                out.extend_from_slice(format!(":{n}\r\n").as_bytes());
            }
            Verb::Same => {
                let mut vals = args.skip(1).iter().map(|k| map.get(k).cloned());
                let first = vals.next().flatten();
                let same = vals.all(|v| v == first);
                out.extend_from_slice(if same { b":1\r\n" } else { b":0\r\n" });
            }
            Verb::SetAll => {
                for k in args.skip(2).iter() {
                    map.insert(k.to_vec(), args.at(1).to_vec());
                }
                out.extend_from_slice(b"+OK\r\n");
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
            Verb::Xfer => {
                locks.write(args.at(1));
                locks.write(args.at(2));
            }
            Verb::Sum | Verb::Same => args.skip(1).iter().for_each(|k| locks.read(k)),
            Verb::SetAll => args.skip(2).iter().for_each(|k| locks.write(k)),
            Verb::Clear => locks.everything(),
            _ => return false,
        }
        if self.one_round {
            locks.one_round();
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
    ) -> Planned<Verb> {
        match cmd {
            Verb::Xfer => {
                let n = num(args.at(3));
                parts.push((
                    router.shard_of(args.at(1)),
                    Part::Add(args.at(1).to_vec(), -n),
                ));
                parts.push((
                    router.shard_of(args.at(2)),
                    Part::Add(args.at(2).to_vec(), n),
                ));
            }
            Verb::Sum | Verb::Same if self.one_round => {
                for s in 0..router.nshards() {
                    let keys: Vec<Vec<u8>> = (args.skip(1).iter())
                        .filter(|k| router.shard_of(k) == s)
                        .map(<[u8]>::to_vec)
                        .collect();
                    if !keys.is_empty() {
                        parts.push((s, Part::Get(keys)));
                    }
                }
            }
            Verb::Sum | Verb::Same => {
                for k in args.skip(1).iter() {
                    parts.push((router.shard_of(k), Part::Get(vec![k.to_vec()])));
                }
            }
            Verb::SetAll if self.one_round => {
                // Highest shard first: the runtime orders the steps itself.
                for s in (0..router.nshards()).rev() {
                    let keys: Vec<Vec<u8>> = (args.skip(2).iter())
                        .filter(|k| router.shard_of(k) == s)
                        .map(<[u8]>::to_vec)
                        .collect();
                    if !keys.is_empty() {
                        parts.push((s, Part::Set(keys, args.at(1).to_vec())));
                    }
                }
            }
            Verb::SetAll => {
                for k in args.skip(2).iter() {
                    let part = Part::Set(vec![k.to_vec()], args.at(1).to_vec());
                    parts.push((router.shard_of(k), part));
                }
            }
            Verb::Clear => {
                for s in 0..router.nshards() {
                    parts.push((s, Part::Clear));
                }
            }
            _ => {}
        }
        Planned {
            plan: cmd,
            hold: false,
        }
    }

    fn execute_part(
        &self,
        map: &mut Self::Shard,
        _: (),
        part: Part,
        _: &mut Clients<'_, Self>,
    ) -> PartReply {
        match part {
            Part::Add(k, n) => {
                let v = map.get(&k).map_or(0, |v| num(v)) + n;
                map.insert(k, v.to_string().into_bytes());
                PartReply::Done
            }
            Part::Get(keys) => {
                PartReply::Values(keys.iter().map(|k| map.get(k).cloned()).collect())
            }
            Part::Set(keys, v) => {
                for k in keys {
                    map.insert(k, v.clone());
                }
                PartReply::Done
            }
            Part::Clear => {
                map.values_mut().for_each(|v| *v = b"0".to_vec());
                PartReply::Done
            }
        }
    }

    fn gather(
        &self,
        _: &mut Self::Shard,
        plan: &mut Verb,
        replies: Vec<PartReply>,
        _: &Router,
        _: &mut Vec<(usize, Part)>,
        out: &mut Vec<u8>,
    ) -> Gather {
        let values = replies.into_iter().flat_map(|r| match r {
            PartReply::Values(v) => v,
            PartReply::Done => Vec::new(),
        });
        match plan {
            Verb::Sum => {
                let n: i64 = values.map(|v| v.map_or(0, |v| num(&v))).sum();
                out.extend_from_slice(format!(":{n}\r\n").as_bytes());
            }
            Verb::Same => {
                let all: Vec<_> = values.collect();
                let same = all.windows(2).all(|w| w[0] == w[1]);
                out.extend_from_slice(if same { b":1\r\n" } else { b":0\r\n" });
            }
            _ => out.extend_from_slice(b"+OK\r\n"),
        }
        Gather::Done
    }
}

const ACCOUNTS: usize = 24;
const START: i64 = 1000;

fn accounts() -> Vec<String> {
    (0..ACCOUNTS).map(|i| format!("acct{i}")).collect()
}

fn int(reply: &[u8]) -> i64 {
    let s = std::str::from_utf8(reply).unwrap();
    assert!(s.starts_with(':'), "not an integer reply: {s:?}");
    s[1..].trim_end().parse().unwrap()
}

/// Isolated transfers (`XFER`) between accounts on every shard, each
/// pipelined with a local `GET` of a key it locks, while readers sum every
/// account with one isolated `SUM`: the total never changes. (With `isolate`
/// answering false, readers see transfers half-done within a few hundred
/// operations.)
#[test]
fn transfers_keep_the_total_for_every_reader() {
    for (nshards, one_round) in [(2, false), (3, false), (2, true), (3, true)] {
        let server = TestServer::start(Bank { one_round }, nshards);
        let names = accounts();
        let mut c = server.connect();
        for n in &names {
            assert_eq!(int(&c.call(&["ADD", n, &START.to_string()])), START);
        }
        let total = START * ACCOUNTS as i64;
        let writers: Vec<_> = (0..6)
            .map(|w| {
                let mut c = server.connect();
                let names = names.clone();
                thread::spawn(move || {
                    let mut x = 0x2545_F491_4F6C_DD1Du64 ^ (w as u64 + 1);
                    for _ in 0..400 {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        let a = &names[(x % ACCOUNTS as u64) as usize];
                        let b = &names[((x >> 20) % ACCOUNTS as u64) as usize];
                        let amount = (x >> 40) % 50;
                        // Pipelined with a local read of a locked key.
                        let r = c.pipeline(&[
                            &["XFER", a.as_str(), b.as_str(), &amount.to_string()][..],
                            &["GET", a.as_str()][..],
                        ]);
                        assert_eq!(r[0], b"+OK\r\n");
                        int(&r[1]);
                    }
                })
            })
            .collect();
        let readers: Vec<_> = (0..3)
            .map(|_| {
                let mut c = server.connect();
                let names = names.clone();
                thread::spawn(move || {
                    let mut sum = vec!["SUM".to_string()];
                    sum.extend(names.iter().cloned());
                    for _ in 0..300 {
                        assert_eq!(int(&c.call(&sum)), total);
                    }
                })
            })
            .collect();
        for t in writers.into_iter().chain(readers) {
            t.join().unwrap();
        }
        let mut sum = vec!["SUM".to_string()];
        sum.extend(names.iter().cloned());
        assert_eq!(int(&c.call(&sum)), total);
        // Single-key reads agree with the isolated one.
        let each: i64 = names.iter().map(|n| int(&c.call(&["GET", n]))).sum();
        assert_eq!(each, total);
        drop(server);
    }
}

/// Bulk writes of the same keys never interleave: a reader (isolated, or a
/// whole-shard CLEAR racing them) sees the keys of one write only.
#[test]
fn bulk_writes_never_interleave() {
    for one_round in [false, true] {
        bulk_writes_on_3_shards(one_round);
    }
}

fn bulk_writes_on_3_shards(one_round: bool) {
    let server = TestServer::start(Bank { one_round }, 3);
    let keys: Vec<String> = (0..12).map(|i| format!("k{i}")).collect();
    let mut c = server.connect();
    let mut set = vec!["SETALL".to_string(), "0".to_string()];
    set.extend(keys.iter().cloned());
    assert_eq!(c.call(&set), b"+OK\r\n");
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let mut c = server.connect();
            let keys = keys.clone();
            thread::spawn(move || {
                for i in 0..300 {
                    let mut set = vec!["SETALL".to_string(), format!("{w}-{i}")];
                    set.extend(keys.iter().cloned());
                    assert_eq!(c.call(&set), b"+OK\r\n");
                    if i % 50 == 0 {
                        assert_eq!(c.call(&["CLEAR"]), b"+OK\r\n");
                    }
                }
            })
        })
        .collect();
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let mut c = server.connect();
            let keys = keys.clone();
            thread::spawn(move || {
                let mut same = vec!["SAME".to_string()];
                same.extend(keys.iter().cloned());
                for _ in 0..400 {
                    assert_eq!(c.call(&same), b":1\r\n");
                }
            })
        })
        .collect();
    for t in writers.into_iter().chain(readers) {
        t.join().unwrap();
    }
    drop(server);
}
