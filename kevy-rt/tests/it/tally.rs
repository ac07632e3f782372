//! A tiny non-Redis command set, written against kevy-rt's public API only:
//! a sharded map of byte strings with its own verbs, a cross-shard read (`MGET`
//! style `FETCH`), a global reduction (`TOTAL`) and a two-round operation (`MOVE`).

use std::collections::HashMap;

use kevy_rt::{
    Args, Clients, Commands, Flow, Gather, LocalCx, Planned, Resolved, Route, Router, ShardInfo,
};

#[derive(Clone, Copy, Debug)]
pub enum Verb {
    Ping,
    Put,
    Take,
    Add,
    Fetch,
    Total,
    Move,
    Whoami,
    Myid,
    Boom,
    WatchAll,
    Halt,
    Conns,
    Bufs,
    Kill,
    Bye,
    Sess,
    Stamp,
    Room,
    Bad,
}

pub struct Tally;

pub enum Part {
    Fetch(Vec<Vec<u8>>),
    Count,
    Remove(Vec<u8>),
    Insert(Vec<u8>, Vec<u8>),
    Conns,
    Bufs,
    Kill(u64),
}

pub enum PartReply {
    Values(Vec<Option<Vec<u8>>>),
    Count(usize),
    Removed(Option<Vec<u8>>),
    Done,
}

pub enum Plan {
    Stamp,
    Fetch { order: Vec<(usize, usize)> },
    Total,
    Move { to: Vec<u8>, round: u8 },
}

fn bulk(out: &mut Vec<u8>, v: Option<&[u8]>) {
    match v {
        None => out.extend_from_slice(b"$-1\r\n"),
        Some(v) => {
            out.extend_from_slice(format!("${}\r\n", v.len()).as_bytes());
            out.extend_from_slice(v);
            out.extend_from_slice(b"\r\n");
        }
    }
}

impl Commands for Tally {
    type Shard = HashMap<Vec<u8>, Vec<u8>>;
    type Cmd = Verb;
    /// The connection id, as `new_session` saw it.
    type Session = u64;
    type Ctx = ();
    type Part = Part;
    type PartReply = PartReply;
    type Plan = Plan;

    fn new_shard(&self, _info: ShardInfo) -> Self::Shard {
        HashMap::new()
    }

    fn resolve(&self, args: Args<'_>) -> Resolved<Verb> {
        let verb = args.at(0).to_ascii_uppercase();
        let (cmd, route, arity) = match &verb[..] {
            b"PING" => (Verb::Ping, Route::Local, 1),
            b"PUT" => (Verb::Put, Route::Key(1), 3),
            b"TAKE" => (Verb::Take, Route::Key(1), 2),
            b"ADD" => (Verb::Add, Route::Key(1), 3),
            b"FETCH" => (
                Verb::Fetch,
                Route::Keys {
                    first: 1,
                    last: -1,
                    step: 1,
                },
                -2,
            ),
            b"TOTAL" => (Verb::Total, Route::Plan, 1),
            b"MOVE" => (Verb::Move, Route::Plan, 3),
            b"WHOAMI" => (Verb::Whoami, Route::Local, 1),
            b"MYID" => (Verb::Myid, Route::Local, 1),
            b"WATCHALL" => (Verb::WatchAll, Route::Local, 1),
            b"HALT" => (Verb::Halt, Route::Local, 1),
            b"BOOM" => (Verb::Boom, Route::Key(1), 2),
            b"CONNS" => (Verb::Conns, Route::Plan, 1),
            b"BUFS" => (Verb::Bufs, Route::Plan, 1),
            b"KILL" => (Verb::Kill, Route::Plan, 2),
            b"BYE" => (Verb::Bye, Route::Local, 1),
            b"SESS" => (Verb::Sess, Route::Local, 1),
            b"ROOM" => (Verb::Room, Route::Local, 1),
            b"STAMP" => (Verb::Stamp, Route::Plan, 1),
            _ => (Verb::Bad, Route::Local, 0),
        };
        let n = args.len() as i32;
        let ok = if arity < 0 {
            n >= -arity
        } else {
            arity == 0 || n == arity
        };
        if ok {
            Resolved { cmd, route }
        } else {
            Resolved {
                cmd: Verb::Bad,
                route: Route::Local,
            }
        }
    }

    fn new_session(&self, client: &kevy_rt::ClientFacts) -> u64 {
        client.id
    }

