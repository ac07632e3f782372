//! `LATENCY DOCTOR`'s report and `LATENCY GRAPH`'s chart, written as Redis
//! 7.0's `latency.c` writes them (`createLatencyReport`,
//! `analyzeLatencyForEvent`, `latencyCommandGenSparkeline`), from the merged
//! series of every shard. Pure functions of the samples, the time and the
//! [`Setup`], so they are tested with fixed histories.
//!
//! Of Redis's per-event advice, kevy's events are `command`,
//! `fast-command` and `expire-cycle`; the disk, AOF and eviction events'
//! advice is kept so any such event reads as in Redis. `fork` (kevy never
//! forks) gets no fork-rate remark.

use super::Series;
use crate::base::sparkline::{Sequence, Style};

/// Columns of a `LATENCY GRAPH` block (`LATENCY_GRAPH_COLS`).
const GRAPH_COLS: usize = 80;

/// What the doctor's advice depends on besides the samples.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Setup {
    /// `latency-monitor-threshold`, in milliseconds (0: monitoring off).
    pub threshold_ms: u64,
    /// `slowlog-log-slower-than`, in microseconds (negative: slow log off).
    pub slowlog_slower_than: i64,
    /// `hz`.
    pub hz: i64,
    /// `appendfsync` is `always`.
    pub fsync_always: bool,
    /// The process has transparent huge pages (`AnonHugePages` > 0).
    pub huge_pages: bool,
}

/// An event's figures (Redis's `struct latencyStats`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Samples in the history.
    pub samples: u64,
    /// Their average, in ms (integer division).
    pub avg: u64,
    /// Smallest sample, in ms.
    pub min: u64,
    /// Largest sample, in ms.
    pub max: u64,
    /// Mean absolute deviation from `avg`, in ms.
    pub mad: u64,
    /// Seconds from the oldest sample to `now` (at least 1).
    pub period: i64,
}

/// Redis's `analyzeLatencyForEvent` at unix second `now`.
pub fn analyze(s: &Series, now: i64) -> Stats {
    let mut st = Stats::default();
    let n = s.samples.len() as u64;
    if n == 0 {
        return st;
    }
    let sum: u64 = s.samples.iter().map(|x| x.ms).sum();
    st.samples = n;
    st.avg = sum / n;
    st.min = s.samples.iter().map(|x| x.ms).min().unwrap_or(0);
    st.max = s.samples.iter().map(|x| x.ms).max().unwrap_or(0);
    let oldest = s.samples.iter().map(|x| x.time).min().unwrap_or(now);
    st.period = now - oldest;
    if st.period == 0 {
        st.period = 1;
    }
    let dev: u64 = s.samples.iter().map(|x| st.avg.abs_diff(x.ms)).sum();
    st.mad = dev / n;
    st
}

/// Which advice the report ends with, in the order Redis prints it.
#[derive(Default)]
struct Advice {
    slowlog_enabled: bool,
    slowlog_tuning: bool,
    slowlog_inspect: bool,
    scheduler: bool,
    local_disk: bool,
    ssd: bool,
    data_writeback: bool,
    disk_contention: bool,
    no_appendfsync: bool,
    relax_fsync_policy: bool,
    write_load_info: bool,
    hz: bool,
    large_objects: bool,
    mass_eviction: bool,
    disable_thp: bool,
    count: usize,
}

