//! Configuration: a redis.conf-format file and `--name value` flags with Redis's
//! setting names, like `redis-server /path/redis.conf --port 7000`.
//!
//! Every directive goes through the command set's settings registry
//! ([`ConfigTable`]), the same one `CONFIG GET | SET | REWRITE` use: unknown
//! directives, malformed values and settings kevy does not implement yet
//! stop start-up with a message naming the file line, in the manner of
//! Redis's "FATAL CONFIG FILE ERROR".

mod split;

use std::fmt;
use std::path::PathBuf;

use kevy_commands::config::ConfigTable;
use kevy_commands::Redis;
use kevy_rt::tls::rustls::ServerConfig as TlsServerConfig;
use kevy_rt::tls::{ClientAuth, TlsConfig};

/// The parsed configuration: the command set, whose settings registry holds
/// every value.
#[derive(Clone, Debug)]
pub struct Config {
    /// The command set the settings belong to.
    pub redis: Redis,
}

/// What the command line asks for.
#[derive(Debug)]
pub enum Parsed {
    Run(Box<Config>),
    Help,
    Version,
}

/// A configuration mistake, ready to print.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub const USAGE: &str = "Usage: kevy-server [/path/to/kevy.conf] [--name value ...]
  Settings use Redis's names, in the file or as flags, e.g.:
  --bind ADDR       addresses to listen on (default \"* -::*\": every IPv4
                    and, when there is one, every IPv6 address; protected
                    mode refuses non-local clients while there is no password)
  --port PORT       TCP port (default 6379; 0 picks a free port)
  --threads N       shards, one thread each (default: $KEVY_THREADS, else
                    the number of CPUs)
  --maxclients N    --timeout SECS   --tcp-keepalive SECS   --databases N
  --unixsocket PATH --unixsocketperm OCTAL  --loglevel LEVEL --logfile PATH
  --io epoll|uring|auto  the shards' reactor (default: $KEVY_IO, else auto)
  --move-after N    move a connection to the shard its keys live on after N
                    keyed commands in a row there (default 64; 0: never)
  --txn-spin-us N   how long a shard taking part in EXEC or a script over
                    several shards polls before it sleeps (default:
                    $KEVY_TXN_SPIN_US, else 50; 0: never)
  --shard-cpus auto|any|LIST  the shards' CPUs (default: $KEVY_SHARD_CPUS,
                    else auto: one CPU each when there is one per shard; LIST as
                    Redis's server_cpulist, e.g. 0-3 or 0-7:2)
  --shard-sched batch|normal  the shard threads' scheduling policy (default:
                    $KEVY_SCHED, else batch: a woken shard does not preempt)
  CONFIG GET * lists every setting.";

impl Config {
    /// Parses the command line: an optional config file first, then
    /// `--name value…` flags (also `--name=value`), applied after the file.
    pub fn from_args(args: &[String]) -> Result<Parsed, ConfigError> {
        let c = Config {
            redis: Redis::new(),
        };
        let mut rest = args;
        if let Some(first) = args.first() {
            match first.as_str() {
                "-h" | "--help" => return Ok(Parsed::Help),
                "-v" | "--version" => return Ok(Parsed::Version),
                f if !f.starts_with("--") => {
                    // Like Redis, remember the file by its absolute path:
                    // `dir` may change the working directory.
                    let path = std::path::absolute(f).unwrap_or_else(|_| PathBuf::from(f));
                    c.table().set_file(&path);
                    c.load_file(f)?;
                    rest = &args[1..];
                }
                _ => {}
            }
        }
        if rest.iter().any(|a| a == "--help") {
            return Ok(Parsed::Help);
        }
        if rest.iter().any(|a| a == "--version") {
            return Ok(Parsed::Version);
        }
        let options = options(rest);
        c.load_text(&options, "")?;
        c.check()?;
        Ok(Parsed::Run(Box::new(c)))
    }

    /// The settings registry.
    pub fn table(&self) -> &ConfigTable {
        self.redis.config()
    }

    /// Checks that need several settings at once (none today: protected
    /// mode works whatever `bind` says, refusing non-loopback clients).
    fn check(&self) -> Result<(), ConfigError> {
        Ok(())
    }

