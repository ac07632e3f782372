//! Configuration: a redis.conf-format file and `--name value` flags with Redis's
//! setting names, like `redis-server /path/redis.conf --port 7000`.
//!
//! Every directive is checked against [`directives`]: unknown ones, malformed
//! values and settings kevy does not implement yet stop start-up with a message
//! naming the file line, in the manner of Redis's "FATAL CONFIG FILE ERROR".

mod directives;
mod split;

use std::fmt;
use std::path::PathBuf;

pub use directives::apply;

/// Everything kevy-server can be configured with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Address to listen on.
    pub bind: String,
    /// TCP port (0 picks a free one).
    pub port: u16,
    /// Shards (threads).
    pub threads: usize,
    /// Listen backlog.
    pub tcp_backlog: i32,
    /// Idle seconds before a client is closed (0: never).
    pub timeout: u64,
    /// TCP keep-alive seconds (0: off).
    pub tcp_keepalive: u64,
    /// Most clients at once.
    pub maxclients: u64,
    /// Number of databases.
    pub databases: usize,
    /// Unix socket path.
    pub unixsocket: Option<PathBuf>,
    /// Unix socket permissions.
    pub unixsocketperm: Option<u32>,
    /// Log level: debug, verbose, notice, warning, nothing.
    pub loglevel: String,
    /// Log file; empty: standard output.
    pub logfile: String,
    /// Working directory.
    pub dir: Option<PathBuf>,
    /// Snapshot file name (inert until persistence exists, as with `save ""`).
    pub dbfilename: String,
    /// `appendfsync` (inert while `appendonly no`).
    pub appendfsync: String,
    /// Eviction policy (inert while `maxmemory 0`).
    pub maxmemory_policy: String,
    /// Every directive as given, in order (for `CONFIG GET` and rewrites).
    pub given: Vec<(String, Vec<String>)>,
}

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
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
  --bind ADDR       address to listen on (default 127.0.0.1)
  --port PORT       TCP port (default 6379; 0 picks a free port)
  --threads N       shards, one thread each (default: number of CPUs)
  --maxclients N    --timeout SECS   --tcp-keepalive SECS   --databases N
  --unixsocket PATH --unixsocketperm OCTAL  --loglevel LEVEL --logfile PATH";

impl Default for Config {
    fn default() -> Config {
        Config {
            bind: "127.0.0.1".into(),
            port: 6379,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            tcp_backlog: 511,
            timeout: 0,
            tcp_keepalive: 300,
            maxclients: 10_000,
            databases: 16,
            unixsocket: None,
            unixsocketperm: None,
            loglevel: "notice".into(),
            logfile: String::new(),
            dir: None,
            dbfilename: "dump.rdb".into(),
            appendfsync: "everysec".into(),
            maxmemory_policy: "noeviction".into(),
            given: Vec::new(),
        }
    }
}

impl Config {
    /// Parses the command line: an optional config file first, then
    /// `--name value…` flags (also `--name=value`), applied after the file.
    pub fn from_args(args: &[String]) -> Result<Parsed, ConfigError> {
        let mut c = Config::default();
        let mut rest = args;
        if let Some(first) = args.first() {
            match first.as_str() {
                "-h" | "--help" => return Ok(Parsed::Help),
                "-v" | "--version" => return Ok(Parsed::Version),
                f if !f.starts_with("--") => {
                    c.load_file(f)?;
                    rest = &args[1..];
                }
                _ => {}
            }
        }
        let mut i = 0;
        while i < rest.len() {
            let arg = &rest[i];
            let Some(flag) = arg.strip_prefix("--") else {
                return Err(ConfigError(format!(
                    "unexpected argument '{arg}'\n\n{USAGE}"
                )));
            };
            if flag == "help" {
                return Ok(Parsed::Help);
            }
            if flag == "version" {
                return Ok(Parsed::Version);
            }
            let (name, mut values) = match flag.split_once('=') {
                Some((n, v)) => (n.to_string(), vec![v.to_string()]),
                None => (flag.to_string(), Vec::new()),
            };
            i += 1;
            while i < rest.len() && !rest[i].starts_with("--") {
                values.push(rest[i].clone());
                i += 1;
            }
            apply(&mut c, &name, &values)
                .map_err(|e| ConfigError(format!("invalid option '--{name}': {e}\n\n{USAGE}")))?;
        }
        Ok(Parsed::Run(Box::new(c)))
    }

    /// Reads a redis.conf-format file (with `include`).
    pub fn load_file(&mut self, path: &str) -> Result<(), ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            ConfigError(format!("Fatal error, can't open config file '{path}': {e}"))
        })?;
        self.load_text(&text, path)
    }

    /// Applies the directives of a config file's text.
    pub fn load_text(&mut self, text: &str, origin: &str) -> Result<(), ConfigError> {
        for (n, line) in text.lines().enumerate() {
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let fatal = |msg: &str| {
                ConfigError(format!(
                    "\n*** FATAL CONFIG FILE ERROR (kevy {}) ***\nReading the configuration file {origin}, at line {}\n>>> '{trimmed}'\n{msg}",
                    env!("CARGO_PKG_VERSION"),
                    n + 1
                ))
            };
            let words = split::split(trimmed)
                .map_err(|_| fatal("Unbalanced quotes in configuration line"))?;
            let Some((name, values)) = words.split_first() else {
                continue;
            };
            let name = name.to_ascii_lowercase();
            if name == "include" {
                let [file] = values else {
                    return Err(fatal("Bad directive or wrong number of arguments"));
                };
                self.load_file(file)?;
                continue;
            }
            apply(self, &name, values).map_err(|e| fatal(&e))?;
        }
        Ok(())
    }

    /// `bind:port`, bracketing IPv6 addresses.
    pub fn listen_addr(&self) -> String {
        if self.bind.contains(':') && !self.bind.starts_with('[') {
            format!("[{}]:{}", self.bind, self.port)
        } else {
            format!("{}:{}", self.bind, self.port)
        }
    }
}

#[cfg(test)]
mod tests;
