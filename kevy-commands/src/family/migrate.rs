//! MIGRATE: moves keys to another instance (a redis-server or a kevy) as
//! `RESTORE` commands carrying `DUMP` payloads, over a blocking connection
//! kept for 10 seconds ([`link`]), as Redis's `migrateCommand` does.
//!
//! The origin parses the command ([`plan_migrate`]) and sends each shard
//! owning some of its keys one part ([`ServerOp::Migrate`]) naming them;
//! each such shard runs Redis's exchange for its keys on its own
//! connection ([`migrate_part`]): AUTH, SELECT when the connection's
//! database differs, one RESTORE per live key; the keys the target
//! accepted are deleted (unless COPY) and logged as `DEL`. The origin
//! reduces the shards' answers ([`gather`]): the first error, else `+OK`
//! when any shard moved a key, else `+NOKEY`. With all keys on one shard
//! (the single-key form always) this is exactly Redis's exchange.

use std::time::Duration;

use kevy_rt::{Args, OwnedArgs, Planned};

use super::opts::keyword;
use super::ServerCx;
use crate::base::num::parse_i64;
use crate::base::resp;
use crate::cross::admin::{self as srv, ServerOp, ServerPlan, ServerReply};
use crate::cross::{Part, Plan};
use crate::persist::rdb::dump as payload;
use crate::session::Ctx;
use crate::shard::ShardState;
use crate::store::db::Clock;
use crate::store::signal::class::GENERIC;

pub mod link;

use link::Failure;

/// `ERR syntax error`.
const SYNTAX: &[u8] = b"ERR syntax error";
/// `ERR value is not an integer or out of range`.
const NOT_INT: &[u8] = b"ERR value is not an integer or out of range";

/// MIGRATE's parsed options.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options<'a> {
    /// COPY: keep the local keys.
    pub copy: bool,
    /// REPLACE: the target's RESTOREs replace existing keys.
    pub replace: bool,
    /// AUTH2's username.
    pub user: Option<&'a [u8]>,
    /// AUTH's or AUTH2's password.
    pub password: Option<&'a [u8]>,
    /// Argument index of the first key (3, or after KEYS).
    pub first_key: usize,
    /// The database on the target.
    pub db: i64,
    /// The I/O timeout in milliseconds (1000 when given as 0 or less).
    pub timeout_ms: i64,
}

/// Parses MIGRATE's arguments in Redis's order: the options (a syntax
/// error or KEYS with a non-empty key first), then the timeout, then the
/// database.
pub fn parse(args: Args<'_>) -> Result<Options<'_>, &'static [u8]> {
    let mut o = Options {
        first_key: 3,
        ..Options::default()
    };
    let mut j = 6;
    while j < args.len() {
        let more = args.len() - 1 - j;
        let a = args.at(j);
        if keyword(a, "copy") {
            o.copy = true;
        } else if keyword(a, "replace") {
            o.replace = true;
        } else if keyword(a, "auth") {
            if more == 0 {
                return Err(SYNTAX);
            }
            j += 1;
            o.password = Some(args.at(j));
        } else if keyword(a, "auth2") {
            if more < 2 {
                return Err(SYNTAX);
            }
            o.user = Some(args.at(j + 1));
            o.password = Some(args.at(j + 2));
            j += 2;
        } else if keyword(a, "keys") {
            if !args.at(3).is_empty() {
                return Err(b"ERR When using MIGRATE KEYS option, the key argument must be set to the empty string");
            }
            o.first_key = j + 1;
            break;
        } else {
            return Err(SYNTAX);
        }
        j += 1;
    }
    let timeout = parse_i64(args.at(5)).ok_or(NOT_INT)?;
    o.db = parse_i64(args.at(4)).ok_or(NOT_INT)?;
    o.timeout_ms = if timeout <= 0 { 1000 } else { timeout };
    Ok(o)
}

