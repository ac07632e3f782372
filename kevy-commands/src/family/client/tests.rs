//! CLIENT on the three-shard harness (whose connections have no sockets:
//! LIST and KILL see none), with replies recorded from redis-server 7.0.15.

use kevy_rt::Flow;

use super::*;
use crate::family::opts::valid_name;
use crate::testutil::{check, check_pipelined, harness, inline, run};

#[test]
fn id_and_names() {
    let mut h = inline();
    check(
        &mut h,
        &[
            ("CLIENT ID", ":1\r\n"),
            ("CLIENT GETNAME", "$-1\r\n"),
            (
                "CLIENT SETNAME \"a b\"",
                "-ERR Client names cannot contain spaces, newlines or special characters.\r\n",
            ),
            ("CLIENT SETNAME conn-1", "+OK\r\n"),
            ("CLIENT GETNAME", "$6\r\nconn-1\r\n"),
            (
                "CLIENT SETNAME",
                "-ERR wrong number of arguments for 'client|setname' command\r\n",
            ),
            (
                "CLIENT ID x",
                "-ERR wrong number of arguments for 'client|id' command\r\n",
            ),
            (
                "CLIENT FOO",
                "-ERR unknown subcommand 'FOO'. Try CLIENT HELP.\r\n",
            ),
            (
                "CLIENT",
                "-ERR wrong number of arguments for 'client' command\r\n",
            ),
        ],
    );
    // The name is registered for other shards, and leaves with the session.
    let names = h.shard(0).server.shared.names.clone();
    assert_eq!(names.get(1).as_deref(), Some(&b"conn-1"[..]));
    check(
        &mut h,
        &[
            ("CLIENT SETNAME \"\"", "+OK\r\n"),
            ("CLIENT GETNAME", "$-1\r\n"),
        ],
    );
    assert!(names.get(1).is_none());
    assert!(!valid_name(b"caf\xc3\xa9") && valid_name(b"") && valid_name(b"a~!"));
}

#[test]
fn info_line_has_redis_fields_in_order() {
    let mut h = harness();
    run(&mut h, &["SELECT", "2"]);
    run(&mut h, &["CLIENT", "NO-EVICT", "on"]);
    let reply = run(&mut h, &["CLIENT", "INFO"]);
    let text = String::from_utf8_lossy(&reply);
    let body = text.split("\r\n").nth(1).unwrap_or_default();
    assert!(body.ends_with('\n'));
    let fields: Vec<(&str, &str)> = body
        .trim_end()
        .split(' ')
        .map(|kv| kv.split_once('=').unwrap_or((kv, "")))
        .collect();
    let names: Vec<&str> = fields.iter().map(|f| f.0).collect();
    assert_eq!(
        names,
        [
            "id",
            "addr",
            "laddr",
            "fd",
            "name",
            "age",
            "idle",
            "flags",
            "db",
            "sub",
            "psub",
            "ssub",
            "multi",
            "qbuf",
            "qbuf-free",
            "argv-mem",
            "multi-mem",
            "rbs",
            "rbp",
            "obl",
            "oll",
            "omem",
            "tot-mem",
            "events",
            "cmd",
            "user",
            "redir",
            "resp"
        ]
    );
    let get = |k: &str| fields.iter().find(|f| f.0 == k).map(|f| f.1);
    assert_eq!(get("id"), Some("1"));
    assert_eq!(get("db"), Some("2"));
    assert_eq!(get("flags"), Some("e"));
    assert_eq!(get("cmd"), Some("client|info"));
    assert_eq!(get("argv-mem"), Some("10"));
    assert_eq!(get("multi"), Some("-1"));
    check(
        &mut h,
        &[
            ("CLIENT NO-EVICT maybe", "-ERR syntax error\r\n"),
            ("CLIENT NO-EVICT OFF", "+OK\r\n"),
        ],
    );
}

#[test]
fn list_and_kill_check_their_arguments() {
    let mut h = inline();
    check(
        &mut h,
        &[
            // The harness's connections have no sockets: nothing to list.
            ("CLIENT LIST", "$0\r\n\r\n"),
            ("CLIENT LIST TYPE normal", "$0\r\n\r\n"),
            ("CLIENT LIST TYPE pubsub", "$0\r\n\r\n"),
            ("CLIENT LIST TYPE x", "-ERR Unknown client type 'x'\r\n"),
            ("CLIENT LIST ID 0", "$0\r\n\r\n"),
            ("CLIENT LIST ID abc", "-ERR Invalid client ID\r\n"),
            ("CLIENT LIST foo", "-ERR syntax error\r\n"),
            ("CLIENT LIST TYPE normal ID 1 2", "-ERR syntax error\r\n"),
            (
                "CLIENT KILL",
                "-ERR wrong number of arguments for 'client|kill' command\r\n",
            ),
            ("CLIENT KILL 1.2.3.4:5", "-ERR No such client\r\n"),
            ("CLIENT KILL a b c", "-ERR syntax error\r\n"),
            (
                "CLIENT KILL id abc",
                "-ERR client-id should be greater than 0\r\n",
            ),
            (
                "CLIENT KILL id 0",
                "-ERR client-id should be greater than 0\r\n",
            ),
            ("CLIENT KILL type foo", "-ERR Unknown client type 'foo'\r\n"),
            ("CLIENT KILL skipme maybe", "-ERR syntax error\r\n"),
            ("CLIENT KILL user nobody", "-ERR No such user 'nobody'\r\n"),
            ("CLIENT KILL id 9999", ":0\r\n"),
            ("CLIENT KILL skipme no id 1 laddr 1.2.3.4:5", ":0\r\n"),
            (
                "CLIENT KILL maxage x",
                "-ERR maxage is not an integer or out of range\r\n",
            ),
        ],
    );
}

