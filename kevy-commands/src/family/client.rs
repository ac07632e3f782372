//! CLIENT: the calling connection's own settings (ID, SETNAME, GETNAME,
//! INFO, NO-EVICT, REPLY), client pauses (PAUSE, UNPAUSE), and every
//! connection of every shard (LIST, KILL — one part per shard, each seeing
//! its shard's connections through [`ClientsOf`]).

pub(crate) mod line;

use std::time::{Duration, SystemTime};

use kevy_rt::{Args, ClientsOf, Flow, Planned};

pub use line::{client_type, parse_filter, type_of, write_line, ClientType, Filter};

use super::opts::{keyword, set_name, subcommand_syntax, write_help};
use super::spec::catalog;
use super::{Local, ServerCx};
use crate::base::error::cstr;
use crate::base::num::parse_i64;
use crate::base::resp;
use crate::base::resp::Reply;
use crate::cross::admin::{self as srv, ServerOp, ServerPlan, ServerReply};
use crate::cross::Plan;
use crate::session::{Ctx, Session};
use crate::shard::ShardState;

/// CLIENT ID
pub fn id(c: &mut Local<'_>) -> Flow {
    resp::int(c.out, c.cx.client.id as i64);
    Flow::Continue
}

/// CLIENT GETNAME
pub fn getname(c: &mut Local<'_>) -> Flow {
    resp::bulk_or_null(c.out, c.session.name());
    Flow::Continue
}

/// CLIENT SETNAME connection-name
pub fn setname(c: &mut Local<'_>) -> Flow {
    match set_name(c, c.args.at(2)) {
        Ok(()) => resp::ok(c.out),
        Err(e) => resp::error(c.out, e),
    }
    Flow::Continue
}

/// CLIENT INFO
pub fn info(c: &mut Local<'_>) -> Flow {
    let mut line = Vec::new();
    let me = (catalog().lookup_args)(c.args);
    let argv: usize = c.args.iter().map(<[u8]>::len).sum();
    write_line(
        &mut line,
        &c.shard.server.shared,
        &c.cx.client,
        c.session,
        me,
        argv,
        false,
    );
    resp::verbatim(c.out, &line);
    Flow::Continue
}

/// Logs a connection closed by client eviction (`maxmemory-clients`),
/// as Redis's `evictClients`: "Evicting client: " and its `CLIENT LIST`
/// line, at notice level.
pub fn log_eviction(
    shard: &ShardState,
    facts: &kevy_rt::ClientFacts,
    session: &crate::session::Session,
    last_cmd: Option<&crate::family::spec::Spec>,
) {
    let shared = &shard.server.shared;
    let line = crate::family::acl::client_line(shared, facts, session, last_cmd);
    shared.log.log(
        crate::base::log::Level::Notice,
        &format!("Evicting client: {}", String::from_utf8_lossy(&line)),
    );
}

/// CLIENT NO-EVICT ON|OFF
pub fn no_evict(c: &mut Local<'_>) -> Flow {
    match on_off(c.args.at(2)) {
        Some(on) => {
            c.session.no_evict = on;
            resp::ok(c.out);
        }
        None => resp::error(c.out, b"ERR syntax error"),
    }
    Flow::Continue
}

fn on_off(arg: &[u8]) -> Option<bool> {
    if keyword(arg, "on") {
        Some(true)
    } else if keyword(arg, "off") {
        Some(false)
    } else {
        None
    }
}

/// CLIENT REPLY ON|OFF|SKIP
pub fn reply(c: &mut Local<'_>) -> Flow {
    let mode = c.args.at(2);
    if keyword(mode, "on") {
        c.session.replies_on();
        resp::ok(c.out);
    } else if keyword(mode, "off") {
        c.session.reply_off = true;
    } else if keyword(mode, "skip") {
        c.session.skip_next_reply();
    } else {
        resp::error(c.out, b"ERR syntax error");
    }
    Flow::Continue
}

