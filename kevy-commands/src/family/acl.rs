//! AUTH and ACL (Redis 7.0's `acl.c` commands): AUTH, HELLO's AUTH, ACL
//! SETUSER / GETUSER / DELUSER / LIST / USERS / WHOAMI / CAT / GENPASS /
//! LOG / DRYRUN / HELP (LOAD and SAVE in [`file`](mod@file)). The permission gate
//! every command of a restricted connection passes lives in `gate`
//! (re-exported here: [`gate()`], [`code`], [`check_user`]).
//!
//! A connection of the `default` user while that user may do anything
//! carries `Ctx::acl == 0` and never comes to the gate (one compare per
//! command); others carry their user's id (or [`NOAUTH`]) to whichever
//! shard runs the command, which checks it against its copy of the users
//! ([`crate::acl::Cache`]).

use kevy_rt::{Args, Flow, Planned};

use super::opts::{keyword, subcommand_syntax, write_help};
use super::spec::{catalog, flags, Spec};
use super::{Local, ServerCx};
use crate::acl::check::{self, Denied};
use crate::acl::commands::{self as acl_cmds, CmdInfo};
use crate::acl::log::{Context, Reason};
use crate::acl::{describe, Acl};
use crate::base::clock::now_ms;
use crate::base::error::cstr;
use crate::base::resp::{self, Reply};
use crate::cross::admin::{self as srv, ServerOp, ServerPlan, ServerReply};
use crate::cross::Plan;
use crate::session::Session;

pub mod file;
mod gate;

use gate::log;
pub use gate::{
    check_user, client_line, code, gate, gate_exec, gate_script, is_sort_refusal, log_script,
    remote_info, Asker, ScriptDenial, Who, NOAUTH,
};

/// What protected mode writes to a refused connection (Redis's text).
pub const PROTECTED_MODE: &[u8] = b"-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

const WRONGPASS: &[u8] = b"WRONGPASS invalid username-password pair or user is disabled.";

/// Fills the ACL's view of the commands from the installed table (once).
pub fn install_commands() {
    let cat = catalog();
    let list = (0..(cat.count)())
        .filter_map(|id| (cat.spec_of)(id))
        .map(|s| CmdInfo {
            name: s.name,
            cats: acl_cmds::categories_of(s.acl),
            parent: s
                .name
                .split_once('|')
                .and_then(|(p, _)| (cat.lookup_fullname)(p.as_bytes()))
                .and_then(cat.id_of),
            subs: s.subcommands.iter().filter_map(cat.id_of).collect(),
            no_auth: s.flags & flags::NO_AUTH != 0,
        })
        .collect();
    acl_cmds::install(list);
}

fn acl_of<'a>(c: &Local<'a>) -> std::sync::Arc<Acl> {
    c.shard.server.shared.config.live().acl.clone()
}

fn local_info(c: &Local<'_>) -> Vec<u8> {
    let cmd = (catalog().lookup_args)(c.args);
    client_line(&c.shard.server.shared, &c.cx.client, c.session, cmd)
}

/// Authenticates the connection as `user`, or logs the failure.
fn authenticate(c: &mut Local<'_>, user: &[u8], pass: &[u8]) -> bool {
    let acl = acl_of(c);
    match acl.authenticate(user, pass) {
        Some(id) => {
            c.session.set_user(id, true);
            true
        }
        None => {
            let info = local_info(c);
            let object = c.args.at(0).to_vec();
            log(
                &acl,
                Reason::Auth,
                if c.session.multi.is_some() {
                    Context::Multi
                } else {
                    Context::Toplevel
                },
                object,
                info,
                user.to_vec(),
            );
            false
        }
    }
}

/// AUTH \[username\] password
pub fn auth(c: &mut Local<'_>) -> Flow {
    if c.args.len() > 3 {
        resp::error(c.out, b"ERR syntax error");
        return Flow::Continue;
    }
    let (user, pass) = if c.args.len() == 2 {
        let acl = acl_of(c);
        if acl.users().get(0).is_some_and(|d| d.nopass) {
            resp::error(
                c.out,
                b"ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
            );
            return Flow::Continue;
        }
        (b"default".to_vec(), c.args.at(1).to_vec())
    } else {
        (c.args.at(1).to_vec(), c.args.at(2).to_vec())
    };
    if authenticate(c, &user, &pass) {
        resp::ok(c.out);
    } else {
        resp::error(c.out, WRONGPASS);
    }
    Flow::Continue
}

