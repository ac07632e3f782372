//! Transactions and isolation: which keys a planned command locks
//! ([`isolate`], behind `Commands::isolate`), found generically from the
//! command table's key specs, never per command; and `MULTI`, `DISCARD`,
//! the queuing of commands while in `MULTI`, and `EXEC`'s refusals (the
//! execution itself is a plan the crate root runs under the locks of every
//! queued key).

use kevy_rt::{Args, Flow, LockSet, Planned, Router};

use super::command::op_getkeys;
use super::{connection, Local};
use crate::base::resp;
use crate::cross::{self, Part, Plan};
use crate::family::spec::{catalog, flags, key_flags, Run, Spec};
use crate::session::{Multi, Session};

/// `MULTI`: starts queuing.
pub fn multi(c: &mut Local<'_>) -> Flow {
    if c.session.multi.is_some() {
        resp::error(c.out, b"ERR MULTI calls can not be nested");
    } else {
        c.session.multi = Some(Multi::default());
        resp::ok(c.out);
    }
    Flow::Continue
}

/// `DISCARD`: drops the queued commands.
pub fn discard(c: &mut Local<'_>) -> Flow {
    if c.session.multi.take().is_some() {
        super::watch::unwatch_all(c.shard, c.session);
        resp::ok(c.out);
    } else {
        resp::error(c.out, b"ERR DISCARD without MULTI");
    }
    Flow::Continue
}

/// `EXEC` outside `MULTI` (inside, the crate root plans it isolated).
pub fn plan_exec(_: Args<'_>, _: &Router, _: &mut Vec<(usize, Part)>) -> Planned<Plan> {
    let mut reply = Vec::new();
    resp::error(&mut reply, b"ERR EXEC without MULTI");
    cross::planned(Plan::Reply(reply))
}

/// The commands a session in `MULTI` runs instead of queuing them.
fn runs_in_multi(cmd: &Spec) -> bool {
    matches!(
        cmd.name,
        "exec" | "discard" | "multi" | "watch" | "quit" | "reset"
            // A busy script's `-BUSY` refusal: answered, failing the transaction.
            | "(busy)"
    )
}

/// Whether `session` queues `cmd` (it is in `MULTI`).
#[inline]
pub fn diverted(session: &Session, cmd: &'static Spec) -> bool {
    session.multi.is_some() && !runs_in_multi(cmd)
}

/// Queues a command of a session in `MULTI` (`+QUEUED`), or refuses it and
/// marks the transaction failed, as Redis's `processCommand` does.
pub fn queue(c: &mut Local<'_>, cmd: &'static Spec) -> Flow {
    let mark = c.out.len();
    if std::ptr::eq(cmd, &connection::REJECT) && !runtime_error(c.args) {
        let flow = connection::reject(c);
        if let Some(m) = c.session.multi.as_mut() {
            m.dirty = true;
        }
        // A rejected call of the command named, when it is one, and an
        // error reply (Redis's `rejectCommand`).
        let reply = c.out[mark..].to_vec();
        c.shard
            .server
            .done(cmd, 0, &reply, &c.session.who(), c.args, None);
        return flow;
    }
    let stand_in = cmd.name.starts_with('(') && !std::ptr::eq(cmd, &connection::REJECT);
    if let (true, Run::Local(refuse)) = (stand_in, cmd.run) {
        // A stand-in for a refusal (a stale replica's, a busy script's):
        // refused now, failing the transaction, never queued. (A request
        // that failed to resolve on a runtime error is queued, as in
        // Redis: its error comes at EXEC.)
        let flow = refuse(c);
        let reply = c.out[mark..].to_vec();
        c.shard
            .server
            .done(cmd, 0, &reply, &c.session.who(), c.args, None);
        return flow;
    }
    let Some(m) = c.session.multi.as_mut() else {
        return Flow::Continue;
    };
    if cmd.flags & flags::NO_MULTI != 0 {
        m.dirty = true;
        resp::error(c.out, b"ERR Command not allowed inside a transaction");
        rejected(c, cmd, mark);
        return Flow::Continue;
    }
    // A write on a read-only replica, or on a primary with too few good
    // replicas, fails the transaction at once, as Redis's `processCommand`
    // refuses it before queueing.
    let refused = if c.shard.loading {
        None
    } else {
        super::replica::write_refusal(&c.shard.server.shared, cmd.flags, c.cx.client.id)
    };
    if let Some(err) = refused {
        m.dirty = true;
        resp::error(c.out, err);
        rejected(c, cmd, mark);
        return Flow::Continue;
    }
    // Queuing may use memory without bound: over `maxmemory` (once
    // eviction cannot free enough) every queued command is refused, as
    // Redis's `processCommand` does, failing the transaction.
    if c.shard.refuses_write(c.args) {
        if let Some(m) = c.session.multi.as_mut() {
            m.dirty = true;
        }
        resp::error(c.out, crate::shard::evict::OOM);
        rejected(c, cmd, mark);
        return Flow::Continue;
    }
    let Some(m) = c.session.multi.as_mut() else {
        return Flow::Continue;
    };
    m.queue.push(c.args.to_owned_args());
    resp::simple(c.out, b"QUEUED");
    Flow::Continue
}

