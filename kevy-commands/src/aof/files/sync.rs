//! The append-only file's fsyncs: one sync covering every shard's writes
//! so far (group commit, `appendfsync always`), the once-a-second thread
//! (`everysec`), and `no-appendfsync-on-rewrite`, which holds them while a
//! background save or rewrite runs (Redis's `flushAppendOnlyFile` skips
//! its fsync while a child is active, to keep the disk for the child).

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use super::{lock, Aof, Fsync, Inner};

impl Aof {
    /// `no-appendfsync-on-rewrite`: while `on` and a background job runs
    /// (a save or a rewrite), the file is written but not synced.
    pub fn set_no_fsync_on_rewrite(&self, on: bool) {
        self.inner.no_fsync_on_rewrite.store(on, Ordering::Relaxed);
    }

    /// `aof-timestamp-enabled`: annotate the file with the time, each
    /// second that has commands.
    pub fn set_timestamps(&self, on: bool) {
        self.inner.timestamps.store(on, Ordering::Relaxed);
    }

    /// Gives the flag that says a background job runs (the persistence
    /// state's `child`) to watch for `no-appendfsync-on-rewrite`.
    pub fn watch_children(&self, child: Arc<AtomicU8>) {
        let _ = self.inner.children.set(child);
    }
}

/// True while syncs are held (see the module's docs).
fn held(inner: &Inner) -> bool {
    inner.no_fsync_on_rewrite.load(Ordering::Relaxed)
        && inner
            .children
            .get()
            .is_some_and(|c| c.load(Ordering::Relaxed) != 0)
}

pub(super) fn sync_inner(inner: &Inner, upto: u64) {
    if held(inner) {
        // `no-appendfsync-on-rewrite yes` while a background job runs:
        // the next sync after it covers what was written meanwhile.
        return;
    }
    if inner.synced.load(Ordering::Acquire) >= upto {
        return;
    }
    let _one = lock(&inner.sync_lock);
    if inner.synced.load(Ordering::Acquire) >= upto {
        return;
    }
    // Everything handed over before this load is in the files' page cache.
    let target = inner.written.load(Ordering::Acquire);
    let handles = lock(&inner.files)
        .as_ref()
        .map(|f| (f.incr.clone(), f.old.clone()));
    let Some((incr, old)) = handles else {
        return;
    };
    let mut ok = incr.sync_data().is_ok();
    if let Some(old) = old {
        ok &= old.sync_data().is_ok();
    }
    if !ok {
        lock(&inner.stats).write_error = true;
    }
    inner.synced.fetch_max(target, Ordering::AcqRel);
}

/// The everysec thread: an fsync a second when something was written;
/// ends when the server's state goes.
pub(super) fn everysec(weak: Weak<Inner>) {
    loop {
        std::thread::sleep(Duration::from_millis(1000));
        let Some(inner) = weak.upgrade() else {
            return;
        };
        if lock(&inner.files).is_none() {
            return;
        }
        if inner.policy.load(Ordering::Relaxed) == Fsync::Everysec as u8 {
            let upto = inner.written.load(Ordering::Acquire);
            sync_inner(&inner, upto);
        }
    }
}

#[cfg(test)]
mod tests;
