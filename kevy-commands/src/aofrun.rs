//! Where the command set meets the append-only file ([`crate::aof`]): the
//! propagation after a command ran ([`after_command`], on the shard that
//! ran it; [`after_plan`], on a multi-shard operation's origin once it is
//! done, while its locks are still held), the durability barrier the
//! runtime calls ([`before_replies`]), and loading at start-up ([`load`]),
//! which replays the files through the command set on any number of shards
//! (so a restart with another shard count re-homes every key).

use std::sync::OnceLock;

use kevy_rt::testing::Harness;
use kevy_rt::{Args, OwnedArgs};

use crate::aof::parse::{self, Stop};
use crate::aof::propagate::{propagate, Prop};
use crate::shard::ShardState;
use crate::store::db::{Clock, Db};
use crate::table::{self, Spec};
use crate::Redis;

/// The propagation rule of `cmd` (looked up once per command index).
fn prop_of(cmd: &'static Spec) -> Prop {
    static RULES: OnceLock<Vec<Prop>> = OnceLock::new();
    let rules = RULES.get_or_init(|| {
        (0..table::ids::count())
            .map(|id| match table::ids::spec_of(id) {
                Some(s) if s.flags & table::flags::WRITE != 0 => Prop::of(s.name),
                _ => Prop::Never,
            })
            .collect()
    });
    match table::ids::id_of(cmd) {
        Some(id) => rules.get(id).copied().unwrap_or(Prop::Never),
        None => Prop::Never,
    }
}

/// Propagates a command that ran on this shard (`changed`: what it added
/// to the change counter): first the keys its lookups found expired (in
/// its database, or in all when `all_dbs`), then its effect.
pub fn after_command(
    shard: &mut ShardState,
    db: u32,
    cmd: &'static Spec,
    args: Args<'_>,
    reply: &[u8],
    changed: u64,
    all_dbs: bool,
) {
    if all_dbs {
        shard.log_expired_all();
    } else {
        shard.log_expired(db as usize);
    }
    if changed == 0 {
        return;
    }
    let prop = prop_of(cmd);
    let now = Clock::new();
    let ShardState { aof, dbs, .. } = shard;
    let Some(d) = dbs.get_mut(db as usize) else {
        return;
    };
    if matches!(cmd.name, "xclaim" | "xautoclaim" | "xreadgroup") {
        if let Some(cmds) = claim_effect(cmd.name, d, args, reply, &now) {
            cmds.iter().for_each(|c| aof.out().command(db, c));
            return;
        }
    }
    let rewritten = match cmd.name {
        "xadd" | "xtrim" => stream_effect(cmd.name == "xadd", d, args, reply, &now),
        _ => None,
    };
    let args = rewritten.as_ref().map_or(args, OwnedArgs::args);
    let wrap = prop == Prop::Spop
        && aof.capture.is_none()
        && crate::aof::propagate::spop_wraps(
            args,
            reply,
            d.left_of(args.get(1).unwrap_or(b""), &now),
        );
    if wrap {
        aof.out().command(db, &["MULTI"]);
    }
    propagate(aof.out(), db, prop, args, reply, changed, &mut |k| {
        d.left_of(k, &now)
    });
    if wrap {
        aof.out().command(db, &["EXEC"]);
    }
}

/// [`after_command`] for a write run outside the keyed path (a whole
/// part, a script's call of a movable-key command), its change counted
/// from its reply as the accounting counts it.
pub fn after_call(
    shard: &mut ShardState,
    db: u32,
    cmd: &'static Spec,
    args: Args<'_>,
    reply: &[u8],
) {
    use crate::accounting::Accountable;
    let changed = cmd
        .stat_id()
        .map_or(0, |id| Spec::dirty(id, args, args.len(), reply));
    after_command(shard, db, cmd, args, reply, changed, false);
}

/// XCLAIM / XAUTOCLAIM / XREADGROUP as Redis logs them (see
/// [`crate::aof::propagate::claim`]); `None`: as given.
#[cold]
fn claim_effect(
    name: &str,
    d: &Db,
    args: Args<'_>,
    reply: &[u8],
    now: &Clock,
) -> Option<Vec<Vec<Vec<u8>>>> {
    use crate::aof::propagate::claim;
    use crate::model::value::Value;
    let stream = |k: &[u8]| match d.get_ref(k, now) {
        Some(Value::Stream(s)) => Some(&**s),
        _ => None,
    };
    if name == "xreadgroup" {
        // A consumer NOACK created is logged whether or not it was new
        // (XGROUP CREATECONSUMER of an existing one changes nothing).
        return claim::read_effect(args, reply, true, &stream);
    }
    claim::effect(name == "xautoclaim", args, reply, stream(args.get(1)?)?)
}

