//! What `MONITOR` shows of a script, as Redis 7.0 does: the `EVAL`,
//! `EVALSHA` or `FCALL` line itself (`family::monitor`), then, as each
//! `redis.call` ran, its line with the `lua` client:
//! `+1700000000.123456 [0 lua] "set" "k" "v"` (a global-mode call on
//! another shard is shown by that shard, `execute_call`).
//!
//! The lines wait in a per-thread buffer (each shard is one thread) until
//! the runtime collects them with its own monitor lines
//! (`Commands::monitor_lines`), so nothing is paid while no one monitors.

use std::cell::RefCell;
use std::time::{SystemTime, UNIX_EPOCH};

use kevy_rt::Args;

use crate::base::text::repr;
use crate::shard::ShardState;

thread_local! {
    static LINES: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Whether some connection monitors.
fn watched(shard: &ShardState) -> bool {
    shard
        .server
        .info
        .as_ref()
        .is_some_and(|i| i.settings.monitors() > 0)
}

/// Records the line of a script's call `args`, run in database `db`.
pub(crate) fn call(shard: &ShardState, db: u32, args: Args<'_>) {
    if !watched(shard) {
        return;
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    LINES.with(|l| {
        let mut out = l.borrow_mut();
        out.extend_from_slice(
            format!("+{}.{:06} [{db} lua] ", now.as_secs(), now.subsec_micros()).as_bytes(),
        );
        for (i, a) in args.iter().enumerate() {
            if i > 0 {
                out.push(b' ');
            }
            repr(&mut out, a);
        }
        out.extend_from_slice(b"\r\n");
    });
}

/// Where the lines recorded so far end (see [`forget`]).
pub(crate) fn mark() -> usize {
    LINES.with(|l| l.borrow().len())
}

/// Drops the lines recorded after `mark`: a shard-mode run that stopped to
/// run again in global mode, where its calls are made (and shown) anew.
pub(crate) fn forget(mark: usize) {
    LINES.with(|l| l.borrow_mut().truncate(mark));
}

/// Moves the lines recorded on this thread to `out`.
pub fn drain(out: &mut Vec<u8>) {
    LINES.with(|l| {
        let mut lines = l.borrow_mut();
        out.extend_from_slice(&lines);
        lines.clear();
    });
}
