//! Resolving a request: the verb, its token count and arguments checked the way
//! memcached 1.6's `process_command_ascii` checks them, parsed once into a
//! [`Cmd`] that travels with the request to the shard that runs it.
//!
//! Error precedence follows memcached: a wrong token count is `ERROR` (before
//! `noreply` is looked at); after that `noreply` — the last token being exactly
//! `noreply` — silences every reply, errors included.

use kevy_rt::{Args, Resolved, Route};

use crate::num::{strtol32, strtoul32, strtoull};

/// Longest key memcached accepts.
pub const KEY_MAX: usize = 250;
/// memcached's default `-I` (largest item, header included).
pub const ITEM_SIZE_MAX: usize = 1024 * 1024;

/// `ERROR`: unknown command or wrong token count.
pub const ERROR: &str = "ERROR";
/// The generic argument error.
pub const BAD_FORMAT: &str = "CLIENT_ERROR bad command line format";
/// A data block not followed by `\r\n`.
pub const BAD_CHUNK: &str = "CLIENT_ERROR bad data chunk";
/// An exptime that does not parse (`touch`, `gat`, `flush_all`).
pub const BAD_EXPTIME: &str = "CLIENT_ERROR invalid exptime argument";
/// A delta that does not parse (`incr`, `decr`).
pub const BAD_DELTA: &str = "CLIENT_ERROR invalid numeric delta argument";
/// `delete` with arguments other than `0` and `noreply`.
pub const BAD_DELETE: &str = "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]";
/// The `version` reply: memcached's protocol level, and what serves it.
pub const VERSION: &str = "VERSION 1.6.18-kevy";

/// How a storage command treats an existing item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `set`: store unconditionally.
    Set,
    /// `add`: only if absent.
    Add,
    /// `replace`: only if present.
    Replace,
    /// `append`: add the data after the existing item's.
    Append,
    /// `prepend`: add the data before the existing item's.
    Prepend,
    /// `cas`: only if the item's CAS unique still matches.
    Cas,
}

/// A storage command's parsed line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Store {
    /// Which storage command.
    pub mode: Mode,
    /// Client flags (32 bits, opaque).
    pub flags: u32,
    /// Expiration as sent (see `Store::expires_at` for its meaning).
    pub exptime: i32,
    /// The CAS unique to compare (`cas` only; 0 otherwise).
    pub cas: u64,
    /// No reply wanted.
    pub noreply: bool,
}

/// A resolved request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmd {
    /// `get`/`gets` (keys from argument 1), or with `touch`, `gat`/`gats`
    /// (exptime at 1, keys from 2). `cas`: include CAS uniques.
    Get {
        /// Include CAS uniques (`gets`, `gats`).
        cas: bool,
        /// New exptime for every item found (`gat`, `gats`).
        touch: Option<i32>,
    },
    /// A storage command with its data block (the last argument).
    Store(Store),
    /// A storage command whose item cannot fit: `SERVER_ERROR object too large
    /// for cache`; a `set` also removes the key's old item, like memcached.
    TooLarge {
        /// It was a `set`.
        set: bool,
        /// No reply wanted.
        noreply: bool,
    },
    /// `incr`/`decr`.
    Arith {
        /// `incr` (else `decr`).
        incr: bool,
        /// The amount.
        delta: u64,
        /// No reply wanted.
        noreply: bool,
    },
    /// `delete`.
    Delete {
        /// No reply wanted.
        noreply: bool,
    },
    /// `touch`.
    Touch {
        /// The new exptime.
        exptime: i32,
        /// No reply wanted.
        noreply: bool,
    },
    /// `flush_all [delay]` on every shard.
    FlushAll {
        /// Seconds (or absolute time) until existing items are invalid; ≤ 0 now.
        delay: i32,
        /// No reply wanted.
        noreply: bool,
    },
    /// `stats`, gathered from every shard.
    Stats,
    /// `stats reset` on every shard.
    StatsReset,
    /// A fixed one-line reply on the connection's shard (errors, `OK`, `VERSION`).
    Reply {
        /// The line, without `\r\n`.
        text: &'static str,
        /// Write nothing.
        noreply: bool,
    },
    /// Close the connection without a reply (`quit`, an HTTP request).
    Close,
}

