//! What `COMMAND DOCS` reports of each command, as redis-server 7.0.15 does:
//! summary, since, group, complexity, doc flags, deprecation, history and
//! the argument tree (Redis's `redisCommandArg`).
//!
//! The data is cold: it lives apart from the [`Spec`](super::Spec)s the
//! resolver walks, keyed by full name (`get`, `config|get`), in
//! `family/spec/docs/generated/*.rs`. Those files are generated from a live
//! redis-server by `cargo xtask gen-docs` for exactly the commands in the
//! table; never edit them by hand.

use std::collections::HashMap;
use std::sync::OnceLock;

mod generated;

/// Doc flags (`doc_flags`), as bits.
pub mod doc_flags {
    /// The command is deprecated.
    pub const DEPRECATED: u8 = 1 << 0;
    /// A system command, not meant for users.
    pub const SYSCMD: u8 = 1 << 1;

    /// Flag names in the order Redis 7.0 prints them.
    pub const NAMES: &[(u8, &str)] = &[(DEPRECATED, "deprecated"), (SYSCMD, "syscmd")];
}

/// Argument flags (an argument's `flags`), as bits.
pub mod arg_flags {
    /// The argument may be left out.
    pub const OPTIONAL: u8 = 1 << 0;
    /// The argument may repeat.
    pub const MULTIPLE: u8 = 1 << 1;
    /// The argument repeats together with its token.
    pub const MULTIPLE_TOKEN: u8 = 1 << 2;

    /// Flag names in the order Redis 7.0 prints them.
    pub const NAMES: &[(u8, &str)] = &[
        (OPTIONAL, "optional"),
        (MULTIPLE, "multiple"),
        (MULTIPLE_TOKEN, "multiple_token"),
    ];
}

/// An argument's type (`redisCommandArgType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgType {
    /// `string`
    String,
    /// `integer`
    Integer,
    /// `double`
    Double,
    /// `key` (with a key spec index)
    Key,
    /// `pattern`
    Pattern,
    /// `unix-time`
    UnixTime,
    /// `pure-token`: only its token
    PureToken,
    /// `oneof`: one of its arguments
    OneOf,
    /// `block`: all of its arguments
    Block,
}

impl ArgType {
    /// The name Redis prints.
    pub const fn name(self) -> &'static str {
        match self {
            ArgType::String => "string",
            ArgType::Integer => "integer",
            ArgType::Double => "double",
            ArgType::Key => "key",
            ArgType::Pattern => "pattern",
            ArgType::UnixTime => "unix-time",
            ArgType::PureToken => "pure-token",
            ArgType::OneOf => "oneof",
            ArgType::Block => "block",
        }
    }
}

/// One argument of a command (`redisCommandArg`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arg {
    /// Its name.
    pub name: &'static str,
    /// Its type.
    pub kind: ArgType,
    /// For a key, the index of its key spec.
    pub key_spec_index: Option<u32>,
    /// The token that introduces it (`EX`, `LIMIT`).
    pub token: Option<&'static str>,
    /// Redis version that added it.
    pub since: Option<&'static str>,
    /// Redis version that deprecated it.
    pub deprecated_since: Option<&'static str>,
    /// [`arg_flags`] bits.
    pub flags: u8,
    /// The arguments of a `oneof` or a `block`.
    pub arguments: &'static [Arg],
}

/// An argument named `name` of type `kind`; the rest is added by the builders.
pub const fn arg(name: &'static str, kind: ArgType) -> Arg {
    Arg {
        name,
        kind,
        key_spec_index: None,
        token: None,
        since: None,
        deprecated_since: None,
        flags: 0,
        arguments: &[],
    }
}

impl Arg {
    /// With a key spec index.
    pub const fn key(self, index: u32) -> Arg {
        Arg {
            key_spec_index: Some(index),
            ..self
        }
    }

    /// With a token.
    pub const fn token(self, token: &'static str) -> Arg {
        Arg {
            token: Some(token),
            ..self
        }
    }

    /// With the version that added it.
    pub const fn since(self, since: &'static str) -> Arg {
        Arg {
            since: Some(since),
            ..self
        }
    }

    /// With the version that deprecated it.
    pub const fn deprecated(self, since: &'static str) -> Arg {
        Arg {
            deprecated_since: Some(since),
            ..self
        }
    }

    /// With [`arg_flags`].
    pub const fn flags(self, flags: u8) -> Arg {
        Arg { flags, ..self }
    }

    /// With nested arguments.
    pub const fn args(self, arguments: &'static [Arg]) -> Arg {
        Arg { arguments, ..self }
    }
}

/// A command's documentation (`COMMAND DOCS`), in Redis's field order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Docs {
    /// One-line summary.
    pub summary: &'static str,
    /// Redis version that introduced the command.
    pub since: &'static str,
    /// Command group (`string`, `sorted-set`, `server`…).
    pub group: &'static str,
    /// Time complexity.
    pub complexity: Option<&'static str>,
    /// [`doc_flags`] bits.
    pub doc_flags: u8,
    /// Redis version that deprecated the command.
    pub deprecated_since: Option<&'static str>,
    /// What replaces a deprecated command.
    pub replaced_by: Option<&'static str>,
    /// `(version, change)` pairs.
    pub history: &'static [(&'static str, &'static str)],
    /// The argument tree.
    pub arguments: &'static [Arg],
}

/// Docs with a summary, a version and a group; the rest is added by the builders.
pub const fn docs(summary: &'static str, since: &'static str, group: &'static str) -> Docs {
    Docs {
        summary,
        since,
        group,
        complexity: None,
        doc_flags: 0,
        deprecated_since: None,
        replaced_by: None,
        history: &[],
        arguments: &[],
    }
}

impl Docs {
    /// With a time complexity.
    pub const fn complexity(self, complexity: &'static str) -> Docs {
        Docs {
            complexity: Some(complexity),
            ..self
        }
    }

    /// With [`doc_flags`].
    pub const fn flags(self, doc_flags: u8) -> Docs {
        Docs { doc_flags, ..self }
    }

    /// Deprecated since `since`.
    pub const fn deprecated(self, since: &'static str) -> Docs {
        Docs {
            deprecated_since: Some(since),
            ..self
        }
    }

    /// Replaced by `by`.
    pub const fn replaced_by(self, by: &'static str) -> Docs {
        Docs {
            replaced_by: Some(by),
            ..self
        }
    }

    /// With a history.
    pub const fn history(self, history: &'static [(&'static str, &'static str)]) -> Docs {
        Docs { history, ..self }
    }

    /// With arguments.
    pub const fn args(self, arguments: &'static [Arg]) -> Docs {
        Docs { arguments, ..self }
    }
}

/// Every command's docs, by full name (`get`, `config|get`).
pub fn all() -> impl Iterator<Item = &'static (&'static str, Docs)> {
    generated::GROUPS.iter().flat_map(|g| g.iter())
}

/// The docs of the command whose full name is `name` (lowercase).
pub fn get(name: &str) -> Option<&'static Docs> {
    static INDEX: OnceLock<HashMap<&'static str, &'static Docs>> = OnceLock::new();
    INDEX
        .get_or_init(|| all().map(|(n, d)| (*n, d)).collect())
        .get(name)
        .copied()
}
