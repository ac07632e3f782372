//! The latency monitor (`LATENCY LATEST | HISTORY | RESET | DOCTOR |
//! GRAPH`): with `latency-monitor-threshold` above 0, each shard samples the
//! events (`command`, `fast-command`, `expire-cycle`) that took at least
//! that many milliseconds, one sample per event per second (the worst),
//! keeping the last 160 as Redis does. Shards' histories merge by second;
//! [`report`] writes DOCTOR's report and GRAPH's chart from the merge.

use std::collections::VecDeque;

pub mod report;

/// Samples kept per event (Redis's `LATENCY_TS_LEN`).
pub const HISTORY_LEN: usize = 160;

/// One second's worst latency of an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    /// Unix time in seconds.
    pub time: i64,
    /// Latency in milliseconds.
    pub ms: u64,
}

/// An event's samples (oldest first) and all-time maximum.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Series {
    /// The last samples, oldest first.
    pub samples: VecDeque<Sample>,
    /// The largest latency ever sampled.
    pub max: u64,
}

impl Series {
    /// Adds a sample, merging it into the last one when in the same second.
    pub fn add(&mut self, time: i64, ms: u64) {
        self.max = self.max.max(ms);
        if let Some(last) = self.samples.back_mut() {
            if last.time == time {
                last.ms = last.ms.max(ms);
                return;
            }
        }
        self.samples.push_back(Sample { time, ms });
        while self.samples.len() > HISTORY_LEN {
            self.samples.pop_front();
        }
    }

    /// Merges another shard's series of the same event.
    pub fn merge(&mut self, other: &Series) {
        self.max = self.max.max(other.max);
        let mut all: Vec<Sample> = self
            .samples
            .iter()
            .chain(other.samples.iter())
            .copied()
            .collect();
        all.sort_by_key(|s| s.time);
        let mut merged: VecDeque<Sample> = VecDeque::with_capacity(all.len());
        for s in all {
            match merged.back_mut() {
                Some(last) if last.time == s.time => last.ms = last.ms.max(s.ms),
                _ => merged.push_back(s),
            }
        }
        while merged.len() > HISTORY_LEN {
            merged.pop_front();
        }
        self.samples = merged;
    }
}

/// One shard's events, by name.
#[derive(Debug, Default)]
pub struct Monitor {
    events: Vec<(&'static str, Series)>,
}

impl Monitor {
    /// Records `ms` for `event` at unix second `time`.
    pub fn add(&mut self, event: &'static str, time: i64, ms: u64) {
        match self.events.iter_mut().find(|(n, _)| *n == event) {
            Some((_, s)) => s.add(time, ms),
            None => {
                let mut s = Series::default();
                s.add(time, ms);
                self.events.push((event, s));
            }
        }
    }

    /// A copy of every event's series.
    pub fn snapshot(&self) -> Vec<(&'static str, Series)> {
        self.events.clone()
    }

    /// Drops the events named, case-insensitively as Redis's `strcasecmp`
    /// (all when `names` is empty); returns the names dropped.
    pub fn reset(&mut self, names: &[Vec<u8>]) -> Vec<&'static str> {
        let mut dropped = Vec::new();
        self.events.retain(|(n, _)| {
            let hit = names.is_empty()
                || names
                    .iter()
                    .any(|x| crate::base::error::cstr(x).eq_ignore_ascii_case(n.as_bytes()));
            if hit {
                dropped.push(*n);
            }
            !hit
        });
        dropped
    }
}

/// Merges shards' snapshots, event by event (in first-seen order).
pub fn merge(snaps: Vec<Vec<(&'static str, Series)>>) -> Vec<(&'static str, Series)> {
    let mut out: Vec<(&'static str, Series)> = Vec::new();
    for snap in snaps {
        for (name, s) in snap {
            match out.iter_mut().find(|(n, _)| *n == name) {
                Some((_, acc)) => acc.merge(&s),
                None => out.push((name, s)),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_sample_per_second_and_bounded_history() {
        let mut s = Series::default();
        s.add(10, 5);
        s.add(10, 7);
        s.add(10, 3);
        s.add(11, 1);
        assert_eq!(s.samples.len(), 2);
        assert_eq!(s.samples[0], Sample { time: 10, ms: 7 });
        assert_eq!(s.max, 7);
        for t in 0..300 {
            s.add(100 + t, 1);
        }
        assert_eq!(s.samples.len(), HISTORY_LEN);
        assert_eq!(s.samples.back().map(|x| x.time), Some(399));
    }

    #[test]
    fn shards_merge_by_second() {
        let (mut a, mut b) = (Monitor::default(), Monitor::default());
        a.add("command", 5, 10);
        a.add("command", 7, 1);
        b.add("command", 5, 20);
        b.add("command", 6, 2);
        b.add("fast-command", 6, 2);
        let m = merge(vec![a.snapshot(), b.snapshot()]);
        assert_eq!(m.len(), 2);
        let cmd = &m[0].1;
        let times: Vec<(i64, u64)> = cmd.samples.iter().map(|s| (s.time, s.ms)).collect();
        assert_eq!(times, [(5, 20), (6, 2), (7, 1)]);
        assert_eq!(cmd.max, 20);
        assert_eq!(a.reset(&[b"COMMAND".to_vec()]), ["command"]);
        assert!(a.snapshot().is_empty());
    }
}
