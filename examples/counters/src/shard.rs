//! One shard's counters: a map from name to value, touched only by its thread.

use std::collections::HashMap;

/// The counters a shard owns.
#[derive(Debug, Default)]
pub struct Shard {
    id: usize,
    counters: HashMap<Vec<u8>, i64>,
}

impl Shard {
    /// Shard `id`, with no counters.
    pub fn new(id: usize) -> Shard {
        Shard {
            id,
            counters: HashMap::new(),
        }
    }

    /// This shard's index.
    pub fn id(&self) -> usize {
        self.id
    }

    /// Adds `by` to `name` (created at 0); `None` on overflow, leaving it as it was.
    pub fn incr(&mut self, name: &[u8], by: i64) -> Option<i64> {
        match self.counters.get_mut(name) {
            Some(v) => {
                *v = v.checked_add(by)?;
                Some(*v)
            }
            None => {
                self.counters.insert(name.to_vec(), by);
                Some(by)
            }
        }
    }

    /// The value of `name`, if it exists.
    pub fn get(&self, name: &[u8]) -> Option<i64> {
        self.counters.get(name).copied()
    }

    /// Removes `name`, returning the value it had (0 if none).
    pub fn reset(&mut self, name: &[u8]) -> i64 {
        self.counters.remove(name).unwrap_or(0)
    }

    /// The counters whose names start with `prefix`.
    pub fn matching<'a>(&'a self, prefix: &'a [u8]) -> impl Iterator<Item = (&'a [u8], i64)> + 'a {
        self.counters
            .iter()
            .filter(move |(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (&k[..], *v))
    }

    /// The `n` highest counters starting with `prefix`, highest first (ties by
    /// name), as owned pairs ready to travel back to the gathering shard.
    pub fn top(&self, n: usize, prefix: &[u8]) -> Vec<(Vec<u8>, i64)> {
        let mut all: Vec<(&[u8], i64)> = self.matching(prefix).collect();
        all.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        all.truncate(n);
        all.into_iter().map(|(k, v)| (k.to_vec(), v)).collect()
    }
}
