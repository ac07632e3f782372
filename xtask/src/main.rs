//! `cargo xtask <task>`: project chores as one Rust binary, one module per task.
//!
//! - `test`: makes sure the tests' outside needs are met (a real `redis-server`
//!   and `redis-cli`, a real `memcached`, the `pymemcache` and redis-py client libraries —
//!   installed when missing), then runs every test of the workspace.
//! - `bench`, `bench-memcached`: the end-to-end comparisons with redis-server
//!   and memcached, and the criterion micro-benchmarks; writes BENCHMARKS.md.
//! - `memory`: resident memory of kevy and redis-server holding the same data
//!   (1M strings, 100K small hashes; `--quick` for a tenth).
//! - `compat`: the differential suite against a real redis-server, summarised.
//! - `slow-request`: server CPU of one many-argument request sent in small
//!   pieces, kevy against redis-server.
//! - `fuzz`: mutated pipelines against the decoders and live servers.
//! - `tidy`: fmt, clippy, rustdoc and bench builds with warnings denied, a
//!   `//!` doc on every module, and the layer rule (`layers`: no module
//!   imports a layer above its own).
//! - `gen-docs`: regenerates `COMMAND DOCS`' data (`kevy-commands/src/family/spec/docs/`)
//!   from a live redis-server 7.0, for the commands in kevy's table.
//!
//! Shared pieces: `tools` (outside dependencies, paths), `procs` (child
//! processes, CPU time), `stats` (medians).

mod bench;
mod compat;
mod fuzz;
mod gen_docs;
mod layers;
mod memory;
mod procs;
mod slowreq;
mod stats;
mod test;
mod tidy;
mod tools;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <task>
  test [-- <cargo test args>]     install test dependencies, run every test
  bench [--quick] [--rounds N] [--only redis|pubsub|memcached|criterion] [--no-write]
        [--kevy-bin [LABEL=]PATH]... [--reactors epoll,uring] [--commands set,get,...]
        [--depths 1,16] [--port-base N] [--no-perf] [--kevy-arg ARG]...
  bench-memcached [--quick] [--rounds N]
  memory [--quick] [--no-build] [--threads N] [--keys N] [--only ROWS] [--kevy PATH]
                                                RSS per key of kevy and redis-server, per type
  compat                          differential tests against redis-server
  slow-request [--args N] [--piece B] [--pace-us U] [--rounds R] [--no-build]   CPU of a many-argument request sent in pieces
  fuzz [--seconds N] [--seed S]   fuzz the decoders and live servers
  tidy                            fmt, clippy, doc, bench builds, module docs, layers
  gen-docs                        regenerate COMMAND DOCS data from redis-server";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest = args.get(1..).unwrap_or(&[]);
    let result = match args.first().map(String::as_str) {
        Some("test") => test::run(rest),
        Some("bench") => bench::run(rest, false),
        Some("bench-memcached") => bench::run(rest, true),
        Some("memory") => memory::run(rest),
        Some("compat") => compat::run(rest),
        Some("slow-request") => slowreq::run(rest),
        Some("fuzz") => fuzz::run(rest),
        Some("tidy") => tidy::run(),
        Some("gen-docs") => gen_docs::run(),
        _ => {
            eprintln!("{USAGE}");
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