    /// Reads a redis.conf-format file (with `include`).
    pub fn load_file(&self, path: &str) -> Result<(), ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            ConfigError(format!("Fatal error, can't open config file '{path}': {e}"))
        })?;
        self.load_text(&text, path)
    }

    /// Applies the directives of a config file's text.
    pub fn load_text(&self, text: &str, origin: &str) -> Result<(), ConfigError> {
        for (n, line) in text.lines().enumerate() {
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let fatal = |msg: &str| {
                let from = match origin {
                    "" => "the command line".to_string(),
                    file => format!("the configuration file {file}"),
                };
                ConfigError(format!(
                    "\n*** FATAL CONFIG FILE ERROR (kevy {}) ***\nReading {from}, at line {}\n>>> '{trimmed}'\n{msg}",
                    env!("CARGO_PKG_VERSION"),
                    n + 1
                ))
            };
            let words = split::split(trimmed)
                .map_err(|_| fatal("Unbalanced quotes in configuration line"))?;
            let Some((name, values)) = words.split_first() else {
                continue;
            };
            let mut name = name.to_ascii_lowercase();
            if name == "io" {
                name = "io-backend".into();
            }
            if name == "include" {
                let [file] = values else {
                    return Err(fatal("Bad directive or wrong number of arguments"));
                };
                self.load_file(file)?;
                continue;
            }
            let words: Vec<&str> = values.iter().map(String::as_str).collect();
            self.table().load(&name, &words).map_err(|e| fatal(&e))?;
        }
        Ok(())
    }

    fn text(&self, name: &str) -> String {
        self.table().get(name).unwrap_or_default()
    }

    fn int(&self, name: &str) -> i64 {
        self.table().get_i64(name)
    }

    /// The `bind` setting as given.
    pub fn bind(&self) -> String {
        self.text("bind")
    }

    /// TCP port (0 picks a free one).
    pub fn port(&self) -> u16 {
        self.int("port") as u16
    }

    /// Shards (threads).
    pub fn threads(&self) -> usize {
        self.int("threads").max(1) as usize
    }

    /// How shards write sockets (`io-backend`, or `--io`).
    pub fn io_backend(&self) -> kevy_rt::IoBackend {
        kevy_rt::IoBackend::parse(&self.text("io-backend")).unwrap_or_default()
    }

    /// After how many keyed commands in a row on one other shard a
    /// connection moves there (`move-after`; 0: never).
    pub fn move_after(&self) -> u32 {
        self.int("move-after").clamp(0, u32::MAX as i64) as u32
    }

    /// How long a shard with a multi-round isolated operation open keeps
    /// polling before it parks (`txn-spin-us`; 0: never).
    pub fn txn_spin(&self) -> std::time::Duration {
        std::time::Duration::from_micros(self.int("txn-spin-us").clamp(0, 1_000_000) as u64)
    }

    /// The shard threads' scheduling policy (`shard-sched`).
    pub fn shard_sched(&self) -> kevy_rt::ShardSched {
        kevy_rt::ShardSched::parse(&self.text("shard-sched")).unwrap_or_default()
    }

    /// Where the shard threads run: `server_cpulist` when set, else
    /// `shard-cpus`.
    pub fn shard_cpus(&self) -> kevy_rt::ShardCpus {
        let list = self.text("server_cpulist");
        if !list.trim().is_empty() {
            if let Some(cpus) = kevy_rt::cpus::parse_cpu_list(&list) {
                return kevy_rt::ShardCpus::List(cpus);
            }
        }
        kevy_rt::ShardCpus::parse(&self.text("shard-cpus")).unwrap_or_default()
    }

    /// Listen backlog.
    pub fn tcp_backlog(&self) -> i32 {
        self.int("tcp-backlog") as i32
    }

    /// Log level.
    pub fn loglevel(&self) -> String {
        self.text("loglevel")
    }

    /// Log file; empty: standard output.
    pub fn logfile(&self) -> String {
        self.text("logfile")
    }

    /// Unix socket path.
    pub fn unixsocket(&self) -> Option<PathBuf> {
        Some(self.text("unixsocket"))
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
    }

    /// Unix socket permissions.
    pub fn unixsocketperm(&self) -> Option<u32> {
        u32::from_str_radix(&self.text("unixsocketperm"), 8)
            .ok()
            .filter(|&p| p != 0)
    }

    /// Protocol and buffer limits (`proto-max-bulk-len`,
    /// `client-query-buffer-limit`).
    pub fn limits(&self) -> kevy_rt::Limits {
        kevy_rt::Limits {
            max_bulk_len: self.int("proto-max-bulk-len") as usize,
            max_query_buffer: self.int("client-query-buffer-limit") as usize,
            ..kevy_rt::Limits::default()
        }
    }

    /// `bind:port` for every bind address, bracketing IPv6 addresses, each
    /// with whether it is optional.
    pub fn listen_addrs(&self) -> Vec<(String, bool)> {
        self.addrs(self.port())
    }

    fn addrs(&self, port: u16) -> Vec<(String, bool)> {
        kevy_commands::config::listen_addrs(&self.text("bind"), port)
    }

    /// Where TLS connections are taken (`bind:tls-port`) and the loaded
    /// configuration they use; `None` while `tls-port` is 0. The error
    /// names the setting or file at fault.
    pub fn tls(&self) -> Result<Option<(String, std::sync::Arc<TlsServerConfig>)>, String> {
        let port = self.int("tls-port") as u16;
        if port == 0 {
            return Ok(None);
        }
        let path = |name: &str| {
            Some(self.text(name))
                .filter(|p| !p.is_empty())
                .map(PathBuf::from)
        };
        let (Some(cert_file), Some(key_file)) = (path("tls-cert-file"), path("tls-key-file"))
        else {
            return Err("tls-port needs tls-cert-file and tls-key-file".into());
        };
        let config = TlsConfig {
            cert_file,
            key_file,
            ca_cert_file: path("tls-ca-cert-file"),
            ca_cert_dir: path("tls-ca-cert-dir"),
            client_auth: match self.text("tls-auth-clients").as_str() {
                "no" => ClientAuth::No,
                "optional" => ClientAuth::Optional,
                _ => ClientAuth::Required,
            },
            protocols: self.text("tls-protocols"),
            ciphers: self.text("tls-ciphers"),
            ciphersuites: self.text("tls-ciphersuites"),
        };
        // TLS is taken on the first bind address.
        let addr = self.addrs(port).into_iter().next().map(|(a, _)| a);
        let addr = addr.unwrap_or_else(|| format!("127.0.0.1:{port}"));
        Ok(Some((addr, config.load()?)))
    }
}

