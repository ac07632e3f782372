//! The settings kevy-server understands, with Redis's names. Each is parsed,
//! validated and stored; settings kevy does not implement yet are refused with
//! a reason rather than accepted and ignored.

use std::path::PathBuf;

use super::Config;

type Apply = fn(&mut Config, &[String]) -> Result<(), String>;

/// Settings refused because kevy does not implement them yet.
const NOT_YET: &[(&str, &str)] = &[
    ("requirepass", "AUTH is not implemented yet"),
    ("masterauth", "replication is not implemented yet"),
    ("masteruser", "replication is not implemented yet"),
    ("replicaof", "replication is not implemented yet"),
    ("slaveof", "replication is not implemented yet"),
    ("aclfile", "ACLs are not implemented yet"),
    ("user", "ACLs are not implemented yet"),
    ("cluster-enabled", "cluster mode is not implemented"),
    ("io-threads", "kevy is thread-per-core: use 'threads N'"),
    ("rename-command", "command renaming is not implemented yet"),
];

fn int<T: std::str::FromStr>(v: &str) -> Result<T, String> {
    v.parse()
        .map_err(|_| "argument couldn't be parsed into an integer".to_string())
}

fn one(values: &[String]) -> Result<&str, String> {
    match values {
        [v] => Ok(v),
        _ => Err("wrong number of arguments".into()),
    }
}

fn yes_no(v: &str) -> Result<bool, String> {
    match v.to_ascii_lowercase().as_str() {
        "yes" => Ok(true),
        "no" => Ok(false),
        _ => Err("argument must be 'yes' or 'no'".into()),
    }
}

/// Parses a memory amount like Redis (`100`, `1kb`, `5mb`, `1gb`, `1k`, `1m`, `1g`).
fn memory(v: &str) -> Result<u64, String> {
    let lower = v.to_ascii_lowercase();
    let (num, mul) = [
        ("gb", 1u64 << 30),
        ("mb", 1 << 20),
        ("kb", 1 << 10),
        ("g", 1_000_000_000),
        ("m", 1_000_000),
        ("k", 1000),
        ("b", 1),
    ]
    .iter()
    .find_map(|(suffix, mul)| lower.strip_suffix(suffix).map(|n| (n.to_string(), *mul)))
    .unwrap_or((lower.clone(), 1));
    let n: u64 = num
        .parse()
        .map_err(|_| "argument must be a memory value".to_string())?;
    n.checked_mul(mul)
        .ok_or_else(|| "argument must be a memory value".to_string())
}

