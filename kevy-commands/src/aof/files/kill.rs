//! Stopping a rewrite before its end (`CONFIG SET appendonly no`, Redis's
//! `killAppendOnlyChild`). Redis kills its fork child and removes the
//! child's temporary file; kevy's rewrite has no child: each shard drops
//! its snapshot at its next slice (`family::persist::snapshot_slice`), a
//! snapshot that arrives anyway is not taken, and a base being written is
//! removed instead of switched in ([`Aof::write_and_switch`]).

use std::fs;
use std::sync::atomic::Ordering;

use super::{lock, temp_base, Aof};

impl Aof {
    /// Stops the rewrite in progress; true when one was running (it then
    /// counts as neither done nor failed, as in Redis).
    pub fn kill_rewrite(&self) -> bool {
        if !self.rewriting() {
            return false;
        }
        // Under the files' lock: a base being written checks the mark
        // under it before taking its place.
        let files = lock(&self.inner.files);
        self.inner
            .killed
            .store(self.generation(), Ordering::Release);
        if let Some(f) = files.as_ref() {
            let _ = fs::remove_file(temp_base(&f.dir));
        }
        drop(files);
        lock(&self.inner.snapshots).clear();
        *lock(&self.inner.head) = None;
        self.inner.pending.store(0, Ordering::Release);
        self.inner.rewriting.store(false, Ordering::Release);
        true
    }

    /// True when rewrite `generation` was stopped before its end.
    pub fn killed(&self, generation: u64) -> bool {
        generation != 0 && self.inner.killed.load(Ordering::Acquire) == generation
    }

    /// True while rewrite `generation` runs: what a shard brings for
    /// another (stopped) one is dropped.
    pub(super) fn current(&self, generation: u64) -> bool {
        self.rewriting() && generation == self.generation() && !self.killed(generation)
    }
}
