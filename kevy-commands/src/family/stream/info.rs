//! XINFO STREAM [FULL [COUNT n]], XINFO GROUPS, XINFO CONSUMERS and XINFO
//! HELP (`xinfoCommand`): maps in RESP3, flat arrays in RESP2.

use kevy_rt::Flow;

use super::{int, is, now_ms, stream_mut, write_entry, write_id, write_range, XErr, XResult};
use crate::base::resp;
use crate::base::resp::Reply;
use crate::family::opts::{subcommand_syntax, write_help};
use crate::family::{Call, Local};
use crate::model::stream::{Group, Log, Stream, StreamId, INVALID_READ};

/// The stream at the command's key, or Redis's "no such key".
fn lookup<'a>(c: &'a mut Call<'_>) -> XResult<&'a mut Stream> {
    stream_mut(c.db, c.args.at(2), &c.now)?.ok_or(XErr::Msg("ERR no such key"))
}

fn field(out: &mut Reply<'_>, name: &str) {
    resp::bulk(out, name.as_bytes());
}

fn entries_read(out: &mut Reply<'_>, g: &Group) {
    if g.entries_read != INVALID_READ {
        resp::int(out, g.entries_read);
    } else {
        resp::null(out);
    }
}

fn lag(out: &mut Reply<'_>, log: &Log, g: &Group) {
    match log.lag(g) {
        Some(n) => resp::int(out, n),
        None => resp::null(out),
    }
}

/// The fields both forms of XINFO STREAM start with.
fn head(out: &mut Reply<'_>, log: &Log) {
    field(out, "length");
    resp::int(out, log.length as i64);
    field(out, "radix-tree-keys");
    resp::int(out, log.node_count() as i64);
    field(out, "radix-tree-nodes");
    resp::int(out, log.rax_nodes() as i64);
    field(out, "last-generated-id");
    write_id(out, log.last_id);
    field(out, "max-deleted-entry-id");
    write_id(out, log.max_deleted);
    field(out, "entries-added");
    resp::int(out, log.entries_added as i64);
    field(out, "recorded-first-entry-id");
    write_id(out, log.first_id);
}

/// XINFO STREAM key [FULL [COUNT count]]
pub fn xinfo_stream(c: &mut Call<'_>) {
    if let Err(e) = op_stream(c) {
        e.write(c.args, c.out);
    }
}

fn op_stream(c: &mut Call<'_>) -> XResult<()> {
    let args = c.args;
    let opts = args.len() - 3;
    let mut count: i64 = 10;
    let full = opts > 0;
    let bad = full
        && ((opts != 1 && opts != 3)
            || !is(args.at(3), "full")
            || (opts == 3 && !is(args.at(4), "count")));
    if bad {
        // Checked after the key, as Redis does.
        let _ = lookup(c)?;
        subcommand_syntax(args, c.out);
        return Ok(());
    }
    let resp3 = c.out.resp3();
    let mut buf = Vec::new();
    {
        let st = lookup(c)?;
        if opts == 3 {
            count = int(args.at(5), None)?;
            if count < 0 {
                count = 10;
            }
        }
        let out = &mut Reply::new(&mut buf, resp3);
        let log = &st.log;
        if !full {
            resp::map(out, 10);
            head(out, log);
            field(out, "groups");
            resp::int(out, st.groups.len() as i64);
            for (name, last) in [("first-entry", false), ("last-entry", true)] {
                field(out, name);
                let written = log.with_edge(last, |e| write_entry(out, e));
                if written.is_none() {
                    resp::null(out);
                }
            }
        } else {
            full_info(out, st, count as usize);
        }
    }
    c.out.extend_from_slice(&buf);
    Ok(())
}

