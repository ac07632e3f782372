//! `memcached [-l ADDR] [-p PORT] [-t THREADS]`: the memcached text protocol on
//! kevy-rt (flags named as memcached's). Defaults: `-l 127.0.0.1 -p 11211`, one
//! shard per CPU. Prints `listening on ADDR` once ready.

use std::process::ExitCode;

use memcached::Memcached;

const USAGE: &str = "usage: memcached [-l ADDR] [-p PORT] [-t THREADS]";

fn main() -> ExitCode {
    let mut addr = "127.0.0.1".to_string();
    let mut port = "11211".to_string();
    let mut threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next();
        match (flag.as_str(), value) {
            ("-l" | "--listen", Some(v)) => addr = v,
            ("-p" | "--port", Some(v)) => port = v,
            ("-t" | "--threads", Some(v)) if v.parse::<usize>().is_ok_and(|n| n > 0) => {
                threads = v.parse().unwrap_or(1)
            }
            _ => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let rt = match Memcached::new().runtime(&format!("{addr}:{port}"), threads) {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("memcached: cannot listen on {addr}:{port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("listening on {}", rt.local_addr());
    match rt.run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("memcached: {e}");
            ExitCode::FAILURE
        }
    }
}
