//! What undoes a shard-mode run's writes when it must start again in
//! global mode: each written key's value and deadline before the run
//! first wrote it.

use std::collections::HashSet;

use kevy_rt::Args;

use crate::family::spec::{key_flags, Run, Spec};
use crate::model::value::Value as Stored;
use crate::shard::ShardState;
use crate::store::db::Clock;

/// One saved key: its database, name, and value with deadline (`None`:
/// it did not exist).
type Saved = (u32, Vec<u8>, Option<(Stored, Option<i64>)>);

/// The snapshots that undo a shard-mode run's writes: each written key's
/// value (and deadline) before the run first wrote it.
#[derive(Default)]
pub(crate) struct Undo {
    seen: HashSet<(u32, Vec<u8>)>,
    saved: Vec<Saved>,
}

impl Undo {
    fn save(&mut self, shard: &mut ShardState, db: u32, key: &[u8]) {
        if !self.seen.insert((db, key.to_vec())) {
            return;
        }
        let now = Clock::new();
        let before = shard
            .db(db as usize)
            .get_with_deadline(key, &now)
            .map(|(v, at)| (v.clone(), at));
        self.saved.push((db, key.to_vec(), before));
    }

    /// Puts every saved key back, newest first.
    pub(crate) fn rollback(self, shard: &mut ShardState) {
        let now = Clock::new();
        for (db, key, before) in self.saved.into_iter().rev() {
            let d = shard.db(db as usize);
            match before {
                Some((v, at)) => d.set(&key, v, &now, false, at),
                None => {
                    d.remove(&key, &now);
                }
            }
        }
    }
}

/// Snapshots the keys a write command may change (every key of its key
/// specs but read-only ones; a command reaching other databases of the
/// shard, MOVE or COPY … DB, in every database).
pub(super) fn save_keys(
    undo: &mut Undo,
    shard: &mut ShardState,
    db: u32,
    spec: &'static Spec,
    args: Args<'_>,
) {
    let Ok(keys) = crate::family::command::op_getkeys(args) else {
        return;
    };
    let every_db = matches!(spec.run, Run::Shard(_) | Run::ShardKeys(..));
    let ndb = shard.dbs.len() as u32;
    for (at, kf) in keys {
        if at >= args.len() || kf & key_flags::RO != 0 {
            continue;
        }
        if every_db {
            for d in 0..ndb {
                undo.save(shard, d, args.at(at));
            }
        } else {
            undo.save(shard, db, args.at(at));
        }
    }
}