    fn ctx(&self, _: &u64) {}

    fn monitor_line(
        &self,
        _: &u64,
        client: &kevy_rt::ClientFacts,
        _: Verb,
        args: Args<'_>,
        out: &mut Vec<u8>,
    ) {
        out.extend_from_slice(format!("+{}", client.id).as_bytes());
        for a in args.iter() {
            out.push(b' ');
            out.extend_from_slice(a);
        }
        out.extend_from_slice(b"\r\n");
    }

    fn pausable(
        &self,
        _session: &Self::Session,
        cmd: Verb,
        _args: Args<'_>,
        writes_only: bool,
    ) -> bool {
        !writes_only || matches!(cmd, Verb::Put | Verb::Add | Verb::Move)
    }

    fn execute(&self, map: &mut Self::Shard, _: (), cmd: Verb, args: Args<'_>, out: &mut Vec<u8>) {
        match cmd {
            Verb::Put => {
                map.insert(args.at(1).to_vec(), args.at(2).to_vec());
                out.extend_from_slice(b"+OK\r\n");
            }
            Verb::Take => bulk(out, map.get(args.at(1)).map(|v| &v[..])),
            Verb::Add => {
                let cur: i64 = map
                    .get(args.at(1))
                    .and_then(|v| std::str::from_utf8(v).ok()?.parse().ok())
                    .unwrap_or(0);
                let by: i64 = std::str::from_utf8(args.at(2))
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                let n = cur + by;
                map.insert(args.at(1).to_vec(), n.to_string().into_bytes());
                out.extend_from_slice(format!(":{n}\r\n").as_bytes());
            }
            Verb::Boom => panic!("a deliberate bug"),
            Verb::Fetch => {
                out.extend_from_slice(format!("*{}\r\n", args.len() - 1).as_bytes());
                for k in args.skip(1).iter() {
                    bulk(out, map.get(k).map(|v| &v[..]));
                }
            }
            _ => out.extend_from_slice(b"-ERR not keyed\r\n"),
        }
    }

    fn execute_local(
        &self,
        _: &mut Self::Shard,
        session: &mut u64,
        cx: &LocalCx,
        cmd: Verb,
        _args: Args<'_>,
        out: &mut Vec<u8>,
    ) -> Flow {
        match cmd {
            Verb::Ping => out.extend_from_slice(b"+PONG\r\n"),
            Verb::Whoami => out.extend_from_slice(format!(":{}\r\n", cx.client.shard).as_bytes()),
            Verb::Myid => out.extend_from_slice(format!(":{}\r\n", cx.client.id).as_bytes()),
            Verb::Sess => out.extend_from_slice(format!(":{session}\r\n").as_bytes()),
            Verb::Room => {
                let f = &cx.client;
                let line = format!(":{}\r\n", f.query_buf + f.query_buf_free);
                out.extend_from_slice(line.as_bytes());
            }
            Verb::Halt => return Flow::Shutdown,
            Verb::WatchAll => {
                out.extend_from_slice(b"+OK\r\n");
                return Flow::Monitor;
            }
            Verb::Bye => {
                out.extend_from_slice(b"+BYE\r\n");
                return Flow::Close;
            }
            _ => out.extend_from_slice(b"-ERR bad command\r\n"),
        }
        Flow::Continue
    }

