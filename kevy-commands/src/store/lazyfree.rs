//! Lazy freeing (Redis's `lazyfree.c`): values whose freeing costs more
//! than [`THRESHOLD`] allocations (a big collection), and whole databases
//! emptied with `ASYNC`, are dropped by a background thread instead of the
//! shard's, so UNLINK and FLUSHALL ASYNC answer at once. INFO's
//! `lazyfree_pending_objects` counts what is queued and not yet freed,
//! `lazyfreed_objects` what the thread freed (one per value, one per key
//! of an emptied database), as Redis counts them.
//!
//! One thread serves the whole process, started at the first lazy free.
//! Cheap values are freed in place: queuing them would cost more.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Mutex, OnceLock};

use crate::model::value::Value;

/// Redis's `LAZYFREE_THRESHOLD`: values whose free effort is above this
/// are freed in the background.
pub const THRESHOLD: usize = 64;

/// Objects queued and not yet freed.
static PENDING: AtomicU64 = AtomicU64::new(0);
/// Objects the background thread freed (since the last `CONFIG RESETSTAT`).
static FREED: AtomicU64 = AtomicU64::new(0);

/// Something to drop in the background, and how many objects it counts for.
type Job = (Box<dyn Send>, u64);

/// The background thread's queue (a `Mutex` because a `Sender` is cloned
/// per use only here, off the per-command path).
static QUEUE: OnceLock<Mutex<Sender<Job>>> = OnceLock::new();

fn queue() -> &'static Mutex<Sender<Job>> {
    QUEUE.get_or_init(|| {
        let (tx, rx) = channel::<Job>();
        let spawned = std::thread::Builder::new()
            .name("kevy-lazyfree".into())
            .spawn(move || {
                crate::base::cpus::place(crate::base::cpus::Helper::Bio);
                for (job, n) in rx {
                    drop(job);
                    PENDING.fetch_sub(n, Relaxed);
                    FREED.fetch_add(n, Relaxed);
                }
            });
        if spawned.is_err() {
            // No thread: the jobs sent are dropped with the channel's
            // buffer as they fail to send (freed in place by `send`).
        }
        Mutex::new(tx)
    })
}

/// The `lazyfree-lazy-*` settings (in the shared
/// [`Limits`](crate::store::limits::Limits) every database reads).
#[derive(Debug, Default)]
pub struct Lazy {
    /// `lazyfree-lazy-eviction`.
    pub eviction: AtomicBool,
    /// `lazyfree-lazy-expire`.
    pub expire: AtomicBool,
    /// `lazyfree-lazy-server-del`.
    pub server_del: AtomicBool,
    /// `lazyfree-lazy-user-del`: DEL frees as UNLINK does.
    pub user_del: AtomicBool,
    /// `lazyfree-lazy-user-flush`: FLUSHALL / FLUSHDB without a mode are ASYNC.
    pub user_flush: AtomicBool,
}

/// Redis's `lazyfreeGetFreeEffort`: roughly the allocations freeing `v`
/// takes (1 for strings and packed collections).
pub fn effort(v: &Value) -> usize {
    match v {
        Value::List(l) => l.node_count(),
        Value::Set(s) if !s.is_intset() => s.len(),
        Value::ZSet(z) if !z.is_packed() => z.len(),
        Value::Hash(h) if !h.is_packed() => h.len(),
        Value::Stream(s) => {
            let mut effort = s.log.rax_nodes();
            if let Some(g) = s.groups.values().next() {
                effort += s.groups.len() * (1 + g.pel.len());
            }
            effort
        }
        _ => 1,
    }
}

/// Frees `v`, in the background when its effort is above [`THRESHOLD`]
/// (Redis's `freeObjAsync`).
pub fn free(v: Value) {
    if effort(&v) > THRESHOLD {
        send(Box::new(v), 1);
    }
}

/// Frees `what` (a database's table emptied with ASYNC) in the background,
/// counted as `objects` (its keys); in place when it holds none.
pub fn free_all<T: Send + 'static>(what: T, objects: u64) {
    if objects > 0 {
        send(Box::new(what), objects);
    }
}

fn send(job: Box<dyn Send>, n: u64) {
    PENDING.fetch_add(n, Relaxed);
    let tx = queue().lock().unwrap_or_else(|p| p.into_inner()).clone();
    if let Err(e) = tx.send((job, n)) {
        // The thread is gone: free here.
        drop(e);
        PENDING.fetch_sub(n, Relaxed);
        FREED.fetch_add(n, Relaxed);
    }
}

/// INFO's `lazyfree_pending_objects`.
pub fn pending() -> u64 {
    PENDING.load(Relaxed)
}

/// INFO's `lazyfreed_objects`.
pub fn freed() -> u64 {
    FREED.load(Relaxed)
}

/// `CONFIG RESETSTAT` (Redis's `lazyfreeResetStats`).
pub fn reset_stats() {
    FREED.store(0, Relaxed);
}

#[cfg(test)]
mod tests;
