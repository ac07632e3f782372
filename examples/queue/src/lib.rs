//! A toy job queue on [`kevy_rt`], to show that the runtime's blocking
//! arbiter ([`kevy_rt::park`]) serves any command set, not only Redis's:
//!
//! - `PUT queue job [job …]` appends jobs; answers the queue's length.
//! - `TAKE queue [queue …] timeout-ms` takes the oldest job of the first
//!   queue holding one, as `[queue, job]`; when all are empty it waits
//!   (0 = forever) until a `PUT` on any of them — on any shard — serves
//!   it, or answers the null array `*-1` at its deadline. Waiters on
//!   one queue are served first come, first served.
//! - `LEN queue` answers the number of jobs.
//! - `BLOCKED` answers how many `TAKE`s are parked (on every shard).
//!
//! Each queue lives on the shard its name hashes to; a `TAKE` over queues
//! of several shards parks on all of them and is served exactly once.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use kevy_rt::{
    Args, Commands, Flow, LocalCx, Park, ReadyKeys, Resolved, Route, Served, ShardInfo, Unpark,
};

/// The command set.
pub struct Queues;

/// A verb.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verb {
    /// `PUT queue job [job …]`.
    Put,
    /// `TAKE queue [queue …] timeout-ms`.
    Take,
    /// `LEN queue`.
    Len,
    /// `BLOCKED`.
    Blocked,
    /// Anything else (answered with an error).
    Bad,
}

/// One shard's queues, and the signal that wakes parked `TAKE`s.
#[derive(Default)]
pub struct Shard {
    queues: HashMap<Vec<u8>, VecDeque<Vec<u8>>>,
    ready: ReadyKeys,
    settings: std::sync::Arc<kevy_rt::Settings>,
}

/// `TAKE`'s timeout: whole milliseconds, 0 = forever.
fn timeout(arg: &[u8]) -> Option<Option<Duration>> {
    let ms: u64 = std::str::from_utf8(arg).ok()?.parse().ok()?;
    Some((ms > 0).then(|| Duration::from_millis(ms)))
}

fn bulk(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(format!("${}\r\n", b.len()).as_bytes());
    out.extend_from_slice(b);
    out.extend_from_slice(b"\r\n");
}

impl Shard {
    /// Takes the oldest job of `queue` as `[queue, job]`; false when empty.
    fn take(&mut self, queue: &[u8], out: &mut Vec<u8>) -> bool {
        let Some(q) = self.queues.get_mut(queue) else {
            return false;
        };
        let Some(job) = q.pop_front() else {
            return false;
        };
        if q.is_empty() {
            self.queues.remove(queue);
        }
        out.extend_from_slice(b"*2\r\n");
        bulk(out, queue);
        bulk(out, &job);
        true
    }
}

impl Commands for Queues {
    type Shard = Shard;
    type Cmd = Verb;
    type Session = ();
    type Ctx = ();
    kevy_rt::single_shard!();

    fn new_shard(&self, info: ShardInfo) -> Shard {
        Shard {
            queues: HashMap::new(),
            ready: info.ready,
            settings: info.settings,
        }
    }

    fn resolve(&self, args: Args<'_>) -> Resolved<Verb> {
        let verb = args.at(0).to_ascii_uppercase();
        let (cmd, route) = match (&verb[..], args.len()) {
            (b"PUT", n) if n >= 3 => (Verb::Put, Route::Key(1)),
            (b"TAKE", n) if n >= 3 => (
                Verb::Take,
                Route::Keys {
                    first: 1,
                    last: -2,
                    step: 1,
                },
            ),
            (b"LEN", 2) => (Verb::Len, Route::Key(1)),
            (b"BLOCKED", 1) => (Verb::Blocked, Route::Local),
            _ => (Verb::Bad, Route::Local),
        };
        Resolved { cmd, route }
    }

    fn ctx(&self, _: &()) {}

    fn execute(&self, shard: &mut Shard, _: (), cmd: Verb, args: Args<'_>, out: &mut Vec<u8>) {
        match cmd {
            Verb::Put => {
                let key = args.at(1);
                let q = shard.queues.entry(key.to_vec()).or_default();
                let was_empty = q.is_empty();
                q.extend(args.iter().skip(2).map(<[u8]>::to_vec));
                let len = q.len();
                if was_empty {
                    // Parked TAKEs on this queue may be served now.
                    shard.ready.signal(key);
                }
                out.extend_from_slice(format!(":{len}\r\n").as_bytes());
            }
            Verb::Len => {
                let n = shard.queues.get(args.at(1)).map_or(0, VecDeque::len);
                out.extend_from_slice(format!(":{n}\r\n").as_bytes());
            }
            // A TAKE that does not block (bad timeout): the error.
            Verb::Take => out.extend_from_slice(b"-ERR timeout must be whole milliseconds\r\n"),
            Verb::Bad | Verb::Blocked => {
                out.extend_from_slice(b"-ERR unknown command or wrong arity\r\n")
            }
        }
    }

    fn execute_local(
        &self,
        shard: &mut Shard,
        _: &mut (),
        _: &LocalCx,
        cmd: Verb,
        _: Args<'_>,
        out: &mut Vec<u8>,
    ) -> Flow {
        if cmd == Verb::Blocked {
            let n = shard.settings.blocked_clients();
            out.extend_from_slice(format!(":{n}\r\n").as_bytes());
        } else {
            out.extend_from_slice(b"-ERR unknown command or wrong arity\r\n");
        }
        Flow::Continue
    }

    fn blocking(&self, _: &(), cmd: Verb, args: Args<'_>, keys: &mut Vec<u32>) -> Option<Park> {
        if cmd != Verb::Take {
            return None;
        }
        let timeout = timeout(args.at(args.len() - 1))?;
        keys.extend(1..args.len() as u32 - 1);
        Some(Park { timeout })
    }

    fn ready(&self, shard: &mut Shard, _: (), _: Verb, args: Args<'_>, key: u32, _: bool) -> bool {
        shard
            .queues
            .get(args.at(key as usize))
            .is_some_and(|q| !q.is_empty())
    }

    fn serve(
        &self,
        shard: &mut Shard,
        _: (),
        _: Verb,
        args: Args<'_>,
        key: u32,
        out: &mut Vec<u8>,
    ) -> Served {
        shard.take(args.at(key as usize), out);
        Served::Done
    }

    fn unparked(
        &self,
        _: &mut Self::Shard,
        _: &(),
        _: Verb,
        _: Args<'_>,
        why: Unpark,
        out: &mut Vec<u8>,
    ) {
        match why {
            Unpark::Timeout => out.extend_from_slice(b"*-1\r\n"),
            Unpark::Error => out.extend_from_slice(b"-ERR unblocked\r\n"),
        }
    }
}
