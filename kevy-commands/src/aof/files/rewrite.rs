//! A rewrite's files: the cut each shard makes, the snapshots it
//! deposits, the base written from them (RDB, or RESP commands with the
//! function libraries first) and the switch to the new base and
//! incremental file in the manifest.

use super::*;

impl Aof {
    /// The rewrite in progress writes an RDB base (its shards' snapshots
    /// are RDB pairs; otherwise commands).
    pub fn rdb_base(&self) -> bool {
        self.inner.rdb_base.load(Ordering::Acquire)
    }

    /// Starts a rewrite: opens the next incremental file, lists it in the
    /// manifest (so writes after the cut survive a crash before the rewrite
    /// ends), and moves the generation on. `nshards` snapshots are expected;
    /// the base is an RDB file when `rdb` (`aof-use-rdb-preamble`).
    pub fn begin_rewrite(&self, nshards: usize, rdb: bool) -> Result<u64, String> {
        if self.inner.rewriting.swap(true, Ordering::AcqRel) {
            return Err("ERR Background append only file rewriting already in progress".into());
        }
        self.inner.rdb_base.store(rdb, Ordering::Release);
        let mut files = lock(&self.inner.files);
        let Some(f) = files.as_mut() else {
            self.inner.rewriting.store(false, Ordering::Release);
            return Err("ERR the append only file is off".into());
        };
        let opened = if f.waiting {
            // Before the first base: a fresh temporary file, named only when
            // this rewrite ends (what a failed one gathered is in this base).
            fresh_temp_incr(&f.dir, &f.name)
        } else {
            let seq = self.next_incr_seq(&f.manifest);
            let name = incr_name(&f.name, seq);
            open_append(&f.dir.join(&name)).and_then(|file| {
                let mut m = f.manifest.clone();
                m.files.push(Entry {
                    name,
                    seq,
                    kind: Kind::Incr,
                });
                persist_manifest(&f.dir, &f.name, &m)?;
                self.took_effect(&m);
                f.manifest = m;
                Ok(file)
            })
        };
        match opened {
            Ok(file) => {
                f.old = Some(std::mem::replace(&mut f.incr, Arc::new(file)));
                f.old_db = f.incr_db.take();
                f.generation += 1;
                self.inner.generation.store(f.generation, Ordering::Release);
            }
            Err(e) => {
                self.inner.rewriting.store(false, Ordering::Release);
                self.failed();
                return Err(format!("ERR Can't open the append-only file: {e}"));
            }
        }
        drop(files);
        *lock(&self.inner.snapshots) = vec![Vec::new(); nshards];
        *lock(&self.inner.head) = None;
        self.inner.pending.store(nshards + 1, Ordering::Release);
        lock(&self.inner.stats).started_ms = unix_ms();
        self.inner.scheduled.store(false, Ordering::Relaxed);
        Ok(self.generation())
    }

    /// A shard's cut: what it propagated before goes to the previous file,
    /// what it propagates after to the new one. Its keyspace as of this
    /// moment is its incremental snapshot, deposited when complete
    /// ([`Aof::deposit`]).
    pub fn cut(&self, feed: &mut Feed, generation: u64) {
        self.hand_over(feed);
        feed.generation = generation;
    }

    /// Shard `shard`'s complete snapshot (one chunk per database holding
    /// keys). True when it was the last thing the base waited for: the
    /// caller then has [`Aof::write_and_switch`] run off its thread.
    pub fn deposit(&self, shard: usize, generation: u64, chunks: Vec<DbChunk>) -> bool {
        if !self.current(generation) {
            return false;
        }
        if let Some(slot) = lock(&self.inner.snapshots).get_mut(shard) {
            *slot = chunks;
        }
        self.inner.pending.fetch_sub(1, Ordering::AcqRel) == 1
    }

    /// The base's head (function libraries, AUX fields), read while every
    /// shard is at its cut. True when it was the last thing the base waited
    /// for (as [`Aof::deposit`]).
    pub fn set_head(&self, generation: u64, head: BaseHead) -> bool {
        if !self.current(generation) {
            return false;
        }
        *lock(&self.inner.head) = Some(head);
        self.inner.pending.fetch_sub(1, Ordering::AcqRel) == 1
    }

    /// Ends the rewrite (on a thread of its own, not a shard's): writes the
    /// base from the head and the shards' snapshots, then makes it and the
    /// new incremental file the whole AOF in the manifest and deletes the
    /// old files, for rewrite `generation`. False when it was stopped
    /// meanwhile ([`Aof::kill_rewrite`]): nothing was switched, and the
    /// rewrite's end was already recorded.
    pub fn write_and_switch(&self, generation: u64) -> bool {
        let head = lock(&self.inner.head).take().unwrap_or_default();
        let r = self.write_base(head, generation);
        if self.killed(generation) {
            return false;
        }
        self.done(r);
        true
    }

    /// A rewrite that could not start its writer ends as failed.
    pub fn abandon(&self) {
        self.done(Err("can't start the rewrite thread".into()));
    }

