//! The Lua debugger (Redis's LDB): `SCRIPT DEBUG YES|SYNC|NO` and the
//! debugging sessions it starts.
//!
//! After `SCRIPT DEBUG YES` or `SYNC`, the connection's next `EVAL` (or
//! `EVAL_RO`) is a session: the script runs in global mode (every shard
//! locked whole, on the connection's shard: `super::global`), with a hook
//! at every line. At a stop (the first line, a step, a breakpoint,
//! `redis.breakpoint()`, or a script running past `busy-reply-threshold`)
//! the hook sends the client the debugger's log lines as one array of
//! status replies and reads its commands (`step`, `continue`, `list`,
//! `print`, `break`, `eval`, `redis`, `trace`, `maxlen`, `abort`, `help`)
//! until one resumes the script. It talks with the client through
//! [`kevy_rt::ClientsOf::converse`], which the origin lends each resume
//! of the run ([`lend`]). When the script ends, the remaining log and an
//! `<endsession>` line go out before the `EVAL`'s reply, and the
//! connection closes after it, as Redis's does.
//!
//! Redis runs a `YES` session in a forked child, whose dataset is thrown
//! away and which other clients never wait for. kevy has no child: a `YES`
//! session runs as a `SYNC` one does (the server's keys stay locked while
//! it lasts), keeps each key a write changes as it was before, puts them
//! all back when the script ends, and propagates nothing ([`undo`]: a
//! write whose keys are not known, `FLUSHALL`, is refused there). Other
//! side effects of its calls (keyspace notifications, tracking
//! invalidations, `MONITOR` lines) are not undone. `EVALSHA` is refused in
//! a session, as Redis refuses it; an `EVAL` queued in a transaction runs
//! without the debugger.
//!
//! The session's state is the thread's ([`Ldb`], as Redis's is the
//! server's): one session at a time per shard, and a session keeps every
//! shard locked, so one at a time in all.

use std::cell::RefCell;
use std::time::{Duration, Instant};

use kevy_rt::{Heard, OwnedArgs, Stopping};
use mlua::{Lua, MultiValue, Value};

mod commands;
pub(crate) mod show;
pub(crate) mod undo;

use commands::{atoi, breaks, eval, list, maxlen, print, print_all, redis, trace, HELP};

#[cfg(test)]
mod tests;

/// Breakpoints a session keeps at most (`LDB_BREAKPOINTS_MAX`).
const BREAKPOINTS_MAX: usize = 64;
/// Replies and values longer than this are trimmed in the log, until
/// `maxlen` says otherwise (`LDB_MAX_LEN_DEFAULT`).
const MAXLEN_DEFAULT: usize = 256;
/// How long one wait for the client lasts before the stop flag is looked
/// at again.
const WAIT: Duration = Duration::from_millis(100);
/// Bytes of debugger input a session buffers at most (Redis: 1 MB).
const INPUT_MAX: usize = 1 << 20;

/// How a session talks with its client: sends bytes, then waits for its
/// next request (lent by the origin for one resume of the run).
pub(crate) type Talk = dyn FnMut(&[u8], Duration) -> Heard;

/// A session's state (Redis's `struct ldbState`).
struct Ldb {
    active: bool,
    /// Stop at the next line; also makes `redis.call` log its command and
    /// reply.
    step: bool,
    /// `redis.breakpoint()` was called: stop at the next line.
    luabp: bool,
    bp: Vec<usize>,
    /// The script's source, one entry a line.
    lines: Vec<Vec<u8>>,
    current: usize,
    logs: Vec<Vec<u8>>,
    maxlen: usize,
    hint_sent: bool,
    /// Log lines rendered and not yet sent: they go with the next wait.
    out: Vec<u8>,
    /// What the client sent, how the origin lends it, and the stop flag.
    talk: Option<*mut Talk>,
    stopping: Option<Stopping>,
    /// `busy-reply-threshold` in ms (0: Redis's 5 s).
    threshold_ms: u64,
    /// When the script last started or resumed after a stop.
    since: Instant,
    /// The call being logged was refused before it ran: no `<reply>`.
    refused: bool,
    /// `SCRIPT DEBUG YES`: the session's writes are undone at its end.
    forked: bool,
    /// What undoes them.
    undo: undo::Undo,
    /// The session's own calls run (keeping or putting back keys): not
    /// logged, not kept.
    quiet: bool,
}

