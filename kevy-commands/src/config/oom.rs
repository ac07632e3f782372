//! `oom-score-adj` and `oom-score-adj-values`: the process's OOM score
//! (`/proc/self/oom_score_adj`) as Redis's `setOOMScoreAdj` sets it. While
//! enabled, the score is the value of the server's class (a primary's, or a
//! replica's while following one; kevy has no background child for the
//! third), added to the score the process had before it was first
//! adjusted (`yes` / `relative`) or as is (`absolute`), within
//! -1000..=1000; disabled again, that earlier score is put back.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use super::{value_in_set, ConfigTable, PARAMS};

const PROC: &str = "/proc/self/oom_score_adj";

/// What `CONFIG SET` answers when the score cannot be written.
const FAILED: &str = "Failed to set current oom_score_adj. Check server logs.";

/// The adjustment's state: the score before kevy first adjusted it (while
/// adjusted), and whether the server follows a primary.
#[derive(Debug, Default)]
pub(super) struct Oom {
    base: Mutex<Option<i64>>,
    replica: AtomicBool,
}

/// The score for `mode` and `values` (`a b c`: primary, replica, child),
/// `base` the score before adjusting.
fn score(mode: &str, values: &str, replica: bool, base: i64) -> i64 {
    let v: i64 = values
        .split_whitespace()
        .nth(usize::from(replica))
        .and_then(|w| w.parse().ok())
        .unwrap_or(0);
    let v = if mode == "absolute" { v } else { v + base };
    v.clamp(-1000, 1000)
}

impl Oom {
    /// Sets the score for `mode` and `values` (Redis's `setOOMScoreAdj`):
    /// nothing while disabled and never adjusted.
    fn set(&self, mode: &str, values: &str) -> Result<(), String> {
        let mut base = match self.base.lock() {
            Ok(b) => b,
            Err(p) => p.into_inner(),
        };
        let val = if mode != "no" {
            let b = match *base {
                Some(b) => b,
                None => {
                    let text = std::fs::read_to_string(PROC).map_err(|_| FAILED.to_string())?;
                    let b = text.trim().parse().unwrap_or(0);
                    *base = Some(b);
                    b
                }
            };
            score(mode, values, self.replica.load(Ordering::Relaxed), b)
        } else if let Some(b) = base.take() {
            b
        } else {
            return Ok(());
        };
        std::fs::write(PROC, format!("{val}\n")).map_err(|_| FAILED.to_string())
    }
}

impl ConfigTable {
    /// Sets the OOM score when a `CONFIG SET` (positions `idx`, new values
    /// `new`, the others' values in `values`) changed either setting; a
    /// failure names the first of them.
    pub(super) fn oom_adjust(
        &self,
        idx: &[usize],
        new: &[String],
        values: &[String],
    ) -> Result<(), (usize, String)> {
        let at = |name: &str| idx.iter().position(|&i| PARAMS[i].name == name);
        let (mode_k, values_k) = (at("oom-score-adj"), at("oom-score-adj-values"));
        if mode_k.is_none() && values_k.is_none() {
            return Ok(());
        }
        let mode = value_in_set("oom-score-adj", idx, new, values);
        let vals = value_in_set("oom-score-adj-values", idx, new, values);
        self.oom
            .set(&mode, &vals)
            .map_err(|why| (mode_k.or(values_k).unwrap_or(0), why))
    }

    /// Sets the OOM score for the configured values (at start, and when
    /// the server starts or stops following a primary: `replica`).
    pub fn oom_refresh(&self, replica: bool) -> Result<(), String> {
        self.oom.replica.store(replica, Ordering::Relaxed);
        let mode = self.get("oom-score-adj").unwrap_or_default();
        let values = self.get("oom-score-adj-values").unwrap_or_default();
        self.oom.set(&mode, &values)
    }
}

#[cfg(test)]
mod tests {
    use super::score;

    #[test]
    fn scores_as_redis_computes_them() {
        assert_eq!(score("yes", "10 20 30", false, 5), 15);
        assert_eq!(score("yes", "10 20 30", true, 5), 25);
        assert_eq!(score("absolute", "10 20 30", true, 5), 20);
        assert_eq!(score("yes", "2000 0 0", false, 100), 1000);
        assert_eq!(score("absolute", "-2000 0 0", false, 0), -1000);
    }
}
