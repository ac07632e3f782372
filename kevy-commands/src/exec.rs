//! `EXEC`: a queued transaction run under the locks of every key it names
//! (`Commands::isolate` took them all before this plan starts), command by
//! command in queue order. Connection commands (`PING`, `SELECT`…) answer
//! while the plan is made, with the session (a `SELECT` changes the
//! database of the commands after it); consecutive single-shard commands go
//! out as one round of parts (any shards: the locks make their relative
//! timing invisible, and commands on one key share its shard, where parts
//! run in order); a multi-shard command runs alone as its own nested plan.

use kevy_rt::{Args, LocalCx, OwnedArgs, Route, Router};

use crate::aof::Fragment;
use crate::base::resp::{self, Reply};
use crate::cross::{self, Op, Part, PartReply};
use crate::family::Local;
use crate::session::{Ctx, Session};
use crate::shard::ShardState;
use crate::table::{self, Run, Spec};
use crate::Tracked;

/// The reply of an `EXEC` whose queuing met an error.
const EXECABORT: &[u8] = b"EXECABORT Transaction discarded because of previous errors.";

/// One queued command.
struct Step {
    /// Its context (the database as earlier `SELECT`s left it).
    ctx: Ctx,
    spec: &'static Spec,
    args: OwnedArgs,
    /// Its user (as earlier `AUTH`s left it): checked again when it is sent.
    who: crate::family::acl::Who,
}

/// An `EXEC` in progress.
pub struct Exec {
    steps: Vec<Option<Step>>,
    /// Each command's reply, once it ran.
    replies: Vec<Option<Vec<u8>>>,
    /// The next command to send.
    at: usize,
    /// The commands of the round in flight, one per part.
    round: Vec<usize>,
    /// A multi-shard command in flight: its index and plan.
    inner: Option<(usize, Box<Tracked>)>,
    /// What each command propagated (append-only file on), written as one
    /// MULTI/EXEC block when the transaction ends.
    logs: Vec<Fragment>,
    /// The connection's `CLIENT LIST` line, for the ACL log, when it is
    /// restricted or the transaction may change that: each command is
    /// checked again as it is about to run ([`Exec::lost`]).
    acl: Option<Vec<u8>>,
}

/// What `EXEC` starts with: an abort reply, or the transaction to run.
pub enum Start {
    /// The reply, written at once.
    Reply(Vec<u8>),
    /// `EXEC` refused before it ran (already counted as a rejected call):
    /// the reply, written at once.
    Rejected(Vec<u8>),
    /// Run it.
    Run(Box<Exec>),
}

/// Takes the session's queued transaction: runs its connection commands
/// now and lists the rest.
pub fn start(
    redis: &crate::Redis,
    shard: &mut ShardState,
    session: &mut Session,
    cx: &LocalCx,
    verb: (&'static Spec, Args<'_>),
) -> Start {
    let code = crate::family::acl::code(&redis.acl, session);
    if code != 0 {
        if let Some(reply) = refused(redis, shard, session, cx, code, verb) {
            return Start::Rejected(reply);
        }
    }
    if let Some(reply) = out_of_memory(shard, session, verb) {
        return Start::Rejected(reply);
    }
    if let Some(reply) = stale(redis, shard, session, verb) {
        return Start::Rejected(reply);
    }
    let Some(multi) = session.multi.take() else {
        let mut reply = Vec::new();
        resp::error(&mut reply, b"ERR EXEC without MULTI");
        return Start::Reply(reply);
    };
    if multi.dirty {
        crate::family::watch::unwatch_all(shard, session);
        let mut reply = Vec::new();
        resp::error(&mut reply, EXECABORT);
        return Start::Reply(reply);
    }
    // Under the locks of every queued and watched key: a watch that broke
    // before now aborts, none can break from here on.
    let broken = !session.watched.is_empty() && shard.watch_broken(session.id);
    crate::family::watch::unwatch_all(shard, session);
    if broken {
        let mut reply = Vec::new();
        resp::null_array(&mut Reply::new(&mut reply, session.resp3));
        return Start::Reply(reply);
    }
    let mut exec = Exec {
        steps: Vec::with_capacity(multi.queue.len()),
        replies: Vec::with_capacity(multi.queue.len()),
        at: 0,
        round: Vec::new(),
        inner: None,
        logs: Vec::new(),
        acl: None,
    };
    // Transactions that may change the rules or the user as they run keep
    // the connection's line for the ACL log entries of what they refuse.
    let changes = |a: &OwnedArgs| {
        let v = a.args().at(0);
        v.eq_ignore_ascii_case(b"acl") || v.eq_ignore_ascii_case(b"auth")
    };
    if code != 0 || multi.queue.iter().any(changes) {
        exec.acl = Some(crate::family::acl::client_line(
            &shard.server.shared,
            &cx.client,
            session,
            Some(verb.0),
        ));
    }
    for args in multi.queue {
        let spec = table::find(args.args()).unwrap_or(&table::REJECT);
        let who = crate::family::acl::Who::of(session);
        if let Run::Local(f) = spec.run {
            if let Some(err) = exec.lost(redis, shard, who, spec, args.args()) {
                exec.steps.push(None);
                exec.replies.push(Some(err));
                continue;
            }
            let mut buf = Vec::new();
            let mut out = Reply::new(&mut buf, session.resp3);
            let t0 = crate::base::clock::now();
            f(&mut Local {
                shard,
                session,
                cx,
                args: args.args(),
                out: &mut out,
            });
            // Counted as Redis's `call` counts every queued command: its
            // calls, failures and error replies.
            let ns = crate::base::clock::since(t0);
            shard
                .server
                .done(spec, ns, &buf, &session.who(), args.args(), None);
            exec.steps.push(None);
            exec.replies.push(Some(buf));
        } else {
            // Checked above: its part runs unchecked.
            let ctx = Ctx {
                quiet: false,
                acl: 0,
                in_exec: true,
                ..kevy_rt::Commands::ctx(redis, session)
            };
            exec.steps.push(Some(Step {
                ctx,
                spec,
                args,
                who,
            }));
            exec.replies.push(None);
        }
    }
    Start::Run(Box::new(exec))
}