impl Advice {
    /// Notes what `event` calls for (the event-name checks of
    /// `createLatencyReport`, case-insensitive as Redis's `strcasecmp`).
    fn event(&mut self, event: &str, setup: &Setup) {
        let is = |names: &[&str]| names.iter().any(|n| event.eq_ignore_ascii_case(n));
        if is(&["command"]) {
            if setup.slowlog_slower_than < 0 {
                self.slowlog_enabled = true;
                self.count += 1;
            } else if setup.slowlog_slower_than / 1000 > setup.threshold_ms as i64 {
                self.slowlog_tuning = true;
                self.count += 1;
            }
            self.slowlog_inspect = true;
            self.large_objects = true;
            self.count += 2;
        }
        if is(&["fast-command"]) {
            self.scheduler = true;
            self.count += 1;
        }
        if is(&["aof-write-pending-fsync"]) {
            (self.local_disk, self.disk_contention, self.ssd) = (true, true, true);
            self.data_writeback = true;
            self.count += 4;
        }
        if is(&["aof-write-active-child"]) {
            (self.no_appendfsync, self.data_writeback, self.ssd) = (true, true, true);
            self.count += 3;
        }
        if is(&["aof-write-alone"]) {
            (self.local_disk, self.data_writeback, self.ssd) = (true, true, true);
            self.count += 3;
        }
        if is(&["aof-fsync-always"]) {
            self.relax_fsync_policy = true;
            self.count += 1;
        }
        if is(&["aof-fstat", "rdb-unlink-temp-file"]) {
            (self.disk_contention, self.local_disk) = (true, true);
            self.count += 2;
        }
        if is(&["aof-rewrite-diff-write", "aof-rename"]) {
            (self.write_load_info, self.data_writeback) = (true, true);
            (self.ssd, self.local_disk) = (true, true);
            self.count += 4;
        }
        if is(&["expire-cycle"]) {
            (self.hz, self.large_objects) = (true, true);
            self.count += 2;
        }
        if is(&["eviction-del"]) {
            self.large_objects = true;
            self.count += 1;
        }
        if is(&["eviction-cycle"]) {
            self.mass_eviction = true;
            self.count += 1;
        }
    }

    /// Appends the advice paragraphs.
    fn write(&self, r: &mut String, setup: &Setup) {
        let thr_us = setup.threshold_ms.saturating_mul(1000);
        let mut say = |on: bool, text: &str| {
            if on {
                r.push_str(text);
            }
        };
        say(self.slowlog_enabled, &format!("- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than {thr_us}'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n"));
        say(self.slowlog_tuning, &format!("- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than {thr_us}'.\n"));
        say(self.slowlog_inspect, "- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n");
        say(self.scheduler, "- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n  1) Lower the system load.\n  2) Use a computer / VM just for Redis if you are running other software in the same system.\n  3) Check if you have a \"noisy neighbour\" problem.\n  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n");
        say(self.local_disk, "- It is strongly advised to use local disks for persistence, especially if you are using AOF. Remote disks provided by platform-as-a-service providers are known to be slow.\n");
        say(self.ssd, "- SSD disks are able to reduce fsync latency, and total time needed for snapshotting and AOF log rewriting (resulting in smaller memory usage). With extremely high write load SSD disks can be a good option. However Redis should perform reasonably with high load using normal disks. Use this advice as a last resort.\n");
        say(self.data_writeback, "- Mounting ext3/4 filesystems with data=writeback can provide a performance boost compared to data=ordered, however this mode of operation provides less guarantees, and sometimes it can happen that after a hard crash the AOF file will have a half-written command at the end and will require to be repaired before Redis restarts.\n");
        say(self.disk_contention, "- Try to lower the disk contention. This is often caused by other disk intensive processes running in the same computer (including other Redis instances).\n");
        say(self.no_appendfsync, "- Assuming from the point of view of data safety this is viable in your environment, you could try to enable the 'no-appendfsync-on-rewrite' option, so that fsync will not be performed while there is a child rewriting the AOF file or producing an RDB file (the moment where there is high disk contention).\n");
        say(self.relax_fsync_policy && setup.fsync_always, "- Your fsync policy is set to 'always'. It is very hard to get good performances with such a setup, if possible try to relax the fsync policy to 'onesec'.\n");
        say(self.write_load_info, "- Latency during the AOF atomic rename operation or when the final difference is flushed to the AOF file at the end of the rewrite, sometimes is caused by very high write load, causing the AOF buffer to get very large. If possible try to send less commands to accomplish the same work, or use Lua scripts to group multiple operations into a single EVALSHA call.\n");
        say(self.hz && setup.hz < 100, "- In order to make the Redis keys expiring process more incremental, try to set the 'hz' configuration parameter to 100 using 'CONFIG SET hz 100'.\n");
        say(self.large_objects, "- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n");
        say(self.mass_eviction, "- Sudden changes to the 'maxmemory' setting via 'CONFIG SET', or allocation of large objects via sets or sorted sets intersections, STORE option of SORT, Redis Cluster large keys migrations (RESTORE command), may create sudden memory pressure forcing the server to block trying to evict keys. \n");
        say(self.disable_thp, "- I detected a non zero amount of anonymous huge pages used by your process. This creates very serious latency events in different conditions, especially when Redis is persisting on disk. To disable THP support use the command 'echo never > /sys/kernel/mm/transparent_hugepage/enabled', make sure to also add it into /etc/rc.local so that the command will be executed again after a reboot. Note that even if you have already disabled THP, you still need to restart the Redis process to get rid of the huge pages already created.\n");
    }
}

