//! What a panic does to the process: the crash report Redis writes
//! (`crash-log-enabled`: the panic's message and place, through the
//! standard hook, after a `=== KEVY BUG REPORT ===` line in the log), and
//! whether one happened, for `use-exit-on-panic` (`main`: abort unless it
//! is on, as Redis does after a panic).

use std::sync::atomic::{AtomicBool, Ordering};

use crate::log::{self, Level};

/// `crash-log-enabled`, as last set (read by the hook without a lock: the
/// panicking thread may hold any).
static LOG: AtomicBool = AtomicBool::new(true);

/// Some thread panicked.
static PANICKED: AtomicBool = AtomicBool::new(false);

/// Installs the panic hook, writing crash reports when `log` is on.
pub fn install(log: bool) {
    set_log(log);
    let standard = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICKED.store(true, Ordering::SeqCst);
        if LOG.load(Ordering::Relaxed) {
            log::log(
                Level::Warning,
                "=== KEVY BUG REPORT START: Cut & paste starting from here ===",
            );
            standard(info);
        }
    }));
}

/// `CONFIG SET crash-log-enabled`.
pub fn set_log(on: bool) {
    LOG.store(on, Ordering::Relaxed);
}

/// True once a thread panicked.
pub fn panicked() -> bool {
    PANICKED.load(Ordering::SeqCst)
}
