//! WAIT numreplicas timeout, on a server without replicas (Redis 7.0's
//! `waitCommand` with no replica attached): no replica ever acknowledges,
//! so a call asking for none (or fewer than one) answers `0` at once, and
//! any other call waits its whole timeout (0: forever) and answers `0`.
//! It waits parked with no key ([`kevy_rt::Park`]), so `CLIENT UNBLOCK`
//! ends it (`0`, or the `UNBLOCKED` error) and the connection's later
//! commands wait behind it. Inside `MULTI` (and scripts, which refuse
//! it: `noscript`) it answers at once.

use std::time::Duration;

use kevy_rt::{Args, Park, Planned, Router};

use crate::base::error::Error;
use crate::base::num::parse_i64;
use crate::base::resp;
use crate::cross::{Part, Plan};

/// The replicas that acknowledged: none, without replication.
const ACKED: i64 = 0;

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
/// (on no key) unless the acknowledged replicas already suffice.
pub fn blocking(args: Args<'_>) -> Option<Park> {
    match parse(args) {
        Ok((n, timeout)) if n > ACKED => Some(Park { timeout }),
        _ => None,
    }
}

/// WAIT numreplicas timeout, when it does not wait (or inside `MULTI`):
/// the acknowledged replicas.
pub fn plan_wait(_: Args<'_>, _: &Router, _: &mut Vec<(usize, Part)>) -> Planned<Plan> {
    let mut out = Vec::new();
    resp::int(&mut out, ACKED);
    crate::cross::reply(out)
}

/// What a WAIT that timed out (or was unblocked without error) answers.
pub fn timed_out(out: &mut Vec<u8>) {
    resp::int(out, ACKED);
}

#[cfg(test)]
mod tests;
