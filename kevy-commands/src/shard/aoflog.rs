//! What a shard logs to the append-only file and the replicas through its
//! feed ([`crate::aof::Feed`]): commands whose effect the caller knows
//! ([`ShardState::propagate`]) and the keys expiry removed, as `DEL`s
//! ([`ShardState::log_expired`]); and the hand-over of what it logged
//! ([`ShardState::hand_over_feed`]). On the shard, not in `aof`, so that
//! the append-only file's modules do not depend on the shard's state.

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

    /// Hands what the shard logged since the last call to the replicas
    /// that are owed it ([`crate::repl`]) and to the append-only file
    /// (fsynced there under `appendfsync always`); turns propagation off
    /// once neither is left. The durability barrier's work, run before any
    /// reply of those commands leaves the shard.
    pub fn hand_over_feed(&mut self) {
        let shared = self.server.shared.clone();
        let repl = &shared.replicas;
        if repl.feeding() && !self.aof.main.is_empty() {
            let mut told = Vec::new();
            repl.feed(self.id, &self.aof.main, |s| told.push(s));
            self.tell_replica_shards(told);
        }
        let aof = &shared.aof;
        let open = aof.is_open();
        if open {
            if !self.aof.main.is_empty() || aof.unsynced(&self.aof) {
                aof.hand_over(&mut self.aof);
            }
        } else {
            self.aof.main.clear();
            if !repl.feeding() && !shared.upstream.active() {
                // The file was turned off, no replica is attached and no
                // backlog kept; a replica's shards keep logging, so that
                // its backlog is whole the moment it becomes a primary.
                self.set_propagating(false);
            }
        }
        let kept = if open { self.aof.memory() } else { 0 };
        if kept != self.aof.noted {
            aof.note_buffer(self.aof.noted, kept);
            self.aof.noted = kept;
        }
    }

    /// Sends `argv`, run in database `db`, to the replicas only (Redis
    /// propagates PUBLISH and SPUBLISH to replicas, not to the file):
    /// after what this shard logged before it, which is handed over first.
    /// Inside a transaction's step it joins the transaction's block.
    pub fn propagate_to_replicas(&mut self, db: u32, argv: &[&[u8]]) {
        let shared = self.server.shared.clone();
        if !shared.replicas.feeding() || !self.aof.on {
            return;
        }
        if let Some(capture) = self.aof.capture.as_mut() {
            capture.command(db, argv);
            return;
        }
        self.hand_over_feed();
        let mut frag = crate::aof::Fragment::default();
        frag.command(db, argv);
        let mut told = Vec::new();
        shared.replicas.feed(self.id, &frag, |s| told.push(s));
        self.tell_replica_shards(told);
    }

    /// Tells each shard in `shards` (once) that replicas living there have
    /// stream to send ([`crate::repl`]).
    pub fn tell_replica_shards(&self, mut shards: Vec<u32>) {
        if shards.is_empty() {
            return;
        }
        shards.sort_unstable();
        shards.dedup();
        let notice = super::notify::Notice::ReplDrain.encode();
        for s in shards {
            self.outbox.notice(s, &notice);
        }
    }

    /// Turns propagation on or off for this shard: its databases then
    /// record the keys expiry removes.
    pub fn set_propagating(&mut self, on: bool) {
        self.aof.on = on;
        self.server.shared.replicas.note_propagating(self.id, on);
        for d in &mut self.dbs {
            d.log_expired = on;
            d.expired_log.clear();
        }
    }
}
