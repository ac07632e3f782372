//! `kevy-server`: configuration, logging, signals, then `Runtime::run`.
//!
//! ```text
//! kevy-server [/path/to/kevy.conf] [--name value ...]
//! ```
//! Settings use Redis's names (see `config`); defaults: `bind 127.0.0.1`,
//! `port 6379`, `threads` = number of CPUs.

mod config;
mod log;
mod signals;
mod trim;

use std::process::ExitCode;
use std::time::Duration;

use kevy_commands::Redis;
use kevy_rt::{Runtime, Settings};

use log::Level;

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
    let level = Level::parse(&config.loglevel).unwrap_or(Level::Notice);
    if let Err(e) = log::init(level, &config.logfile) {
        eprintln!("Can't open the log file: {e}");
        return ExitCode::FAILURE;
    }
    if let Some(dir) = &config.dir {
        if let Err(e) = std::env::set_current_dir(dir) {
            log::log(
                Level::Warning,
                &format!("Can't chdir to '{}': {e}", dir.display()),
            );
            return ExitCode::FAILURE;
        }
    }
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
    let settings = Settings::new();
    settings.set_max_clients(config.maxclients);
    settings.set_idle_timeout(Duration::from_secs(config.timeout));
    settings.set_keepalive_secs(config.tcp_keepalive);
    let mut builder = Runtime::builder(Redis::new().databases(config.databases))
        .bind(config.listen_addr())
        .shards(config.threads)
        .backlog(config.tcp_backlog)
        .settings(settings);
    if let Some(path) = &config.unixsocket {
        builder = builder.unix_socket(path, config.unixsocketperm);
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
    log::log(
        Level::Notice,
        &format!(
            "kevy-server {} ready: listening on {} with {} shards",
            env!("CARGO_PKG_VERSION"),
            rt.local_addr(),
            config.threads
        ),
    );
    if let Some(path) = &config.unixsocket {
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