/// Over `maxmemory` (once eviction cannot free enough), an `EXEC` whose
/// transaction queued a `denyoom` command is refused as that command
/// would be, and the transaction discarded (Redis's `processCommand`
/// checks the queued commands' flags before `execCommand` runs).
fn out_of_memory(
    shard: &mut ShardState,
    session: &mut Session,
    (cmd, args): (&'static Spec, Args<'_>),
) -> Option<Vec<u8>> {
    let multi = session.multi.as_ref()?;
    let denyoom = multi
        .queue
        .iter()
        .any(|q| table::find(q.args()).is_ok_and(|s| s.flags & crate::table::flags::DENYOOM != 0));
    if !denyoom || !shard.refuses_write(args) {
        return None;
    }
    Some(discard(shard, session, cmd, crate::shard::evict::OOM))
}

/// Discards the session's transaction for `EXEC`'s refusal `text`: the
/// `-EXECABORT` reply quoting it, accounted as a rejected call.
fn discard(
    shard: &mut ShardState,
    session: &mut Session,
    cmd: &'static Spec,
    text: &[u8],
) -> Vec<u8> {
    session.multi = None;
    crate::family::watch::unwatch_all(shard, session);
    let mut err = Vec::new();
    resp::error(&mut err, text);
    let reply = crate::base::error::exec_abort(&err);
    shard.server.rejected(table::ids::id_of(cmd), &reply);
    reply
}

/// An `EXEC` refused for what its transaction queued, though the state
/// changed after the queueing (Redis's `processCommand`, in its order): a
/// write while too few replicas are good (`-NOREPLICAS`), a write on a
/// read-only replica (`-READONLY`), or, on a stale replica
/// ([`crate::family::replica::running_stale`]), a command not flagged
/// `stale` (`-MASTERDOWN`); the transaction is discarded. A script is a
/// write by the flags Redis derives from its shebang or function
/// ([`crate::script::derived_write`]).
fn stale(
    redis: &crate::Redis,
    shard: &mut ShardState,
    session: &mut Session,
    (cmd, _): (&'static Spec, Args<'_>),
) -> Option<Vec<u8>> {
    use crate::family::replica;
    let multi = session.multi.as_ref()?;
    let shared = &shard.server.shared;
    let (stale, write) = (crate::table::flags::STALE, crate::table::flags::WRITE);
    let writes = || {
        multi.queue.iter().any(|q| {
            table::find(q.args()).is_ok_and(|s| {
                s.flags & write != 0 || crate::script::derived_write(redis, s, q.args())
            })
        })
    };
    let not_stale = || {
        multi
            .queue
            .iter()
            .any(|q| table::find(q.args()).is_ok_and(|s| s.flags & stale == 0))
    };
    let text = if replica::disk_error(shared) && writes() {
        replica::MISCONF
    } else if shared.replicas.refusing() && !shared.upstream.active() && writes() {
        replica::NOREPLICAS
    } else if replica::read_only_for(shared, write, session.id) && writes() {
        replica::READONLY
    } else if replica::running_stale(shared) && not_stale() {
        replica::MASTERDOWN
    } else {
        return None;
    };
    Some(discard(shard, session, cmd, text))
}

