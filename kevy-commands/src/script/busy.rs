//! Long scripts: `busy-reply-threshold` (alias `lua-time-limit`), the
//! `-BUSY` refusal, `SCRIPT KILL` / `FUNCTION KILL`, `SHUTDOWN NOSAVE`
//! while busy, and `FUNCTION STATS`' `running_script`.
//!
//! A run keeps its state in a thread-local (`begin`, `end`); the
//! interpreter's instruction hook calls `tick` every thousand
//! instructions. Once the run is older than the threshold it is *timed
//! out*: it is published in the registry's [`Watch`] — a counter every
//! shard's `resolve` reads (one relaxed load per command), and the list
//! `KILL` walks — and from then on the hook lets the script's shard serve
//! its own connections ([`kevy_rt::ClientsOf::serve_busy`]) with
//! `answer`: Redis's `allow-busy` commands run, the rest get `-BUSY`.
//! Connections of the other shards get `-BUSY` from `resolve`
//! ([`Watch::refusal`]): a local stand-in, so nothing waits for the busy
//! shard. `KILL` (from any shard) moves the run's `Timed::state` from
//! clean to killed — a write moves it from clean to written, so exactly
//! one of them wins — and the hook turns a kill into an error raised at
//! every tick until the script ends.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kevy_rt::{Args, Busy, BusyRequest, Flow, LocalCx};

use crate::base::resp::{self, Reply};
use crate::family::spec::{flags, Run, Spec};
use crate::family::Local;
use crate::session::Session;
use crate::shard::ShardState;

/// `-BUSY` for an `EVAL` (`shared.slowevalerr`).
pub(crate) const BUSY_EVAL: &[u8] =
    b"BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
/// `-BUSY` for an `FCALL` (`shared.slowscripterr`).
pub(crate) const BUSY_FUNCTION: &[u8] =
    b"BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";
const NOTBUSY: &[u8] = b"NOTBUSY No scripts in execution right now.";
const UNKILLABLE: &[u8] = b"UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.";
/// The error a killed script ends with (`luaMaskCountHook`).
pub(crate) const KILLED: &str = "Script killed by user with SCRIPT KILL...";

/// How often a timed-out run serves its shard's connections.
const SERVE_EVERY: Duration = Duration::from_millis(1);
/// Ticks (of a thousand instructions) between two looks at the clock
/// before the run times out.
const CLOCK_EVERY: u32 = 10;

/// The stand-in a command resolves to while an `EVAL` is busy.
pub static REFUSED_EVAL: Spec = Spec::new("(busy)", -1, 0, [0, 0, 0], Run::Local(refuse_eval));
/// The stand-in a command resolves to while a function (`FCALL`) is busy.
pub static REFUSED_FUNCTION: Spec =
    Spec::new("(busy)", -1, 0, [0, 0, 0], Run::Local(refuse_function));

fn refuse_eval(c: &mut Local<'_>) -> Flow {
    crate::family::txn::reject_with(c, BUSY_EVAL)
}

fn refuse_function(c: &mut Local<'_>) -> Flow {
    crate::family::txn::reject_with(c, BUSY_FUNCTION)
}

/// A run's kill state (`Timed::state`).
const CLEAN: u8 = 0;
const WRITTEN: u8 = 1;
const KILLED_STATE: u8 = 2;

/// One timed-out run, as every thread sees it.
#[derive(Debug)]
pub(crate) struct Timed {
    /// `EVAL`-like (else `FCALL`).
    eval: bool,
    /// The function's name (`FUNCTION STATS`), or the script's SHA1.
    name: String,
    /// The command that started it (`FUNCTION STATS`).
    command: Vec<Vec<u8>>,
    started: Instant,
    /// `CLEAN`, `WRITTEN` (it ran a write command: unkillable) or
    /// `KILLED_STATE`; only ever leaves `CLEAN`, by one compare-exchange.
    state: AtomicU8,
}

/// The timed-out runs of every shard (one per shard at most).
#[derive(Debug, Default)]
pub struct Watch {
    /// How many runs are timed out: `resolve`'s fast check.
    timedout: AtomicUsize,
    /// 1: the first of them is an `EVAL`, 2: an `FCALL`.
    kind: AtomicU8,
    runs: Mutex<Vec<Arc<Timed>>>,
}

