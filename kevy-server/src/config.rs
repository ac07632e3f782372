//! Command-line configuration.

use std::fmt;

/// How to run the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Address to listen on.
    pub bind: String,
    /// TCP port (0 picks a free one).
    pub port: u16,
    /// Shards (threads).
    pub threads: usize,
}

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    Run(Config),
    Help,
    Version,
}

/// A command-line mistake.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigError(String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub const USAGE: &str = "Usage: kevy-server [--bind ADDR] [--port PORT] [--threads N]
  --bind ADDR    address to listen on (default 127.0.0.1)
  --port PORT    TCP port (default 6379; 0 picks a free port)
  --threads N    shards, one thread each (default: number of CPUs)";

impl Default for Config {
    fn default() -> Config {
        Config {
            bind: "127.0.0.1".into(),
            port: 6379,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

impl Config {
    /// Parses `--name value` pairs (also `--name=value`).
    pub fn from_args(args: &[String]) -> Result<Parsed, ConfigError> {
        let mut c = Config::default();
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let (name, inline) = match arg.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (arg.as_str(), None),
            };
            match name {
                "-h" | "--help" => return Ok(Parsed::Help),
                "-v" | "--version" => return Ok(Parsed::Version),
                "--bind" | "--port" | "--threads" => {}
                _ => return Err(ConfigError(format!("unknown option '{arg}'"))),
            }
            let value = match inline {
                Some(v) => v,
                None => it
                    .next()
                    .cloned()
                    .ok_or_else(|| ConfigError(format!("'{name}' needs a value")))?,
            };
            match name {
                "--bind" => c.bind = value,
                "--port" => {
                    c.port = value
                        .parse()
                        .map_err(|_| ConfigError(format!("invalid port '{value}'")))?
                }
                _ => {
                    c.threads = match value.parse::<usize>() {
                        Ok(n) if (1..=256).contains(&n) => n,
                        _ => {
                            return Err(ConfigError(format!(
                                "invalid threads '{value}' (1 to 256)"
                            )))
                        }
                    }
                }
            }
        }
        Ok(Parsed::Run(c))
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
mod tests {
    use super::*;

    fn parse(a: &[&str]) -> Result<Parsed, ConfigError> {
        Config::from_args(&a.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn flags() {
        let Ok(Parsed::Run(c)) = parse(&["--port", "7000", "--bind=0.0.0.0", "--threads", "3"])
        else {
            panic!("parse failed")
        };
        assert_eq!((c.port, c.bind.as_str(), c.threads), (7000, "0.0.0.0", 3));
        assert_eq!(c.listen_addr(), "0.0.0.0:7000");
        let Ok(Parsed::Run(c)) = parse(&["--bind", "::1"]) else {
            panic!("parse failed")
        };
        assert_eq!(c.listen_addr(), "[::1]:6379");
        assert_eq!(parse(&["--help"]), Ok(Parsed::Help));
        assert!(parse(&["--port"]).is_err());
        assert!(parse(&["--port", "x"]).is_err());
        assert!(parse(&["--threads", "0"]).is_err());
        assert!(parse(&["--nope", "1"]).is_err());
    }
}
