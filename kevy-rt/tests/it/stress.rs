//! Connections under stress, on the `Tally` command set: monitor output
//! beside direct replies (one writer per socket), clients hanging up while
//! paused or held, and paused clients under the idle timeout.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use kevy_rt::{Router, Runtime, Server, Settings};

use crate::client::{cmd, Raw};
use crate::tally::Tally;

fn start(settings: &Arc<Settings>) -> Server {
    Runtime::builder(Tally)
        .bind("127.0.0.1:0")
        .shards(2)
        .settings(settings.clone())
        .build()
        .expect("build")
        .start()
        .expect("start")
}

/// The home shard of a connection.
fn home(c: &mut Raw) -> usize {
    let r = c.call(&["WHOAMI"]);
    String::from_utf8_lossy(&r[1..r.len() - 2])
        .parse()
        .expect("a shard")
}

/// A key that lives on `shard`.
fn key_on(shard: usize, prefix: &str) -> String {
    let router = Router::new(2);
    (0..)
        .map(|i| format!("{prefix}{i}"))
        .find(|k| router.shard_of(k.as_bytes()) == shard)
        .expect("a key")
}

/// Polls `f` up to 500 times, 10 ms apart, until it is true.
fn eventually(mut f: impl FnMut() -> bool) -> bool {
    (0..500).any(|_| {
        let ok = f();
        if !ok {
            std::thread::sleep(Duration::from_millis(10));
        }
        ok
    })
}

/// A client paused with a write held back, which then hangs up, is freed
/// at once, pause or not (Redis frees it too), with its held command:
/// before, nothing read its socket until the pause ended. While paused it
/// counts as blocked.
#[test]
fn a_paused_client_that_hangs_up_is_freed_during_the_pause() {
    let settings = Settings::new();
    let server = start(&settings);
    let mut other = Raw::connect(server.addr());
    assert_eq!(other.call(&["PING"]), b"+PONG\r\n");
    settings.pause(SystemTime::now() + Duration::from_secs(60), true);
    for _ in 0..4 {
        let mut c = Raw::connect(server.addr());
        c.send(&cmd(&[b"PUT", b"gone", b"1"]));
        assert!(eventually(|| settings.connected() == 2));
        drop(c);
        assert!(
            eventually(|| settings.connected() == 1),
            "the hung-up client is still connected"
        );
        assert_eq!(settings.blocked_clients(), 0);
    }
    assert!(settings.paused().is_some());
    settings.unpause();
    assert_eq!(other.call(&["TAKE", "gone"]), b"$-1\r\n");
    server.stop();
}

/// The idle timeout closes an idle client but neither a paused client nor
/// a monitor, as in Redis (before, both were closed): idle as long as the
/// closed one, both are still served after the pause.
#[test]
fn the_idle_timeout_spares_paused_clients_and_monitors() {
    let settings = Settings::new();
    settings.set_idle_timeout(Duration::from_millis(200));
    let server = start(&settings);
    let mut mon = Raw::connect(server.addr());
    assert_eq!(mon.call(&["WATCHALL"]), b"+OK\r\n");
    settings.pause(SystemTime::now() + Duration::from_secs(60), true);
    let mut paused = Raw::connect(server.addr());
    paused.send(&cmd(&[b"PUT", b"late", b"1"]));
    assert!(eventually(|| settings.blocked_clients() == 1));
    let mut idle = Raw::connect(server.addr());
    assert_eq!(idle.call(&["PING"]), b"+PONG\r\n");
    assert!(idle.read_to_close().is_empty(), "closed by the timeout");
    assert_eq!(settings.connected(), 2);
    settings.unpause();
    assert_eq!(paused.reply(), b"+OK\r\n");
    // The monitor saw the idle client's PING, then the held write.
    let lines = [mon.reply(), mon.reply()].map(|l| String::from_utf8(l).expect("a line"));
    assert!(lines[0].ends_with(" PING\r\n"), "{lines:?}");
    assert!(lines[1].ends_with(" PUT late 1\r\n"), "{lines:?}");
    server.stop();
}

