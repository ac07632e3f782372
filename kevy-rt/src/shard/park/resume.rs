//! Parking a served call again: a serve whose effect continues on another
//! shard ([`Served::Then`](crate::park::Served::Then)) runs that continuation as the connection's next
//! command; if it then finds nothing ([`Commands::missed`]: another client
//! emptied the key first), the call parks again with its first deadline
//! instead of answering (ARCHITECTURE.md, "Parking", step 5).

use std::time::Instant;

use super::super::Shard;
use crate::args::OwnedArgs;
use crate::commands::Commands;
use crate::msg::ConnRef;

/// A served call whose continuation ([`Served::Then`](crate::park::Served::Then)) is running: parked
/// again if the continuation finds nothing ([`Commands::missed`]).
pub(super) struct Resume<C: Commands> {
    pub(super) conn: ConnRef,
    pub(super) cmd: C::Cmd,
    pub(super) args: OwnedArgs,
    pub(super) deadline: Option<Instant>,
    /// When the call first came: parked again, it keeps its place.
    pub(super) since: Instant,
}

impl<C: Commands> Shard<C> {
    /// Operation `plan` of connection `conn` is over: when it continued a
    /// served call and found nothing, parks that call again (true: its
    /// reply is to be dropped).
    pub(in crate::shard) fn resume_missed(&mut self, conn: ConnRef, plan: &C::Plan) -> bool {
        if self.parking.resuming.is_empty() {
            return false;
        }
        let Some(at) = self.parking.resuming.iter().position(|r| r.conn == conn) else {
            return false;
        };
        let r = self.parking.resuming.swap_remove(at);
        let i = conn.idx as usize;
        if !self.cmds.missed(plan) || self.conns.get(i).is_none_or(|c| c.gen != conn.gen) {
            return false;
        }
        let cmds = &*self.cmds;
        let Some(c) = self.conns.get_mut(i) else {
            return false;
        };
        let keys = &mut self.parking.keys;
        keys.clear();
        if cmds
            .blocking(&c.session, r.cmd, r.args.args(), keys)
            .is_none()
        {
            keys.clear();
            return false;
        }
        let ctx = cmds.ctx(&c.session);
        self.park_at(i, r.cmd, ctx, r.args.args(), r.deadline, r.since);
        self.serve_ready();
        self.mark_dirty(i);
        true
    }
}
