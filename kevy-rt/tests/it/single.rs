//! A single-shard command set written with `kevy_rt::single_shard!`: keyed
//! commands run on their shard; a request whose keys span shards gets the
//! macro's error reply instead of hanging.

use kevy_rt::{Args, Commands, Flow, LocalCx, Resolved, Route, Router, Runtime, ShardInfo};

use crate::client::Raw;

struct Store;

impl Commands for Store {
    type Shard = std::collections::HashMap<Vec<u8>, Vec<u8>>;
    type Cmd = bool;
    type Session = ();
    type Ctx = ();
    kevy_rt::single_shard!();

    fn new_shard(&self, _: ShardInfo) -> Self::Shard {
        Default::default()
    }

    fn resolve(&self, args: Args<'_>) -> Resolved<bool> {
        let keys = Route::Keys {
            first: 1,
            last: -1,
            step: 1,
        };
        match args.at(0) {
            b"PUT" if args.len() == 3 => Resolved {
                cmd: true,
                route: Route::Key(1),
            },
            b"COUNT" if args.len() >= 2 => Resolved {
                cmd: false,
                route: keys,
            },
            _ => Resolved {
                cmd: false,
                route: Route::Local,
            },
        }
    }

    fn ctx(&self, _: &()) {}

    fn execute(&self, map: &mut Self::Shard, _: (), put: bool, a: Args<'_>, out: &mut Vec<u8>) {
        if put {
            map.insert(a.at(1).to_vec(), a.at(2).to_vec());
            out.extend_from_slice(b"+OK\r\n");
        } else {
            let n = a.skip(1).iter().filter(|k| map.contains_key(*k)).count();
            out.extend_from_slice(format!(":{n}\r\n").as_bytes());
        }
    }

    fn execute_local(
        &self,
        _: &mut Self::Shard,
        _: &mut (),
        _: &LocalCx,
        _: bool,
        _: Args<'_>,
        out: &mut Vec<u8>,
    ) -> Flow {
        out.extend_from_slice(b"-ERR bad request\r\n");
        Flow::Continue
    }
}

#[test]
fn multi_shard_requests_get_the_error_reply() {
    let server = Runtime::builder(Store)
        .bind("127.0.0.1:0")
        .shards(2)
        .build()
        .expect("build")
        .start()
        .expect("start");
    let router = Router::new(2);
    let on = |s: usize| {
        (0..)
            .map(|i| format!("k{i}"))
            .find(|k| router.shard_of(k.as_bytes()) == s)
            .unwrap()
    };
    let (a, b) = (on(0), on(1));
    let mut c = Raw::connect(server.addr());
    assert_eq!(c.call(&["PUT", &a, "1"]), b"+OK\r\n");
    assert_eq!(c.call(&["PUT", &b, "2"]), b"+OK\r\n");
    assert_eq!(c.call(&["COUNT", &a, &a]), b":2\r\n");
    assert_eq!(
        c.call(&["COUNT", &a, &b]),
        b"-ERR keys on several shards: this command set runs on one shard only\r\n".to_vec()
    );
    assert_eq!(c.call(&["COUNT", &b]), b":1\r\n");
    server.stop();
}
