//! Isolation of multi-shard commands: which keys a planned command locks
//! ([`isolate`], behind `Commands::isolate`), found generically from the
//! command table's key specs, never per command.

use kevy_rt::{Args, LockSet};

use super::command::op_getkeys;
use crate::table::{key_flags, Run, Spec};

/// Declares the keys a multi-shard command touches, in read or write mode
/// (read when its key spec says `RO`), so the runtime runs it isolated;
/// FLUSHALL, FLUSHDB and SWAPDB lock every shard whole. False for commands
/// that name no key (server reports, SCAN, KEYS…), which run unlocked, and
/// for requests whose keys cannot be found (the plan writes their error).
pub fn isolate(cmd: &'static Spec, args: Args<'_>, locks: &mut LockSet) -> bool {
    if matches!(cmd.name, "flushall" | "flushdb" | "swapdb") {
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

#[cfg(test)]
mod tests;
