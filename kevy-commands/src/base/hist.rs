//! A latency histogram with HdrHistogram's bucket layout at two significant
//! figures (the one Redis 7.0 uses for `latencystats` and `LATENCY
//! HISTOGRAM`): values in nanoseconds from 1 ns to 1 s, 128 linear
//! sub-buckets per power of two, so percentiles read back as Redis prints
//! them (`p50=9.023`).
//!
//! The counters are kept per power of two (a segment of 128), each
//! allocated when a value first lands in it: a command's latencies span a
//! few powers of two, so its histogram holds ~1-3 KB instead of all 25 KB
//! (Redis's HdrHistogram allocates every counter; kevy keeps one histogram
//! per command per shard, and `used_memory` counts them).

/// Sub-buckets per bucket (HdrHistogram's `sub_bucket_count` for 2
/// significant figures).
const SUB: u64 = 256;
const HALF: usize = (SUB / 2) as usize;
/// log2 of [`SUB`].
const SUB_BITS: u32 = 8;
/// The largest value kept (Redis's `LATENCY_HISTOGRAM_MAX_VALUE`, 1 s).
pub const MAX_NS: u64 = 1_000_000_000;
/// Buckets needed to reach [`MAX_NS`].
const BUCKETS: usize = (64 - MAX_NS.leading_zeros() - SUB_BITS + 1) as usize + 1;
/// Number of counters.
const LEN: usize = (BUCKETS + 1) * HALF;
/// Segments of [`HALF`] counters.
const SEGS: usize = BUCKETS + 1;

/// One segment's counters.
type Seg = Box<[u64; HALF]>;

/// Counts of latencies, in HdrHistogram's layout (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Histogram {
    /// Counter `i` lives in segment `i / HALF` (none: all zero).
    segs: [Option<Seg>; SEGS],
    total: u64,
}

impl Default for Histogram {
    fn default() -> Histogram {
        Histogram::new()
    }
}

/// The counter index of `v` (≥ 1).
#[inline]
fn index_of(v: u64) -> usize {
    let bucket = (63 - (v | (SUB - 1)).leading_zeros()) - (SUB_BITS - 1);
    let sub = (v >> bucket) as usize;
    (bucket as usize + 1) * HALF + sub - HALF
}

/// The lowest value counted at `idx`, and the width of its range.
fn range_of(idx: usize) -> (u64, u64) {
    if idx < SUB as usize {
        return (idx as u64, 1);
    }
    let bucket = (idx / HALF - 1) as u32;
    let sub = (idx - bucket as usize * HALF) as u64;
    (sub << bucket, 1 << bucket)
}

impl Histogram {
    /// An empty histogram.
    pub fn new() -> Histogram {
        Histogram {
            segs: [const { None }; SEGS],
            total: 0,
        }
    }

    /// Counts one latency of `ns` nanoseconds (clamped to 1 ns ..= 1 s).
    #[inline]
    pub fn record(&mut self, ns: u64) {
        self.add(index_of(ns.clamp(1, MAX_NS)), 1);
    }

    /// Adds `n` to counter `i` (none past [`LEN`]).
    #[inline]
    fn add(&mut self, i: usize, n: u64) {
        if let Some(seg) = self.segs.get_mut(i / HALF) {
            seg.get_or_insert_with(|| Box::new([0; HALF]))[i % HALF] += n;
            self.total += n;
        }
    }

