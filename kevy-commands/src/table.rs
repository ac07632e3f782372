//! The command table: one declarative [`Spec`] per verb, in the manner of
//! Redis's `src/commands/*.json` and Dragonfly's family registrations.
//!
//! Each entry carries what a real server reports in `COMMAND INFO` (arity with
//! Redis's sign convention, flags, first/last/step key positions, ACL
//! categories, tips, key specs, subcommands) and what kevy needs to run it: a
//! [`Run`], which is both the route kind and the handler. The values are copied
//! from redis-server 7.0.15 so the table can be diffed against a live server.
//! What `COMMAND DOCS` reports is kept apart, in [`docs`], generated from a
//! live server (`cargo xtask gen-docs`).
//!
//! [`find`] resolves a request with one lookup in an index built once (the verb
//! is case-folded while it is hashed, then compared once), then checks arity and any
//! resolve-time [`Spec::check`]. A rejected request resolves to [`REJECT`], a
//! local command that recomputes and writes the error.

use std::sync::OnceLock;

use kevy_rt::{Args, Route};

use crate::base::error::Error;
use crate::family::{KeyFn, LocalFn, PlanFn, ServerPlanFn, ShardFn};

pub mod dirty;
pub mod docs;
pub mod ids;
mod specs;

pub use specs::COMMANDS;

/// Command flags (`COMMAND INFO` element 3), as bits.
pub mod flags {
    /// May modify the keyspace.
    pub const WRITE: u32 = 1 << 0;
    /// Only reads the keyspace.
    pub const READONLY: u32 = 1 << 1;
    /// May grow memory use; refused when over `maxmemory`.
    pub const DENYOOM: u32 = 1 << 2;
    /// An administrative command.
    pub const ADMIN: u32 = 1 << 3;
    /// A pub/sub command.
    pub const PUBSUB: u32 = 1 << 4;
    /// Not allowed in scripts.
    pub const NOSCRIPT: u32 = 1 << 5;
    /// May block the client.
    pub const BLOCKING: u32 = 1 << 6;
    /// Allowed while loading the dataset.
    pub const LOADING: u32 = 1 << 7;
    /// Allowed on a stale replica.
    pub const STALE: u32 = 1 << 8;
    /// Not shown in `MONITOR`.
    pub const SKIP_MONITOR: u32 = 1 << 9;
    /// Not shown in the slow log.
    pub const SKIP_SLOWLOG: u32 = 1 << 10;
    /// Cluster `ASKING` related.
    pub const ASKING: u32 = 1 << 11;
    /// O(1) or O(log N), never delays the server.
    pub const FAST: u32 = 1 << 12;
    /// Allowed before authentication.
    pub const NO_AUTH: u32 = 1 << 13;
    /// Keys are optional.
    pub const NO_MANDATORY_KEYS: u32 = 1 << 14;
    /// Refused while loading asynchronously.
    pub const NO_ASYNC_LOADING: u32 = 1 << 15;
    /// Not allowed inside `MULTI`.
    pub const NO_MULTI: u32 = 1 << 16;
    /// Key positions depend on the arguments.
    pub const MOVABLEKEYS: u32 = 1 << 17;
    /// Allowed while a script is busy.
    pub const ALLOW_BUSY: u32 = 1 << 18;

    /// Flag names in the order Redis 7.0 prints them.
    pub const NAMES: &[(u32, &str)] = &[
        (WRITE, "write"),
        (READONLY, "readonly"),
        (DENYOOM, "denyoom"),
        (ADMIN, "admin"),
        (PUBSUB, "pubsub"),
        (NOSCRIPT, "noscript"),
        (BLOCKING, "blocking"),
        (LOADING, "loading"),
        (STALE, "stale"),
        (SKIP_MONITOR, "skip_monitor"),
        (SKIP_SLOWLOG, "skip_slowlog"),
        (ASKING, "asking"),
        (FAST, "fast"),
        (NO_AUTH, "no_auth"),
        (NO_MANDATORY_KEYS, "no_mandatory_keys"),
        (NO_ASYNC_LOADING, "no_async_loading"),
        (NO_MULTI, "no_multi"),
        (MOVABLEKEYS, "movablekeys"),
        (ALLOW_BUSY, "allow_busy"),
    ];
}

/// Key-spec flags (how a command uses a key), as bits.
pub mod key_flags {
    /// Read-only access.
    pub const RO: u32 = 1 << 0;
    /// Read-write access.
    pub const RW: u32 = 1 << 1;
    /// Overwrite: the old value is not read.
    pub const OW: u32 = 1 << 2;
    /// Removes the key.
    pub const RM: u32 = 1 << 3;
    /// Returns, copies or uses user data from the value.
    pub const ACCESS: u32 = 1 << 4;
    /// Updates the value.
    pub const UPDATE: u32 = 1 << 5;
    /// Adds data to the value.
    pub const INSERT: u32 = 1 << 6;
    /// Deletes data from the value.
    pub const DELETE: u32 = 1 << 7;
    /// Not a key (a channel, …).
    pub const NOT_KEY: u32 = 1 << 8;
    /// The spec may miss keys.
    pub const INCOMPLETE: u32 = 1 << 9;
    /// The flags depend on the arguments.
    pub const VARIABLE_FLAGS: u32 = 1 << 10;

