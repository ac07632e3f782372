//! `kevy-server`: configuration, logging, signals, then `Runtime::run`.
//!
//! ```text
//! kevy-server [/path/to/kevy.conf] [--name value ...]
//! ```
//! Settings use Redis's names (see `config`); defaults: `bind 127.0.0.1`,
//! `port 6379`, `threads` = number of CPUs.

mod alloc;
mod config;
mod log;
mod signals;
mod trim;

use std::process::ExitCode;

use kevy_rt::Runtime;

use log::Level;

/// Every allocation counted per thread: `used_memory` and `maxmemory`.
#[global_allocator]
static ALLOC: alloc::Counting = alloc::Counting;

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
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    let level = Level::parse(&config.loglevel()).unwrap_or(Level::Notice);
    if let Err(e) = log::init(level, &config.logfile()) {
        eprintln!("Can't open the log file: {e}");
        return ExitCode::FAILURE;
    }
    config.table().on_change("loglevel", |v| {
        if let Some(level) = Level::parse(v) {
            log::set_level(level);
        }
    });
    // Block the stop signals before any thread starts, so only the waiter sees them.
    let waiter = match signals::StopSignals::block() {
        Ok(w) => w,
        Err(e) => {
            log::log(
                Level::Warning,
                &format!("cannot set up signal handling: {e}"),
            );
            return ExitCode::FAILURE;
        }
    };
    // The runtime's live settings (maxclients, timeout…) follow the
    // command set's settings registry once the shards start.
    let redis = config.redis.clone().memory_gauge(&alloc::GAUGE);
    if let Err(e) = redis.load_acl_file() {
        log::log(
            Level::Warning,
            &format!("Aborting Redis startup because of ACL errors: {e}"),
        );
        return ExitCode::FAILURE;
    }
    let mut builder = Runtime::builder(redis.clone())
        .bind(config.listen_addr())
        .shards(config.threads())
        .backlog(config.tcp_backlog())
        .limits(config.limits());
    if let Some(path) = &config.unixsocket() {
        builder = builder.unix_socket(path, config.unixsocketperm());
    }
    let rt = match builder.build() {
        Ok(rt) => rt,
        Err(e) => {
            log::log(
                Level::Warning,
                &format!("Failed listening on {}: {e}", config.listen_addr()),
            );
            return ExitCode::FAILURE;
        }
    };
    redis.shared().set_listening_port(rt.local_addr().port());
    log::log(
        Level::Notice,
        &format!(
            "kevy-server {} ready: listening on {} with {} shards",
            env!("CARGO_PKG_VERSION"),
            rt.local_addr(),
            config.threads()
        ),
    );
    if let Some(path) = &config.unixsocket() {
        log::log(
            Level::Notice,
            &format!(
                "The server is now ready to accept connections at {}",
                path.display()
            ),
        );
    }
    let stopper = rt.stopper();
    let stats = rt.stats();
    trim::spawn(stats.clone());
    waiter.spawn(move |sig| {
        log::log(
            Level::Warning,
            &format!("Received {sig}, scheduling shutdown..."),
        );
        stopper.stop();
    });
    match rt.run() {
        Ok(()) => {
            for (i, s) in stats.shards().iter().enumerate() {
                use std::sync::atomic::Ordering::Relaxed;
                log::log(
                    Level::Verbose,
                    &format!(
                        "shard {i}: {} connections accepted, {} commands, {} wake-ups sent, {} parks",
                        s.accepted.load(Relaxed),
                        s.commands.load(Relaxed),
                        s.wakeups.load(Relaxed),
                        s.parks.load(Relaxed)
                    ),
                );
            }
            log::log(
                Level::Notice,
                "kevy-server is now ready to exit, bye bye...",
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            log::log(
                Level::Warning,
                &format!("kevy-server stopped on an error: {e}"),
            );
            ExitCode::FAILURE
        }
    }
}
