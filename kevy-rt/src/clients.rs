//! What a command set may see and do of the runtime's connections: the facts
//! of each connection on a shard (for `CLIENT LIST`, `CLIENT INFO`, `INFO`) and
//! closing one (`CLIENT KILL`). Lent to
//! [`Commands::execute_part`](crate::Commands::execute_part) as
//! [`Clients`](crate::Clients); the calling connection's own facts ride in
//! [`LocalCx`](crate::LocalCx).
//!
//! Vocabulary below the trait module: generic over the session type `S` and
//! the verb type `K`, so it needs nothing of [`Commands`](crate::Commands);
//! `commands` names them for a command set (`Clients<'_, C>`).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::args::{Args, OwnedArgs};
use crate::push::ConnHandle;

/// Runtime facts about one connection.
#[derive(Clone, Copy, Debug)]
pub struct ClientFacts {
    /// Process-unique connection id (never reused).
    pub id: u64,
    /// The shard serving it.
    pub shard: usize,
    /// Peer address.
    pub peer: Option<SocketAddr>,
    /// Local address it connected to.
    pub local: Option<SocketAddr>,
    /// It came through the Unix domain socket.
    pub unix: bool,
    /// Its file descriptor.
    pub fd: i32,
    /// When it was accepted.
    pub created: Instant,
    /// When input last arrived.
    pub last_active: Instant,
    /// Received bytes not yet processed.
    pub query_buf: usize,
    /// Free room in the query buffer.
    pub query_buf_free: usize,
    /// Output bytes not yet written to the socket.
    pub out_unsent: usize,
    /// Capacity of the output buffer.
    pub out_capacity: usize,
    /// Its reply buffer's size as Redis sizes it (`CLIENT LIST`'s `rbs`):
    /// 16 KB to start with, shrunk to what it held at most lately (1 KB
    /// at least), grown back by doubling when full.
    pub reply_buf_size: usize,
    /// The most bytes that buffer held at once lately (`rbp`).
    pub reply_buf_peak: usize,
    /// Replies queued behind one still being computed elsewhere.
    pub replies_pending: usize,
    /// It will close once its replies are written.
    pub closing: bool,
    /// A command of it is parked (a blocking command waiting) or held by a
    /// pause.
    pub blocked: bool,
}

impl ClientFacts {
    /// It connected from this machine: the Unix socket, or a loopback
    /// address (what Redis's `islocalClient` and its protected configs'
    /// `local` mean).
    pub fn local(&self) -> bool {
        self.unix || self.peer.is_some_and(|p| p.ip().is_loopback())
    }
}

/// One connection as a command set sees it: runtime facts, its session (`S`)
/// and the last command it sent (`K`, a resolved verb).
pub struct ClientOf<'a, S, K> {
    /// Runtime facts.
    pub facts: ClientFacts,
    /// The command set's per-connection state.
    pub session: &'a S,
    /// The last command resolved for it.
    pub last_cmd: Option<K>,
}

/// The runtime's side of a shard's connection table (implemented in `shard`).
pub(crate) trait ClientTable<S, K> {
    fn each(&self, f: &mut dyn FnMut(ClientOf<'_, S, K>));
    fn kill(&mut self, id: u64, at_once: bool) -> bool;
    fn unblock(&mut self, id: u64, why: crate::park::Unpark) -> bool;
    fn serve_busy(
        &mut self,
        answer: &mut dyn FnMut(&mut S, &BusyRequest<'_>, &mut Vec<u8>) -> Busy,
    );
    fn converse(&mut self, id: u64, send: &[u8], wait: Duration) -> Heard;
}

/// What [`ClientsOf::converse`] heard from the connection.
#[derive(Debug)]
pub enum Heard {
    /// Its next request, taken out of its input (no reply is owed for it).
    Request(OwnedArgs),
    /// No complete request within the wait (or its output not yet all
    /// written): ask again.
    Nothing,
    /// It closed, broke, sent what the decoder refuses, or cannot converse
    /// (not on this shard, a peer writing to it, no connection table).
    Gone,
}

/// How a command set answers a request read while a long part keeps its
/// shard busy: the session, the request, the output (see
/// [`ClientsOf::serve_busy`]).
pub(crate) type Answer<'a, S> = dyn FnMut(&mut S, &BusyRequest<'_>, &mut Vec<u8>) -> Busy + 'a;

/// A request a shard read while a long part keeps its thread (see
/// [`ClientsOf::serve_busy`]).
pub struct BusyRequest<'a> {
    /// The connection's runtime facts.
    pub client: ClientFacts,
    /// The connection as pushes name it.
    pub conn: ConnHandle,
    /// The request.
    pub args: Args<'a>,
}

/// What a command set did with a request read while a long part keeps its
/// shard busy (see [`ClientsOf::serve_busy`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Busy {
    /// Answered (its reply appended): go on with the connection's next request.
    Replied,
    /// Answered, and the connection closes once its replies are written.
    Close,
    /// Not now: this request and every later one of the connection wait
    /// until the part is over, and run then as usual.
    Later,
}