    /// Flag names in the order Redis 7.0 prints them.
    pub const NAMES: &[(u32, &str)] = &[
        (RO, "RO"),
        (RW, "RW"),
        (OW, "OW"),
        (RM, "RM"),
        (ACCESS, "access"),
        (UPDATE, "update"),
        (INSERT, "insert"),
        (DELETE, "delete"),
        (NOT_KEY, "not_key"),
        (INCOMPLETE, "incomplete"),
        (VARIABLE_FLAGS, "variable_flags"),
    ];
}

/// Where a key spec starts searching (`begin_search`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BeginSearch {
    /// At a fixed argument index.
    Index(i32),
    /// After a keyword, searched from `startfrom` (negative: from the end).
    Keyword {
        /// The keyword.
        keyword: &'static str,
        /// Where to start looking for it.
        startfrom: i32,
    },
    /// Not expressible (SORT's BY, GET and STORE keys): `COMMAND GETKEYS`
    /// falls back to the command's [`Spec::getkeys`].
    Unknown,
}

/// How a key spec finds its keys from the start (`find_keys`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FindKeys {
    /// A range: up to `lastkey` (relative; negative from the end), every `keystep`.
    Range {
        /// Last key, relative to the first (negative: from the end).
        lastkey: i32,
        /// Distance between keys.
        keystep: i32,
        /// With `lastkey == -1`, only `1/limit` of the remaining arguments.
        limit: i32,
    },
    /// The number of keys is an argument.
    Keynum {
        /// Index of the count, relative to the start.
        keynumidx: i32,
        /// Index of the first key, relative to the start.
        firstkey: i32,
        /// Distance between keys.
        keystep: i32,
    },
    /// Not expressible (see [`BeginSearch::Unknown`]).
    Unknown,
}

/// One key spec of a command (`COMMAND INFO` element 9).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeySpec {
    /// Free-form notes ("" for none).
    pub notes: &'static str,
    /// [`key_flags`] bits.
    pub flags: u32,
    /// Where the search starts.
    pub begin: BeginSearch,
    /// How keys are found from there.
    pub find: FindKeys,
}

impl KeySpec {
    /// A spec starting at argument `index`, with a range of one key.
    pub const fn index(index: i32, flags: u32) -> KeySpec {
        KeySpec {
            notes: "",
            flags,
            begin: BeginSearch::Index(index),
            find: FindKeys::Range {
                lastkey: 0,
                keystep: 1,
                limit: 0,
            },
        }
    }

    /// The same spec with a `range` find-keys.
    pub const fn range(self, lastkey: i32, keystep: i32, limit: i32) -> KeySpec {
        KeySpec {
            find: FindKeys::Range {
                lastkey,
                keystep,
                limit,
            },
            ..self
        }
    }

    /// A spec whose keys cannot be described (both parts `unknown`).
    pub const fn unknown(flags: u32) -> KeySpec {
        KeySpec {
            notes: "",
            flags,
            begin: BeginSearch::Unknown,
            find: FindKeys::Unknown,
        }
    }

    /// The same spec with a `keynum` find-keys (the number of keys is an
    /// argument).
    pub const fn keynum(self, keynumidx: i32, firstkey: i32, keystep: i32) -> KeySpec {
        KeySpec {
            find: FindKeys::Keynum {
                keynumidx,
                firstkey,
                keystep,
            },
            ..self
        }
    }

    /// The same spec with notes.
    pub const fn notes(self, notes: &'static str) -> KeySpec {
        KeySpec { notes, ..self }
    }
}

/// How a command runs: its route kind together with its handler.
#[derive(Clone, Copy)]
pub enum Run {
    /// [`Route::Local`]: on the connection's shard, with its session.
    Local(LocalFn),
    /// [`Route::Key`] at `first_key`: on the shard owning the key.
    Key(KeyFn),
    /// [`Route::Keys`] over `first_key..=last_key` by `step`: the key handler when
    /// every key lives on one shard, the planner otherwise.
    Keys(KeyFn, PlanFn),
    /// [`Route::Plan`]: always planned over the shards.
    Plan(PlanFn),
    /// A command whose keys are found by parsing (`movablekeys`: `numkeys
    /// key …`), always planned: the planner sends the whole command to the
    /// shard owning all its keys, where the key handler runs (see
    /// [`crate::cross::whole`]), or splits it across shards.
    Movable(KeyFn, PlanFn),
    /// [`Route::Key`] at `first_key`, with the whole keyspace of the shard
    /// owning the key (every database: MOVE).
    Shard(ShardFn),
    /// [`Route::Keys`] like [`Run::Keys`], the single-shard handler getting
    /// the whole keyspace of that shard (COPY … DB).
    ShardKeys(ShardFn, PlanFn),
    /// [`Route::Plan`], planned with the caller's context and its shard's
    /// state (server commands).
    Server(ServerPlanFn),
}

