//! How the errors in a script's reply are counted (Redis's
//! `ignore_error_stats_update` and `afterErrorReply`): noted as the reply
//! is written, taken by the gather that accounts the script.

use std::cell::RefCell;

use mlua::Value;

/// The field Redis sets in the error table of a call whose error the
/// command's own run counted: the script's reply of that table is not
/// counted again.
pub(crate) const COUNTED_FIELD: &str = "ignore_error_stats_update";

thread_local! {
    /// How the script's reply's errors are to be counted ([`take_counts`]).
    static COUNTS: RefCell<ErrorCounts> = RefCell::new(ErrorCounts::default());
}

pub(crate) use crate::accounting::ErrorCounts;

/// Notes an error table written in the script's reply (`line`: its
/// `-CODE msg` line), at nesting `depth` (0: the reply itself).
pub(crate) fn note_error(t: &mlua::Table, line: &[u8], depth: usize) {
    let counted = matches!(t.raw_get::<Value>(COUNTED_FIELD), Ok(Value::Boolean(true)));
    COUNTS.with(|c| {
        let mut c = c.borrow_mut();
        match (depth, counted) {
            (0, true) => c.top = true,
            (0, false) => {}
            (_, true) => c.nested_counted += 1,
            (_, false) => c.nested.push(line.to_vec()),
        }
    });
}

/// A raised error table (the script's reply): [`note_error`] at the top.
pub(crate) fn mark_counted(t: &mlua::Table) {
    note_error(t, b"", 0);
}

/// How the last run's reply's errors are counted (and forgets it).
pub(crate) fn take_counts() -> ErrorCounts {
    COUNTS.with(|c| std::mem::take(&mut *c.borrow_mut()))
}

/// The script's reply was made on another shard: its counts, here.
pub(crate) fn set_counts(counts: ErrorCounts) {
    COUNTS.with(|c| *c.borrow_mut() = counts);
}
