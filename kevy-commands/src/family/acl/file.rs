//! `aclfile`: ACL LOAD (all users from the file, all or nothing; the
//! connections of the users replaced are closed) and ACL SAVE (every user
//! as a `user` line), as Redis's `ACLLoadFromFile` / `ACLSaveToFile`.

use kevy_rt::{Flow, Planned};

use super::super::{Local, ServerCx};
use crate::acl::user::merge_selectors;
use crate::acl::{describe, User, Users};
use crate::base::resp;
use crate::cross::admin::{self as srv, ServerOp, ServerPlan};
use crate::cross::Plan;

const NO_FILE: &[u8] = b"ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.";

/// Parses an ACL file's text into users (the default user as it is when
/// the file does not name it); Redis's error text on failure.
pub fn parse(path: &str, text: &str, pubsub_all: bool) -> Result<Vec<User>, String> {
    let mut errors = String::new();
    let mut users: Vec<User> = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        let n = i + 1;
        let line = line.trim_matches(|c| " \t\r\n".contains(c));
        if line.is_empty() {
            continue;
        }
        let argv: Vec<&str> = line.split(' ').filter(|w| !w.is_empty()).collect();
        if argv.first() != Some(&"user") || argv.len() < 2 {
            errors.push_str(&format!(
                "{path}:{n} should start with user keyword followed by the username. "
            ));
            continue;
        }
        let name = argv[1];
        if name.bytes().any(|c| c.is_ascii_whitespace() || c == 0) {
            errors.push_str(&format!(
                "'{path}:{n}: username '{name}' contains invalid characters. "
            ));
            continue;
        }
        if users.iter().any(|u| u.name == name.as_bytes()) {
            errors.push_str(&format!(
                "WARNING: Duplicate user '{name}' found on line {n}. "
            ));
            continue;
        }
        let mut u = User::new(name.as_bytes(), pubsub_all);
        let rules: Vec<&[u8]> = argv[2..].iter().map(|r| r.as_bytes()).collect();
        let Ok(merged) = merge_selectors(&rules) else {
            errors.push_str(&format!(
                "{path}:{n}: Unmatched parenthesis in selector definition."
            ));
            continue;
        };
        let mut syntax = false;
        for r in &merged {
            if let Err(e) = u.apply(r, pubsub_all) {
                if e == crate::acl::user::RuleError::Unknown {
                    errors.push_str(&format!(
                        "{path}:{n}: Error in applying operation '{}': {}. ",
                        String::from_utf8_lossy(r),
                        e.message()
                    ));
                } else if !syntax {
                    errors.push_str(&format!("{path}:{n}: {}. ", e.message()));
                    syntax = true;
                }
            }
        }
        users.push(u);
    }
    if errors.is_empty() {
        Ok(users)
    } else {
        errors.push_str(
            "WARNING: ACL errors detected, no change to the previously active ACL rules was performed",
        );
        Err(errors)
    }
}

/// ACL LOAD: replaces every user by the file's; the connections of the
/// users it replaced (not the default user's) are closed on every shard.
pub fn plan_load(cx: &mut ServerCx<'_, '_>) -> Planned<Plan> {
    let shared = &cx.shard.server.shared;
    let path = shared.config.get("aclfile").unwrap_or_default();
    let reply = |out: Vec<u8>| crate::cross::planned(Plan::Server(ServerPlan::Reply(out)));
    let mut out = Vec::new();
    if path.is_empty() {
        resp::error(&mut out, NO_FILE);
        return reply(out);
    }
    let acl = shared.config.live().acl.clone();
    let all = acl.pubsub_all.load(std::sync::atomic::Ordering::Relaxed);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            let m = format!(
                "ERR Error loading ACLs, opening file '{path}': {}",
                os_text(&e)
            );
            resp::error(&mut out, m.as_bytes());
            return reply(out);
        }
    };
    let users = match parse(&path, &text, all) {
        Ok(u) => u,
        Err(e) => {
            crate::base::error::write_sanitized(&mut out, format!("ERR {e}").as_bytes());
            return reply(out);
        }
    };
    let gone = acl
        .modify(|t| Ok::<_, ()>(replace(t, users)))
        .unwrap_or_default();
    resp::ok(&mut out);
    if gone.is_empty() {
        return reply(out);
    }
    let words: Vec<Vec<u8>> = gone.iter().map(|i| i.to_string().into_bytes()).collect();
    let refs: Vec<&[u8]> = words.iter().map(Vec::as_slice).collect();
    srv::broadcast(
        ServerOp::AclKill,
        &refs,
        cx.router.nshards(),
        cx.parts,
        ServerPlan::Reply(out),
    )
}

/// Puts `users` in place of every user; the ids of those removed (the
/// default user keeps its id, and its rules unless the file names it).
pub fn replace(t: &mut Users, users: Vec<User>) -> Vec<usize> {
    let names: Vec<Vec<u8>> = t.iter().map(|(_, u)| u.name.clone()).collect();
    let mut gone = Vec::new();
    for n in names {
        if n != b"default" {
            gone.extend(t.remove(&n));
        }
    }
    if !users.iter().any(|u| u.name == b"default") {
        t.put(User::default_user());
    }
    for u in users {
        t.put(u);
    }
    gone
}

fn os_text(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// The file's text for the current users.
pub fn text(users: &Users) -> Vec<u8> {
    let mut out = Vec::new();
    for (_, u) in users.iter() {
        out.extend_from_slice(b"user ");
        out.extend_from_slice(&u.name);
        out.push(b' ');
        out.extend_from_slice(&describe::user(u));
        out.push(b'\n');
    }
    out
}

/// ACL SAVE
pub fn save(c: &mut Local<'_>) -> Flow {
    let shared = &c.shard.server.shared;
    let path = shared.config.get("aclfile").unwrap_or_default();
    if path.is_empty() {
        resp::error(c.out, NO_FILE);
        return Flow::Continue;
    }
    let body = text(&shared.config.live().acl.users());
    let tmp = format!("{path}.tmp-{}", std::process::id());
    let ok = std::fs::write(&tmp, &body).is_ok() && std::fs::rename(&tmp, &path).is_ok();
    if ok {
        resp::ok(c.out);
    } else {
        let _ = std::fs::remove_file(&tmp);
        resp::error(
            c.out,
            b"ERR There was an error trying to save the ACLs. Please check the server logs for more information",
        );
    }
    Flow::Continue
}