/// XADD / XTRIM as Redis logs them (see [`crate::aof::propagate::stream`]).
#[cold]
fn stream_effect(
    xadd: bool,
    d: &Db,
    args: Args<'_>,
    reply: &[u8],
    now: &Clock,
) -> Option<OwnedArgs> {
    use crate::aof::propagate::stream::{effect, Left};
    use crate::model::value::Value;
    let key = args.get(1)?;
    let Some(Value::Stream(s)) = d.get_ref(key, now) else {
        return None;
    };
    let left = Left {
        length: s.log.length,
        first: s.log.edge_id(false),
    };
    // XADD answers the ID it added as a bulk string.
    let added = crate::aof::propagate::first_bulk(reply).filter(|_| reply.first() == Some(&b'$'));
    effect(xadd, args, added, &left)
}

/// Propagates a multi-shard operation on its origin, once its last round is
/// gathered: its parts ran under its locks, which are still held, so no
/// command on its keys can be logged between.
pub fn after_plan(
    shard: &mut ShardState,
    db: u32,
    cmd: &'static Spec,
    args: Args<'_>,
    reply: &[u8],
    mut changed: u64,
) {
    if matches!(cmd.name, "flushall" | "flushdb" | "swapdb") && reply.first() != Some(&b'-') {
        // Always propagated, even when there was nothing to remove.
        changed = changed.max(1);
    }
    if changed == 0 {
        return;
    }
    let prop = prop_of(cmd);
    propagate(shard.aof.out(), db, prop, args, reply, changed, &mut |_| {
        Some(None)
    });
}

/// True for the commands that change the function libraries (`FUNCTION
/// LOAD`, `DELETE`, `FLUSH`, `RESTORE`): logged as given, as Redis does.
pub fn changes_functions(cmd: &Spec) -> bool {
    matches!(
        cmd.name,
        "function|load" | "function|delete" | "function|flush" | "function|restore"
    )
}

/// The runtime's durability barrier: hands the shard's feed to the
/// replicas and the file (and fsyncs under `appendfsync always`).
pub fn before_replies(_redis: &Redis, shard: &mut ShardState) {
    if shard.aof.on {
        shard.hand_over_feed();
    }
}

/// True when replies must wait for [`before_replies`]: whenever the file
/// is on or a replica is attached (the shard propagates), so an acknowledged write is in the file (the page cache at
/// least) before its reply leaves, whatever the fsync policy — as Redis
/// writes the AOF in `beforeSleep` before any reply. A killed process then
/// loses no acknowledged write; only a machine crash loses what `everysec`
/// or `no` had not synced.
pub fn holds_replies(_redis: &Redis, shard: &ShardState) -> bool {
    shard.aof.on
}

/// What loading found.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Commands replayed.
    pub commands: u64,
    /// A torn tail was cut off: (file, offset it was truncated at).
    pub truncated: Option<(String, u64)>,
    /// Files read.
    pub files: Vec<String>,
    /// An old-style single file (`appendfilename` in `dir`) was moved into
    /// the AOF directory as its base: the directory's name.
    pub migrated: Option<String>,
}

/// Loads the AOF directory named by the settings (`dir`, `appenddirname`,
/// `appendfilename`) into `nshards` shards, kept for the runtime's
/// `new_shard`. `Ok(None)` when there is no manifest. Errors name the
/// file and offset (corruption, a torn tail with `aof-load-truncated no`,
/// an unknown command, an RDB base).
pub fn load(redis: &Redis, nshards: usize) -> Result<Option<Loaded>, String> {
    let cfg = redis.config();
    let (dir, prefix, _) = crate::aof::paths(cfg);
    let migrated = upgrade(cfg, &dir, &prefix)?;
    let mpath = dir.join(crate::aof::files::manifest_name(&prefix));
    let text = match std::fs::read_to_string(&mpath) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(format!(
                "Can't read the AOF manifest {}: {e}",
                mpath.display()
            ))
        }
    };
    let manifest = crate::aof::manifest::Manifest::parse(&text)?;
    let truncate_ok = cfg.get_bool("aof-load-truncated");
    let mut files: Vec<String> = manifest
        .base()
        .map(|e| e.name.clone())
        .into_iter()
        .collect();
    files.extend(manifest.incrs().map(|e| e.name.clone()));
    // Every file the manifest names must be there (Redis's
    // `getBaseAndIncrAppendOnlyFilesSize`, before loading any).
    for name in &files {
        if let Err(e) = std::fs::metadata(dir.join(name)) {
            return Err(format!(
                "Unable to obtain the AOF file {name} length. stat: {}",
                crate::config::os_error(&e)
            ));
        }
    }
    let (mut loaded, shards) = replay(redis, nshards, &dir, &files, truncate_ok)?;
    loaded.migrated = migrated;
    redis.shared().preloaded.put(shards);
    Ok(Some(loaded))
}