/// `HELLO … AUTH user pass`: true when authenticated (else the error is
/// written).
pub fn hello_auth(c: &mut Local<'_>, user: &[u8], pass: &[u8]) -> bool {
    if authenticate(c, user, pass) {
        return true;
    }
    resp::error(c.out, WRONGPASS);
    false
}

/// ACL SETUSER username \[rule …\]: all rules or none; a changed user's
/// subscribers to channels it may no longer use are disconnected on every
/// shard, as Redis's `ACLKillPubsubClientsIfNeeded` does.
pub fn plan_setuser(cx: &mut ServerCx<'_, '_>) -> Planned<Plan> {
    let reply = |out: Vec<u8>| crate::cross::planned(Plan::Server(ServerPlan::Reply(out)));
    let mut out = Vec::new();
    let name = cx.args.at(2);
    if name
        .iter()
        .any(|&b| b.is_ascii_whitespace() || b == 0 || b == 0x0b)
    {
        resp::error(
            &mut out,
            b"ERR Usernames can't contain spaces or null characters",
        );
        return reply(out);
    }
    let rules: Vec<&[u8]> = cx.args.iter().skip(3).collect();
    let merged = match crate::acl::user::merge_selectors(&rules) {
        Ok(m) => m,
        Err(i) => {
            let mut m = b"ERR Unmatched parenthesis in acl selector starting at '".to_vec();
            m.extend_from_slice(cstr(rules[i]));
            m.extend_from_slice(b"'.");
            crate::base::error::write_sanitized(&mut out, &m);
            return reply(out);
        }
    };
    let acl = cx.shard.server.shared.config.live().acl.clone();
    let all = acl.pubsub_all.load(std::sync::atomic::Ordering::Relaxed);
    let changed = acl.modify(|u| {
        let old = u.by_name(name).cloned();
        let id = u.set_user(name, &merged, all)?;
        let revoked = old
            .zip(u.get(id))
            .and_then(|(old, new)| check::revoked_channels(new, &old));
        Ok((id, revoked))
    });
    match changed {
        Ok((id, Some(allowed))) => {
            resp::ok(&mut out);
            let mut words = vec![PUBSUB_KILL.to_vec(), id.to_string().into_bytes()];
            words.extend(allowed);
            let refs: Vec<&[u8]> = words.iter().map(Vec::as_slice).collect();
            srv::broadcast(
                ServerOp::AclKill,
                &refs,
                cx.router.nshards(),
                cx.parts,
                ServerPlan::Reply(out),
            )
        }
        Ok((_, None)) => {
            resp::ok(&mut out);
            reply(out)
        }
        Err((rule, e)) => {
            let mut m = b"ERR Error in ACL SETUSER modifier '".to_vec();
            m.extend_from_slice(cstr(&rule));
            m.extend_from_slice(b"': ");
            m.extend_from_slice(e.message().as_bytes());
            crate::base::error::write_sanitized(&mut out, &m);
            reply(out)
        }
    }
}

/// The first argument of an [`ServerOp::AclKill`] part closing the
/// subscribers of one user (its id next) to channels the patterns after
/// it no longer allow.
const PUBSUB_KILL: &[u8] = b"pubsub";

fn selector_fields(out: &mut Reply<'_>, s: &crate::acl::user::Selector) {
    resp::bulk(out, b"commands");
    resp::bulk(out, describe::command_rules(s).as_bytes());
    resp::bulk(out, b"keys");
    resp::bulk(out, &describe::keys(s));
    resp::bulk(out, b"channels");
    resp::bulk(out, &describe::channels(s));
}

