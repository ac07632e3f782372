//! Functions: `FUNCTION LOAD | LIST | DELETE | FLUSH | DUMP | RESTORE |
//! STATS | KILL | HELP` and the libraries `FCALL` runs.
//!
//! A library is its code (`#!lua name=<lib>` first); loading runs it with
//! only `redis.register_function`, `redis.log` and the version fields in
//! sight (Redis's load-time globals), collecting its functions. Libraries
//! live in the [`Libraries`] every shard shares; each thread loads a
//! library into its own interpreter the first time one of its functions is
//! called there (a generation number, bumped by every change, drops what a
//! thread loaded before).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use kevy_rt::Args;
use mlua::Function;

use super::vm::{self, Vm};
use crate::base::glob::stringmatch;
use crate::base::resp::{self, Reply};
use crate::table::Spec;

mod library;

use library::run_library;

/// One function of a library.
#[derive(Clone, Debug)]
pub(crate) struct FnMeta {
    pub name: String,
    pub desc: Option<Vec<u8>>,
    /// Flag names in registration order.
    pub flags: Vec<&'static str>,
}

impl FnMeta {
    pub(crate) fn no_writes(&self) -> bool {
        self.flags.contains(&"no-writes")
    }
}

/// One library: its name, whole code (shebang included) and functions.
#[derive(Debug)]
pub(crate) struct Lib {
    pub name: String,
    pub code: Vec<u8>,
    pub funcs: Vec<FnMeta>,
}

/// Every library, by name, and which library each function belongs to.
#[derive(Debug, Default)]
pub struct Libraries {
    libs: BTreeMap<String, Arc<Lib>>,
    owner: HashMap<String, String>,
    /// Bumped by every change.
    pub(crate) generation: u64,
}

/// A function's key in the server-wide function table: Redis 7.0 finds
/// functions by name case-insensitively (`functionDictType`), while
/// library names and a library's own table are case-sensitive.
fn fold(name: &str) -> String {
    name.to_ascii_lowercase()
}

impl Libraries {
    /// The library holding function `name`, and the function.
    pub(crate) fn function(&self, name: &str) -> Option<(Arc<Lib>, FnMeta)> {
        let lib = self.libs.get(self.owner.get(&fold(name))?)?;
        let meta = lib
            .funcs
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))?
            .clone();
        Some((lib.clone(), meta))
    }

    /// Number of libraries and of functions.
    pub fn counts(&self) -> (usize, usize) {
        (self.libs.len(), self.owner.len())
    }

    fn insert(&mut self, lib: Lib) {
        for f in &lib.funcs {
            self.owner.insert(fold(&f.name), lib.name.clone());
        }
        self.libs.insert(lib.name.clone(), Arc::new(lib));
        self.generation += 1;
    }

    fn remove(&mut self, name: &str) -> Option<Arc<Lib>> {
        let lib = self.libs.remove(name)?;
        for f in &lib.funcs {
            self.owner.remove(&fold(&f.name));
        }
        self.generation += 1;
        Some(lib)
    }

    fn clear(&mut self) {
        self.libs.clear();
        self.owner.clear();
        self.generation += 1;
    }
}

/// Persistence's access (RDB `FUNCTION2` entries, the AOF base): every
/// library's code in name order, and loading saved ones back.
impl Libraries {
    /// Every library's code, in name order.
    pub(crate) fn codes(&self) -> Vec<Vec<u8>> {
        self.libs.values().map(|l| l.code.clone()).collect()
    }
}

/// Loads the libraries `codes`, after deleting every library when `flush`:
/// all of them or, on the first error (Redis's text), none.
pub(crate) fn restore_codes(
    libs: &std::sync::Mutex<Libraries>,
    codes: &[Vec<u8>],
    flush: bool,
) -> Result<(), String> {
    let staged = std::sync::Mutex::new(Libraries::default());
    for code in codes {
        load(&staged, code, false, None)?;
    }
    let staged = staged.into_inner().map_err(|_| "internal error")?;
    let mut l = libs.lock().map_err(|_| "internal error")?;
    for (name, lib) in staged.libs.iter().filter(|_| !flush) {
        if l.libs.contains_key(name) {
            return Err(format!("Library {name} already exists"));
        }
        if let Some(f) = lib
            .funcs
            .iter()
            .find(|f| l.owner.contains_key(&fold(&f.name)))
        {
            return Err(format!("Function {} already exists", f.name));
        }
    }
    if flush {
        l.clear();
    }
    for (_, lib) in staged.libs {
        if let Ok(lib) = Arc::try_unwrap(lib) {
            l.insert(lib);
        }
    }
    Ok(())
}

