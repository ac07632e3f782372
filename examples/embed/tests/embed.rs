//! Runs the embed binary on 2 shards on a free port and talks to it with the
//! `redis` crate: keys spread over both shards, replies come back in order.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The example binary, killed and reaped on drop.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start() -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_embed"))
            .args(["127.0.0.1:0", "2"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("run the embed binary");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("stdout");
        BufReader::new(stdout).read_line(&mut line).expect("read");
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        Server { child, addr }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn set_get_ping_over_two_shards() {
    let server = Server::start();
    let client = redis::Client::open(format!("redis://{}/", server.addr)).unwrap();
    let mut con = client.get_connection().unwrap();
    let pong: String = redis::cmd("PING").query(&mut con).unwrap();
    assert_eq!(pong, "PONG");
    let mut pipe = redis::pipe();
    for i in 0..200 {
        pipe.cmd("SET").arg(format!("key:{i}")).arg(i);
    }
    let _: () = pipe.query(&mut con).unwrap();
    let mut pipe = redis::pipe();
    for i in 0..200 {
        pipe.cmd("GET").arg(format!("key:{i}"));
    }
    let got: Vec<i64> = pipe.query(&mut con).unwrap();
    assert_eq!(got, (0..200).collect::<Vec<i64>>());
    let missing: Option<String> = redis::cmd("GET").arg("nope").query(&mut con).unwrap();
    assert_eq!(missing, None);
    let err = redis::cmd("GET").query::<String>(&mut con).unwrap_err();
    assert!(err.to_string().contains("unknown command or wrong arity"), "{err}");
}

#[test]
fn keys_live_on_both_shards() {
    let router = kevy_rt::Router::new(2);
    let shards: std::collections::HashSet<usize> =
        (0..200).map(|i| router.shard_of(format!("key:{i}").as_bytes())).collect();
    assert_eq!(shards.len(), 2, "the test's keys exercise cross-shard forwarding");
}

#[test]
fn the_readme_quotes_this_example_in_full() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
    let code = std::fs::read_to_string(format!("{root}/examples/embed/src/main.rs")).unwrap();
    assert!(
        readme.contains(&format!("```rust\n{code}```")),
        "README.md must quote examples/embed/src/main.rs verbatim"
    );
}
