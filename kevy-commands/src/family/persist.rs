//! SAVE, BGSAVE, DUMP, RESTORE and DEBUG RELOAD; the shard side of
//! background saves (each shard's tick serves a [`Job`]) and of loading a
//! file into a running server. The format is [`crate::persist::rdb`].
//!
//! A save asks every shard for its keys, encoded ([`encode_shard`], or
//! slice by slice for a background save: [`snapshot_slice`]):
//! SAVE and DEBUG RELOAD as a part of a plan, so the reply waits for the
//! file; BGSAVE and the `save` rules through a [`Job`] that each shard's
//! next tick serves, the last shard handing the file to a writer thread.
//!
//! [`Job`]: crate::persist::state::Job

use std::sync::atomic::Ordering;
use std::sync::Arc;

use kevy_rt::{Flow, Planned, Router};

use super::opts::keyword;
use super::{Local, ServerCx, ShardCall};
use crate::accounting::Shared;
use crate::base::clock::now_ms;
use crate::base::log::Level;
use crate::base::num::parse_i64;
use crate::base::resp;
use crate::cross::admin::{ServerOp, ServerPlan, ServerReply};
use crate::cross::{Part, Plan};
use crate::persist::rdb::file::{encode_dbs, save_file};
use crate::persist::rdb::{dump as payload, load_rdb, Checks, DbChunk, RdbError};
use crate::persist::state::{rules_fire, save_rules, SnapJob};
use crate::shard::ShardState;
use crate::store::db::{Clock, SnapFormat};

pub mod cut;
use cut::access;
pub use cut::{begin_cut, file_info, options, rdb_path};
mod loading;
pub use loading::{
    loading_refusal, replaying, serve_while_loading, with_loading_serve, Replaying, LOADING_ERR,
    REFUSED_LOADING,
};

/// The shard's keys, encoded, and its change counter.
pub fn encode_shard(shard: &ShardState) -> (Vec<DbChunk>, u64) {
    let opts = options(&shard.server.shared);
    let chunks = encode_dbs(&shard.dbs, opts.compression, access(shard));
    (chunks, shard.server.dirty)
}

/// DUMP key
pub fn dump(c: &mut ShardCall<'_>) {
    let compress = options(&c.shard.server.shared).compression;
    let db = c.shard.db(c.db);
    match db.get(c.args.at(1), &c.now) {
        Some(v) => {
            let p = payload::dump(v, compress);
            resp::bulk(c.out, &p);
        }
        None => resp::null(c.out),
    }
}

/// RESTORE key ttl serialized-value \[REPLACE\] \[ABSTTL\] \[IDLETIME seconds\] \[FREQ frequency\]
pub fn restore(c: &mut ShardCall<'_>) {
    let args = c.args;
    let (mut replace, mut absttl) = (false, false);
    let (mut idle, mut freq): (Option<i64>, Option<i64>) = (None, None);
    let mut j = 4;
    while j < args.len() {
        let a = args.at(j);
        let more = j + 1 < args.len();
        if keyword(a, "replace") {
            replace = true;
        } else if keyword(a, "absttl") {
            absttl = true;
        } else if keyword(a, "idletime") && more && freq.is_none() {
            let Some(v) = parse_i64(args.at(j + 1)) else {
                return resp::error(c.out, b"ERR value is not an integer or out of range");
            };
            if v < 0 {
                return resp::error(c.out, b"ERR Invalid IDLETIME value, must be >= 0");
            }
            idle = Some(v);
            j += 1;
        } else if keyword(a, "freq") && more && idle.is_none() {
            let Some(v) = parse_i64(args.at(j + 1)) else {
                return resp::error(c.out, b"ERR value is not an integer or out of range");
            };
            if !(0..=255).contains(&v) {
                return resp::error(c.out, b"ERR Invalid FREQ value, must be >= 0 and <= 255");
            }
            freq = Some(v);
            j += 1;
        } else {
            return resp::error(c.out, b"ERR syntax error");
        }
        j += 1;
    }
    let key = args.at(1);
    let enc = c.shard.db(c.db).enc();
    let deep = sanitize(c.shard, c.caller);
    let db = c.shard.db(c.db);
    if !replace && db.contains(key, &c.now) {
        return resp::error(c.out, b"BUSYKEY Target key name already exists.");
    }
    let ttl = match parse_i64(args.at(2)) {
        None => return resp::error(c.out, b"ERR value is not an integer or out of range"),
        Some(t) if t < 0 => return resp::error(c.out, b"ERR Invalid TTL value, must be >= 0"),
        Some(t) => t,
    };
    let value = match payload::restore(args.at(3), &enc, deep) {
        Ok(v) => v,
        Err(e) => {
            if let payload::Refused::Format(Some(why)) = &e {
                // Redis's `rdbReportError` in a RESTORE: logged, not fatal.
                c.shard.server.shared.log.log(
                    Level::Verbose,
                    &format!("Internal error in RDB reading offset 0 -> {why}"),
                );
            }
            return resp::error(c.out, e.reply().as_bytes());
        }
    };
    if replace {
        db.remove(key, &c.now);
    }
    let at = match (ttl, absttl) {
        (0, _) => None,
        (t, true) => Some(t),
        (t, false) => Some(t.saturating_add(c.now.ms())),
    };
    if at.is_some_and(|at| at < c.now.ms()) {
        // Already expired: nothing is stored (an old key is gone).
        return resp::ok(c.out);
    }
    db.set(key, value, &c.now, false, at);
    db.set_access(key, idle.map(|i| i as u64), freq.map(|f| f as u8), &c.now);
    resp::ok(c.out)
}

