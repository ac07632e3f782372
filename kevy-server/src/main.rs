//! `kevy-server`: configuration, logging, signals, then `Runtime::run`.
//!
//! ```text
//! kevy-server [/path/to/kevy.conf] [--name value ...]
//! ```
//! Settings use Redis's names (see `config`); defaults: `bind 127.0.0.1`,
//! `port 6379`, `threads` = number of CPUs.

mod alloc;
mod aof;
mod config;
mod crash;
mod log;
mod process;
mod signals;
mod title;
mod trim;

use std::io::Write;
use std::process::ExitCode;

use kevy_rt::Runtime;

use log::Level;

/// Every allocation counted per thread: `used_memory` and `maxmemory`.
#[global_allocator]
static ALLOC: alloc::Counting = alloc::Counting;

fn main() -> ExitCode {
    // Before any thread: the process title's area is made free to write.
    title::prepare();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = match config::Config::from_args(&args) {
        Ok(config::Parsed::Run(c)) => c,
        Ok(config::Parsed::Help) => {
            // A closed pipe (`--help | head`) is no reason to panic.
            let _ = writeln!(std::io::stdout(), "{}", config::USAGE);
            return ExitCode::SUCCESS;
        }
        Ok(config::Parsed::Version) => {
            let version = env!("CARGO_PKG_VERSION");
            let _ = writeln!(std::io::stdout(), "kevy-server v={version}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    // As Redis: a supervisor takes precedence over running in the background.
    let table = config.table();
    // The configuration is whole: its `rename-command`s hold from now on.
    table.seal_renames();
    let supervisor =
        process::Supervisor::from_setting(&table.get("supervised").unwrap_or_default());
    let background = table.get_bool("daemonize") && supervisor == process::Supervisor::None;
    if background {
        if let Err(e) = process::daemonize() {
            eprintln!("Can't run in the background: {e}");
            return ExitCode::FAILURE;
        }
    }
    let level = Level::parse(&config.loglevel()).unwrap_or(Level::Notice);
    if let Err(e) = log::init(level, &config.logfile()) {
        eprintln!("Can't open the log file: {e}");
        return ExitCode::FAILURE;
    }
    if table.get_bool("syslog-enabled") {
        log::open_syslog(
            &table.get("syslog-ident").unwrap_or_default(),
            &table.get("syslog-facility").unwrap_or_default(),
        );
    }
    let _pidfile =
        match process::PidFile::create(&table.get("pidfile").unwrap_or_default(), background) {
            Some(Ok(p)) => Some(p),
            Some(Err(e)) => {
                log::log(Level::Warning, &format!("Failed to write PID file: {e}"));
                None
            }
            None => None,
        };
    // The configured OOM score from the start (`oom-score-adj`; the
    // replica's class once a configured `replicaof` link starts).
    if let Err(why) = config.redis.config().oom_refresh(false) {
        log::log(Level::Warning, &why);
    }
    crash::install(table.get_bool("crash-log-enabled"));
    crash::install_signals(table.get_bool("use-exit-on-panic"));
    config
        .table()
        .on_change("crash-log-enabled", |v| crash::set_log(v == "yes"));
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
    redis.shared().log.set(|level, msg| {
        use kevy_commands::base::log::Level as L;
        let level = match level {
            L::Debug => Level::Debug,
            L::Verbose => Level::Verbose,
            L::Notice => Level::Notice,
            L::Warning => Level::Warning,
        };
        log::log(level, msg);
    });
    if let Err(e) = redis.load_acl_file() {
        log::log(
            Level::Warning,
            &format!("Aborting Redis startup because of ACL errors: {e}"),
        );
        return ExitCode::FAILURE;
    }
    let mut builder = Runtime::builder(redis.clone())
        .bind_all(config.listen_addrs())
        .shards(config.threads())
        .backlog(config.tcp_backlog())
        .io(config.io_backend())
        .move_after(config.move_after())
        .txn_spin(config.txn_spin())
        .sched(config.shard_sched())
        .cpus(config.shard_cpus())
        .limits(config.limits());
    if let Some(path) = &config.unixsocket() {
        builder = builder.unix_socket(path, config.unixsocketperm());
    }
    match config.tls() {
        Ok(Some((addr, tls))) => builder = builder.tls(addr, tls),
        Ok(None) => {}
        Err(e) => {
            log::log(Level::Warning, &format!("Failed to configure TLS: {e}"));
            return ExitCode::FAILURE;
        }
    }
    let rt = match builder.build() {
        Ok(rt) => rt,
        Err(e) => {
            log::log(
                Level::Warning,
                &format!("Failed listening on {}: {e}", config.bind()),
            );
            return ExitCode::FAILURE;
        }
    };
    redis.shared().set_listening_port(rt.local_addr().port());
    if table.get_bool("set-proc-title") {
        let (port, tls_port) = (
            rt.local_addr().port(),
            rt.tls_addr().map_or(0, |a| a.port()),
        );
        let titled = redis.clone();
        let show = move || {
            let vars = title_vars(&titled, port, tls_port);
            let template = titled
                .config()
                .get("proc-title-template")
                .unwrap_or_default();
            if let Some(t) = title::expand(&template, &vars) {
                title::set(&t);
            }
        };
        show();
        table.on_change("proc-title-template", move |_| show());
    }
    show_logo(
        table.get_bool("always-show-logo"),
        rt.local_addr().port(),
        config.threads(),
    );
    // As Redis: the listeners are bound and the banner is out before the
    // data is loaded; while it loads, the shards serve, answering
    // `-LOADING` to what may not run then (a test harness watching for
    // the banner's PID finds the port open), and "Ready to accept
    // connections" follows the load.
    let mut ready_line = format!(
        "kevy-server {} ready: listening on {} with {} shards ({} I/O, {}; {} scheduling; CPUs {})",
        env!("CARGO_PKG_VERSION"),
        rt.local_addrs()
            .iter()
            .map(|a| a.to_string())
            .collect::<Vec<_>>()
            .join(" "),
        config.threads(),
        rt.io().name(),
        rt.io_reason(),
        config.shard_sched().name(),
        config.shard_cpus().name()
    );
    if let Some(addr) = rt.tls_addr() {
        ready_line = format!("Ready to accept TLS connections on {addr}\n{ready_line}");
    }
    let ready = Ready {
        lines: ready_line,
        unix: config.unixsocket(),
        supervisor,
        addr: rt.local_addr(),
    };
    let shards = config.threads();
    if redis.loads_while_serving() {
        redis.begin_loading();
        let loader = redis.clone();
        let spawned = std::thread::Builder::new()
            .name("loading".into())
            .spawn(move || {
                if !load(&loader, shards) {
                    // As Redis: a load that fails ends the process.
                    std::process::exit(1);
                }
                loader.finish_loading();
                // The shards take their keys at their next loop iteration
                // (nudged) or tick; the last one ends the loading.
                while loader.is_loading() {
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
                ready.announce(&loader);
            });
        if let Err(e) = spawned {
            log::log(Level::Warning, &format!("cannot start loading: {e}"));
            return ExitCode::FAILURE;
        }
    } else {
        if !load(&redis, shards) {
            return ExitCode::FAILURE;
        }
        ready.announce(&redis);
    }
    let stopper = rt.stopper();
    let stats = rt.stats();
    trim::spawn(stats.clone());
    let on_signal = redis.clone();
    waiter.spawn(move |sig| {
        log::log(
            Level::Warning,
            &format!("Received {sig}, scheduling shutdown..."),
        );
        // As Redis: `shutdown-on-sigterm` / `shutdown-on-sigint` say
        // (`save`, `nosave`; by default a save rule configured means a
        // final save; `now` has no replicas to skip waiting for).
        let flags = on_signal
            .config()
            .get(if sig == "SIGINT" {
                "shutdown-on-sigint"
            } else {
                "shutdown-on-sigterm"
            })
            .unwrap_or_default();
        let has = |f: &str| flags.split_whitespace().any(|w| w == f);
        let save = if has("nosave") {
            false
        } else {
            has("save") || on_signal.has_save_rules()
        };
        on_signal.save_on_stop(save);
        stopper.stop();
    });
    let ran = rt.run();
    supervisor.stopping();
    aof::stop(&redis);
    match ran {
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
            if redis.is_loading() {
                // As Redis: a shutdown during loading saves nothing.
                log::log(
                    Level::Notice,
                    "kevy-server is now ready to exit, bye bye...",
                );
                return ExitCode::SUCCESS;
            }
            match redis.final_save() {
                Ok(None) => {}
                Ok(Some(bytes)) => {
                    log::log(Level::Notice, &format!("DB saved on disk ({bytes} bytes)"))
                }
                Err(e) => {
                    log::log(Level::Warning, &format!("Error trying to save the DB: {e}"));
                    return ExitCode::FAILURE;
                }
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
            if crash::panicked() && !redis.config().get_bool("use-exit-on-panic") {
                // As Redis after a panic: abort (a core dump) unless
                // `use-exit-on-panic yes` asks for exit(1).
                std::process::abort();
            }
            ExitCode::FAILURE
        }
    }
}

/// Loads the data at start-up: the append-only file when it is on (it
/// alone, as Redis 7.0), else `dir`/`dbfilename` if it exists; false
/// (after logging why) when it does not load.
fn load(redis: &kevy_commands::Redis, shards: usize) -> bool {
    if aof::start(redis, shards).is_err() {
        return false;
    }
    redis.config().get_bool("appendonly") || load_rdb(redis, shards)
}

/// What is announced once the data is loaded and the shards have it.
struct Ready {
    /// The "ready: listening on" line (and TLS's before it).
    lines: String,
    /// The Unix socket, if any.
    unix: Option<std::path::PathBuf>,
    supervisor: process::Supervisor,
    /// Where the rewrite scheduler connects.
    addr: std::net::SocketAddr,
}

impl Ready {
    /// Starts the rewrite scheduler, then says so in the log and to the
    /// supervisor, in Redis 7.0's own words, which supervisors and test
    /// harnesses wait for.
    fn announce(self, redis: &kevy_commands::Redis) {
        aof::spawn_scheduler(redis, self.addr);
        for line in self.lines.lines() {
            log::log(Level::Notice, line);
        }
        log::log(Level::Notice, "Ready to accept connections");
        if let Some(path) = &self.unix {
            log::log(
                Level::Notice,
                &format!(
                    "The server is now ready to accept connections at {}",
                    path.display()
                ),
            );
        }
        if let Err(e) = self.supervisor.ready() {
            log::log(
                Level::Warning,
                &format!("Failed to notify the supervisor: {e}"),
            );
        }
    }
}

/// Loads `dir`/`dbfilename` if it exists, for `shards` shards; false (after
/// logging why) when it exists but does not load, as Redis stops then.
fn load_rdb(redis: &kevy_commands::Redis, shards: usize) -> bool {
    let t0 = std::time::Instant::now();
    match redis.load_file(shards) {
        Ok(None) => true,
        Ok(Some(info)) => {
            for key in &info.empty_keys {
                log::log(
                    Level::Warning,
                    &format!(
                        "rdbLoadObject skipping empty key: {}",
                        String::from_utf8_lossy(key)
                    ),
                );
            }
            let done = format!(
                "Done loading RDB, keys loaded: {}, keys expired: {}",
                info.loaded, info.expired
            );
            if info.empty > 0 {
                let skipped = format!("{done}, empty keys skipped: {}.", info.empty);
                log::log(Level::Warning, &skipped);
            } else {
                log::log(Level::Notice, &format!("{done}."));
            }
            log::log(
                Level::Notice,
                &format!(
                    "DB loaded from disk: {:.3} seconds ({} keys loaded, {} expired)",
                    t0.elapsed().as_secs_f64(),
                    info.loaded,
                    info.expired
                ),
            );
            if info.functions > 0 {
                log::log(
                    Level::Notice,
                    &format!(
                        "Done loading RDB, {} function libraries loaded",
                        info.functions
                    ),
                );
            }
            true
        }
        Err(e)
            if e.0
                .starts_with(kevy_commands::persist::rdb::read::READING_AT) =>
        {
            // Redis's `rdbReportError` on a file being loaded: the reason,
            // then (where `redis-check-rdb` would print its analysis) where
            // it was, then the end.
            let mut lines = e.0.lines();
            let first = lines.next().unwrap_or_default();
            log::log(Level::Warning, first);
            log::log(Level::Warning, "--- RDB ERROR DETECTED ---");
            if let Some((at, why)) = first.split_once(" -> ") {
                let offset = at.rsplit(' ').next().unwrap_or("0");
                log::log(Level::Warning, &format!("[offset {offset}] {why}"));
            }
            for line in lines {
                log::log(Level::Warning, line);
            }
            log::log(
                Level::Warning,
                "Terminating server after rdb file reading failure.",
            );
            false
        }
        Err(e) if e.0.starts_with("Fatal error") => {
            log::log(Level::Warning, &e.0);
            false
        }
        Err(e) => {
            log::log(
                Level::Warning,
                &format!("Fatal error loading the DB: {e}. Exiting."),
            );
            false
        }
    }
}

/// Redis's start-up banner: with `always-show-logo yes`, a logo with the
/// version, mode, port and pid (Redis's ASCII art is its own; this is
/// kevy's); else Redis's one line, `Running mode=standalone, port=N.`.
fn show_logo(always: bool, port: u16, shards: usize) {
    if !always {
        log::log(
            Level::Notice,
            &format!("Running mode=standalone, port={port}."),
        );
        return;
    }
    let version = env!("CARGO_PKG_VERSION");
    let pid = std::process::id();
    let bits = usize::BITS;
    let logo = [
        String::new(),
        r"   _".to_string(),
        format!(r"  | | _______   ___   _     kevy-server {version} ({bits} bit)"),
        r"  | |/ / _ \ \ / / | | |    Redis 7.0 compatible".to_string(),
        format!(r"  |   <  __/\ V /| |_| |    Running in standalone mode, {shards} shards"),
        format!(r"  |_|\_\___| \_/  \__, |    Port: {port}"),
        format!(r"                  |___/     PID: {pid}"),
        String::new(),
    ];
    for line in logo {
        log::log(Level::Notice, &line);
    }
}

/// What a `proc-title-template`'s variables stand for in this server
/// (Redis's `redisProcTitleGetVariable`).
fn title_vars(redis: &kevy_commands::Redis, port: u16, tls_port: u16) -> title::Vars {
    let cfg = redis.config();
    let unixsocket = cfg.get("unixsocket").unwrap_or_default();
    let bind = cfg.get("bind").unwrap_or_default();
    let first = bind.split_whitespace().next().unwrap_or("*").to_string();
    let listen_addr = match (port, tls_port) {
        (0, 0) => format!("unixsocket:{unixsocket}"),
        (0, tls) => format!("{first}:{tls}"),
        (p, _) => format!("{first}:{p}"),
    };
    let config_file = cfg
        .file()
        .map(|f| std::path::absolute(&f).unwrap_or(f).display().to_string())
        .unwrap_or_else(|| "-".into());
    title::Vars {
        title: title::arg0(),
        listen_addr,
        config_file,
        port,
        tls_port,
        unixsocket,
    }
}
