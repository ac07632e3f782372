//! Sample statistics for benchmark rounds.

/// The median of `v` (0 for none).
pub fn median(v: &[f64]) -> f64 {
    let mut s: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if s.is_empty() {
        return 0.0;
    }
    s.sort_by(|a, b| a.total_cmp(b));
    let m = s.len() / 2;
    if s.len() % 2 == 1 {
        s[m]
    } else {
        (s[m - 1] + s[m]) / 2.0
    }
}

/// Request latency percentiles of a run, in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Latency {
    /// Median.
    pub p50: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p999: f64,
}

impl Latency {
    /// Reads redis-benchmark's "Latency by percentile distribution" (lines
    /// `99.219% <= 4.935 milliseconds (cumulative count 19847)`): each
    /// percentile is the latency of the first line at or past it, an upper
    /// bound within the distribution's (HDR) resolution. None without such lines.
    pub fn parse_redis_benchmark(text: &str) -> Option<Latency> {
        let mut points: Vec<(f64, f64)> = Vec::new();
        let mut inside = false;
        for line in text.lines() {
            let line = line.trim();
            if line.starts_with("Latency by percentile distribution") {
                inside = true;
                continue;
            }
            if !inside {
                continue;
            }
            let Some((pct, rest)) = line.split_once("% <= ") else {
                if !points.is_empty() {
                    break;
                }
                continue;
            };
            let ms = rest.split_whitespace().next().and_then(|v| v.parse().ok());
            if let (Ok(pct), Some(ms)) = (pct.parse::<f64>(), ms) {
                points.push((pct, ms));
            }
        }
        let at = |q: f64| {
            points
                .iter()
                .find(|(pct, _)| *pct >= q)
                .or(points.last())
                .map(|p| p.1)
        };
        Some(Latency {
            p50: at(50.0)?,
            p99: at(99.0)?,
            p999: at(99.9)?,
        })
    }
}

/// Kernel event counts of a server over a run (`perf stat`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Counts {
    /// System calls entered (`raw_syscalls:sys_enter`).
    pub syscalls: u64,
    /// Context switches (`context-switches`).
    pub cswitches: u64,
}

/// One measured run: operations, wall seconds, server CPU seconds.
#[derive(Clone, Copy, Debug)]
pub struct Run {
    /// Requests completed.
    pub ops: u64,
    /// Wall time of the client run.
    pub secs: f64,
    /// Server CPU (user + system) over the run.
    pub cpu: f64,
    /// Latency percentiles, when the load generator reports them.
    pub lat: Option<Latency>,
    /// The server's system calls and context switches, when counted.
    pub counts: Option<Counts>,
}

impl Run {
    /// Throughput, requests per second.
    pub fn rps(&self) -> f64 {
        self.ops as f64 / self.secs
    }

    /// Server CPU per request, microseconds.
    pub fn cpu_us_per_op(&self) -> f64 {
        self.cpu * 1e6 / self.ops as f64
    }

    /// Server system calls per request, when counted.
    pub fn syscalls_per_op(&self) -> Option<f64> {
        self.counts.map(|c| c.syscalls as f64 / self.ops as f64)
    }

    /// Server context switches per request, when counted.
    pub fn cswitches_per_op(&self) -> Option<f64> {
        self.counts.map(|c| c.cswitches as f64 / self.ops as f64)
    }
}

/// Medians over several rounds of one server on one workload.
#[derive(Clone, Copy, Debug, Default)]
pub struct Summary {
    /// Median requests per second.
    pub rps: f64,
    /// Median server CPU microseconds per request.
    pub cpu_us: f64,
    /// Median of each latency percentile over the rounds that report it.
    pub lat: Option<Latency>,
    /// Median system calls per request over the rounds that counted them.
    pub syscalls: Option<f64>,
    /// Median context switches per request over the rounds that counted them.
    pub cswitches: Option<f64>,
}

/// Summarises runs by their medians.
pub fn summarize(runs: &[Run]) -> Summary {
    Summary {
        rps: median(&runs.iter().map(Run::rps).collect::<Vec<_>>()),
        cpu_us: median(&runs.iter().map(Run::cpu_us_per_op).collect::<Vec<_>>()),
        lat: {
            let lats: Vec<Latency> = runs.iter().filter_map(|r| r.lat).collect();
            let m = |f: fn(&Latency) -> f64| median(&lats.iter().map(f).collect::<Vec<_>>());
            (!lats.is_empty()).then(|| Latency {
                p50: m(|l| l.p50),
                p99: m(|l| l.p99),
                p999: m(|l| l.p999),
            })
        },
        syscalls: median_of(runs, Run::syscalls_per_op),
        cswitches: median_of(runs, Run::cswitches_per_op),
    }
}

/// The median of `f` over the runs where it is known (None if nowhere).
fn median_of(runs: &[Run], f: fn(&Run) -> Option<f64>) -> Option<f64> {
    let v: Vec<f64> = runs.iter().filter_map(f).collect();
    (!v.is_empty()).then(|| median(&v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median(&[]), 0.0);
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        let r = Run {
            ops: 1000,
            secs: 0.5,
            cpu: 0.001,
            lat: None,
            counts: None,
        };
        assert_eq!(r.rps(), 2000.0);
        assert!((r.cpu_us_per_op() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn redis_benchmark_latency() {
        let text = "====== GET ======\n  20000 requests completed in 0.75 seconds\n\n\
            Latency by percentile distribution:\n\
            0.000% <= 0.127 milliseconds (cumulative count 1)\n\
            50.000% <= 0.967 milliseconds (cumulative count 10005)\n\
            98.438% <= 3.631 milliseconds (cumulative count 19690)\n\
            99.219% <= 4.935 milliseconds (cumulative count 19847)\n\
            99.902% <= 21.039 milliseconds (cumulative count 19981)\n\
            100.000% <= 22.047 milliseconds (cumulative count 20000)\n\n\
            Cumulative distribution of latencies:\n\
            0.000% <= 0.103 milliseconds (cumulative count 0)\n";
        assert_eq!(
            Latency::parse_redis_benchmark(text),
            Some(Latency {
                p50: 0.967,
                p99: 4.935,
                p999: 21.039
            })
        );
        assert_eq!(
            Latency::parse_redis_benchmark("GET: 1.0 requests per second"),
            None
        );
        let runs = [1.0, 3.0, 2.0].map(|p50| Run {
            ops: 1,
            secs: 1.0,
            cpu: 0.0,
            lat: Some(Latency {
                p50,
                p99: p50 * 2.0,
                p999: p50 * 3.0,
            }),
            counts: (p50 > 1.5).then_some(Counts {
                syscalls: (p50 * 2.0) as u64,
                cswitches: 1,
            }),
        });
        let s = summarize(&runs);
        assert_eq!(s.lat.map(|l| l.p99), Some(4.0));
        // Only the rounds that counted (p50 2 and 3: 4 and 6 syscalls) count.
        assert_eq!(s.syscalls, Some(5.0));
        assert_eq!(s.cswitches, Some(1.0));
        assert_eq!(summarize(&runs[..1]).syscalls, None);
    }
}