/// CLIENT PAUSE timeout [WRITE|ALL]
pub fn pause(c: &mut Local<'_>) -> Flow {
    if c.args.len() > 4 {
        subcommand_syntax(c.args, c.out);
        return Flow::Continue;
    }
    let mut writes_only = false;
    if let Some(mode) = c.args.get(3) {
        if keyword(mode, "write") {
            writes_only = true;
        } else if !keyword(mode, "all") {
            resp::error(c.out, b"ERR CLIENT PAUSE mode must be WRITE or ALL");
            return Flow::Continue;
        }
    }
    let ms = match parse_i64(c.args.at(2)) {
        None => {
            resp::error(c.out, b"ERR timeout is not an integer or out of range");
            return Flow::Continue;
        }
        Some(n) if n < 0 => {
            resp::error(c.out, b"ERR timeout is negative");
            return Flow::Continue;
        }
        Some(n) => n as u64,
    };
    let Some(until) = SystemTime::now().checked_add(Duration::from_millis(ms)) else {
        resp::error(c.out, b"ERR timeout is out of range");
        return Flow::Continue;
    };
    if let Some(info) = &c.shard.server.info {
        info.settings.pause(until, writes_only);
    }
    let until_ms = until
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_millis().max(1) as u64);
    c.shard.evict.limits().hold_expiry(Some(until_ms));
    resp::ok(c.out);
    Flow::Continue
}

/// CLIENT UNPAUSE
pub fn unpause(c: &mut Local<'_>) -> Flow {
    if let Some(info) = &c.shard.server.info {
        info.settings.unpause();
    }
    c.shard.evict.limits().hold_expiry(None);
    resp::ok(c.out);
    Flow::Continue
}

/// CLIENT LIST [TYPE type | ID id …]: one part per shard.
pub fn plan_list(cx: &mut ServerCx<'_, '_>) -> Planned<Plan> {
    let args = cx.args;
    let argv: usize = args.iter().map(<[u8]>::len).sum();
    let argv = argv.to_string();
    let n = cx.router.nshards();
    if args.len() == 4 && keyword(args.at(2), "type") {
        return match client_type(args.at(3)) {
            Some(_) => srv::broadcast(
                ServerOp::ClientList,
                &[argv.as_bytes(), b"type", args.at(3)],
                n,
                cx.parts,
                ServerPlan::ClientList(None),
            ),
            None => {
                let mut m = b"ERR Unknown client type '".to_vec();
                m.extend_from_slice(cstr(args.at(3)));
                m.push(b'\'');
                srv::error(&m)
            }
        };
    }
    if args.len() > 3 && keyword(args.at(2), "id") {
        let mut ids = Vec::with_capacity(args.len() - 3);
        for a in args.iter().skip(3) {
            match parse_i64(a) {
                Some(id) => ids.push(id as u64),
                None => return srv::error(b"ERR Invalid client ID"),
            }
        }
        let mut part: Vec<&[u8]> = vec![argv.as_bytes()];
        part.extend(args.iter().skip(3));
        return srv::broadcast(
            ServerOp::ClientList,
            &part,
            n,
            cx.parts,
            ServerPlan::ClientList(Some(ids)),
        );
    }
    if args.len() != 2 {
        return srv::error(b"ERR syntax error");
    }
    srv::broadcast(
        ServerOp::ClientList,
        &[argv.as_bytes()],
        n,
        cx.parts,
        ServerPlan::ClientList(None),
    )
}

/// A shard's `CLIENT LIST` lines. Arguments: the caller's `argv-mem`, then
/// the ids asked for (all connections when none).
pub fn list_part(
    shard: &mut ShardState,
    ctx: Ctx,
    args: Args<'_>,
    clients: &mut ClientsOf<'_, Session, &'static crate::family::spec::Spec>,
) -> ServerReply {
    let argv = args.get(0).and_then(parse_i64).unwrap_or(0).max(0) as usize;
    // `argv type name`, or `argv id…`.
    let kind = match args.get(1) {
        Some(b"type") => args.get(2).and_then(client_type),
        _ => None,
    };
    let ids: Vec<u64> = match kind {
        Some(_) => Vec::new(),
        None => args
            .iter()
            .skip(1)
            .filter_map(parse_i64)
            .map(|n| n as u64)
            .collect(),
    };
    let shared = shard.server.shared.clone();
    let mut lines = Vec::new();
    clients.for_each(|c| {
        if !ids.is_empty() && !ids.contains(&c.facts.id)
            || kind.is_some_and(|k| k != type_of(&shared, c.session))
        {
            return;
        }
        let mut line = Vec::new();
        let me = c.facts.id == ctx.client;
        let mem = if me { argv } else { 0 };
        write_line(&mut line, &shared, &c.facts, c.session, c.last_cmd, mem, me);
        lines.push((c.facts.id, line));
    });
    ServerReply::Clients(lines)
}

