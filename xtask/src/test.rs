//! `cargo xtask test`: install what the tests need, then `cargo test --workspace`.

use std::process::Command;

use crate::run_cmd;

/// True when `prog` can be found on the PATH.
pub fn have(prog: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {prog} >/dev/null 2>&1")])
        .status()
        .is_ok_and(|s| s.success())
}

/// Installs redis-server and redis-tools from Debian's packages when missing.
pub fn ensure_redis() -> Result<(), String> {
    if have("redis-server") && have("redis-cli") && have("redis-benchmark") {
        return Ok(());
    }
    eprintln!(
        "xtask: redis-server/redis-cli missing; installing Debian's redis-server and redis-tools"
    );
    let sudo = if is_root() { "" } else { "sudo " };
    run_cmd(Command::new("sh").args([
        "-c",
        &format!(
            "{sudo}apt-get update -qq && DEBIAN_FRONTEND=noninteractive {sudo}apt-get install -y -qq redis-server redis-tools"
        ),
    ]))?;
    // Debian's package may start a service on 6379; tests use their own ports.
    Ok(())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0"))
}

pub fn run(extra: &[String]) -> Result<(), String> {
    ensure_redis()?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(["test", "--workspace"]);
    cmd.args(extra.iter().skip_while(|a| *a == "--"));
    run_cmd(&mut cmd)
}
