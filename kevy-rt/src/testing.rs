//! Drivers for unit tests of a command set.
//!
//! - [`TestServer`]: the real runtime on a free port in background threads,
//!   with a blocking RESP [`TestClient`]: what a test sees is what a client of
//!   a real server sees (pipelines, lookahead, held connections…).
//! - [`Harness`]: an in-process, single-threaded driver over several shards:
//!   the same routing, planning and gathering as the runtime, with no sockets
//!   and no threads, and direct access to each shard's state. Parts see no
//!   connections ([`ClientsOf::none`]); local commands see synthetic facts.
//!
//! ```
//! # use kevy_rt::testing::Harness;
//! # fn demo<C: kevy_rt::Commands>(cmds: C) {
//! let mut h = Harness::new(cmds, 3);
//! let reply: Vec<u8> = h.run(&["PING"]);
//! # }
//! ```

mod server;

pub use server::{encode, reply_len, TestClient, TestServer};

use crate::args::OwnedArgs;
use crate::clients::{ClientFacts, ClientsOf};
use crate::commands::{Commands, Flow, Gather, LocalCx, ShardInfo};
use crate::route::{target, Target};
use crate::router::Router;

/// A connection of a [`Harness`], from [`Harness::connect`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnId(usize);

/// Several shards of a command set and its connections' sessions, driven inline.
pub struct Harness<C: Commands> {
    cmds: C,
    shards: Vec<C::Shard>,
    /// Per connection: its session and home shard. Connection 0 always exists.
    conns: Vec<(C::Session, usize)>,
    router: Router,
}

impl<C: Commands> Harness<C> {
    /// `nshards` shards of `cmds`; the connection lives on shard 0.
    pub fn new(cmds: C, nshards: usize) -> Harness<C> {
        let nshards = nshards.max(1);
        let settings = crate::Settings::new();
        let shards = (0..nshards)
            .map(|id| {
                cmds.new_shard(ShardInfo {
                    id,
                    nshards,
                    stats: Default::default(),
                    settings: settings.clone(),
                    outbox: crate::push::Outbox::new(),
                    ready: crate::park::ReadyKeys::new(),
                    stopping: Default::default(),
                })
            })
            .collect();
        let session = cmds.new_session(&facts(0, 0));
        Harness {
            cmds,
            shards,
            conns: vec![(session, 0)],
            router: Router::new(nshards),
        }
    }

    /// Opens another connection; connections are homed on shards in turn.
    pub fn connect(&mut self) -> ConnId {
        let conn = self.conns.len();
        let home = conn % self.shards.len();
        let session = self.cmds.new_session(&facts(conn, home));
        self.conns.push((session, home));
        ConnId(conn)
    }

    /// Runs one command on the first connection and returns its reply bytes.
    pub fn run<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Vec<u8> {
        self.run_flow(args).0
    }

    /// Runs one command on connection `conn` and returns its reply bytes.
    pub fn run_on<A: AsRef<[u8]>>(&mut self, conn: ConnId, args: &[A]) -> Vec<u8> {
        self.run_flow_on(conn, args).0
    }

    /// Runs one command on the first connection; returns its reply and what
    /// the connection does next.
    pub fn run_flow<A: AsRef<[u8]>>(&mut self, args: &[A]) -> (Vec<u8>, Flow) {
        self.run_flow_on(ConnId(0), args)
    }

