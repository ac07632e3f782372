//! The append-only file at start-up and shutdown: with `appendonly yes`,
//! load the AOF directory (Redis 7.0's choice: the AOF wins over any RDB
//! file), log what was read or why it could not be, open the files for
//! appending; at exit, make what was written durable.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use kevy_commands::Redis;

use crate::log::{self, Level};

/// Loads and opens the AOF when `appendonly` is on; an error stops the
/// start-up (the message is already logged).
pub fn start(redis: &Redis, shards: usize) -> Result<(), ()> {
    let cfg = redis.config();
    let shared = redis.shared().clone();
    cfg.on_change("appendfsync", move |v| {
        if let Some(p) = kevy_commands::aof::Fsync::parse(v) {
            shared.aof.set_policy(p);
        }
    });
    shared_nofsync(redis);
    let turned = redis.clone();
    cfg.on_change("appendonly", move |v| {
        let aof = &turned.shared().aof;
        match (v == "yes", aof.is_enabled()) {
            (true, false) if aof.one_off() => {
                // A rewrite of the AOF while off is running: keep its files.
                let (_, _, policy) = kevy_commands::aof::paths(turned.config());
                aof.keep_open(policy);
                aof.schedule(true);
            }
            (true, false) => match kevy_commands::aofrun::open(&turned, true) {
                // As Redis's startAppendOnly: a rewrite makes the base
                // (always scheduled here: the rewrite thread asks for it,
                // as Redis does inside a transaction).
                Ok(()) => {
                    aof.schedule(true);
                    log::log(
                        Level::Notice,
                        "AOF was enabled. An AOF background was scheduled to start when possible.",
                    );
                }
                Err(e) => log::log(
                    Level::Warning,
                    &format!("Can't open the append-only file: {e}"),
                ),
            },
            (false, true) => {
                // As Redis's stopAppendOnly: a rewrite in progress stops
                // (its "child" is the shards' snapshots and the writer
                // thread of this process), and gives the snapshots back.
                if aof.kill_rewrite() {
                    log::log(
                        Level::Notice,
                        &format!("Killing running AOF rewrite child: {}", std::process::id()),
                    );
                    turned
                        .shared()
                        .persist
                        .release(kevy_commands::persist::state::child::AOF);
                }
                aof.close();
            }
            _ => {}
        }
    });
    if !cfg.get_bool("appendonly") {
        return Ok(());
    }
    let t0 = std::time::Instant::now();
    match kevy_commands::aofrun::load(redis, shards) {
        Ok(None) => {}
        Ok(Some(loaded)) => {
            if let Some(dir) = &loaded.migrated {
                log::log(
                    Level::Notice,
                    &format!(
                        "Successfully migrated an old-style AOF into the AOF directory {dir}."
                    ),
                );
            }
            if let Some((file, at)) = &loaded.truncated {
                log::log(
                    Level::Warning,
                    &format!("!!! Warning: short read while loading the AOF file {file}!!! AOF loaded anyway because aof-load-truncated is enabled (truncated at offset {at})"),
                );
            }
            log::log(
                Level::Notice,
                &format!(
                    "DB loaded from append only file ({}): {} commands, {:.3} seconds",
                    loaded.files.join(", "),
                    loaded.commands,
                    t0.elapsed().as_secs_f64()
                ),
            );
        }
        Err(e) => {
            log::log(Level::Warning, &e);
            return Err(());
        }
    }
    if let Err(e) = kevy_commands::aofrun::open(redis, false) {
        log::log(
            Level::Warning,
            &format!("Can't open the append-only file: {e}"),
        );
        return Err(());
    }
    Ok(())
}

