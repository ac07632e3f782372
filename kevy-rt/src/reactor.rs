//! The kernel interfaces a shard's event loop does its socket I/O through.
//!
//! - [`IoBackend::Epoll`]: the shard waits in `epoll_wait` (mio); each
//!   readable connection is `read`, each flushed one written with one
//!   `write` system call; peers wake it through a mio waker.
//! - [`IoBackend::Uring`]: the shard waits in `io_uring_enter` (see
//!   `uring`). Plain connections' input arrives through multishot receives
//!   into provided buffers, their output leaves as sends queued on the ring,
//!   and peers wake it through an eventfd the ring keeps a read armed on:
//!   one system call per loop iteration does all of a shard's socket I/O.
//!   Listeners and TLS connections stay on an epoll instance the ring polls.
//!
//! The choice is made once, at start ([`Builder::io`](crate::Builder::io));
//! [`IoBackend::Auto`] takes io_uring when the kernel has what it needs
//! (`/proc/sys/kernel/io_uring_disabled`, seccomp, kernels before 6.0
//! without multishot receives: `uring::probe` tries one) and epoll
//! otherwise. The default comes from the `KEVY_IO` environment variable
//! (`epoll`, `uring`, `auto`), else auto, so a test suite can be run on
//! either backend without changing it.

pub(crate) mod uring;

/// How a shard does its socket I/O (see the module docs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum IoBackend {
    /// epoll readiness, one `read` or `write` per socket operation.
    Epoll,
    /// Everything through io_uring; start-up fails if the kernel lacks it.
    Uring,
    /// io_uring when the kernel has what it needs, else epoll (measured
    /// at least as cheap per request, see BENCHMARKS.md): the default.
    #[default]
    Auto,
}

impl IoBackend {
    /// Parses `epoll`, `uring` (or `io_uring`) or `auto`, in any case.
    pub fn parse(s: &str) -> Option<IoBackend> {
        match s.to_ascii_lowercase().as_str() {
            "epoll" => Some(IoBackend::Epoll),
            "uring" | "io_uring" | "io-uring" => Some(IoBackend::Uring),
            "auto" => Some(IoBackend::Auto),
            _ => None,
        }
    }

    /// Its name, as [`IoBackend::parse`] reads it.
    pub fn name(self) -> &'static str {
        match self {
            IoBackend::Epoll => "epoll",
            IoBackend::Uring => "uring",
            IoBackend::Auto => "auto",
        }
    }

    /// The default: `KEVY_IO` when it names a backend, else auto.
    pub fn from_env() -> IoBackend {
        std::env::var("KEVY_IO")
            .ok()
            .and_then(|v| IoBackend::parse(&v))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests;
