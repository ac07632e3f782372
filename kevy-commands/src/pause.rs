//! Which requests a `CLIENT PAUSE` holds (Redis's `processCommand`): every
//! one during a full pause; during a `WRITE` pause, those that write or may
//! replicate — write commands, Redis's `may_replicate` ones (`PUBLISH`,
//! `SPUBLISH`, `PFCOUNT`, and scripts that declare no flags), scripts whose
//! shebang or function flags do not say `no-writes`, and an `EXEC` whose
//! queue holds any of those.

use kevy_rt::Args;

use crate::family::connection::REJECT;
use crate::family::spec::{flags, Spec};
use crate::script::cmds::shebang;
use crate::session::Session;
use crate::{table, Redis};

/// Whether `cmd` (`args`) of `session` waits while clients are paused
/// (`writes_only`: a `WRITE` pause).
pub fn pausable(
    redis: &Redis,
    session: &Session,
    cmd: &'static Spec,
    args: Args<'_>,
    writes_only: bool,
) -> bool {
    if std::ptr::eq(cmd, &REJECT) {
        return false;
    }
    if !writes_only {
        return true;
    }
    if cmd.name == "exec" {
        return session.multi.as_ref().is_some_and(|m| {
            m.queue.iter().any(|q| {
                let q = q.args();
                table::find(q).is_ok_and(|spec| holds(redis, spec, q))
            })
        });
    }
    holds(redis, cmd, args)
}

/// `cmd` writes or may replicate (what a `WRITE` pause holds).
fn holds(redis: &Redis, cmd: &'static Spec, args: Args<'_>) -> bool {
    if cmd.flags & flags::WRITE != 0 {
        return true;
    }
    match cmd.name {
        "publish" | "spublish" | "pfcount" => true,
        "eval" | "evalsha" => match crate::script::script_body(redis, cmd, args) {
            // Declared flags replace `may_replicate` (Redis's
            // `scriptFlagsToCmdFlags`): only `no-writes` spares it.
            Some(body) => shebang(&body).map_or(true, |(f, _)| !f.no_writes),
            // A script not cached: refused at once, as Redis's NOSCRIPT.
            None => false,
        },
        "fcall" => crate::script::function_no_writes(redis, args) != Some(true),
        _ => false,
    }
}

#[cfg(test)]
mod tests;