/// A monitor reads a 4 MB value of the other shard, 30 times, each time
/// while two clients pipeline 100 writes whose monitor lines pour into the
/// same socket. The value's owner writes it straight to the socket (a
/// direct reply), usually in part; the monitor lines produced meanwhile
/// must neither be written at the same time nor land inside the reply: the
/// stream stays whole lines and whole bulks. (Before the origin held its
/// output while a peer owned the socket, the rest of a reply written in
/// part came after the lines queued meanwhile, inside the bulk.)
#[test]
fn monitor_lines_never_split_a_direct_reply() {
    let server = start(&Settings::new());
    let mut mon = Raw::connect(server.addr());
    let big = key_on(1 - home(&mut mon), "big");
    let value: Vec<u8> = (0..4 << 20).map(|i| b'a' + (i % 26) as u8).collect();
    let mut writers = [Raw::connect(server.addr()), Raw::connect(server.addr())];
    writers[0].send(&cmd(&[b"PUT", big.as_bytes(), &value]));
    assert_eq!(writers[0].reply(), b"+OK\r\n");
    assert_eq!(mon.call(&["WATCHALL"]), b"+OK\r\n");
    let fill = vec![b'x'; 1000];
    let mut stream = MonitorStream::new(&mut mon);
    for round in 0..30 {
        stream.mon.send(&cmd(&[b"TAKE", big.as_bytes()]));
        for (t, w) in writers.iter_mut().enumerate() {
            let mut batch = Vec::new();
            for i in 0..100 {
                let k = format!("w{t}:{}", (round + i) % 50);
                batch.extend(cmd(&[b"PUT", k.as_bytes(), &fill]));
            }
            w.send(&batch);
        }
        stream.until_bulk(&value);
        for w in writers.iter_mut() {
            for _ in 0..100 {
                assert_eq!(w.reply(), b"+OK\r\n");
            }
        }
    }
    assert!(stream.lines > 100, "monitor lines flowed: {}", stream.lines);
    server.stop();
}

/// A monitor's incoming bytes, checked as they are parsed.
struct MonitorStream<'a> {
    mon: &'a mut Raw,
    buf: Vec<u8>,
    /// Monitor lines seen so far.
    lines: usize,
}

impl<'a> MonitorStream<'a> {
    fn new(mon: &'a mut Raw) -> MonitorStream<'a> {
        MonitorStream {
            mon,
            buf: Vec::new(),
            lines: 0,
        }
    }

    /// Reads until the next bulk, which must be `value`; every line before
    /// it must be a whole monitor line.
    fn until_bulk(&mut self, value: &[u8]) {
        loop {
            let Some(eol) = self.buf.windows(2).position(|w| w == b"\r\n") else {
                let more = self.mon.read_some();
                assert!(!more.is_empty(), "the monitor connection closed");
                self.buf.extend(more);
                continue;
            };
            let line = String::from_utf8_lossy(&self.buf[..eol]).into_owned();
            if let Some(len) = line.strip_prefix('$') {
                let len: usize = len.parse().unwrap_or_else(|_| panic!("bad bulk {line:?}"));
                let end = eol + 2 + len + 2;
                while self.buf.len() < end {
                    let more = self.mon.read_some();
                    assert!(!more.is_empty(), "the monitor connection closed");
                    self.buf.extend(more);
                }
                let body = &self.buf[eol + 2..eol + 2 + len];
                assert!(body == value, "the reply's bytes were interleaved");
                assert_eq!(&self.buf[end - 2..end], b"\r\n");
                self.buf.drain(..end);
                return;
            }
            let words: Vec<&str> = line.split(' ').collect();
            let whole = words.len() == 4
                && words[0].len() > 1
                && words[0][1..].parse::<u64>().is_ok()
                && words[1] == "PUT"
                && words[3].len() == 1000
                && words[3].bytes().all(|b| b == b'x');
            assert!(
                line.starts_with('+') && whole,
                "not a whole monitor line: {:?}",
                &line[..line.len().min(120)]
            );
            self.buf.drain(..eol + 2);
            self.lines += 1;
        }
    }
}
