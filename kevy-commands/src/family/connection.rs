//! Connection commands: PING, ECHO, QUIT, SELECT, HELLO (in `hello`), and
//! the replies to requests that did not resolve (unknown command or
//! subcommand, wrong arity).

mod hello;
pub use hello::{hello, redacted};

use kevy_rt::Flow;

use super::opts::op_select;
use super::spec::{catalog, Rejected, Run, Spec};
use super::Local;
use crate::base::error::{self, Error};
use crate::base::resp;

/// `PING [message]`
pub fn ping(c: &mut Local<'_>) -> Flow {
    // Redis refuses PING too while writes are (a health check sees it).
    if super::replica::disk_error(&c.shard.server.shared) {
        resp::error(c.out, super::replica::MISCONF);
        return Flow::Continue;
    }
    if c.session.subscribed && !c.out.resp3() && c.args.len() <= 2 {
        let msg = (c.args.len() == 2).then(|| c.args.at(1));
        super::pubsub::subscribed_pong(c.out, msg);
        return Flow::Continue;
    }
    match c.args.len() {
        1 => resp::simple(c.out, b"PONG"),
        2 => resp::bulk(c.out, c.args.at(1)),
        _ => Error::WrongArity("ping").write(c.args, c.out),
    }
    Flow::Continue
}

/// ECHO message
pub fn echo(c: &mut Local<'_>) -> Flow {
    resp::bulk(c.out, c.args.at(1));
    Flow::Continue
}

/// QUIT
pub fn quit(c: &mut Local<'_>) -> Flow {
    resp::ok(c.out);
    Flow::Close
}

/// SELECT index
pub fn select(c: &mut Local<'_>) -> Flow {
    match op_select(c.args.at(1), c.shard.dbs.len()) {
        Ok(db) => {
            c.session.db = db;
            resp::ok(c.out);
        }
        Err(e) => e.write(c.args, c.out),
    }
    Flow::Continue
}

/// The handler of [`REJECT`]: writes why the request did not resolve. A
/// refused `EXEC` (wrong arity), in `MULTI` or not, discards the transaction
/// and every watch and quotes the refusal in an `-EXECABORT` error, as
/// Redis's `rejectCommand` does through `execCommandAbort`.
pub fn reject(c: &mut Local<'_>) -> Flow {
    let start = c.out.len();
    write_rejection(c);
    if c.args
        .get(0)
        .is_some_and(|v| v.eq_ignore_ascii_case(b"exec"))
    {
        let err = c.out.split_off(start);
        c.session.multi = None;
        super::watch::unwatch_all(c.shard, c.session);
        // Redis formats this refusal without its `ERR ` (`rejectCommandFormat`).
        let text = err.strip_prefix(b"-ERR ").unwrap_or(&err);
        c.out.extend_from_slice(&error::exec_abort(text));
    }
    Flow::Continue
}

fn write_rejection(c: &mut Local<'_>) {
    match (catalog().find)(c.args) {
        Err(Rejected::UnknownCommand) => error::unknown_command(c.args, c.out),
        Err(Rejected::UnknownSubcommand) => error::unknown_subcommand(c.args, c.out),
        Err(Rejected::Error(e)) => e.write(c.args, c.out),
        // Resolution is deterministic, so a rejected request stays rejected;
        // should that ever change, report it like an unknown command.
        Ok(_) => error::unknown_command(c.args, c.out),
    }
}

/// The stand-in for a request that failed to resolve (unknown verb or
/// subcommand, wrong arity, a failed [`Spec::check`]). It runs locally and
/// writes the error `table::find` reports (read through the
/// [`Catalog`](super::spec::Catalog)).
pub static REJECT: Spec = Spec::new("(rejected)", -1, 0, [0, 0, 0], Run::Local(reject));

#[cfg(test)]
mod tests;
