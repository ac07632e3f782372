//! Parked calls that end without a serve: deadlines (with the grace a
//! call still arming gets), unblocks (`CLIENT UNBLOCK`) and hang-ups.

use std::cmp::Reverse;
use std::time::Duration;

use super::super::Shard;
use crate::commands::Commands;
use crate::msg::Request;
use crate::park::{claim, Unpark};

/// How long past its deadline a call still arming may wait for its first
/// attempt (see [`Shard::expire_parked`]).
const ARMING_GRACE: Duration = Duration::from_secs(1);

impl<C: Commands> Shard<C> {
    /// Ends call `id` unserved, if nothing claimed it yet: writes its
    /// timeout or error reply.
    fn unpark(&mut self, id: u64, why: Unpark, claimed: bool) {
        let Some(p) = self.parking.parked.get(&id) else {
            return;
        };
        if !claimed && !p.claim.end(claim::GONE) {
            return; // A serve claimed it: its reply is on the way.
        }
        let Some(p) = self.parking.parked.remove(&id) else {
            return;
        };
        let mut out = Vec::new();
        if let Some(c) = self.conns.get(p.conn.idx as usize) {
            self.cmds.unparked(
                &mut self.state,
                &c.session,
                p.cmd,
                p.args.args(),
                why,
                &mut out,
            );
        }
        self.deliver(p.conn, p.seq, &out);
        self.end_parked(&p, None);
    }

    /// Ends the parked calls whose deadline passed.
    pub(in crate::shard) fn expire_parked(&mut self) {
        if self.parking.deadlines.is_empty() {
            return;
        }
        let now = std::time::Instant::now();
        let mut later = Vec::new();
        while let Some(Reverse((at, id))) = self.parking.deadlines.peek().copied() {
            if at > now {
                break;
            }
            self.parking.deadlines.pop();
            // A call still arming has not had its first attempt (its keys'
            // owners have not all answered): Redis always serves a ready key
            // before it blocks, however short the timeout. Look again in a
            // millisecond (for a second at most: an owner always answers).
            let arming = self.parking.parked.get(&id).is_some_and(|p| {
                p.claim.state() == claim::ARMING
                    && p.deadline.is_some_and(|d| now < d + ARMING_GRACE)
            });
            if arming {
                later.push(Reverse((now + Duration::from_millis(1), id)));
                continue;
            }
            self.unpark(id, Unpark::Timeout, false);
        }
        self.parking.deadlines.extend(later);
    }

    /// Acts on the unblocks a part made (their claims are taken).
    pub(in crate::shard) fn reap_unblocked(&mut self) {
        while let Some((i, why)) = self.parking.unblocked.pop() {
            let id = self
                .conns
                .get(i)
                .and_then(|c| c.parked.as_ref().map(|(id, _)| *id));
            if let Some(id) = id {
                self.unpark(id, why, true);
            }
        }
    }

    /// Connection `i`, closing, had call `id` parked: end it (a serve that
    /// claimed it first took its element: the reply goes nowhere, as a
    /// reply written to a socket the client has just closed).
    pub(in crate::shard) fn parked_conn_closed(&mut self, id: u64) {
        let Some(p) = self.parking.parked.remove(&id) else {
            return;
        };
        p.claim.end(claim::GONE);
        if p.claim.was_open() {
            self.settings.add_blocked(-1);
        }
        for &s in &p.shards {
            self.park_send(s, Request::Cancel { waiter: id });
        }
    }
}