/// Whether RESTORE checks a payload's packed encodings in full
/// (`sanitize-dump-payload`: `yes`; `clients`, but not for what is
/// replayed while loading, nor for the primary's link, nor for a user with
/// `skip-sanitize-payload`, as Redis's `rdbLoadObject`; `no` checks what
/// kevy needs to build the value, see
/// [`crate::persist::rdb::read::Reader::deep`]). `caller`: the connection
/// id and its ACL code (0: the default user, unrestricted; else the
/// user's id + 1).
fn sanitize(shard: &mut ShardState, (client, acl): (u64, u32)) -> bool {
    let shared = shard.server.shared.clone();
    match shared.config.get("sanitize-dump-payload").as_deref() {
        Some("yes") => true,
        Some("clients") => {
            if shard.loading || shared.upstream.is_link(client) {
                return false;
            }
            let user = acl.saturating_sub(1) as usize;
            let users = shard.acl.get(&shared.config.live().acl);
            users.get(user).is_none_or(|u| u.sanitize != Some(true))
        }
        _ => false,
    }
}

/// Whether a file being loaded has its packed encodings checked in full:
/// only under `sanitize-dump-payload yes` (Redis skips it while loading
/// under `clients`).
pub fn sanitize_loading(shared: &Shared) -> bool {
    shared.config.get("sanitize-dump-payload").as_deref() == Some("yes")
}

/// BGSAVE \[SCHEDULE\]
pub fn bgsave(c: &mut Local<'_>) -> Flow {
    let schedule = match c.args.len() {
        1 => false,
        2 if keyword(c.args.at(1), "schedule") => true,
        _ => {
            resp::error(c.out, b"ERR syntax error");
            return Flow::Continue;
        }
    };
    let p = &c.shard.server.shared.persist;
    if p.job().is_some() {
        resp::error(c.out, b"ERR Background save already in progress");
    } else if p.start_job() {
        resp::simple(c.out, b"Background saving started");
    } else if schedule {
        // An AOF rewrite holds the snapshots: the tick starts the save
        // once it ends.
        p.scheduled.store(true, Ordering::Relaxed);
        resp::simple(c.out, b"Background saving scheduled");
    } else {
        resp::error(
            c.out,
            b"ERR Another child process is active (AOF?): can't BGSAVE right now. \
Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.",
        );
    }
    Flow::Continue
}

/// LASTSAVE: the time of the last successful save (the start before any).
pub fn lastsave(c: &mut Local<'_>) -> Flow {
    let t = c
        .shard
        .server
        .shared
        .persist
        .last_save
        .load(Ordering::Relaxed);
    resp::int(c.out, t);
    Flow::Continue
}

/// SAVE: every shard's keys, then the file, before the reply.
pub fn plan_save(cx: &mut ServerCx<'_, '_>) -> Planned<Plan> {
    if cx.shard.server.shared.persist.job().is_some() {
        return crate::cross::admin::error(b"ERR Background save already in progress");
    }
    crate::cross::admin::broadcast(
        ServerOp::Snapshot,
        &[],
        cx.router.nshards(),
        cx.parts,
        ServerPlan::Save,
    )
}

/// `DEBUG RELOAD NOFLUSH`: the databases and functions are kept.
pub const RELOAD_NOFLUSH: u8 = 1;
/// `DEBUG RELOAD MERGE`: what the file holds replaces what is there.
pub const RELOAD_MERGE: u8 = 2;

