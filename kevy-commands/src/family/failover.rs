//! FAILOVER: hands the primary's role to one of its replicas (the
//! coordination is `crate::repl::failover`'s).

use kevy_rt::{Args, Flow};

use crate::accounting::Shared;
use crate::base::num::parse_i64;
use crate::base::resp;
use crate::family::Local;
use crate::repl::failover::{Phase, Request};

/// What the arguments ask for.
#[derive(Debug, PartialEq, Eq)]
enum Parsed {
    /// `FAILOVER ABORT`.
    Abort,
    /// A failover.
    Start(Request),
}

/// `FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT milliseconds]`
///
/// Holds writes until a replica (the one at `host:port`, or any) has the
/// whole stream, then makes it the primary and follows it; `TIMEOUT`
/// gives up (with `FORCE`, fails over anyway) when none caught up in
/// time; `ABORT` ends a failover in progress.
pub fn failover(c: &mut Local<'_>) -> Flow {
    let shared = c.shard.server.shared.clone();
    let settings = c.shard.server.info.as_ref().map(|i| i.settings.clone());
    let outcome = parse(c.args).and_then(|parsed| match parsed {
        Parsed::Abort => {
            if shared.failover.abort(&shared, "Failover manually aborted") {
                if let Some(s) = settings {
                    s.hold(None);
                }
                Ok(())
            } else {
                Err(&b"ERR No failover in progress."[..])
            }
        }
        Parsed::Start(req) => {
            check(&shared, &req)?;
            // Writes wait from now on, on every shard (Redis's
            // `PAUSE_DURING_FAILOVER`).
            if let Some(s) = settings {
                s.hold(Some(true));
            }
            let to = match &req.target {
                Some((host, port)) => format!("FAILOVER requested to {host}:{port}."),
                None => "FAILOVER requested to any replica.".to_string(),
            };
            shared.log.log(crate::base::log::Level::Notice, &to);
            shared
                .failover
                .begin(req, crate::base::clock::now_ms().max(0) as u64);
            Ok(())
        }
    });
    match outcome {
        Ok(()) => resp::ok(c.out),
        Err(e) => resp::error(c.out, e),
    }
    Flow::Continue
}

/// The arguments, checked as Redis's `failoverCommand` reads them.
fn parse(args: Args<'_>) -> Result<Parsed, &'static [u8]> {
    const SYNTAX: &[u8] = b"ERR syntax error";
    const NOT_INT: &[u8] = b"ERR value is not an integer or out of range";
    if args.len() == 2 && args.at(1).eq_ignore_ascii_case(b"abort") {
        return Ok(Parsed::Abort);
    }
    let mut req = Request::default();
    let mut j = 1;
    while j < args.len() {
        let word = args.at(j);
        if word.eq_ignore_ascii_case(b"timeout") && j + 1 < args.len() && req.timeout_ms == 0 {
            let ms = parse_i64(args.at(j + 1)).ok_or(NOT_INT)?;
            if ms <= 0 {
                return Err(b"ERR FAILOVER timeout must be greater than 0");
            }
            req.timeout_ms = ms as u64;
            j += 2;
        } else if word.eq_ignore_ascii_case(b"to") && j + 2 < args.len() && req.target.is_none() {
            let port = parse_i64(args.at(j + 2)).ok_or(NOT_INT)?;
            let host = String::from_utf8_lossy(args.at(j + 1)).into_owned();
            // Redis keeps the port as given; no replica listens outside
            // 0..=65535, so any other is "not a replica".
            let port = u16::try_from(port).unwrap_or(0);
            req.target = Some((host, port));
            j += 3;
        } else if word.eq_ignore_ascii_case(b"force") && !req.force {
            req.force = true;
            j += 1;
        } else {
            return Err(SYNTAX);
        }
    }
    Ok(Parsed::Start(req))
}

/// Whether a failover may start now, in Redis's order of checks.
fn check(shared: &Shared, req: &Request) -> Result<(), &'static [u8]> {
    if shared.failover.phase() != Phase::None {
        return Err(b"ERR FAILOVER already in progress.");
    }
    if shared.upstream.active() {
        return Err(b"ERR FAILOVER is not valid when server is a replica.");
    }
    if shared.replicas.ids().is_empty() {
        return Err(b"ERR FAILOVER requires connected replicas.");
    }
    if req.force && (req.timeout_ms == 0 || req.target.is_none()) {
        return Err(
            b"ERR FAILOVER with force option requires both a timeout and target HOST and IP.",
        );
    }
    if let Some((host, port)) = &req.target {
        match shared.replicas.find(host, *port) {
            None => return Err(b"ERR FAILOVER target HOST and PORT is not a replica."),
            Some(false) => return Err(b"ERR FAILOVER target replica is not online."),
            Some(true) => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