/// A command's own key finder: `(position, key-spec flags)` of each key.
pub type GetKeysFn = fn(Args<'_>) -> Vec<(usize, u32)>;

/// One command: its `COMMAND INFO` facts and how it runs (its docs are
/// cold data, apart: [`docs`]).
#[derive(Clone, Copy)]
pub struct Spec {
    /// Lowercase full name (`get`, `command|info`).
    pub name: &'static str,
    /// Argument count including the verb; negative means "at least".
    pub arity: i32,
    /// [`flags`] bits.
    pub flags: u32,
    /// Index of the first key (0: none).
    pub first_key: i32,
    /// Index of the last key (negative: from the end).
    pub last_key: i32,
    /// Distance between keys.
    pub step: i32,
    /// ACL categories, as Redis prints them.
    pub acl: &'static [&'static str],
    /// Command tips (`request_policy:…`, `nondeterministic_output`, …).
    pub tips: &'static [&'static str],
    /// Key specs.
    pub key_specs: &'static [KeySpec],
    /// Subcommands (`COMMAND INFO`, …), looked up by the second argument.
    pub subcommands: &'static [Spec],
    /// Validation done at resolve time, for commands planned over shards
    /// (so a bad request never fans out).
    pub check: Option<fn(Args<'_>) -> Result<(), Error>>,
    /// Key positions (and key-spec flags) when the key specs cannot say
    /// (Redis's `getkeys_proc`, used by `COMMAND GETKEYS` for SORT).
    pub getkeys: Option<GetKeysFn>,
    /// Route kind and handler.
    pub run: Run,
}

impl Spec {
    /// A spec with the essential facts; the rest is filled by the builders below.
    pub const fn new(name: &'static str, arity: i32, flags: u32, keys: [i32; 3], run: Run) -> Spec {
        Spec {
            name,
            arity,
            flags,
            first_key: keys[0],
            last_key: keys[1],
            step: keys[2],
            acl: &[],
            tips: &[],
            key_specs: &[],
            subcommands: &[],
            check: None,
            getkeys: None,
            run,
        }
    }

    /// With ACL categories.
    pub const fn acl(self, acl: &'static [&'static str]) -> Spec {
        Spec { acl, ..self }
    }

    /// With command tips.
    pub const fn tips(self, tips: &'static [&'static str]) -> Spec {
        Spec { tips, ..self }
    }

    /// With key specs.
    pub const fn keys(self, key_specs: &'static [KeySpec]) -> Spec {
        Spec { key_specs, ..self }
    }

    /// With subcommands.
    pub const fn subcommands(self, subcommands: &'static [Spec]) -> Spec {
        Spec {
            subcommands,
            ..self
        }
    }

    /// With a resolve-time check.
    pub const fn check(self, check: fn(Args<'_>) -> Result<(), Error>) -> Spec {
        Spec {
            check: Some(check),
            ..self
        }
    }

    /// With a key-position function for `COMMAND GETKEYS`.
    pub const fn getkeys(self, getkeys: GetKeysFn) -> Spec {
        Spec {
            getkeys: Some(getkeys),
            ..self
        }
    }

    /// Where the runtime runs this command.
    #[inline]
    pub fn route(&self) -> Route {
        match self.run {
            Run::Local(_) => Route::Local,
            Run::Key(_) | Run::Shard(_) => Route::Key(self.first_key as u32),
            Run::Keys(..) | Run::ShardKeys(..) => Route::Keys {
                first: self.first_key as u32,
                last: self.last_key,
                step: self.step as u32,
            },
            Run::Plan(_) | Run::Movable(..) | Run::Server(_) => Route::Plan,
        }
    }

    /// True when `argc` arguments (verb included) satisfy the arity.
    #[inline]
    pub fn arity_ok(&self, argc: usize) -> bool {
        let argc = argc as i64;
        let arity = self.arity as i64;
        if arity >= 0 {
            argc == arity
        } else {
            argc >= -arity
        }
    }

    /// True when the command has a key spec for real keys.
    pub fn has_keys(&self) -> bool {
        self.key_specs
            .iter()
            .any(|k| k.flags & key_flags::NOT_KEY == 0)
    }
}