/// The keys a MIGRATE names (Redis's `migrateGetKeys`): argument 3, or
/// those after KEYS (none when KEYS comes with a non-empty key argument);
/// AUTH's and AUTH2's values are skipped while looking for KEYS.
pub fn keys(args: Args<'_>) -> Vec<(usize, u32)> {
    use crate::family::spec::key_flags::{ACCESS, DELETE, RW};
    let (mut first, mut num) = (3, 1);
    let mut i = 6;
    while i < args.len() {
        let a = args.at(i);
        if keyword(a, "keys") {
            if args.at(3).is_empty() {
                first = i + 1;
                num = args.len() - first;
            } else {
                num = 0;
            }
            break;
        }
        if keyword(a, "auth") {
            i += 1;
        } else if keyword(a, "auth2") {
            i += 2;
        }
        i += 1;
    }
    (first..first + num)
        .map(|i| (i, RW | ACCESS | DELETE))
        .collect()
}

/// MIGRATE host port key|"" destination-db timeout \[COPY\] \[REPLACE\]
/// \[AUTH password | AUTH2 username password\] \[KEYS key \[key ...\]\]
pub fn plan_migrate(cx: &mut ServerCx<'_, '_>) -> Planned<Plan> {
    let args = cx.args;
    let o = match parse(args) {
        Ok(o) => o,
        Err(e) => return srv::error(e),
    };
    let last = if o.first_key == 3 { 4 } else { args.len() };
    let mut groups: Vec<Option<OwnedArgs>> = (0..cx.router.nshards()).map(|_| None).collect();
    for i in o.first_key..last {
        let key = args.at(i);
        let group = groups[cx.router.shard_of(key)].get_or_insert_with(|| header(args, &o));
        group.push(key);
    }
    for (shard, group) in groups.into_iter().enumerate() {
        if let Some(args) = group {
            cx.parts.push((
                shard,
                Part {
                    db: None,
                    resp3: None,
                    op: crate::cross::Op::Server(ServerOp::Migrate),
                    args,
                    value: None,
                },
            ));
        }
    }
    crate::cross::planned(Plan::Server(ServerPlan::Migrate))
}

/// A part's arguments before its keys: host, port, database, timeout,
/// flags (`c` copy, `r` replace, `a` AUTH, `2` AUTH2), username, password.
fn header(args: Args<'_>, o: &Options<'_>) -> OwnedArgs {
    let mut flags = Vec::new();
    if o.copy {
        flags.push(b'c');
    }
    if o.replace {
        flags.push(b'r');
    }
    match (o.user, o.password) {
        (Some(_), Some(_)) => flags.push(b'2'),
        (None, Some(_)) => flags.push(b'a'),
        _ => {}
    }
    let mut h = OwnedArgs::new();
    h.push(args.at(1));
    h.push(args.at(2));
    h.push(o.db.to_string().as_bytes());
    h.push(o.timeout_ms.to_string().as_bytes());
    h.push(&flags);
    h.push(o.user.unwrap_or(b""));
    h.push(o.password.unwrap_or(b""));
    h
}

/// Number of header arguments before a part's keys.
const HEADER: usize = 7;

/// Runs MIGRATE for this shard's keys (a [`ServerOp::Migrate`] part).
pub fn migrate_part(shard: &mut ShardState, ctx: Ctx, args: Args<'_>) -> ServerReply {
    let mut out = Vec::new();
    if args.len() < HEADER {
        resp::error(&mut out, b"ERR internal error: bad MIGRATE part");
        return ServerReply::Bytes(out);
    }
    let flags = args.at(4);
    let job = Job {
        host: args.at(0),
        port: args.at(1),
        db: parse_i64(args.at(2)).unwrap_or(0),
        timeout: Duration::from_millis(parse_i64(args.at(3)).unwrap_or(1000).max(1) as u64),
        copy: flags.contains(&b'c'),
        replace: flags.contains(&b'r'),
        user: flags.contains(&b'2').then(|| args.at(5)),
        password: (flags.contains(&b'2') || flags.contains(&b'a')).then(|| args.at(6)),
    };
    let keys: Vec<&[u8]> = args.iter().skip(HEADER).collect();
    run(shard, ctx.db as usize, &job, &keys, &mut out);
    ServerReply::Bytes(out)
}