/// Redis's `aofUpgradePrepare`: an append-only file of Redis before 7.0
/// (`appendfilename` in `dir`, no AOF directory, or one without a
/// manifest, or whose manifest names only that file as its base, not yet
/// moved) is moved into the AOF directory as the base of a new manifest.
/// The directory's name when it was.
fn upgrade(
    cfg: &crate::config::ConfigTable,
    dir: &std::path::Path,
    prefix: &str,
) -> Result<Option<String>, String> {
    let root = std::path::PathBuf::from(cfg.get("dir").unwrap_or_default());
    let old = root.join(prefix);
    if !old.is_file() {
        return Ok(None);
    }
    use crate::aof::manifest::{Entry, Kind, Manifest};
    let mpath = dir.join(crate::aof::files::manifest_name(prefix));
    let upgrade = if !dir.is_dir() {
        true
    } else {
        match std::fs::read_to_string(&mpath) {
            Err(_) => true,
            Ok(text) => {
                let m = Manifest::parse(&text)?;
                m.incrs().next().is_none()
                    && m.base()
                        .is_none_or(|b| b.name == prefix && !dir.join(prefix).exists())
            }
        }
    };
    if !upgrade {
        return Ok(None);
    }
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    std::fs::create_dir_all(dir).map_err(|e| {
        format!(
            "Can't open or create append-only dir {name}: {}",
            crate::config::os_error(&e)
        )
    })?;
    let m = Manifest {
        files: vec![Entry {
            name: prefix.to_string(),
            seq: 1,
            kind: Kind::Base,
        }],
    };
    crate::aof::files::persist_manifest(dir, prefix, &m).map_err(|e| {
        format!(
            "Can't persist the AOF manifest: {}",
            crate::config::os_error(&e)
        )
    })?;
    std::fs::rename(&old, dir.join(prefix)).map_err(|e| {
        format!(
            "Error trying to rename the existing AOF to the new location {name}: {}",
            crate::config::os_error(&e)
        )
    })?;
    Ok(Some(name))
}

/// DEBUG LOADAOF's replay: the function libraries are flushed (Redis's
/// `emptyData`), then the AOF directory is replayed as at start-up into
/// `nshards` new shards, whose databases wait in `preloaded` for the live
/// shards. An error when there is no AOF (Redis exits then).
pub fn reload(redis: &Redis, nshards: usize) -> Result<(), String> {
    redis.shared().persist.restore_functions(&[], true)?;
    match load(redis, nshards)? {
        Some(_) => Ok(()),
        None => Err("there is no append only file".into()),
    }
}

