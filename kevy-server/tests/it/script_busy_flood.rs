//! A client pipelining into its own busy script does not starve the other
//! connections of its shard. On the io_uring reactor its input lands in the
//! ring's provided buffers, which the shard cannot file while the script
//! holds that connection's buffer; it used to take all 256 of them, so the
//! other connections' receives ended with ENOBUFS and their requests (a
//! SCRIPT KILL among them) waited for the script's end: here, never. On
//! epoll the flood waits in the socket and the same holds.

use std::io::{Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use crate::util::{conns_per_shard, encode_str, kevy, key_on, shard_of};

const BUSY_EVAL: &[u8] =
    b"-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n";
/// SETs of a 1 MiB value the script's client pipelines behind it: more
/// than the ring's buffers (2 MiB) and the loopback sockets' buffers hold.
const SETS: usize = 48;
const VALUE: usize = 1 << 20;

#[test]
fn a_client_flooding_its_busy_script_leaves_the_shard_serving_the_others() {
    let server = kevy();
    let mut per = conns_per_shard(&server, 2);
    // `EVAL … 0` runs on the shard of the empty key: the runner and the
    // killer live there, the probe on the other shard.
    let s = shard_of("");
    let mut probe = per[1 - s].pop().expect("a connection on the other shard");
    let mut killer = per[s].pop().expect("a second connection on the shard");
    let runner = per[s].pop().expect("a connection on the shard");
    assert_eq!(
        probe.call(&["CONFIG", "SET", "busy-reply-threshold", "100"]),
        b"+OK\r\n"
    );
    let mut reader = runner.into_stream();
    let mut writer = reader.try_clone().expect("clone the socket");
    writer
        .write_all(&encode_str(&["EVAL", "while true do end", "0"]))
        .expect("write the EVAL");
    let mut busy = false;
    for _ in 0..6000 {
        if probe.call(&["PING"]) == BUSY_EVAL {
            busy = true;
            break;
        }
        thread::sleep(Duration::from_millis(5));
    }
    assert!(busy, "the script never became busy");
    let written = Arc::new(AtomicUsize::new(0));
    let key = key_on(s, "flood");
    let flood = {
        let (written, key) = (written.clone(), key.clone());
        thread::spawn(move || {
            let set = encode_str(&["SET", &key, &"v".repeat(VALUE)]);
            for _ in 0..SETS {
                writer.write_all(&set).expect("write the flood");
                written.fetch_add(set.len(), Ordering::SeqCst);
            }
        })
    };
    // While the flood comes in, the killer's requests keep being served
    // (refused: the script is busy); watched until 32 MiB went out, or 300
    // rounds (the server may take no more: its socket buffers are full).
    for _ in 0..300 {
        assert_eq!(killer.call(&["PING"]), BUSY_EVAL);
        if written.load(Ordering::SeqCst) > 32 << 20 {
            break;
        }
        thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(killer.call(&["SCRIPT", "KILL"]), b"+OK\r\n");
    // The script's reply, then an OK for every SET.
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while !line.ends_with(b"\r\n") {
        reader
            .read_exact(&mut byte)
            .expect("read the script's reply");
        line.push(byte[0]);
    }
    assert!(
        line.starts_with(b"-ERR Script killed by user with SCRIPT KILL..."),
        "{}",
        String::from_utf8_lossy(&line)
    );
    let mut oks = vec![0u8; SETS * 5];
    reader.read_exact(&mut oks).expect("read the OKs");
    assert!(oks.chunks(5).all(|p| p == b"+OK\r\n"));
    flood.join().expect("the flood");
    assert_eq!(
        killer.call(&["STRLEN", &key]),
        format!(":{VALUE}\r\n").into_bytes()
    );
}
