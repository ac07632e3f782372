//! Connection commands: PING, ECHO, QUIT, SELECT, HELLO (in `hello`), and
//! the replies to requests that did not resolve (unknown command or
//! subcommand, wrong arity).

mod hello;
pub use hello::{hello, redacted};

use kevy_rt::Flow;

use super::Local;
use crate::base::error::{self, Error};
use crate::base::num::int_arg;
use crate::base::resp;
use crate::table::{self, Rejected};

/// `PING [message]`
pub fn ping(c: &mut Local<'_>) -> Flow {
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

/// Validates a SELECT index against `databases`.
pub(crate) fn op_select(arg: &[u8], databases: usize) -> Result<usize, Error> {
    let n = int_arg(arg)?;
    if n < i32::MIN as i64 || n > i32::MAX as i64 {
        return Err(Error::IntOutOfRange);
    }
    if n < 0 || n as usize >= databases {
        return Err(Error::DbIndexOutOfRange);
    }
    Ok(n as usize)
}

/// The handler of [`table::REJECT`]: writes why the request did not resolve.
pub fn reject(c: &mut Local<'_>) -> Flow {
    match table::find(c.args) {
        Err(Rejected::UnknownCommand) => error::unknown_command(c.args, c.out),
        Err(Rejected::UnknownSubcommand) => error::unknown_subcommand(c.args, c.out),
        Err(Rejected::Error(e)) => e.write(c.args, c.out),
        // Resolution is deterministic, so a rejected request stays rejected;
        // should that ever change, report it like an unknown command.
        Ok(_) => error::unknown_command(c.args, c.out),
    }
    Flow::Continue
}

#[cfg(test)]
mod tests;