    /// Every counter in order, as `(index, count)`, zeros included.
    fn counts(&self) -> impl Iterator<Item = (usize, u64)> + '_ {
        self.segs.iter().enumerate().flat_map(|(s, seg)| {
            (0..HALF).map(move |k| (s * HALF + k, seg.as_ref().map_or(0, |c| c[k])))
        })
    }

    /// Values counted.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Adds `other`'s counts to this one's.
    pub fn merge(&mut self, other: &Histogram) {
        for (mine, theirs) in self.segs.iter_mut().zip(other.segs.iter()) {
            let Some(theirs) = theirs else { continue };
            let mine = mine.get_or_insert_with(|| Box::new([0; HALF]));
            for (a, b) in mine.iter_mut().zip(theirs.iter()) {
                *a += b;
            }
        }
        self.total += other.total;
    }

    /// The value at percentile `p` (0–100) as HdrHistogram reports it: the
    /// highest value equivalent to the one reached; 0 when empty.
    pub fn percentile(&self, p: f64) -> u64 {
        if self.total == 0 {
            return 0;
        }
        let p = p.clamp(0.0, 100.0);
        let want = ((p / 100.0 * self.total as f64) + 0.5) as u64;
        let want = want.max(1);
        let mut seen = 0;
        for (i, c) in self.counts() {
            seen += c;
            if seen >= want {
                let (low, width) = range_of(i);
                return if p == 0.0 { low } else { low + width - 1 };
            }
        }
        MAX_NS
    }

    /// Cumulative counts at power-of-two boundaries from 1 µs, as `LATENCY
    /// HISTOGRAM` lists them: `(upper bound in µs, values at or below it)`,
    /// one pair per boundary where the count grew.
    pub fn cumulative_usec(&self) -> Vec<(u64, u64)> {
        let mut out = Vec::new();
        if self.total == 0 {
            return out;
        }
        let (mut level, mut seen, mut prev) = (1024u64, 0u64, 0u64);
        let mut counts = self.counts().peekable();
        let mut idx = 0;
        while seen < self.total {
            // Everything whose range starts below the next level counts here.
            while let Some((i, c)) = counts.next_if(|&(i, _)| range_of(i).0 < level) {
                seen += c;
                idx = i + 1;
            }
            if seen > prev {
                let (low, width) = range_of(index_of(level.min(MAX_NS)));
                out.push(((low + width - 1) / 1000, seen));
                prev = seen;
            }
            if idx >= LEN {
                break;
            }
            level *= 2;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_read_back_like_redis() {
        // Values redis-server 7.0.15 printed for single calls.
        for (ns, usec) in [(9_000, "9.023"), (276_000, "276.479"), (3_000, "3.007")] {
            let mut h = Histogram::new();
            h.record(ns);
            let v = h.percentile(50.0);
            assert_eq!(format!("{:.3}", v as f64 / 1000.0), usec);
        }
    }

    #[test]
    fn indexes_cover_the_range_without_gaps() {
        let mut last = 0;
        for v in [
            1u64,
            2,
            127,
            128,
            255,
            256,
            257,
            1000,
            65_535,
            1 << 20,
            MAX_NS,
        ] {
            let i = index_of(v);
            assert!(i >= last && i < LEN, "{v}: {i}");
            let (low, width) = range_of(i);
            assert!(low <= v && v < low + width, "{v} in [{low}, +{width})");
            last = i;
        }
    }

    #[test]
    fn merge_and_cumulative_counts() {
        let (mut a, mut b) = (Histogram::new(), Histogram::new());
        for _ in 0..3 {
            a.record(500);
        }
        b.record(5_000_000);
        b.record(u64::MAX);
        a.merge(&b);
        assert_eq!(a.total(), 5);
        let c = a.cumulative_usec();
        assert_eq!(c.first(), Some(&(1, 3)));
        assert_eq!(c.last().map(|x| x.1), Some(5));
        assert!(a.percentile(99.9) >= MAX_NS - MAX_NS / 128);
        assert_eq!(Histogram::new().percentile(50.0), 0);
    }

    /// Only the powers of two values landed in hold counters: latencies
    /// from 4.1 to 9 µs take two segments (2 KB), not the whole range.
    #[test]
    fn counters_exist_only_where_values_landed() {
        let mut h = Histogram::new();
        assert!(h.segs.iter().all(Option::is_none));
        for ns in [4_100, 5_000, 6_000, 8_000, 9_000] {
            h.record(ns);
        }
        assert_eq!(h.segs.iter().filter(|s| s.is_some()).count(), 2);
        assert_eq!(h.total(), 5);
        assert_eq!(h.percentile(100.0), 9_023);
        let mut m = Histogram::new();
        m.merge(&h);
        assert_eq!(m, h);
        assert_eq!(m.cumulative_usec(), h.cumulative_usec());
        assert_eq!(h.cumulative_usec(), vec![(8, 4), (16, 5)]);
    }
}