#[test]
fn kill_filters_match_like_redis() {
    let f = parse_filter(
        [
            "CLIENT",
            "KILL",
            "TYPE",
            "normal",
            "SKIPME",
            "no",
            "ADDR",
            "1.2.3.4:5",
        ]
        .iter()
        .collect::<kevy_rt::OwnedArgs>()
        .args(),
    )
    .unwrap_or_default();
    assert_eq!(f.kind, Some(ClientType::Normal));
    assert!(f.kill_me && f.old.is_none());
    assert_eq!(f.addr.as_deref(), Some(&b"1.2.3.4:5"[..]));
    let old = parse_filter(
        ["CLIENT", "KILL", "1.2.3.4:5"]
            .iter()
            .collect::<kevy_rt::OwnedArgs>()
            .args(),
    )
    .unwrap_or_default();
    assert!(old.kill_me && old.old.is_some());
}

#[test]
fn pause_arguments_and_what_waits() {
    let mut h = inline();
    check(
        &mut h,
        &[
            ("CLIENT PAUSE abc", "-ERR timeout is not an integer or out of range\r\n"),
            ("CLIENT PAUSE -1", "-ERR timeout is negative\r\n"),
            ("CLIENT PAUSE 10 foo", "-ERR CLIENT PAUSE mode must be WRITE or ALL\r\n"),
            (
                "CLIENT PAUSE 10 write x",
                "-ERR unknown subcommand or wrong number of arguments for 'PAUSE'. Try CLIENT HELP.\r\n",
            ),
            ("CLIENT PAUSE 100000 write", "+OK\r\n"),
        ],
    );
    let settings = h.shard(0).server.info.as_ref().map(|i| i.settings.clone());
    let settings = settings.expect("the harness lends settings");
    assert_eq!(settings.paused(), Some(true));
    check(&mut h, &[("CLIENT UNPAUSE", "+OK\r\n")]);
    assert_eq!(settings.paused(), None);
}

#[test]
fn reply_off_skip_and_on() {
    let script = [
        ("CLIENT REPLY OFF", ""),
        ("SET k v", ""),
        ("GET k", ""),
        ("CLIENT REPLY SKIP", ""),
        ("PING", ""),
        ("CLIENT REPLY ON", "+OK\r\n"),
        ("GET k", "$1\r\nv\r\n"),
        ("CLIENT REPLY SKIP", ""),
        ("CLIENT REPLY SKIP", ""),
        ("MGET k k2", ""),
        ("MGET k k2", "*2\r\n$1\r\nv\r\n$-1\r\n"),
        ("CLIENT REPLY FOO", "-ERR syntax error\r\n"),
    ];
    // One command at a time, in process; then all in one pipeline through
    // the real reactor (which decodes and resolves ahead of each command).
    check(&mut inline(), &script);
    check_pipelined(&mut harness(), &script);
}

#[test]
fn help_lists_what_kevy_implements() {
    let mut h = inline();
    let (reply, flow) = h.run_flow(&["CLIENT", "HELP"]);
    assert_eq!(flow, Flow::Continue);
    let text = String::from_utf8_lossy(&reply);
    assert!(text.starts_with("*52\r\n+CLIENT <subcommand>"), "{text}");
    for sub in crate::table::lookup(b"client").map_or(&[][..], |s| s.subcommands) {
        let name = sub.name.trim_start_matches("client|").to_ascii_uppercase();
        assert!(
            text.contains(&format!("+{name}")),
            "{name} missing from HELP"
        );
    }
}

/// Client type names as Redis's `getClientTypeByName` reads them, and the
/// type of a plain session.
#[test]
fn client_type_names() {
    for (name, kind) in [
        ("normal", ClientType::Normal),
        ("MASTER", ClientType::Master),
        ("replica", ClientType::Replica),
        ("slave", ClientType::Replica),
        ("PubSub", ClientType::Pubsub),
    ] {
        assert_eq!(client_type(name.as_bytes()), Some(kind), "{name}");
    }
    assert_eq!(client_type(b"monitor"), None);
    let shared = crate::accounting::Shared::new();
    let mut s = Session::default();
    assert_eq!(type_of(&shared, &s), ClientType::Normal);
    s.subscribed = true;
    assert_eq!(type_of(&shared, &s), ClientType::Pubsub);
}
