//! The append-only file at start-up and shutdown: with `appendonly yes`,
//! load the AOF directory (Redis 7.0's choice: the AOF wins over any RDB
//! file), log what was read or why it could not be, open the files for
//! appending; at exit, make what was written durable.

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
    if !cfg.get_bool("appendonly") {
        return Ok(());
    }
    let t0 = std::time::Instant::now();
    match kevy_commands::aofrun::load(redis, shards) {
        Ok(None) => {}
        Ok(Some(loaded)) => {
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
    if let Err(e) = kevy_commands::aofrun::open(redis) {
        log::log(
            Level::Warning,
            &format!("Can't open the append-only file: {e}"),
        );
        return Err(());
    }
    Ok(())
}

/// Makes everything written durable (at exit).
pub fn stop(redis: &Redis) {
    if redis.shared().aof.is_open() {
        redis.shared().aof.close();
        log::log(Level::Notice, "Calling fsync() on the AOF file.");
    }
}
