//! `redis.log`'s way to the server log: each shard thread keeps the
//! server's shared state of the run in progress (attached at every run,
//! a pointer compare when it is the same server as before), so the Lua
//! function, which sees no run, reaches the log sink the embedder
//! installed (`crate::base::log::Sink`).

use std::cell::RefCell;
use std::sync::Arc;

use crate::accounting::Shared;
use crate::base::log::Level;

thread_local! {
    static SHARED: RefCell<Option<Arc<Shared>>> = const { RefCell::new(None) };
}

/// A run of `shared`'s server starts on this thread.
pub(crate) fn attach(shared: &Arc<Shared>) {
    SHARED.with(|s| {
        let mut s = s.borrow_mut();
        if !s.as_ref().is_some_and(|cur| Arc::ptr_eq(cur, shared)) {
            *s = Some(shared.clone());
        }
    });
}

/// Writes `msg` at Redis's level `level` (`LL_DEBUG` 0 … `LL_WARNING` 3)
/// to the log of the server whose run last started on this thread.
pub(crate) fn write(level: i64, msg: &str) {
    let level = match level {
        0 => Level::Debug,
        1 => Level::Verbose,
        2 => Level::Notice,
        _ => Level::Warning,
    };
    SHARED.with(|s| {
        if let Some(shared) = s.borrow().as_ref() {
            shared.log.log(level, msg);
        }
    });
}