/// DEBUG RELOAD \[MERGE\] \[NOFLUSH\] \[NOSAVE\]: save (unless NOSAVE),
/// then every shard empties itself (unless NOFLUSH) and loads the file.
pub fn plan_reload(cx: &mut ServerCx<'_, '_>) -> Planned<Plan> {
    let (mut opts, mut save) = (0, true);
    for opt in cx.args.iter().skip(2) {
        if keyword(opt, "merge") {
            opts |= RELOAD_MERGE;
        } else if keyword(opt, "noflush") {
            opts |= RELOAD_NOFLUSH;
        } else if keyword(opt, "nosave") {
            save = false;
        } else {
            return crate::cross::admin::error(
                b"ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.",
            );
        }
    }
    let n = cx.router.nshards();
    let mut planned = if save {
        crate::cross::admin::broadcast(
            ServerOp::Snapshot,
            &[],
            n,
            cx.parts,
            ServerPlan::Reload(n, opts),
        )
    } else {
        crate::cross::admin::broadcast(
            ServerOp::Load,
            &[&[opts]],
            n,
            cx.parts,
            ServerPlan::Reloading(n),
        )
    };
    planned.hold = true;
    planned
}

/// A snapshot part: this shard's keys.
pub fn snapshot_part(shard: &ShardState) -> ServerReply {
    let (chunks, dirty) = encode_shard(shard);
    ServerReply::Chunks(chunks, dirty)
}

/// Writes the file from the parts' chunks; the error Redis logs, if any.
fn write_from(shard: &ShardState, replies: Vec<ServerReply>) -> Result<(), String> {
    let shared = &shard.server.shared;
    let mut chunks = Vec::new();
    let mut dirty = 0;
    for r in replies {
        if let ServerReply::Chunks(c, d) = r {
            chunks.extend(c);
            dirty += d;
        }
    }
    let path = rdb_path(shared);
    match save_file(&path, options(shared), file_info(shared), &chunks) {
        Ok(_) => {
            shared.persist.saved(dirty);
            // As Redis's rdbSave: a save that worked ends `-MISCONF`.
            shared.persist.last_bgsave_ok.store(true, Ordering::Relaxed);
            Ok(())
        }
        Err(e) => Err(format!(
            "Failed opening the temp RDB file {} (in server root dir {}) for saving: {e}",
            path.display(),
            std::env::current_dir()
                .map(|d| d.display().to_string())
                .unwrap_or_default()
        )),
    }
}

/// After FLUSHALL emptied every shard: when `save` has rules (and no save
/// is running, nor a file loading), sends each shard a snapshot part for
/// the save that follows; true when it did.
pub fn save_after_flush(shard: &ShardState, nshards: usize, next: &mut Vec<(usize, Part)>) -> bool {
    let shared = &shard.server.shared;
    if shard.loading
        || shared.persist.job().is_some()
        || save_rules(&shared.config.get("save").unwrap_or_default()).is_empty()
    {
        return false;
    }
    for s in 0..nshards {
        next.push((
            s,
            Part {
                db: None,
                resp3: None,
                op: crate::cross::Op::Server(ServerOp::Snapshot),
                args: kevy_rt::OwnedArgs::new(),
                value: None,
            },
        ));
    }
    true
}

/// SAVE's reply once the parts answered.
pub fn gather_save(shard: &ShardState, replies: Vec<ServerReply>, out: &mut Vec<u8>) {
    match write_from(shard, replies) {
        Ok(()) => resp::ok(out),
        Err(_) => resp::error(out, b"ERR"),
    }
}

/// DEBUG RELOAD's rounds: after the snapshot, write the file and send
/// each shard a load part; after the loads, the reply.
pub fn gather_reload(
    shard: &ShardState,
    nshards: usize,
    opts: u8,
    stage: &mut u8,
    replies: Vec<ServerReply>,
    next: &mut Vec<(usize, Part)>,
    out: &mut Vec<u8>,
) -> bool {
    if *stage == 0 {
        if let Err(e) = write_from(shard, replies) {
            resp::error(
                out,
                format!("ERR Error trying to save the DB: {e}").as_bytes(),
            );
            return true;
        }
        *stage = 1;
        for s in 0..nshards {
            next.push((
                s,
                Part {
                    db: None,
                    resp3: None,
                    op: crate::cross::Op::Server(ServerOp::Load),
                    args: [&[opts][..]].iter().collect(),
                    value: None,
                },
            ));
        }
        return false;
    }
    for r in replies {
        if let ServerReply::Bytes(e) = r {
            out.extend_from_slice(&e);
            return true;
        }
    }
    resp::ok(out);
    true
}

