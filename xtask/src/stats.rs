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

/// One measured run: operations, wall seconds, server CPU seconds.
#[derive(Clone, Copy, Debug)]
pub struct Run {
    /// Requests completed.
    pub ops: u64,
    /// Wall time of the client run.
    pub secs: f64,
    /// Server CPU (user + system) over the run.
    pub cpu: f64,
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
}

/// Medians over several rounds of one server on one workload.
#[derive(Clone, Copy, Debug, Default)]
pub struct Summary {
    /// Median requests per second.
    pub rps: f64,
    /// Median server CPU microseconds per request.
    pub cpu_us: f64,
}

/// Summarises runs by their medians.
pub fn summarize(runs: &[Run]) -> Summary {
    Summary {
        rps: median(&runs.iter().map(Run::rps).collect::<Vec<_>>()),
        cpu_us: median(&runs.iter().map(Run::cpu_us_per_op).collect::<Vec<_>>()),
    }
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
        };
        assert_eq!(r.rps(), 2000.0);
        assert!((r.cpu_us_per_op() - 1.0).abs() < 1e-9);
    }
}
