//! `pymemcache`, a real memcached client library, against kevy (2 shards) and
//! against Debian's real `memcached`: the suite (`tests/pymemcache_suite.py`)
//! must pass on both, so its expectations are memcached's own.

use std::net::SocketAddr;
use std::process::Command;

use crate::util::{kevy, Real};

fn suite(addr: SocketAddr) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/pymemcache_suite.py");
    let out = match Command::new("python3")
        .arg(script)
        .arg(addr.to_string())
        .output()
    {
        Ok(out) => out,
        Err(e) => panic!("cannot run python3: {e}"),
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stderr.contains("No module named 'pymemcache'") {
        panic!("pymemcache is not installed: pip install pymemcache (`cargo xtask test` does it)");
    }
    println!("{stdout}");
    assert!(
        out.status.success(),
        "pymemcache suite against {addr} failed:\n{stdout}\n{stderr}"
    );
}

#[test]
fn pymemcache_suite_passes_on_kevy() {
    let server = kevy(2);
    suite(server.addr());
    server.stop();
}

#[test]
fn pymemcache_suite_passes_on_real_memcached() {
    let real = Real::start();
    suite(real.addr);
}
