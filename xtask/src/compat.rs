//! `cargo xtask compat`: the differential suite — the same command sequences
//! sent to kevy and to a real redis-server 7.0, replies compared byte for
//! byte — then a summary per family.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use crate::tools::{cargo, ensure_redis, root};

pub fn run(extra: &[String]) -> Result<(), String> {
    ensure_redis()?;
    let mut child = cargo()
        .current_dir(root())
        .args([
            "test",
            "-p",
            "kevy-server",
            "--test",
            "it",
            "differential",
            "--",
            "--nocapture",
        ])
        .args(extra)
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run cargo test: {e}"))?;
    let mut passed = Vec::new();
    let mut failed = Vec::new();
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            println!("{line}");
            if let Some(rest) = line.strip_prefix("test ") {
                if let Some(name) = rest.strip_suffix(" ... ok") {
                    passed.push(name.to_string());
                } else if let Some(name) = rest.strip_suffix(" ... FAILED") {
                    failed.push(name.to_string());
                }
            }
        }
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    println!("\ncompat: differential tests against redis-server 7.0");
    for name in &passed {
        println!("  pass  {name}");
    }
    for name in &failed {
        println!("  FAIL  {name}");
    }
    println!("{} passed, {} failed", passed.len(), failed.len());
    if status.success() && failed.is_empty() {
        Ok(())
    } else {
        Err("differences from redis-server (see above)".into())
    }
}
