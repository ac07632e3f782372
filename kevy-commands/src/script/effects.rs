//! What a script leaves in the append-only file: its effects, as Redis 7.0
//! propagates them (`propagatePendingCommands`): the writes its calls made,
//! in order, wrapped in `MULTI` … `EXEC` when there is more than one (one
//! write goes alone; none logs nothing), and never wrapped again inside a
//! transaction (`EXEC` already wraps its block).
//!
//! A run captures what its calls propagate ([`begin`] / [`end`]; a capture
//! an outer `EXEC` holds is set aside meanwhile) and the script's effects
//! are written once it ends ([`write`]): on the shard that ran it in shard
//! mode, on the origin in global mode (remote calls' effects come back with
//! their parts' replies). Every shard the script touched is locked until
//! then, so no other write is logged between its effects.

use crate::aof::Fragment;
use crate::shard::ShardState;

/// A capture in progress: the one it set aside (an outer `EXEC`'s).
pub(crate) struct Capturing(Option<Fragment>);

/// Starts capturing this shard's propagation (`None` with the file off).
pub(crate) fn begin(shard: &mut ShardState) -> Option<Capturing> {
    if !shard.aof.on {
        return None;
    }
    let outer = shard.aof.capture.take();
    shard.aof.start_capture();
    Some(Capturing(outer))
}

/// Ends the capture [`begin`] started: what it holds (the outer capture,
/// if any, back in place).
pub(crate) fn end(shard: &mut ShardState, capturing: Option<Capturing>) -> Fragment {
    let Some(Capturing(outer)) = capturing else {
        return Fragment::default();
    };
    let log = shard.aof.end_capture();
    shard.aof.capture = outer;
    log
}

/// Propagates a script's effects `log` (see the module doc).
pub(crate) fn write(shard: &mut ShardState, log: &Fragment) {
    if log.is_empty() || !shard.aof.on {
        return;
    }
    let in_exec = shard.aof.capture.is_some();
    let out = shard.aof.out();
    if in_exec || commands(&log.bytes) < 2 {
        out.append(log);
        return;
    }
    out.command(log.first_db, &["MULTI"]);
    out.append(log);
    let last = out.last_db.unwrap_or(0);
    out.command(last, &["EXEC"]);
}

/// The commands in `bytes` (RESP arrays of bulk strings), `SELECT`s not
/// counted.
pub(crate) fn commands(bytes: &[u8]) -> usize {
    let mut n = 0;
    let mut at = 0;
    while at < bytes.len() {
        let Some((argc, next)) = header(bytes, at, b'*') else {
            break;
        };
        at = next;
        let mut first: &[u8] = b"";
        for i in 0..argc {
            let Some((len, next)) = header(bytes, at, b'$') else {
                return n;
            };
            let end = (next + len).min(bytes.len());
            if i == 0 {
                first = &bytes[next..end];
            }
            at = end + 2;
        }
        if !first.eq_ignore_ascii_case(b"select") {
            n += 1;
        }
    }
    n
}

/// The number after `kind` at `at` and the offset past its line.
fn header(bytes: &[u8], at: usize, kind: u8) -> Option<(usize, usize)> {
    if bytes.get(at) != Some(&kind) {
        return None;
    }
    let rest = &bytes[at + 1..];
    let eol = rest.iter().position(|&b| b == b'\r')?;
    let n = std::str::from_utf8(&rest[..eol]).ok()?.parse().ok()?;
    Some((n, at + 1 + eol + 2))
}

#[cfg(test)]
mod tests;
