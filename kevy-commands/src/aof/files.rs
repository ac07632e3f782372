//! The append-only file of the whole server: the directory, its manifest,
//! the incremental file every shard's feed is handed to, the fsync policy
//! and the rewrite's file switch. One file for all shards (see
//! ARCHITECTURE.md, *Persistence: the append-only file*): shards hand their
//! feed over under one mutex, once per event-loop iteration or peer batch
//! (never per command), so the file's order agrees with what crossed the
//! rings.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use super::feed::{select, Feed};

/// `DEBUG AOF-FLUSH-SLEEP <microseconds>`: how long a shard sleeps before
/// writing its commands to the file (Redis's `aof_flush_sleep`, for tests
/// of what a slow disk does to the order of replies). 0: no sleep.
pub static FLUSH_SLEEP_US: AtomicU64 = AtomicU64::new(0);
use super::manifest::{Entry, Kind, Manifest};
use crate::persist::rdb::file::AutoSync;
use crate::persist::rdb::{write_rdb, DbChunk, FileInfo, Options};

mod kill;
mod rewrite;
mod sync;

use sync::{everysec, sync_inner};

/// What a rewrite's base holds besides the shards' keys: the function
/// libraries (`FUNCTION LOAD` commands or `FUNCTION2` entries) and, for an
/// RDB base, its AUX fields and options.
#[derive(Debug, Default)]
pub struct BaseHead {
    /// AUX fields and function libraries (`aof_base` is set here).
    pub info: FileInfo,
    /// `rdbcompression`, `rdbchecksum`.
    pub opts: Options,
}

/// `appendfsync`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fsync {
    /// After every event-loop iteration that wrote, before its replies leave.
    Always = 0,
    /// Once a second, on a thread of its own.
    Everysec = 1,
    /// Never (the kernel decides).
    No = 2,
}

impl Fsync {
    /// The policy named `name` (`always`, `everysec`, `no`).
    pub fn parse(name: &str) -> Option<Fsync> {
        match name.to_ascii_lowercase().as_str() {
            "always" => Some(Fsync::Always),
            "everysec" => Some(Fsync::Everysec),
            "no" => Some(Fsync::No),
            _ => None,
        }
    }
}

/// The open files (under the mutex).
struct Files {
    dir: PathBuf,
    /// `appendfilename`: the prefix of every file's name.
    name: String,
    manifest: Manifest,
    /// The incremental file of the current generation.
    incr: Arc<File>,
    /// The previous generation's, while a rewrite's cut is under way.
    old: Option<Arc<File>>,
    /// The database the file's last command left selected.
    incr_db: Option<u32>,
    old_db: Option<u32>,
    /// The rewrite generation (mirrored in `Inner::generation`, changed
    /// only under this mutex so a hand-over sees it with the files).
    generation: u64,
    /// Bytes in the incremental files since the base.
    incr_size: u64,
    base_size: u64,
    /// Redis's `AOF_WAIT_REWRITE`: opened at run time (`CONFIG SET
    /// appendonly yes`, or a `BGREWRITEAOF` while off), the files on disk
    /// and the manifest stay as they were until the first rewrite ends;
    /// meanwhile the shards write to the temporary incremental file
    /// ([`temp_incr`]), which that rewrite's end names as the next
    /// incremental file (or removes, for a one-off rewrite).
    waiting: bool,
}

/// The server's append-only file (shared by every shard).
#[derive(Clone, Default)]
pub struct Aof {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Aof {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Aof")
            .field("open", &self.is_open())
            .field("policy", &self.policy())
            .finish_non_exhaustive()
    }
}

