//! The shard's side of a connection's fence (`lock/fence.rs`): whether a
//! connection's next command waits for the one-round operations it has in
//! flight, and resuming it when the last of them replies.

use super::Shard;
use crate::args::Args;
use crate::commands::{Commands, Resolved};
use crate::lock;
use crate::msg::ConnRef;
use crate::route::Target;

impl<C: Commands> Shard<C> {
    /// Whether connection `i`'s next command must wait for the isolated
    /// operations it has in flight (`lock/fence.rs`): it touches one of
    /// their keys (a keyed command is taken to write its keys), it is a
    /// command whose keys are not known here (local, planned, isolated but
    /// not one-round), or [`MAX_OPS`](lock::fence::MAX_OPS) are in flight.
    /// Then the connection is held until they have all replied. A one-round
    /// operation that may go on has its keys declared in `txn.locks`
    /// already (`predeclared`).
    pub(super) fn fence_holds(
        &mut self,
        i: usize,
        (r, t): (Resolved<C::Cmd>, Target),
        args: Args<'_>,
    ) -> bool {
        let Some(c) = self.conns.get_mut(i) else {
            return false;
        };
        let Some(fence) = c.fence.as_deref().filter(|f| f.active()) else {
            return false;
        };
        let go = match t {
            _ if fence.full() => false,
            Target::Local => false,
            Target::Shard(_) => r
                .route
                .for_each_key(args, |k| !fence.blocks(lock::key_id(k), true)),
            Target::Plan => {
                let cmds = &*self.cmds;
                let ctx = cmds.ctx(&c.session);
                let locks = &mut self.txn.locks;
                let go = cmds.isolate(&mut c.session, ctx, r.cmd, args, locks)
                    && locks.one_round
                    && !locks.all
                    && locks.wholes.is_empty()
                    && locks.keys.iter().all(|&(id, _, w)| !fence.blocks(id, w));
                if go {
                    self.predeclared = true;
                } else {
                    locks.clear();
                }
                go
            }
        };
        if !go {
            c.held = true;
            c.fence_wait = true;
        }
        !go
    }

    /// One of connection `conn`'s operations in flight replied: the last
    /// one resumes the connection if a command waits for them.
    pub(super) fn fence_left(&mut self, conn: ConnRef) {
        let i = conn.idx as usize;
        let Some(c) = self.conns.get_mut(i).filter(|c| c.gen == conn.gen) else {
            return;
        };
        if c.fence.as_deref_mut().is_some_and(|f| f.leave()) && c.fence_wait {
            c.fence_wait = false;
            c.held = false;
            self.resume.push(i);
        }
    }
}
