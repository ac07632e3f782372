//! System calls and context switches of a server over one run, counted by
//! `perf stat -e raw_syscalls:sys_enter,context-switches -p PID` (software
//! events and a tracepoint: no hardware PMU needed). perf runs beside the
//! load and is stopped with SIGINT when the run ends; where perf is missing
//! or refused (no tracefs, paranoid settings) the counts are simply absent.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::stats::Counts;

/// The events counted (`parse` finds them by name, in any order).
const EVENTS: &str = "raw_syscalls:sys_enter,context-switches";

/// perf attaching to the server's threads takes a moment: counts start only
/// once it has, so the load waits this long after perf starts.
const ATTACH: Duration = Duration::from_millis(250);

/// A running `perf stat` on one process.
pub struct PerfStat {
    child: Child,
    out: PathBuf,
}

impl PerfStat {
    /// Starts counting process `pid`'s events; None when perf cannot run or
    /// exits at once (missing, or refused the events).
    pub fn start(pid: u32) -> Option<PerfStat> {
        let out =
            std::env::temp_dir().join(format!("xtask-bench-perf-{}-{pid}.csv", std::process::id()));
        let _ = std::fs::remove_file(&out);
        let mut child = Command::new("perf")
            .args([
                "stat",
                "-x",
                ",",
                "-e",
                EVENTS,
                "-p",
                &pid.to_string(),
                "-o",
            ])
            .arg(&out)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        std::thread::sleep(ATTACH);
        if !matches!(child.try_wait(), Ok(None)) {
            let _ = child.wait();
            return None;
        }
        Some(PerfStat { child, out })
    }

    /// Stops perf (SIGINT, so it prints its counts) and reads them.
    pub fn stop(mut self) -> Option<Counts> {
        let interrupted = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .is_ok_and(|s| s.success());
        if !interrupted {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
        let text = std::fs::read_to_string(&self.out).ok();
        let _ = std::fs::remove_file(&self.out);
        parse(&text?)
    }
}

impl Drop for PerfStat {
    fn drop(&mut self) {
        // After `stop` the child is reaped and these fail harmlessly.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads `perf stat -x,` output (`41865,,raw_syscalls:sys_enter,287638984,100.00,,`):
/// both events must be there with a count (not `<not counted>`/`<not supported>`).
pub fn parse(text: &str) -> Option<Counts> {
    let mut syscalls = None;
    let mut cswitches = None;
    for line in text.lines() {
        let mut fields = line.split(',');
        let (Some(value), Some(_unit), Some(event)) = (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let Ok(value) = value.trim().parse::<u64>() else {
            continue;
        };
        match event.trim() {
            "raw_syscalls:sys_enter" => syscalls = Some(value),
            "context-switches" | "cs" => cswitches = Some(value),
            _ => {}
        }
    }
    Some(Counts {
        syscalls: syscalls?,
        cswitches: cswitches?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perf_stat_csv_is_read_by_event_name() {
        let text = "# started on Thu Dec  3 23:55:05 2026\n\n\
            41865,,raw_syscalls:sys_enter,287638984,100.00,,\n\
            2803,,context-switches,287638984,100.00,,\n";
        assert_eq!(
            parse(text),
            Some(Counts {
                syscalls: 41865,
                cswitches: 2803
            })
        );
        let swapped = "7,,context-switches,1,100.00,,\n9,,raw_syscalls:sys_enter,1,100.00,,\n";
        assert_eq!(
            parse(swapped),
            Some(Counts {
                syscalls: 9,
                cswitches: 7
            })
        );
    }

    #[test]
    fn missing_or_uncounted_events_give_nothing() {
        assert_eq!(parse(""), None);
        assert_eq!(
            parse(
                "<not counted>,,raw_syscalls:sys_enter,0,0.00,,\n3,,context-switches,1,100.00,,\n"
            ),
            None
        );
        assert_eq!(parse("3,,context-switches,1,100.00,,\n"), None);
    }
}
