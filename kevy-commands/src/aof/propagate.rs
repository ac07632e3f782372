//! What a write command puts in the append-only file, as Redis 7.0 writes
//! it: most commands as they came, those whose effect depends on the time or
//! on chance as their deterministic effect (`rewriteClientCommandVector` and
//! `alsoPropagate` in Redis's sources):
//!
//! | command | logged as |
//! | --- | --- |
//! | SET … EX/PX/EXAT/PXAT, SETEX, PSETEX | `SET key value PXAT ms` |
//! | SET … GET (no expiry) | the command without `GET` |
//! | GETSET | `SET key value` |
//! | EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT | `PEXPIREAT key ms`, `DEL key` when it deleted |
//! | GETEX EX/PX/EXAT/PXAT, PERSIST | `PEXPIREAT key ms` (or `DEL`), `PERSIST key` |
//! | GETDEL | `DEL key` |
//! | INCRBYFLOAT | `SET key value KEEPTTL` |
//! | HINCRBYFLOAT | `HSET key field value` |
//! | SPOP | `SREM key members…`, `DEL key` when it emptied the set |
//! | LMPOP, BLMPOP, BLPOP, BRPOP | `LPOP`/`RPOP key count` |
//! | ZMPOP, BZMPOP, BZPOPMIN, BZPOPMAX | `ZPOPMIN`/`ZPOPMAX key count` |
//! | BLMOVE, BRPOPLPUSH | `LMOVE …`, `RPOPLPUSH …` |
//! | RESTORE with a TTL | the deadline with `ABSTTL` (`DEL` when it deleted) |
//! | XADD, XTRIM | the ID added; `~` trims exact (see [`stream`]) |
//!
//! A write that changed nothing (its change-counter increment is 0) is not
//! logged. Keys removed by expiry or eviction are logged as `DEL` by their
//! shard ([`crate::shard::ShardState::log_expired`] and the eviction). Differences from
//! Redis: SPOP with a count is one SREM of every member popped (Redis: one
//! SREM each, wrapped in MULTI/EXEC), replaying alike.

use kevy_rt::Args;

use super::feed::Fragment;
use crate::base::num::parse_i64;
use crate::store::db::Ms;

/// How a command is propagated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prop {
    /// Never (not a write).
    Never,
    /// As it came.
    Verbatim,
    /// SET (its options decide).
    Set,
    /// SETEX / PSETEX.
    SetEx,
    /// GETEX.
    GetEx,
    /// EXPIRE and friends.
    Expire,
    /// GETSET.
    GetSet,
    /// GETDEL.
    GetDel,
    /// INCRBYFLOAT.
    IncrByFloat,
    /// HINCRBYFLOAT.
    HIncrByFloat,
    /// SPOP.
    Spop,
    /// LMPOP / BLMPOP (direction after the keys).
    Lmpop,
    /// ZMPOP / BZMPOP.
    Zmpop,
    /// BLPOP (`true`: LPOP) / BRPOP.
    Bpop(bool),
    /// BZPOPMIN (`true`) / BZPOPMAX.
    Bzpop(bool),
    /// BLMOVE.
    Blmove,
    /// BRPOPLPUSH.
    Brpoplpush,
    /// RESTORE (a relative TTL logged absolute).
    Restore,
}

impl Prop {
    /// The rule of a write command named `name` (lowercase).
    pub fn of(name: &str) -> Prop {
        match name {
            "set" => Prop::Set,
            "setex" | "psetex" => Prop::SetEx,
            "getex" => Prop::GetEx,
            "expire" | "pexpire" | "expireat" | "pexpireat" => Prop::Expire,
            "getset" => Prop::GetSet,
            "getdel" => Prop::GetDel,
            "incrbyfloat" => Prop::IncrByFloat,
            "hincrbyfloat" => Prop::HIncrByFloat,
            "spop" => Prop::Spop,
            "lmpop" | "blmpop" => Prop::Lmpop,
            "zmpop" | "bzmpop" => Prop::Zmpop,
            "blpop" => Prop::Bpop(true),
            "brpop" => Prop::Bpop(false),
            "bzpopmin" => Prop::Bzpop(true),
            "bzpopmax" => Prop::Bzpop(false),
            "blmove" => Prop::Blmove,
            "brpoplpush" => Prop::Brpoplpush,
            "restore" | "restore-asking" => Prop::Restore,
            // Its shards log the keys they moved away as DEL.
            "migrate" => Prop::Never,
            _ => Prop::Verbatim,
        }
    }
}

/// What the command left of a key: `None` when it is gone, else its
/// deadline (`Some(None)`: none).
pub type Lookup<'a> = &'a mut dyn FnMut(&[u8]) -> Option<Option<Ms>>;

/// True when SPOP `args`, answered `reply`, with its key left as `left`,
/// logs several SREMs (a count that took more than one member and left
/// some): Redis wraps them in MULTI … EXEC outside a transaction or script.
pub fn spop_wraps(args: Args<'_>, reply: &[u8], left: Option<Option<Ms>>) -> bool {
    args.len() > 2 && left.is_some() && bulks(reply).len() > 1
}

