//! What a script command is, by the flags Redis derives from its script
//! (`evalGetCommandFlags`, `fcallGetCommandFlags`): its body, its
//! function's `no-writes`, whether it writes.

use std::sync::Arc;

use kevy_rt::Args;

use super::cmds;
use crate::table::Spec;

/// Whether a script command writes by the flags Redis derives for it
/// (`evalGetCommandFlags`, `fcallGetCommandFlags`), which `EXEC` checks
/// for its queued commands: an `EVAL` or `EVALSHA` whose body has a
/// shebang without `no-writes`, an `FCALL` of a function without
/// `no-writes`. A body without a shebang, an unknown script or function,
/// and the `_RO` forms: not a write.
pub fn derived_write(redis: &crate::Redis, cmd: &Spec, args: Args<'_>) -> bool {
    match cmd.name {
        "eval" | "evalsha" => script_body(redis, cmd, args).is_some_and(
            |b| matches!(cmds::shebang(&b), Ok((flags, _)) if !flags.compat && !flags.no_writes),
        ),
        "fcall" => function_no_writes(redis, args) == Some(false),
        _ => false,
    }
}

/// The body of the script an `EVAL` or `EVALSHA` (`args`) runs: its
/// argument, or the cached body of its digest (`None`: not cached).
pub fn script_body(redis: &crate::Redis, cmd: &Spec, args: Args<'_>) -> Option<Arc<[u8]>> {
    let a = args.get(1)?;
    if cmd.name.starts_with("eval") && !cmd.name.starts_with("evalsha") {
        return Some(Arc::from(a));
    }
    let sha = String::from_utf8_lossy(a).to_ascii_lowercase();
    redis.scripts.body(&sha)
}

/// Whether the function an `FCALL` (`args`) calls declares `no-writes`
/// (`None`: no such function).
pub fn function_no_writes(redis: &crate::Redis, args: Args<'_>) -> Option<bool> {
    let name = String::from_utf8_lossy(args.get(1)?);
    let libs = redis.scripts.libs.lock().ok()?;
    libs.function(&name).map(|(_, meta)| meta.no_writes())
}
