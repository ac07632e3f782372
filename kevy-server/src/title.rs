//! The process title (`set-proc-title`, `proc-title-template`), as Redis
//! sets it on Linux (`setproctitle.c`): what `ps` and `/proc/PID/cmdline`
//! show is the memory the kernel laid the arguments and the environment
//! out in, so the title is written over it.
//!
//! [`prepare`], first thing in `main` (one thread), finds that area (the
//! argument strings, then the environment strings that follow them), and
//! moves what still needs it out of the way: the environment strings get
//! new homes (`environ` points at copies), and so do the arguments
//! (`std::env::args` reads the original `argv` array, whose pointers now
//! point at copies). [`set`] then writes a title over the area, padded
//! with NULs, as Redis's `setproctitle` does. [`expand`] is Redis's
//! `expandProcTitleTemplate`.

use std::ffi::{c_char, c_int, CStr, CString};
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use std::sync::Mutex;

/// Longest title written (Redis's `SPT_MAXTITLE`).
const MAX_TITLE: usize = 255;

static ARGC: AtomicUsize = AtomicUsize::new(0);
static ARGV: AtomicPtr<*mut c_char> = AtomicPtr::new(std::ptr::null_mut());

/// Where glibc's start-up code calls it with `main`'s arguments, before
/// `main` (as Rust's standard library itself learns them on Linux).
#[used]
#[link_section = ".init_array"]
static CAPTURE: extern "C" fn(c_int, *mut *mut c_char, *mut *mut c_char) = capture;

extern "C" fn capture(argc: c_int, argv: *mut *mut c_char, _envp: *mut *mut c_char) {
    ARGC.store(argc.max(0) as usize, Ordering::Relaxed);
    ARGV.store(argv, Ordering::Relaxed);
}

extern "C" {
    static mut environ: *mut *mut c_char;
}

/// The area titles are written over.
struct Area {
    base: *mut u8,
    end: *mut u8,
    /// Where the first argument's NUL was.
    nul: *mut u8,
    /// Cleared whole once (the first title).
    reset: bool,
}

// SAFETY: the area is only touched through `AREA`'s lock, and nothing
// else in the process points into it once `prepare` ran.
unsafe impl Send for Area {}

static AREA: Mutex<Option<Area>> = Mutex::new(None);

/// The program name as executed (`argv[0]`), what `{title}` stands for.
static ARG0: Mutex<String> = Mutex::new(String::new());

/// Finds the title area and moves the arguments and the environment out
/// of it. Call once, first thing in `main`, while the process has one
/// thread; without the arguments (another C library), titles are not set.
pub fn prepare() {
    let argc = ARGC.load(Ordering::Relaxed);
    let argv = ARGV.load(Ordering::Relaxed);
    if argc == 0 || argv.is_null() {
        return;
    }
    // SAFETY: `argv` and `environ` are the arrays the kernel and the C
    // library set up for `main`: `argc` valid C strings, then the
    // environment's NULL-terminated list. This runs before any other
    // thread exists, so nothing reads them while their pointers are
    // replaced; the copies are leaked, so they live as long as the
    // process, as the originals did.
    unsafe {
        let base = *argv as *mut u8;
        if base.is_null() {
            return;
        }
        let nul = base.add(CStr::from_ptr(base as *const c_char).to_bytes().len());
        let mut end = nul.add(1);
        for i in 0..argc {
            let a = *argv.add(i) as *mut u8;
            if a.is_null() || a < end {
                continue;
            }
            end = a.add(CStr::from_ptr(a as *const c_char).to_bytes().len() + 1);
        }
        let env = environ;
        let mut n = 0;
        if !env.is_null() {
            while !(*env.add(n)).is_null() {
                let e = *env.add(n) as *mut u8;
                if e >= end {
                    end = e.add(CStr::from_ptr(e as *const c_char).to_bytes().len() + 1);
                }
                n += 1;
            }
            let mut copies: Vec<*mut c_char> = (0..n)
                .map(|i| CString::from(CStr::from_ptr(*env.add(i))).into_raw())
                .collect();
            copies.push(std::ptr::null_mut());
            environ = Box::leak(copies.into_boxed_slice()).as_mut_ptr();
        }
        *ARG0.lock().unwrap_or_else(|e| e.into_inner()) =
            CStr::from_ptr(*argv).to_string_lossy().into_owned();
        for i in 0..argc {
            let a = *argv.add(i);
            if !a.is_null() {
                *argv.add(i) = CString::from(CStr::from_ptr(a)).into_raw();
            }
        }
        *AREA.lock().unwrap_or_else(|e| e.into_inner()) = Some(Area {
            base,
            end,
            nul,
            reset: false,
        });
    }
}

