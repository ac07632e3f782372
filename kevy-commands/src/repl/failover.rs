//! A coordinated failover (`FAILOVER`, Redis 7.0's `failoverCommand` and
//! `updateFailoverStatus`): the primary holds its clients' writes, waits
//! until a replica (the one named, or any) has acknowledged the whole
//! stream, then follows that replica, asking it with `PSYNC <replid>
//! <offset> FAILOVER` to become the primary. The replica, when the
//! replication id is its own (a replica takes its primary's at sync),
//! stops following and answers the `PSYNC` as a primary; the failover is
//! then over and writes resume (answered `-READONLY` by the new replica).
//!
//! The state is server-wide ([`Failover`], in `Shared`); every shard's
//! tick ([`tick`]) checks for the acknowledgement and the deadline, and
//! keeps the write pause ([`kevy_rt::Settings::hold`], which `CLIENT
//! UNPAUSE` does not end) in force while a failover runs, lifting it once
//! the link thread or `FAILOVER ABORT` ended it.

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

use super::lock;
use crate::accounting::Shared;
use crate::base::log::Level;

/// Where a failover stands (`INFO replication`'s `master_failover_state`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// None in progress.
    None = 0,
    /// Writes held, waiting for a replica to acknowledge the stream.
    WaitForSync = 1,
    /// Following the target, waiting for its answer to `PSYNC … FAILOVER`.
    InProgress = 2,
}

impl Phase {
    /// Its name in `INFO replication`.
    pub fn name(self) -> &'static str {
        match self {
            Phase::None => "no-failover",
            Phase::WaitForSync => "waiting-for-sync",
            Phase::InProgress => "failover-in-progress",
        }
    }
}

/// What `FAILOVER` asked for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Request {
    /// `TO host port`: only this replica.
    pub target: Option<(String, u16)>,
    /// `TIMEOUT ms` (0: none): abort, or with `FORCE` fail over anyway,
    /// when no replica caught up in time.
    pub timeout_ms: u64,
    /// `FORCE`.
    pub force: bool,
}

/// The server's failover, if one runs.
#[derive(Debug, Default)]
pub struct Failover {
    phase: AtomicU8,
    /// The request, its target once known, and its deadline (unix ms, 0:
    /// none).
    plan: Mutex<(Request, u64)>,
    /// The write pause is held for a failover: the next tick after it
    /// ended lifts it.
    holding: AtomicBool,
}

impl Failover {
    /// Where it stands (one atomic load).
    #[inline]
    pub fn phase(&self) -> Phase {
        match self.phase.load(Ordering::Acquire) {
            1 => Phase::WaitForSync,
            2 => Phase::InProgress,
            _ => Phase::None,
        }
    }

    /// Starts one at `now_ms` (the caller has checked none runs and holds
    /// the clients' writes).
    pub fn begin(&self, req: Request, now_ms: u64) {
        let deadline = if req.timeout_ms > 0 {
            now_ms.saturating_add(req.timeout_ms)
        } else {
            0
        };
        if let Ok(mut plan) = self.plan.lock() {
            *plan = (req, deadline);
        }
        self.holding.store(true, Ordering::Release);
        self.phase
            .store(Phase::WaitForSync as u8, Ordering::Release);
    }

    /// The target replica, once known.
    pub fn target(&self) -> Option<(String, u16)> {
        self.plan.lock().ok().and_then(|p| p.0.target.clone())
    }

    fn clear(&self) {
        if let Ok(mut plan) = self.plan.lock() {
            *plan = Default::default();
        }
        self.phase.store(Phase::None as u8, Ordering::Release);
    }

    /// The target accepted the `PSYNC … FAILOVER`: over (Redis's
    /// `clearFailoverState`).
    pub fn completed(&self, shared: &Shared) {
        if self.phase() == Phase::None {
            return;
        }
        if let Some((host, port)) = self.target() {
            shared.log.log(
                Level::Notice,
                &format!("Failover to {host}:{port} completed"),
            );
        }
        self.clear();
    }

