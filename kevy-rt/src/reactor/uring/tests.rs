//! Unit tests of the ring's sends, waits and peer wake-ups, on Unix socket
//! pairs (skipped where the kernel refuses io_uring).

use std::io::Read;
use std::time::Duration;

use super::*;

/// A ring, or `None` where the kernel has no io_uring (nothing to test).
fn ring() -> Option<Ring> {
    probe().ok()?;
    Some(Ring::new(None, -1).expect("a ring where the probe passed"))
}

/// Our end as the shard holds a socket, and the peer's end.
fn pair() -> (Arc<Stream>, std::os::unix::net::UnixStream) {
    let (a, b) = std::os::unix::net::UnixStream::pair().expect("a socket pair");
    a.set_nonblocking(true).expect("non-blocking");
    let ours = Arc::new(Stream::Unix(mio::net::UnixStream::from_std(a)));
    (ours, b)
}

/// Waits until `f` holds of the ring (a few seconds at most).
fn reap_until(r: &mut Ring, f: impl Fn(&Ring) -> bool) {
    for _ in 0..200 {
        r.wait(Duration::from_millis(20)).expect("wait");
        if f(r) {
            return;
        }
    }
    panic!("the ring never reported the send");
}

/// Writes one 14-byte request into the peer's end `theirs`.
fn send_request(theirs: &mut std::os::unix::net::UnixStream) {
    use std::io::Write;
    theirs
        .write_all(b"*1\r\n$4\r\nPING\r\n")
        .expect("a request");
}

/// Takes the ring's next receive, which must be that whole request on
/// connection `conn` (generation `gen`), and gives its buffer back.
fn take_request(r: &mut Ring, conn: usize, gen: u32) {
    let ev = r.recvs.pop_front().expect("the receive");
    assert_eq!((ev.conn, ev.gen, ev.res), (conn, gen, 14));
    if let Some(bid) = ev.bid {
        r.put(bid);
    }
}

/// Reads exactly `want` from the peer's end `theirs`: the reply arrived whole.
fn reply_arrives(theirs: &mut std::os::unix::net::UnixStream, want: &[u8]) {
    let mut got = vec![0u8; want.len()];
    theirs.read_exact(&mut got).expect("the reply arrives");
    assert_eq!(got, want);
}

const TO: Direct = Direct {
    peer: 1,
    conn: ConnRef { idx: 7, gen: 3 },
    seq: 42,
    counted: 0,
};

#[test]
fn a_direct_reply_is_sent_and_reported_apart_from_own_sends() {
    let Some(mut r) = ring() else {
        return;
    };
    let (ours, mut theirs) = pair();
    r.send_direct(ours, b"+PONG\r\n", TO);
    reap_until(&mut r, |r| !r.direct_done.is_empty());
    assert!(r.done.is_empty(), "not a send of this shard's connection");
    let d = r.direct_done.pop().expect("one direct reply done");
    assert_eq!((d.to, d.sent, d.rest.len()), (TO, 7, 0));
    reply_arrives(&mut theirs, b"+PONG\r\n");
}

#[test]
fn a_failed_direct_reply_gives_back_its_unsent_bytes() {
    let Some(mut r) = ring() else {
        return;
    };
    let (ours, theirs) = pair();
    drop(theirs);
    r.send_direct(ours, b"$3\r\nabc\r\n", TO);
    reap_until(&mut r, |r| !r.direct_done.is_empty());
    let d = r.direct_done.pop().expect("one direct reply done");
    assert_eq!(d.to, TO);
    assert_eq!(d.sent, 0);
    assert_eq!(d.rest, b"$3\r\nabc\r\n");
}

#[test]
fn an_own_send_is_reported_in_done() {
    let Some(mut r) = ring() else {
        return;
    };
    let (ours, mut theirs) = pair();
    r.send(5, 9, ours, b"+OK\r\n".to_vec(), true);
    reap_until(&mut r, |r| !r.done.is_empty());
    assert!(r.direct_done.is_empty());
    let d = r.done.pop().expect("one send done");
    assert_eq!(
        d,
        Done {
            conn: 5,
            gen: 9,
            sent: 5,
            failed: false,
            summed: None,
        }
    );
    reply_arrives(&mut theirs, b"+OK\r\n");
}

#[test]
fn a_wait_for_several_completions_ends_with_the_one_that_came() {
    let Some(mut r) = ring() else {
        return;
    };
    if !r.ring.params().is_feature_min_timeout() {
        // No `min_wait_usec`: the policy never asks for more than one.
        return;
    }
    // Batching on, and the last round busy: the wait asks for 8.
    r.batch.usec = 50;
    r.batch.cqes = 8;
    r.batch.arrivals = 4;
    let (ours, mut theirs) = pair();
    r.recv(3, 1, ours.as_raw_fd());
    send_request(&mut theirs);
    // One receive arrives, not 8: past the bound the wait returns with it
    // (a wait for the full 8 would only end at the 60 s timeout).
    while r.recvs.is_empty() {
        r.wait(Duration::from_secs(60)).expect("wait");
    }
    take_request(&mut r, 3, 1);
}

