//! Pub/sub on the test harness's real runtime (3 shards).

use kevy_rt::testing::TestServer;

fn harness() -> TestServer {
    TestServer::start(crate::testutil::redis(), 3)
}

#[test]
fn subscribe_publish_unsubscribe_in_resp2() {
    let h = harness();
    let mut sub = h.connect();
    assert_eq!(
        sub.call(&["SUBSCRIBE", "a", "b"]),
        b"*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n"
    );
    assert_eq!(
        sub.reply().unwrap(),
        b"*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n"
    );
    assert_eq!(
        sub.call(&["GET", "x"]),
        b"-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n"
    );
    assert_eq!(sub.call(&["PING"]), b"*2\r\n$4\r\npong\r\n$0\r\n\r\n");
    let mut p = h.connect();
    assert_eq!(p.call(&["PUBLISH", "a", "hi"]), b":1\r\n");
    assert_eq!(p.call(&["PUBLISH", "zz", "hi"]), b":0\r\n");
    assert_eq!(
        sub.reply().unwrap(),
        b"*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$2\r\nhi\r\n"
    );
    assert_eq!(
        sub.call(&["PSUBSCRIBE", "a*"]),
        b"*3\r\n$10\r\npsubscribe\r\n$2\r\na*\r\n:3\r\n"
    );
    assert_eq!(p.call(&["PUBLISH", "a", "x"]), b":2\r\n");
    assert_eq!(p.call(&["PUBSUB", "NUMPAT"]), b":1\r\n");
    assert_eq!(
        p.call(&["PUBSUB", "NUMSUB", "a", "q"]),
        b"*4\r\n$1\r\na\r\n:1\r\n$1\r\nq\r\n:0\r\n"
    );
    assert_eq!(
        sub.reply().unwrap(),
        b"*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$1\r\nx\r\n"
    );
    assert_eq!(
        sub.reply().unwrap(),
        b"*4\r\n$8\r\npmessage\r\n$2\r\na*\r\n$1\r\na\r\n$1\r\nx\r\n"
    );
    assert_eq!(sub.call(&["RESET"]), b"+RESET\r\n");
    assert_eq!(p.call(&["PUBLISH", "a", "x"]), b":0\r\n");
    assert_eq!(sub.call(&["GET", "x"]), b"$-1\r\n");
    assert_eq!(
        sub.call(&["UNSUBSCRIBE"]),
        b"*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n"
    );
}

#[test]
fn resp3_subscribers_get_pushes_and_may_run_anything() {
    let h = harness();
    let mut sub = h.connect();
    sub.call(&["HELLO", "3"]);
    assert_eq!(
        sub.call(&["SSUBSCRIBE", "s"]),
        b">3\r\n$10\r\nssubscribe\r\n$1\r\ns\r\n:1\r\n"
    );
    assert_eq!(sub.call(&["PING"]), b"+PONG\r\n");
    assert_eq!(sub.call(&["GET", "x"]), b"_\r\n");
    let mut p = h.connect();
    assert_eq!(p.call(&["SPUBLISH", "s", "m"]), b":1\r\n");
    assert_eq!(p.call(&["PUBLISH", "s", "m"]), b":0\r\n");
    assert_eq!(
        sub.reply().unwrap(),
        b">3\r\n$8\r\nsmessage\r\n$1\r\ns\r\n$1\r\nm\r\n"
    );
    assert_eq!(p.call(&["PUBSUB", "SHARDCHANNELS"]), b"*1\r\n$1\r\ns\r\n");
    drop(sub);
    // The close hook drops the subscription on the subscriber's shard.
    while p.call(&["PUBSUB", "SHARDNUMSUB", "s"]) != b"*2\r\n$1\r\ns\r\n:0\r\n" {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

#[test]
fn subscribed_mode_applies_to_the_commands_pipelined_behind_subscribe() {
    let h = harness();
    let mut c = h.connect();
    // One write: the lookahead stops at SUBSCRIBE (a local command), so the
    // GET behind it is resolved and run with the subscribed session.
    let got = c.pipeline(&[
        &["SET", "k", "v"][..],
        &["SUBSCRIBE", "a"][..],
        &["GET", "k"][..],
        &["UNSUBSCRIBE"][..],
        &["GET", "k"][..],
    ]);
    assert_eq!(got[0], b"+OK\r\n");
    assert_eq!(got[1], b"*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n");
    assert!(got[2].starts_with(b"-ERR Can't execute 'get'"));
    assert_eq!(got[3], b"*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:0\r\n");
    assert_eq!(got[4], b"$1\r\nv\r\n");
}

#[test]
fn hello_while_subscribed_switches_the_messages_protocol_and_client_list_counts() {
    let h = harness();
    let mut sub = h.connect();
    sub.call(&["HELLO", "3"]);
    sub.call(&["SUBSCRIBE", "a"]);
    sub.call(&["PSUBSCRIBE", "b*"]);
    let mut p = h.connect();
    assert_eq!(p.call(&["PUBLISH", "a", "1"]), b":1\r\n");
    assert_eq!(
        sub.reply().unwrap(),
        b">3\r\n$7\r\nmessage\r\n$1\r\na\r\n$1\r\n1\r\n"
    );
    let info = sub.call(&["CLIENT", "INFO"]);
    let info = String::from_utf8_lossy(&info).into_owned();
    assert!(info.contains(" flags=P "), "{info}");
    assert!(info.contains(" sub=1 psub=1 ssub=0 "), "{info}");
    assert!(sub.call(&["HELLO", "2"]).starts_with(b"*14\r\n"));
    assert_eq!(p.call(&["PUBLISH", "a", "2"]), b":1\r\n");
    assert_eq!(
        sub.reply().unwrap(),
        b"*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$1\r\n2\r\n"
    );
}
