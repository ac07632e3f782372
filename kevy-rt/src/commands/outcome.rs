//! What a command set's calls answer the runtime: where a command runs
//! ([`Route`], with the verb in [`Resolved`]), what follows a local command
//! ([`Flow`]), a plan's first round and a gather's verdict ([`Planned`],
//! [`Gather`]), and the stage a prefetch is for ([`Prefetch`]).

use crate::args::Args;

/// Where a resolved command runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// On the connection's own shard, with its session: commands that touch no key
    /// or that change connection state. Also the route for errors found while
    /// resolving (unknown verb, wrong arity): the handler writes the error.
    Local,
    /// The argument at this index is the key; run on the shard that owns it.
    Key(u32),
    /// Keys at `first`, `first + step`, … up to `last` (negative counts from the end,
    /// `-1` being the last argument). When all keys live on one shard the command
    /// runs there like [`Route::Key`]; otherwise it is planned like [`Route::Plan`].
    Keys {
        /// Index of the first key.
        first: u32,
        /// Index of the last key; negative counts from the end.
        last: i32,
        /// Distance between keys (2 for `key value key value …`).
        step: u32,
    },
    /// A multi-shard operation, planned by [`Commands::plan`](crate::Commands::plan).
    Plan,
}

impl Route {
    /// Calls `f` with each key this route names in `args`, in order, while
    /// `f` answers true; false when `f` stopped the walk. Keys past the end
    /// of `args` are not named ([`Route::Local`] and [`Route::Plan`] name none).
    #[inline]
    pub fn for_each_key(self, args: Args<'_>, mut f: impl FnMut(&[u8]) -> bool) -> bool {
        match self {
            Route::Key(i) => (i as usize) >= args.len() || f(args.at(i as usize)),
            Route::Keys { first, last, step } => {
                let n = args.len() as i64;
                let last = if last < 0 {
                    n + last as i64
                } else {
                    last as i64
                }
                .min(n - 1);
                let step = step.max(1) as i64;
                let mut i = first as i64;
                while i <= last {
                    if !f(args.at(i as usize)) {
                        return false;
                    }
                    i += step;
                }
                true
            }
            Route::Local | Route::Plan => true,
        }
    }
}

/// How far ahead of its turn a command is prefetched ([`Commands::prefetch`](crate::Commands::prefetch)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prefetch {
    /// Well ahead: start loading the index entry that leads to the key
    /// (a hash table's slot), touching nothing that may miss.
    Index,
    /// Next or nearly: read the index and start loading the entry itself.
    Entry,
}

/// A verb looked up once, with its route.
#[derive(Clone, Copy, Debug)]
pub struct Resolved<C> {
    /// The command set's handle for the verb.
    pub cmd: C,
    /// Where it runs.
    pub route: Route,
}

/// What the connection does after a local command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Keep serving the connection.
    Continue,
    /// Write the pending replies, then close (e.g. `QUIT`).
    Close,
    /// From now on the connection also receives a line for every command run
    /// by any client ([`Commands::monitor_line`](crate::Commands::monitor_line)), like Redis's `MONITOR`.
    Monitor,
    /// Stop the whole runtime (like Redis's `SHUTDOWN`): every shard finishes
    /// its iteration, closes its connections and exits; `Runtime::run` returns.
    Shutdown,
    /// Keep serving the connection, but write nothing more to it (this
    /// reply included) until every other shard has handled what this shard
    /// posted to it so far ([`Outbox::notice`](crate::Outbox::notice),
    /// pushes) and delivered what that posted in turn: a change that
    /// reaches the shards by notice is in effect everywhere before the
    /// client reads the reply (Redis's `CONFIG SET tracking-table-max-keys`
    /// applies before the next command of any client).
    Barrier,
}

/// The origin-side state of a multi-shard operation, as [`Commands::plan`](crate::Commands::plan) made it.
pub struct Planned<P> {
    /// State kept on the origin shard until the operation is reduced.
    pub plan: P,
    /// Hold the connection: no later command of this connection starts until this
    /// operation has replied. Required when [`Commands::gather`](crate::Commands::gather) may answer
    /// [`Gather::Again`] (a second round must not be overtaken by later commands);
    /// single-round operations keep per-key order without it.
    pub hold: bool,
}

/// What [`Commands::gather`](crate::Commands::gather) decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gather {
    /// The reply is written; the operation is over.
    Done,
    /// Run the parts pushed to `next`, then gather again.
    Again,
    /// Drop this attempt (its locks are released, nothing written to
    /// `out` is sent) and start the operation again, isolated with the
    /// locks [`Commands::restart`](crate::Commands::restart) declares: an operation that found, while
    /// running, that it needs more than it locked (a script reaching a key
    /// of another shard). The command set undoes what the attempt changed.
    Restart,
}