/// The command line after the config file as config-file text, the way
/// Redis's `main` builds it: each `--name` starts a line, the words after
/// it are its arguments (quoted as `sdscatrepr` does), and a word starting
/// with `--` is an argument only right after a name given alone (`--port
/// --bla` sets port to "--bla"); a name and its value may share one word
/// (`"--maxmemory 700mb"`); `--save` alone, last or before another name,
/// is `save ""`. kevy also takes `--name=value`.
fn options(args: &[String]) -> String {
    let mut out = String::new();
    // The last name had its value (so a `--word` starts a new name).
    let mut handled = true;
    for (j, arg) in args.iter().enumerate() {
        let next_is_name = args.get(j + 1).is_some_and(|a| a.starts_with("--"));
        match arg.strip_prefix("--") {
            Some(flag) if handled => {
                if !out.is_empty() {
                    out.push('\n');
                }
                let single = split::split(arg).is_ok_and(|w| w.len() == 1);
                match flag.split_once('=') {
                    // kevy's `--name=value`.
                    Some((name, value)) if single && !name.is_empty() => {
                        out.push_str(name);
                        out.push(' ');
                        out.push_str(&repr(value));
                        continue;
                    }
                    _ => {}
                }
                out.push_str(flag);
                out.push(' ');
                if single {
                    handled = false;
                    let save = arg.eq_ignore_ascii_case("--save");
                    if save && (next_is_name || j + 1 == args.len()) {
                        out.push_str("\"\"");
                        handled = true;
                    }
                }
            }
            // An argument (a word first is one too, as in Redis: `kevy.conf
            // loglevel verbose` sets loglevel).
            _ => {
                out.push_str(&repr(arg));
                out.push(' ');
                handled = true;
            }
        }
    }
    out
}

/// `s` quoted as Redis's `sdscatrepr` writes it: in double quotes, with
/// `\\`, `\"`, `\n`, `\r`, `\t`, `\a`, `\b` and `\xHH` escapes.
fn repr(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for &b in s.as_bytes() {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            7 => out.push_str("\\a"),
            8 => out.push_str("\\b"),
            b if b.is_ascii_graphic() || b == b' ' => out.push(b as char),
            b => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests;
