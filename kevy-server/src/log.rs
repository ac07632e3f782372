//! Logging in Redis's line style: `pid:M 23 Nov 2026 19:20:00.123 * message`,
//! with Redis's levels (debug `.`, verbose `-`, notice `*`, warning `#`) to
//! standard output or a file, and to syslog when `syslog-enabled` is on.

use std::fs::OpenOptions;
use std::io::Write;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

/// A log level, from chattiest to quietest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Debug = 0,
    Verbose = 1,
    Notice = 2,
    Warning = 3,
    Nothing = 4,
}

impl Level {
    /// Parses Redis's level names.
    pub fn parse(s: &str) -> Option<Level> {
        Some(match s {
            "debug" => Level::Debug,
            "verbose" => Level::Verbose,
            "notice" => Level::Notice,
            "warning" => Level::Warning,
            "nothing" => Level::Nothing,
            _ => return None,
        })
    }

    fn mark(self) -> char {
        match self {
            Level::Debug => '.',
            Level::Verbose => '-',
            Level::Notice => '*',
            Level::Warning | Level::Nothing => '#',
        }
    }
}

static LEVEL: AtomicU8 = AtomicU8::new(Level::Notice as u8);
/// Set once `syslog-enabled` opened the system log.
static SYSLOG: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
/// Where lines go; `None` is standard output. Logging is rare (start-up,
/// shutdown, warnings), so a mutex is fine here.
static SINK: OnceLock<Mutex<Option<std::fs::File>>> = OnceLock::new();

/// The descriptor lines go to (standard output's, or the log file's once
/// [`init`] opened it), for a writer that may take no lock: a crash
/// report from a signal handler ([`crate::crash`]).
static FD: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(1);

/// Sets the level and the destination (empty path: standard output).
pub fn init(level: Level, logfile: &str) -> std::io::Result<()> {
    LEVEL.store(level as u8, Ordering::Relaxed);
    let file = if logfile.is_empty() {
        None
    } else {
        Some(OpenOptions::new().create(true).append(true).open(logfile)?)
    };
    if let Some(f) = &file {
        use std::os::fd::AsRawFd;
        // The file stays open in `SINK` for the life of the process.
        FD.store(f.as_raw_fd(), Ordering::Relaxed);
    }
    let _ = SINK.set(Mutex::new(file));
    Ok(())
}

/// The descriptor lines go to (see [`FD`]).
pub fn raw_fd() -> i32 {
    FD.load(Ordering::Relaxed)
}

/// Also sends every line to the system log, as `ident` with `facility`
/// (`syslog-ident`, `syslog-facility`: `user`, `local0`…`local7`).
pub fn open_syslog(ident: &str, facility: &str) {
    let facility = match facility {
        "user" => libc::LOG_USER,
        "local1" => libc::LOG_LOCAL1,
        "local2" => libc::LOG_LOCAL2,
        "local3" => libc::LOG_LOCAL3,
        "local4" => libc::LOG_LOCAL4,
        "local5" => libc::LOG_LOCAL5,
        "local6" => libc::LOG_LOCAL6,
        "local7" => libc::LOG_LOCAL7,
        _ => libc::LOG_LOCAL0,
    };
    let ident = std::ffi::CString::new(ident.replace('\0', "")).unwrap_or_default();
    // openlog keeps the pointer: the identity lives as long as the process.
    let ident: &'static std::ffi::CStr = Box::leak(ident.into_boxed_c_str());
    // SAFETY: `ident` is a NUL-terminated string that is never freed.
    unsafe {
        libc::openlog(
            ident.as_ptr(),
            libc::LOG_PID | libc::LOG_NDELAY | libc::LOG_NOWAIT,
            facility,
        )
    };
    SYSLOG.store(true, Ordering::Release);
}

/// Changes the level (`CONFIG SET loglevel`).
pub fn set_level(level: Level) {
    LEVEL.store(level as u8, Ordering::Relaxed);
}

/// Writes one line at `level` if the level lets it through.
pub fn log(level: Level, msg: &str) {
    if (level as u8) < LEVEL.load(Ordering::Relaxed) || level == Level::Nothing {
        return;
    }
    if SYSLOG.load(Ordering::Acquire) {
        let priority = match level {
            Level::Debug => libc::LOG_DEBUG,
            Level::Verbose => libc::LOG_INFO,
            Level::Notice => libc::LOG_NOTICE,
            _ => libc::LOG_WARNING,
        };
        if let Ok(text) = std::ffi::CString::new(msg.replace('\0', "")) {
            // SAFETY: the format is a literal `%s` and `text` a valid
            // NUL-terminated string for the duration of the call.
            unsafe { libc::syslog(priority, c"%s".as_ptr(), text.as_ptr()) };
        }
    }
    let line = format!(
        "{}:M {} {} {msg}\n",
        std::process::id(),
        timestamp(),
        level.mark()
    );
    let sink = SINK.get_or_init(|| Mutex::new(None));
    let mut guard = match sink.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    };
    match guard.as_mut() {
        Some(f) => {
            let _ = f.write_all(line.as_bytes());
        }
        None => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(line.as_bytes());
            let _ = out.flush();
        }
    }
}

/// `23 Nov 2026 19:20:00.123` in UTC.
fn timestamp() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{d:02} {} {y} {:02}:{:02}:{:02}.{:03}",
        MONTHS[(m - 1) as usize],
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        now.subsec_millis()
    )
}

/// Days since 1970-01-01 to (year, month, day) — Howard Hinnant's algorithm.
pub(crate) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_415), (2025, 11, 23));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(Level::parse("warning"), Some(Level::Warning));
        assert!(Level::Notice > Level::Verbose);
    }
}
