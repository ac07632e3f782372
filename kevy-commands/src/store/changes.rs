//! Changes a command made that its reply cannot show (a ZADD updating a
//! score replies 0; SETBIT creating a key with the bit still 0 replies 0;
//! a BITFIELD SET of the value already there changes nothing): the
//! handler reports them here, on its thread, and the change counter's
//! `Reported` rule reads them right after the command — so every path
//! that counts a change (the counter, WATCH, keyspace events, the AOF)
//! sees the same number.

use std::cell::Cell;

thread_local! {
    static CHANGED: Cell<u64> = const { Cell::new(0) };
}

/// What the running command changed (Redis's `server.dirty += n`).
pub fn report(n: u64) {
    CHANGED.with(|c| c.set(n));
}

/// What the last command on this thread reported.
pub fn last() -> u64 {
    CHANGED.with(Cell::get)
}
