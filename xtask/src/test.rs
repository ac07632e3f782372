//! `cargo xtask test`: install what the tests need (a real `redis-server`, a
//! real `memcached`, the `pymemcache` and redis-py client libraries, the Node
//! applications of `kevy-server/tests/it/clients/node`), then
//! `cargo test --workspace`, then a 5-second fuzz smoke (`cargo xtask fuzz`).

use crate::run_cmd;
use crate::tools::{
    cargo, ensure_memcached, ensure_node_clients, ensure_python_clients, ensure_redis,
};

pub fn run(extra: &[String]) -> Result<(), String> {
    ensure_redis()?;
    ensure_memcached()?;
    ensure_python_clients()?;
    ensure_node_clients()?;
    let mut cmd = cargo();
    cmd.args(["test", "--workspace"]);
    cmd.args(extra.iter().skip_while(|a| *a == "--"));
    run_cmd(&mut cmd)?;
    // The fuzz smoke: a few seconds of every stable fuzz target.
    crate::fuzz::run(&["--seconds".into(), "5".into()])
}