/// `EXEC` itself refused to a restricted connection, as Redis's
/// `rejectCommand` does it: the transaction is discarded and the refusal
/// quoted in an `-EXECABORT` error.
#[cold]
fn refused(
    redis: &crate::Redis,
    shard: &mut ShardState,
    session: &mut Session,
    cx: &LocalCx,
    code: u32,
    (cmd, args): (&'static Spec, Args<'_>),
) -> Option<Vec<u8>> {
    let shared = shard.server.shared.clone();
    let err = {
        let s: &Session = session;
        let info = |_: &[u8]| crate::family::acl::client_line(&shared, &cx.client, s, Some(cmd));
        let who = crate::family::acl::Asker {
            code,
            multi: s.multi.is_some(),
            info: &info,
        };
        crate::family::acl::gate(&redis.acl, &mut shard.acl, &who, cmd, args)?
    };
    session.multi = None;
    crate::family::watch::unwatch_all(shard, session);
    let reply = crate::base::error::exec_abort(&err);
    shard.server.rejected(table::ids::id_of(cmd), &reply);
    Some(reply)
}

/// The one shard all of a command's keys live on, if they do.
fn single_shard(spec: &Spec, args: Args<'_>, router: &Router) -> Option<usize> {
    let route = spec.route();
    if matches!(route, Route::Local | Route::Plan) {
        return None;
    }
    let mut owner = None;
    let one = route.for_each_key(args, |key| {
        let s = router.shard_of(key);
        *owner.get_or_insert(s) == s
    });
    one.then(|| owner.unwrap_or(0))
}

/// Runs a nested plan's parts in its command's database (the operation's
/// context is `EXEC`'s).
fn in_db(parts: &mut [(usize, Part)], db: u32) {
    parts.iter_mut().for_each(|(_, p)| p.db = Some(db));
}

/// The part running one queued command on its shard: `db verb args…`.
fn part(step: &Step) -> Part {
    let mut args = OwnedArgs::new();
    args.push(step.ctx.db.to_string().as_bytes());
    for a in step.args.args().iter() {
        args.push(a);
    }
    Part::new(Op::Exec, args)
}

/// Runs a queued command's part ([`part`]) on its shard.
pub fn execute_part(
    redis: &crate::Redis,
    shard: &mut ShardState,
    ctx: Ctx,
    part: Part,
) -> PartReply {
    let args = part.args.args();
    let db = crate::base::num::parse_i64(args.at(0)).unwrap_or(0) as u32;
    let argv = args.skip(1);
    let mut buf = Vec::new();
    match table::find(argv) {
        Ok(spec) => {
            // `start` checked the command's permissions in queue order.
            let ctx = Ctx {
                db,
                quiet: false,
                acl: 0,
                in_exec: true,
                ..ctx
            };
            kevy_rt::Commands::execute(redis, shard, ctx, spec, argv, &mut buf);
        }
        Err(_) => resp::error(
            &mut buf,
            b"ERR internal error: queued command no longer resolves",
        ),
    }
    cross::encoded(buf)
}

impl Exec {
    /// A queued command its user may no longer run (the rules changed
    /// since it was queued): `Some(error)`, checked as it is about to run
    /// (Redis's `execCommand` checks each so), in the `multi` context.
    fn lost(
        &self,
        redis: &crate::Redis,
        shard: &mut ShardState,
        who: crate::family::acl::Who,
        spec: &'static Spec,
        args: Args<'_>,
    ) -> Option<Vec<u8>> {
        let code = who.code(&redis.acl);
        if code == 0 {
            return None;
        }
        let line = self.acl.as_deref().unwrap_or_default();
        let info = |_: &[u8]| line.to_vec();
        let who = crate::family::acl::Asker {
            code,
            multi: true,
            info: &info,
        };
        let err = crate::family::acl::gate_exec(&redis.acl, &mut shard.acl, &who, spec, args)?;
        shard.server.stats.error(&err);
        Some(err)
    }

    /// Keeps what command `i` propagated.
    fn log(&mut self, i: usize, log: Fragment) {
        if log.is_empty() {
            return;
        }
        if self.logs.len() <= i {
            self.logs.resize_with(i + 1, Fragment::default);
        }
        self.logs[i].append(&log);
    }

