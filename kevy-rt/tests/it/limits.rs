//! Per-connection limits and back-pressure, end to end on the `Tally`
//! command set: the output high-water mark (and a hang-up behind it), the
//! query buffer limit, maxclients, the idle timeout and the output hard
//! limit.

use std::net::Shutdown;

use crate::client::{cmd, Raw};
use crate::runtime::start_with;

#[test]
fn output_backpressure_pauses_and_resumes_a_pipelining_client() {
    let limits = kevy_rt::Limits {
        output_high_water: 4096,
        ..kevy_rt::Limits::default()
    };
    let server = start_with(2, |b| b.limits(limits));
    let mut c = Raw::connect(server.addr());
    let value = vec![b'v'; 10_000];
    c.send(&cmd(&[b"PUT", b"big", &value]));
    assert_eq!(c.reply(), b"+OK\r\n");
    let mut batch = Vec::new();
    for _ in 0..500 {
        batch.extend(cmd(&[b"TAKE", b"big"]));
        batch.extend(cmd(&[b"PING"]));
    }
    c.send(&batch);
    for _ in 0..500 {
        assert_eq!(c.reply().len(), 10_000 + 10);
        assert_eq!(c.reply(), b"+PONG\r\n");
    }
    server.stop();
}

/// A client that pipelines behind a reply larger than the output
/// high-water mark and then hangs up its sending side gets every reply
/// before the connection closes: the hang-up arrives while the reply waits
/// to be read and the rest of the pipeline is held back, and the rest still
/// runs once the reply is written (before, the connection closed as the
/// reply's last byte went out). The value on either shard.
#[test]
fn a_pipeline_held_back_by_its_output_still_runs_after_a_hang_up() {
    let limits = kevy_rt::Limits {
        output_high_water: 4096,
        ..kevy_rt::Limits::default()
    };
    let server = start_with(2, |b| b.limits(limits));
    let router = kevy_rt::Router::new(2);
    let value = vec![b'v'; 1 << 20];
    for shard in 0..2 {
        let key = (0..)
            .map(|i| format!("big{i}"))
            .find(|k| router.shard_of(k.as_bytes()) == shard)
            .unwrap();
        let n = format!("n{shard}");
        let mut c = Raw::connect(server.addr());
        c.send(&cmd(&[b"PUT", key.as_bytes(), &value]));
        assert_eq!(c.reply(), b"+OK\r\n");
        let mut batch = cmd(&[b"TAKE", key.as_bytes()]);
        batch.extend(cmd(&[b"ADD", n.as_bytes(), b"1"]));
        batch.extend(cmd(&[b"ADD", n.as_bytes(), b"1"]));
        batch.extend(cmd(&[b"PING"]));
        c.send(&batch);
        c.sock_ref().shutdown(Shutdown::Write).expect("half-close");
        // Give the hang-up time to reach the server while the reply waits
        // (were it slower, the test would pass without exercising it).
        std::thread::sleep(std::time::Duration::from_millis(100));
        let mut expect = format!("${}\r\n", value.len()).into_bytes();
        expect.extend_from_slice(&value);
        expect.extend_from_slice(b"\r\n:1\r\n:2\r\n+PONG\r\n");
        let got = c.read_to_close();
        assert_eq!(got.len(), expect.len(), "value on shard {shard}");
        assert!(got == expect, "value on shard {shard}: replies differ");
    }
    server.stop();
}

#[test]
fn the_query_buffer_limit_closes_the_connection() {
    let limits = kevy_rt::Limits {
        max_query_buffer: 64 * 1024,
        ..kevy_rt::Limits::default()
    };
    let server = start_with(2, |b| b.limits(limits));
    let mut c = Raw::connect(server.addr());
    let mut req = b"*3\r\n$3\r\nPUT\r\n$1\r\nk\r\n$1000000\r\n".to_vec();
    req.extend(vec![b'x'; 200_000]);
    let _ = c.sock_write(&req);
    assert!(c.read_to_close().is_empty());
    let mut other = Raw::connect(server.addr());
    assert_eq!(other.call(&["PING"]), b"+PONG\r\n");
    server.stop();
}

#[test]
fn maxclients_refuses_extra_connections_with_an_error() {
    let settings = kevy_rt::Settings::new();
    settings.set_max_clients(3);
    let server = start_with(2, |b| b.settings(settings.clone()));
    let mut held: Vec<Raw> = (0..3).map(|_| Raw::connect(server.addr())).collect();
    for c in held.iter_mut() {
        assert_eq!(c.call(&["PING"]), b"+PONG\r\n");
    }
    let mut extra = Raw::connect(server.addr());
    assert_eq!(
        extra.read_to_close(),
        b"-ERR max number of clients reached\r\n"
    );
    assert_eq!(settings.connected(), 3);
    // Once one leaves, a newcomer is served (the server notices the close first).
    drop(held.pop());
    let mut tries = 0;
    loop {
        let mut c = Raw::connect(server.addr());
        c.send(b"PING\r\n");
        let got = c.read_some();
        if got == b"+PONG\r\n" {
            break;
        }
        assert_eq!(got, b"-ERR max number of clients reached\r\n");
        tries += 1;
        assert!(tries < 10_000, "the slot was never released");
        std::thread::yield_now();
    }
    server.stop();
}

#[test]
fn idle_connections_are_closed_after_the_timeout() {
    let settings = kevy_rt::Settings::new();
    settings.set_idle_timeout(std::time::Duration::from_millis(200));
    let server = start_with(2, |b| b.settings(settings.clone()));
    let mut c = Raw::connect(server.addr());
    assert_eq!(c.call(&["PING"]), b"+PONG\r\n");
    assert!(c.read_to_close().is_empty());
    server.stop();
}

#[test]
fn the_output_hard_limit_closes_a_client_that_does_not_read() {
    let settings = kevy_rt::Settings::new();
    let server = start_with(2, |b| b.settings(settings.clone()));
    let mut c = Raw::connect(server.addr());
    let value = vec![b'v'; 1 << 20];
    c.send(&cmd(&[b"PUT", b"big", &value]));
    assert_eq!(c.reply(), b"+OK\r\n");
    settings.set_output_hard_limit(256 * 1024);
    let mut batch = Vec::new();
    for _ in 0..64 {
        batch.extend(cmd(&[b"TAKE", b"big"]));
    }
    c.send(&batch);
    let got = c.read_to_close();
    assert!(
        got.len() < 64 << 20,
        "the client got everything: {}",
        got.len()
    );
    let mut other = Raw::connect(server.addr());
    assert_eq!(other.call(&["PING"]), b"+PONG\r\n");
    server.stop();
}