    fn write_base(&self, mut head: BaseHead, generation: u64) -> Result<(), String> {
        let shots = std::mem::take(&mut *lock(&self.inner.snapshots));
        let rdb = self.rdb_base();
        let (dir, prefix, seq) = {
            let files = lock(&self.inner.files);
            let f = files
                .as_ref()
                .ok_or("the append only file was turned off")?;
            (
                f.dir.clone(),
                f.name.clone(),
                f.manifest.last_seq(Kind::Base) + 1,
            )
        };
        let tmp = temp_base(&dir);
        let file = File::create(&tmp).map_err(|e| e.to_string())?;
        let mut out = std::io::BufWriter::with_capacity(
            1 << 20,
            AutoSync::new(file, head.opts.incremental_fsync),
        );
        let size = if rdb {
            let chunks: Vec<DbChunk> = shots.into_iter().flatten().collect();
            head.info.aof_base = true;
            write_rdb(&mut out, head.opts, head.info, &chunks).map_err(|e| e.to_string())?
        } else {
            let ts = self.inner.timestamps.load(Ordering::Relaxed).then(|| {
                let now = unix_secs();
                self.inner.last_ts.store(now, Ordering::Relaxed);
                now
            });
            write_resp_base(&mut out, ts, &head.info.functions, &shots)
                .map_err(|e| e.to_string())?
        };
        let file = out.into_inner().map_err(|e| e.to_string())?.file;
        file.sync_all().map_err(|e| e.to_string())?;
        let name = base_name(&prefix, seq, rdb);
        let mut files = lock(&self.inner.files);
        if self.killed(generation) {
            // Stopped while the base was written: it never becomes one.
            let _ = fs::remove_file(&tmp);
            return Err("the rewrite was stopped".into());
        }
        fs::rename(&tmp, dir.join(&name)).map_err(|e| e.to_string())?;
        let f = files
            .as_mut()
            .ok_or("the append only file was turned off")?;
        let mut m = Manifest {
            files: vec![Entry {
                name,
                seq,
                kind: Kind::Base,
            }],
        };
        let mut gone: Vec<String>;
        if f.waiting {
            // The first base after a run-time start (Redis's
            // `backgroundRewriteDoneHandler` in `AOF_WAIT_REWRITE`): the
            // temporary file becomes the next incremental file, or, for a
            // one-off rewrite (the AOF stays off), goes; every file the
            // manifest listed before is history.
            gone = f.manifest.files.iter().map(|e| e.name.clone()).collect();
            let temp = temp_incr(&f.dir, &f.name);
            if self.one_off() {
                gone.push(
                    temp.file_name()
                        .unwrap_or_default()
                        .to_string_lossy()
                        .into(),
                );
            } else {
                let seq = self.next_incr_seq(&f.manifest);
                let name = incr_name(&f.name, seq);
                fs::rename(&temp, f.dir.join(&name)).map_err(|e| e.to_string())?;
                m.files.push(Entry {
                    name,
                    seq,
                    kind: Kind::Incr,
                });
            }
        } else {
            let newest = f.manifest.last_seq(Kind::Incr);
            gone = f
                .manifest
                .files
                .iter()
                .filter(|e| !(e.kind == Kind::Incr && e.seq == newest))
                .map(|e| e.name.clone())
                .collect();
            m.files
                .extend(f.manifest.incrs().filter(|e| e.seq == newest).cloned());
        }
        persist_manifest(&f.dir, &f.name, &m).map_err(|e| e.to_string())?;
        self.took_effect(&m);
        f.waiting = false;
        f.old = None;
        f.old_db = None;
        f.base_size = size;
        f.incr_size = m
            .incrs()
            .last()
            .and_then(|e| fs::metadata(f.dir.join(&e.name)).ok())
            .map_or(0, |m| m.len());
        f.manifest = m;
        for g in gone {
            let _ = fs::remove_file(f.dir.join(g));
        }
        Ok(())
    }

    fn done(&self, r: Result<(), String>) {
        let mut s = lock(&self.inner.stats);
        match r {
            Ok(()) => {
                s.rewrites += 1;
                s.last_rewrite_ok = true;
                s.failures = 0;
            }
            Err(_) => {
                s.last_rewrite_ok = false;
                s.failures += 1;
            }
        }
        s.last_rewrite_secs = ((unix_ms().saturating_sub(s.started_ms)) / 1000) as i64;
        drop(s);
        if self.inner.one_off.swap(false, Ordering::AcqRel) {
            self.close();
        } else if lock(&self.inner.files).as_ref().is_some_and(|f| f.waiting) {
            // Turned on and still without a base: try again, as Redis
            // schedules a rewrite while it waits for one to switch on.
            self.schedule(true);
        }
        self.inner.rewriting.store(false, Ordering::Release);
    }

    fn failed(&self) {
        let mut s = lock(&self.inner.stats);
        s.last_rewrite_ok = false;
        s.failures += 1;
    }
}

/// A RESP base: a `#TS:` annotation when `ts` (`aof-timestamp-enabled`),
/// the function libraries as `FUNCTION LOAD` commands (as Redis's
/// `rewriteFunctions`), then every shard's commands, a `SELECT` before
/// each database's. The bytes written.
fn write_resp_base(
    out: &mut impl Write,
    ts: Option<u64>,
    functions: &[Vec<u8>],
    shots: &[Vec<DbChunk>],
) -> std::io::Result<u64> {
    let mut size = 0u64;
    if let Some(now) = ts {
        let line = format!("#TS:{now}\r\n");
        out.write_all(line.as_bytes())?;
        size += line.len() as u64;
    }
    for code in functions {
        let mut cmd = Vec::with_capacity(code.len() + 40);
        crate::base::resp::array(&mut cmd, 3);
        for a in [&b"FUNCTION"[..], b"LOAD", code] {
            crate::base::resp::bulk(&mut cmd, a);
        }
        out.write_all(&cmd)?;
        size += cmd.len() as u64;
    }
    for chunk in shots.iter().flatten() {
        let mut head = Vec::new();
        select(&mut head, chunk.db as u32);
        out.write_all(&head)?;
        out.write_all(&chunk.bytes)?;
        size += (head.len() + chunk.bytes.len()) as u64;
    }
    Ok(size)
}
