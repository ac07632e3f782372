//! The `counters` binary itself, on 2 shards on a free port.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn the_binary_serves_counters() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_counters"))
        .args(["127.0.0.1:0", "2"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("run the counters binary");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .map(str::to_string);
    let result = std::panic::catch_unwind(|| {
        let addr = addr.expect("a 'listening on' line");
        let mut con = redis::Client::open(format!("redis://{addr}/"))
            .unwrap()
            .get_connection()
            .unwrap();
        let mut pipe = redis::pipe();
        for i in 0..50 {
            pipe.cmd("INCR").arg(format!("k{i}")).arg(2).ignore();
        }
        pipe.cmd("SUM").arg("k");
        let (sum,): (i64,) = pipe.query(&mut con).unwrap();
        assert_eq!(sum, 100);
    });
    let _ = child.kill();
    let _ = child.wait();
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}
