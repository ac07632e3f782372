//! Real client libraries against kevy and redis-server: `clients/redis_py.py`
//! (redis-py, in RESP2 and RESP3) runs against both and must print the same.
//! Needs `python3` with the `redis` package (`cargo xtask test` installs it).

use std::process::Command;

use crate::util::{kevy, RedisServer};

/// Runs the redis-py script against `port`, returning what it printed.
fn redis_py(port: u16) -> String {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/clients/redis_py.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(port.to_string())
        .output()
        .expect("run python3 (the redis-py test needs it: cargo xtask test installs it)");
    assert!(
        out.status.success(),
        "redis-py script failed against port {port}:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

#[test]
fn redis_py_sees_kevy_as_it_sees_redis() {
    let redis = RedisServer::start();
    let server = kevy();
    let want = redis_py(redis.addr().port());
    let got = redis_py(server.addr().port());
    assert!(want.lines().count() > 30, "too little output:\n{want}");
    for (w, g) in want.lines().zip(got.lines()) {
        assert_eq!(
            g, w,
            "redis-py: kevy (left) and redis-server (right) differ"
        );
    }
    assert_eq!(got.lines().count(), want.lines().count());
    server.stop();
}
