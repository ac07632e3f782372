//! What a panic or a fatal signal does to the process: the crash report
//! Redis writes (`crash-log-enabled`: for a panic its message and place,
//! through the standard hook, after a `=== KEVY BUG REPORT ===` line in
//! the log; for SIGSEGV, SIGBUS, SIGFPE, SIGILL and SIGABRT Redis's
//! `crashed by signal` line, written from the handler without a lock or
//! an allocation), and whether one happened, for `use-exit-on-panic`
//! (`main`: abort unless it is on, as Redis does after a panic; after a
//! signal, exit(1) when it is on, else die of the signal, as Redis's
//! `bugReportEnd`).

use std::sync::atomic::{AtomicBool, Ordering};

use crate::log::{self, Level};

/// `crash-log-enabled`, as last set (read by the hook without a lock: the
/// panicking thread may hold any).
static LOG: AtomicBool = AtomicBool::new(true);

/// Some thread panicked.
static PANICKED: AtomicBool = AtomicBool::new(false);

/// `use-exit-on-panic` (read by the signal handler).
static EXIT: AtomicBool = AtomicBool::new(false);

/// The signals a crash report is written for (Redis's
/// `setupSigSegvHandlers`).
const FATAL: [libc::c_int; 5] = [
    libc::SIGSEGV,
    libc::SIGBUS,
    libc::SIGFPE,
    libc::SIGILL,
    libc::SIGABRT,
];

/// Installs the crash report of the fatal signals; `exit`:
/// `use-exit-on-panic`.
pub fn install_signals(exit: bool) {
    EXIT.store(exit, Ordering::Relaxed);
    for sig in FATAL {
        // SAFETY: a zeroed `sigaction` is a valid empty one; the handler
        // has the three-argument signature `SA_SIGINFO` calls, and only
        // does what a signal handler may (see `on_signal`).
        unsafe {
            let mut act: libc::sigaction = std::mem::zeroed();
            act.sa_sigaction = on_signal as *const () as usize;
            act.sa_flags = libc::SA_SIGINFO | libc::SA_NODEFER | libc::SA_RESETHAND;
            libc::sigemptyset(&mut act.sa_mask);
            libc::sigaction(sig, &act, std::ptr::null_mut());
        }
    }
}

/// A line being formatted without allocating.
struct Line {
    buf: [u8; 256],
    len: usize,
}

impl Line {
    fn new() -> Line {
        Line {
            buf: [0; 256],
            len: 0,
        }
    }

    fn text(&mut self, s: &[u8]) -> &mut Line {
        let n = s.len().min(self.buf.len() - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&s[..n]);
        self.len += n;
        self
    }

    fn num(&mut self, v: i64, width: usize) -> &mut Line {
        if v < 0 {
            self.text(b"-");
        }
        let mut digits = [0u8; 20];
        let mut u = v.unsigned_abs();
        let mut i = digits.len();
        loop {
            i -= 1;
            digits[i] = b'0' + (u % 10) as u8;
            u /= 10;
            if u == 0 && digits.len() - i >= width {
                break;
            }
        }
        self.text(&digits[i..])
    }

    fn hex(&mut self, v: usize) -> &mut Line {
        let mut digits = [0u8; 16];
        let mut u = v;
        let mut i = digits.len();
        loop {
            i -= 1;
            digits[i] = b"0123456789abcdef"[u & 15];
            u >>= 4;
            if u == 0 {
                break;
            }
        }
        self.text(b"0x").text(&digits[i..])
    }

    /// Writes the line to the log in the log's format (warning level).
    fn write(&mut self) {
        let mut head = Line::new();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let secs = now.as_secs() as i64;
        let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        let (y, m, d) = log::civil_from_days(days);
        const MONTHS: [&[u8]; 12] = [
            b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
            b"Dec",
        ];
        head.num(std::process::id() as i64, 1)
            .text(b":M ")
            .num(d, 2)
            .text(b" ")
            .text(MONTHS[(m - 1).clamp(0, 11) as usize])
            .text(b" ")
            .num(y, 1)
            .text(b" ")
            .num(rem / 3600, 2)
            .text(b":")
            .num(rem / 60 % 60, 2)
            .text(b":")
            .num(rem % 60, 2)
            .text(b".")
            .num(now.subsec_millis() as i64, 3)
            .text(b" # ");
        let fd = log::raw_fd();
        for part in [&head.buf[..head.len], &self.buf[..self.len], b"\n"] {
            // SAFETY: `part` is a valid buffer of its length; write(2) is
            // async-signal-safe. A short or failed write loses log text
            // only.
            unsafe { libc::write(fd, part.as_ptr().cast(), part.len()) };
        }
    }
}

/// The handler of the fatal signals: the report (allocation- and
/// lock-free: the signal may have come in the allocator or under the
/// log's lock), then exit(1) under `use-exit-on-panic`, else the signal
/// again, now with its default action (`SA_RESETHAND`): the process dies
/// of it (a core dump where enabled).
extern "C" fn on_signal(sig: libc::c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
    if LOG.load(Ordering::Relaxed) {
        Line::new()
            .text(b"=== KEVY BUG REPORT START: Cut & paste starting from here ===")
            .write();
        // SAFETY: the kernel passes a valid `siginfo_t` with SA_SIGINFO
        // (null checked all the same); its address field is read only
        // for the signals that set it, when the kernel raised them.
        let (code, addr, sender) = unsafe {
            match info.as_ref() {
                Some(i) => {
                    let addr = if (sig == libc::SIGSEGV || sig == libc::SIGBUS) && i.si_code > 0 {
                        Some(i.si_addr() as usize)
                    } else {
                        None
                    };
                    let sender = (i.si_code == libc::SI_USER).then(|| (i.si_pid(), i.si_uid()));
                    (i.si_code, addr, sender)
                }
                None => (0, None, None),
            }
        };
        Line::new()
            .text(b"kevy-server ")
            .text(env!("CARGO_PKG_VERSION").as_bytes())
            .text(b" crashed by signal: ")
            .num(sig as i64, 1)
            .text(b", si_code: ")
            .num(code as i64, 1)
            .write();
        if let Some(a) = addr {
            Line::new().text(b"Accessing address: ").hex(a).write();
        }
        if let Some((pid, uid)) = sender {
            Line::new()
                .text(b"Killed by PID: ")
                .num(pid as i64, 1)
                .text(b", UID: ")
                .num(uid as i64, 1)
                .write();
        }
        Line::new()
            .text(b"=== KEVY BUG REPORT END. Make sure to include from START to END. ===")
            .write();
    }
    if EXIT.load(Ordering::Relaxed) {
        // SAFETY: _exit is async-signal-safe and ends the process.
        unsafe { libc::_exit(1) };
    }
    // SAFETY: raise is async-signal-safe; SA_RESETHAND restored the
    // default action, and SA_NODEFER leaves the signal unblocked, so it
    // ends the process here.
    unsafe { libc::raise(sig) };
}

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