impl Default for Ldb {
    fn default() -> Ldb {
        Ldb {
            active: false,
            step: false,
            luabp: false,
            bp: Vec::new(),
            lines: Vec::new(),
            current: 0,
            logs: Vec::new(),
            maxlen: MAXLEN_DEFAULT,
            hint_sent: false,
            out: Vec::new(),
            talk: None,
            stopping: None,
            threshold_ms: 0,
            since: Instant::now(),
            refused: false,
            forked: false,
            undo: undo::Undo::default(),
            quiet: false,
        }
    }
}

thread_local! {
    static LDB: RefCell<Ldb> = RefCell::new(Ldb::default());
}

fn with<R>(f: impl FnOnce(&mut Ldb) -> R) -> R {
    LDB.with(|l| f(&mut l.borrow_mut()))
}

/// The mode `SCRIPT DEBUG <mode>` names (`YES`, `SYNC`, `NO`, any case).
pub(crate) fn mode_of(mode: &[u8]) -> Option<crate::session::ScriptDebug> {
    use crate::session::ScriptDebug;
    [
        (&b"no"[..], ScriptDebug::Off),
        (b"yes", ScriptDebug::Yes),
        (b"sync", ScriptDebug::Sync),
    ]
    .into_iter()
    .find(|(name, _)| mode.eq_ignore_ascii_case(name))
    .map(|(_, m)| m)
}