/// Letters, digits and underscores, at least one (`functionsVerifyName`).
pub(super) fn valid_name(name: &[u8]) -> bool {
    !name.is_empty() && name.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

/// Reads a library's shebang (`functionExtractLibMetaData`): engine, name,
/// and where the code after the line starts (its newline kept).
fn metadata(code: &[u8]) -> Result<(String, String, usize), String> {
    if !code.starts_with(b"#!") {
        return Err("Missing library metadata".into());
    }
    let Some(end) = memchr::memchr(b'\n', code) else {
        return Err("Invalid library metadata".into());
    };
    // Words as Redis's `sdssplitargs` makes them (`name="foo"` is `name=foo`).
    let parts = crate::base::text::split_args(&code[..end])
        .filter(|p| !p.is_empty())
        .ok_or("Invalid library metadata")?;
    let parts: Vec<String> = parts
        .iter()
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    let engine = parts[0].get(2..).unwrap_or_default().to_string();
    let mut name = None;
    for p in &parts[1..] {
        if p.len() >= 5 && p.is_char_boundary(5) && p[..5].eq_ignore_ascii_case("name=") {
            if name.is_some() {
                return Err(
                    "Invalid metadata value, name argument was given multiple times".into(),
                );
            }
            name = Some(p[5..].to_string());
            continue;
        }
        return Err(format!("Invalid metadata value given: {p}"));
    }
    let name = name.ok_or("Library name was not given")?;
    Ok((engine, name, end))
}

/// Function `name` compiled in this thread's interpreter (its library
/// loaded when needed), with its metadata; or the error reply.
pub(crate) fn resolve(
    vm: &mut Vm,
    libs: &std::sync::Mutex<Libraries>,
    name: &str,
) -> Result<(Function, FnMeta), &'static [u8]> {
    let Ok(guard) = libs.lock() else {
        return Err(b"ERR Function not found");
    };
    let generation = guard.generation;
    let Some((lib, meta)) = guard.function(name) else {
        return Err(b"ERR Function not found");
    };
    drop(guard);
    if vm.fn_generation != generation {
        vm.functions.clear();
        vm.fn_generation = generation;
    }
    // The registered name (FCALL finds it case-insensitively).
    if let Some(f) = vm.functions.get(&meta.name) {
        return Ok((f.clone(), meta));
    }
    let skip = metadata(&lib.code).map(|m| m.2).unwrap_or(0);
    let funcs =
        run_library(vm, &lib.code[skip..], None).map_err(|_| &b"ERR Function not found"[..])?;
    for r in funcs {
        vm.functions.insert(r.meta.name, r.callback);
    }
    match vm.functions.get(&meta.name) {
        Some(f) => Ok((f.clone(), meta)),
        None => Err(b"ERR Function not found"),
    }
}

/// `FUNCTION LOAD [REPLACE] code`: the library's name, or Redis's error.
/// How long `FUNCTION LOAD` lets a library's code run (Redis's
/// `LOAD_TIMEOUT_MS`); a restore or an RDB load has no bound.
const LOAD_TIMEOUT: Duration = Duration::from_millis(500);

/// Loads library `code` into `libs` (its code run for at most `timeout`).
fn load(
    libs: &std::sync::Mutex<Libraries>,
    code: &[u8],
    replace: bool,
    timeout: Option<Duration>,
) -> Result<String, String> {
    let (engine, name, skip) = metadata(code)?;
    if !valid_name(name.as_bytes()) {
        return Err("Library names can only contain letters, numbers, or underscores(_) and must be at least one character long".into());
    }
    if !engine.eq_ignore_ascii_case("lua") {
        return Err(format!("Engine '{engine}' not found"));
    }
    {
        let l = libs.lock().map_err(|_| "internal error")?;
        if l.libs.contains_key(&name) && !replace {
            return Err(format!("Library '{name}' already exists"));
        }
    }
    let funcs = vm::with_spare(|vm| run_library(vm, &code[skip..], timeout))
        .ok_or("internal error: no Lua interpreter")??;
    if funcs.is_empty() {
        return Err("No functions registered".into());
    }
    let mut l = libs.lock().map_err(|_| "internal error")?;
    for r in &funcs {
        if let Some(owner) = l.owner.get(&fold(&r.meta.name)) {
            if *owner != name || !replace {
                return Err(format!("Function {} already exists", r.meta.name));
            }
        }
    }
    l.remove(&name);
    l.insert(Lib {
        name: name.clone(),
        code: code.to_vec(),
        funcs: funcs.into_iter().map(|r| r.meta).collect(),
    });
    Ok(name)
}

