//! The kevy-vs-redis results with several kevy servers (a reactor each, and
//! possibly several binaries): one line per server per command and depth,
//! each kevy line with its throughput and CPU per request over redis-server's
//! in the same rounds, system calls and context switches per request, and
//! latency percentiles.

use super::Row;
use crate::stats::Summary;

/// The results of one command at one depth: a summary per server, in the
/// order of [`Versus::servers`] (None where the server skipped it).
#[derive(Clone, Debug)]
pub struct Cell {
    /// The redis-benchmark test.
    pub test: String,
    /// Pipeline depth.
    pub depth: usize,
    /// Per server.
    pub results: Vec<Option<Summary>>,
}

/// Every server's results; the reference server (redis-server) is the last.
#[derive(Clone, Debug)]
pub struct Versus {
    /// Server labels (`kevy epoll`, `before uring`, …, `redis`).
    pub servers: Vec<String>,
    /// Results, command by command within each depth.
    pub cells: Vec<Cell>,
}

fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 && a.is_finite() {
        format!("{:.2}", a / b)
    } else {
        "n/a".into()
    }
}

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map_or("n/a".into(), |v| format!("{v:.digits$}"))
}

impl Versus {
    /// The reference server's index.
    fn reference(&self) -> usize {
        self.servers.len() - 1
    }

    /// The Markdown table: per command and depth, a line per server.
    pub fn table(&self) -> String {
        let reference = &self.servers[self.reference()];
        let mut t = format!(
            "| command | pipeline | server | req/s | ÷ {reference} | CPU µs/req | ÷ {reference} | syscalls/req | ctx switches/req | p50 ms | p99 ms | p99.9 ms |\n\
             | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n"
        );
        for c in &self.cells {
            let base = c.results[self.reference()];
            for (server, s) in self.servers.iter().zip(&c.results) {
                let Some(s) = s else {
                    t += &format!(
                        "| {} | {} | {server} | n/a (not implemented) | | | | | | | | |\n",
                        c.test, c.depth
                    );
                    continue;
                };
                let (rps_r, cpu_r) = match base {
                    Some(b) => (ratio(s.rps, b.rps), ratio(s.cpu_us, b.cpu_us)),
                    None => ("n/a".into(), "n/a".into()),
                };
                let lat = |f: fn(&crate::stats::Latency) -> f64| opt(s.lat.as_ref().map(f), 3);
                t += &format!(
                    "| {} | {} | {server} | {:.0} | {rps_r} | {:.2} | {cpu_r} | {} | {} | {} | {} | {} |\n",
                    c.test,
                    c.depth,
                    s.rps,
                    s.cpu_us,
                    opt(s.syscalls, 3),
                    opt(s.cswitches, 3),
                    lat(|l| l.p50),
                    lat(|l| l.p99),
                    lat(|l| l.p999),
                );
            }
        }
        t
    }

    /// Server `i` against the reference as ratio rows (for the chart).
    pub fn rows(&self, i: usize) -> Vec<Row> {
        self.cells
            .iter()
            .filter_map(|c| {
                Some(Row {
                    test: c.test.clone(),
                    depth: c.depth,
                    kevy: c.results[i],
                    other: c.results[self.reference()]?,
                })
            })
            .collect()
    }

    /// The kevy servers' indices.
    pub fn kevys(&self) -> std::ops::Range<usize> {
        0..self.reference()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Latency;

    fn summary(rps: f64, cpu_us: f64, counted: bool) -> Summary {
        Summary {
            rps,
            cpu_us,
            lat: Some(Latency {
                p50: 0.5,
                p99: 1.25,
                p999: 2.0,
            }),
            syscalls: counted.then_some(2.125),
            cswitches: counted.then_some(0.5),
        }
    }

    fn sample() -> Versus {
        Versus {
            servers: vec!["kevy epoll".into(), "kevy uring".into(), "redis".into()],
            cells: vec![
                Cell {
                    test: "get".into(),
                    depth: 1,
                    results: vec![
                        Some(summary(60000.0, 9.0, true)),
                        Some(summary(50000.0, 12.0, false)),
                        Some(summary(50000.0, 10.0, true)),
                    ],
                },
                Cell {
                    test: "mget".into(),
                    depth: 16,
                    results: vec![None, Some(summary(1000.0, 20.0, true)), None],
                },
            ],
        }
    }

    #[test]
    fn the_table_has_a_line_per_server_with_ratios_to_the_reference() {
        let t = sample().table();
        let lines: Vec<&str> = t.lines().collect();
        assert!(lines[0].starts_with("| command | pipeline | server | req/s | ÷ redis |"));
        assert_eq!(lines.len(), 2 + 6);
        assert_eq!(
            lines[2],
            "| get | 1 | kevy epoll | 60000 | 1.20 | 9.00 | 0.90 | 2.125 | 0.500 | 0.500 | 1.250 | 2.000 |"
        );
        assert_eq!(
            lines[3],
            "| get | 1 | kevy uring | 50000 | 1.00 | 12.00 | 1.20 | n/a | n/a | 0.500 | 1.250 | 2.000 |"
        );
        assert!(lines[4].starts_with("| get | 1 | redis | 50000 | 1.00 | 10.00 | 1.00 |"));
        assert_eq!(
            lines[5],
            "| mget | 16 | kevy epoll | n/a (not implemented) | | | | | | | | |"
        );
        // Without the reference's figures, no ratios.
        assert!(lines[6].starts_with("| mget | 16 | kevy uring | 1000 | n/a | 20.00 | n/a |"));
        // Every line has the header's number of columns.
        let columns = |l: &str| l.matches('|').count();
        assert!(lines.iter().all(|l| columns(l) == columns(lines[0])));
    }

    #[test]
    fn chart_rows_pair_each_kevy_with_the_reference() {
        let v = sample();
        assert_eq!(v.kevys(), 0..2);
        let rows = v.rows(0);
        // mget has no reference figures: left out.
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].rps_ratio(), Some(1.2));
        assert_eq!(rows[0].cpu_ratio(), Some(0.9));
    }
}
