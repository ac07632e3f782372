//! `counters [ADDR] [SHARDS]`: serves the counters command set over RESP.
//! Defaults: `127.0.0.1:6390`, one shard per CPU. Prints `listening on ADDR`.

use std::process::ExitCode;

use counters::Counters;
use kevy_rt::Runtime;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:6390".into());
    let mut builder = Runtime::builder(Counters).bind(addr);
    if let Some(n) = args.next() {
        match n.parse() {
            Ok(n) => builder = builder.shards(n),
            Err(_) => {
                eprintln!("usage: counters [ADDR] [SHARDS]");
                return ExitCode::from(2);
            }
        }
    }
    let rt = match builder.build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("counters: cannot listen: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("listening on {}", rt.local_addr());
    match rt.run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("counters: {e}");
            ExitCode::FAILURE
        }
    }
}