    /// Runs one command on connection `conn`; returns its reply and what the
    /// connection does next.
    pub fn run_flow_on<A: AsRef<[u8]>>(&mut self, conn: ConnId, args: &[A]) -> (Vec<u8>, Flow) {
        let (session, home) = &mut self.conns[conn.0];
        let home = *home;
        let owned: OwnedArgs = args.iter().collect();
        let args = owned.args();
        let mut out = Vec::new();
        let r = self.cmds.resolve(args);
        let mut t = target(r.route, args, &self.router, home);
        if t != Target::Local && self.cmds.diverted(session, r.cmd) {
            t = Target::Local;
        }
        match t {
            Target::Local => {
                let cx = LocalCx {
                    nshards: self.shards.len(),
                    client: facts(conn.0, home),
                    conn: crate::push::ConnHandle {
                        shard: home as u32,
                        idx: conn.0 as u32,
                        gen: 0,
                    },
                };
                let shard = &mut self.shards[home];
                let flow = self
                    .cmds
                    .execute_local(shard, session, &cx, r.cmd, args, &mut out);
                return (out, flow);
            }
            Target::Shard(s) => {
                let ctx = self.cmds.ctx(session);
                self.cmds.dispatched(session);
                self.cmds
                    .execute(&mut self.shards[s], ctx, r.cmd, args, &mut out);
            }
            Target::Plan => {
                let ctx = self.cmds.ctx(session);
                self.cmds.dispatched(session);
                let mut parts = Vec::new();
                // One thread runs everything here: an isolated operation's
                // locks would always be granted at once.
                let mut locks = crate::LockSet::default();
                let mut planned = if self.cmds.isolate(session, ctx, r.cmd, args, &mut locks) {
                    let cx = LocalCx {
                        nshards: self.router.nshards(),
                        client: facts(conn.0, home),
                        conn: crate::push::ConnHandle {
                            shard: home as u32,
                            idx: conn.0 as u32,
                            gen: 0,
                        },
                    };
                    self.cmds.plan_isolated(
                        &mut self.shards[home],
                        session,
                        &cx,
                        ctx,
                        r.cmd,
                        args,
                        &self.router,
                        &mut parts,
                    )
                } else {
                    self.cmds.plan(
                        &mut self.shards[home],
                        ctx,
                        r.cmd,
                        args,
                        &self.router,
                        &mut parts,
                    )
                };
                loop {
                    let replies = parts
                        .drain(..)
                        .map(|(s, p)| {
                            self.cmds.execute_part(
                                &mut self.shards[s],
                                ctx,
                                p,
                                &mut ClientsOf::none(),
                            )
                        })
                        .collect();
                    let g = self.cmds.gather(
                        &mut self.shards[home],
                        &mut planned.plan,
                        replies,
                        &self.router,
                        &mut parts,
                        &mut out,
                    );
                    if g == Gather::Done {
                        break;
                    }
                    if g == Gather::Restart {
                        locks.clear();
                        let Some((ctx2, cmd2, args2)) =
                            self.cmds.restart(session, &mut planned.plan, &mut locks)
                        else {
                            break;
                        };
                        out.clear();
                        parts.clear();
                        let cx = LocalCx {
                            nshards: self.router.nshards(),
                            client: facts(conn.0, home),
                            conn: crate::push::ConnHandle {
                                shard: home as u32,
                                idx: conn.0 as u32,
                                gen: 0,
                            },
                        };
                        planned = self.cmds.plan_isolated(
                            &mut self.shards[home],
                            session,
                            &cx,
                            ctx2,
                            cmd2,
                            args2.args(),
                            &self.router,
                            &mut parts,
                        );
                    }
                }
            }
        }
        (out, Flow::Continue)
    }

    /// The shards' states, in shard order (a command set built its state
    /// through the harness: a loader replaying a log).
    pub fn into_shards(self) -> Vec<C::Shard> {
        self.shards
    }

    /// Runs every shard's periodic tick once.
    pub fn tick(&mut self) {
        for s in &mut self.shards {
            self.cmds.tick(s);
        }
    }

    /// Shard `i`'s state.
    pub fn shard(&mut self, i: usize) -> &mut C::Shard {
        &mut self.shards[i]
    }

    /// The first connection's session.
    pub fn session(&mut self) -> &mut C::Session {
        &mut self.conns[0].0
    }

    /// The router in use.
    pub fn router(&self) -> Router {
        self.router
    }

    /// The command set.
    pub fn commands(&self) -> &C {
        &self.cmds
    }
}

/// The synthetic facts of harness connection `conn` (id `conn + 1`, no
/// socket) homed on shard `home`.
fn facts(conn: usize, home: usize) -> ClientFacts {
    let now = std::time::Instant::now();
    ClientFacts {
        id: conn as u64 + 1,
        shard: home,
        peer: None,
        local: None,
        unix: false,
        fd: -1,
        created: now,
        last_active: now,
        query_buf: 0,
        query_buf_free: 0,
        reply_buf_size: 16 * 1024,
        reply_buf_peak: 0,
        out_unsent: 0,
        out_capacity: 0,
        replies_pending: 0,
        closing: false,
        blocked: false,
    }
}

/// Bytes of one item of a forwarded request batch and of a reply batch
/// (`(request, reply)`) for command set `C`: what every forwarded command
/// costs in ring traffic, pinned by a command set's tests.
pub fn item_sizes<C: Commands>() -> (usize, usize) {
    (
        std::mem::size_of::<crate::msg::Request<C>>(),
        std::mem::size_of::<crate::msg::Reply>(),
    )
}
