//! The criterion micro-benchmarks (`kevy-rt/benches/rt.rs`,
//! `kevy-commands/benches/dispatch.rs`), run and read back from criterion's
//! `estimates.json` files.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::Options;
use crate::run_cmd;
use crate::tools::{cargo, json_number};

/// Runs both bench targets and returns a Markdown table of their results.
pub fn run(o: &Options, root: &Path, target: &Path) -> Result<String, String> {
    let started = SystemTime::now();
    for (pkg, bench) in [("kevy-rt", "rt"), ("kevy-commands", "dispatch")] {
        let mut cmd = cargo();
        cmd.current_dir(root)
            .args(["bench", "-p", pkg, "--bench", bench, "--"]);
        if o.quick {
            cmd.args(["--warm-up-time", "1", "--measurement-time", "2"]);
        }
        run_cmd(&mut cmd)?;
    }
    let mut rows = Vec::new();
    collect(&target.join("criterion"), started, &mut rows);
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let mut t =
        String::from("| bench | time per iteration | per element |\n| --- | ---: | ---: |\n");
    for (name, ns, per) in rows {
        t += &format!(
            "| {name} | {} | {} |\n",
            human(ns),
            per.map_or("".into(), human)
        );
    }
    Ok(t)
}

/// `(group/bench, mean ns, mean ns per element)` of every benchmark measured
/// since `since`.
fn collect(dir: &Path, since: SystemTime, out: &mut Vec<(String, f64, Option<f64>)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        if !path.is_dir() {
            continue;
        }
        let estimates: PathBuf = path.join("new").join("estimates.json");
        let fresh = std::fs::metadata(&estimates)
            .and_then(|m| m.modified())
            .is_ok_and(|t| t >= since);
        if fresh {
            let est = std::fs::read_to_string(&estimates).unwrap_or_default();
            let bench = std::fs::read_to_string(path.join("new").join("benchmark.json"))
                .unwrap_or_default();
            let slope = est
                .find("\"slope\":{")
                .and_then(|at| json_number(&est[at..], "point_estimate"));
            let mean = est
                .find("\"mean\"")
                .and_then(|at| json_number(&est[at..], "point_estimate"));
            // criterion reports the slope when it has one (linear sampling).
            let Some(mean) = slope.or(mean) else {
                continue;
            };
            let id = crate::tools::json_string(&bench, "full_id")
                .unwrap_or_else(|| path.display().to_string());
            let elements = json_number(&bench, "Elements");
            out.push((id, mean, elements.filter(|&n| n > 1.0).map(|n| mean / n)));
        } else {
            collect(&path, since, out);
        }
    }
}

/// Nanoseconds in a readable unit.
fn human(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.1} ns")
    }
}