/// ACL GETUSER username
pub fn getuser(c: &mut Local<'_>) -> Flow {
    let users = acl_of(c).users();
    let Some(u) = users.by_name(c.args.at(2)) else {
        resp::null(c.out);
        return Flow::Continue;
    };
    let out = &mut *c.out;
    resp::map(out, 6);
    resp::bulk(out, b"flags");
    let f = describe::flags(u);
    resp::set(out, f.len());
    for x in f {
        resp::bulk(out, x.as_bytes());
    }
    resp::bulk(out, b"passwords");
    resp::array(out, u.passwords.len());
    for p in &u.passwords {
        resp::bulk(out, p.as_bytes());
    }
    selector_fields(out, u.root());
    resp::bulk(out, b"selectors");
    resp::array(out, u.selectors.len() - 1);
    for s in &u.selectors[1..] {
        resp::map(out, 3);
        selector_fields(out, s);
    }
    Flow::Continue
}

/// ACL LIST
pub fn list(c: &mut Local<'_>) -> Flow {
    let users = acl_of(c).users();
    resp::array(c.out, users.len());
    for (_, u) in users.iter() {
        let mut line = b"user ".to_vec();
        line.extend_from_slice(&u.name);
        line.push(b' ');
        line.extend_from_slice(&describe::user(u));
        resp::bulk(c.out, &line);
    }
    Flow::Continue
}

/// ACL USERS
pub fn users(c: &mut Local<'_>) -> Flow {
    let users = acl_of(c).users();
    resp::array(c.out, users.len());
    for (_, u) in users.iter() {
        resp::bulk(c.out, &u.name);
    }
    Flow::Continue
}

/// ACL WHOAMI
pub fn whoami(c: &mut Local<'_>) -> Flow {
    let name = acl_of(c).name_of(c.session.user);
    resp::bulk(c.out, &name);
    Flow::Continue
}

/// ACL CAT \[category\]
pub fn cat(c: &mut Local<'_>) -> Flow {
    match c.args.len() {
        2 => {
            resp::array(c.out, acl_cmds::CATEGORIES.len());
            for name in acl_cmds::CATEGORIES {
                resp::bulk(c.out, name.as_bytes());
            }
        }
        3 => {
            let Some(bit) = acl_cmds::category(c.args.at(2)) else {
                let mut m = b"ERR Unknown category '".to_vec();
                let a = cstr(c.args.at(2));
                m.extend_from_slice(&a[..a.len().min(128)]);
                m.push(b'\'');
                crate::base::error::write_sanitized(c.out, &m);
                return Flow::Continue;
            };
            let names: Vec<&str> = acl_cmds::all()
                .iter()
                .filter(|x| x.cats & bit != 0)
                .map(|x| x.name)
                .collect();
            resp::array(c.out, names.len());
            for n in names {
                resp::bulk(c.out, n.as_bytes());
            }
        }
        _ => subcommand_syntax(c.args, c.out),
    }
    Flow::Continue
}

/// ACL GENPASS \[bits\]
pub fn genpass(c: &mut Local<'_>) -> Flow {
    let bits = match c.args.len() {
        2 => 256,
        3 => match crate::base::num::parse_i64(c.args.at(2)) {
            Some(b) => b,
            None => {
                resp::error(c.out, b"ERR value is not an integer or out of range");
                return Flow::Continue;
            }
        },
        _ => {
            subcommand_syntax(c.args, c.out);
            return Flow::Continue;
        }
    };
    if bits <= 0 || bits > 4096 {
        resp::error(
            c.out,
            b"ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096",
        );
        return Flow::Continue;
    }
    let chars = ((bits + 3) / 4) as usize;
    let mut raw = vec![0u8; chars.div_ceil(2)];
    let ok = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut raw))
        .is_ok();
    if !ok {
        raw.iter_mut()
            .for_each(|b| *b = crate::base::random::next() as u8);
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let hex: Vec<u8> = raw
        .iter()
        .flat_map(|b| [HEX[(b >> 4) as usize], HEX[(b & 15) as usize]])
        .take(chars)
        .collect();
    resp::bulk(c.out, &hex);
    Flow::Continue
}