const TABLE: &[(&str, Apply)] = &[
    ("port", |c, v| {
        c.port = int(one(v)?).map_err(|_| "Invalid port".to_string())?;
        Ok(())
    }),
    ("bind", |c, v| match v {
        [addr] => {
            c.bind = addr.trim_start_matches('-').to_string();
            Ok(())
        }
        [] => Err("wrong number of arguments".into()),
        _ => Err("kevy listens on one address: give a single bind address".into()),
    }),
    ("threads", |c, v| match int::<usize>(one(v)?) {
        Ok(n) if (1..=256).contains(&n) => {
            c.threads = n;
            Ok(())
        }
        _ => Err("threads must be between 1 and 256".into()),
    }),
    ("tcp-backlog", |c, v| {
        c.tcp_backlog = int(one(v)?)?;
        Ok(())
    }),
    ("timeout", |c, v| {
        c.timeout = int(one(v)?).map_err(|_| "Invalid timeout value".to_string())?;
        Ok(())
    }),
    ("tcp-keepalive", |c, v| {
        c.tcp_keepalive = int(one(v)?)?;
        Ok(())
    }),
    ("maxclients", |c, v| match int::<u64>(one(v)?) {
        Ok(n) if n >= 1 => {
            c.maxclients = n;
            Ok(())
        }
        _ => Err("Invalid max clients limit".into()),
    }),
    ("databases", |c, v| match int::<usize>(one(v)?) {
        Ok(n) if n >= 1 => {
            c.databases = n;
            Ok(())
        }
        _ => Err("Invalid number of databases".into()),
    }),
    ("unixsocket", |c, v| {
        let p = one(v)?;
        c.unixsocket = (!p.is_empty()).then(|| PathBuf::from(p));
        Ok(())
    }),
    ("unixsocketperm", |c, v| {
        let p = one(v)?;
        c.unixsocketperm = Some(
            u32::from_str_radix(p, 8).map_err(|_| "Invalid socket file permissions".to_string())?,
        );
        Ok(())
    }),
    ("loglevel", |c, v| {
        let l = one(v)?.to_ascii_lowercase();
        match l.as_str() {
            "debug" | "verbose" | "notice" | "warning" | "nothing" => {
                c.loglevel = l;
                Ok(())
            }
            _ => Err(
                "Invalid log level. Must be one of debug, verbose, notice, warning, nothing".into(),
            ),
        }
    }),
    ("logfile", |c, v| {
        c.logfile = one(v)?.to_string();
        Ok(())
    }),
    ("dir", |c, v| {
        c.dir = Some(PathBuf::from(one(v)?));
        Ok(())
    }),
    ("dbfilename", |c, v| {
        c.dbfilename = one(v)?.to_string();
        Ok(())
    }),
    ("save", |_, v| {
        // Only the "no snapshots" form until persistence exists.
        if v.iter().all(|s| s.is_empty()) {
            Ok(())
        } else {
            Err("snapshots (save) are not implemented yet; use save \"\"".into())
        }
    }),
    ("appendonly", |_, v| {
        if yes_no(one(v)?)? {
            Err("the append-only file is not implemented yet; use appendonly no".into())
        } else {
            Ok(())
        }
    }),
    ("appendfsync", |c, v| {
        let p = one(v)?.to_ascii_lowercase();
        match p.as_str() {
            "always" | "everysec" | "no" => {
                c.appendfsync = p;
                Ok(())
            }
            _ => Err("argument(s) must be one of the following: always, everysec, no".into()),
        }
    }),
    ("maxmemory", |_, v| {
        if memory(one(v)?)? == 0 {
            Ok(())
        } else {
            Err("maxmemory is not implemented yet; use maxmemory 0".into())
        }
    }),
    ("maxmemory-policy", |c, v| {
        let p = one(v)?.to_ascii_lowercase();
        const POLICIES: [&str; 8] = [
            "volatile-lru",
            "volatile-lfu",
            "volatile-random",
            "volatile-ttl",
            "allkeys-lru",
            "allkeys-lfu",
            "allkeys-random",
            "noeviction",
        ];
        if POLICIES.contains(&p.as_str()) {
            c.maxmemory_policy = p;
            Ok(())
        } else {
            Err("argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction".into())
        }
    }),
    ("daemonize", |_, v| {
        if yes_no(one(v)?)? {
            Err("daemonize yes is not supported: run kevy-server under a supervisor".into())
        } else {
            Ok(())
        }
    }),
    ("protected-mode", |c, v| {
        // Protected mode only matters when listening beyond loopback.
        let on = yes_no(one(v)?)?;
        let loopback = c.bind == "127.0.0.1" || c.bind == "::1" || c.bind == "localhost";
        if on && !loopback {
            Err("protected-mode is not implemented yet for non-loopback binds".into())
        } else {
            Ok(())
        }
    }),
];

/// Applies directive `name` with `values` to `c`.
pub fn apply(c: &mut Config, name: &str, values: &[String]) -> Result<(), String> {
    let name = name.to_ascii_lowercase();
    if let Some((_, why)) = NOT_YET.iter().find(|(n, _)| *n == name) {
        return Err(format!("'{name}' is not supported: {why}"));
    }
    if name.starts_with("tls-") {
        return Err("TLS is not implemented yet".into());
    }
    let Some((_, f)) = TABLE.iter().find(|(n, _)| *n == name) else {
        return Err("Bad directive or wrong number of arguments".into());
    };
    f(c, values)?;
    c.given.retain(|(n, _)| *n != name);
    c.given.push((name, values.to_vec()));
    Ok(())
}
