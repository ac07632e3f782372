//! Per-shard command statistics (`INFO commandstats`, `errorstats`,
//! `latencystats`): plain counters indexed by command, touched only by their
//! shard's thread and summed over shards when `INFO` asks.
//!
//! A command's counter index is given by the command table
//! ([`Accountable::stat_id`](super::Accountable::stat_id)).

use crate::base::hist::Histogram;

/// One command's counters on one shard.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CmdStat {
    /// Times it ran.
    pub calls: u64,
    /// Total run time in nanoseconds.
    pub ns: u64,
    /// Times it was refused before running (wrong arity…).
    pub rejected: u64,
    /// Times it ran and replied an error.
    pub failed: u64,
    /// Its latencies (with `latency-tracking yes`), made on first use.
    pub hist: Option<Box<Histogram>>,
}

impl CmdStat {
    /// Adds another shard's counters.
    pub fn merge(&mut self, o: &CmdStat) {
        self.calls += o.calls;
        self.ns += o.ns;
        self.rejected += o.rejected;
        self.failed += o.failed;
        if let Some(h) = &o.hist {
            self.hist.get_or_insert_with(Default::default).merge(h);
        }
    }

    /// True when nothing was counted.
    pub fn is_empty(&self) -> bool {
        self.calls == 0 && self.rejected == 0 && self.failed == 0
    }
}

/// Most distinct error codes tracked (Redis's `ERROR_STATS_NUMBER`); past
/// that, new codes are not tracked until `CONFIG RESETSTAT`.
pub const MAX_ERROR_CODES: usize = 128;

/// A shard's command and error counters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// By counter index; grown on first use.
    pub cmds: Vec<CmdStat>,
    /// Error replies by code (`ERR`, `WRONGTYPE`…), in first-seen order.
    pub errors: Vec<(Box<[u8]>, u64)>,
}

impl Stats {
    /// Makes the counters of every command up to `ids` at once (at the
    /// shard's start), so that a command's first call on the shard
    /// allocates nothing: `used_memory` does not grow by a few KB the first
    /// time a client sends a new command (Redis's counters live in its
    /// command table from the start).
    pub fn make_all(&mut self, ids: usize) {
        if self.cmds.len() < ids {
            self.cmds.resize_with(ids, Default::default);
        }
    }

    /// The counters of command `id`.
    #[inline]
    pub fn cmd(&mut self, id: usize) -> &mut CmdStat {
        if id >= self.cmds.len() {
            self.cmds.resize_with(id + 1, Default::default);
        }
        &mut self.cmds[id]
    }

    /// Counts an error reply (`reply` starts with `-`) under its code.
    pub fn error(&mut self, reply: &[u8]) {
        let body = reply.get(1..).unwrap_or_default();
        let end = body
            .iter()
            .position(|&c| c == b' ' || c == b'\r')
            .unwrap_or(body.len());
        let code = &body[..end];
        if let Some((_, n)) = self.errors.iter_mut().find(|(c, _)| **c == *code) {
            *n += 1;
        } else if self.errors.len() < MAX_ERROR_CODES {
            self.errors.push((code.into(), 1));
        }
    }

    /// Error replies counted.
    pub fn error_total(&self) -> u64 {
        self.errors.iter().map(|(_, n)| n).sum()
    }

    /// Forgets everything (`CONFIG RESETSTAT`).
    pub fn reset(&mut self) {
        self.cmds.clear();
        self.errors.clear();
    }

    /// Adds another shard's counters.
    pub fn merge(&mut self, o: &Stats) {
        for (id, s) in o.cmds.iter().enumerate() {
            if !s.is_empty() {
                self.cmd(id).merge(s);
            }
        }
        for (code, n) in &o.errors {
            match self.errors.iter_mut().find(|(c, _)| c == code) {
                Some((_, m)) => *m += n,
                None => self.errors.push((code.clone(), *n)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_count_by_code() {
        let mut s = Stats::default();
        s.error(b"-ERR syntax error\r\n");
        s.error(b"-WRONGTYPE Operation\r\n");
        s.error(b"-ERR x\r\n");
        s.error(b"-NOCODE\r\n");
        let mut t = Stats::default();
        t.error(b"-ERR y\r\n");
        s.merge(&t);
        let codes: Vec<(&[u8], u64)> = s.errors.iter().map(|(c, n)| (&c[..], *n)).collect();
        assert_eq!(codes, [(&b"ERR"[..], 3), (b"WRONGTYPE", 1), (b"NOCODE", 1)]);
        assert_eq!(s.error_total(), 5);
    }

    #[test]
    fn counters_made_at_start_take_no_allocation_later() {
        let mut s = Stats::default();
        s.make_all(300);
        let (ptr, cap) = (s.cmds.as_ptr(), s.cmds.capacity());
        s.cmd(299).calls += 1;
        s.reset();
        s.cmd(123).calls += 1;
        assert_eq!((s.cmds.as_ptr(), s.cmds.capacity()), (ptr, cap));
        assert_eq!(s.cmds[123].calls, 1);
    }
}