/// Logs the command `args` (run in database `db`, answered `reply`, having
/// added `changed` to the change counter) into `out` by rule `prop`;
/// `lookup` reads what it left of a key (a planned command's origin, which
/// holds no key, gives one answering `Some(None)`).
pub fn propagate(
    out: &mut Fragment,
    db: u32,
    prop: Prop,
    args: Args<'_>,
    reply: &[u8],
    changed: u64,
    lookup: Lookup<'_>,
) {
    if changed == 0 || prop == Prop::Never || args.is_empty() {
        return;
    }
    let key = args.get(1).unwrap_or(b"");
    match prop {
        Prop::Never => {}
        Prop::Verbatim => verbatim(out, db, args),
        Prop::Set => {
            let expiring = args.iter().skip(3).any(|a| {
                [&b"ex"[..], b"px", b"exat", b"pxat"]
                    .iter()
                    .any(|o| a.eq_ignore_ascii_case(o))
            });
            if expiring {
                set_pxat(out, db, key, args.get(2).unwrap_or(b""), lookup(key));
            } else {
                let at = out.at(db);
                let kept: Vec<&[u8]> = args
                    .iter()
                    .enumerate()
                    .filter(|(i, a)| *i < 3 || !a.eq_ignore_ascii_case(b"get"))
                    .map(|(_, a)| a)
                    .collect();
                write_argv(at, &kept);
            }
        }
        Prop::SetEx => set_pxat(out, db, key, args.get(3).unwrap_or(b""), lookup(key)),
        Prop::GetEx => {
            let opt = args.get(2);
            match opt {
                None => {}
                Some(o) if o.eq_ignore_ascii_case(b"persist") => {
                    out.command(db, &[&b"PERSIST"[..], key])
                }
                Some(_) => expire_effect(out, db, key, lookup(key)),
            }
        }
        Prop::Expire => expire_effect(out, db, key, lookup(key)),
        Prop::GetSet => out.command(db, &[&b"SET"[..], key, args.get(2).unwrap_or(b"")]),
        Prop::GetDel => out.command(db, &[&b"DEL"[..], key]),
        Prop::IncrByFloat => {
            if let Some(v) = first_bulk(reply) {
                out.command(db, &[&b"SET"[..], key, v, b"KEEPTTL"]);
            }
        }
        Prop::HIncrByFloat => {
            if let Some(v) = first_bulk(reply) {
                let field = args.get(2).unwrap_or(b"");
                out.command(db, &[&b"HSET"[..], key, field, v]);
            }
        }
        Prop::Spop => {
            // With a count that took the whole set Redis logs a DEL;
            // without one, an SREM even of the last member.
            if args.len() > 2 && lookup(key).is_none() {
                out.command(db, &[&b"DEL"[..], key]);
                return;
            }
            // One SREM per member, in the reply's order (the caller wraps
            // several in MULTI … EXEC, as Redis does outside a block).
            for m in bulks(reply) {
                out.command(db, &[&b"SREM"[..], key, m]);
            }
        }
        Prop::Lmpop | Prop::Zmpop => {
            // BLMPOP / BZMPOP have a timeout before `numkeys`.
            let blocking = args
                .get(0)
                .and_then(|v| v.first())
                .is_some_and(|c| c.eq_ignore_ascii_case(&b'b'));
            let at = if blocking { 2 } else { 1 };
            let n = args.get(at).and_then(parse_i64).unwrap_or(0).max(0) as usize;
            let dir = args.get(at + 1 + n).unwrap_or(b"");
            let left = dir.eq_ignore_ascii_case(b"left") || dir.eq_ignore_ascii_case(b"min");
            let verb: &[u8] = match (prop == Prop::Lmpop, left) {
                (true, true) => b"LPOP",
                (true, false) => b"RPOP",
                (false, true) => b"ZPOPMIN",
                (false, false) => b"ZPOPMAX",
            };
            if let Some((k, count)) = key_and_count(reply) {
                out.command(db, &[verb, k, count.to_string().as_bytes()]);
            }
        }
        Prop::Bpop(left) | Prop::Bzpop(left) => {
            let verb: &[u8] = match (matches!(prop, Prop::Bpop(_)), left) {
                (true, true) => b"LPOP",
                (true, false) => b"RPOP",
                (false, true) => b"ZPOPMIN",
                (false, false) => b"ZPOPMAX",
            };
            if let Some(k) = first_bulk(reply) {
                out.command(db, &[verb, k]);
            }
        }
        Prop::Blmove => {
            let a: Vec<&[u8]> = args.iter().take(5).skip(1).collect();
            if a.len() == 4 {
                out.command(db, &[&b"LMOVE"[..], a[0], a[1], a[2], a[3]]);
            }
        }
        Prop::Brpoplpush => {
            let a: Vec<&[u8]> = args.iter().take(3).skip(1).collect();
            if a.len() == 2 {
                out.command(db, &[&b"RPOPLPUSH"[..], a[0], a[1]]);
            }
        }
        Prop::Restore => {
            let absttl = args
                .iter()
                .skip(4)
                .any(|a| a.eq_ignore_ascii_case(b"absttl"));
            match lookup(key) {
                // REPLACE with a deadline already past: the old key deleted.
                None => out.command(db, &[&b"DEL"[..], key]),
                Some(Some(at)) if !absttl => {
                    let at = at.to_string();
                    let mut argv: Vec<&[u8]> = args.iter().collect();
                    argv[2] = at.as_bytes();
                    argv.push(b"ABSTTL");
                    out.command(db, &argv);
                }
                Some(_) => verbatim(out, db, args),
            }
        }
    }
}

