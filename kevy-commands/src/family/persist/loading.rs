//! While the data loads: what refuses commands (`-LOADING`), the thread
//! that replays the append-only file (never refused), and how the shard
//! whose thread replays for DEBUG LOADAOF answers its own connections
//! meanwhile.

use std::sync::atomic::Ordering;

use kevy_rt::Flow;

use super::Local;
use crate::accounting::Shared;
use crate::family::spec::{flags, Run, Spec};

/// Redis's reply to a command refused while the data loads.
pub const LOADING_ERR: &[u8] = b"LOADING Redis is loading the dataset in memory";

/// The stand-in a command resolves to while the start-up load runs
/// (`Commands::resolve`, [`crate::Redis::begin_loading`]): `None` when
/// `cmd` may run (Redis's `loading` flag: INFO, CONFIG, PING…), or is
/// an unknown command or a wrong arity, whose own error comes first.
#[inline]
pub fn loading_refusal(shared: &Shared, cmd: &'static Spec) -> Option<&'static Spec> {
    if cmd.flags & flags::LOADING != 0
        || !shared.persist.loading.load(Ordering::Relaxed)
        || std::ptr::eq(cmd, &crate::family::connection::REJECT)
        || replaying()
    {
        return None;
    }
    Some(&REFUSED_LOADING)
}

thread_local! {
    /// This thread replays the append-only file (on a harness, in this
    /// thread): its commands are the load itself, never refused for it
    /// (Redis's AOF client calls the commands directly).
    static REPLAYING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// True while this thread replays the append-only file ([`Replaying`]).
pub fn replaying() -> bool {
    REPLAYING.with(std::cell::Cell::get)
}

/// While it lives, this thread's commands are a replay, never refused
/// as `-LOADING` (see [`loading_refusal`]).
pub struct Replaying(());

impl Replaying {
    /// Marks this thread as replaying until the guard drops.
    pub fn enter() -> Replaying {
        REPLAYING.with(|r| r.set(true));
        Replaying(())
    }
}

impl Drop for Replaying {
    fn drop(&mut self) {
        REPLAYING.with(|r| r.set(false));
    }
}

thread_local! {
    /// While DEBUG LOADAOF replays on a shard's thread: how that shard
    /// answers its own connections meanwhile ([`with_loading_serve`]).
    static LOADING_SERVE: std::cell::Cell<Option<*mut (dyn FnMut() + 'static)>> =
        const { std::cell::Cell::new(None) };
    /// When [`serve_while_loading`] last served.
    static LOADING_SERVED: std::cell::Cell<Option<std::time::Instant>> =
        const { std::cell::Cell::new(None) };
}

/// Runs `f` (a replay on this thread) with `serve` lent to
/// [`serve_while_loading`], as Redis's `processEventsWhileBlocked` serves
/// clients while it loads: the shard whose thread replays answers its own
/// connections (`-LOADING`) instead of leaving them waiting.
pub fn with_loading_serve<R>(serve: &mut dyn FnMut(), f: impl FnOnce() -> R) -> R {
    struct Restore(Option<*mut (dyn FnMut() + 'static)>);
    impl Drop for Restore {
        fn drop(&mut self) {
            LOADING_SERVE.with(|s| s.set(self.0));
        }
    }
    // SAFETY: only the trait object's lifetime is erased, for the
    // thread-local slot; `Restore` puts the slot's previous value back when
    // this frame ends (unwinding included), so the pointer is never used
    // once `serve`'s borrow is over.
    let ptr = unsafe {
        std::mem::transmute::<*mut (dyn FnMut() + '_), *mut (dyn FnMut() + 'static)>(serve)
    };
    let _restore = Restore(LOADING_SERVE.with(|s| s.replace(Some(ptr))));
    f()
}

/// Serves the loading shard's connections, at most once a millisecond:
/// called by the replay between commands and by a slow script's hook
/// during it. Nothing outside [`with_loading_serve`].
pub fn serve_while_loading() {
    let Some(ptr) = LOADING_SERVE.with(std::cell::Cell::take) else {
        return;
    };
    let now = std::time::Instant::now();
    let due = LOADING_SERVED.with(|t| {
        let due = t
            .get()
            .is_none_or(|last| now.duration_since(last) >= std::time::Duration::from_millis(1));
        if due {
            t.set(Some(now));
        }
        due
    });
    if due {
        // SAFETY: the slot holds a pointer only while `with_loading_serve`'s
        // frame, which lent it, runs; it was taken out of the slot for this
        // call, so no other `&mut` to the closure exists meanwhile.
        unsafe { (*ptr)() };
    }
    LOADING_SERVE.with(|s| s.set(Some(ptr)));
}

/// The stand-in of a command refused while loading.
pub static REFUSED_LOADING: Spec =
    Spec::new("(loading)", -1, 0, [0, 0, 0], Run::Local(refuse_loading));

fn refuse_loading(c: &mut Local<'_>) -> Flow {
    crate::family::txn::reject_with(c, LOADING_ERR)
}
