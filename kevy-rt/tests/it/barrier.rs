//! The durability barrier (`Commands::before_replies`, `holds_replies`) on a
//! real runtime (2 and 3 shards): a journaling command set records each
//! `PUT` in its shard's pending list and makes it "durable" (a set shared
//! with the test) only in the barrier. Every reply a client reads — from its
//! own shard, from a peer through the ring, pipelined or not — must find
//! its key durable already.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use kevy_rt::testing::TestServer;
use kevy_rt::{Args, Commands, Flow, LocalCx, Resolved, Route, ShardInfo};

#[derive(Clone, Default)]
struct Journal {
    durable: Arc<Mutex<HashSet<Vec<u8>>>>,
}

struct Shard {
    pending: Vec<Vec<u8>>,
    durable: Arc<Mutex<HashSet<Vec<u8>>>>,
}

impl Commands for Journal {
    type Shard = Shard;
    type Cmd = ();
    type Session = ();
    type Ctx = ();
    kevy_rt::single_shard!();

    fn new_shard(&self, _: ShardInfo) -> Shard {
        Shard {
            pending: Vec::new(),
            durable: self.durable.clone(),
        }
    }

    fn resolve(&self, args: Args<'_>) -> Resolved<()> {
        let route = match (args.at(0), args.len()) {
            (b"PUT", 2) => Route::Key(1),
            _ => Route::Local,
        };
        Resolved { cmd: (), route }
    }

    fn ctx(&self, _: &()) {}

    fn execute(&self, shard: &mut Shard, _: (), _: (), a: Args<'_>, out: &mut Vec<u8>) {
        shard.pending.push(a.at(1).to_vec());
        out.extend_from_slice(b"+OK\r\n");
    }

    fn execute_local(
        &self,
        _: &mut Shard,
        _: &mut (),
        _: &LocalCx,
        _: (),
        _: Args<'_>,
        out: &mut Vec<u8>,
    ) -> Flow {
        out.extend_from_slice(b"-ERR bad request\r\n");
        Flow::Continue
    }

    fn before_replies(&self, shard: &mut Shard) {
        if !shard.pending.is_empty() {
            let mut d = shard.durable.lock().unwrap();
            d.extend(shard.pending.drain(..));
        }
    }

    fn holds_replies(&self, _: &Shard) -> bool {
        true
    }
}

#[test]
fn no_reply_leaves_before_its_barrier() {
    for shards in [2, 3] {
        let j = Journal::default();
        let server = TestServer::start(j.clone(), shards);
        let mut c = server.connect();
        // One at a time: a forwarded command's reply would be a direct one.
        for i in 0..300 {
            let key = format!("one:{i}");
            assert_eq!(c.call(&["PUT", &key]), b"+OK\r\n");
            assert!(j.durable.lock().unwrap().contains(key.as_bytes()), "{key}");
        }
        // Pipelined: each reply read finds its key durable.
        let keys: Vec<String> = (0..500).map(|i| format!("pipe:{i}")).collect();
        let mut batch = Vec::new();
        for k in &keys {
            batch.extend_from_slice(
                format!("*2\r\n$3\r\nPUT\r\n${}\r\n{k}\r\n", k.len()).as_bytes(),
            );
        }
        c.send(&batch);
        for k in &keys {
            assert_eq!(c.reply().as_deref(), Some(&b"+OK\r\n"[..]));
            assert!(j.durable.lock().unwrap().contains(k.as_bytes()), "{k}");
        }
    }
}