/// Counts a refusal written since `mark`: a rejected call of `cmd` and
/// its error reply.
fn rejected(c: &mut Local<'_>, cmd: &'static Spec, mark: usize) {
    let reply = c.out[mark..].to_vec();
    c.shard.server.rejected((catalog().id_of)(cmd), &reply);
}

/// Whether a rejected request is refused only by its command's resolve-time
/// check ([`Spec::check`]: a bad numkeys, timeout, LIMIT, an odd MSETNX…),
/// an error Redis finds as the command runs: inside `MULTI` it is queued,
/// and its error is its reply in `EXEC`'s (where it is rejected again).
/// Unknown commands and arities outside the table's are refused at once,
/// failing the transaction.
fn runtime_error(args: Args<'_>) -> bool {
    (catalog().lookup_args)(args).is_some_and(|spec| spec.arity_ok(args.len()))
}

/// The locks of a queued transaction: every key of every queued command,
/// and the watched keys (read: `EXEC` checks them under the locks).
pub fn isolate_exec(multi: &Multi, watched: &[(u32, Vec<u8>)], locks: &mut LockSet) {
    for (_, key) in watched {
        locks.read(key);
    }
    for args in &multi.queue {
        if let Ok(spec) = (catalog().find)(args.args()) {
            if spec.is_script() {
                // A script finds its keys as it runs (`EXEC` runs it in
                // global mode): every shard whole.
                locks.everything();
                return;
            }
            isolate(spec, args.args(), locks);
        }
    }
}

/// The one-round multi-key commands (MSET, MGET, DEL, UNLINK, EXISTS,
/// TOUCH): planned from their arguments alone, one part per shard, no
/// second round. Declares their keys (every key argument, in the mode their
/// key spec gives: MGET, EXISTS and TOUCH read) without the generic key
/// finder, and the operation one-round (`LockSet::one_round`: each shard's
/// part runs as its locks are granted). False for any other command. Not
/// for queued commands: `EXEC` plans its transaction under its locks.
pub fn one_round(cmd: &'static Spec, args: Args<'_>, locks: &mut LockSet) -> bool {
    let (step, write) = match cmd.name {
        "mset" => (2, true),
        "del" | "unlink" => (1, true),
        "mget" | "exists" | "touch" => (1, false),
        _ => return false,
    };
    for key in args.iter().skip(1).step_by(step) {
        if write {
            locks.write(key);
        } else {
            locks.read(key);
        }
    }
    locks.one_round();
    // Planned right after: its split by shard reuses these hashes.
    cross::routes::keep(locks);
    true
}

/// Whether `cmd` is one of [`one_round`]'s commands.
pub fn is_one_round(cmd: &'static Spec) -> bool {
    matches!(
        cmd.name,
        "mset" | "del" | "unlink" | "mget" | "exists" | "touch"
    )
}

/// Declares the keys a multi-shard command touches, in read or write mode
/// (read when its key spec says `RO`), so the runtime runs it isolated;
/// FLUSHALL, FLUSHDB and SWAPDB lock every shard whole. False for commands
/// that name no key (server reports, SCAN, KEYS…), which run unlocked, and
/// for requests whose keys cannot be found (the plan writes their error).
pub fn isolate(cmd: &'static Spec, args: Args<'_>, locks: &mut LockSet) -> bool {
    if cmd.name == "exec" {
        return false;
    }
    if matches!(
        cmd.name,
        "flushall" | "flushdb" | "swapdb" | "bgrewriteaof" | "sync" | "psync"
    ) {
        locks.everything();
        return true;
    }
    if matches!(cmd.run, Run::Server(_) | Run::Local(_)) || !cmd.has_keys() {
        return false;
    }
    let Ok(keys) = op_getkeys(args) else {
        return false;
    };
    for (at, flags) in keys {
        if at >= args.len() {
            continue;
        }
        if flags & key_flags::RO != 0 {
            locks.read(args.at(at));
        } else {
            locks.write(args.at(at));
        }
    }
    !locks.is_empty()
}

/// Redis's `rejectCommand` with error `text`: a refused `EXEC` discards
/// the transaction (`-EXECABORT Transaction discarded because of: …`); any
/// other refusal fails a transaction being queued.
pub fn reject_with(c: &mut Local<'_>, text: &[u8]) -> Flow {
    if c.args.at(0).eq_ignore_ascii_case(b"exec") {
        c.session.multi = None;
        super::watch::unwatch_all(c.shard, c.session);
        let mut msg = b"EXECABORT Transaction discarded because of: ".to_vec();
        msg.extend_from_slice(text);
        resp::error(c.out, &msg);
        return Flow::Continue;
    }
    if let Some(m) = c.session.multi.as_mut() {
        m.dirty = true;
    }
    resp::error(c.out, text);
    Flow::Continue
}

#[cfg(test)]
mod tests;