    fn plan(
        &self,
        origin: &mut Self::Shard,
        _: (),
        cmd: Verb,
        args: Args<'_>,
        router: &Router,
        parts: &mut Vec<(usize, Part)>,
    ) -> Planned<Plan> {
        match cmd {
            Verb::Stamp => {
                // No parts: the origin's own state counts the plans made on it.
                let n = origin.entry(b"#stamps".to_vec()).or_default();
                n.push(b'x');
                Planned {
                    plan: Plan::Stamp,
                    hold: false,
                }
            }
            Verb::Fetch => {
                // One part per shard; remember where each key's value lands.
                let mut per_shard: Vec<Vec<Vec<u8>>> = vec![Vec::new(); router.nshards()];
                let mut order = Vec::new();
                for k in args.skip(1).iter() {
                    let s = router.shard_of(k);
                    order.push((s, per_shard[s].len()));
                    per_shard[s].push(k.to_vec());
                }
                let mut index = vec![usize::MAX; router.nshards()];
                for (s, keys) in per_shard.into_iter().enumerate() {
                    if !keys.is_empty() {
                        index[s] = parts.len();
                        parts.push((s, Part::Fetch(keys)));
                    }
                }
                let order = order.into_iter().map(|(s, i)| (index[s], i)).collect();
                Planned {
                    plan: Plan::Fetch { order },
                    hold: false,
                }
            }
            Verb::Total | Verb::Conns | Verb::Bufs | Verb::Kill => {
                let id = std::str::from_utf8(args.at(1))
                    .ok()
                    .and_then(|s| s.parse().ok());
                for s in 0..router.nshards() {
                    let part = match (cmd, id) {
                        (Verb::Conns, _) => Part::Conns,
                        (Verb::Bufs, _) => Part::Bufs,
                        (Verb::Kill, Some(id)) => Part::Kill(id),
                        _ => Part::Count,
                    };
                    parts.push((s, part));
                }
                Planned {
                    plan: Plan::Total,
                    hold: false,
                }
            }
            _ => {
                // MOVE from to: remove on the source's shard, then insert on the target's.
                let from = args.at(1).to_vec();
                parts.push((router.shard_of(&from), Part::Remove(from)));
                Planned {
                    plan: Plan::Move {
                        to: args.at(2).to_vec(),
                        round: 0,
                    },
                    hold: true,
                }
            }
        }
    }

    fn execute_part(
        &self,
        map: &mut Self::Shard,
        _: (),
        part: Part,
        clients: &mut Clients<'_, Self>,
    ) -> PartReply {
        match part {
            Part::Fetch(keys) => {
                PartReply::Values(keys.iter().map(|k| map.get(k).cloned()).collect())
            }
            Part::Count => PartReply::Count(map.len()),
            Part::Conns => {
                let mut n = 0;
                clients.for_each(|c| {
                    assert!(c.facts.peer.is_some() && c.facts.fd >= 0);
                    n += 1;
                });
                PartReply::Count(n)
            }
            Part::Bufs => {
                // Bytes held by the read and output buffers of every
                // connection (but the one running this, whose read buffer
                // is lent out meanwhile).
                let mut n = 0;
                clients.for_each(|c| {
                    n += c.facts.query_buf + c.facts.query_buf_free + c.facts.out_capacity
                });
                PartReply::Count(n)
            }
            Part::Kill(id) => PartReply::Count(clients.kill(id) as usize),
            Part::Remove(k) => PartReply::Removed(map.remove(&k)),
            Part::Insert(k, v) => {
                map.insert(k, v);
                PartReply::Done
            }
        }
    }

    fn gather(
        &self,
        origin: &mut Self::Shard,
        plan: &mut Plan,
        replies: Vec<PartReply>,
        router: &Router,
        next: &mut Vec<(usize, Part)>,
        out: &mut Vec<u8>,
    ) -> Gather {
        match plan {
            Plan::Stamp => {
                let n = origin.get(&b"#stamps"[..]).map_or(0, Vec::len);
                out.extend_from_slice(format!(":{n}\r\n").as_bytes());
            }
            Plan::Fetch { order } => {
                let values: Vec<Vec<Option<Vec<u8>>>> = replies
                    .into_iter()
                    .map(|r| match r {
                        PartReply::Values(v) => v,
                        _ => Vec::new(),
                    })
                    .collect();
                out.extend_from_slice(format!("*{}\r\n", order.len()).as_bytes());
                for &(p, i) in order.iter() {
                    bulk(
                        out,
                        values
                            .get(p)
                            .and_then(|v| v.get(i))
                            .and_then(|v| v.as_deref()),
                    );
                }
            }
            Plan::Total => {
                let n: usize = replies
                    .iter()
                    .map(|r| if let PartReply::Count(n) = r { *n } else { 0 })
                    .sum();
                out.extend_from_slice(format!(":{n}\r\n").as_bytes());
            }
            Plan::Move { to, round } => {
                if *round == 0 {
                    if let Some(PartReply::Removed(Some(v))) = replies.into_iter().next() {
                        *round = 1;
                        next.push((router.shard_of(to), Part::Insert(to.clone(), v)));
                        return Gather::Again;
                    }
                    out.extend_from_slice(b":0\r\n");
                } else {
                    out.extend_from_slice(b":1\r\n");
                }
            }
        }
        Gather::Done
    }
}