/// A load part: this shard empties its databases (unless `RELOAD_NOFLUSH`
/// in its argument) and loads its keys of the file (an error reply if the
/// file does not load).
pub fn load_part(shard: &mut ShardState, args: kevy_rt::Args<'_>) -> ServerReply {
    let opts = args.get(0).and_then(|a| a.first().copied()).unwrap_or(0);
    let path = rdb_path(&shard.server.shared);
    let result = std::fs::read(&path)
        .map_err(|e| RdbError(e.to_string()))
        .and_then(|data| {
            if opts & RELOAD_NOFLUSH == 0 {
                shard.dbs.iter_mut().for_each(|db| db.clear());
            }
            load_shard(shard, &data, true, opts)
        });
    match result {
        Ok(_) => ServerReply::Count(0),
        Err(e) => {
            shard.server.shared.log.log(
                crate::base::log::Level::Warning,
                &format!("Error trying to load the RDB dump: {e}"),
            );
            let mut out = Vec::new();
            resp::error(&mut out, b"ERR Error trying to load the RDB dump");
            ServerReply::Bytes(out)
        }
    }
}

/// Loads this shard's keys of the file `data` (those its router sends
/// here). Keys already expired are dropped when `drop_expired`.
pub fn load_shard(
    shard: &mut ShardState,
    data: &[u8],
    drop_expired: bool,
    opts: u8,
) -> Result<(u64, u64), RdbError> {
    let (id, n) = shard
        .server
        .info
        .as_ref()
        .map_or((0, 1), |i| (i.id, i.nshards));
    let router = Router::new(n);
    let enc = shard.db_ref(0).enc();
    let checksum = options(&shard.server.shared).checksum;
    let dbs = shard.dbs.len();
    let now = Clock::new();
    let delay = shard.server.shared.config.get_i64("key-load-delay");
    let mut rng = 0x9e37_79b9_7f4a_7c15u64 ^ id as u64;
    let info = load_rdb(
        data,
        &enc,
        dbs,
        drop_expired.then(|| now.ms()),
        Checks {
            checksum,
            deep: sanitize_loading(&shard.server.shared),
        },
        |_, key| router.shard_of(key) == id,
        |l| {
            if delay != 0 {
                crate::persist::state::debug_delay(delay, &mut rng);
            }
            let db = shard.db(l.db);
            db.set(&l.key, l.value, &now, false, l.expire);
            db.set_access(&l.key, l.idle, l.freq, &now);
            Ok(())
        },
    )?;
    if id == 0 {
        // The libraries are the server's: one shard puts them back (as
        // Redis's `emptyData` drops them before a DEBUG RELOAD loads).
        shard
            .server
            .shared
            .persist
            .restore_functions(
                &libraries(shared_codes(shard, opts), &info.libraries),
                opts & RELOAD_NOFLUSH == 0 || opts & RELOAD_MERGE != 0,
            )
            .map_err(|e| RdbError(format!("Failed loading the functions: {e}")))?;
    }
    Ok((info.loaded, info.expired))
}

/// The libraries a `DEBUG RELOAD … NOFLUSH MERGE` keeps besides the
/// file's (all of them, those the file does not replace), else none.
fn shared_codes(shard: &ShardState, opts: u8) -> Vec<Vec<u8>> {
    if opts & RELOAD_NOFLUSH != 0 && opts & RELOAD_MERGE != 0 {
        shard.server.shared.persist.function_codes()
    } else {
        Vec::new()
    }
}

/// `kept` libraries but those `loaded` names again, then `loaded`.
fn libraries(kept: Vec<Vec<u8>>, loaded: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let name = |code: &[u8]| -> Option<Vec<u8>> {
        let line = code.split(|&b| b == b'\n').next()?;
        line.split(|&b| b == b' ')
            .find_map(|w| w.strip_prefix(b"name="))
            .map(|n| n.to_ascii_lowercase())
    };
    let names: Vec<_> = loaded.iter().filter_map(|c| name(c)).collect();
    kept.into_iter()
        .filter(|c| name(c).is_none_or(|n| !names.contains(&n)))
        .chain(loaded.iter().cloned())
        .collect()
}

