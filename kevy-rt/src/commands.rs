//! The [`Commands`] trait: what a command set gives the runtime.
//!
//! The runtime owns sockets, decoding, routing, ordering and cross-shard traffic;
//! a command set owns the meaning of every command and the per-shard state. A
//! command travels through these calls:
//!
//! 1. [`Commands::decode`] cuts one request out of the read buffer (RESP by default).
//! 2. [`Commands::resolve`] looks the verb up once and says where the command runs
//!    ([`Route`]); the resolved verb (`Cmd`) travels with the command so nothing
//!    downstream looks it up again.
//! 3. Depending on the route:
//!    - [`Route::Local`]: [`Commands::execute_local`] on the connection's own shard,
//!      with the connection's session (connection commands, errors, `QUIT`).
//!    - [`Route::Key`] / [`Route::Keys`] on one shard: [`Commands::execute`] on the
//!      shard that owns the key(s), locally or after one hop over a ring.
//!    - [`Route::Keys`] over several shards, or [`Route::Plan`]: a multi-shard
//!      operation. [`Commands::plan`] splits it into per-shard parts,
//!      [`Commands::execute_part`] runs each part on its shard, and
//!      [`Commands::gather`] reduces the part replies on the origin shard into
//!      one reply, or asks for another round of parts.
//!
//! Replies are bytes appended to `out`, in whatever wire format the command set
//! speaks; the runtime only guarantees they leave in request order.

use std::sync::Arc;
use std::time::Duration;

use crate::args::{Args, Span};
use crate::clients::{ClientFacts, ClientOf, ClientsOf};
use crate::lock::LockSet;
use crate::park::{Park, ReadyKeys, Served, Unpark};
use crate::push::{ConnHandle, Outbox};
use crate::resp::{self, Decoded, Limits};
use crate::router::Router;
use crate::settings::Settings;
use crate::stats::ShardStats;

mod outcome;
mod single_shard;

pub use outcome::{Flow, Gather, Planned, Prefetch, Resolved, Route};

/// One connection as command set `C` sees it ([`ClientOf`] with `C`'s types).
pub type Client<'a, C> = ClientOf<'a, <C as Commands>::Session, <C as Commands>::Cmd>;

/// The connections of one shard as command set `C` sees them, lent to
/// [`Commands::execute_part`] ([`ClientsOf`] with `C`'s types).
pub type Clients<'a, C> = ClientsOf<'a, <C as Commands>::Session, <C as Commands>::Cmd>;

/// Which shard a piece of per-shard state belongs to, and the runtime handles
/// it may keep (for `INFO`, `CONFIG SET`, `CLIENT PAUSE`…).
#[derive(Clone, Debug)]
pub struct ShardInfo {
    /// This shard's index, `0..nshards`.
    pub id: usize,
    /// Number of shards in the runtime.
    pub nshards: usize,
    /// This shard's counters (connections, commands, wake-ups…).
    pub stats: Arc<ShardStats>,
    /// The runtime's live settings, shared by all shards.
    pub settings: Arc<Settings>,
    /// Where this shard's command set posts pushed output to connections of
    /// any shard (see [`crate::push`]).
    pub outbox: Outbox,
    /// Where this shard's command set signals keys that may serve parked
    /// calls (see [`crate::park`]).
    pub ready: ReadyKeys,
    /// Whether the runtime is stopping: a long operation (a script that
    /// runs long) watches it to end early, or its shard would never stop.
    pub stopping: crate::settings::Stopping,
}

impl ShardInfo {
    /// Shard `id` of `nshards`, with fresh counters and default settings (for
    /// driving a command set outside a runtime: benches, tools).
    pub fn new(id: usize, nshards: usize) -> ShardInfo {
        ShardInfo {
            id,
            nshards,
            stats: Default::default(),
            settings: Settings::new(),
            outbox: Outbox::new(),
            ready: ReadyKeys::new(),
            stopping: Default::default(),
        }
    }
}

/// Facts about the connection a local command runs for.
#[derive(Clone, Copy, Debug)]
pub struct LocalCx {
    /// Number of shards.
    pub nshards: usize,
    /// The connection (its `shard`, `id`, addresses, buffers…).
    pub client: ClientFacts,
    /// The connection as pushes name it (see [`crate::push`]).
    pub conn: ConnHandle,
}