/// `FUNCTION HELP` (redis-server 7.0's text).
const HELP: &[&str] = &[
    "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "LOAD [REPLACE] <FUNCTION CODE>",
    "    Create a new library with the given library name and code.",
    "DELETE <LIBRARY NAME>",
    "    Delete the given library.",
    "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
    "    Return general information on all the libraries:",
    "    * Library name",
    "    * The engine used to run the Library",
    "    * Library description",
    "    * Functions list",
    "    * Library code (if WITHCODE is given)",
    "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
    "STATS",
    "    Return information about the current function running:",
    "    * Function name",
    "    * Command used to run the function",
    "    * Duration in MS that the function is running",
    "    If no function is running, return nil",
    "    In addition, returns a list of available engines.",
    "KILL",
    "    Kill the current running function.",
    "FLUSH [ASYNC|SYNC]",
    "    Delete all the libraries.",
    "    When called without the optional mode argument, the behavior is determined by the",
    "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    "    * ASYNC: Asynchronously flush the libraries.",
    "    * SYNC: Synchronously flush the libraries.",
    "DUMP",
    "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
    "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
    "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
    "    control how to handle existing libraries (default APPEND):",
    "    * FLUSH: delete all existing libraries.",
    "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
    "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
    "      libraries with the new libraries (notice that even on this option there is a chance of failure",
    "      in case of functions name collision with another library).",
    "HELP",
    "    Prints this help.",
];

