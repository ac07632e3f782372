//! `kevy-server`: configuration, signals, then `Runtime::run`.
//!
//! ```text
//! kevy-server [--bind ADDR] [--port PORT] [--threads N]
//! ```
//! Defaults: `--bind 127.0.0.1 --port 6379 --threads <number of CPUs>`.

mod config;
mod signals;

use std::process::ExitCode;

use kevy_commands::Redis;
use kevy_rt::Runtime;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = match config::Config::from_args(&args) {
        Ok(config::Parsed::Run(c)) => c,
        Ok(config::Parsed::Help) => {
            println!("{}", config::USAGE);
            return ExitCode::SUCCESS;
        }
        Ok(config::Parsed::Version) => {
            println!("kevy-server v={}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("kevy-server: {e}\n\n{}", config::USAGE);
            return ExitCode::from(2);
        }
    };
    // Block the stop signals before any thread starts, so only the waiter sees them.
    let waiter = match signals::StopSignals::block() {
        Ok(w) => w,
        Err(e) => {
            eprintln!("kevy-server: cannot set up signal handling: {e}");
            return ExitCode::FAILURE;
        }
    };
    let rt = match Runtime::builder(Redis::default())
        .bind(config.listen_addr())
        .shards(config.threads)
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!(
                "kevy-server: cannot listen on {}: {e}",
                config.listen_addr()
            );
            return ExitCode::FAILURE;
        }
    };
    log(&format!(
        "kevy-server {} ready: listening on {} with {} shards",
        env!("CARGO_PKG_VERSION"),
        rt.local_addr(),
        config.threads
    ));
    let stopper = rt.stopper();
    let stats = rt.stats();
    waiter.spawn(move |sig| {
        log(&format!("Received {sig}, shutting down."));
        stopper.stop();
    });
    match rt.run() {
        Ok(()) => {
            for (i, s) in stats.shards().iter().enumerate() {
                use std::sync::atomic::Ordering::Relaxed;
                log(&format!(
                    "shard {i}: {} connections accepted, {} commands, {} wake-ups sent, {} parks",
                    s.accepted.load(Relaxed),
                    s.commands.load(Relaxed),
                    s.wakeups.load(Relaxed),
                    s.parks.load(Relaxed)
                ));
            }
            log("kevy-server is now ready to exit, bye bye...");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("kevy-server: {e}");
            ExitCode::FAILURE
        }
    }
}

/// One log line on stdout, flushed (tests wait for the "ready" line).
fn log(msg: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}:M {msg}", std::process::id());
    let _ = out.flush();
}
