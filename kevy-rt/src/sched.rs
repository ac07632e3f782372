//! The scheduling policy of the shard threads.
//!
//! A shard thread that sleeps for input is woken by the kernel when a
//! client's request arrives, usually on a core where a client (or another
//! program) runs. Under Linux's default policy the woken shard preempts
//! that thread at once: one context switch for each request, and another
//! when the preempted client is switched back in to read its reply.
//! Under `SCHED_BATCH` ([`ShardSched::Batch`], the default) a woken shard
//! does not preempt: it runs when the thread on its core sleeps or uses up
//! its slice, and then finds the requests that arrived meanwhile
//! together. Measured on the 2-core machine of BENCHMARKS.md ("Session
//! 16", 50 clients at depth 1, random keys): a third fewer context
//! switches per request, server CPU per request 5–24% lower, p99 no
//! higher. The cost is waiting: when one shard does all the work (every
//! client on one key), its median latency rose (0.35 → 0.62 ms there)
//! while it waited for the client threads on its core; and a shard that
//! runs later finds a client's input and a peer's message together more
//! often, and must choose which runs first (`shard/arrival.rs`: before it
//! did, Redis 7.0's `unit/pubsub` "PUBLISH/PSUBSCRIBE after PUNSUBSCRIBE
//! without arguments" counted the unsubscribing client in 2 of 3 runs).
//! The thread's share
//! of the CPU is the same under both policies; only wake-up preemption
//! differs. [`ShardSched::Normal`] keeps the default policy (a core
//! shared with a busy program then delays a shard less).

use std::io;

/// How shard threads are scheduled (see the module docs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ShardSched {
    /// `SCHED_BATCH`: a woken shard does not preempt the running thread.
    #[default]
    Batch,
    /// The operating system's default policy (`SCHED_OTHER`).
    Normal,
}

impl ShardSched {
    /// Parses `batch` or `normal` (`other`), in any case.
    pub fn parse(s: &str) -> Option<ShardSched> {
        match s.to_ascii_lowercase().as_str() {
            "batch" => Some(ShardSched::Batch),
            "normal" | "other" => Some(ShardSched::Normal),
            _ => None,
        }
    }

    /// Its name, as [`ShardSched::parse`] reads it.
    pub fn name(self) -> &'static str {
        match self {
            ShardSched::Batch => "batch",
            ShardSched::Normal => "normal",
        }
    }

    /// The default: `KEVY_SCHED` when it names a policy, else batch.
    pub fn from_env() -> ShardSched {
        std::env::var("KEVY_SCHED")
            .ok()
            .and_then(|v| ShardSched::parse(&v))
            .unwrap_or_default()
    }

    /// Puts the calling thread under this policy. Neither needs a
    /// privilege; where the system has no such policy the thread keeps
    /// its own and the error says why.
    pub(crate) fn apply(self) -> io::Result<()> {
        #[cfg(target_os = "linux")]
        {
            let policy = match self {
                ShardSched::Batch => libc::SCHED_BATCH,
                ShardSched::Normal => libc::SCHED_OTHER,
            };
            let param = libc::sched_param { sched_priority: 0 };
            // SAFETY: `param` is a live, initialised `sched_param` the call
            // only reads; pid 0 is the calling thread.
            let r = unsafe { libc::sched_setscheduler(0, policy, &param) };
            if r != 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        }
        #[cfg(not(target_os = "linux"))]
        {
            match self {
                ShardSched::Normal => Ok(()),
                ShardSched::Batch => Err(io::Error::new(
                    io::ErrorKind::Unsupported,
                    "SCHED_BATCH is Linux's",
                )),
            }
        }
    }

    /// The calling thread's policy, as a [`ShardSched`] (None: another one,
    /// such as a real-time policy).
    #[cfg(test)]
    pub(crate) fn current() -> Option<ShardSched> {
        // SAFETY: no arguments but the pid; 0 is the calling thread.
        match unsafe { libc::sched_getscheduler(0) } {
            libc::SCHED_BATCH => Some(ShardSched::Batch),
            libc::SCHED_OTHER => Some(ShardSched::Normal),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back() {
        for s in [ShardSched::Batch, ShardSched::Normal] {
            assert_eq!(ShardSched::parse(s.name()), Some(s));
        }
        assert_eq!(ShardSched::parse("OTHER"), Some(ShardSched::Normal));
        assert_eq!(ShardSched::parse("fifo"), None);
    }

    #[test]
    fn a_thread_takes_either_policy_and_can_go_back() {
        std::thread::spawn(|| {
            ShardSched::Batch.apply().unwrap();
            assert_eq!(ShardSched::current(), Some(ShardSched::Batch));
            ShardSched::Normal.apply().unwrap();
            assert_eq!(ShardSched::current(), Some(ShardSched::Normal));
        })
        .join()
        .unwrap();
    }
}
