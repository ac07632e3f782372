//! OBJECT ENCODING, REFCOUNT, IDLETIME, FREQ and HELP (Redis's `object.c`).
//! None of them counts as an access to the key.

use kevy_rt::Flow;

use crate::base::error::Error;
use crate::base::resp;
use crate::family::opts::encoding_name;
use crate::family::{Call, Local};
use crate::model::value::Value;
use crate::store::limits::Policy;

/// Integers Redis keeps as shared objects (`OBJ_SHARED_INTEGERS`).
const SHARED_INTEGERS: i64 = 10_000;

/// The reference count Redis reports for a shared object (`INT_MAX`).
const SHARED_REFCOUNT: i64 = i32::MAX as i64;

/// FREQ without an LFU policy.
const NO_LFU: Error = Error::Message(
    "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
);

/// IDLETIME under an LFU policy.
const LFU: Error = Error::Message(
    "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
);

/// The reference count Redis reports: shared small integers (0 to 9999)
/// have `INT_MAX`, every other value 1.
pub fn refcount(v: &Value) -> i64 {
    match v {
        Value::Int(n) if (0..SHARED_INTEGERS).contains(n) => SHARED_REFCOUNT,
        _ => 1,
    }
}

/// OBJECT ENCODING key
pub fn encoding(c: &mut Call<'_>) {
    match c.db.peek(c.args.at(2), &c.now) {
        Some(v) => resp::bulk(c.out, encoding_name(v).as_bytes()),
        None => resp::null(c.out),
    }
}

/// OBJECT REFCOUNT key
///
/// Redis shares small integers unless a limit is set with an LRU or LFU
/// policy (`MAXMEMORY_FLAG_NO_SHARED_INTEGERS`: each key then needs its
/// own access clock); kevy keeps no shared objects, so it answers as the
/// current settings would have made the value.
pub fn refcount_cmd(c: &mut Call<'_>) {
    let limits = &c.db.limits;
    let unshared = limits.maxmemory() != 0
        && matches!(
            limits.policy(),
            Policy::VolatileLru | Policy::VolatileLfu | Policy::AllkeysLru | Policy::AllkeysLfu
        );
    match c.db.peek(c.args.at(2), &c.now) {
        Some(v) if unshared => resp::int(c.out, refcount(v).min(1)),
        Some(v) => resp::int(c.out, refcount(v)),
        None => resp::null(c.out),
    }
}

/// OBJECT IDLETIME key
///
/// Seconds since the last access, at the resolution of the access clock
/// (refreshed every tick, like Redis's `server.lruclock`). Under an LFU
/// policy accesses are counted, not timed: an existing key gets Redis's
/// error.
pub fn idletime(c: &mut Call<'_>) {
    match c.db.idle_seconds(c.args.at(2), &c.now) {
        Some(_) if c.db.limits().lfu() => LFU.write(c.args, c.out),
        Some(s) => resp::int(c.out, s as i64),
        None => resp::null(c.out),
    }
}

/// OBJECT FREQ key
///
/// The key's LFU counter after its decay, under an LFU policy; otherwise
/// accesses are not counted and an existing key gets Redis's error.
pub fn freq(c: &mut Call<'_>) {
    match c.db.frequency(c.args.at(2), &c.now) {
        Some(_) if !c.db.limits().lfu() => NO_LFU.write(c.args, c.out),
        Some(f) => resp::int(c.out, f as i64),
        None => resp::null(c.out),
    }
}

const HELP: &[&str] = &[
    "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
    "HELP",
    "    Prints this help.",
];

/// OBJECT HELP
pub fn help(c: &mut Local<'_>) -> Flow {
    resp::array(c.out, HELP.len());
    for line in HELP {
        resp::simple(c.out, line.as_bytes());
    }
    Flow::Continue
}

#[cfg(test)]
mod tests;