/// The storage command `verb` names, if any.
#[inline]
pub fn storage_mode(verb: &[u8]) -> Option<Mode> {
    Some(match verb {
        b"set" => Mode::Set,
        b"add" => Mode::Add,
        b"replace" => Mode::Replace,
        b"append" => Mode::Append,
        b"prepend" => Mode::Prepend,
        b"cas" => Mode::Cas,
        _ => return None,
    })
}

/// A valid storage line: the command and its data length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Line {
    /// The parsed command.
    pub store: Store,
    /// Bytes of data that follow the line (before the `\r\n`).
    pub vlen: usize,
}

/// Why a storage line is rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineError {
    /// Wrong token count: `ERROR`, and `noreply` is not looked at.
    Count,
    /// `CLIENT_ERROR bad command line format`, silenced by `noreply`.
    Format {
        /// The line ends in `noreply`.
        noreply: bool,
    },
}

/// Checks a storage line — the first `n` arguments, its tokens — as
/// memcached's `process_update_command` does. The decoder and [`resolve`]
/// share it, so a data block is read exactly when the line is valid.
pub fn storage_line(mode: Mode, tokens: Args<'_>, n: usize) -> Result<Line, LineError> {
    let counts = if mode == Mode::Cas { 6..=7 } else { 5..=6 };
    if !counts.contains(&n) {
        return Err(LineError::Count);
    }
    let noreply = tokens.at(n - 1) == b"noreply";
    let bad = LineError::Format { noreply };
    if tokens.at(1).len() > KEY_MAX {
        return Err(bad);
    }
    let (Some(flags), Some(exptime), Some(vlen)) = (
        strtoul32(tokens.at(2)),
        strtol32(tokens.at(3)),
        strtol32(tokens.at(4)),
    ) else {
        return Err(bad);
    };
    let cas = if mode == Mode::Cas {
        strtoull(tokens.at(5)).ok_or(bad)?
    } else {
        0
    };
    if !(0..=i32::MAX - 2).contains(&vlen) {
        return Err(bad);
    }
    Ok(Line {
        store: Store {
            mode,
            flags,
            exptime,
            cas,
            noreply,
        },
        vlen: vlen as usize,
    })
}

/// Bytes memcached 1.6 charges for an item (header, CAS, key and its NUL, the
/// data with its `\r\n`, and the flags when not 0): an item is too large when
/// this exceeds [`ITEM_SIZE_MAX`].
pub fn item_size(key_len: usize, flags: u32, data_len: usize) -> usize {
    48 + 8 + key_len + 1 + data_len + 2 + if flags != 0 { 4 } else { 0 }
}

fn local(cmd: Cmd) -> Resolved<Cmd> {
    Resolved {
        cmd,
        route: Route::Local,
    }
}

fn reply(text: &'static str, noreply: bool) -> Resolved<Cmd> {
    local(Cmd::Reply { text, noreply })
}

fn keyed(cmd: Cmd) -> Resolved<Cmd> {
    Resolved {
        cmd,
        route: Route::Key(1),
    }
}

