//! A shard's share of the append-only file before it reaches the file: the
//! commands its writes propagate, in RESP, with the `SELECT`s between them.
//!
//! A [`Fragment`] is a run of commands that knows the database its first
//! command runs in and the one its last left selected, so fragments from
//! different shards can be laid end to end in one file: the writer emits a
//! `SELECT` only where the file's selected database differs from the
//! fragment's first (see [`crate::aof::Aof`]).

use crate::base::resp;

/// Commands in RESP with their databases (see the module doc).
#[derive(Debug, Default)]
pub struct Fragment {
    /// The database the first command runs in.
    pub first_db: u32,
    /// The database selected after the last command (`None`: empty).
    pub last_db: Option<u32>,
    /// The commands (with `SELECT`s between those of different databases).
    pub bytes: Vec<u8>,
}

impl Fragment {
    /// True when it holds no command.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.last_db.is_none()
    }

    /// The buffer to append a command of database `db` to, after a
    /// `SELECT` when the previous command ran in another.
    #[inline]
    pub fn at(&mut self, db: u32) -> &mut Vec<u8> {
        match self.last_db {
            None => self.first_db = db,
            Some(d) if d != db => select(&mut self.bytes, db),
            Some(_) => {}
        }
        self.last_db = Some(db);
        &mut self.bytes
    }

    /// Appends the command `argv` run in database `db`.
    pub fn command<A: AsRef<[u8]>>(&mut self, db: u32, argv: &[A]) {
        let out = self.at(db);
        resp::array(out, argv.len());
        for a in argv {
            resp::bulk(out, a.as_ref());
        }
    }

    /// Appends every command of `other`, in order.
    pub fn append(&mut self, other: &Fragment) {
        if let Some(last) = other.last_db {
            self.at(other.first_db).extend_from_slice(&other.bytes);
            self.last_db = Some(last);
        }
    }

    /// Empties it, keeping its buffer unless a big command grew it past
    /// [`KEEP`]: that one is freed (as Redis frees a big AOF buffer once
    /// written), so a 32 MB value's command does not stay allocated in
    /// every shard that once propagated one.
    pub fn clear(&mut self) {
        if self.bytes.capacity() > KEEP {
            self.bytes = Vec::new();
        } else {
            self.bytes.clear();
        }
        self.last_db = None;
    }
}

/// The buffer a [`Fragment`] keeps across hand-overs: what a pipeline of
/// ordinary writes fills, without keeping a big value's command.
pub const KEEP: usize = 1 << 20;

/// Writes `SELECT db`.
pub fn select(out: &mut Vec<u8>, db: u32) {
    resp::array(out, 2);
    resp::bulk(out, b"SELECT");
    resp::bulk(out, db.to_string().as_bytes());
}

/// One shard's feed: what its writes propagate since the last hand-over to
/// the file, and, while a transaction's command runs, the capture that
/// travels back to the transaction's origin instead.
#[derive(Debug, Default)]
pub struct Feed {
    /// Propagating at all (the append-only file is on, as seen by this
    /// shard: set at the cut that turns it on, cleared when it is turned off).
    pub on: bool,
    /// Commands not yet handed to the file.
    pub main: Fragment,
    /// Commands captured for a transaction (`EXEC`) being assembled.
    pub capture: Option<Fragment>,
    /// The rewrite generation whose incremental file this shard writes to
    /// (see [`crate::aof::Aof::cut`]).
    pub generation: u64,
    /// The file offset (all files of the generation counted) after this
    /// shard's last hand-over: what an fsync must cover before its replies go.
    pub written: u64,
    /// The memory it keeps between hand-overs, as last counted in the
    /// file's buffer ([`crate::aof::Aof::note_buffer`]; 0 while the file
    /// is closed).
    pub noted: u64,
}

impl Feed {
    /// The memory its buffers keep.
    pub fn memory(&self) -> u64 {
        let capture = self.capture.as_ref().map_or(0, |c| c.bytes.capacity());
        (self.main.bytes.capacity() + capture) as u64
    }
}

impl Feed {
    /// Where the next propagated command goes: the capture when one is
    /// open, else the main fragment.
    #[inline]
    pub fn out(&mut self) -> &mut Fragment {
        match self.capture.as_mut() {
            Some(c) => c,
            None => &mut self.main,
        }
    }

    /// Starts capturing (the commands of one step of a transaction).
    pub fn start_capture(&mut self) {
        self.capture = Some(Fragment::default());
    }

    /// Ends the capture and returns what it holds.
    pub fn end_capture(&mut self) -> Fragment {
        self.capture.take().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests;