/// The program name as executed.
pub fn arg0() -> String {
    ARG0.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Shows `title` as the process's command line (cut to what the area
/// holds, and to 255 bytes). Nothing without [`prepare`].
pub fn set(title: &str) {
    let mut guard = AREA.lock().unwrap_or_else(|e| e.into_inner());
    let Some(a) = guard.as_mut() else {
        return;
    };
    let bytes = &title.as_bytes()[..title.len().min(MAX_TITLE)];
    let room = a.end as usize - a.base as usize;
    // SAFETY: `base..end` is the area `prepare` found and emptied of
    // everything the process reads (it holds argument and environment
    // strings nobody points at any more); writes stay inside it.
    unsafe {
        let clear = if a.reset {
            room.min(MAX_TITLE + 1)
        } else {
            room
        };
        std::ptr::write_bytes(a.base, 0, clear);
        a.reset = true;
        let len = bytes.len().min(room.min(MAX_TITLE + 1) - 1);
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), a.base, len);
        let end_of_title = a.base.add(len);
        // As Redis: the kernel shows the area past the first argument's
        // old end only when that byte is not a NUL.
        if end_of_title < a.nul {
            *a.nul = b'.';
        } else if end_of_title == a.nul && end_of_title.add(1) < a.end {
            *a.nul = b' ';
            *end_of_title.add(1) = 0;
        }
    }
}

/// What the variables of a template stand for.
pub struct Vars {
    pub title: String,
    pub listen_addr: String,
    pub config_file: String,
    pub port: u16,
    pub tls_port: u16,
    pub unixsocket: String,
}

/// Redis's `expandProcTitleTemplate` (`sdstemplate`): `{name}` replaced
/// by its value, `{{` by `{`, spaces trimmed at both ends; `None` for an
/// unknown variable or an unclosed brace.
pub fn expand(template: &str, v: &Vars) -> Option<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(at) = rest.find('{') {
        out.push_str(&rest[..at]);
        let var = &rest[at + 1..];
        if let Some(after) = var.strip_prefix('{') {
            out.push('{');
            rest = after;
            continue;
        }
        let end = var.find('}')?;
        match &var[..end] {
            "title" => out.push_str(&v.title),
            "listen-addr" => out.push_str(&v.listen_addr),
            "server-mode" => {}
            "config-file" => out.push_str(&v.config_file),
            "port" => out.push_str(&v.port.to_string()),
            "tls-port" => out.push_str(&v.tls_port.to_string()),
            "unixsocket" => out.push_str(&v.unixsocket),
            _ => return None,
        }
        rest = &var[end + 1..];
    }
    out.push_str(rest);
    Some(out.trim_matches(' ').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Vars {
        Vars {
            title: "/usr/bin/kevy-server".into(),
            listen_addr: "127.0.0.1:6379".into(),
            config_file: "/etc/redis.conf".into(),
            port: 6379,
            tls_port: 0,
            unixsocket: String::new(),
        }
    }

    #[test]
    fn templates_expand_as_in_redis() {
        let v = vars();
        assert_eq!(
            expand("{title} {listen-addr} {server-mode}", &v).as_deref(),
            Some("/usr/bin/kevy-server 127.0.0.1:6379")
        );
        assert_eq!(
            expand(
                "TEST {title} {port} {tls-port} {unixsocket} {config-file}",
                &v
            )
            .as_deref(),
            Some("TEST /usr/bin/kevy-server 6379 0  /etc/redis.conf")
        );
        assert_eq!(expand("a {{b}} c", &v).as_deref(), Some("a {b}} c"));
        assert_eq!(expand("x {", &v), None);
        assert_eq!(expand("{invalid-var}", &v), None);
        assert_eq!(expand("{title", &v), None);
    }
}
