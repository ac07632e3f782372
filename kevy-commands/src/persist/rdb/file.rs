//! A whole RDB file from the shards' encoded keys: the header, AUX fields,
//! each database's `SELECTDB` and `RESIZEDB` followed by every shard's
//! chunk of it, `EOF` and the CRC-64 (`rdbSaveRio`). The keys are encoded
//! by their shards ([`encode_dbs`]); this only frames and checksums them,
//! so it can run off the shards' threads.

use std::io::Write;

use super::chunk::{AccessData, DbChunk};
use super::crc64;
use super::write::{Meta, Writer};
use super::{opcodes, Options, RDB_VERSION};
use crate::store::db::Db;

/// What the AUX fields say, and the function libraries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileInfo {
    /// `ctime`: unix seconds.
    pub ctime: i64,
    /// `used-mem`.
    pub used_mem: u64,
    /// `aof-base`: the file is an AOF's preamble.
    pub aof_base: bool,
    /// The function libraries' code, one `FUNCTION2` entry each, after
    /// the AUX fields (`rdbSaveFunctions`).
    pub functions: Vec<Vec<u8>>,
}

/// Encodes every key of `dbs` (database `i` is `dbs[i]`), one chunk per
/// non-empty database; keys past their deadline but still held are
/// saved too ([`Db::for_each_to_save`]).
pub fn encode_dbs(dbs: &[Db], compress: bool, access: AccessData) -> Vec<DbChunk> {
    let mut out = Vec::new();
    for (i, db) in dbs.iter().enumerate() {
        if db.is_empty() {
            continue;
        }
        let mut w = Writer::new(compress);
        w.plain_from = db.enc().list_packed;
        let (mut keys, mut expires) = (0, 0);
        db.for_each_to_save(|key, value, expire, idle, freq| {
            keys += 1;
            expires += expire.is_some() as u64;
            let meta = Meta {
                expire,
                idle: (access == AccessData::Lru).then_some(idle),
                freq: (access == AccessData::Lfu).then_some(freq),
            };
            w.pair(key, value, meta);
        });
        if keys > 0 {
            out.push(DbChunk {
                db: i,
                keys,
                expires,
                bytes: w.out,
            });
        }
    }
    out
}

/// A writer that keeps the CRC-64 of what passes through.
struct Summed<W> {
    inner: W,
    crc: u64,
    sum: bool,
    written: u64,
}

impl<W: Write> Summed<W> {
    fn put(&mut self, b: &[u8]) -> std::io::Result<()> {
        if self.sum {
            self.crc = crc64::update(self.crc, b);
        }
        self.written += b.len() as u64;
        self.inner.write_all(b)
    }
}

/// Writes a whole RDB file to `out` from the shards' chunks (any order;
/// each database's chunks are gathered under one `SELECTDB`). Returns the
/// bytes written.
pub fn write_rdb<W: Write>(
    out: W,
    opts: Options,
    info: FileInfo,
    chunks: &[DbChunk],
) -> std::io::Result<u64> {
    let mut s = Summed {
        inner: out,
        crc: 0,
        sum: opts.checksum,
        written: 0,
    };
    let mut head = Writer::new(opts.compression);
    head.out
        .extend_from_slice(format!("REDIS{RDB_VERSION:04}").as_bytes());
    head.aux("redis-ver", crate::persist::state::REDIS_VERSION.as_bytes());
    head.aux("redis-bits", b"64");
    head.aux("ctime", info.ctime.to_string().as_bytes());
    head.aux("used-mem", info.used_mem.to_string().as_bytes());
    head.aux("aof-base", if info.aof_base { b"1" } else { b"0" });
    for code in &info.functions {
        head.byte(opcodes::FUNCTION2);
        head.string(code);
    }
    s.put(&head.out)?;
    let mut dbs: Vec<usize> = chunks.iter().map(|c| c.db).collect();
    dbs.sort_unstable();
    dbs.dedup();
    for db in dbs {
        let mine = || chunks.iter().filter(move |c| c.db == db);
        let keys: u64 = mine().map(|c| c.keys).sum();
        let expires: u64 = mine().map(|c| c.expires).sum();
        let mut w = Writer::new(false);
        w.byte(opcodes::SELECTDB);
        w.len(db as u64);
        w.byte(opcodes::RESIZEDB);
        w.len(keys);
        w.len(expires);
        s.put(&w.out)?;
        for c in mine() {
            s.put(&c.bytes)?;
        }
    }
    s.put(&[opcodes::EOF])?;
    let crc = s.crc;
    s.put(&crc.to_le_bytes())?;
    s.inner.flush()?;
    Ok(s.written)
}

/// Writes the file at `path` as Redis does: into a temporary file beside
/// it, flushed to disk, then renamed over `path`.
pub fn save_file(
    path: &std::path::Path,
    opts: Options,
    info: FileInfo,
    chunks: &[DbChunk],
) -> std::io::Result<u64> {
    let dir = path.parent().unwrap_or(std::path::Path::new("."));
    let tmp = dir.join(format!("temp-{}-{}.rdb", std::process::id(), unique()));
    let result = (|| {
        let f = AutoSync::new(std::fs::File::create(&tmp)?, opts.incremental_fsync);
        let mut bw = std::io::BufWriter::with_capacity(1 << 20, f);
        let n = write_rdb(&mut bw, opts, info, chunks)?;
        let f = bw.into_inner().map_err(|e| e.into_error())?.file;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        Ok(n)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Bytes written between two syncs of [`AutoSync`] (Redis's
/// `REDIS_AUTOSYNC_BYTES`).
const AUTOSYNC_BYTES: usize = 4 << 20;

/// A file that, when `on`, syncs its data every 4 MB
/// written (Redis's `rioSetAutoSync`): a big save reaches the disk as it
/// goes instead of all at the final sync.
#[derive(Debug)]
pub struct AutoSync {
    /// The file written.
    pub file: std::fs::File,
    on: bool,
    since: usize,
}

impl AutoSync {
    /// Wraps `file`; syncs as it goes only when `on`.
    pub fn new(file: std::fs::File, on: bool) -> AutoSync {
        AutoSync { file, on, since: 0 }
    }
}

impl std::io::Write for AutoSync {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        if self.on {
            self.since += n;
            if self.since >= AUTOSYNC_BYTES {
                self.since = 0;
                self.file.sync_data()?;
            }
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// A number no other save of this process used.
fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}