/// The stand-in for a request that failed to resolve (unknown verb or
/// subcommand, wrong arity, a failed [`Spec::check`]). It runs locally and
/// writes the error [`find`] reports.
pub static REJECT: Spec = Spec::new(
    "(rejected)",
    -1,
    0,
    [0, 0, 0],
    Run::Local(crate::family::connection::reject),
);

/// Why a request did not resolve.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rejected {
    /// The verb is not in the table.
    UnknownCommand,
    /// The verb has subcommands and argument 1 is none of them.
    UnknownSubcommand,
    /// A known command with a bad argument count or a failed check.
    Error(Error),
}

/// Longest verb worth looking up; longer ones are unknown.
const MAX_VERB: usize = 32;

/// A hash of the verb's length and its first two and last two bytes, with
/// ASCII case folded (`| 0x20`): constant time whatever the verb, and enough to
/// spread Redis's command names; the one name compared settles the rest.
#[inline]
fn fold_hash(verb: &[u8]) -> u32 {
    let n = verb.len();
    let at = |i: usize| verb.get(i).map_or(0, |&b| (b | 0x20) as u32);
    let h = (n as u32)
        ^ (at(0) << 8)
        ^ (at(1) << 16)
        ^ (at(n.wrapping_sub(1)) << 24)
        ^ (at(n.wrapping_sub(2)) << 4);
    h.wrapping_mul(0x9E37_79B1) >> 7
}

/// An open-addressing index over [`COMMANDS`], built once: slot `i` holds a
/// command index + 1 (0: empty). Kept at most a quarter full so a lookup
/// usually probes one slot and compares one name.
struct Index {
    slots: Vec<u16>,
    mask: usize,
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let size = (COMMANDS.len() * 4).next_power_of_two();
        let mut slots = vec![0u16; size];
        for (i, spec) in COMMANDS.iter().enumerate() {
            let mut at = fold_hash(spec.name.as_bytes()) as usize & (size - 1);
            while slots[at] != 0 {
                at = (at + 1) & (size - 1);
            }
            slots[at] = (i + 1) as u16;
        }
        Index {
            slots,
            mask: size - 1,
        }
    })
}

/// Looks a top-level verb up, case-insensitively.
#[inline]
pub fn lookup(verb: &[u8]) -> Option<&'static Spec> {
    if verb.len() > MAX_VERB {
        return None;
    }
    let index = index();
    let mut at = fold_hash(verb) as usize & index.mask;
    loop {
        // Ends at an empty slot: the index is never more than a quarter full.
        let slot = *index.slots.get(at)? as usize;
        let spec = COMMANDS.get(slot.checked_sub(1)?)?;
        if spec.name.len() == verb.len() && spec.name.as_bytes().eq_ignore_ascii_case(verb) {
            return Some(spec);
        }
        at = (at + 1) & index.mask;
    }
}

/// The subcommand `sub` of `spec`, case-insensitively.
pub fn lookup_sub(spec: &'static Spec, sub: &[u8]) -> Option<&'static Spec> {
    spec.subcommands.iter().find(|s| {
        let short = s.name.rsplit('|').next().unwrap_or(s.name);
        short.as_bytes().eq_ignore_ascii_case(sub)
    })
}

/// Looks up a command by full name (`get`, `command|info`), as `COMMAND INFO`
/// and `COMMAND DOCS` do.
pub fn lookup_fullname(name: &[u8]) -> Option<&'static Spec> {
    match memchr::memchr(b'|', name) {
        None => lookup(name),
        Some(bar) => {
            let parent = lookup(&name[..bar])?;
            let rest = &name[bar + 1..];
            if memchr::memchr(b'|', rest).is_some() {
                return None;
            }
            lookup_sub(parent, rest)
        }
    }
}

/// The command `args` names (with its subcommand), as Redis's
/// `lookupCommand` finds it; `None` when unknown.
pub fn lookup_args(args: Args<'_>) -> Option<&'static Spec> {
    let base = lookup(args.get(0)?)?;
    if args.len() == 1 || base.subcommands.is_empty() {
        return Some(base);
    }
    lookup_sub(base, args.at(1))
}

/// Resolves a request: the command, or why it is rejected. This is the whole
/// of what runs before routing: one lookup, the arity check and the spec's
/// resolve-time check.
#[inline]
pub fn find(args: Args<'_>) -> Result<&'static Spec, Rejected> {
    let Some(spec) = lookup_args(args) else {
        let container = args
            .get(0)
            .and_then(lookup)
            .is_some_and(|s| !s.subcommands.is_empty());
        return Err(if container {
            Rejected::UnknownSubcommand
        } else {
            Rejected::UnknownCommand
        });
    };
    if !spec.arity_ok(args.len()) {
        return Err(Rejected::Error(Error::WrongArity(spec.name)));
    }
    if let Some(check) = spec.check {
        check(args).map_err(Rejected::Error)?;
    }
    Ok(spec)
}

#[cfg(test)]
mod tests;
