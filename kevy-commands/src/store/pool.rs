//! The eviction pool (Redis's `EVPOOL_SIZE` entries of `evictionPoolEntry`):
//! the best candidates seen by the sampling so far, kept across calls,
//! ordered by ascending score so the best victim is the last one.
//!
//! Sampling a few keys per call and keeping the best candidates of past
//! samples approximates true LRU (or LFU, or soonest-expiry) closely at a
//! small, bounded cost; see Redis's `evictionPoolPopulate`.

/// Candidates kept (Redis's `EVPOOL_SIZE`).
pub const SIZE: usize = 16;

/// One candidate: its score (higher evicts first), database and key.
#[derive(Debug)]
pub struct Entry {
    /// Idle time (LRU), `255 - frequency` (LFU) or `u64::MAX - deadline`
    /// (volatile-ttl).
    pub score: u64,
    /// The database index.
    pub db: usize,
    /// The key (its buffer is reused by later candidates).
    pub key: Vec<u8>,
}

/// The pool: at most [`SIZE`] entries, sorted by ascending score.
#[derive(Debug, Default)]
pub struct Pool {
    entries: Vec<Entry>,
    /// Key buffers of dropped entries, for reuse.
    spare: Vec<Vec<u8>>,
}

impl Pool {
    /// Offers candidate `key` of database `db` with `score`: it enters when
    /// the pool has room or it beats the worst entry (which then leaves).
    pub fn offer(&mut self, score: u64, db: usize, key: &[u8]) {
        // First entry whose score is not below the candidate's.
        let k = self.entries.partition_point(|e| e.score < score);
        if self.entries.len() == SIZE {
            if k == 0 {
                return;
            }
            // Drop the worst (lowest score) to make room at k - 1.
            let worst = self.entries.remove(0);
            self.spare.push(worst.key);
            self.insert(k - 1, score, db, key);
        } else {
            self.insert(k, score, db, key);
        }
    }

    fn insert(&mut self, at: usize, score: u64, db: usize, key: &[u8]) {
        let mut buf = self.spare.pop().unwrap_or_default();
        buf.clear();
        buf.extend_from_slice(key);
        self.entries.insert(
            at,
            Entry {
                score,
                db,
                key: buf,
            },
        );
    }

    /// Takes the best candidate out (the highest score). Hand its key back
    /// with [`Pool::recycle`] once done.
    pub fn pop(&mut self) -> Option<Entry> {
        self.entries.pop()
    }

    /// Keeps a popped entry's buffer for later candidates.
    pub fn recycle(&mut self, e: Entry) {
        if self.spare.len() < SIZE {
            self.spare.push(e.key);
        }
    }

    /// Number of candidates held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no candidate is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Forgets every candidate (FLUSHALL, a policy change).
    pub fn clear(&mut self) {
        while let Some(e) = self.entries.pop() {
            self.recycle(e);
        }
    }
}
