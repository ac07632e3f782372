//! `cargo xtask test`: install what the tests need (a real `redis-server`, a
//! real `memcached`, the `pymemcache` and redis-py client libraries, the Node
//! applications of `kevy-server/tests/it/clients/node`, Sidekiq), then
//! `cargo test --workspace`, then the integration tests of kevy-rt and
//! kevy-server once more on the other reactor (`KEVY_IO`: epoll vs
//! io_uring), then a 5-second fuzz smoke (`cargo xtask fuzz`).

use crate::run_cmd;
use crate::tools::{
    cargo, ensure_memcached, ensure_node_clients, ensure_python_clients, ensure_redis,
    ensure_ruby_clients,
};

/// The reactor kevy-rt picks without `KEVY_IO` (io_uring where the kernel
/// has it, so the second pass runs epoll).
const DEFAULT_IO: &str = "auto";

pub fn run(extra: &[String]) -> Result<(), String> {
    ensure_redis()?;
    ensure_memcached()?;
    ensure_python_clients()?;
    ensure_node_clients()?;
    ensure_ruby_clients()?;
    let mut cmd = cargo();
    cmd.args(["test", "--workspace"]);
    cmd.args(extra.iter().skip_while(|a| *a == "--"));
    run_cmd(&mut cmd)?;
    // The other reactor: the first pass ran on `KEVY_IO`, else on the
    // runtime's default (`kevy_rt::IoBackend::from_env`).
    let first = std::env::var("KEVY_IO").unwrap_or_else(|_| DEFAULT_IO.into());
    let other = if first.eq_ignore_ascii_case("epoll") {
        "uring"
    } else {
        "epoll"
    };
    eprintln!("xtask test: the integration tests again with KEVY_IO={other}");
    let mut cmd = cargo();
    cmd.env("KEVY_IO", other)
        .args(["test", "-p", "kevy-rt", "-p", "kevy-server", "--test", "it"]);
    if extra.is_empty() {
        // The Node applications (minutes of BullMQ) ran in the first pass;
        // the reactor is covered by every other test.
        cmd.args(["--", "--skip", "node_clients", "--skip", "sidekiq"]);
    }
    cmd.args(extra.iter().skip_while(|a| *a == "--"));
    run_cmd(&mut cmd)?;
    // The fuzz smoke: a few seconds of every stable fuzz target.
    crate::fuzz::run(&["--seconds".into(), "5".into()])
}
