//! The debugger's commands at a stop (`ldbRepl`'s): `list`, `maxlen`,
//! `break`, `eval`, `redis`, `trace`, `print`, and the `help` text.

use mlua::{Lua, MultiValue, Value};

use super::{log, log_trimmed, show, with, Ldb, BREAKPOINTS_MAX};

/// C's `atoi`: leading digits, 0 when none.
pub(super) fn atoi(a: &[u8]) -> Option<i64> {
    let s = std::str::from_utf8(a).ok()?.trim_start();
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    let n: i64 = digits[..end].parse().unwrap_or(0);
    Some(if neg { -n } else { n })
}

/// `list [line] [ctx]` (`ldbList`): the lines within `ctx` of `around`
/// (0: all of them).
pub(super) fn list(l: &mut Ldb, around: usize, ctx: i64) {
    for j in 1..=l.lines.len() {
        if around != 0 && (around as i64 - j as i64).abs() > ctx {
            continue;
        }
        let line = show::source_line(&l.lines, j, l.current == j, l.bp.contains(&j));
        l.logs.push(line);
    }
}

/// `maxlen [len]` (`ldbMaxlen`).
pub(super) fn maxlen(l: &mut Ldb, argv: &[Vec<u8>]) {
    if argv.len() == 2 {
        let mut n = atoi(&argv[1]).unwrap_or(0);
        l.hint_sent = true;
        if n != 0 && n <= 60 {
            n = 60;
        }
        l.maxlen = n.max(0) as usize;
    }
    let msg = if l.maxlen != 0 {
        format!("<value> replies are truncated at {} bytes.", l.maxlen)
    } else {
        "<value> replies are unlimited.".to_string()
    };
    l.logs.push(msg.into_bytes());
}

/// `break [line|-line|0]…` (`ldbBreak`).
pub(super) fn breaks(l: &mut Ldb, argv: &[Vec<u8>]) {
    if argv.len() == 1 {
        if l.bp.is_empty() {
            l.logs
                .push(b"No breakpoints set. Use 'b <line>' to add one.".to_vec());
            return;
        }
        l.logs
            .push(format!("{} breakpoints set:", l.bp.len()).into_bytes());
        for &b in &l.bp.clone() {
            let line = show::source_line(&l.lines, b, l.current == b, true);
            l.logs.push(line);
        }
        return;
    }
    for a in &argv[1..] {
        let Some(line) = std::str::from_utf8(a)
            .ok()
            .and_then(|s| crate::base::num::parse_i64(s.as_bytes()))
        else {
            let mut msg = b"Invalid argument:'".to_vec();
            msg.extend_from_slice(a);
            msg.push(b'\'');
            l.logs.push(msg);
            continue;
        };
        if line == 0 {
            l.bp.clear();
            l.logs.push(b"All breakpoints removed.".to_vec());
        } else if line > 0 {
            let n = line as usize;
            if l.bp.len() == BREAKPOINTS_MAX {
                l.logs.push(b"Too many breakpoints set.".to_vec());
            } else if n <= l.lines.len() && !l.bp.contains(&n) {
                l.bp.push(n);
                list(l, n, 1);
            } else {
                l.logs.push(b"Wrong line number.".to_vec());
            }
        } else {
            let n = line.unsigned_abs() as usize;
            match l.bp.iter().position(|&b| b == n) {
                Some(i) => {
                    l.bp.remove(i);
                    l.logs.push(b"Breakpoint removed.".to_vec());
                }
                None => l
                    .logs
                    .push(b"No breakpoint in the specified line.".to_vec()),
            }
        }
    }
}

/// `eval <code>` (`ldbEval`): runs the code in a frame of its own, as an
/// expression when it compiles as one.
pub(super) fn eval(lua: &Lua, argv: &[Vec<u8>]) {
    let code = argv[1..].join(&b' ');
    let mut expr = b"return ".to_vec();
    expr.extend_from_slice(&code);
    let f = match lua.load(&expr[..]).set_name("@ldb_eval").into_function() {
        Ok(f) => f,
        Err(_) => match lua.load(&code[..]).set_name("@ldb_eval").into_function() {
            Ok(f) => f,
            Err(e) => return log_lua_error(&e),
        },
    };
    match f.call::<Value>(()) {
        Ok(v) => with(|l| {
            let mut line = b"<retval> ".to_vec();
            show::value(&mut line, &v);
            log_trimmed(l, line);
        }),
        Err(e) => log_lua_error(&e),
    }
}

fn log_lua_error(e: &mlua::Error) {
    let mut line = b"<error> ".to_vec();
    let msg = match e {
        mlua::Error::SyntaxError { message, .. } => message.clone(),
        e => crate::script::vm::plain(e),
    };
    // Lua's message without the traceback mlua adds.
    let msg = msg.split("\nstack traceback:").next().unwrap_or_default();
    line.extend_from_slice(msg.as_bytes());
    log(line);
}