/// A shard's tick: publishes its change counter, serves a background save
/// it has not served yet, and (shard 0) starts one when a `save` rule
/// asks.
pub fn tick(shard: &mut ShardState) {
    let shared = shard.server.shared.clone();
    let p = &shared.persist;
    let id = shard.server.info.as_ref().map_or(0, |i| i.id);
    p.publish_dirty(id, shard.server.dirty);
    let epoch = p.epoch.load(Ordering::Acquire);
    if epoch != shard.server.rdb_epoch {
        shard.server.rdb_epoch = epoch;
        if let Some(job) = p.job() {
            // The cut: every database starts its snapshot now.
            begin_cut(shard, SnapFormat::Rdb);
            shard.server.rdb_job = Some(SnapJob::Save(job, shard.server.dirty));
        }
    }
    // Idle or not, a tick advances the snapshot by one slice (the loop
    // runs one per iteration too, and iterates every millisecond while a
    // snapshot runs: `Commands::background`).
    snapshot_slice(shard, SLICE_BUCKETS);
    if id == 0 && p.job().is_none() {
        if p.scheduled.load(Ordering::Relaxed) {
            // BGSAVE SCHEDULE: as soon as no AOF rewrite runs.
            if p.start_job() {
                p.scheduled.store(false, Ordering::Relaxed);
            }
            return;
        }
        let rules = save_rules(&shared.config.get("save").unwrap_or_default());
        if !rules.is_empty()
            && rules_fire(
                &rules,
                p.changes(),
                p.last_save.load(Ordering::Relaxed),
                now_ms(),
                p.last_bgsave_fail_ms.load(Ordering::Relaxed),
                p.last_bgsave_ok.load(Ordering::Relaxed),
            )
        {
            p.start_job();
        }
    }
}

/// Buckets a slice of a background snapshot looks at (about 450 keys at
/// the table's load: well under a millisecond of encoding).
pub const SLICE_BUCKETS: usize = 512;

/// One slice of the background save's snapshot this shard is taking, if
/// any (its tick, and each event-loop iteration through
/// `before_replies`): up to `buckets` buckets of its databases encoded;
/// once every database is complete, the chunks go to the job (the shard
/// depositing last starts the writer thread).
pub fn snapshot_slice(shard: &mut ShardState, buckets: usize) {
    if shard.server.rdb_job.is_none() {
        return;
    }
    if let Some(SnapJob::Rewrite(generation)) = shard.server.rdb_job {
        if shard.server.shared.aof.killed(generation) {
            for db in shard.dbs.iter_mut() {
                db.discard_snapshot();
            }
            shard.server.rdb_job = Some(SnapJob::Discard);
        }
    }
    for db in shard.dbs.iter_mut() {
        if !db.snapshot_step(buckets) {
            return;
        }
    }
    let Some(job) = shard.server.rdb_job.take() else {
        return;
    };
    let chunks: Vec<DbChunk> = shard
        .dbs
        .iter_mut()
        .filter_map(|db| db.take_snapshot())
        .collect();
    match job {
        SnapJob::Save(job, dirty) => {
            job.dirty.fetch_add(dirty, Ordering::Relaxed);
            if let Ok(mut c) = job.chunks.lock() {
                c.extend(chunks);
            }
            if job.remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
                write_in_background(shard.server.shared.clone(), job);
            }
        }
        SnapJob::Rewrite(generation) => super::rewrite::deposit(shard, generation, chunks),
        SnapJob::Discard => {}
    }
}

/// Writes a finished job's file on a thread of its own.
fn write_in_background(shared: Arc<Shared>, job: Arc<crate::persist::state::Job>) {
    let spawned = std::thread::Builder::new()
        .name("kevy-bgsave".into())
        .spawn({
            let shared = shared.clone();
            let job = job.clone();
            move || {
                crate::base::cpus::place(crate::base::cpus::Helper::Bgsave);
                let chunks = job
                    .chunks
                    .lock()
                    .map(|mut c| std::mem::take(&mut *c))
                    .unwrap_or_default();
                let ok = save_file(
                    &rdb_path(&shared),
                    options(&shared),
                    file_info(&shared),
                    &chunks,
                )
                .is_ok();
                let secs = job.started.elapsed().as_secs() as i64;
                shared
                    .persist
                    .finish_job(ok, job.dirty.load(Ordering::Relaxed), secs);
            }
        });
    if spawned.is_err() {
        shared.persist.finish_job(false, 0, 0);
    }
}

#[cfg(test)]
mod tests;