impl Watch {
    /// The stand-in `cmd` resolves to while a script is busy, `None` when
    /// none is or `cmd` may run anyway. One relaxed load when none is.
    #[inline]
    pub fn refusal(&self, cmd: &'static Spec, args: Args<'_>) -> Option<&'static Spec> {
        if self.timedout.load(Ordering::Relaxed) == 0 {
            return None;
        }
        self.refusal_slow(cmd, args)
    }

    #[cold]
    fn refusal_slow(&self, cmd: &'static Spec, args: Args<'_>) -> Option<&'static Spec> {
        if std::ptr::eq(cmd, &crate::table::REJECT) {
            // Unknown command, wrong arity: their error comes first.
            return None;
        }
        if cmd.name == "shutdown" {
            return match shutdown(args) {
                Shutdown::NoSave => {
                    // It stops the scripts, written or not, and runs.
                    self.kill_all();
                    None
                }
                Shutdown::Other => None,
                Shutdown::Refused => Some(self.stand_in()),
            };
        }
        if cmd.flags & flags::ALLOW_BUSY != 0 {
            return None;
        }
        Some(self.stand_in())
    }

    /// The refusal for the first timed-out run's kind.
    fn stand_in(&self) -> &'static Spec {
        match self.kind.load(Ordering::Relaxed) {
            2 => &REFUSED_FUNCTION,
            _ => &REFUSED_EVAL,
        }
    }

    fn publish(&self, t: Arc<Timed>) {
        if let Ok(mut runs) = self.runs.lock() {
            if runs.is_empty() {
                self.kind
                    .store(if t.eval { 1 } else { 2 }, Ordering::Relaxed);
            }
            runs.push(t);
            self.timedout.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn withdraw(&self, t: &Arc<Timed>) {
        if let Ok(mut runs) = self.runs.lock() {
            let before = runs.len();
            runs.retain(|r| !Arc::ptr_eq(r, t));
            if runs.len() < before {
                self.timedout.fetch_sub(1, Ordering::Relaxed);
            }
            if let Some(first) = runs.first() {
                self.kind
                    .store(if first.eval { 1 } else { 2 }, Ordering::Relaxed);
            }
        }
    }

    /// `SCRIPT KILL` (`eval`) / `FUNCTION KILL`: Redis's `scriptKill` over
    /// the timed-out runs (kevy may have one per shard): the error of the
    /// first that cannot be killed, else `OK` with every one killed.
    pub(crate) fn kill(&self, eval: bool, out: &mut Vec<u8>) {
        let Ok(runs) = self.runs.lock() else {
            return resp::error(out, NOTBUSY);
        };
        if runs.is_empty() {
            return resp::error(out, NOTBUSY);
        }
        for r in runs.iter() {
            if r.state.load(Ordering::Acquire) == WRITTEN {
                return resp::error(out, UNKILLABLE);
            }
            if r.eval != eval {
                return resp::error(out, if r.eval { BUSY_EVAL } else { BUSY_FUNCTION });
            }
        }
        for r in runs.iter() {
            let won =
                r.state
                    .compare_exchange(CLEAN, KILLED_STATE, Ordering::AcqRel, Ordering::Acquire);
            if won == Err(WRITTEN) {
                // It wrote since it was looked at: Redis, one thread,
                // would have seen the write.
                return resp::error(out, UNKILLABLE);
            }
        }
        resp::ok(out);
    }

    /// Stops every timed-out run, written or not (`SHUTDOWN NOSAVE`).
    fn kill_all(&self) {
        if let Ok(runs) = self.runs.lock() {
            for r in runs.iter() {
                r.state.store(KILLED_STATE, Ordering::Release);
            }
        }
    }

    /// `FUNCTION STATS`' `running_script`: name, command and milliseconds
    /// of the first timed-out function, `None` when none runs; `Err` when
    /// it is an `EVAL` (Redis answers `-BUSY` then).
    #[allow(clippy::type_complexity)]
    pub(crate) fn running_function(&self) -> Result<Option<(String, Vec<Vec<u8>>, u64)>, ()> {
        let Ok(runs) = self.runs.lock() else {
            return Ok(None);
        };
        match runs.first() {
            None => Ok(None),
            Some(r) if r.eval => Err(()),
            Some(r) => Ok(Some((
                r.name.clone(),
                r.command.clone(),
                r.started.elapsed().as_millis() as u64,
            ))),
        }
    }
}

/// `FUNCTION STATS`' `running_script` value: null, or a map of the
/// function's name, command and milliseconds running.
pub(crate) fn write_running(running: Option<(String, Vec<Vec<u8>>, u64)>, out: &mut Reply<'_>) {
    let Some((name, command, ms)) = running else {
        return resp::null(out);
    };
    resp::map(out, 3);
    resp::bulk(out, b"name");
    resp::bulk(out, name.as_bytes());
    resp::bulk(out, b"command");
    resp::array(out, command.len());
    for a in &command {
        resp::bulk(out, a);
    }
    resp::bulk(out, b"duration_ms");
    resp::int(out, ms as i64);
}

/// What a `SHUTDOWN` does while a script is busy (`shutdownCommand`).
#[derive(Debug, PartialEq, Eq)]
enum Shutdown {
    /// `NOSAVE` (maybe with `NOW`/`FORCE`): runs, the scripts killed.
    NoSave,
    /// `ABORT` or a syntax error: runs (its own reply).
    Other,
    /// Anything else: `-BUSY`.
    Refused,
}

fn shutdown(args: Args<'_>) -> Shutdown {
    let (mut nosave, mut save) = (false, false);
    for a in args.iter().skip(1) {
        let is = |k: &str| a.eq_ignore_ascii_case(k.as_bytes());
        if is("nosave") {
            nosave = true;
        } else if is("save") {
            save = true;
        } else if !is("now") && !is("force") {
            return Shutdown::Other;
        }
    }
    match (nosave, save) {
        (true, true) => Shutdown::Other,
        (true, false) => Shutdown::NoSave,
        _ => Shutdown::Refused,
    }
}

/// This thread's run.
struct Current {
    eval: bool,
    started: Instant,
    ticks: u32,
    wrote: bool,
    /// The runtime is stopping: the run ends.
    stopped: bool,
    timed: Option<Arc<Timed>>,
    /// When the shard's connections were last served.
    served: Instant,
}

thread_local! {
    static CURRENT: RefCell<Option<Current>> = const { RefCell::new(None) };
}

/// A run starts on this thread (`eval`: an `EVAL`-like command).
pub(crate) fn begin(eval: bool) {
    CURRENT.with(|c| {
        let now = Instant::now();
        *c.borrow_mut() = Some(Current {
            eval,
            started: now,
            ticks: 0,
            wrote: false,
            stopped: false,
            timed: None,
            served: now,
        })
    });
}

/// The run on this thread is over.
pub(crate) fn end(watch: &Watch) {
    if let Some(cur) = CURRENT.with(|c| c.borrow_mut().take()) {
        if let Some(t) = &cur.timed {
            watch.withdraw(t);
        }
    }
}

/// The run on this thread is about to run a write command: false when it
/// was killed first (the write must not run).
/// The running script wrote already (Redis's `SCRIPT_WRITE_DIRTY`): its
/// later writes are not refused for the server's state.
pub(crate) fn wrote() -> bool {
    CURRENT.with(|c| c.borrow().as_ref().is_some_and(|cur| cur.wrote))
}

pub(crate) fn writing() -> bool {
    CURRENT.with(|c| {
        let mut slot = c.borrow_mut();
        let Some(cur) = slot.as_mut() else {
            return true;
        };
        cur.wrote = true;
        match &cur.timed {
            None => true,
            Some(t) => {
                let s =
                    t.state
                        .compare_exchange(CLEAN, WRITTEN, Ordering::AcqRel, Ordering::Acquire);
                s != Err(KILLED_STATE)
            }
        }
    })
}

/// The run on this thread ends at its next tick (the runtime stops).
pub(crate) fn stop() {
    CURRENT.with(|c| {
        if let Some(cur) = c.borrow_mut().as_mut() {
            cur.stopped = true;
        }
    });
}

/// What the instruction hook does next.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Tick {
    /// Go on.
    Continue,
    /// Look at the clock, the runtime and the shard's connections
    /// ([`check`]).
    Check,
    /// Killed: raise [`KILLED`].
    Kill,
}