/// The `CLIENT LIST` reply: every line in connection order, or the lines of
/// the ids asked for in their order.
pub fn gather_list(ids: Option<&[u64]>, replies: Vec<ServerReply>, out: &mut Reply<'_>) {
    let mut lines: Vec<(u64, Vec<u8>)> = replies
        .into_iter()
        .flat_map(|r| match r {
            ServerReply::Clients(l) => l,
            _ => Vec::new(),
        })
        .collect();
    lines.sort_by_key(|(id, _)| *id);
    let mut text = Vec::new();
    match ids {
        None => lines.iter().for_each(|(_, l)| text.extend_from_slice(l)),
        Some(ids) => {
            for id in ids {
                if let Ok(i) = lines.binary_search_by_key(id, |(x, _)| *x) {
                    text.extend_from_slice(&lines[i].1);
                }
            }
        }
    }
    resp::verbatim(out, &text);
}

/// CLIENT KILL addr:port | CLIENT KILL filter value …: one part per shard.
pub fn plan_kill(cx: &mut ServerCx<'_, '_>) -> Planned<Plan> {
    match parse_filter(cx.args) {
        Ok(f) => {
            if let Some(user) = &f.user {
                let acl = &cx.shard.server.shared.config.live().acl;
                if acl.users().id(user).is_none() {
                    let mut m = b"ERR No such user '".to_vec();
                    m.extend_from_slice(cstr(user));
                    m.push(b'\'');
                    return srv::error(&m);
                }
            }
            let args: Vec<&[u8]> = cx.args.iter().collect();
            let plan = ServerPlan::ClientKill {
                old: f.old.is_some(),
            };
            srv::broadcast(
                ServerOp::ClientKill,
                &args,
                cx.router.nshards(),
                cx.parts,
                plan,
            )
        }
        Err(msg) => srv::error(&msg),
    }
}