/// Starts a session for a script of source `src` (`ldbStartSession`).
pub(crate) fn begin(src: &[u8], stopping: Option<Stopping>, threshold_ms: u64, forked: bool) {
    let mut end = src.len();
    while end > 0 && matches!(src[end - 1], b'\n' | b'\r') {
        end -= 1;
    }
    let lines = src[..end]
        .split(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect();
    with(|l| {
        *l = Ldb {
            active: true,
            step: true,
            lines,
            stopping,
            threshold_ms,
            forked,
            ..Ldb::default()
        }
    });
}

/// Ends the session (`ldbEndSession`): the last log lines and the
/// `<endsession>` mark, to go out before the script's reply.
pub(crate) fn finish() -> Vec<u8> {
    with(|l| {
        l.logs.push(b"<endsession>".to_vec());
        render(l);
        let out = std::mem::take(&mut l.out);
        *l = Ldb::default();
        out
    })
}

/// A session runs on this thread.
pub(crate) fn active() -> bool {
    with(|l| l.active)
}

/// A session runs and is stepping: `redis.call` logs what it runs
/// (`ldbIsEnabled`).
pub(crate) fn stepping() -> bool {
    with(|l| l.active && l.step && !l.quiet)
}

/// A forked session runs: its writes are kept to be undone ([`undo`]).
pub(crate) fn forked() -> bool {
    with(|l| l.active && l.forked && !l.quiet)
}

/// Runs `f` on the forked session's undo list.
pub(crate) fn with_undo<R>(f: impl FnOnce(&mut undo::Undo) -> R) -> R {
    with(|l| f(&mut l.undo))
}

/// Runs `f` with the session's logging and keeping off (its own calls).
pub(crate) fn quietly<R>(f: impl FnOnce() -> R) -> R {
    let was = with(|l| std::mem::replace(&mut l.quiet, true));
    let r = f();
    with(|l| l.quiet = was);
    r
}

/// Lends the session the way to talk with its client, for one resume of
/// the run (`None`: taken back).
pub(crate) fn lend(talk: Option<*mut Talk>) {
    with(|l| l.talk = talk);
}

/// Appends a log line.
pub(crate) fn log(entry: Vec<u8>) {
    with(|l| l.logs.push(entry));
}

/// Appends a log line trimmed to `maxlen` (`ldbLogWithMaxLen`), with a
/// hint the first time one is.
fn log_trimmed(l: &mut Ldb, mut entry: Vec<u8>) {
    let trimmed = l.maxlen != 0 && entry.len() > l.maxlen;
    if trimmed {
        entry.truncate(l.maxlen);
        entry.extend_from_slice(b" ...");
    }
    l.logs.push(entry);
    if trimmed && !l.hint_sent {
        l.hint_sent = true;
        l.logs.push(
            b"<hint> The above reply was trimmed. Use 'maxlen 0' to disable trimming.".to_vec(),
        );
    }
}

/// Logs a command a script runs while stepping (`<redis> verb args…`, ten
/// arguments at most).
pub(crate) fn log_call(argv: &OwnedArgs) {
    let args = argv.args();
    let mut line = b"<redis>".to_vec();
    for (j, a) in args.iter().enumerate() {
        if j == 10 {
            line.extend_from_slice(format!(" ... ({} more)", args.len() - j - 1).as_bytes());
            break;
        }
        line.push(b' ');
        line.extend_from_slice(a);
    }
    log(line);
}

/// Logs a command's reply while stepping: an error as `<error>`, then the
/// reply in human form (`<reply>`).
pub(crate) fn log_reply(reply: &[u8]) {
    if with(|l| std::mem::take(&mut l.refused)) {
        return;
    }
    if reply.first() == Some(&b'-') {
        log_error(reply.strip_suffix(b"\r\n").unwrap_or(reply));
    }
    let mut line = b"<reply> ".to_vec();
    show::reply(&mut line, reply);
    with(|l| log_trimmed(l, line));
}

/// A call refused before it ran (`msg`, without its `ERR` code): logged
/// as `<error> msg` while stepping.
pub(crate) fn refused(msg: &[u8]) {
    if stepping() {
        log_error(msg);
        with(|l| l.refused = true);
    }
}

/// Logs an error of a script's call (`<error> msg`).
fn log_error(msg: &[u8]) {
    let mut line = b"<error> ".to_vec();
    line.extend_from_slice(msg);
    log(line);
}

/// Renders the pending log lines as one array of status replies
/// (`ldbSendLogs`), CR and LF turned into spaces, into the output to send.
fn render(l: &mut Ldb) {
    l.out
        .extend_from_slice(format!("*{}\r\n", l.logs.len()).as_bytes());
    for mut line in l.logs.drain(..) {
        for b in line.iter_mut() {
            if *b == b'\r' || *b == b'\n' {
                *b = b' ';
            }
        }
        l.out.push(b'+');
        l.out.extend_from_slice(&line);
        l.out.extend_from_slice(b"\r\n");
    }
}

/// `redis.breakpoint()`: stops at the next line when a session runs;
/// whether one does.
pub(crate) fn breakpoint(_: &Lua, _: MultiValue) -> mlua::Result<MultiValue> {
    let on = with(|l| {
        if l.active {
            l.luabp = true;
        }
        l.active
    });
    Ok(super::values::ok([Value::Boolean(on)]))
}

/// `redis.debug(v…)`: logs its arguments when a session runs
/// (`<debug> line N: v1, v2`).
pub(crate) fn debug(_: &Lua, args: MultiValue) -> mlua::Result<MultiValue> {
    with(|l| {
        if !l.active {
            return;
        }
        let mut line = format!("<debug> line {}: ", l.current).into_bytes();
        for (i, v) in args.iter().enumerate() {
            if i > 0 {
                line.extend_from_slice(b", ");
            }
            show::value(&mut line, v);
        }
        l.logs.push(line);
    });
    Ok(super::values::ok([]))
}

/// The hook at every line (and every 100,000 instructions) of a session's
/// script (`luaLdbLineHook`).
pub(crate) fn hook(lua: &Lua, ar: &mlua::debug::Debug) -> mlua::Result<mlua::VmState> {
    if super::run::STOPPING.with(|s| s.get()) {
        return Err(super::run::stopping());
    }
    let line = ar.current_line().unwrap_or(0);
    let count = matches!(ar.event(), mlua::debug::DebugEvent::Count);
    let ours = ar
        .source()
        .short_src
        .is_some_and(|s| s.contains("user_script"));
    if !ours {
        // Events outside the script (kevy's own Lua around it).
        return Ok(mlua::VmState::Continue);
    }
    let (stop, timeout) = with(|l| {
        l.current = line;
        let bp = l.bp.contains(&line) || l.luabp;
        let mut timeout = false;
        if count && !l.step && !bp {
            let limit = if l.threshold_ms > 0 {
                l.threshold_ms
            } else {
                5000
            };
            if l.since.elapsed() >= Duration::from_millis(limit) {
                timeout = true;
                l.step = true;
            } else {
                return (None, false);
            }
        }
        if !(l.step || bp) {
            return (None, false);
        }
        let reason = if bp {
            if l.luabp {
                "redis.breakpoint() called"
            } else {
                "break point"
            }
        } else if timeout {
            "timeout reached, infinite loop?"
        } else {
            "step over"
        };
        l.step = false;
        l.luabp = false;
        l.logs
            .push(format!("* Stopped at {line}, stop reason = {reason}").into_bytes());
        let shown = show::source_line(&l.lines, line, true, l.bp.contains(&line));
        l.logs.push(shown);
        render(l);
        (Some(()), timeout)
    });
    if stop.is_none() {
        return Ok(mlua::VmState::Continue);
    }
    let gone = repl(lua)?;
    if gone && timeout {
        return Err(mlua::Error::RuntimeError(
            "timeout during Lua debugging with client closing connection".into(),
        ));
    }
    with(|l| l.since = Instant::now());
    Ok(mlua::VmState::Continue)
}

/// Reads the client's next debugger command: `None` when the client is
/// gone (the script then runs on without stops).
fn next_command() -> mlua::Result<Option<OwnedArgs>> {
    loop {
        let (talk, out, stopping) =
            with(|l| (l.talk, std::mem::take(&mut l.out), l.stopping.clone()));
        let heard = match talk {
            // SAFETY: the origin lends the pointer for the resume of the run
            // this hook runs in (`global::step`), and takes it back after:
            // it points at a live closure for the whole call.
            Some(t) => unsafe { (*t)(&out, WAIT) },
            None => Heard::Gone,
        };
        match heard {
            Heard::Request(args) => return Ok(Some(args)),
            Heard::Nothing if !stopping.as_ref().is_some_and(Stopping::get) => {}
            _ => {
                with(|l| {
                    l.step = false;
                    l.bp.clear();
                });
                return Ok(None);
            }
        }
    }
}

/// The debugger's command loop at a stop (`ldbRepl`): true when the
/// client is gone.
fn repl(lua: &Lua) -> mlua::Result<bool> {
    loop {
        let Some(args) = next_command()? else {
            return Ok(true);
        };
        let argv: Vec<Vec<u8>> = args.args().iter().map(<[u8]>::to_vec).collect();
        // Redis's debugger reads its own, stricter protocol.
        if argv.is_empty()
            || argv.len() > 1024
            || argv.iter().any(|a| a.is_empty() || a.len() > 1024)
            || argv.iter().map(Vec::len).sum::<usize>() > INPUT_MAX
        {
            return Err(mlua::Error::RuntimeError("protocol error".into()));
        }
        let verb = String::from_utf8_lossy(&argv[0]).to_ascii_lowercase();
        match verb.as_str() {
            "h" | "help" => with(|l| {
                l.logs.extend(HELP.iter().map(|s| s.as_bytes().to_vec()));
                render(l);
            }),
            "s" | "step" | "n" | "next" => {
                with(|l| l.step = true);
                return Ok(false);
            }
            "c" | "continue" => return Ok(false),
            "t" | "trace" => {
                trace(lua);
                with(render);
            }
            "m" | "maxlen" => with(|l| {
                maxlen(l, &argv);
                render(l);
            }),
            "b" | "break" => with(|l| {
                breaks(l, &argv);
                render(l);
            }),
            "e" | "eval" => {
                eval(lua, &argv);
                with(render);
            }
            "a" | "abort" => {
                return Err(mlua::Error::RuntimeError(
                    "script aborted for user request".into(),
                ))
            }
            "r" | "redis" if argv.len() > 1 => {
                redis(lua, &argv);
                with(render);
            }
            "p" | "print" => {
                if argv.len() == 2 {
                    print(lua, &argv[1]);
                } else {
                    print_all(lua);
                }
                with(render);
            }
            "l" | "list" => with(|l| {
                let mut around = l.current;
                let mut ctx = 5;
                if let Some(n) = argv.get(1).and_then(|a| atoi(a)) {
                    if n > 0 {
                        around = n as usize;
                    }
                }
                if let Some(n) = argv.get(2).and_then(|a| atoi(a)) {
                    ctx = n;
                }
                list(l, around, ctx);
                render(l);
            }),
            "w" | "whole" => with(|l| {
                list(l, 1, 1_000_000);
                render(l);
            }),
            _ => with(|l| {
                l.logs.push(
                    b"<error> Unknown Redis Lua debugger command or wrong number of arguments."
                        .to_vec(),
                );
                render(l);
            }),
        }
    }
}