/// ACL LOG [count | RESET]
pub fn log_cmd(c: &mut Local<'_>) -> Flow {
    let acl = acl_of(c);
    let mut count = 10i64;
    match c.args.len() {
        2 => {}
        3 if keyword(c.args.at(2), "reset") => {
            acl.log().clear();
            resp::ok(c.out);
            return Flow::Continue;
        }
        3 => match crate::base::num::parse_i64(c.args.at(2)) {
            Some(n) => count = n.max(0),
            None => {
                resp::error(c.out, b"ERR value is not an integer or out of range");
                return Flow::Continue;
            }
        },
        _ => {
            subcommand_syntax(c.args, c.out);
            return Flow::Continue;
        }
    }
    let log = acl.log();
    let n = (count as usize).min(log.len());
    let now = now_ms() as u64;
    let out = &mut *c.out;
    resp::array(out, n);
    for e in log.newest(n) {
        resp::map(out, 7);
        resp::bulk(out, b"count");
        resp::int(out, e.count as i64);
        resp::bulk(out, b"reason");
        resp::bulk(out, e.reason.name().as_bytes());
        resp::bulk(out, b"context");
        resp::bulk(out, e.context.name().as_bytes());
        resp::bulk(out, b"object");
        resp::bulk(out, &e.object);
        resp::bulk(out, b"username");
        resp::bulk(out, &e.username);
        resp::bulk(out, b"age-seconds");
        crate::base::float::write_double(out, now.saturating_sub(e.ctime) as f64 / 1000.0);
        resp::bulk(out, b"client-info");
        resp::bulk(out, &e.client_info);
    }
    Flow::Continue
}

/// ACL DRYRUN username command [arg …]
pub fn dryrun(c: &mut Local<'_>) -> Flow {
    let users = acl_of(c).users();
    let Some(u) = users.by_name(c.args.at(2)) else {
        let mut m = b"ERR User '".to_vec();
        m.extend_from_slice(cstr(c.args.at(2)));
        m.extend_from_slice(b"' not found");
        crate::base::error::write_sanitized(c.out, &m);
        return Flow::Continue;
    };
    let rest: kevy_rt::OwnedArgs = c.args.iter().skip(3).collect();
    let Some(spec) = (catalog().lookup_args)(rest.args()) else {
        let mut m = b"ERR Command '".to_vec();
        m.extend_from_slice(cstr(c.args.at(3)));
        m.extend_from_slice(b"' not found");
        crate::base::error::write_sanitized(c.out, &m);
        return Flow::Continue;
    };
    if !spec.arity_ok(rest.args().len()) {
        let m = format!("ERR wrong number of arguments for '{}' command", spec.name);
        resp::error(c.out, m.as_bytes());
        return Flow::Continue;
    }
    match check_user(u, spec, rest.args()) {
        Ok(()) => resp::ok(c.out),
        Err(d) => {
            let mut m = Vec::new();
            match d {
                Denied::Command => m.extend_from_slice(
                    format!(
                        "This user has no permissions to run the '{}' command",
                        spec.name
                    )
                    .as_bytes(),
                ),
                Denied::Key(i) | Denied::Channel(i) => {
                    m.extend_from_slice(b"This user has no permissions to access the '");
                    m.extend_from_slice(rest.args().at(i));
                    m.extend_from_slice(if matches!(d, Denied::Key(_)) {
                        b"' key"
                    } else {
                        b"' channel"
                    });
                }
            }
            resp::bulk(c.out, &m);
        }
    }
    Flow::Continue
}