/// A command set: the verbs, their meaning and the per-shard state they act on.
///
/// One value is shared by every shard thread (`Sync`); per-shard mutable state
/// lives in [`Commands::Shard`], created on its own thread and never shared.
pub trait Commands: Send + Sync + Sized + 'static {
    /// The state one shard owns (a keyspace, counters, …). Created on the shard's
    /// thread by [`Commands::new_shard`]; never crosses threads.
    type Shard: 'static;
    /// A resolved verb (typically `&'static Spec` of a command table).
    type Cmd: Copy + Send + 'static;
    /// Per-connection state kept on the connection's shard (selected database,
    /// protocol version, name…).
    /// `Send`: a connection may move to another shard with its session
    /// (see [`Commands::movable`]).
    type Session: Default + Send + 'static;
    /// The part of the session a command needs when it runs on another shard.
    type Ctx: Copy + Send + 'static;
    /// One shard's share of a multi-shard operation.
    type Part: Send + 'static;
    /// The result of a [`Commands::Part`].
    type PartReply: Send + 'static;
    /// Origin-side state of a multi-shard operation.
    type Plan: 'static;

    /// Cuts one request out of `buf`, pushing its arguments to `spans`. The
    /// default speaks RESP2 (multibulk and inline; see [`resp::decode`]).
    ///
    /// `spans` is empty on entry, except after this decoder answered
    /// [`Decoded::Incomplete`] for the request at the start of `buf`: then it
    /// holds what that call left in it, and `buf` holds the same bytes and
    /// more. A decoder may resume from there (the default one does, so a
    /// request of many arguments arriving in pieces costs linear time); one
    /// that does not clears `spans` first.
    fn decode(&self, buf: &mut [u8], spans: &mut Vec<Span>, limits: &Limits) -> Decoded {
        resp::decode(buf, spans, limits)
    }

    /// Makes shard `info.id`'s state; called once on that shard's thread.
    fn new_shard(&self, info: ShardInfo) -> Self::Shard;

    /// Looks the verb up and says where the command runs. Called once per command.
    fn resolve(&self, args: Args<'_>) -> Resolved<Self::Cmd>;

    /// True while a connection of `session` must still authenticate: its
    /// requests are decoded with [`Limits::guest`] set (Redis's small
    /// pre-authentication limits). Asked when a read is processed and
    /// after each [`Route::Local`] command. Default: never.
    #[inline]
    fn guest(&self, _session: &Self::Session) -> bool {
        false
    }

    /// The session of a new connection, made when it is accepted (on its
    /// shard). Default: `Session::default()`.
    fn new_session(&self, _client: &ClientFacts) -> Self::Session {
        Self::Session::default()
    }

    /// The part of `session` that travels with a keyed or multi-shard command.
    /// A pure read: the runtime may also call it ahead of the command's turn
    /// (to prefetch for the next pipelined command). What changes per command
    /// belongs in [`Commands::dispatched`].
    fn ctx(&self, session: &Self::Session) -> Self::Ctx;

    /// A keyed or multi-shard command of this session is dispatched, with the
    /// context [`Commands::ctx`] just made for it: called exactly once per
    /// such command, at its turn, on the connection's shard (a
    /// [`Route::Local`] command sees its session in
    /// [`Commands::execute_local`] instead). Per-command session bookkeeping
    /// goes here, e.g. a reply to drop for one command only. Default: nothing.
    #[inline]
    fn dispatched(&self, _session: &mut Self::Session) {}

    /// Runs a keyed command on the shard that owns its key(s), appending the reply.
    fn execute(
        &self,
        shard: &mut Self::Shard,
        ctx: Self::Ctx,
        cmd: Self::Cmd,
        args: Args<'_>,
        out: &mut Vec<u8>,
    );

    /// Starts loading the memory [`execute`](Commands::execute) will touch for
    /// this keyed command (a CPU prefetch), without running it or changing
    /// anything. The runtime calls it ahead of running a batch's commands, so
    /// the cache misses of consecutive lookups overlap instead of stalling one
    /// after another: with [`Prefetch::Index`] well ahead (start loading where
    /// the key is indexed), then [`Prefetch::Entry`] closer to its turn (read
    /// the index, start loading the entry). Default: nothing.
    #[inline]
    fn prefetch(
        &self,
        _shard: &Self::Shard,
        _ctx: &Self::Ctx,
        _cmd: Self::Cmd,
        _args: Args<'_>,
        _stage: Prefetch,
    ) {
    }

    /// Whether `session` takes `cmd` as a [`Route::Local`] command whatever
    /// its route (a transaction being queued: the session holds the
    /// command). Checked for every keyed or planned command: keep it one
    /// test of a session flag. Default: never.
    #[inline]
    fn diverted(&self, _session: &Self::Session, _cmd: Self::Cmd) -> bool {
        false
    }

    /// Runs a [`Route::Local`] command on the connection's shard.
    fn execute_local(
        &self,
        shard: &mut Self::Shard,
        session: &mut Self::Session,
        cx: &LocalCx,
        cmd: Self::Cmd,
        args: Args<'_>,
        out: &mut Vec<u8>,
    ) -> Flow;

    /// Splits a multi-shard command into parts, pushing `(shard, part)` pairs.
    /// Parts for one shard run in the order pushed; replies come back to
    /// [`Commands::gather`] in the same order as the parts. Pushing no part at
    /// all is allowed: `gather` then runs at once with no replies (a plan can
    /// reject its request that way, writing the error in `gather`). `shard`
    /// is the state of the origin shard (the connection's), where the plan
    /// is made and gathered.
    fn plan(
        &self,
        shard: &mut Self::Shard,
        ctx: Self::Ctx,
        cmd: Self::Cmd,
        args: Args<'_>,
        router: &Router,
        parts: &mut Vec<(usize, Self::Part)>,
    ) -> Planned<Self::Plan>;

    /// Declares the keys a multi-shard operation touches so that it runs
    /// *isolated*: called on the origin shard before [`Commands::plan`], with
    /// the connection's session; pushing keys to `locks` (and answering true)
    /// makes the runtime lock them on their shards first (ascending shard
    /// order; readers share, writers exclude), call `plan` only once every
    /// lock is granted, and release them after the last `gather`. Meanwhile no
    /// other command touching those keys runs on any shard: a keyed command
    /// of one shard waits behind the lock, another isolated operation waits
    /// for it. The connection is held until the operation replies. Default:
    /// not isolated (parts run as soon as they arrive). An operation that
    /// declares itself one-round ([`LockSet::one_round`]) is planned before
    /// its locks instead, each shard's part running as that shard grants.
    fn isolate(
        &self,
        _session: &mut Self::Session,
        _ctx: Self::Ctx,
        _cmd: Self::Cmd,
        _args: Args<'_>,
        _locks: &mut LockSet,
    ) -> bool {
        false
    }

    /// Like [`Commands::plan`], with the connection's session and facts;
    /// called for an operation [`Commands::isolate`] declared, once its locks
    /// are granted. Default: [`Commands::plan`].
    #[allow(clippy::too_many_arguments)]
    fn plan_isolated(
        &self,
        shard: &mut Self::Shard,
        _session: &mut Self::Session,
        _cx: &LocalCx,
        ctx: Self::Ctx,
        cmd: Self::Cmd,
        args: Args<'_>,
        router: &Router,
        parts: &mut Vec<(usize, Self::Part)>,
    ) -> Planned<Self::Plan> {
        self.plan(shard, ctx, cmd, args, router, parts)
    }

    /// Whether this keyed or multi-shard command *blocks*: answered on the
    /// connection's shard before it runs; pushing the argument positions of
    /// the keys it waits on (in their order of preference) to `keys` and
    /// answering [`Park`] makes the runtime serve it through the blocking
    /// arbiter ([`crate::park`]) instead of [`Commands::execute`] or
    /// [`Commands::plan`]: served at once from the leftmost key
    /// [`Commands::ready`] accepts, else parked — the connection held, its
    /// later commands waiting behind it — until one of its keys is signalled
    /// ([`ReadyKeys::signal`]) and ready, or its deadline passes
    /// ([`Commands::unparked`]). Checked for every keyed or planned command
    /// not [diverted](Commands::diverted): keep it one test of a flag of
    /// `cmd` when it answers `None`. Default: never.
    #[inline]
    fn blocking(
        &self,
        _session: &Self::Session,
        _cmd: Self::Cmd,
        _args: Args<'_>,
        _keys: &mut Vec<u32>,
    ) -> Option<Park> {
        None
    }

    /// The keyspace (a database, say) of the keys a blocking command with
    /// context `ctx` waits on: a parked call is woken only by
    /// [`ReadyKeys::signal_in`] of its keyspace. Default: 0 (one keyspace;
    /// [`ReadyKeys::signal`]).
    fn keyspace(&self, _ctx: Self::Ctx) -> u32 {
        0
    }

    /// Whether the key at position `key` of a blocking command's `args`
    /// can serve it now, on the shard that owns the key. `first`: the
    /// command's first attempt, when an answer the non-blocking form would
    /// give at once (an error, say) counts as ready too. Must not change
    /// anything visible. Default: never.
    fn ready(
        &self,
        _shard: &mut Self::Shard,
        _ctx: Self::Ctx,
        _cmd: Self::Cmd,
        _args: Args<'_>,
        _key: u32,
        _first: bool,
    ) -> bool {
        false
    }

    /// Serves a blocking command from the key at position `key`, which
    /// [`Commands::ready`] just accepted on this shard, appending its reply
    /// (or answering [`Served::Then`] with a command to run next in its
    /// place). Runs exactly once per parked call that is served. Default:
    /// nothing.
    fn serve(
        &self,
        _shard: &mut Self::Shard,
        _ctx: Self::Ctx,
        _cmd: Self::Cmd,
        _args: Args<'_>,
        _key: u32,
        _out: &mut Vec<u8>,
    ) -> Served {
        Served::Done
    }

    /// Whether a finished multi-shard operation found nothing to act on (a
    /// move whose source turned out empty). When the operation is the
    /// continuation of a served parked call ([`Served::Then`]), the runtime
    /// then drops its reply and parks the call again until its deadline: a
    /// serve that lost its element to another client between the
    /// readiness check and the continuation never answers early. Default:
    /// never.
    fn missed(&self, _plan: &Self::Plan) -> bool {
        false
    }

    /// A parked command ends unserved (its deadline passed, or it was
    /// unblocked): append its reply (and count the call, as a command set
    /// counting calls does). Runs on the connection's shard, with its
    /// state, from the connection's timer and unblock hook. Default:
    /// nothing.
    fn unparked(
        &self,
        _shard: &mut Self::Shard,
        _session: &Self::Session,
        _cmd: Self::Cmd,
        _args: Args<'_>,
        _why: Unpark,
        _out: &mut Vec<u8>,
    ) {
    }

    /// For an operation whose gather answered [`Gather::Restart`]: declares
    /// its new locks in `locks` and gives back what to run again (its
    /// context, verb and arguments), planned by [`Commands::plan_isolated`]
    /// once the locks are granted. Called on the origin shard with the
    /// connection's session, after the attempt's locks were released.
    /// `None` drops the operation with what its gather wrote. Default: `None`.
    fn restart(
        &self,
        _session: &mut Self::Session,
        _plan: &mut Self::Plan,
        _locks: &mut LockSet,
    ) -> Option<(Self::Ctx, Self::Cmd, crate::args::OwnedArgs)> {
        None
    }

    /// Runs one part on its shard. `clients` shows (and can close) the
    /// connections of that shard, for commands like `CLIENT LIST`/`KILL`.
    fn execute_part(
        &self,
        shard: &mut Self::Shard,
        ctx: Self::Ctx,
        part: Self::Part,
        clients: &mut Clients<'_, Self>,
    ) -> Self::PartReply;

    /// Reduces the replies of one round (index-aligned with the parts pushed) into
    /// the command's reply, or pushes another round of parts to `next` and answers
    /// [`Gather::Again`]. Runs on the origin shard, whose state is `shard`.
    fn gather(
        &self,
        shard: &mut Self::Shard,
        plan: &mut Self::Plan,
        replies: Vec<Self::PartReply>,
        router: &Router,
        next: &mut Vec<(usize, Self::Part)>,
        out: &mut Vec<u8>,
    ) -> Gather;

    /// [`Commands::gather`], with the origin shard's connections lent: what
    /// the runtime calls. A gather that may run long (a script) serves them
    /// through [`ClientsOf::serve_busy`](crate::ClientsOf::serve_busy).
    /// The round's replies are lent too: the runtime empties the list
    /// afterwards and reuses it for the next round it gathers, so a command
    /// set that reduces them where they lie allocates no vector per round
    /// (one that keeps them takes them). Default: `gather`, given them.
    #[allow(clippy::too_many_arguments)]
    fn gather_lending(
        &self,
        shard: &mut Self::Shard,
        plan: &mut Self::Plan,
        replies: &mut Vec<Self::PartReply>,
        router: &Router,
        next: &mut Vec<(usize, Self::Part)>,
        out: &mut Vec<u8>,
        _clients: &mut Clients<'_, Self>,
    ) -> Gather {
        self.gather(shard, plan, std::mem::take(replies), router, next, out)
    }

    /// The line monitors receive for a command (`MONITOR`); called only while
    /// some connection monitors. Default: none.
    fn monitor_line(
        &self,
        _session: &Self::Session,
        _client: &ClientFacts,
        _cmd: Self::Cmd,
        _args: Args<'_>,
        _out: &mut Vec<u8>,
    ) {
    }

    /// Monitor lines the command set made itself since the last call (a
    /// script's calls, say), appended to `out`; called once per loop
    /// iteration while some connection monitors. Default: none.
    fn monitor_lines(&self, _shard: &mut Self::Shard, _out: &mut Vec<u8>) {}

    /// Whether `cmd` waits while clients are paused ([`Settings::pause`]);
    /// `writes_only` is the pause's mode. Default: everything waits during a
    /// full pause, nothing during a write pause.
    ///
    /// [`Settings::pause`]: crate::Settings::pause
    /// `session` is the connection's (what it queued may decide, as
    /// Redis pauses an `EXEC` whose transaction writes), `args` the request
    /// (a script's declared flags may decide).
    fn pausable(
        &self,
        _session: &Self::Session,
        _cmd: Self::Cmd,
        _args: Args<'_>,
        writes_only: bool,
    ) -> bool {
        !writes_only
    }

    /// The reply written to a connection refused because `maxclients`
    /// connections are open, just before it is closed. Default: Redis's
    /// `-ERR max number of clients reached`.
    fn too_many_clients(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"-ERR max number of clients reached\r\n");
    }

    /// Whether a connection with this session may be closed when all
    /// connections together use more memory than
    /// [`Settings::max_client_memory`](crate::Settings::max_client_memory)
    /// (Redis's client eviction; `CLIENT NO-EVICT on` says no). Default: yes.
    fn evictable(&self, _session: &Self::Session) -> bool {
        true
    }

    /// Whether a connection with this session counts toward
    /// [`Settings::max_client_memory`](crate::Settings::max_client_memory)
    /// at all (Redis counts normal and Pub/Sub clients only, not replicas
    /// nor its primary's link). Default: yes.
    fn client_memory_counted(&self, _session: &Self::Session) -> bool {
        true
    }

    /// Connection `client` is about to be closed by client eviction, on its
    /// shard: the command set may say so (Redis logs "Evicting client"
    /// with its `CLIENT LIST` line). Default: nothing.
    fn evicting(&self, _shard: &mut Self::Shard, _client: Client<'_, Self>) {}

    /// Bytes a session holds besides the connection's buffers (queued
    /// transaction commands, subscriptions, watched keys…), counted in its
    /// memory for client eviction. Default: none.
    fn session_memory(&self, _session: &Self::Session) -> usize {
        0
    }

    /// Whether a new connection from `peer` (`None`: the Unix socket) is
    /// refused at once (after the `maxclients` check); if so, `out` gets
    /// the reply written before it is closed. Default: every connection
    /// is accepted.
    fn refuses_connection(&self, _peer: Option<std::net::SocketAddr>, _out: &mut Vec<u8>) -> bool {
        false
    }

    /// The output class of a connection with this session (an index below
    /// [`OUTPUT_CLASSES`](crate::push::OUTPUT_CLASSES)): its output is held
    /// to that class's [`OutputLimit`](crate::OutputLimit) in
    /// [`Settings`]. Read when the connection's output is checked against
    /// its limit, so a session that changes mode (a subscriber) changes
    /// class at once. Default: class 0.
    #[inline]
    fn output_class(&self, _session: &Self::Session) -> usize {
        0
    }

    /// Whether the idle timeout ([`Settings::set_idle_timeout`]) spares the
    /// connection of `session` however long it stays quiet, as Redis spares
    /// Pub/Sub clients. The runtime itself spares monitors and paused or
    /// parked connections. Default: no.
    fn idle_exempt(&self, _session: &Self::Session) -> bool {
        false
    }

    /// Connection `conn` closed (hung up, killed, over its output limit or
    /// at shutdown of its shard's loop): undo what its session registered in
    /// the shard's state (subscriptions, waiters). Runs on its shard; the
    /// connection is gone already (pushes to it go nowhere). Default:
    /// nothing.
    fn closed(&self, _shard: &mut Self::Shard, _session: &mut Self::Session, _conn: ConnHandle) {}

    /// Renders a push posted with
    /// [`Outbox::push_rendered`](crate::Outbox::push_rendered) for the
    /// connection whose session is `session`, on its shard, appending to
    /// `out` (nothing appended: nothing is sent). Default: the payload as
    /// it is.
    fn render_push(&self, _session: &Self::Session, _tag: u8, payload: &[u8], out: &mut Vec<u8>) {
        out.extend_from_slice(payload);
    }

    /// Whether the connection of `session` may move to another shard now:
    /// nothing of the command set's (subscriptions, watched keys, a queued
    /// transaction, a registry holding its [`ConnHandle`]…) would be left
    /// behind pointing at its old place, or [`Commands::moved`] updates it.
    /// The runtime moves a connection whose keyed commands keep going to one
    /// other shard (its forwarded commands then run where it lives), only
    /// when nothing of it is in flight. Default: never.
    fn movable(&self, _session: &Self::Session) -> bool {
        false
    }

    /// The connection of `session` moved to this shard, where it is now
    /// `conn` (see [`Commands::movable`]). Runs on its new shard. Default:
    /// nothing.
    fn moved(&self, _shard: &mut Self::Shard, _session: &mut Self::Session, _conn: ConnHandle) {}

    /// A new connection `conn` was accepted; its session was just made.
    /// Runs on its shard. Default: nothing.
    fn opened(&self, _shard: &mut Self::Shard, _session: &mut Self::Session, _conn: ConnHandle) {}

    /// A notice another shard's command set (or this one's) sent with
    /// [`Outbox::notice`](crate::Outbox::notice): runs on this shard, in
    /// the order that sender sent it among its commands and parts.
    /// Default: nothing.
    fn notice(&self, _shard: &mut Self::Shard, _bytes: &[u8]) {}

    /// Periodic per-shard work (active expiry, …), every [`Commands::tick_interval`].
    fn tick(&self, _shard: &mut Self::Shard) {}

    /// Every shard was asked to look at its state again
    /// ([`Settings::nudge`](crate::Settings::nudge), after a setting
    /// changed): called at the start of each shard's next loop iteration,
    /// before the input and the messages that iteration serves (Redis
    /// evicts keys as `CONFIG SET maxmemory` lowers the limit). Default:
    /// nothing.
    fn nudged(&self, _shard: &mut Self::Shard) {}

    /// The durability barrier: called on a shard before anything its
    /// commands produced since the last call leaves it — its connections'
    /// replies, a peer batch's replies, direct replies, requests to other
    /// shards (a lock release) — once per loop iteration and per peer batch,
    /// never per command. A command set that logs writes (an append-only
    /// file) hands them to its log here, and makes them durable when it must
    /// (one fsync covering every write of the iteration: group commit).
    /// Default: nothing.
    fn before_replies(&self, _shard: &mut Self::Shard) {}

    /// Called once per loop iteration on a shard, after the iteration's
    /// messages to the other shards left (requests and parts are on their
    /// rings, the peers woken): what the shard does here, the others see
    /// their part of already. A command set that stops the whole server
    /// for a while (Redis's `DEBUG SLEEP`) stops this shard here, after
    /// its parts reached the others. Default: nothing.
    #[inline]
    fn after_messages(&self, _shard: &mut Self::Shard) {}

    /// True while [`Commands::before_replies`] must run before a reply leaves
    /// (an fsync per write batch): a peer then sends replies back to their
    /// origin instead of writing them to the client's socket while it runs
    /// the batch. Asked once per peer batch. Default: false.
    fn holds_replies(&self, _shard: &Self::Shard) -> bool {
        false
    }

    /// True while the shard has background work that advances in slices
    /// (in [`Commands::before_replies`] or [`Commands::tick`]): an idle
    /// loop then sleeps 1 ms at most between iterations instead of until
    /// the next tick, so the work goes on in small steps without one long
    /// stall. Asked once per loop iteration. Default: false.
    fn background(&self, _shard: &Self::Shard) -> bool {
        false
    }

    /// The runtime stopped: the shard's last call, on its thread, before its
    /// state is dropped (a command set may hand the state over, e.g. to save
    /// it once every shard has stopped).
    fn stopped(&self, _shard: &mut Self::Shard) {}

    /// How often [`Commands::tick`] runs; 100 ms (Redis's `hz 10`) by
    /// default. Asked at the start and after each tick, so it may change
    /// while the runtime runs.
    fn tick_interval(&self) -> Duration {
        Duration::from_millis(100)
    }
}
