//! The kernel interfaces a shard's event loop does its socket I/O through.
//!
//! Readiness always comes from epoll (mio): accepts, reads and wake-ups are
//! the same on every backend. What differs is how replies leave:
//! - [`IoBackend::Epoll`]: one `write` system call per connection flushed;
//! - [`IoBackend::Uring`]: each flush becomes a send queued on the shard's
//!   io_uring, and all the sends of a loop iteration go to the kernel in one
//!   `io_uring_enter` (see `uring`). At `-P 1` with 50 clients an iteration
//!   flushes about 15 connections: 15 system calls become one.
//!
//! The choice is made once, at start ([`Builder::io`](crate::Builder::io));
//! [`IoBackend::Auto`] takes io_uring when the kernel allows it
//! (`/proc/sys/kernel/io_uring_disabled`, seccomp, old kernels) and epoll
//! otherwise. The default comes from the `KEVY_IO` environment variable
//! (`epoll`, `uring`, `auto`), else epoll, so a test suite can be run on
//! either backend without changing it.

pub(crate) mod uring;

/// How a shard's sockets are written (see the module docs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum IoBackend {
    /// One `write` per connection flush.
    #[default]
    Epoll,
    /// Sends batched through io_uring; start-up fails if the kernel refuses it.
    Uring,
    /// io_uring when the kernel allows it, else epoll.
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

    /// The default: `KEVY_IO` when it names a backend, else epoll.
    pub fn from_env() -> IoBackend {
        std::env::var("KEVY_IO")
            .ok()
            .and_then(|v| IoBackend::parse(&v))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests;