/// Replays `files` (of `dir`) into `nshards` new shards: what was read
/// and the shards' databases.
fn replay(
    redis: &Redis,
    nshards: usize,
    dir: &std::path::Path,
    files: &[String],
    truncate_ok: bool,
) -> Result<(Loaded, Vec<Vec<Db>>), String> {
    let _replaying = crate::family::persist::Replaying::enter();
    let mut h = Harness::new(redis.clone(), nshards);
    for i in 0..nshards {
        // Its shards' clocks read 0: nothing expires during the replay;
        // and they log nothing (DEBUG LOADAOF runs while the file is on).
        h.shard(i).loading = true;
        h.shard(i).set_propagating(false);
    }
    // The replay is the server's own client: authenticated as `default`
    // whatever `requirepass` says (Redis's AOF client needs no AUTH).
    h.session().set_user(0, true);
    let mut loaded = Loaded::default();
    for (n, name) in files.iter().enumerate() {
        let last = n + 1 == files.len();
        let path = dir.join(name);
        let data = match std::fs::read(&path) {
            Ok(d) => d,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && n == 0 => continue,
            Err(e) => return Err(format!("Can't open the append-only file {name}: {e}")),
        };
        // An RDB preamble (`aof-use-rdb-preamble`, a base's whole content
        // in Redis 7.0), then commands if any follow (older single files).
        let skip = if data.starts_with(b"REDIS") {
            load_preamble(redis, &mut h, name, &data)?
        } else {
            0
        };
        let mut multi: Option<(u64, Vec<Vec<Vec<u8>>>)> = None;
        let mut at = skip as u64;
        let run = |h: &mut Harness<Redis>, args: &[&[u8]]| -> Result<(), String> {
            let reply = h.run(args);
            if reply.starts_with(b"-ERR unknown command") {
                return Err(format!(
                    "Unknown command '{}' reading the append only file {name}",
                    String::from_utf8_lossy(args[0])
                ));
            }
            Ok(())
        };
        let ended = parse::commands(&data[skip..], |args, end| {
            let start = at;
            at = end + skip as u64;
            loaded.commands += 1;
            if loaded.commands % 1024 == 0 {
                // DEBUG LOADAOF: the replaying shard's connections.
                crate::family::persist::serve_while_loading();
            }
            let verb = args[0];
            if verb.eq_ignore_ascii_case(b"multi") {
                multi = Some((start, Vec::new()));
                return Ok::<(), String>(());
            }
            if verb.eq_ignore_ascii_case(b"exec") {
                if let Some((_, queued)) = multi.take() {
                    for q in &queued {
                        let a: Vec<&[u8]> = q.iter().map(|x| &x[..]).collect();
                        run(&mut h, &a)?;
                    }
                }
                return Ok(());
            }
            match multi.as_mut() {
                Some((_, queued)) => queued.push(args.iter().map(|a| a.to_vec()).collect()),
                None => run(&mut h, args)?,
            }
            Ok(())
        })?;
        let valid = match ended {
            Ok(()) => multi.as_ref().map(|(start, _)| *start),
            Err(Stop::Truncated { valid }) => {
                Some(multi.as_ref().map_or(valid + skip as u64, |(s, _)| *s))
            }
            Err(Stop::Corrupt { at }) => {
                let at = at + skip as u64;
                return Err(format!(
                    "Bad file format reading the append only file {name} at offset {at}: \
                     make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>"
                ));
            }
        };
        if let Some(valid) = valid {
            if !last {
                return Err(format!(
                    "Unexpected end of file reading the append only file {name} at offset {valid}"
                ));
            }
            if !truncate_ok {
                return Err(format!(
                    "Unexpected end of file reading the append only file {name}. \
                     You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. \
                     2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server."
                ));
            }
            let f = std::fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .map_err(|e| format!("Can't truncate {name}: {e}"))?;
            f.set_len(valid)
                .and_then(|_| f.sync_all())
                .map_err(|e| format!("Can't truncate {name}: {e}"))?;
            loaded.truncated = Some((name.clone(), valid));
        }
        loaded.files.push(name.clone());
    }
    let shards = h.into_shards().into_iter().map(|s| s.dbs).collect();
    Ok((loaded, shards))
}

/// Loads the RDB preamble at the start of `data` (file `name`) into the
/// harness's shards, each key on the shard that owns it, and its function
/// libraries; the bytes it took. Nothing is dropped as expired (Redis
/// loads a preamble with `RDBFLAGS_AOF_PREAMBLE`, which keeps every key: the
/// commands after it may still touch them).
fn load_preamble(
    redis: &Redis,
    h: &mut Harness<Redis>,
    name: &str,
    data: &[u8],
) -> Result<usize, String> {
    let router = h.router();
    let shared = redis.shared();
    let enc = shared.config.live().memory.encodings.snapshot();
    let checksum = crate::family::persist::options(shared).checksum;
    let now = Clock::new();
    let info = crate::persist::rdb::load_rdb(
        data,
        &enc,
        redis.database_count(),
        None,
        crate::persist::rdb::Checks {
            checksum,
            deep: crate::family::persist::sanitize_loading(shared),
        },
        |_, _| true,
        |l| {
            let db = h.shard(router.shard_of(&l.key)).db(l.db);
            db.set(&l.key, l.value, &now, false, l.expire);
            db.set_access(&l.key, l.idle, l.freq, &now);
            Ok(())
        },
    )
    .map_err(|e| format!("Error reading the RDB preamble of the AOF file {name}: {e}"))?;
    shared
        .persist
        .restore_functions(&info.libraries, false)
        .map_err(|e| format!("Failed loading the functions of the AOF file {name}: {e}"))?;
    Ok(info.bytes)
}

/// Opens the AOF for appending as the settings say: at start (after
/// [`load`]), or with `at_run_time` (`CONFIG SET appendonly yes`: the
/// files on disk stay as they are until the rewrite that follows makes
/// the base; see [`crate::aof::Aof::open`]).
pub fn open(redis: &Redis, at_run_time: bool) -> std::io::Result<()> {
    let (dir, prefix, policy) = crate::aof::paths(redis.config());
    let shared = redis.shared();
    let rdb = shared
        .config
        .get_bool("aof-use-rdb-preamble")
        .then(|| crate::aof::files::BaseHead {
            info: crate::family::persist::file_info(shared),
            opts: crate::family::persist::options(shared),
        });
    shared.aof.open(&dir, &prefix, policy, rdb, at_run_time)
}

#[cfg(test)]
mod tests;