/// ACL DELUSER username [username …]: deletes the users and closes their
/// connections on every shard.
pub fn plan_deluser(cx: &mut ServerCx<'_, '_>) -> Planned<Plan> {
    let args: Vec<&[u8]> = cx.args.iter().skip(2).collect();
    if args.iter().any(|a| *a == b"default") {
        let mut out = Vec::new();
        resp::error(&mut out, b"ERR The 'default' user cannot be removed");
        return crate::cross::planned(Plan::Server(ServerPlan::Reply(out)));
    }
    let acl = cx.shard.server.shared.config.live().acl.clone();
    let ids: Vec<usize> = acl
        .modify(|u| Ok::<_, ()>(args.iter().filter_map(|n| u.remove(n)).collect()))
        .unwrap_or_default();
    let mut out = Vec::new();
    resp::int(&mut out, ids.len() as i64);
    if ids.is_empty() {
        return crate::cross::planned(Plan::Server(ServerPlan::Reply(out)));
    }
    let words: Vec<Vec<u8>> = ids.iter().map(|i| i.to_string().into_bytes()).collect();
    let refs: Vec<&[u8]> = words.iter().map(Vec::as_slice).collect();
    srv::broadcast(
        ServerOp::AclKill,
        &refs,
        cx.router.nshards(),
        cx.parts,
        ServerPlan::Reply(out),
    )
}

/// Closes a shard's connections authenticated as one of the user ids in
/// `args` (a deleted user's); or, when the first argument is
/// `PUBSUB_KILL`, the subscribers of user `args[1]` whose channels or
/// patterns the patterns `args[2..]` no longer allow.
pub fn kill_part(
    args: Args<'_>,
    clients: &mut kevy_rt::ClientsOf<'_, Session, &'static Spec>,
) -> ServerReply {
    if args.len() >= 2 && args.at(0) == PUBSUB_KILL {
        return kill_subscribers(args, clients);
    }
    let ids: Vec<usize> = args
        .iter()
        .filter_map(|a| std::str::from_utf8(a).ok()?.parse().ok())
        .collect();
    let mut doomed = Vec::new();
    clients.for_each(|c| {
        if c.session.authenticated && ids.contains(&c.session.user) {
            doomed.push(c.facts.id);
        }
    });
    let n = doomed.into_iter().filter(|&id| clients.kill(id)).count();
    ServerReply::Count(n as i64)
}

fn kill_subscribers(
    args: Args<'_>,
    clients: &mut kevy_rt::ClientsOf<'_, Session, &'static Spec>,
) -> ServerReply {
    let Some(user) = std::str::from_utf8(args.at(1))
        .ok()
        .and_then(|a| a.parse::<usize>().ok())
    else {
        return ServerReply::Count(0);
    };
    let allowed: Vec<Vec<u8>> = args.iter().skip(2).map(<[u8]>::to_vec).collect();
    let mut doomed = Vec::new();
    clients.for_each(|c| {
        let subs = &c.session.pubsub;
        if c.session.user == user
            && subs.any()
            && !check::subscriptions_ok(
                &allowed,
                subs.channels
                    .iter()
                    .chain(subs.shard_channels.iter())
                    .map(Vec::as_slice),
                subs.patterns.iter().map(Vec::as_slice),
            )
        {
            doomed.push(c.facts.id);
        }
    });
    let n = doomed.into_iter().filter(|&id| clients.kill(id)).count();
    ServerReply::Count(n as i64)
}

pub use file::{plan_load, save};

const HELP: &[&str] = &[
    "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CAT [<category>]",
    "    List all commands that belong to <category>, or all command categories",
    "    when no category is specified.",
    "DELUSER <username> [<username> ...]",
    "    Delete a list of users.",
    "DRYRUN <username> <command> [<arg> ...]",
    "    Returns whether the user can execute the given command without executing the command.",
    "GETUSER <username>",
    "    Get the user's details.",
    "GENPASS [<bits>]",
    "    Generate a secure 256-bit user password. The optional `bits` argument can",
    "    be used to specify a different size.",
    "LIST",
    "    Show users details in config file format.",
    "LOAD",
    "    Reload users from the ACL file.",
    "LOG [<count> | RESET]",
    "    Show the ACL log entries.",
    "SAVE",
    "    Save the current config to the ACL file.",
    "SETUSER <username> <attribute> [<attribute> ...]",
    "    Create or modify a user with the specified attributes.",
    "USERS",
    "    List all the registered usernames.",
    "WHOAMI",
    "    Return the current connection username.",
    "HELP",
    "    Prints this help.",
];

/// ACL HELP
pub fn help(c: &mut Local<'_>) -> Flow {
    write_help(c.out, HELP);
    Flow::Continue
}

#[cfg(test)]
mod tests;