/// The `LATENCY DOCTOR` report (`createLatencyReport`) for `events` at
/// unix second `now`.
pub fn doctor(events: &[(&str, Series)], now: i64, setup: &Setup) -> String {
    if events.is_empty() && setup.threshold_ms == 0 {
        return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n".into();
    }
    let mut r = String::new();
    let mut advice = Advice::default();
    for (i, (event, series)) in events.iter().enumerate() {
        if i == 0 {
            r.push_str("Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n");
        }
        let st = analyze(series, now);
        // Redis divides by the sample count; an event always has one.
        let per = st.period as f64 / st.samples.max(1) as f64;
        r.push_str(&format!(
            "{}. {event}: {} latency spikes (average {}ms, mean deviation {}ms, period {per:.2} sec). Worst all time event {}ms.",
            i + 1,
            st.samples,
            st.avg,
            st.mad,
            series.max
        ));
        advice.event(event, setup);
        r.push('\n');
    }
    if setup.huge_pages {
        advice.disable_thp = true;
        advice.count += 1;
    }
    if events.is_empty() && advice.count == 0 {
        r.push_str("Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n");
    } else if !events.is_empty() && advice.count == 0 {
        r.push_str("\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n");
    } else {
        r.push_str("\nI have a few advices for you:\n\n");
        advice.write(&mut r, setup);
    }
    r
}

/// How long ago `elapsed` seconds reads on a graph's label: `12s`, `3m`,
/// `5h`, `2d`.
fn ago(elapsed: i64) -> String {
    match elapsed {
        e if e < 60 => format!("{e}s"),
        e if e < 3600 => format!("{}m", e / 60),
        e if e < 3600 * 24 => format!("{}h", e / 3600),
        e => format!("{}d", e / (3600 * 24)),
    }
}

/// The `LATENCY GRAPH` chart of `event` at unix second `now`
/// (`latencyCommandGenSparkeline`): a header with the history's high, low
/// and all-time high, a rule, and the sparkline labelled by age.
pub fn graph(event: &str, s: &Series, now: i64) -> Vec<u8> {
    let mut seq = Sequence::new();
    let (mut min, mut max) = (0, 0);
    for (i, x) in s.samples.iter().enumerate() {
        if i == 0 {
            (min, max) = (x.ms, x.ms);
        } else {
            (min, max) = (min.min(x.ms), max.max(x.ms));
        }
        seq.add(x.ms as f64, Some(&ago(now - x.time)));
    }
    let mut out = format!(
        "{event} - high {max} ms, low {min} ms (all time high {} ms)\n{}\n",
        s.max,
        "-".repeat(GRAPH_COLS)
    )
    .into_bytes();
    let style = Style {
        fill: true,
        log_scale: false,
    };
    seq.render(&mut out, GRAPH_COLS, 4, style);
    out
}

#[cfg(test)]
mod tests;