/// Every thousand instructions of the run on this thread: cheap, and
/// thread-local only.
pub(crate) fn tick() -> Tick {
    CURRENT.with(|c| {
        let mut slot = c.borrow_mut();
        let Some(cur) = slot.as_mut() else {
            return Tick::Continue;
        };
        if cur.stopped {
            return Tick::Kill;
        }
        if let Some(t) = &cur.timed {
            if t.state.load(Ordering::Acquire) == KILLED_STATE {
                return Tick::Kill;
            }
            return Tick::Check;
        }
        cur.ticks += 1;
        if cur.ticks % CLOCK_EVERY == 0 {
            Tick::Check
        } else {
            Tick::Continue
        }
    })
}

/// [`Tick::Check`]: times the run out past the threshold (publishing it,
/// logging Redis's warning), and, once timed out, answers whether to
/// serve the shard's connections now. `args` is the command running.
pub(crate) fn check(watch: &Watch, shard: &ShardState, name: &str, args: Args<'_>) -> bool {
    CURRENT.with(|c| {
        let mut slot = c.borrow_mut();
        let Some(cur) = slot.as_mut() else {
            return false;
        };
        if cur.timed.is_some() {
            let now = Instant::now();
            if now.duration_since(cur.served) < SERVE_EVERY {
                return false;
            }
            cur.served = now;
            return true;
        }
        let shared = &shard.server.shared;
        let ms = shared.config.get_i64("busy-reply-threshold");
        let elapsed = cur.started.elapsed();
        // 0 turns the limit off (Redis installs no hook then).
        if ms <= 0 || elapsed < Duration::from_millis(ms as u64) {
            return false;
        }
        shared.log.log(
            crate::base::log::Level::Warning,
            &format!(
                "Slow script detected: still in execution after {} milliseconds. You can try killing the script using the {} command. Script name is: {}.",
                elapsed.as_millis(),
                if cur.eval { "SCRIPT KILL" } else { "FUNCTION KILL" },
                name
            ),
        );
        let t = Arc::new(Timed {
            eval: cur.eval,
            name: name.to_string(),
            command: args.iter().map(<[u8]>::to_vec).collect(),
            started: cur.started,
            state: AtomicU8::new(if cur.wrote { WRITTEN } else { CLEAN }),
        });
        watch.publish(t.clone());
        cur.timed = Some(t);
        cur.served = Instant::now();
        true
    })
}

