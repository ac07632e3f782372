//! What a replica refuses, and when (Redis's `processCommand` checks):
//! clients' writes on a read-only replica (`-READONLY`), writes on a
//! primary with too few good replicas (`-NOREPLICAS`) or whose last
//! background save failed under `stop-writes-on-bgsave-error`
//! (`-MISCONF`), and, while the
//! link to the primary is not up and `replica-serve-stale-data` is `no`,
//! every command not flagged `stale` (`-MASTERDOWN`). The connection that
//! applies the primary's stream is never refused a write; while the link is
//! down it sends only `stale` commands (`AUTH`, `REPLCONF`, `DEBUG RELOAD`).

use std::sync::atomic::Ordering;

use kevy_rt::Flow;

use crate::accounting::Shared;
use crate::family::spec::{flags, Run, Spec};
use crate::family::Local;
use crate::repl::upstream::State;

/// Redis's refusal of a write on a read-only replica.
pub const READONLY: &[u8] = b"READONLY You can't write against a read only replica.";

/// Redis's refusal of a command on a stale replica.
pub const MASTERDOWN: &[u8] =
    b"MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";

/// Redis's refusal of a write while fewer replicas acknowledge than
/// `min-replicas-to-write` asks for.
pub const NOREPLICAS: &[u8] = b"NOREPLICAS Not enough good replicas to write.";

/// Redis's refusal of writes (and PING) on a primary whose last background
/// save failed, with `save` rules and `stop-writes-on-bgsave-error yes`.
pub const MISCONF: &[u8] = b"MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";

/// True when writes are refused with [`MISCONF`] (Redis's
/// `writeCommandsDeniedByDiskError`, its RDB half): never on a replica.
/// One relaxed load while the last save went well.
#[inline]
pub fn disk_error(shared: &Shared) -> bool {
    !shared.persist.last_bgsave_ok.load(Ordering::Relaxed) && disk_error_slow(shared)
}

#[cold]
fn disk_error_slow(shared: &Shared) -> bool {
    !shared.upstream.active()
        && shared.config.get_bool("stop-writes-on-bgsave-error")
        && crate::persist::state::has_save_rules(shared.config.get("save"))
}

/// What a write from the loopback connection of a replication link that
/// has ended gets (kevy's own: only that link's thread ever sees it).
pub const LINK_ENDED: &[u8] = b"ERR this connection's replication link has ended";

/// A script's call of a command not flagged `stale` on a stale replica.
pub const STALE_CALL: &[u8] = b"Can not execute the command on a stale replica";

/// True when a write (`cmd_flags` has `write`) from client `client` is
/// refused: this server is a read-only replica and the client is not the
/// link applying the primary's stream.
#[inline]
pub fn read_only_for(shared: &Shared, cmd_flags: u32, client: u64) -> bool {
    cmd_flags & flags::WRITE != 0 && {
        let up = &shared.upstream;
        up.active() && !up.is_link(client) && shared.config.get_bool("replica-read-only")
    }
}

/// The refusal of a write (`cmd_flags` has `write`) from client `client`,
/// if it is refused: on a primary, after a failed background save
/// ([`disk_error`]: `-MISCONF`) or while too few replicas are good
/// (`-NOREPLICAS`); on a read-only replica, unless the client is the link
/// (`-READONLY`). One branch for a command that does not write.
#[inline]
pub fn write_refusal(shared: &Shared, cmd_flags: u32, client: u64) -> Option<&'static [u8]> {
    if cmd_flags & flags::WRITE == 0 {
        return None;
    }
    if shared.upstream.is_retired_link(client) {
        return Some(LINK_ENDED);
    }
    if disk_error(shared) {
        return Some(MISCONF);
    }
    if shared.replicas.refusing() && !shared.upstream.active() {
        return Some(NOREPLICAS);
    }
    read_only_for(shared, cmd_flags, client).then_some(READONLY)
}

/// Redis's "running stale": a replica whose link to the primary is not up
/// (connecting, or loading the snapshot) while `replica-serve-stale-data`
/// is `no`. One atomic load when this server is no replica.
#[inline]
pub fn running_stale(shared: &Shared) -> bool {
    let up = &shared.upstream;
    up.active()
        && up.state() != State::Connected
        && !shared.config.get_bool("replica-serve-stale-data")
}

/// The stand-in a command resolves to when a stale replica refuses it
/// (`Commands::resolve`): `None` when `cmd` may run. A write on a read-only
/// replica is left to its `-READONLY`, which Redis checks first.
#[inline]
pub fn stale_refusal(shared: &Shared, cmd: &'static Spec) -> Option<&'static Spec> {
    if cmd.flags & flags::STALE != 0 || !running_stale(shared) {
        return None;
    }
    if cmd.flags & flags::WRITE != 0 && shared.config.get_bool("replica-read-only") {
        return None;
    }
    Some(&REFUSED_STALE)
}

/// The stand-in of a command refused on a stale replica.
pub static REFUSED_STALE: Spec = Spec::new("(stale)", -1, 0, [0, 0, 0], Run::Local(refuse_stale));

fn refuse_stale(c: &mut Local<'_>) -> Flow {
    crate::family::txn::reject_with(c, MASTERDOWN)
}

#[cfg(test)]
mod tests;
