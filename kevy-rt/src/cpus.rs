//! Where the shard threads run: each on a CPU of its own, or anywhere.
//!
//! Left to the kernel, two busy shards on a 2-core machine shared with
//! their clients often end up on one core while the clients' threads share
//! the other: every CPU then has two runnable threads and the load balancer
//! sees nothing to move. The clients' threads take turns a tick (4 ms) at a
//! time, so a quarter of the requests wait a tick for their client to read
//! the reply. Measured on the 2-core machine of BENCHMARKS.md ("Session
//! 19", `redis-benchmark -c 50 --threads 2`): MSET at depth 1 p99 4.2 ms in
//! most runs unpinned, 0.95 ms with each shard on its own CPU, and server
//! CPU per request 10.4–13.3 µs against 8.7–9.3 µs; GET at depth 16 0.70
//! against 0.59–0.63 µs. [`ShardCpus::Auto`] (the default) places shard
//! `i` on the `i`-th CPU the process may use when there is one such CPU
//! per shard (two or more): thread-per-core. With more CPUs than shards
//! the shards stay free to move to an idle one (a machine shared with
//! other work, a container whose CPU quota sets the shard count), and with
//! fewer they must share anyway.
//!
//! A shard [`ShardCpus::Auto`] pinned lets go of its CPU while a busy
//! program keeps it waiting there, and pins itself again later
//! (`cpus/watch.rs`); a list given by the operator stays as given.
//!
//! Threads inherit their creator's placement: a helper thread a shard
//! starts (a background save, say) calls [`unpin`] first, or it would
//! share that shard's CPU.

use std::io;
use std::sync::OnceLock;

mod watch;
pub(crate) use watch::CoreWatch;

/// Where shard threads run (see the module docs).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ShardCpus {
    /// Shard `i` on the `i`-th CPU the process may use, when it may use
    /// exactly as many CPUs as there are shards, two or more; else
    /// anywhere.
    #[default]
    Auto,
    /// Wherever the kernel puts them.
    Any,
    /// Shard `i` on `cpus[i % cpus.len()]`.
    List(Vec<usize>),
}

impl ShardCpus {
    /// Parses `auto`, `any` (or `none`, or nothing) or a CPU list in
    /// Redis's `server_cpulist` syntax (see [`parse_cpu_list`]).
    pub fn parse(s: &str) -> Option<ShardCpus> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Some(ShardCpus::Auto),
            "" | "any" | "none" => Some(ShardCpus::Any),
            list => parse_cpu_list(list).map(ShardCpus::List),
        }
    }

    /// Its text, as [`ShardCpus::parse`] reads it.
    pub fn name(&self) -> String {
        match self {
            ShardCpus::Auto => "auto".into(),
            ShardCpus::Any => "any".into(),
            ShardCpus::List(l) => l
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(","),
        }
    }

    /// The default: `KEVY_SHARD_CPUS` when it parses, else auto.
    pub fn from_env() -> ShardCpus {
        std::env::var("KEVY_SHARD_CPUS")
            .ok()
            .and_then(|v| ShardCpus::parse(&v))
            .unwrap_or_default()
    }

    /// The CPU shard `shard` of `shards` runs on (None: anywhere), given
    /// the CPUs the process may use.
    pub fn cpu_of(&self, shard: usize, shards: usize, allowed: &[usize]) -> Option<usize> {
        match self {
            ShardCpus::Any => None,
            ShardCpus::List(l) if l.is_empty() => None,
            ShardCpus::List(l) => Some(l[shard % l.len()]),
            ShardCpus::Auto if shards < 2 || allowed.len() != shards => None,
            ShardCpus::Auto => allowed.get(shard).copied(),
        }
    }
}

/// Parses a CPU list as Redis's `server_cpulist` does: comma-separated
/// items, each a CPU (`3`), a range (`0-7`) or a range with a step
/// (`0-7:2`). None when malformed or empty.
pub fn parse_cpu_list(s: &str) -> Option<Vec<usize>> {
    let mut cpus = Vec::new();
    for item in s.split(',') {
        let item = item.trim();
        let (range, step) = match item.split_once(':') {
            Some((r, st)) => (r, st.parse::<usize>().ok().filter(|&n| n > 0)?),
            None => (item, 1),
        };
        let (a, b) = match range.split_once('-') {
            Some((a, b)) => (a.parse::<usize>().ok()?, b.parse::<usize>().ok()?),
            None => {
                let a = range.parse::<usize>().ok()?;
                (a, a)
            }
        };
        if a > b || b >= MAX_CPUS {
            return None;
        }
        cpus.extend((a..=b).step_by(step));
    }
    (!cpus.is_empty()).then_some(cpus)
}

/// The most CPUs a set here names (`cpu_set_t`'s size).
const MAX_CPUS: usize = 1024;

/// The CPUs the process could use when it first asked (before any thread
/// of it was placed): what [`unpin`] restores.
fn process_cpus() -> &'static [usize] {
    static CPUS: OnceLock<Vec<usize>> = OnceLock::new();
    CPUS.get_or_init(|| current_cpus().unwrap_or_default())
}

/// The CPUs the process may use (as it started: a shard's own placement
/// does not narrow it). Empty where the system does not say.
pub fn allowed_cpus() -> Vec<usize> {
    process_cpus().to_vec()
}

/// Remembers the process's CPUs before any shard narrows its own: called
/// by the runtime on the thread that builds it.
pub(crate) fn remember() {
    let _ = process_cpus();
}

/// Puts the calling thread on `cpus` (an empty list: every CPU the process
/// could use at start).
pub fn place(cpus: &[usize]) -> io::Result<()> {
    let cpus = if cpus.is_empty() {
        process_cpus()
    } else {
        cpus
    };
    if cpus.is_empty() {
        return Ok(());
    }
    set_current(cpus)
}

/// Lets the calling thread run on any CPU the process could use at start:
/// for helper threads started by a shard, which would otherwise inherit
/// its single CPU. Best effort.
pub fn unpin() {
    let _ = place(&[]);
}

/// The CPUs the calling thread may run on now (None where the system
/// does not say).
pub fn thread_cpus() -> Option<Vec<usize>> {
    current_cpus()
}

#[cfg(target_os = "linux")]
fn current_cpus() -> Option<Vec<usize>> {
    // SAFETY: an all-zero `cpu_set_t` is a valid empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is a live `cpu_set_t` of the size passed; pid 0 is the
    // calling thread.
    let r = unsafe { libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) };
    if r != 0 {
        return None;
    }
    // SAFETY: CPU_ISSET reads the set only, at indexes below its capacity.
    Some(
        (0..MAX_CPUS)
            .filter(|&c| unsafe { libc::CPU_ISSET(c, &set) })
            .collect(),
    )
}

#[cfg(target_os = "linux")]
fn set_current(cpus: &[usize]) -> io::Result<()> {
    // SAFETY: an all-zero `cpu_set_t` is a valid empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    for &c in cpus.iter().filter(|&&c| c < MAX_CPUS) {
        // SAFETY: `c` is below the set's capacity (MAX_CPUS bits).
        unsafe { libc::CPU_SET(c, &mut set) };
    }
    // SAFETY: `set` is a live, initialised `cpu_set_t` of the size passed,
    // which the call only reads; pid 0 is the calling thread.
    let r = unsafe { libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn current_cpus() -> Option<Vec<usize>> {
    None
}

#[cfg(not(target_os = "linux"))]
fn set_current(_: &[usize]) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "thread placement is Linux's",
    ))
}

#[cfg(test)]
mod tests;
