//! The verb table: each verb's name, arity and route, looked up once per request.

use kevy_rt::{Args, Resolved, Route};

use crate::reply;

/// A counters verb.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verb {
    /// `INCR name [by]`.
    Incr,
    /// `GET name`.
    Get,
    /// `RESET name`.
    Reset,
    /// `OWNER name`.
    Owner,
    /// `MGET name…`.
    Mget,
    /// `SUM prefix`.
    Sum,
    /// `COUNT [prefix]`.
    Count,
    /// `TOP n [prefix]`.
    Top,
    /// `HOME`.
    Home,
    /// `PING`.
    Ping,
    /// `QUIT`.
    Quit,
}

/// A resolved request: a verb to run, or the error it gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmd {
    /// Run this verb.
    Run(Verb),
    /// No such verb.
    Unknown,
    /// The verb exists but the argument count is wrong.
    Arity(&'static str),
}

/// One row of the table: name, verb, arity (negative: at least that many
/// arguments, the verb included), route.
type Row = (&'static str, Verb, i32, Route);

const MANY: Route = Route::Keys {
    first: 1,
    last: -1,
    step: 1,
};

/// Every verb.
#[rustfmt::skip]
pub const VERBS: &[Row] = &[
    ("incr",  Verb::Incr,  -2, Route::Key(1)),
    ("get",   Verb::Get,    2, Route::Key(1)),
    ("reset", Verb::Reset,  2, Route::Key(1)),
    ("owner", Verb::Owner,  2, Route::Key(1)),
    ("mget",  Verb::Mget,  -2, MANY),
    ("sum",   Verb::Sum,    2, Route::Plan),
    ("count", Verb::Count, -1, Route::Plan),
    ("top",   Verb::Top,   -2, Route::Plan),
    ("home",  Verb::Home,   1, Route::Local),
    ("ping",  Verb::Ping,   1, Route::Local),
    ("quit",  Verb::Quit,   1, Route::Local),
];

/// Most arguments each verb takes, the verb included (for the variadic ones
/// other than `MGET`).
fn max_args(verb: Verb) -> usize {
    match verb {
        Verb::Incr | Verb::Top => 3,
        Verb::Count => 2,
        _ => usize::MAX,
    }
}

/// Looks the verb up (case-insensitively) and checks its arity; errors run
/// locally, where they are written.
pub fn resolve(args: Args<'_>) -> Resolved<Cmd> {
    let verb = args.at(0);
    let Some(&(name, v, arity, route)) = VERBS
        .iter()
        .find(|r| r.0.as_bytes().eq_ignore_ascii_case(verb))
    else {
        return Resolved {
            cmd: Cmd::Unknown,
            route: Route::Local,
        };
    };
    let n = args.len();
    let ok = if arity < 0 {
        n >= arity.unsigned_abs() as usize && n <= max_args(v)
    } else {
        n == arity as usize
    };
    if ok {
        Resolved {
            cmd: Cmd::Run(v),
            route,
        }
    } else {
        Resolved {
            cmd: Cmd::Arity(name),
            route: Route::Local,
        }
    }
}

/// Writes the error reply of a request that resolved to one.
pub fn write_error(cmd: Cmd, args: Args<'_>, out: &mut Vec<u8>) {
    match cmd {
        Cmd::Arity(name) => {
            reply::error(out, &format!("ERR wrong number of arguments for '{name}'"))
        }
        _ => {
            let verb = String::from_utf8_lossy(args.at(0));
            reply::error(out, &format!("ERR unknown command '{verb}'"))
        }
    }
}
