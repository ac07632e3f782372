//! A short, targeted poll before parking: while a peer that is awake owes
//! this shard the answer to a request batch (`MeshEnd::owed_by_awake_peer`),
//! the answer is microseconds away, and parking for it would cost a
//! context switch (on the machine measured, 5-7 µs of CPU when it wakes).
//! So the shard first hands the kernel what it queued (the iteration's
//! sends, a peer's wake-up), then polls its inbound rings and its ring's
//! completions for at most [`PEER_SPIN`] before it parks. Unlike a
//! general idle spin, an idle shard (no questions out) parks at once.

use std::time::{Duration, Instant};

use super::Shard;
use crate::commands::Commands;

/// The longest poll for a peer's answer; `KEVY_PEER_SPIN_US` sets it
/// (0: off).
pub(super) const PEER_SPIN: Duration = Duration::from_micros(0);

/// `KEVY_PEER_SPIN_US`, else [`PEER_SPIN`].
pub(super) fn peer_spin() -> Duration {
    std::env::var("KEVY_PEER_SPIN_US")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(PEER_SPIN, Duration::from_micros)
}

impl<C: Commands> Shard<C> {
    /// Before parking: polls for up to `self.peer_spin` while an awake
    /// peer owes an answer. True when something arrived (the loop goes
    /// round without parking), false when it should park.
    pub(super) fn spin_for_peer(&mut self) -> bool {
        if self.peer_spin.is_zero() || !self.mesh.owed_by_awake_peer() {
            return false;
        }
        self.arm_recvs();
        if let Some(r) = self.ring.as_mut() {
            // What the wait would have submitted goes now: replies must
            // not wait for the spin, nor a peer for its wake-up.
            r.publish();
            if r.submit().is_err() {
                return true;
            }
            r.reap();
        }
        let until = Instant::now() + self.peer_spin;
        loop {
            if self.mesh.has_inbound() || self.ring.as_mut().is_some_and(|r| r.news()) {
                return true;
            }
            if Instant::now() >= until || !self.mesh.owed_by_awake_peer() {
                return false;
            }
            std::hint::spin_loop();
        }
    }
}
