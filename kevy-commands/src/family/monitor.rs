//! TIME, LASTSAVE, ROLE and MONITOR (with the line monitors receive).

use std::time::{SystemTime, UNIX_EPOCH};

use kevy_rt::{Args, ClientFacts, Flow};

use super::connection::REJECT;
use super::spec::{flags, Spec};
use super::Local;
use crate::accounting::Shared;
use crate::base::resp;
use crate::base::text::repr;
use crate::session::Session;

/// TIME
pub fn time(c: &mut Local<'_>) -> Flow {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    resp::array(c.out, 2);
    resp::bulk_int(c.out, d.as_secs() as i64);
    resp::bulk_int(c.out, d.subsec_micros() as i64);
    Flow::Continue
}

pub use super::persist::lastsave;

/// MONITOR
pub fn monitor(c: &mut Local<'_>) -> Flow {
    c.session.monitor = true;
    resp::ok(c.out);
    Flow::Monitor
}

pub use crate::accounting::REDACTED;

/// Settings whose values `CONFIG SET` hides (Redis's `SENSITIVE_CONFIG`).
const SENSITIVE_CONFIGS: [&str; 3] = ["masteruser", "masterauth", "requirepass"];

/// The positions of `args` that MONITOR and the slow log hide, as Redis's
/// `redactClientCommandArgument` calls do, even when the command then
/// fails: HELLO's AUTH credentials, AUTH's, every argument of ACL SETUSER
/// from the user name on, the values of sensitive settings in CONFIG SET,
/// and MIGRATE's AUTH / AUTH2 credentials.
pub fn redactions(cmd: &Spec, args: Args<'_>) -> Vec<usize> {
    match cmd.name {
        "hello" => super::connection::redacted(args),
        // More than 3 arguments is a syntax error before any redaction.
        "auth" if args.len() <= 3 => (1..args.len()).collect(),
        "acl|setuser" => (2..args.len()).collect(),
        "config|set" => (2..args.len())
            .step_by(2)
            .filter(|&j| j + 1 < args.len())
            .filter(|&j| {
                SENSITIVE_CONFIGS
                    .iter()
                    .any(|n| args.at(j).eq_ignore_ascii_case(n.as_bytes()))
            })
            .map(|j| j + 1)
            .collect(),
        "migrate" => migrate_redactions(args),
        _ => Vec::new(),
    }
}

/// MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH password |
/// AUTH2 username password] [KEYS key …]: the credentials' positions, up to
/// the first syntax error (Redis's `migrateCommand` option loop).
fn migrate_redactions(args: Args<'_>) -> Vec<usize> {
    let mut hidden = Vec::new();
    let mut j = 6;
    while j < args.len() {
        let more = args.len() - 1 - j;
        let a = args.at(j);
        if a.eq_ignore_ascii_case(b"auth") {
            if more == 0 {
                break;
            }
            j += 1;
            hidden.push(j);
        } else if a.eq_ignore_ascii_case(b"auth2") {
            if more < 2 {
                break;
            }
            hidden.extend([j + 1, j + 2]);
            j += 2;
        } else if !a.eq_ignore_ascii_case(b"copy") && !a.eq_ignore_ascii_case(b"replace") {
            // KEYS ends the options; anything else is a syntax error.
            break;
        }
        j += 1;
    }
    hidden
}

