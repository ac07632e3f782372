//! What a shard logs to the append-only file through its feed
//! ([`crate::aof::Feed`]): commands whose effect the caller knows
//! ([`ShardState::propagate`]) and the keys expiry removed, as `DEL`s
//! ([`ShardState::log_expired`]). On the shard, not in `aof`, so that the
//! append-only file's modules do not depend on the shard's state.

use super::ShardState;

impl ShardState {
    /// Logs `argv` as run in database `db` — the propagation API for code
    /// that knows the effect it had (a blocked pop served later, a script's
    /// write): nothing when the append-only file is off. Inside a
    /// transaction's step the command joins the transaction's block.
    pub fn propagate(&mut self, db: u32, argv: &[&[u8]]) {
        if self.aof.on {
            self.aof.out().command(db, argv);
        }
    }

    /// Logs the keys expiry removed from database `db` since the last call
    /// as `DEL`s (Redis's `propagateDeletion`).
    pub fn log_expired(&mut self, db: usize) {
        let Some(d) = self.dbs.get_mut(db) else {
            return;
        };
        if d.expired_log.is_empty() {
            return;
        }
        let keys = std::mem::take(&mut d.expired_log);
        for k in &keys {
            self.aof.out().command(db as u32, &[&b"DEL"[..], k]);
        }
    }

    /// [`ShardState::log_expired`] for every database.
    pub fn log_expired_all(&mut self) {
        for i in 0..self.dbs.len() {
            self.log_expired(i);
        }
    }

    /// Turns propagation on or off for this shard: its databases then
    /// record the keys expiry removes.
    pub fn set_propagating(&mut self, on: bool) {
        self.aof.on = on;
        for d in &mut self.dbs {
            d.log_expired = on;
            d.expired_log.clear();
        }
    }
}