/// What one shard's exchange needs.
struct Job<'a> {
    host: &'a [u8],
    port: &'a [u8],
    db: i64,
    timeout: Duration,
    copy: bool,
    replace: bool,
    user: Option<&'a [u8]>,
    password: Option<&'a [u8]>,
}

/// Redis's `migrateCommand` from the key lookup on, for `keys` of
/// database `dbi`; writes the reply to `out`.
fn run(shard: &mut ShardState, dbi: usize, job: &Job<'_>, keys: &[&[u8]], out: &mut Vec<u8>) {
    let compress = super::persist::options(&shard.server.shared).compression;
    let now = Clock::new();
    // Keys present at the first lookup (Redis's `lookupKeyRead`).
    let mut present: Vec<&[u8]> = Vec::with_capacity(keys.len());
    for &k in keys {
        if shard.db(dbi).get(k, &now).is_some() {
            present.push(k);
        }
    }
    if present.is_empty() {
        out.extend_from_slice(b"+NOKEY\r\n");
        return;
    }
    let mut may_retry = true;
    loop {
        let Some(mut link) = link::take(job.host, job.port, job.timeout) else {
            resp::error(out, b"IOERR error or timeout connecting to the client");
            return;
        };
        let select = link.last_db != Some(job.db);
        let (buf, sent) = commands(shard, dbi, job, select, &present, compress);
        let outcome = match link.send(&buf, job.timeout) {
            Err(f) => Outcome::Failed(f),
            Ok(()) => exchange(shard, dbi, job, select, &sent, &mut link, out),
        };
        let f = match outcome {
            Outcome::Answered { keep: true } => return link::put(job.host, job.port, link),
            // The socket is dropped: the next use connects (and selects) again.
            Outcome::Answered { keep: false } => return,
            Outcome::Failed(f) => f,
        };
        drop(link);
        let (timed_out, what) = match f {
            Failure::Write { timed_out } => (timed_out, "writing"),
            Failure::Read { timed_out } => (timed_out, "reading"),
        };
        if may_retry && !timed_out {
            // A cached connection the target closed: try once more.
            may_retry = false;
            continue;
        }
        let msg = format!("IOERR error or timeout {what} to target instance");
        resp::error(out, msg.as_bytes());
        return;
    }
}

/// How an exchange ended.
enum Outcome {
    /// The reply is written; `keep` the connection for later use.
    Answered {
        /// Whether the connection is still good.
        keep: bool,
    },
    /// Nothing was processed by the target (or nothing read back): close,
    /// then retry or answer `IOERR`.
    Failed(Failure),
}

/// The AUTH, SELECT and RESTORE commands for the keys still live (a key
/// found at the first lookup may have expired since: it is skipped), and
/// those keys.
fn commands<'k>(
    shard: &mut ShardState,
    dbi: usize,
    job: &Job<'_>,
    select: bool,
    present: &[&'k [u8]],
    compress: bool,
) -> (Vec<u8>, Vec<&'k [u8]>) {
    let mut buf = Vec::new();
    if let Some(pass) = job.password {
        match job.user {
            Some(user) => bulk_command(&mut buf, &[b"AUTH", user, pass]),
            None => bulk_command(&mut buf, &[b"AUTH", pass]),
        }
    }
    if select {
        bulk_command(&mut buf, &[b"SELECT", job.db.to_string().as_bytes()]);
    }
    let now = Clock::new();
    let mut sent = Vec::with_capacity(present.len());
    let db = shard.db(dbi);
    for &k in present {
        let Some((v, at)) = db.get_with_deadline(k, &now) else {
            continue;
        };
        let ttl = match at {
            None => 0,
            Some(at) => (at - now.ms()).max(1),
        };
        let p = payload::dump(v, compress);
        let ttl = ttl.to_string();
        if job.replace {
            bulk_command(&mut buf, &[b"RESTORE", k, ttl.as_bytes(), &p, b"REPLACE"]);
        } else {
            bulk_command(&mut buf, &[b"RESTORE", k, ttl.as_bytes(), &p]);
        }
        sent.push(k);
    }
    (buf, sent)
}