/// Resolves a decoded request (see [`crate::decode`] for its spans).
pub fn resolve(args: Args<'_>) -> Resolved<Cmd> {
    let n = args.len();
    // Tokens, then for a storage command an empty separator and the data block.
    let (tokens, data) = if n >= 3 && args.at(n - 2).is_empty() {
        (n - 2, args.get(n - 1))
    } else {
        (n, None)
    };
    if tokens == 0 {
        return reply(ERROR, false);
    }
    let last = args.at(tokens - 1);
    let noreply = last == b"noreply";
    let verb = args.at(0);
    match verb {
        b"get" | b"gets" | b"gat" | b"gats" => {
            if tokens < 2 {
                return reply(ERROR, false);
            }
            let cas = verb.ends_with(b"s");
            let (first, touch) = if verb.starts_with(b"gat") {
                match strtol32(args.at(1)) {
                    Some(t) => (2, Some(t)),
                    None => return reply(BAD_EXPTIME, false),
                }
            } else {
                (1, None)
            };
            if args
                .skip(first)
                .iter()
                .take(tokens - first)
                .any(|k| k.len() > KEY_MAX)
            {
                return reply(BAD_FORMAT, false);
            }
            let route = Route::Keys {
                first: first as u32,
                last: tokens as i32 - 1,
                step: 1,
            };
            Resolved {
                cmd: Cmd::Get { cas, touch },
                route,
            }
        }
        b"set" | b"add" | b"replace" | b"append" | b"prepend" | b"cas" => {
            let mode = storage_mode(verb).unwrap_or(Mode::Set);
            let line = match storage_line(mode, args, tokens) {
                Ok(line) => line,
                Err(LineError::Count) => return reply(ERROR, false),
                Err(LineError::Format { noreply }) => return reply(BAD_FORMAT, noreply),
            };
            let noreply = line.store.noreply;
            if item_size(args.at(1).len(), line.store.flags, line.vlen) > ITEM_SIZE_MAX {
                return keyed(Cmd::TooLarge {
                    set: mode == Mode::Set,
                    noreply,
                });
            }
            match data {
                Some(d) if d.len() == line.vlen + 2 && d.ends_with(b"\r\n") => {
                    keyed(Cmd::Store(line.store))
                }
                _ => reply(BAD_CHUNK, noreply),
            }
        }
        b"incr" | b"decr" => {
            if !(3..=4).contains(&tokens) {
                return reply(ERROR, false);
            }
            if args.at(1).len() > KEY_MAX {
                return reply(BAD_FORMAT, noreply);
            }
            match strtoull(args.at(2)) {
                Some(delta) => keyed(Cmd::Arith {
                    incr: verb == b"incr",
                    delta,
                    noreply,
                }),
                None => reply(BAD_DELTA, noreply),
            }
        }
        b"delete" => {
            if !(2..=4).contains(&tokens) {
                return reply(ERROR, false);
            }
            let noreply = tokens > 2 && noreply;
            if tokens > 2 {
                let hold_is_zero = args.at(2) == b"0";
                let valid = (tokens == 3 && (hold_is_zero || noreply))
                    || (tokens == 4 && hold_is_zero && noreply);
                if !valid {
                    return reply(BAD_DELETE, noreply);
                }
            }
            if args.at(1).len() > KEY_MAX {
                return reply(BAD_FORMAT, noreply);
            }
            keyed(Cmd::Delete { noreply })
        }
        b"touch" => {
            if !(3..=4).contains(&tokens) {
                return reply(ERROR, false);
            }
            if args.at(1).len() > KEY_MAX {
                return reply(BAD_FORMAT, noreply);
            }
            match strtol32(args.at(2)) {
                Some(exptime) => keyed(Cmd::Touch { exptime, noreply }),
                None => reply(BAD_EXPTIME, noreply),
            }
        }
        b"flush_all" => {
            if tokens > 3 {
                return reply(ERROR, false);
            }
            let delay = if tokens != if noreply { 2 } else { 1 } {
                match strtol32(args.at(1)) {
                    Some(d) => d,
                    None => return reply(BAD_EXPTIME, noreply),
                }
            } else {
                0
            };
            Resolved {
                cmd: Cmd::FlushAll { delay, noreply },
                route: Route::Plan,
            }
        }
        b"stats" => match args.get(1) {
            _ if tokens == 1 => Resolved {
                cmd: Cmd::Stats,
                route: Route::Plan,
            },
            Some(b"reset") => Resolved {
                cmd: Cmd::StatsReset,
                route: Route::Plan,
            },
            // Slab, item-size and connection listings have no kevy equivalent.
            _ => reply(ERROR, false),
        },
        b"version" => reply(VERSION, false),
        b"verbosity" => {
            if !(2..=3).contains(&tokens) {
                return reply(ERROR, false);
            }
            match strtoul32(args.at(1)) {
                Some(_) => reply("OK", noreply),
                None => reply(BAD_FORMAT, noreply),
            }
        }
        b"quit" => local(Cmd::Close),
        b"shutdown" => reply("ERROR: shutdown not enabled", false),
        // memcached hangs up on what looks like an HTTP request.
        _ if last.starts_with(b"HTTP/") => local(Cmd::Close),
        _ => reply(ERROR, false),
    }
}