#[derive(Default)]
struct Inner {
    files: Mutex<Option<Files>>,
    /// The policy ([`Fsync`] as a byte).
    policy: AtomicU8,
    /// The rewrite generation: a shard's feed goes to the current
    /// incremental file once its own generation equals it.
    generation: AtomicU64,
    /// Bytes handed over since the start (all files).
    written: AtomicU64,
    /// Of those, bytes known to be on disk.
    synced: AtomicU64,
    sync_lock: Mutex<()>,
    /// A rewrite is running.
    rewriting: AtomicBool,
    /// A rewrite is wanted (automatic rewrite, CONFIG SET appendonly yes).
    pub scheduled: AtomicBool,
    /// The files are open only for one rewrite (BGREWRITEAOF while
    /// `appendonly no`, as Redis writes a base then): closed when it ends.
    one_off: AtomicBool,
    /// The shards' snapshots of the rewrite in progress (RDB pairs or
    /// commands, one chunk per database), as each shard completes its own.
    snapshots: Mutex<Vec<Vec<DbChunk>>>,
    /// What the base still waits for: each shard's snapshot and the head
    /// ([`Aof::set_head`]); whoever brings the last one writes the base.
    pending: AtomicUsize,
    /// The base's head, once the rewrite's command gathered.
    head: Mutex<Option<BaseHead>>,
    /// The rewrite in progress writes an RDB base.
    rdb_base: AtomicBool,
    /// `no-appendfsync-on-rewrite` (`sync.rs`).
    no_fsync_on_rewrite: AtomicBool,
    /// `aof-timestamp-enabled`: a `#TS:<unix time>` annotation goes into
    /// the file before the first command of each second, and at the top
    /// of a RESP base (Redis's `genAofTimestampAnnotationIfNeeded`).
    timestamps: AtomicBool,
    /// The second of the last annotation.
    last_ts: AtomicU64,
    /// The persistence state's "a background job runs" (`sync.rs`).
    children: std::sync::OnceLock<Arc<std::sync::atomic::AtomicU8>>,
    /// The generation of the last rewrite stopped before its end
    /// ([`Aof::kill_rewrite`]).
    killed: AtomicU64,
    stats: Mutex<Stats>,
    /// The memory the shards' feeds keep between hand-overs while the
    /// file is open, as each last noted it ([`Aof::note_buffer`]).
    buffered: AtomicU64,
    /// The highest incremental file number this process named: a
    /// rewrite while off leaves a manifest with no incremental file, and
    /// the next one still counts on (Redis's in-memory
    /// `curr_incr_file_seq`).
    incr_seq: AtomicU64,
}

/// Figures for INFO persistence.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Rewrites done.
    pub rewrites: u64,
    /// The last rewrite's status was ok.
    pub last_rewrite_ok: bool,
    /// Consecutive failed rewrites.
    pub failures: u64,
    /// Seconds the last rewrite took (-1: none).
    pub last_rewrite_secs: i64,
    /// When the running rewrite started (unix ms).
    pub started_ms: u64,
    /// The last write or fsync failed.
    pub write_error: bool,
    /// Current size of the AOF (base + incremental files).
    pub current_size: u64,
    /// Size of the base.
    pub base_size: u64,
    /// Delayed fsyncs (everysec: an fsync still running after 2 s).
    pub delayed_fsync: u64,
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The file a rewrite writes its base to before it takes its place.
fn temp_base(dir: &Path) -> PathBuf {
    dir.join(format!("temp-rewriteaof-bg-{}.aof", std::process::id()))
}

/// Where the shards write while the first rewrite after a run-time start
/// runs (Redis's `temp-appendonly.aof.incr`).
fn temp_incr(dir: &Path, prefix: &str) -> PathBuf {
    dir.join(format!("temp-{prefix}.incr"))
}

