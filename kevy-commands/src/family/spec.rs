//! What a command is to the layers above the families: its [`Spec`] (the
//! `COMMAND INFO` facts and the [`Run`] that routes it to its handler), the
//! handler contexts and signatures ([`Call`], [`ShardCall`], [`Local`],
//! [`ServerCx`]), what `COMMAND DOCS` reports ([`docs`]), and the
//! [`Catalog`]: the command table as the families that read it see it
//! (COMMAND, CLIENT, INFO, LATENCY), installed by the table above them.

use std::sync::OnceLock;

use kevy_rt::{Args, Flow, LocalCx, Planned, Route, Router};

use crate::base::error::Error;
use crate::base::resp::Reply;
use crate::cross::{Part, Plan};
use crate::session::{Ctx, Session};
use crate::shard::ShardState;
use crate::store::db::{Clock, Db};

pub mod docs;

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
    /// True for the scripting commands (EVAL…, FCALL…, SCRIPT, FUNCTION):
    /// a script finds its keys as it runs.
    pub fn is_script(&self) -> bool {
        matches!(
            self.name,
            "eval" | "evalsha" | "eval_ro" | "evalsha_ro" | "fcall" | "fcall_ro"
        ) || self.name.starts_with("script|")
            || self.name.starts_with("function|")
    }

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

/// A keyed command running on the shard that owns its key(s).
pub struct Call<'a> {
    /// The selected database on this shard.
    pub db: &'a mut Db,
    /// The command's arguments (verb included).
    pub args: Args<'a>,
    /// The time of the command, read at most once.
    pub now: Clock,
    /// Where the reply goes, in the connection's protocol.
    pub out: &'a mut Reply<'a>,
}

/// A keyed command's handler.
pub type KeyFn = fn(&mut Call<'_>);

/// A keyed command running on the shard that owns its key(s), with every
/// database of that shard (MOVE, COPY … DB).
pub struct ShardCall<'a> {
    /// The shard's keyspace.
    pub shard: &'a mut ShardState,
    /// The selected database's index.
    pub db: usize,
    /// The command's arguments (verb included).
    pub args: Args<'a>,
    /// The time of the command, read at most once.
    pub now: Clock,
    /// Where the reply goes, in the connection's protocol.
    pub out: &'a mut Reply<'a>,
    /// Who sent it: the connection id and its ACL code
    /// ([`Ctx::acl`](crate::session::Ctx::acl)), for what depends on the
    /// caller (RESTORE's payload checks).
    pub caller: (u64, u32),
}

/// A handler given its shard's whole keyspace.
pub type ShardFn = fn(&mut ShardCall<'_>);

/// A local command running on the connection's shard.
pub struct Local<'a> {
    /// This shard's keyspace.
    pub shard: &'a mut ShardState,
    /// The connection's session.
    pub session: &'a mut Session,
    /// Facts about the connection.
    pub cx: &'a LocalCx,
    /// The command's arguments (verb included).
    pub args: Args<'a>,
    /// Where the reply goes, in the connection's protocol.
    pub out: &'a mut Reply<'a>,
}

/// A local command's handler.
pub type LocalFn = fn(&mut Local<'_>) -> Flow;

/// Splits a multi-shard command into `(shard, part)` pairs.
pub type PlanFn = fn(Args<'_>, &Router, &mut Vec<(usize, Part)>) -> Planned<Plan>;

/// A server command planned on the connection's shard, with the caller's
/// context and that shard's state at hand (`CLIENT LIST`, `INFO`, …).
pub struct ServerCx<'a, 'p> {
    /// The connection's shard.
    pub shard: &'a mut ShardState,
    /// The caller.
    pub ctx: Ctx,
    /// The command's arguments (verb included).
    pub args: Args<'a>,
    /// Key → shard.
    pub router: &'a Router,
    /// Where the parts go.
    pub parts: &'p mut Vec<(usize, Part)>,
}

/// Plans a server command.
pub type ServerPlanFn = fn(&mut ServerCx<'_, '_>) -> Planned<Plan>;

/// The command table as the families read it; the table (`table::CATALOG`)
/// installs it before any command runs, so these families never import the
/// layer above them.
pub struct Catalog {
    /// Every top-level command.
    pub commands: &'static [Spec],
    /// Resolves a request (`table::find`).
    pub find: fn(Args<'_>) -> Result<&'static Spec, Rejected>,
    /// The command `args` names, with its subcommand (`table::lookup_args`).
    pub lookup_args: fn(Args<'_>) -> Option<&'static Spec>,
    /// A command by full name, `get` or `command|info` (`table::lookup_fullname`).
    pub lookup_fullname: fn(&[u8]) -> Option<&'static Spec>,
    /// A command's counter index (`table::ids::id_of`).
    pub id_of: fn(&'static Spec) -> Option<usize>,
    /// The command at a counter index (`table::ids::spec_of`).
    pub spec_of: fn(usize) -> Option<&'static Spec>,
    /// How many counter indexes there are (`table::ids::count`).
    pub count: fn() -> usize,
}

/// The table before one is installed: no command.
static EMPTY: Catalog = Catalog {
    commands: &[],
    find: |_| Err(Rejected::UnknownCommand),
    lookup_args: |_| None,
    lookup_fullname: |_| None,
    id_of: |_| None,
    spec_of: |_| None,
    count: || 0,
};

static INSTALLED: OnceLock<&'static Catalog> = OnceLock::new();

/// Installs the command table (once; later calls keep the first).
pub fn install(catalog: &'static Catalog) {
    let _ = INSTALLED.set(catalog);
}

/// The installed command table (an empty one before [`install`]).
pub fn catalog() -> &'static Catalog {
    INSTALLED.get().copied().unwrap_or(&EMPTY)
}