/// Appends a command as a RESP array of bulk strings.
fn bulk_command(buf: &mut Vec<u8>, argv: &[&[u8]]) {
    buf.extend_from_slice(format!("*{}\r\n", argv.len()).as_bytes());
    for a in argv {
        buf.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        buf.extend_from_slice(a);
        buf.extend_from_slice(b"\r\n");
    }
}

/// The AUTH and SELECT reply lines, when sent.
type Header = (Option<Vec<u8>>, Option<Vec<u8>>);

/// Reads the replies of what was sent and deletes the keys the target
/// took (unless COPY). [`Outcome::Failed`] only when no RESTORE reply was
/// read (Redis retries only then); a failure after some replies ends here
/// with `IOERR … reading` once the accepted keys are deleted.
fn exchange(
    shard: &mut ShardState,
    dbi: usize,
    job: &Job<'_>,
    select: bool,
    sent: &[&[u8]],
    link: &mut link::Link,
    out: &mut Vec<u8>,
) -> Outcome {
    let mut lines = link.lines(job.timeout);
    let mut header = || -> Result<Header, Failure> {
        let auth = match job.password {
            Some(_) => Some(lines.line()?),
            None => None,
        };
        let sel = if select { Some(lines.line()?) } else { None };
        Ok((auth, sel))
    };
    let (auth, sel) = match header() {
        Ok(h) => h,
        Err(f) => return Outcome::Failed(f),
    };
    let mut target_error = false;
    let mut socket_error = false;
    let mut deleted: Vec<&[u8]> = Vec::new();
    for (j, &k) in sent.iter().enumerate() {
        let line = match lines.line() {
            Ok(l) => l,
            Err(f) if j == 0 => return Outcome::Failed(f),
            Err(_) => {
                socket_error = true;
                break;
            }
        };
        let failed = [auth.as_deref(), sel.as_deref(), Some(&line[..])]
            .into_iter()
            .flatten()
            .find(|l| l.first() == Some(&b'-'));
        if let Some(e) = failed {
            if !target_error {
                target_error = true;
                let mut msg = b"ERR Target instance replied with error: ".to_vec();
                msg.extend_from_slice(&e[1..]);
                crate::base::error::write_sanitized(out, &msg);
            }
        } else if !job.copy {
            deleted.push(k);
        }
    }
    drop(lines);
    if !deleted.is_empty() {
        let now = Clock::new();
        let db = shard.db(dbi);
        for &k in &deleted {
            if db.remove(k, &now).is_some() {
                db.notify(GENERIC, "del", k);
            }
        }
        shard.server.dirty += deleted.len() as u64;
        let mut argv: Vec<&[u8]> = Vec::with_capacity(deleted.len() + 1);
        argv.push(b"DEL");
        argv.extend_from_slice(&deleted);
        shard.propagate(dbi as u32, &argv);
    }
    if target_error {
        // The selected database is no longer known.
        link.last_db = None;
        return Outcome::Answered {
            keep: !socket_error,
        };
    }
    if socket_error {
        resp::error(out, b"IOERR error or timeout reading to target instance");
        return Outcome::Answered { keep: false };
    }
    link.last_db = Some(job.db);
    resp::ok(out);
    Outcome::Answered { keep: true }
}

/// Reduces the shards' answers: the first error, else `+OK` when a shard
/// moved keys, else `+NOKEY`.
pub fn gather(replies: Vec<ServerReply>, out: &mut Vec<u8>) {
    let bytes: Vec<Vec<u8>> = replies
        .into_iter()
        .filter_map(|r| match r {
            ServerReply::Bytes(b) => Some(b),
            _ => None,
        })
        .collect();
    if let Some(e) = bytes.iter().find(|b| b.first() == Some(&b'-')) {
        out.extend_from_slice(e);
    } else if bytes.iter().any(|b| b.starts_with(b"+OK")) {
        resp::ok(out);
    } else {
        out.extend_from_slice(b"+NOKEY\r\n");
    }
}

#[cfg(test)]
mod tests;
