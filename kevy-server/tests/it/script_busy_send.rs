//! A busy script's shard serves a connection whose last reply was still
//! being sent when the script started (io_uring: a send in flight, which
//! finishes while the script runs). On the io_uring reactor such a
//! connection used to stay "in flight" for the whole script, so its next
//! request went unanswered until the script ended (here: never, as the
//! script waits for a kill that connection sends). On epoll the reply's
//! unsent rest is written while serving, and the same holds.

use std::io::{Read, Write};
use std::thread;
use std::time::Duration;

use crate::util::{conns_per_shard, encode_str, kevy, key_on, shard_of, Raw};

const BUSY_EVAL: &[u8] =
    b"-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n";
/// A reply far bigger than the loopback socket buffers take at once, so its
/// send stays in flight until the client reads it.
const BIG: usize = 32 << 20;

#[test]
fn a_connection_whose_reply_was_being_sent_is_served_while_a_script_runs() {
    let server = kevy();
    // A connection on each shard.
    let mut on: Vec<Raw> = conns_per_shard(&server, 1).into_iter().flatten().collect();
    assert_eq!(
        on[0].call(&["CONFIG", "SET", "busy-reply-threshold", "100"]),
        b"+OK\r\n"
    );
    // `EVAL … 0` runs on the shard of the empty key.
    let s = shard_of("");
    let key = key_on(s, "big");
    let last = (BIG - 1).to_string();
    assert_eq!(
        on[s].call(&["SETRANGE", &key, &last, "x"]),
        format!(":{BIG}\r\n").into_bytes()
    );
    // The big reply's header arrived: the GET ran, and its send is in
    // flight (the rest is not read yet).
    let mut a = on[s].clone_reader().into_stream();
    a.write_all(&encode_str(&["GET", &key]))
        .expect("write the GET");
    let header = format!("${BIG}\r\n").into_bytes();
    let mut got = vec![0u8; header.len()];
    a.read_exact(&mut got).expect("read the reply's header");
    assert_eq!(got, header);
    let mut runner = Raw::connect(server.addr());
    runner.send(&encode_str(&["EVAL", "while true do end", "0"]));
    let probe = &mut on[1 - s];
    let mut busy = false;
    for _ in 0..6000 {
        if probe.call(&["PING"]) == BUSY_EVAL {
            busy = true;
            break;
        }
        thread::sleep(Duration::from_millis(5));
    }
    assert!(busy, "the script never became busy");
    // Reading the rest lets the send finish while the script runs.
    let mut rest = vec![0u8; BIG + 2];
    a.read_exact(&mut rest).expect("read the reply");
    assert!(rest[..BIG - 1].iter().all(|&b| b == 0));
    assert_eq!(&rest[BIG - 1..], b"x\r\n");
    // Served from inside the script: refused, then the kill.
    let c = &mut on[s];
    assert_eq!(c.call(&["GET", &key]), BUSY_EVAL);
    assert_eq!(c.call(&["SCRIPT", "KILL"]), b"+OK\r\n");
    let killed = runner.reply();
    assert!(
        killed.starts_with(b"-ERR Script killed by user with SCRIPT KILL..."),
        "{}",
        String::from_utf8_lossy(&killed)
    );
    assert_eq!(
        c.call(&["STRLEN", &key]),
        format!(":{BIG}\r\n").into_bytes()
    );
}