    /// Writes the transaction's effects to the origin's feed as one
    /// MULTI … EXEC block (nothing when it changed nothing), so a replay
    /// applies all of it or none; a single command goes alone, as Redis
    /// 7.0 propagates it.
    fn propagate(&mut self, shard: &mut ShardState) {
        let logs = std::mem::take(&mut self.logs);
        let mut used = logs.iter().filter(|l| !l.is_empty());
        let Some(first) = used.next() else {
            return;
        };
        let out = shard.aof.out();
        let total: usize = logs
            .iter()
            .map(|l| crate::script::effects::commands(&l.bytes))
            .sum();
        if total < 2 {
            for l in logs.iter().filter(|l| !l.is_empty()) {
                out.append(l);
            }
            return;
        }
        out.command(first.first_db, &["MULTI"]);
        for l in logs.iter().filter(|l| !l.is_empty()) {
            out.append(l);
        }
        let last = out.last_db.unwrap_or(0);
        out.command(last, &["EXEC"]);
    }

    /// Sends the first round (see [`Exec::gather`] for the rest).
    pub fn begin(
        &mut self,
        redis: &crate::Redis,
        shard: &mut ShardState,
        router: &Router,
        next: &mut Vec<(usize, Part)>,
    ) {
        self.advance(redis, shard, router, next);
    }

    /// Sends the next round (parts to `next`), or plans the next
    /// multi-shard command. True when everything ran.
    fn advance(
        &mut self,
        redis: &crate::Redis,
        shard: &mut ShardState,
        router: &Router,
        next: &mut Vec<(usize, Part)>,
    ) -> bool {
        self.round.clear();
        while self.at < self.steps.len() {
            let i = self.at;
            let Some(step) = self.steps[i].as_ref() else {
                self.at += 1;
                continue;
            };
            if let Some(err) = self.lost(redis, shard, step.who, step.spec, step.args.args()) {
                self.replies[i] = Some(err);
                self.at += 1;
                continue;
            }
            if crate::script::owns(step.spec) {
                if !self.round.is_empty() {
                    return false;
                }
                // Run at once in global mode (every shard is held whole);
                // what its local calls propagate joins the block.
                let capturing = shard.aof.on;
                if capturing {
                    shard.aof.start_capture();
                }
                let (ctx, spec) = (step.ctx, step.spec);
                let args = step.args.clone();
                let from = next.len();
                let t =
                    crate::script::plan_in_exec(redis, shard, ctx, spec, args.args(), router, next);
                in_db(&mut next[from..], ctx.db);
                if capturing {
                    let log = shard.aof.end_capture();
                    self.log(i, log);
                }
                self.inner = Some((i, Box::new(t)));
                self.at += 1;
                return false;
            }
            if let Some(s) = single_shard(step.spec, step.args.args(), router) {
                next.push((s, part(step)));
                self.round.push(i);
                self.at += 1;
                continue;
            }
            if !self.round.is_empty() {
                return false;
            }
            let from = next.len();
            let planned = kevy_rt::Commands::plan(
                redis,
                shard,
                step.ctx,
                step.spec,
                step.args.args(),
                router,
                next,
            );
            in_db(&mut next[from..], step.ctx.db);
            self.inner = Some((i, Box::new(planned.plan)));
            self.at += 1;
            return false;
        }
        self.round.is_empty() && self.inner.is_none()
    }

    /// Files a round's replies and moves on; true when the reply is written.
    pub fn gather(
        &mut self,
        redis: &crate::Redis,
        shard: &mut ShardState,
        mut replies: Vec<crate::TimedReply>,
        router: &Router,
        next: &mut Vec<(usize, Part)>,
        out: &mut Vec<u8>,
    ) -> bool {
        loop {
            if let Some((i, mut inner)) = self.inner.take() {
                let mut buf = Vec::new();
                let from = next.len();
                let capturing = shard.aof.on;
                if capturing {
                    shard.aof.start_capture();
                }
                let g = kevy_rt::Commands::gather(
                    redis, shard, &mut inner, replies, router, next, &mut buf,
                );
                if capturing {
                    let log = shard.aof.end_capture();
                    self.log(i, log);
                }
                in_db(&mut next[from..], inner.ctx.db);
                if g == kevy_rt::Gather::Again {
                    self.inner = Some((i, inner));
                    if !next.is_empty() {
                        return false;
                    }
                    replies = Vec::new();
                    continue;
                }
                self.replies[i] = Some(buf);
            } else {
                let round = std::mem::take(&mut self.round);
                for (&i, r) in round.iter().zip(replies) {
                    self.replies[i] = Some(cross::bytes_of(&r.reply).to_vec());
                    self.log(i, r.log);
                }
                self.round = round;
                self.round.clear();
            }
            replies = Vec::new();
            if self.advance(redis, shard, router, next) {
                self.propagate(shard);
                resp::array(out, self.replies.len());
                for r in self.replies.drain(..) {
                    out.extend_from_slice(&r.unwrap_or_default());
                }
                return true;
            }
            if !next.is_empty() {
                return false;
            }
        }
    }
}