/// Starts the thread that starts rewrites: the ones asked for (`CONFIG SET
/// appendonly yes`) and the automatic ones (`auto-aof-rewrite-percentage`
/// growth over the size after the last rewrite, past
/// `auto-aof-rewrite-min-size`), as a client of the server at `addr` sending
/// `BGREWRITEAOF` (a rewrite needs every shard's cut, which only a command
/// can take).
pub fn spawn_scheduler(redis: &Redis, addr: SocketAddr) {
    let redis = redis.clone();
    let mut addr = addr;
    if addr.ip().is_unspecified() {
        addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    let _ = std::thread::Builder::new()
        .name("aof-rewrite-cron".into())
        .spawn(move || loop {
            std::thread::sleep(Duration::from_millis(100));
            let aof = &redis.shared().aof;
            if aof.rewriting() || redis.shared().persist.job().is_some() {
                // One background job at a time: a scheduled rewrite waits
                // for a background save to end.
                continue;
            }
            if aof.scheduled() || (aof.is_enabled() && wants_rewrite(&redis)) {
                log::log(Level::Notice, "Starting automatic rewriting of AOF");
                let pass = redis.config().get("requirepass").filter(|p| !p.is_empty());
                if let Err(e) = ask_rewrite(addr, pass.as_deref()) {
                    log::log(Level::Warning, &format!("Can't start the AOF rewrite: {e}"));
                    std::thread::sleep(Duration::from_secs(1));
                }
            }
        });
}

/// Redis's `serverCron` test: the AOF grew by the percentage over its size
/// after the last rewrite, and is past the minimum size.
fn wants_rewrite(redis: &Redis) -> bool {
    let cfg = redis.config();
    let pct = cfg.get_i64("auto-aof-rewrite-percentage");
    let min = cfg.get_i64("auto-aof-rewrite-min-size").max(0) as u64;
    let Some((base, incr)) = redis.shared().aof.sizes() else {
        return false;
    };
    let size = base + incr;
    if pct <= 0 || size <= min {
        return false;
    }
    let growth = (size * 100 / base.max(1)) as i64 - 100;
    growth >= pct
}

fn ask_rewrite(addr: SocketAddr, pass: Option<&str>) -> std::io::Result<()> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(1))?;
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut buf = [0u8; 256];
    if let Some(pass) = pass {
        // With `requirepass`, the server's own connection authenticates first.
        let auth = format!("*2\r\n$4\r\nAUTH\r\n${}\r\n{pass}\r\n", pass.len());
        s.write_all(auth.as_bytes())?;
        let n = s.read(&mut buf)?;
        if !buf.get(..n).is_some_and(|r| r.starts_with(b"+")) {
            return Err(std::io::Error::other(
                String::from_utf8_lossy(&buf[..n]).into_owned(),
            ));
        }
    }
    s.write_all(b"*1\r\n$12\r\nBGREWRITEAOF\r\n")?;
    let n = s.read(&mut buf)?;
    if buf.get(..n).is_some_and(|r| r.starts_with(b"+")) {
        Ok(())
    } else {
        Err(std::io::Error::other(
            String::from_utf8_lossy(&buf[..n]).into_owned(),
        ))
    }
}

/// Makes everything written durable (at exit).
pub fn stop(redis: &Redis) {
    if redis.shared().aof.is_open() {
        redis.shared().aof.close();
        log::log(Level::Notice, "Calling fsync() on the AOF file.");
    }
}

/// The AOF's yes/no settings the writer reads (`no-appendfsync-on-rewrite`,
/// `aof-timestamp-enabled`), from the configuration and on CONFIG SET.
fn shared_nofsync(redis: &Redis) {
    let follow = |name: &'static str, set: fn(&kevy_commands::aof::Aof, bool)| {
        let shared = redis.shared().clone();
        set(&shared.aof, redis.config().get_bool(name));
        redis
            .config()
            .on_change(name, move |v| set(&shared.aof, v == "yes"));
    };
    follow("no-appendfsync-on-rewrite", |aof, on| {
        aof.set_no_fsync_on_rewrite(on)
    });
    follow("aof-timestamp-enabled", |aof, on| aof.set_timestamps(on));
}