/// Appends the line monitors see for a command, in Redis's format:
/// `+1700000000.123456 [0 127.0.0.1:54321] "SET" "k" "v"`. Commands Redis
/// keeps from monitors (administrative ones, those flagged `skip_monitor`,
/// and requests refused before running) produce nothing.
pub fn monitor_line(
    shared: &Shared,
    session: &Session,
    client: &ClientFacts,
    cmd: &'static Spec,
    args: Args<'_>,
    out: &mut Vec<u8>,
) {
    // Scripts are `skip_monitor`, but `evalCommand` and `fcallCommand`
    // feed their own line (before their calls' lines).
    let script = matches!(
        cmd.name,
        "eval" | "evalsha" | "eval_ro" | "evalsha_ro" | "fcall" | "fcall_ro"
    );
    if std::ptr::eq(cmd, &REJECT)
        || (!script && cmd.flags & (flags::ADMIN | flags::SKIP_MONITOR) != 0)
    {
        return;
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let who = if client.unix {
        format!(
            "unix:{}",
            shared.config.get("unixsocket").unwrap_or_default()
        )
    } else {
        client.peer.map(|p| p.to_string()).unwrap_or_default()
    };
    // Redis writes the line after the command ran: a SELECT shows the
    // database it selected.
    let mut db = session.db;
    if cmd.name == "select" {
        let databases = shared.config.get_i64("databases").max(1) as u64;
        if let Some(n) = args.get(1).and_then(crate::base::num::parse_i64) {
            if (0..databases as i64).contains(&n) {
                db = n as usize;
            }
        }
    }
    let head = format!(
        "+{}.{:06} [{db} {who}] ",
        now.as_secs(),
        now.subsec_micros(),
    );
    out.extend_from_slice(head.as_bytes());
    let hidden = redactions(cmd, args);
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        repr(out, if hidden.contains(&i) { REDACTED } else { a });
    }
    out.extend_from_slice(b"\r\n");
}

/// What `SHUTDOWN` was asked to do.
#[derive(Debug, PartialEq, Eq)]
pub enum ShutdownOp {
    /// Stop the server; `save` asks for a snapshot first.
    Stop {
        /// `SAVE` (`Some(true)`) or `NOSAVE` (`Some(false)`) was given.
        save: Option<bool>,
    },
    /// `ABORT`: cancel a shutdown in progress.
    Abort,
}

/// Parses `SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT]` as Redis 7.0 does:
/// ABORT stands alone, NOSAVE and SAVE exclude each other.
pub fn parse_shutdown(args: Args<'_>) -> Result<ShutdownOp, crate::base::error::Error> {
    use super::opts::keyword;
    let (mut nosave, mut save, mut abort, mut other) = (false, false, false, false);
    for a in args.skip(1).iter() {
        if keyword(a, "nosave") {
            nosave = true;
        } else if keyword(a, "save") {
            save = true;
        } else if keyword(a, "now") || keyword(a, "force") {
            other = true;
        } else if keyword(a, "abort") {
            abort = true;
        } else {
            return Err(crate::base::error::Error::Syntax);
        }
    }
    if (abort && (nosave || save || other)) || (nosave && save) {
        return Err(crate::base::error::Error::Syntax);
    }
    Ok(if abort {
        ShutdownOp::Abort
    } else {
        ShutdownOp::Stop {
            save: (save || nosave).then_some(save),
        }
    })
}

/// SHUTDOWN \[NOSAVE | SAVE\] \[NOW\] \[FORCE\] \[ABORT\]
///
/// Stops the server (every shard) without a reply, as Redis does, saving
/// the data when `SAVE` is given or, unless `NOSAVE` is, when `save` rules
/// are configured: each shard hands its databases over as it stops and
/// the embedder (kevy-server) writes the file ([`crate::Redis::final_save`]).
/// There is never a shutdown in progress to ABORT (the shutdown is
/// immediate).
pub fn shutdown(c: &mut Local<'_>) -> Flow {
    match parse_shutdown(c.args) {
        Err(e) => {
            e.write(c.args, c.out);
            Flow::Continue
        }
        Ok(ShutdownOp::Abort) => {
            resp::error(c.out, b"ERR No shutdown in progress.");
            Flow::Continue
        }
        Ok(ShutdownOp::Stop { save }) => {
            let shared = &c.shard.server.shared;
            let rules =
                !crate::persist::state::save_rules(&shared.config.get("save").unwrap_or_default())
                    .is_empty();
            // During the start-up load, nothing is saved (Redis forces
            // NOSAVE then: the data is not all there).
            let loading = shared
                .persist
                .loading
                .load(std::sync::atomic::Ordering::Acquire);
            shared.persist.save_on_stop.store(
                save.unwrap_or(rules) && !loading,
                std::sync::atomic::Ordering::Relaxed,
            );
            Flow::Shutdown
        }
    }
}

#[cfg(test)]
mod tests;
