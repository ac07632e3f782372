//! The `memcached` binary itself, on 2 shards on a free port.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::util::Raw;

#[test]
fn the_binary_serves_the_text_protocol() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_memcached"))
        .args(["-l", "127.0.0.1", "-p", "0", "-t", "2"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("run the memcached binary");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let result = std::panic::catch_unwind(|| {
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .expect("a 'listening on' line");
        let mut c = Raw::connect(addr.parse().unwrap());
        let got = c.exchange(b"set a 1 0 2\r\nhi\r\nset b 2 0 2\r\nho\r\nget a b c\r\n");
        assert_eq!(
            got,
            b"STORED\r\nSTORED\r\nVALUE a 1 2\r\nhi\r\nVALUE b 2 2\r\nho\r\nEND\r\n"
        );
    });
    let _ = child.kill();
    let _ = child.wait();
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}

#[test]
fn bad_flags_are_refused() {
    let out = Command::new(env!("CARGO_BIN_EXE_memcached"))
        .args(["-t", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("usage: memcached"));
}