#[test]
fn a_peer_is_woken_by_a_message_posted_into_its_ring() {
    let (Some(mut a), Some(mut b)) = (ring(), ring()) else {
        return;
    };
    let Some(handle) = b.wake_handle() else {
        // No `IORING_OP_MSG_RING` here: peers use the eventfd.
        return;
    };
    a.wake_peer(handle.as_raw_fd(), None);
    a.submit().expect("submit");
    // The message is b's only completion: without it this wait would end
    // only at its 60 s timeout, with nothing.
    b.wait(Duration::from_secs(60)).expect("wait");
    assert_eq!(b.batch.arrivals, 1, "the wake-up arrived");
    // A success posts nothing into the sender's ring.
    a.wait(Duration::ZERO).expect("reap");
    assert_eq!(a.batch.cqes, 0);
}

#[test]
fn a_wait_counting_its_sends_returns_with_the_next_arrival() {
    let Some(mut r) = ring() else {
        return;
    };
    let (out, mut reader) = pair();
    let (inp, mut writer) = pair();
    r.send_wait = Duration::from_millis(1);
    r.recv(3, 1, inp.as_raw_fd());
    send_request(&mut writer);
    // The send completes as it is submitted, the receive finds its bytes:
    // the wait asked for two and got both.
    r.send(5, 9, out, b"+OK\r\n".to_vec(), true);
    while r.recvs.is_empty() || r.done.is_empty() {
        r.wait(Duration::from_secs(60)).expect("wait");
    }
    assert_eq!(r.done.pop().map(|d| (d.conn, d.sent)), Some((5, 5)));
    take_request(&mut r, 3, 1);
    reply_arrives(&mut reader, b"+OK\r\n");
}

#[test]
fn a_connection_receives_and_sends_through_its_registered_slot() {
    let Some(mut r) = ring() else {
        return;
    };
    let (ours, mut theirs) = pair();
    r.recv(6, 2, ours.as_raw_fd());
    let fixed = r.files.slot(6, 2).is_some();
    // Another generation of the same slot is not the socket installed.
    assert_eq!(r.files.slot(6, 3), None);
    send_request(&mut theirs);
    while r.recvs.is_empty() {
        r.wait(Duration::from_secs(60)).expect("wait");
    }
    take_request(&mut r, 6, 2);
    r.send(6, 2, ours.clone(), b"+PONG\r\n".to_vec(), true);
    reap_until(&mut r, |r| !r.done.is_empty());
    assert_eq!(
        r.done.pop().map(|d| (d.conn, d.sent, d.failed)),
        Some((6, 7, false))
    );
    reply_arrives(&mut theirs, b"+PONG\r\n");
    // Closing: the receive is cancelled, the slot emptied, the descriptor
    // closed; the client then sees the end of the stream, which a slot
    // still holding the socket would keep from it.
    r.cancel_recv(6, 2);
    r.release(6);
    assert_eq!(r.files.slot(6, 2), None);
    drop(ours);
    r.submit().expect("submit");
    theirs.set_nonblocking(true).expect("non-blocking");
    let mut closed = false;
    for _ in 0..500 {
        // Runs the cancellation's task work, which lets go of the socket.
        r.wait(Duration::from_millis(20)).expect("wait");
        let mut b = [0u8; 16];
        match theirs.read(&mut b) {
            Ok(0) => {
                closed = true;
                break;
            }
            Ok(n) => panic!("unexpected bytes {:?}", &b[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => panic!("read: {e}"),
        }
    }
    assert!(closed, "the client saw the connection close");
    // Where the kernel gave a table, the connection used it.
    assert_eq!(fixed, r.files.cap > 0);
}

#[test]
fn a_ring_entered_through_its_registered_index_submits_and_waits() {
    let Some(mut r) = ring() else {
        return;
    };
    let (ours, mut theirs) = pair();
    r.send(1, 1, ours, b"+OK\r\n".to_vec(), true);
    // Submitted by the enter with a timed wait (ext arg), through the
    // index where the kernel allowed registering it.
    r.wait(Duration::from_secs(60)).expect("wait");
    reap_until(&mut r, |r| !r.done.is_empty());
    reply_arrives(&mut theirs, b"+OK\r\n");
    // A wait with nothing to come ends at its timeout, not with an error.
    r.wait(Duration::from_millis(1)).expect("a timed-out wait");
}
