//! What a forked session (`SCRIPT DEBUG YES`) writes is undone at its end,
//! as Redis throws away its forked child's dataset.
//!
//! Before a write call of the session runs, each key it may change is kept
//! as it is (once per key and database): its `DUMP` payload and its
//! `PEXPIRETIME`, or its absence. The calls that read them are the
//! script's own calls ([`Env`]'s), so a key on another shard is read
//! there, as any call of a global run is. When the script ends, the keys
//! are put back, newest first, with `RESTORE … REPLACE ABSTTL` or `DEL`,
//! through the same calls. The session propagates nothing (`script.rs`
//! drops what it logged), so replicas and the append-only file never see
//! the writes nor their undoing. A write whose keys are not known
//! (`FLUSHALL`, `SWAPDB`…) cannot be undone: it is refused in a forked
//! session.

use std::collections::HashSet;

use kevy_rt::{Args, OwnedArgs};

use crate::family::spec::{key_flags, Run, Spec};
use crate::script::run::Env;

/// One kept key: its database, name, and `(payload, deadline)` (`None`:
/// it did not exist).
type Kept = (u32, Vec<u8>, Option<(Vec<u8>, i64)>);

/// The keys a forked session keeps, in the order first written.
#[derive(Default)]
pub(crate) struct Undo {
    seen: HashSet<(u32, Vec<u8>)>,
    kept: Vec<Kept>,
}

/// The refusal of a write a forked session cannot undo.
pub(crate) const CANNOT_UNDO: &[u8] = b"This command is not allowed in a forked debugging session \
(SCRIPT DEBUG YES), whose writes are undone at its end: use SCRIPT DEBUG SYNC";

impl Undo {
    /// Keeps the keys `args` may change, before it runs (`db`: the call's
    /// database). `Err` when they cannot be known (the call is refused),
    /// or when the run must stop.
    pub(crate) fn keep(
        env: &mut Env<'_>,
        spec: &'static Spec,
        args: Args<'_>,
    ) -> Result<(), Option<&'static [u8]>> {
        let keys = match crate::family::command::op_getkeys(args) {
            Ok(k) if !k.is_empty() => k,
            _ => return Err(Some(CANNOT_UNDO)),
        };
        let every_db = matches!(spec.run, Run::Shard(_) | Run::ShardKeys(..));
        let dbs: Vec<u32> = if every_db {
            (0..env.shard.dbs.len() as u32).collect()
        } else {
            vec![env.db]
        };
        for (at, kf) in keys {
            if at >= args.len() || kf & key_flags::RO != 0 {
                continue;
            }
            for &db in &dbs {
                let key = args.at(at).to_vec();
                if super::with_undo(|u| u.seen.contains(&(db, key.clone()))) {
                    continue;
                }
                let before = read(env, db, &key).ok_or(None)?;
                super::with_undo(|u| {
                    u.seen.insert((db, key.clone()));
                    u.kept.push((db, key, before));
                });
            }
        }
        Ok(())
    }

    /// Puts every kept key back, newest first (at the script's end).
    pub(crate) fn roll_back(env: &mut Env<'_>) {
        let kept = super::with_undo(|u| std::mem::take(&mut u.kept));
        let db = env.db;
        for (d, key, before) in kept.into_iter().rev() {
            env.db = d;
            let mut argv = OwnedArgs::new();
            match before {
                Some((payload, at)) => {
                    argv.push(b"RESTORE");
                    argv.push(&key);
                    argv.push(at.max(0).to_string().as_bytes());
                    argv.push(&payload);
                    argv.push(b"REPLACE");
                    argv.push(b"ABSTTL");
                }
                None => {
                    argv.push(b"DEL");
                    argv.push(&key);
                }
            }
            if env.call_quietly(argv).is_none() {
                break;
            }
        }
        env.db = db;
    }
}

/// Key `key` of database `db` as it is: its payload and deadline, `None`
/// inside when it does not exist; `None` when the run must stop.
fn read(env: &mut Env<'_>, db: u32, key: &[u8]) -> Option<Option<(Vec<u8>, i64)>> {
    let was = env.db;
    env.db = db;
    let mut dump = OwnedArgs::new();
    dump.push(b"DUMP");
    dump.push(key);
    let payload = env.call_quietly(dump);
    let mut ttl = OwnedArgs::new();
    ttl.push(b"PEXPIRETIME");
    ttl.push(key);
    let deadline = env.call_quietly(ttl);
    env.db = was;
    let (payload, deadline) = (payload?, deadline?);
    let payload = bulk(&payload);
    let deadline = std::str::from_utf8(deadline.strip_prefix(b":")?.strip_suffix(b"\r\n")?)
        .ok()?
        .parse::<i64>()
        .ok()?;
    Some(payload.map(|p| (p, deadline)))
}

/// A bulk reply's bytes; `None` for the null bulk (or anything else).
fn bulk(reply: &[u8]) -> Option<Vec<u8>> {
    let rest = reply.strip_prefix(b"$")?;
    let eol = memchr::memmem::find(rest, b"\r\n")?;
    let n: usize = std::str::from_utf8(&rest[..eol]).ok()?.parse().ok()?;
    rest.get(eol + 2..eol + 2 + n).map(<[u8]>::to_vec)
}