/// The connections of one shard, lent to a multi-shard part.
pub struct ClientsOf<'a, S, K> {
    table: Option<&'a mut dyn ClientTable<S, K>>,
    /// The shard's isolation state is armed ([`ClientsOf::isolating`]).
    isolating: bool,
}

impl<'a, S, K> ClientsOf<'a, S, K> {
    pub(crate) fn new(table: &'a mut dyn ClientTable<S, K>) -> ClientsOf<'a, S, K> {
        ClientsOf {
            table: Some(table),
            isolating: false,
        }
    }

    /// The same view, saying whether the shard is [isolating](ClientsOf::isolating).
    pub(crate) fn with_isolating(mut self, isolating: bool) -> ClientsOf<'a, S, K> {
        self.isolating = isolating;
        self
    }

    /// A view with no connections (for drivers without sockets).
    pub fn none() -> ClientsOf<'static, S, K> {
        ClientsOf {
            table: None,
            isolating: false,
        }
    }

    /// Whether an isolated operation holds or waits for a lock on this
    /// shard, or a keyed command waits behind one. A part that is not
    /// itself isolated but must run as one step, never between the rounds
    /// of an isolated operation touching anything of the shard, checks it:
    /// while it is false no isolated operation is partway here, and
    /// nothing of another connection waits to run first. False without a
    /// connection table ([`ClientsOf::none`]: one thread runs everything).
    pub fn isolating(&self) -> bool {
        self.isolating
    }

    /// Calls `f` for every open connection of the shard.
    pub fn for_each(&self, mut f: impl FnMut(ClientOf<'_, S, K>)) {
        if let Some(t) = &self.table {
            t.each(&mut f);
        }
    }

    /// Closes connection `id` if it is on this shard: it reads nothing more,
    /// and closes once the replies already owed to it are written (so a
    /// client killing itself still gets its reply). True if it was found.
    pub fn kill(&mut self, id: u64) -> bool {
        match &mut self.table {
            Some(t) => t.kill(id, false),
            None => false,
        }
    }

    /// Closes connection `id` if it is on this shard, at the end of this
    /// loop iteration, dropping whatever output it is still owed (Redis
    /// frees a client killed by another at once: a replica that stopped
    /// reading goes with its output buffer). For a connection other than
    /// the caller's, whose reply would be dropped too. True if it was
    /// found.
    pub fn kill_now(&mut self, id: u64) -> bool {
        match &mut self.table {
            Some(t) => t.kill(id, true),
            None => false,
        }
    }

    /// Ends the parked command of connection `id` if it is on this shard
    /// and parked (Redis's `CLIENT UNBLOCK`): it replies as
    /// [`Commands::unparked`](crate::Commands::unparked) says for `why`.
    /// True if it was parked and is now unblocked.
    pub fn unblock(&mut self, id: u64, why: crate::park::Unpark) -> bool {
        match &mut self.table {
            Some(t) => t.unblock(id, why),
            None => false,
        }
    }

    /// Serves, from inside a long part (a script that runs long), the
    /// shard's connections that wait for nothing: accepts the clients
    /// waiting on its plain and Unix listeners, reads what each idle
    /// connection's socket holds, lets `answer` reply to each complete
    /// request from the session alone, and writes the replies without
    /// waiting (what the socket does not take is written by the event loop
    /// once the part ends). Never blocks, never touches another shard or the
    /// command set's shard state: `answer` decides, with its own means,
    /// what to refuse, what to do at once, and what to put off
    /// ([`Busy::Later`]). A connection with anything in flight (a reply
    /// owed, a hold, a pause, a parked call, a request decoded ahead,
    /// TLS) is left alone, as is, for the rest of the part, one whose
    /// request was put off. When the part ends the event loop resumes every
    /// connection served here and tells the command set of those accepted
    /// ([`Commands::opened`](crate::Commands::opened)). Nothing without a
    /// connection table ([`ClientsOf::none`]).
    pub fn serve_busy(
        &mut self,
        mut answer: impl FnMut(&mut S, &BusyRequest<'_>, &mut Vec<u8>) -> Busy,
    ) {
        if let Some(t) = &mut self.table {
            t.serve_busy(&mut answer);
        }
    }

    /// Holds a synchronous dialogue with connection `id` from inside the
    /// gather of its own command (a debugger stepping through a script:
    /// Redis's `SCRIPT DEBUG`): writes `send` to its socket after the
    /// output it is already owed, then waits up to `wait` for its next
    /// complete request and hands it over, taken out of its input: that
    /// request gets no reply slot, and whatever the command set answers
    /// goes out with the next call's `send`. The first call takes the
    /// connection's input off the reactor (on io_uring, its receive is
    /// cancelled; the event loop arms it again once the command is over),
    /// so every byte is read here, in order. Blocks the shard's thread for
    /// at most `wait` per call; call again after [`Heard::Nothing`] (with
    /// an empty `send`), checking the runtime's stop flag in between.
    /// Only the connection whose command is being gathered should be asked:
    /// its later requests wait behind it anyway.
    pub fn converse(&mut self, id: u64, send: &[u8], wait: Duration) -> Heard {
        match &mut self.table {
            Some(t) => t.converse(id, send, wait),
            None => Heard::Gone,
        }
    }
}
