//! `no-appendfsync-on-rewrite`: syncs wait while a background job runs.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

use crate::aof::{Aof, Feed, Fsync};

#[test]
fn syncs_wait_for_the_background_job_only_when_asked() {
    let dir = std::env::temp_dir().join(format!("kevy-nofsync-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let aof = Aof::default();
    aof.open(&dir, "appendonly.aof", Fsync::Always, None, false)
        .unwrap();
    let child = Arc::new(AtomicU8::new(0));
    aof.watch_children(child.clone());
    let mut feed = Feed::default();
    let write = |aof: &Aof, feed: &mut Feed| {
        feed.out().command(0, &[&b"SET"[..], b"k", b"v"]);
        aof.hand_over(feed);
        aof.unsynced(feed)
    };
    // A job runs, but the setting is off: `always` syncs at once.
    child.store(1, Ordering::Relaxed);
    assert!(!write(&aof, &mut feed));
    // On: written, not synced, while the job runs…
    aof.set_no_fsync_on_rewrite(true);
    assert!(write(&aof, &mut feed));
    assert!(write(&aof, &mut feed));
    // …and the first sync after it covers all of it.
    child.store(0, Ordering::Relaxed);
    assert!(!write(&aof, &mut feed));
    aof.close();
    let _ = std::fs::remove_dir_all(&dir);
}
