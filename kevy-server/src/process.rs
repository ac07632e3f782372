//! The process around the server, as Redis sets it up: running in the
//! background (`daemonize`), the pid file (`pidfile`), telling a
//! supervisor that the server is ready or stopping (`supervised`). The
//! OOM-killer preference (`oom-score-adj`) is `kevy_commands::config`'s.

use std::io;
use std::path::{Path, PathBuf};

/// Where Redis writes its pid when it runs in the background and no
/// `pidfile` is set.
const DEFAULT_PIDFILE: &str = "/var/run/redis.pid";

/// Detaches from the terminal: forks (the parent exits at once with
/// success), starts a new session, and points the standard streams at
/// `/dev/null`, as Redis's `daemonize()`. Must run before any thread is
/// started.
pub fn daemonize() -> io::Result<()> {
    // SAFETY: called from `main` before any other thread exists, so the
    // child is a complete copy of a single-threaded process (no lock can be
    // held by a thread that does not exist in it). `_exit` in the parent
    // skips destructors and atexit handlers that belong to the child.
    unsafe {
        match libc::fork() {
            -1 => return Err(io::Error::last_os_error()),
            0 => {}
            _ => libc::_exit(0),
        }
        libc::setsid();
    }
    let null = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")?;
    use std::os::fd::AsRawFd;
    for fd in 0..=2 {
        // SAFETY: dup2 onto the standard descriptors, which this process
        // owns; `null` stays open for the duration of the call.
        if unsafe { libc::dup2(null.as_raw_fd(), fd) } == -1 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// The pid file, removed when dropped (at a clean exit).
pub struct PidFile(PathBuf);

impl PidFile {
    /// Writes this process's pid to `path`, or to Redis's default path when
    /// `path` is empty and the server runs in the background; `None` when
    /// no pid file is wanted. A failure is logged by the caller and is not
    /// fatal, as in Redis.
    pub fn create(path: &str, background: bool) -> Option<io::Result<PidFile>> {
        let path = match (path.is_empty(), background) {
            (false, _) => Path::new(path),
            (true, true) => Path::new(DEFAULT_PIDFILE),
            (true, false) => return None,
        };
        Some(
            std::fs::write(path, format!("{}\n", std::process::id()))
                .map(|()| PidFile(path.to_path_buf())),
        )
    }
}

impl Drop for PidFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Which supervisor to notify, from `supervised` and the environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Supervisor {
    /// Nobody.
    None,
    /// systemd, through the datagram socket in `NOTIFY_SOCKET`.
    Systemd,
    /// upstart, which waits for the process to stop itself with SIGSTOP.
    Upstart,
}

impl Supervisor {
    /// `supervised no|upstart|systemd|auto` (auto: systemd when
    /// `NOTIFY_SOCKET` is set, upstart when `UPSTART_JOB` is).
    pub fn from_setting(v: &str) -> Supervisor {
        let env = |k: &str| std::env::var_os(k).is_some();
        match v {
            "systemd" => Supervisor::Systemd,
            "upstart" => Supervisor::Upstart,
            "auto" if env("NOTIFY_SOCKET") => Supervisor::Systemd,
            "auto" if env("UPSTART_JOB") => Supervisor::Upstart,
            _ => Supervisor::None,
        }
    }

    /// The server accepts connections.
    pub fn ready(self) -> io::Result<()> {
        match self {
            Supervisor::None => Ok(()),
            Supervisor::Systemd => notify_systemd("STATUS=Ready to accept connections\nREADY=1\n"),
            Supervisor::Upstart => {
                // SAFETY: raise has no memory effects; upstart resumes us.
                unsafe { libc::raise(libc::SIGSTOP) };
                std::env::remove_var("UPSTART_JOB");
                Ok(())
            }
        }
    }

    /// The server is shutting down.
    pub fn stopping(self) {
        if self == Supervisor::Systemd {
            let _ = notify_systemd("STOPPING=1\n");
        }
    }
}

/// Sends `msg` to systemd's notification socket (`NOTIFY_SOCKET`: a path,
/// or `@name` for the abstract namespace).
fn notify_systemd(msg: &str) -> io::Result<()> {
    use std::os::unix::net::UnixDatagram;
    let Some(path) = std::env::var_os("NOTIFY_SOCKET") else {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            "systemd supervision requested, but NOTIFY_SOCKET not found",
        ));
    };
    let sock = UnixDatagram::unbound()?;
    let bytes = std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str());
    if let Some(name) = bytes.strip_prefix(b"@") {
        use std::os::linux::net::SocketAddrExt;
        let addr = std::os::unix::net::SocketAddr::from_abstract_name(name)?;
        sock.send_to_addr(msg.as_bytes(), &addr)?;
    } else {
        sock.send_to(msg.as_bytes(), Path::new(&path))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn supervisor_from_setting() {
        assert_eq!(Supervisor::from_setting("no"), Supervisor::None);
        assert_eq!(Supervisor::from_setting("systemd"), Supervisor::Systemd);
        assert_eq!(Supervisor::from_setting("upstart"), Supervisor::Upstart);
    }

    #[test]
    fn systemd_gets_ready_and_stopping() {
        let dir = std::env::temp_dir().join(format!("kevy-notify-{}", std::process::id()));
        let _ = std::fs::remove_file(&dir);
        let sock = std::os::unix::net::UnixDatagram::bind(&dir).unwrap();
        std::env::set_var("NOTIFY_SOCKET", &dir);
        assert_eq!(Supervisor::from_setting("auto"), Supervisor::Systemd);
        Supervisor::Systemd.ready().unwrap();
        Supervisor::Systemd.stopping();
        std::env::remove_var("NOTIFY_SOCKET");
        let mut buf = [0u8; 256];
        let n = sock.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"STATUS=Ready to accept connections\nREADY=1\n");
        let n = sock.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"STOPPING=1\n");
        let _ = std::fs::remove_file(&dir);
    }

    #[test]
    fn pid_file_written_and_removed() {
        let path = std::env::temp_dir().join(format!("kevy-pid-{}", std::process::id()));
        let p = PidFile::create(path.to_str().unwrap(), false)
            .unwrap()
            .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, format!("{}\n", std::process::id()));
        drop(p);
        assert!(!path.exists());
        assert!(PidFile::create("", false).is_none());
    }
}