/// Logs `args` as they came.
pub fn verbatim(out: &mut Fragment, db: u32, args: Args<'_>) {
    let at = out.at(db);
    crate::base::resp::array(at, args.len());
    for a in args.iter() {
        crate::base::resp::bulk(at, a);
    }
}

fn write_argv(out: &mut Vec<u8>, argv: &[&[u8]]) {
    crate::base::resp::array(out, argv.len());
    for a in argv {
        crate::base::resp::bulk(out, a);
    }
}

/// `SET key value PXAT ms` for a key left with a deadline; without one, SET
/// as it was set; `DEL` when the key is gone.
fn set_pxat(out: &mut Fragment, db: u32, key: &[u8], value: &[u8], left: Option<Option<Ms>>) {
    match left {
        Some(Some(at)) => out.command(
            db,
            &[&b"SET"[..], key, value, b"PXAT", at.to_string().as_bytes()],
        ),
        Some(None) => out.command(db, &[&b"SET"[..], key, value]),
        None => out.command(db, &[&b"DEL"[..], key]),
    }
}

/// `PEXPIREAT key ms`, or `DEL key` when the command deleted it.
fn expire_effect(out: &mut Fragment, db: u32, key: &[u8], left: Option<Option<Ms>>) {
    match left {
        Some(Some(at)) => out.command(db, &[&b"PEXPIREAT"[..], key, at.to_string().as_bytes()]),
        Some(None) => out.command(db, &[&b"PERSIST"[..], key]),
        None => out.command(db, &[&b"DEL"[..], key]),
    }
}

/// Reads a RESP length line at `at` (`*3`, `$5`…): (type, number, next).
fn header(r: &[u8], at: usize) -> Option<(u8, i64, usize)> {
    let kind = *r.get(at)?;
    let end = at + memchr::memchr(b'\r', r.get(at..)?)?;
    let n = parse_i64(r.get(at + 1..end)?)?;
    Some((kind, n, end + 2))
}

/// A bulk string at `at`: (bytes, next).
fn bulk_at(r: &[u8], at: usize) -> Option<(&[u8], usize)> {
    match header(r, at)? {
        (b'$', n, from) if n >= 0 => {
            let to = from + n as usize;
            Some((r.get(from..to)?, to + 2))
        }
        (b':', n, next) => {
            // An integer item (RESP3 never uses it here): unreachable in practice.
            let _ = n;
            Some((r.get(at + 1..next - 2)?, next))
        }
        _ => None,
    }
}

/// The reply's first bulk string: a bulk reply itself, or an array's first.
pub(crate) fn first_bulk(r: &[u8]) -> Option<&[u8]> {
    match *r.first()? {
        b'$' => bulk_at(r, 0).map(|(b, _)| b),
        b'*' | b'~' => {
            let (_, _, next) = header(r, 0)?;
            bulk_at(r, next).map(|(b, _)| b)
        }
        // RESP3 doubles (`,`): INCRBYFLOAT answers a bulk; HINCRBYFLOAT too.
        _ => None,
    }
}

/// Every bulk string of a flat array or set reply (or the one bulk).
fn bulks(r: &[u8]) -> Vec<&[u8]> {
    let mut found = Vec::new();
    match r.first() {
        Some(b'$') => found.extend(bulk_at(r, 0).map(|(b, _)| b)),
        Some(b'*' | b'~') => {
            if let Some((_, n, mut at)) = header(r, 0) {
                for _ in 0..n.max(0) {
                    let Some((b, next)) = bulk_at(r, at) else {
                        break;
                    };
                    found.push(b);
                    at = next;
                }
            }
        }
        _ => {}
    }
    found
}

/// `[key, [items…]]` (LMPOP's and ZMPOP's reply): the key and how many items.
fn key_and_count(r: &[u8]) -> Option<(&[u8], i64)> {
    let (kind, n, at) = header(r, 0)?;
    if kind != b'*' || n != 2 {
        return None;
    }
    let (key, at) = bulk_at(r, at)?;
    let (kind, count, _) = header(r, at)?;
    (kind == b'*' || kind == b'~').then_some((key, count))
}

pub mod claim;
pub mod stream;

#[cfg(test)]
mod tests;