/// XINFO STREAM … FULL's body.
fn full_info(out: &mut Reply<'_>, st: &Stream, count: usize) {
    let log = &st.log;
    resp::map(out, 9);
    head(out, log);
    field(out, "entries");
    write_range(out, st, StreamId::MIN, StreamId::MAX, count, false);
    field(out, "groups");
    resp::array(out, st.groups.len());
    let limit = if count == 0 { usize::MAX } else { count };
    for (name, g) in &st.groups {
        resp::map(out, 7);
        field(out, "name");
        resp::bulk(out, name);
        field(out, "last-delivered-id");
        write_id(out, g.last_id);
        field(out, "entries-read");
        entries_read(out, g);
        field(out, "lag");
        lag(out, log, g);
        field(out, "pel-count");
        resp::int(out, g.pel.len() as i64);
        field(out, "pending");
        let n = g.pel.len().min(limit);
        resp::array(out, n);
        for (id, nack) in g.pel.iter().take(n) {
            resp::array(out, 4);
            write_id(out, *id);
            resp::bulk(out, &nack.consumer);
            resp::int(out, nack.delivery_time);
            resp::int(out, nack.delivery_count as i64);
        }
        field(out, "consumers");
        resp::array(out, g.consumers.len());
        for (cname, cons) in &g.consumers {
            resp::map(out, 4);
            field(out, "name");
            resp::bulk(out, cname);
            field(out, "seen-time");
            resp::int(out, cons.seen_time);
            field(out, "pel-count");
            resp::int(out, cons.pel.len() as i64);
            field(out, "pending");
            let n = cons.pel.len().min(limit);
            resp::array(out, n);
            for id in cons.pel.iter().take(n) {
                resp::array(out, 3);
                write_id(out, *id);
                let nack = g.pel.get(id);
                resp::int(out, nack.map_or(0, |n| n.delivery_time));
                resp::int(out, nack.map_or(0, |n| n.delivery_count as i64));
            }
        }
    }
}

/// XINFO GROUPS key
pub fn xinfo_groups(c: &mut Call<'_>) {
    let resp3 = c.out.resp3();
    let mut buf = Vec::new();
    match lookup(c) {
        Ok(st) => {
            let out = &mut Reply::new(&mut buf, resp3);
            resp::array(out, st.groups.len());
            for (name, g) in &st.groups {
                resp::map(out, 6);
                field(out, "name");
                resp::bulk(out, name);
                field(out, "consumers");
                resp::int(out, g.consumers.len() as i64);
                field(out, "pending");
                resp::int(out, g.pel.len() as i64);
                field(out, "last-delivered-id");
                write_id(out, g.last_id);
                field(out, "entries-read");
                entries_read(out, g);
                field(out, "lag");
                lag(out, &st.log, g);
            }
        }
        Err(e) => e.write(c.args, &mut buf),
    }
    c.out.extend_from_slice(&buf);
}

/// XINFO CONSUMERS key group
pub fn xinfo_consumers(c: &mut Call<'_>) {
    let resp3 = c.out.resp3();
    let now = now_ms(&c.now);
    let (key, group) = (c.args.at(2), c.args.at(3));
    let mut buf = Vec::new();
    match lookup(c) {
        Ok(st) => match st.groups.get(group) {
            Some(g) => {
                let out = &mut Reply::new(&mut buf, resp3);
                resp::array(out, g.consumers.len());
                for (name, cons) in &g.consumers {
                    resp::map(out, 3);
                    field(out, "name");
                    resp::bulk(out, name);
                    field(out, "pending");
                    resp::int(out, cons.pel.len() as i64);
                    field(out, "idle");
                    resp::int(out, (now - cons.seen_time).max(0));
                }
            }
            None => super::groups::no_group(group, key).write(c.args, &mut buf),
        },
        Err(e) => e.write(c.args, &mut buf),
    }
    c.out.extend_from_slice(&buf);
}

/// XINFO HELP's text.
const XINFO_HELP: &[&str] = &[
    "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CONSUMERS <key> <groupname>",
    "    Show consumers of <groupname>.",
    "GROUPS <key>",
    "    Show the stream consumer groups.",
    "STREAM <key> [FULL [COUNT <count>]",
    "    Show information about the stream.",
    "HELP",
    "    Prints this help.",
];

/// XINFO HELP
pub fn xinfo_help(c: &mut Local<'_>) -> Flow {
    write_help(c.out, XINFO_HELP);
    Flow::Continue
}
