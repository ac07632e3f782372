//! COMMAND and its subcommands, answered from the command table: `COMMAND INFO`
//! in Redis 7.0's ten-element shape (key specs and subcommands included),
//! `COMMAND DOCS` as Redis 7.0 writes it (argument trees, history; in
//! `command/docs.rs`), `COMMAND LIST` with its filters,
//! `COMMAND GETKEYS[ANDFLAGS]`.

use kevy_rt::{Args, Flow};

use super::spec::{catalog, flags, key_flags, BeginSearch, FindKeys, KeySpec, Spec};
use super::Local;
use crate::base::error::{cstr, Error};
use crate::base::glob::stringmatch;
use crate::base::resp;
use crate::base::resp::Reply;

mod docs;

use docs::write_docs;

/// COMMAND
pub fn all(c: &mut Local<'_>) -> Flow {
    resp::array(c.out, catalog().commands.len());
    for spec in catalog().commands {
        write_info(c.out, spec);
    }
    Flow::Continue
}

/// COMMAND COUNT
pub fn count(c: &mut Local<'_>) -> Flow {
    resp::int(c.out, catalog().commands.len() as i64);
    Flow::Continue
}

const HELP: &[&str] = &[
    "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "(no subcommand)",
    "    Return details about all Redis commands.",
    "COUNT",
    "    Return the total number of commands in this Redis server.",
    "LIST",
    "    Return a list of all commands in this Redis server.",
    "INFO [<command-name> ...]",
    "    Return details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "DOCS [<command-name> ...]",
    "    Return documentation details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "GETKEYS <full-command>",
    "    Return the keys from a full Redis command.",
    "GETKEYSANDFLAGS <full-command>",
    "    Return the keys and the access flags from a full Redis command.",
    "HELP",
    "    Prints this help.",
];

/// COMMAND HELP
pub fn help(c: &mut Local<'_>) -> Flow {
    resp::array(c.out, HELP.len());
    for line in HELP {
        resp::simple(c.out, line.as_bytes());
    }
    Flow::Continue
}

/// COMMAND INFO [command-name ...]
pub fn info(c: &mut Local<'_>) -> Flow {
    if c.args.len() == 2 {
        return all(c);
    }
    resp::array(c.out, c.args.len().saturating_sub(2));
    for name in c.args.iter().skip(2) {
        match (catalog().lookup_fullname)(name) {
            Some(spec) => write_info(c.out, spec),
            None => resp::null(c.out),
        }
    }
    Flow::Continue
}

/// COMMAND DOCS [command-name ...]
pub fn docs(c: &mut Local<'_>) -> Flow {
    if c.args.len() == 2 {
        resp::map(c.out, catalog().commands.len());
        for spec in catalog().commands {
            write_docs(c.out, spec);
        }
        return Flow::Continue;
    }
    let found: Vec<&Spec> = c
        .args
        .iter()
        .skip(2)
        .filter_map(catalog().lookup_fullname)
        .collect();
    resp::map(c.out, found.len());
    for spec in found {
        write_docs(c.out, spec);
    }
    Flow::Continue
}

/// A `COMMAND LIST` filter.
enum Filter<'a> {
    All,
    Module,
    AclCat(&'a [u8]),
    Pattern(&'a [u8]),
}

impl Filter<'_> {
    fn keeps(&self, spec: &Spec) -> bool {
        match self {
            Filter::All => true,
            Filter::Module => false,
            Filter::AclCat(cat) => spec.acl.iter().any(|a| {
                a.trim_start_matches('@')
                    .as_bytes()
                    .eq_ignore_ascii_case(cat)
            }),
            Filter::Pattern(p) => stringmatch(p, spec.name.as_bytes(), true),
        }
    }
}

/// COMMAND LIST [FILTERBY MODULE module-name | ACLCAT category | PATTERN pattern]
pub fn list(c: &mut Local<'_>) -> Flow {
    let filter = match parse_filter(c.args) {
        Ok(f) => f,
        Err(e) => {
            e.write(c.args, c.out);
            return Flow::Continue;
        }
    };
    let names: Vec<&str> = catalog()
        .commands
        .iter()
        .flat_map(|s| std::iter::once(s).chain(s.subcommands))
        .filter(|s| filter.keeps(s))
        .map(|s| s.name)
        .collect();
    resp::array(c.out, names.len());
    for name in names {
        resp::bulk(c.out, name.as_bytes());
    }
    Flow::Continue
}

