//! `COMMAND DOCS`' entries, written as Redis 7.0's `addReplyCommandDocs`
//! writes them: summary, since, group, complexity, doc flags, deprecation,
//! history, the argument tree and the subcommands (those in kevy's table),
//! from the data in [`crate::family::spec::docs`].

use crate::base::resp;
use crate::base::resp::Reply;
use crate::family::spec::docs::{self, arg_flags, doc_flags, Arg, ArgType, Docs};
use crate::family::spec::Spec;

/// Appends one command's `COMMAND DOCS` entry: its name, then its docs map.
pub fn write_docs(out: &mut Reply<'_>, spec: &Spec) {
    resp::bulk(out, spec.name.as_bytes());
    match docs::get(spec.name) {
        Some(d) => write_doc_map(out, d, spec.subcommands),
        // A command added to the table without regenerating the docs
        // (`cargo xtask gen-docs`; the table's tests catch it).
        None => resp::map(out, 0),
    }
}

fn write_doc_map(out: &mut Reply<'_>, d: &Docs, subs: &[Spec]) {
    let n = 3
        + usize::from(d.complexity.is_some())
        + usize::from(d.doc_flags != 0)
        + usize::from(d.deprecated_since.is_some())
        + usize::from(d.replaced_by.is_some())
        + usize::from(!d.history.is_empty())
        + usize::from(!d.arguments.is_empty())
        + usize::from(!subs.is_empty());
    resp::map(out, n);
    field(out, "summary", d.summary);
    field(out, "since", d.since);
    field(out, "group", d.group);
    if let Some(c) = d.complexity {
        field(out, "complexity", c);
    }
    if d.doc_flags != 0 {
        resp::bulk(out, b"doc_flags");
        write_flags(out, d.doc_flags, doc_flags::NAMES);
    }
    if let Some(v) = d.deprecated_since {
        field(out, "deprecated_since", v);
    }
    if let Some(v) = d.replaced_by {
        field(out, "replaced_by", v);
    }
    if !d.history.is_empty() {
        resp::bulk(out, b"history");
        resp::set(out, d.history.len());
        for (since, change) in d.history {
            resp::array(out, 2);
            resp::bulk(out, since.as_bytes());
            resp::bulk(out, change.as_bytes());
        }
    }
    if !d.arguments.is_empty() {
        resp::bulk(out, b"arguments");
        write_args(out, d.arguments);
    }
    if !subs.is_empty() {
        resp::bulk(out, b"subcommands");
        resp::map(out, subs.len());
        for sub in subs {
            write_docs(out, sub);
        }
    }
}

/// Redis's `addReplyCommandArgList`.
fn write_args(out: &mut Reply<'_>, args: &[Arg]) {
    resp::array(out, args.len());
    for a in args {
        let nested = matches!(a.kind, ArgType::OneOf | ArgType::Block);
        let n = 2
            + usize::from(a.key_spec_index.is_some())
            + usize::from(a.token.is_some())
            + usize::from(a.since.is_some())
            + usize::from(a.deprecated_since.is_some())
            + usize::from(a.flags != 0)
            + usize::from(nested);
        resp::map(out, n);
        field(out, "name", a.name);
        field(out, "type", a.kind.name());
        if let Some(i) = a.key_spec_index {
            resp::bulk(out, b"key_spec_index");
            resp::int(out, i64::from(i));
        }
        if let Some(t) = a.token {
            field(out, "token", t);
        }
        if let Some(v) = a.since {
            field(out, "since", v);
        }
        if let Some(v) = a.deprecated_since {
            field(out, "deprecated_since", v);
        }
        if a.flags != 0 {
            resp::bulk(out, b"flags");
            write_flags(out, a.flags, arg_flags::NAMES);
        }
        if nested {
            resp::bulk(out, b"arguments");
            write_args(out, a.arguments);
        }
    }
}

fn field(out: &mut Reply<'_>, name: &str, value: &str) {
    resp::bulk(out, name.as_bytes());
    resp::bulk(out, value.as_bytes());
}

/// A set (an array in RESP2) of the status names of the bits set in `flags`.
fn write_flags(out: &mut Reply<'_>, flags: u8, names: &[(u8, &str)]) {
    let set = || names.iter().filter(|(bit, _)| flags & bit != 0);
    resp::set(out, set().count());
    for (_, name) in set() {
        resp::simple(out, name.as_bytes());
    }
}
