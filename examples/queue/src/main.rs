//! `queue [ADDR] [SHARDS]`: serves the queue command set over RESP.
//! Defaults: `127.0.0.1:6391`, one shard per CPU. Prints `listening on ADDR`.

use std::process::ExitCode;

use kevy_rt::Runtime;
use queue::Queues;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:6391".into());
    let mut builder = Runtime::builder(Queues).bind(addr);
    if let Some(n) = args.next() {
        match n.parse() {
            Ok(n) => builder = builder.shards(n),
            Err(_) => {
                eprintln!("usage: queue [ADDR] [SHARDS]");
                return ExitCode::from(2);
            }
        }
    }
    let rt = match builder.build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("queue: cannot listen: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("listening on {}", rt.local_addr());
    match rt.run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("queue: {e}");
            ExitCode::FAILURE
        }
    }
}