    /// Ends the failover in progress, if any, with `why` logged (Redis's
    /// `abortFailover`): a server already following the target is a
    /// primary again. True when one was in progress.
    pub fn abort(&self, shared: &Shared, why: &str) -> bool {
        let phase = self.phase();
        if phase == Phase::None {
            return false;
        }
        let to = match self.target() {
            Some((host, port)) => format!("{host}:{port}"),
            None => "any replica".to_string(),
        };
        shared
            .log
            .log(Level::Notice, &format!("FAILOVER to {to} aborted: {why}"));
        if phase == Phase::InProgress && shared.upstream.stop() {
            // Its own stream goes on where it stopped; its replicas sync
            // again (partially) to learn the new id.
            shared.shift_repl_id(shared.replicas.offset());
            shared.replicas.doom_all();
            if let Err(e) = shared.config.oom_refresh(false) {
                shared.log.log(Level::Warning, &e);
            }
        }
        self.clear();
        true
    }

    /// Whether the write pause is held for a failover, ending it when the
    /// failover is over: `Some(true)` hold it, `Some(false)` lift it,
    /// `None` nothing to do.
    fn pause_wanted(&self) -> Option<bool> {
        if self.phase() != Phase::None {
            return Some(true);
        }
        (self.holding.load(Ordering::Relaxed) && self.holding.swap(false, Ordering::AcqRel))
            .then_some(false)
    }
}

/// A shard's tick: the pause kept or lifted, the deadline and the
/// replicas' acknowledgements checked (Redis's `updateFailoverStatus`).
pub fn tick(shared: &Arc<Shared>, settings: Option<&kevy_rt::Settings>, now_ms: u64) {
    let f = &shared.failover;
    match (f.pause_wanted(), settings) {
        (Some(true), Some(s)) => s.hold(Some(true)),
        (Some(false), Some(s)) => s.hold(None),
        _ => {}
    }
    if f.phase() != Phase::WaitForSync {
        return;
    }
    let Ok(mut plan) = f.plan.lock() else {
        return;
    };
    // Another shard's tick may have moved it on meanwhile.
    if f.phase() != Phase::WaitForSync {
        return;
    }
    let (req, deadline) = &mut *plan;
    let to = if *deadline != 0 && *deadline <= now_ms {
        match req.target.clone().filter(|_| req.force) {
            Some((host, port)) => {
                shared.log.log(
                    Level::Notice,
                    &format!("FAILOVER to {host}:{port} time out exceeded, failing over."),
                );
                (host, port)
            }
            None => {
                drop(plan);
                f.abort(shared, "Replica never caught up before timeout");
                return;
            }
        }
    } else {
        let target = req.target.as_ref().map(|(h, p)| (h.as_str(), *p));
        let Some((host, port)) = shared.replicas.caught_up(target) else {
            return;
        };
        shared.log.log(
            Level::Notice,
            &format!("Failover target {host}:{port} is synced, failing over."),
        );
        req.target = Some((host.clone(), port));
        (host, port)
    };
    f.phase.store(Phase::InProgress as u8, Ordering::Release);
    drop(plan);
    crate::repl::upstream::start_failover(shared, to.0, to.1);
}

/// The replicas a failover may hand over to.
impl super::Replicas {
    /// The replica listening at `ip:port` (its address as `INFO` shows
    /// it): `Some(online)`, or `None` when there is none.
    pub fn find(&self, ip: &str, port: u16) -> Option<bool> {
        if !self.active() {
            return None;
        }
        lock(&self.list)
            .iter()
            .find(|r| r.ip == ip && r.port == port)
            .map(|r| r.started.iter().all(|s| *s))
    }

    /// A replica that has acknowledged the whole stream (`ip`, `port`),
    /// the one at `target` only when given: the one a `FAILOVER` may hand
    /// over to (Redis's `updateFailoverStatus`).
    pub fn caught_up(&self, target: Option<(&str, u16)>) -> Option<(String, u16)> {
        if !self.active() {
            return None;
        }
        let offset = self.offset();
        lock(&self.list)
            .iter()
            .filter(|r| target.is_none_or(|(ip, port)| r.ip == ip && r.port == port))
            .find(|r| r.acked >= offset)
            .map(|r| (r.ip.clone(), r.port))
    }
}

#[cfg(test)]
mod tests;