/// `FUNCTION …`.
pub(crate) fn function_command(
    redis: &crate::Redis,
    cmd: &Spec,
    args: Args<'_>,
    out: &mut Reply<'_>,
) {
    let libs = &redis.scripts.libs;
    match cmd.name {
        // FUNCTION LOAD [REPLACE] function-code
        "function|load" => {
            let mut replace = false;
            let mut at = 2;
            while at < args.len() - 1 {
                if args.at(at).eq_ignore_ascii_case(b"replace") {
                    replace = true;
                    at += 1;
                } else {
                    let a = String::from_utf8_lossy(args.at(at)).into_owned();
                    return resp::error(out, format!("ERR Unknown option given: {a}").as_bytes());
                }
            }
            if at >= args.len() {
                return resp::error(out, b"ERR Function code is missing");
            }
            match load(libs, args.at(at), replace, Some(LOAD_TIMEOUT)) {
                Ok(name) => resp::bulk(out, name.as_bytes()),
                Err(e) => resp::error(out, format!("ERR {e}").as_bytes()),
            }
        }
        // FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]
        "function|list" => list(libs, args, out),
        // FUNCTION DELETE library-name
        "function|delete" => {
            let name = String::from_utf8_lossy(args.at(2)).into_owned();
            match libs.lock().ok().and_then(|mut l| l.remove(&name)) {
                Some(_) => resp::ok(out),
                None => resp::error(out, b"ERR Library not found"),
            }
        }
        // FUNCTION FLUSH [ASYNC|SYNC]
        "function|flush" => {
            if args.len() > 3 {
                return subcommand_syntax(out, args);
            }
            if args.len() == 3
                && !args.at(2).eq_ignore_ascii_case(b"sync")
                && !args.at(2).eq_ignore_ascii_case(b"async")
            {
                return resp::error(out, b"ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
            }
            if let Ok(mut l) = libs.lock() {
                l.clear();
            }
            resp::ok(out);
        }
        // FUNCTION STATS
        "function|stats" => {
            let Ok(running) = redis.scripts.watch.running_function() else {
                return resp::error(out, super::busy::BUSY_EVAL);
            };
            let (nlibs, nfuncs) = libs.lock().map(|l| l.counts()).unwrap_or((0, 0));
            resp::map(out, 2);
            resp::bulk(out, b"running_script");
            super::busy::write_running(running, out);
            resp::bulk(out, b"engines");
            resp::map(out, 1);
            resp::bulk(out, b"LUA");
            resp::map(out, 2);
            resp::bulk(out, b"libraries_count");
            resp::int(out, nlibs as i64);
            resp::bulk(out, b"functions_count");
            resp::int(out, nfuncs as i64);
        }
        // FUNCTION KILL
        "function|kill" => redis.scripts.watch.kill(false, out),
        // FUNCTION DUMP
        "function|dump" => {
            let codes: Vec<Vec<u8>> = libs
                .lock()
                .map(|l| l.libs.values().map(|lib| lib.code.clone()).collect())
                .unwrap_or_default();
            resp::bulk(out, &super::dump::dump(&codes));
        }
        // FUNCTION RESTORE serialized-value [FLUSH|APPEND|REPLACE]
        "function|restore" => restore(libs, args, out),
        // FUNCTION HELP
        "function|help" => {
            resp::array(out, HELP.len());
            for line in HELP {
                resp::simple(out, line.as_bytes());
            }
        }
        _ => resp::error(out, b"ERR internal error: unknown FUNCTION subcommand"),
    }
}

/// `FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]`.
fn list(libs: &std::sync::Mutex<Libraries>, args: Args<'_>, out: &mut Reply<'_>) {
    let (mut pattern, mut code) = (None, false);
    let mut at = 2;
    while at < args.len() {
        let a = args.at(at);
        if a.eq_ignore_ascii_case(b"withcode") && !code {
            code = true;
            at += 1;
        } else if a.eq_ignore_ascii_case(b"libraryname") && pattern.is_none() {
            if at + 1 >= args.len() {
                return resp::error(out, b"ERR library name argument was not given");
            }
            pattern = Some(args.at(at + 1));
            at += 2;
        } else {
            let a = String::from_utf8_lossy(a).into_owned();
            return resp::error(out, format!("ERR Unknown argument {a}").as_bytes());
        }
    }
    let Ok(l) = libs.lock() else {
        return resp::array(out, 0);
    };
    let chosen: Vec<&Arc<Lib>> = l
        .libs
        .values()
        .filter(|lib| pattern.is_none_or(|p| stringmatch(p, lib.name.as_bytes(), false)))
        .collect();
    resp::array(out, chosen.len());
    for lib in chosen {
        resp::map(out, if code { 4 } else { 3 });
        resp::bulk(out, b"library_name");
        resp::bulk(out, lib.name.as_bytes());
        resp::bulk(out, b"engine");
        resp::bulk(out, b"LUA");
        resp::bulk(out, b"functions");
        resp::array(out, lib.funcs.len());
        for f in &lib.funcs {
            resp::map(out, 3);
            resp::bulk(out, b"name");
            resp::bulk(out, f.name.as_bytes());
            resp::bulk(out, b"description");
            resp::bulk_or_null(out, f.desc.as_deref());
            resp::bulk(out, b"flags");
            resp::set(out, f.flags.len());
            for flag in &f.flags {
                resp::simple(out, flag.as_bytes());
            }
        }
        if code {
            resp::bulk(out, b"library_code");
            resp::bulk(out, &lib.code);
        }
    }
}

/// `FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE]`.
fn restore(libs: &std::sync::Mutex<Libraries>, args: Args<'_>, out: &mut Reply<'_>) {
    if args.len() > 4 {
        return subcommand_syntax(out, args);
    }
    #[derive(PartialEq)]
    enum Policy {
        Append,
        Replace,
        Flush,
    }
    let policy =
        match args.get(3) {
            None => Policy::Append,
            Some(p) if p.eq_ignore_ascii_case(b"append") => Policy::Append,
            Some(p) if p.eq_ignore_ascii_case(b"replace") => Policy::Replace,
            Some(p) if p.eq_ignore_ascii_case(b"flush") => Policy::Flush,
            Some(_) => return resp::error(
                out,
                b"ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.",
            ),
        };
    let codes = match super::dump::undump(args.at(2)) {
        Ok(c) => c,
        Err(e) => return resp::error(out, e.as_bytes()),
    };
    // Load into a fresh set first; then merge by the policy.
    let staged = std::sync::Mutex::new(Libraries::default());
    for code in &codes {
        if let Err(e) = load(&staged, code, false, None) {
            return resp::error(out, format!("ERR {e}").as_bytes());
        }
    }
    let Ok(mut l) = libs.lock() else {
        return resp::error(out, b"ERR internal error");
    };
    let Ok(staged) = staged.into_inner() else {
        return resp::error(out, b"ERR internal error");
    };
    if policy == Policy::Flush {
        l.clear();
    }
    for (name, lib) in &staged.libs {
        if l.libs.contains_key(name) && policy != Policy::Replace {
            return resp::error(out, format!("ERR Library {name} already exists").as_bytes());
        }
        for f in &lib.funcs {
            if l.owner.get(&fold(&f.name)).is_some_and(|o| o != name) {
                return resp::error(
                    out,
                    format!("ERR Function {} already exists", f.name).as_bytes(),
                );
            }
        }
    }
    for (name, lib) in staged.libs {
        l.remove(&name);
        if let Ok(lib) = Arc::try_unwrap(lib) {
            l.insert(lib);
        }
    }
    resp::ok(out);
}

/// Redis's `addReplySubcommandSyntaxError` for `FUNCTION <sub>`, naming
/// the subcommand as given.
fn subcommand_syntax(out: &mut Reply<'_>, args: Args<'_>) {
    let mut m = b"ERR unknown subcommand or wrong number of arguments for '".to_vec();
    let sub = crate::base::error::cstr(args.at(1));
    m.extend_from_slice(&sub[..sub.len().min(128)]);
    m.extend_from_slice(b"'. Try FUNCTION HELP.");
    // As `addReplyErrorFormat`: no line break inside the error line.
    for b in m.iter_mut().filter(|b| **b == b'\r' || **b == b'\n') {
        *b = b' ';
    }
    resp::error(out, &m);
}
