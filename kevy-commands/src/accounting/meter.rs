//! Instantaneous rates (INFO's `instantaneous_ops_per_sec`,
//! `instantaneous_input_kbps`, `instantaneous_output_kbps`), as Redis's
//! `trackInstantaneousMetric`: every 100 ms a shard samples each counter's
//! rate since the previous sample into a ring of 16; a rate is the mean of
//! the ring. Shards' rates are summed at INFO time.

/// Samples kept per metric (Redis's `STATS_METRIC_SAMPLES`).
pub const SAMPLES: usize = 16;

/// Milliseconds between two samples.
pub const PERIOD_MS: i64 = 100;

/// The metrics: commands, bytes in, bytes out.
pub const METRICS: usize = 3;

/// A shard's sampled rates.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Meter {
    /// Unix time of the last sample, in ms (0: none yet).
    last_ms: i64,
    /// The counters at the last sample.
    last: [u64; METRICS],
    /// Per-second rates, a ring per metric.
    samples: [[f64; SAMPLES]; METRICS],
    /// The next slot of the rings.
    idx: usize,
}

impl Meter {
    /// Records `now` readings of the counters if a period has passed since
    /// the last sample.
    pub fn sample(&mut self, now_ms: i64, readings: [u64; METRICS]) {
        if self.last_ms == 0 {
            self.last_ms = now_ms;
            self.last = readings;
            return;
        }
        let t = now_ms - self.last_ms;
        if t < PERIOD_MS {
            return;
        }
        for (m, &r) in readings.iter().enumerate() {
            let delta = r.saturating_sub(self.last[m]);
            self.samples[m][self.idx] = delta as f64 * 1000.0 / t as f64;
        }
        self.idx = (self.idx + 1) % SAMPLES;
        self.last_ms = now_ms;
        self.last = readings;
    }

    /// The mean per-second rate of each metric.
    pub fn rates(&self) -> [f64; METRICS] {
        let mut r = [0.0; METRICS];
        for (m, ring) in self.samples.iter().enumerate() {
            r[m] = ring.iter().sum::<f64>() / SAMPLES as f64;
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_means_of_samples() {
        let mut m = Meter::default();
        m.sample(1000, [0, 0, 0]);
        m.sample(1050, [5, 5, 5]);
        assert_eq!(m.rates(), [0.0; 3], "under a period: no sample");
        m.sample(1100, [100, 2048, 0]);
        let r = m.rates();
        assert_eq!(r[0], 1000.0 / SAMPLES as f64);
        assert_eq!(r[1], 20480.0 / SAMPLES as f64);
        for i in 0..SAMPLES as i64 {
            m.sample(1200 + 100 * i, [100 + 10 * (i as u64 + 1), 2048, 0]);
        }
        assert_eq!(m.rates()[0], 100.0);
    }
}
