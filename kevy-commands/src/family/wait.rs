//! WAIT numreplicas timeout (Redis 7.0's `waitCommand`): the number of
//! replicas ([`crate::repl`]) that acknowledged everything they were owed
//! when it was called — a conservative stand-in for the caller's own
//! writes, all of which had been handed to the stream by then. Enough of
//! them already (or a count of 0 or less, or `MULTI`): the count at once.
//! Otherwise it parks with no key ([`kevy_rt::Park`]) until the
//! acknowledgement that completes it (a replica's `REPLCONF ACK`, which
//! ends the wait through [`kevy_rt::Outbox::end_parked`]; the replicas are
//! asked with `REPLCONF GETACK *` at the next tick) or its timeout (0:
//! forever), and answers the count then. `CLIENT UNBLOCK` ends it too
//! (the count, or the `UNBLOCKED` error); the connection's later commands
//! wait behind it. Scripts refuse it (`noscript`).

use std::time::Duration;

use kevy_rt::{Args, Park, Planned};

use crate::base::error::Error;
use crate::base::num::parse_i64;
use crate::base::resp;
use crate::cross::Plan;
use crate::family::ServerCx;
use crate::repl::Replicas;
use crate::session::Session;

/// `numreplicas`, then the timeout in milliseconds (`None`: forever), in
/// Redis's order and with its errors.
fn parse(args: Args<'_>) -> Result<(i64, Option<Duration>), Error> {
    let n = parse_i64(args.at(1)).ok_or(Error::NotInteger)?;
    let ms = parse_i64(args.at(2)).ok_or(Error::Message(
        "ERR timeout is not an integer or out of range",
    ))?;
    if ms < 0 {
        return Err(Error::Message("ERR timeout is negative"));
    }
    Ok((n, (ms > 0).then(|| Duration::from_millis(ms as u64))))
}

/// The resolve-time check: a bad argument never parks.
pub fn check(args: Args<'_>) -> Result<(), Error> {
    parse(args).map(drop)
}

/// [`Commands::blocking`](kevy_rt::Commands::blocking) for WAIT: parks
/// (on no key, registered with `replicas`) unless the acknowledged
/// replicas already suffice.
pub fn blocking(replicas: &Replicas, session: &Session, args: Args<'_>) -> Option<Park> {
    match parse(args) {
        Ok((n, timeout)) if n > 0 && replicas.wait(session.id, session.conn, n as usize) => {
            Some(Park { timeout })
        }
        _ => None,
    }
}

/// WAIT numreplicas timeout, when it does not wait (or inside `MULTI`):
/// the replicas that acknowledged everything owed to them.
pub fn plan_wait(cx: &mut ServerCx<'_, '_>) -> Planned<Plan> {
    let mut out = Vec::new();
    resp::int(&mut out, cx.shard.server.shared.replicas.acked_now() as i64);
    crate::cross::reply(out)
}

/// Ends client `client`'s parked WAIT: what it answers (the replicas that
/// acknowledged what they were owed when it parked).
pub fn finished(replicas: &Replicas, client: u64, out: &mut Vec<u8>) {
    resp::int(out, replicas.finish_wait(client) as i64);
}

#[cfg(test)]
mod tests;