fn parse_filter(args: Args<'_>) -> Result<Filter<'_>, Error> {
    match args.len() {
        2 => Ok(Filter::All),
        5 if cstr(args.at(2)).eq_ignore_ascii_case(b"filterby") => {
            let arg = cstr(args.at(4));
            let kind = cstr(args.at(3));
            if kind.eq_ignore_ascii_case(b"module") {
                Ok(Filter::Module)
            } else if kind.eq_ignore_ascii_case(b"aclcat") {
                Ok(Filter::AclCat(arg))
            } else if kind.eq_ignore_ascii_case(b"pattern") {
                Ok(Filter::Pattern(arg))
            } else {
                Err(Error::Syntax)
            }
        }
        _ => Err(Error::Syntax),
    }
}

/// COMMAND GETKEYS command [arg ...]
pub fn getkeys(c: &mut Local<'_>) -> Flow {
    getkeys_impl(c, false)
}

/// COMMAND GETKEYSANDFLAGS command [arg ...]
pub fn getkeysandflags(c: &mut Local<'_>) -> Flow {
    getkeys_impl(c, true)
}

fn getkeys_impl(c: &mut Local<'_>, with_flags: bool) -> Flow {
    let cmd = c.args.skip(2);
    match op_getkeys(cmd) {
        Ok(keys) => {
            resp::array(c.out, keys.len());
            for (pos, flags) in keys {
                if with_flags {
                    resp::array(c.out, 2);
                    resp::bulk(c.out, cmd.at(pos));
                    write_flags(c.out, flags, key_flags::NAMES);
                } else {
                    resp::bulk(c.out, cmd.at(pos));
                }
            }
        }
        Err(e) => e.write(c.args, c.out),
    }
    Flow::Continue
}

/// The key positions (and key-spec flags) of the command `cmd`, as Redis's
/// `getKeysFromCommandWithSpecs` finds them.
pub(crate) fn op_getkeys(cmd: Args<'_>) -> Result<Vec<(usize, u32)>, Error> {
    let spec = (catalog().lookup_args)(cmd).ok_or(Error::InvalidCommand)?;
    if !spec.has_keys() {
        return Err(Error::NoKeyArguments);
    }
    if !spec.arity_ok(cmd.len()) {
        return Err(Error::InvalidArgCount);
    }
    // A key spec Redis cannot express, or one marked incomplete, sends it
    // to the command's own `getkeys_proc` (SORT's STORE anywhere in the
    // arguments; MIGRATE's "" key with KEYS), as `getKeysUsingKeySpecs`
    // failing does.
    if let Some(getkeys) = spec.getkeys {
        if spec
            .key_specs
            .iter()
            .any(|k| k.begin == BeginSearch::Unknown || k.flags & key_flags::INCOMPLETE != 0)
        {
            return Ok(getkeys(cmd));
        }
    }
    let mut keys = Vec::new();
    for ks in spec.key_specs {
        if !spec_keys(ks, cmd, &mut keys) {
            if spec.flags & flags::NO_MANDATORY_KEYS != 0 {
                return Ok(Vec::new());
            }
            return Err(Error::InvalidArguments);
        }
    }
    // SET's key flags depend on its GET option (Redis's `setGetKeys`).
    if spec.name == "set" {
        let get = cmd
            .iter()
            .skip(3)
            .any(|a| cstr(a).eq_ignore_ascii_case(b"get"));
        let flags = if get {
            key_flags::RW | key_flags::ACCESS | key_flags::UPDATE
        } else {
            key_flags::OW | key_flags::UPDATE
        };
        keys.iter_mut().for_each(|k| k.1 = flags);
    }
    // BITFIELD's depend on whether it only reads (Redis's `bitfieldGetKeys`).
    if spec.name == "bitfield" {
        let flags = if bitfield_readonly(cmd) {
            key_flags::RO | key_flags::ACCESS
        } else {
            key_flags::RW | key_flags::ACCESS | key_flags::UPDATE
        };
        keys.iter_mut().for_each(|k| k.1 = flags);
    }
    Ok(keys)
}

/// True when a BITFIELD only has GET (and OVERFLOW) subcommands, read as
/// Redis's `bitfieldGetKeys` does.
fn bitfield_readonly(cmd: Args<'_>) -> bool {
    let mut i = 2;
    while i < cmd.len() {
        let rem = cmd.len() - i - 1;
        let arg = cstr(cmd.at(i));
        let is = |w: &[u8]| arg.eq_ignore_ascii_case(w);
        if is(b"get") && rem >= 2 {
            i += 3;
        } else if is(b"overflow") && rem >= 1 {
            i += 2;
        } else {
            return false;
        }
    }
    true
}

/// Appends the keys one key spec finds in `cmd`; false when the spec does not
/// fit the arguments.
fn spec_keys(ks: &KeySpec, cmd: Args<'_>, keys: &mut Vec<(usize, u32)>) -> bool {
    let argc = cmd.len() as i64;
    let first = match ks.begin {
        BeginSearch::Index(i) => i as i64,
        BeginSearch::Keyword { keyword, startfrom } => {
            let start = if startfrom > 0 {
                startfrom as i64
            } else {
                argc + startfrom as i64
            };
            let end = if startfrom > 0 { argc - 1 } else { 1 };
            let mut i = start;
            let mut found = None;
            while i != end && i >= 1 && i < argc {
                if cstr(cmd.at(i as usize)).eq_ignore_ascii_case(keyword.as_bytes()) {
                    found = Some(i + 1);
                    break;
                }
                i += if start <= end { 1 } else { -1 };
            }
            match found {
                Some(i) => i,
                // No keyword, no keys from this spec.
                None => return true,
            }
        }
        BeginSearch::Unknown => return false,
    };
    let (first, last, step) = match ks.find {
        FindKeys::Range {
            lastkey,
            keystep,
            limit,
        } => {
            let last = if lastkey >= 0 {
                first + lastkey as i64
            } else if limit == 0 {
                argc + lastkey as i64
            } else {
                first + ((argc - first) / limit as i64 + lastkey as i64)
            };
            (first, last, keystep as i64)
        }
        FindKeys::Keynum {
            keynumidx,
            firstkey,
            keystep,
        } => {
            let at = first + keynumidx as i64;
            if at < 1 || at >= argc {
                return false;
            }
            let n = match crate::base::num::parse_i64(cmd.at(at as usize)) {
                // More keys than arguments cannot fit (and would overflow).
                Some(n) if (0..=argc).contains(&n) => n,
                _ => return false,
            };
            let start = first + firstkey as i64;
            (start, start + (n - 1) * keystep as i64, keystep as i64)
        }
        FindKeys::Unknown => return false,
    };
    if last >= argc || last < first || first >= argc || step < 1 {
        return false;
    }
    let mut i = first;
    while i <= last {
        keys.push((i as usize, ks.flags));
        i += step;
    }
    true
}

/// Appends a set header (`~n`, `*n` in RESP2) and the names of the bits
/// set in `flags`.
fn write_flags(out: &mut Reply<'_>, flags: u32, names: &[(u32, &str)]) {
    let set = || names.iter().filter(|(bit, _)| flags & bit != 0);
    resp::set(out, set().count());
    for (_, name) in set() {
        resp::simple(out, name.as_bytes());
    }
}

/// Appends `items` as a set (an array in RESP2).
fn write_strs(out: &mut Reply<'_>, items: &[&str], simple: bool) {
    resp::set(out, items.len());
    for s in items {
        if simple {
            resp::simple(out, s.as_bytes());
        } else {
            resp::bulk(out, s.as_bytes());
        }
    }
}

/// Appends one command's `COMMAND INFO` entry.
pub fn write_info(out: &mut Reply<'_>, spec: &Spec) {
    resp::array(out, 10);
    resp::bulk(out, spec.name.as_bytes());
    resp::int(out, spec.arity as i64);
    write_flags(out, spec.flags, flags::NAMES);
    resp::int(out, spec.first_key as i64);
    resp::int(out, spec.last_key as i64);
    resp::int(out, spec.step as i64);
    write_strs(out, spec.acl, true);
    write_strs(out, spec.tips, false);
    resp::set(out, spec.key_specs.len());
    for ks in spec.key_specs {
        write_key_spec(out, ks);
    }
    // Redis: an empty set when there are none, otherwise an array.
    match spec.subcommands.len() {
        0 => resp::set(out, 0),
        n => resp::array(out, n),
    }
    for sub in spec.subcommands {
        write_info(out, sub);
    }
}

fn write_key_spec(out: &mut Reply<'_>, ks: &KeySpec) {
    resp::map(out, if ks.notes.is_empty() { 3 } else { 4 });
    if !ks.notes.is_empty() {
        resp::bulk(out, b"notes");
        resp::bulk(out, ks.notes.as_bytes());
    }
    resp::bulk(out, b"flags");
    write_flags(out, ks.flags, key_flags::NAMES);
    resp::bulk(out, b"begin_search");
    resp::map(out, 2);
    resp::bulk(out, b"type");
    match ks.begin {
        BeginSearch::Index(i) => {
            resp::bulk(out, b"index");
            resp::bulk(out, b"spec");
            resp::map(out, 1);
            resp::bulk(out, b"index");
            resp::int(out, i as i64);
        }
        BeginSearch::Keyword { keyword, startfrom } => {
            resp::bulk(out, b"keyword");
            resp::bulk(out, b"spec");
            resp::map(out, 2);
            resp::bulk(out, b"keyword");
            resp::bulk(out, keyword.as_bytes());
            resp::bulk(out, b"startfrom");
            resp::int(out, startfrom as i64);
        }
        BeginSearch::Unknown => {
            resp::bulk(out, b"unknown");
            resp::bulk(out, b"spec");
            resp::map(out, 0);
        }
    }
    resp::bulk(out, b"find_keys");
    resp::map(out, 2);
    resp::bulk(out, b"type");
    let fields = match ks.find {
        FindKeys::Range {
            lastkey,
            keystep,
            limit,
        } => {
            resp::bulk(out, b"range");
            [("lastkey", lastkey), ("keystep", keystep), ("limit", limit)]
        }
        FindKeys::Keynum {
            keynumidx,
            firstkey,
            keystep,
        } => {
            resp::bulk(out, b"keynum");
            [
                ("keynumidx", keynumidx),
                ("firstkey", firstkey),
                ("keystep", keystep),
            ]
        }
        FindKeys::Unknown => {
            resp::bulk(out, b"unknown");
            resp::bulk(out, b"spec");
            resp::map(out, 0);
            return;
        }
    };
    resp::bulk(out, b"spec");
    resp::map(out, 3);
    for (name, v) in fields {
        resp::bulk(out, name.as_bytes());
        resp::int(out, v as i64);
    }
}

#[cfg(test)]
mod tests;