/// `redis <cmd> [args…]` (`ldbRedis`): runs the command through
/// `redis.call` with logging on, so its command and reply are logged.
pub(super) fn redis(lua: &Lua, argv: &[Vec<u8>]) {
    let call = lua
        .globals()
        .get::<mlua::Table>("redis")
        .and_then(|r| r.get::<mlua::Function>("call"));
    let Ok(call) = call else {
        return;
    };
    let mut args = MultiValue::new();
    for a in &argv[1..] {
        match lua.create_string(a) {
            Ok(s) => args.push_back(Value::String(s)),
            Err(_) => return,
        }
    }
    with(|l| l.step = true);
    let _ = call.call::<Value>(args);
    with(|l| l.step = false);
}

/// `trace` (`ldbTrace`): the script's frames, innermost first.
pub(super) fn trace(lua: &Lua) {
    let mut level = 0;
    let mut any = false;
    while let Some((src, name, line)) = lua.inspect_stack(level, |d| {
        (
            d.source().short_src.map(|s| s.into_owned()),
            d.names().name.map(|s| s.into_owned()),
            d.current_line(),
        )
    }) {
        any = true;
        if src.as_deref().is_some_and(|s| s.contains("user_script")) {
            with(|l| {
                let head = if level == 0 { "In" } else { "From" };
                let name = name.as_deref().unwrap_or("top level");
                l.logs.push(format!("{head} {name}:").into_bytes());
                let n = line.unwrap_or(0);
                let shown = show::source_line(&l.lines, n, l.current == n, l.bp.contains(&n));
                l.logs.push(shown);
            });
        }
        level += 1;
    }
    if !any {
        log(b"<error> Can't retrieve Lua stack.".to_vec());
    }
}

/// `print <var>` (`ldbPrint`): the innermost local of that name, or the
/// global `KEYS` or `ARGV`.
pub(super) fn print(lua: &Lua, name: &[u8]) {
    let found = crate::script::vm::locals(lua, Some(name)).unwrap_or_default();
    if let Some((_, v)) = found.into_iter().next() {
        with(|l| {
            let mut line = b"<value> ".to_vec();
            show::value(&mut line, &v);
            log_trimmed(l, line);
        });
        return;
    }
    if name == b"KEYS" || name == b"ARGV" {
        let name = String::from_utf8_lossy(name);
        let v: Value = lua.globals().get(&*name).unwrap_or(Value::Nil);
        with(|l| {
            let mut line = b"<value> ".to_vec();
            show::value(&mut line, &v);
            log_trimmed(l, line);
        });
        return;
    }
    log(b"No such variable.".to_vec());
}

/// `print` (`ldbPrintAll`): every local of the current frame.
pub(super) fn print_all(lua: &Lua) {
    let vars = crate::script::vm::locals(lua, None).unwrap_or_default();
    with(|l| {
        let mut shown = 0;
        for (name, v) in vars {
            if name.windows(12).any(|w| w == b"(*temporary)") {
                continue;
            }
            let mut line = b"<value> ".to_vec();
            line.extend_from_slice(&name);
            line.extend_from_slice(b" = ");
            show::value(&mut line, &v);
            log_trimmed(l, line);
            shown += 1;
        }
        if shown == 0 {
            l.logs
                .push(b"No local variables in the current context.".to_vec());
        }
    });
}

/// `SCRIPT HELP`'s debugger lines (`ldbRepl`'s `help`).
pub(super) const HELP: &[&str] = &[
    "Redis Lua debugger help:",
    "[h]elp               Show this help.",
    "[s]tep               Run current line and stop again.",
    "[n]ext               Alias for step.",
    "[c]ontinue           Run till next breakpoint.",
    "[l]ist               List source code around current line.",
    "[l]ist [line]        List source code around [line].",
    "                     line = 0 means: current position.",
    "[l]ist [line] [ctx]  In this form [ctx] specifies how many lines",
    "                     to show before/after [line].",
    "[w]hole              List all source code. Alias for 'list 1 1000000'.",
    "[p]rint              Show all the local variables.",
    "[p]rint <var>        Show the value of the specified variable.",
    "                     Can also show global vars KEYS and ARGV.",
    "[b]reak              Show all breakpoints.",
    "[b]reak <line>       Add a breakpoint to the specified line.",
    "[b]reak -<line>      Remove breakpoint from the specified line.",
    "[b]reak 0            Remove all breakpoints.",
    "[t]race              Show a backtrace.",
    "[e]val <code>        Execute some Lua code (in a different callframe).",
    "[r]edis <cmd>        Execute a Redis command.",
    "[m]axlen [len]       Trim logged Redis replies and Lua var dumps to len.",
    "                     Specifying zero as <len> means unlimited.",
    "[a]bort              Stop the execution of the script. In sync",
    "                     mode dataset changes will be retained.",
    "",
    "Debugger functions you can call from Lua scripts:",
    "redis.debug()        Produce logs in the debugger console.",
    "redis.breakpoint()   Stop execution like if there was a breakpoint in the",
    "                     next line of code.",
];
