//! The io_uring backend's side of the loop: submitting the iteration's sends
//! in one system call and taking their completions (`reactor::uring`).
//! `Shard::flush` queues the sends; on the epoll backend none of this runs.

use std::time::Duration;

use super::Shard;
use crate::commands::Commands;
use crate::stats::ShardStats;

/// Submit-and-reap rounds per call: a completion's flush may queue the
/// output produced meanwhile, which goes in the next round.
const ROUNDS: usize = 4;

impl<C: Commands> Shard<C> {
    /// Hands the queued sends to the kernel, then takes the completions
    /// that came back at once (the usual case: the socket had room).
    pub(super) fn submit_sends(&mut self) {
        for _ in 0..ROUNDS {
            let Some(s) = self.sends.as_mut() else {
                return;
            };
            if !s.has_queued() {
                return;
            }
            if s.submit().is_err() {
                // The ring is unusable; the sends stay queued and are
                // retried next iteration (their connections wait).
                return;
            }
            self.reap_sends();
        }
    }

    /// Files finished sends: the connection's next output goes (or it
    /// resumes reading, or closes, as after a write), a failed one closes.
    pub(super) fn reap_sends(&mut self) {
        let Some(s) = self.sends.as_mut() else {
            return;
        };
        s.reap(&mut self.sends_done);
        let mut done = std::mem::take(&mut self.sends_done);
        for d in done.drain(..) {
            let Some(c) = self.conns.get_mut(d.conn) else {
                continue;
            };
            if c.gen != d.gen || c.in_flight == 0 {
                continue;
            }
            c.in_flight = 0;
            ShardStats::add_own(&self.stats.net_output, d.sent);
            if d.failed {
                self.close(d.conn);
            } else {
                self.flush(d.conn);
            }
        }
        self.sends_done = done;
    }

    /// Before a sleep of `timeout`: sends in flight signal the eventfd while
    /// it lasts; none if one already completed (then no sleep).
    pub(super) fn arm_sends(&mut self, timeout: Duration) -> Duration {
        match self.sends.as_mut() {
            Some(s) if !timeout.is_zero() => {
                if s.arm() {
                    timeout
                } else {
                    Duration::ZERO
                }
            }
            _ => timeout,
        }
    }

    /// After the poll: back to no signals.
    pub(super) fn disarm_sends(&mut self) {
        if let Some(s) = self.sends.as_mut() {
            s.disarm();
        }
    }

    /// The eventfd said sends completed (its counter is never read: the
    /// edge-triggered registration reports each signal).
    pub(super) fn sends_signalled(&mut self) {
        self.reap_sends();
    }
}
