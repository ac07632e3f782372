//! SIGINT/SIGTERM handling without async-signal hazards: the signals are blocked
//! in every thread and one thread waits for them with `sigwait`.

use std::io;

/// The blocked stop signals, ready to be waited for.
pub struct StopSignals {
    set: libc::sigset_t,
}

impl StopSignals {
    /// Blocks SIGINT and SIGTERM in the calling thread (and so in every thread it
    /// spawns afterwards).
    pub fn block() -> io::Result<StopSignals> {
        // SAFETY: sigemptyset/sigaddset initialise and fill a sigset_t we own;
        // pthread_sigmask only reads it. No Rust invariant depends on signal masks.
        unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, libc::SIGINT);
            libc::sigaddset(&mut set, libc::SIGTERM);
            let rc = libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
            if rc != 0 {
                return Err(io::Error::from_raw_os_error(rc));
            }
            Ok(StopSignals { set })
        }
    }

    /// Waits for the first stop signal on a background thread, then calls `f`
    /// with its name.
    pub fn spawn(self, f: impl FnOnce(&'static str) + Send + 'static) {
        let set = self.set;
        std::thread::spawn(move || {
            let mut sig: libc::c_int = 0;
            // SAFETY: `set` is an initialised signal set and `sig` a valid out
            // pointer; sigwait has no other memory effects.
            let rc = unsafe { libc::sigwait(&set, &mut sig) };
            let name = match (rc, sig) {
                (0, libc::SIGINT) => "SIGINT",
                (0, _) => "SIGTERM",
                _ => "an error waiting for signals",
            };
            f(name);
        });
    }
}
