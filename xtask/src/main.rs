//! `cargo xtask <task>`: project chores as one Rust binary, one module per task.
//!
//! - `test`: makes sure the tests' outside needs are met (a real `redis-server`
//!   and `redis-cli`, installed from Debian's packages when missing and we are
//!   root), then runs every test of the workspace.
//! - `memory`: resident memory of kevy and redis-server holding the same data
//!   (1M strings, 100K small hashes; `--quick` for a tenth).

mod memory;
mod test;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test::run(&args[1..]),
        Some("memory") => memory::run(&args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask test [-- <cargo test args>]\n       \
                 cargo xtask memory [--quick] [--no-build] [--threads N]"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs a command, failing with its name if it does not succeed.
pub fn run_cmd(cmd: &mut std::process::Command) -> Result<(), String> {
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run {:?}: {e}", cmd.get_program()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{cmd:?} failed: {status}"))
    }
}