/// CLIENT UNBLOCK client-id [TIMEOUT | ERROR]: one part per shard, the
/// connection's own unblocks it.
pub fn plan_unblock(cx: &mut ServerCx<'_, '_>) -> Planned<Plan> {
    if cx.args.len() > 4 {
        return srv::error(b"ERR syntax error");
    }
    if cx.args.len() == 4 && unblock_reason(cx.args.at(3)).is_none() {
        return srv::error(b"ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
    }
    if parse_i64(cx.args.at(2)).is_none() {
        return srv::error(b"ERR value is not an integer or out of range");
    }
    let args: Vec<&[u8]> = cx.args.iter().collect();
    // The count of unblocked connections (0 or 1), as CLIENT KILL's new form.
    let plan = ServerPlan::ClientKill { old: false };
    srv::broadcast(
        ServerOp::ClientUnblock,
        &args,
        cx.router.nshards(),
        cx.parts,
        plan,
    )
}

/// CLIENT UNBLOCK's reason argument.
fn unblock_reason(arg: &[u8]) -> Option<kevy_rt::Unpark> {
    if keyword(arg, "timeout") {
        Some(kevy_rt::Unpark::Timeout)
    } else if keyword(arg, "error") {
        Some(kevy_rt::Unpark::Error)
    } else {
        None
    }
}

/// Unblocks this shard's connection named by CLIENT UNBLOCK, if it is
/// parked here; answers 1 if it was.
pub fn unblock_part(
    args: Args<'_>,
    clients: &mut ClientsOf<'_, Session, &'static crate::family::spec::Spec>,
) -> ServerReply {
    let why = args
        .get(3)
        .and_then(unblock_reason)
        .unwrap_or(kevy_rt::Unpark::Timeout);
    let id = parse_i64(args.at(2)).unwrap_or(-1);
    let done = u64::try_from(id).is_ok_and(|id| clients.unblock(id, why));
    ServerReply::Count(done as i64)
}

/// Kills a shard's connections matching the filters (the whole command's
/// arguments); answers how many.
pub fn kill_part(
    shard: &ShardState,
    ctx: Ctx,
    args: Args<'_>,
    clients: &mut ClientsOf<'_, Session, &'static crate::family::spec::Spec>,
) -> ServerReply {
    let Ok(filter) = parse_filter(args) else {
        return ServerReply::Count(0);
    };
    let shared = &shard.server.shared;
    let user = match &filter.user {
        Some(name) => match shared.config.live().acl.users().id(name) {
            Some(id) => Some(id),
            None => return ServerReply::Count(0),
        },
        None => None,
    };
    let mut doomed = Vec::new();
    clients.for_each(|c| {
        if filter.matches(shared, &c.facts, c.session, ctx.client)
            && user.is_none_or(|u| c.session.user == u)
        {
            doomed.push(c.facts.id);
        }
    });
    // Another client goes at once, with its output (a replica that stopped
    // reading, its stream); the caller after its reply.
    let killed = doomed
        .into_iter()
        .filter(|&id| {
            // The primary's link drops its connection to the primary, as
            // killing Redis's master client does: the loopback connection
            // that applies the stream stays, so no batch half applied is
            // sent again when it continues.
            if shared.upstream.is_link(id) {
                return shared.upstream.drop_link();
            }
            match id == ctx.client {
                true => clients.kill(id),
                false => clients.kill_now(id),
            }
        })
        .count();
    ServerReply::Count(killed as i64)
}

/// The `CLIENT KILL` reply.
pub fn gather_kill(old: bool, replies: Vec<ServerReply>, out: &mut Reply<'_>) {
    let killed: i64 = replies
        .iter()
        .map(|r| match r {
            ServerReply::Count(n) => *n,
            _ => 0,
        })
        .sum();
    match (old, killed) {
        (true, 0) => resp::error(out, b"ERR No such client"),
        (true, _) => resp::ok(out),
        (false, n) => resp::int(out, n),
    }
}

const HELP: &[&str] = &[
    "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CACHING (YES|NO)",
    "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
    "GETREDIR",
    "    Return the client ID we are redirecting to when tracking is enabled.",
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "KILL <ip:port>",
    "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are:",
    "    * ADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made from the specified address",
    "    * LADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made to specified local address",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Kill connections by type.",
    "    * USER <username>",
    "      Kill connections authenticated by <username>.",
    "    * SKIPME (YES|NO)",
    "      Skip killing current connection (default: yes).",
    "    * ID <client-id>",
    "      Kill connections by client id.",
    "    * MAXAGE <maxage>",
    "      Kill connections older than the specified age.",
    "LIST [options ...]",
    "    Return information about client connections. Options:",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Return clients of specified type.",
    "UNPAUSE",
    "    Stop the current client pause, resuming traffic.",
    "PAUSE <timeout> [WRITE|ALL]",
    "    Suspend all, or just write, clients for <timeout> milliseconds.",
    "REPLY (ON|OFF|SKIP)",
    "    Control the replies sent to the current connection.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "UNBLOCK <clientid> [TIMEOUT|ERROR]",
    "    Unblock the specified blocked client.",
    "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
    "         [OPTIN] [OPTOUT] [NOLOOP]",
    "    Control server assisted client side caching.",
    "TRACKINGINFO",
    "    Report tracking status for the current connection.",
    "NO-EVICT (ON|OFF)",
    "    Protect current client connection from eviction.",
    "HELP",
    "    Prints this help.",
];

/// CLIENT HELP (the subcommands kevy implements).
pub fn help(c: &mut Local<'_>) -> Flow {
    write_help(c.out, HELP);
    Flow::Continue
}

#[cfg(test)]
mod tests;