/// How the busy shard answers a request of one of its connections read
/// while its script runs (see [`kevy_rt::ClientsOf::serve_busy`]): as
/// Redis's `processCommand` while a script is timed out. `shard` is the
/// shard's state, lent by the running script between two instructions.
pub(crate) fn answer(
    redis: &crate::Redis,
    shard: &mut ShardState,
    session: &mut Session,
    req: &BusyRequest<'_>,
    out: &mut Vec<u8>,
) -> Busy {
    let watch = &redis.scripts.watch;
    let spec = crate::table::find(req.args).unwrap_or(&crate::table::REJECT);
    let cx = LocalCx {
        nshards: shard.server.info.as_ref().map_or(1, |i| i.nshards),
        client: req.client,
        conn: req.conn,
    };
    let authenticated = crate::family::acl::code(&redis.acl, session) == 0;
    let run = |shard: &mut ShardState, session: &mut Session, spec, out: &mut Vec<u8>| {
        match kevy_rt::Commands::execute_local(redis, shard, session, &cx, spec, req.args, out) {
            Flow::Close => Busy::Close,
            _ => Busy::Replied,
        }
    };
    let mut reply = Vec::new();
    match spec.name {
        // Unknown command, wrong arity: answered as ever.
        _ if std::ptr::eq(spec, &crate::table::REJECT) => run(shard, session, spec, out),
        _ if spec.flags & flags::ALLOW_BUSY == 0 => run(shard, session, watch.stand_in(), out),
        "script|kill" | "function|kill" | "function|stats" if authenticated => {
            match spec.name {
                "script|kill" => watch.kill(true, &mut reply),
                "function|kill" => watch.kill(false, &mut reply),
                _ => super::function::function_command(
                    redis,
                    spec,
                    req.args,
                    &mut Reply::new(&mut reply, session.resp3),
                ),
            }
            if !session.end_command() {
                out.extend_from_slice(&reply);
            }
            Busy::Replied
        }
        "shutdown" => match shutdown(req.args) {
            Shutdown::NoSave => {
                // It runs once the script is over, which is now.
                watch.kill_all();
                Busy::Later
            }
            // ABORT, a syntax error: their reply.
            Shutdown::Other => run(shard, session, spec, out),
            Shutdown::Refused => run(shard, session, watch.stand_in(), out),
        },
        _ => match spec.run {
            // AUTH, HELLO, MULTI, DISCARD, WATCH, UNWATCH, RESET, QUIT:
            // session-level commands, run now as Redis runs them.
            Run::Local(_) => run(shard, session, spec, out),
            // `SCRIPT KILL`… of a client yet to authenticate: `-NOAUTH`.
            _ if !authenticated => run(shard, session, watch.stand_in(), out),
            _ => Busy::Later,
        },
    }
}
