//! `WATCH` and `UNWATCH` (Redis 7.0's `multi.c`): a client's watched keys
//! live in its session (database and key) and, as watchers, on each key's
//! shard ([`crate::store::signal::Watches`]), which the modified-key hook
//! marks. `EXEC` checks them under its locks (`watch_check` on each shard
//! holding some, the origin's at once, the others as a first round of
//! parts), so the check and the execution are one step; `UNWATCH`,
//! `DISCARD`, `EXEC`, `RESET` and a closing connection drop them.

use kevy_rt::{Flow, Router};

use super::Local;
use crate::base::resp;
use crate::session::Session;
use crate::shard::notify::Notice;
use crate::shard::ShardState;

/// `WATCH key [key ...]`
pub fn watch(c: &mut Local<'_>) -> Flow {
    if c.session.multi.is_some() {
        resp::error(c.out, b"ERR WATCH inside MULTI is not allowed");
        return Flow::Continue;
    }
    let router = Router::new(c.cx.nshards);
    let db = c.session.db as u32;
    for key in c.args.iter().skip(1) {
        if c.session
            .watched
            .iter()
            .any(|(d, k)| *d == db && k.as_slice() == key)
        {
            continue;
        }
        c.session.watched.push((db, key.to_vec()));
        let client = c.session.id;
        let gen = c.shard.watch_gen(client);
        let w = Notice::Watch {
            client,
            home: c.shard.id as u32,
            gen,
            db,
            key,
        };
        c.shard.send_notice(router.shard_of(key), &w);
    }
    resp::ok(c.out);
    Flow::Continue
}

/// `UNWATCH`
pub fn unwatch(c: &mut Local<'_>) -> Flow {
    unwatch_all(c.shard, c.session);
    resp::ok(c.out);
    Flow::Continue
}

/// The shards holding some of `session`'s watched keys.
pub fn shards(session: &Session, nshards: usize) -> Vec<usize> {
    let router = Router::new(nshards);
    let mut v: Vec<usize> = session
        .watched
        .iter()
        .map(|(_, k)| router.shard_of(k))
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Drops every watch of `session` (on every shard holding one).
pub fn unwatch_all(shard: &mut ShardState, session: &mut Session) {
    if session.watched.is_empty() {
        return;
    }
    let client = session.id;
    shard.cas.remove(&client);
    for s in shards(session, shard.nshards) {
        shard.send_notice(s, &Notice::Unwatch { client });
    }
    session.watched.clear();
}
