//! A complete sharded key-value server on kevy-rt: `PING`, `SET key value` and
//! `GET key` over RESP, one shard per thread, each key owned by one shard.
//! Run: `cargo run -p embed -- 127.0.0.1:6380 2`, then `redis-cli -p 6380 set k v`.

use std::collections::HashMap;

use kevy_rt::{Args, Commands, Flow, LocalCx, Resolved, Route, Runtime, ShardInfo};

struct Kv;

impl Commands for Kv {
    type Shard = HashMap<Vec<u8>, Vec<u8>>; // this shard's keys
    type Cmd = bool; // true: SET, false: GET
    type Session = ();
    type Ctx = ();
    kevy_rt::single_shard!(); // every command runs on one shard: no plans to write

    fn new_shard(&self, _: ShardInfo) -> Self::Shard {
        HashMap::new()
    }

    fn resolve(&self, a: Args) -> Resolved<bool> {
        let verb = a.at(0).to_ascii_uppercase();
        let route = match (&verb[..], a.len()) {
            (b"SET", 3) | (b"GET", 2) => Route::Key(1), // run on the shard that owns a[1]
            _ => Route::Local,                          // PING or an error, on this shard
        };
        Resolved { cmd: verb == b"SET", route }
    }

    fn ctx(&self, _: &()) {}

    fn execute(&self, keys: &mut Self::Shard, _: (), set: bool, a: Args, out: &mut Vec<u8>) {
        if set {
            keys.insert(a.at(1).to_vec(), a.at(2).to_vec());
            return out.extend_from_slice(b"+OK\r\n");
        }
        match keys.get(a.at(1)) {
            Some(v) => out.extend_from_slice(&[format!("${}\r\n", v.len()).as_bytes(), v, b"\r\n"].concat()),
            None => out.extend_from_slice(b"$-1\r\n"),
        }
    }

    fn execute_local(&self, _: &mut Self::Shard, _: &mut (), _: &LocalCx, _: bool, a: Args, out: &mut Vec<u8>) -> Flow {
        let ping = a.at(0).eq_ignore_ascii_case(b"PING") && a.len() == 1;
        out.extend_from_slice(if ping { b"+PONG\r\n" } else { b"-ERR unknown command or wrong arity\r\n" });
        Flow::Continue
    }
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:6380".into());
    let shards = args.next().and_then(|n| n.parse().ok()).unwrap_or(2);
    let rt = Runtime::builder(Kv).bind(addr).shards(shards).build()?;
    println!("listening on {}", rt.local_addr());
    rt.run() // serves until the process is stopped
}