/// A new, empty temporary incremental file. Its name is unlinked first, so
/// a handle on the previous one (a shard that has not reached the cut)
/// never writes into the new one.
fn fresh_temp_incr(dir: &Path, prefix: &str) -> std::io::Result<File> {
    let path = temp_incr(dir, prefix);
    let _ = fs::remove_file(&path);
    open_append(&path)
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The name of base file `seq` (`appendonly.aof.1.base.aof`).
pub fn base_name(prefix: &str, seq: u64, rdb: bool) -> String {
    format!("{prefix}.{seq}.base.{}", if rdb { "rdb" } else { "aof" })
}

/// The name of incremental file `seq` (`appendonly.aof.1.incr.aof`).
pub fn incr_name(prefix: &str, seq: u64) -> String {
    format!("{prefix}.{seq}.incr.aof")
}

/// The manifest's name (`appendonly.aof.manifest`).
pub fn manifest_name(prefix: &str) -> String {
    format!("{prefix}.manifest")
}

fn open_append(path: &Path) -> std::io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Writes the manifest atomically (temporary file, fsync, rename).
pub(crate) fn persist_manifest(dir: &Path, prefix: &str, m: &Manifest) -> std::io::Result<()> {
    let tmp = dir.join(format!("temp-{}", manifest_name(prefix)));
    let mut f = File::create(&tmp)?;
    f.write_all(m.render().as_bytes())?;
    f.sync_all()?;
    fs::rename(&tmp, dir.join(manifest_name(prefix)))?;
    sync_dir(dir);
    Ok(())
}

impl Aof {
    /// A shard's feed now keeps `new` bytes (it kept `old`) while the file
    /// is open: the append-only file's buffer (INFO's `mem_aof_buffer`,
    /// left out of `maxmemory` as Redis leaves its `aof_buf`).
    pub fn note_buffer(&self, old: u64, new: u64) {
        let d = new.wrapping_sub(old);
        self.inner.buffered.fetch_add(d, Ordering::Relaxed);
    }

    /// The append-only file's buffer: what the shards' feeds keep (see
    /// [`Aof::note_buffer`]). One relaxed load.
    #[inline]
    pub fn buffer_memory(&self) -> u64 {
        self.inner.buffered.load(Ordering::Relaxed)
    }

    /// True when the file is open (propagation on).
    pub fn is_open(&self) -> bool {
        lock(&self.inner.files).is_some()
    }

    /// True when the file is on (open, and not just for a one-off rewrite).
    pub fn is_enabled(&self) -> bool {
        !self.one_off() && self.is_open()
    }

    /// The files are open only for the rewrite in progress.
    pub fn one_off(&self) -> bool {
        self.inner.one_off.load(Ordering::Acquire)
    }

    /// Opens the files for one rewrite while the AOF is off.
    pub fn open_one_off(&self, dir: &Path, prefix: &str) -> std::io::Result<()> {
        self.inner.one_off.store(true, Ordering::Release);
        let r = self.open(dir, prefix, Fsync::No, None, true);
        if r.is_err() {
            self.inner.one_off.store(false, Ordering::Release);
        }
        r
    }

    /// Keeps the files of a one-off rewrite open (`appendonly yes` came
    /// meanwhile), with `policy`.
    pub fn keep_open(&self, policy: Fsync) {
        self.set_policy(policy);
        self.inner.one_off.store(false, Ordering::Release);
    }

    /// The fsync policy.
    pub fn policy(&self) -> Fsync {
        match self.inner.policy.load(Ordering::Relaxed) {
            0 => Fsync::Always,
            1 => Fsync::Everysec,
            _ => Fsync::No,
        }
    }

    /// Sets the fsync policy.
    pub fn set_policy(&self, p: Fsync) {
        self.inner.policy.store(p as u8, Ordering::Relaxed);
    }

    /// The current rewrite generation (a shard starts in it).
    pub fn generation(&self) -> u64 {
        self.inner.generation.load(Ordering::Acquire)
    }

    /// A rewrite is running.
    pub fn rewriting(&self) -> bool {
        self.inner.rewriting.load(Ordering::Acquire)
    }

    /// A rewrite is wanted and not started.
    pub fn scheduled(&self) -> bool {
        self.inner.scheduled.load(Ordering::Relaxed)
    }

    /// Marks a rewrite wanted (or not).
    pub fn schedule(&self, on: bool) {
        self.inner.scheduled.store(on, Ordering::Relaxed);
    }

    /// The INFO figures.
    pub fn stats(&self) -> Stats {
        let mut s = lock(&self.inner.stats).clone();
        if let Some(f) = lock(&self.inner.files).as_ref() {
            s.current_size = f.base_size + f.incr_size;
            s.base_size = f.base_size;
        }
        s
    }

    /// Opens the AOF in `dir` (created if missing) for appending: the last
    /// incremental file of an existing manifest, else a new base and
    /// incremental file — as Redis 7.0 makes them on start: the base an
    /// RDB file (`appendonly.aof.1.base.rdb`, AUX `aof-base`) when `rdb`
    /// gives its head (`aof-use-rdb-preamble yes`; the dataset is empty
    /// then), else an empty `.base.aof`. With `waiting` (opened at run
    /// time, a rewrite follows and makes the base), nothing on disk
    /// changes: the shards write to a temporary incremental file until
    /// that rewrite ends, as Redis's `AOF_WAIT_REWRITE`. Starts the
    /// everysec fsync thread.
    pub fn open(
        &self,
        dir: &Path,
        prefix: &str,
        policy: Fsync,
        rdb: Option<BaseHead>,
        waiting: bool,
    ) -> std::io::Result<()> {
        fs::create_dir_all(dir)?;
        let mpath = dir.join(manifest_name(prefix));
        let mut manifest = match fs::read_to_string(&mpath) {
            Ok(text) => Manifest::parse(&text)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Manifest::default(),
            Err(e) => return Err(e),
        };
        let mut changed = false;
        if waiting {
            let file = fresh_temp_incr(dir, prefix)?;
            self.opened(dir, prefix, manifest, file, true, policy);
            return Ok(());
        }
        if manifest.base().is_none() && manifest.incrs().next().is_none() {
            let name = base_name(prefix, 1, rdb.is_some());
            let mut f = File::create(dir.join(&name))?;
            if let Some(mut head) = rdb {
                head.info.aof_base = true;
                let mut out = Vec::new();
                write_rdb(&mut out, head.opts, head.info, &[])?;
                f.write_all(&out)?;
            }
            f.sync_all()?;
            manifest.files.push(Entry {
                name,
                seq: 1,
                kind: Kind::Base,
            });
            changed = true;
        }
        let incr = match manifest.incrs().last() {
            Some(e) => e.name.clone(),
            None => {
                let seq = self.next_incr_seq(&manifest);
                let name = incr_name(prefix, seq);
                manifest.files.push(Entry {
                    name: name.clone(),
                    seq,
                    kind: Kind::Incr,
                });
                changed = true;
                name
            }
        };
        let file = open_append(&dir.join(&incr))?;
        if changed {
            persist_manifest(dir, prefix, &manifest)?;
        }
        self.opened(dir, prefix, manifest, file, false, policy);
        Ok(())
    }

    /// The number of the next incremental file after those `m` lists and
    /// any this process named.
    fn next_incr_seq(&self, m: &Manifest) -> u64 {
        m.last_seq(Kind::Incr)
            .max(self.inner.incr_seq.load(Ordering::Relaxed))
            + 1
    }

    /// Manifest `m` took effect: the incremental count goes on from its
    /// files (a number tried and not persisted is not skipped).
    fn took_effect(&self, m: &Manifest) {
        self.inner
            .incr_seq
            .fetch_max(m.last_seq(Kind::Incr), Ordering::Relaxed);
    }

    /// The files are open: `file` is where the shards write.
    fn opened(
        &self,
        dir: &Path,
        prefix: &str,
        manifest: Manifest,
        file: File,
        waiting: bool,
        policy: Fsync,
    ) {
        self.took_effect(&manifest);
        let size = |e: &Entry| fs::metadata(dir.join(&e.name)).map_or(0, |m| m.len());
        let base_size = manifest.base().map_or(0, size);
        let incr_size = manifest.incrs().map(size).sum();
        *lock(&self.inner.files) = Some(Files {
            dir: dir.to_path_buf(),
            name: prefix.to_string(),
            manifest,
            incr: Arc::new(file),
            old: None,
            incr_db: None,
            old_db: None,
            generation: self.generation(),
            incr_size,
            base_size,
            waiting,
        });
        self.set_policy(policy);
        lock(&self.inner.stats).last_rewrite_ok = true;
        lock(&self.inner.stats).last_rewrite_secs = -1;
        let weak = Arc::downgrade(&self.inner);
        let _ = std::thread::Builder::new()
            .name("aof-fsync".into())
            .spawn(move || {
                crate::base::cpus::place(crate::base::cpus::Helper::Bio);
                everysec(weak)
            });
    }

    /// Closes the file (`appendonly no`): what was handed over is synced;
    /// a temporary incremental file that never became one is removed.
    pub fn close(&self) {
        self.sync_to(u64::MAX);
        if let Some(f) = lock(&self.inner.files).take() {
            if f.waiting {
                let _ = fs::remove_file(temp_incr(&f.dir, &f.name));
            }
        }
    }

    /// Hands `feed`'s pending commands to the file: the current
    /// incremental file, or the previous one while this shard has not yet
    /// reached a running rewrite's cut. Then, under `appendfsync always`,
    /// makes sure everything this shard handed over is on disk (one fsync
    /// covers every shard's writes so far: group commit).
    pub fn hand_over(&self, feed: &mut Feed) {
        if !feed.main.is_empty() {
            let sleep = FLUSH_SLEEP_US.load(Ordering::Relaxed);
            if sleep > 0 {
                std::thread::sleep(std::time::Duration::from_micros(sleep));
            }
            let mut files = lock(&self.inner.files);
            if let Some(f) = files.as_mut() {
                let current = feed.generation >= f.generation;
                let (file, db) = match (&f.old, current) {
                    (Some(old), false) => (old.clone(), &mut f.old_db),
                    _ => (f.incr.clone(), &mut f.incr_db),
                };
                let frag = &mut feed.main;
                let mut head = Vec::new();
                if self.inner.timestamps.load(Ordering::Relaxed) {
                    let now = unix_secs();
                    if now > self.inner.last_ts.swap(now, Ordering::Relaxed) {
                        head.extend_from_slice(format!("#TS:{now}\r\n").as_bytes());
                    }
                }
                if *db != Some(frag.first_db) {
                    select(&mut head, frag.first_db);
                }
                *db = frag.last_db;
                let n = (head.len() + frag.bytes.len()) as u64;
                let ok =
                    (&*file).write_all(&head).is_ok() && (&*file).write_all(&frag.bytes).is_ok();
                if !ok {
                    lock(&self.inner.stats).write_error = true;
                }
                f.incr_size += n;
                feed.written = self.inner.written.fetch_add(n, Ordering::AcqRel) + n;
            }
            drop(files);
            feed.main.clear();
        }
        if self.policy() == Fsync::Always {
            self.sync_to(feed.written);
        }
    }

    /// True when this shard handed over bytes not yet known on disk.
    #[inline]
    pub fn unsynced(&self, feed: &Feed) -> bool {
        self.inner.synced.load(Ordering::Acquire) < feed.written
    }

    /// Makes every byte handed over up to `upto` durable (one fsync may
    /// cover many shards' writes).
    fn sync_to(&self, upto: u64) {
        sync_inner(&self.inner, upto);
    }

    /// Bytes in the base and the incremental files (automatic rewrite).
    pub fn sizes(&self) -> Option<(u64, u64)> {
        lock(&self.inner.files)
            .as_ref()
            .map(|f| (f.base_size, f.incr_size))
    }
}

/// Seconds since the epoch.
fn unix_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
