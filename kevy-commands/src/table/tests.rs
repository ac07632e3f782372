//! Table tests: the data is well formed, routes agree with key positions, and
//! resolution behaves like Redis's `lookupCommand` + arity check.

use kevy_rt::{Commands, OwnedArgs, Route};

use super::*;
use crate::Redis;

fn args(words: &[&str]) -> OwnedArgs {
    words.iter().collect()
}

#[test]
fn specs_are_well_formed() {
    let mut names = std::collections::HashSet::new();
    for spec in COMMANDS
        .iter()
        .flat_map(|s| std::iter::once(s).chain(s.subcommands))
    {
        assert!(names.insert(spec.name), "duplicate {}", spec.name);
        assert_eq!(spec.name, spec.name.to_ascii_lowercase());
        assert!(spec.name.len() <= MAX_VERB);
        assert!(
            docs::get(spec.name).is_some(),
            "{} has no docs: run `cargo xtask gen-docs`",
            spec.name
        );
        let keyed = spec.first_key > 0;
        match spec.run {
            // A planned command declares keys only when its plan finds them
            // (movable keys: SORT).
            // Channels declared as keys (`not_key`: SSUBSCRIBE…) route alike.
            // WATCH runs on its connection's shard and tells the keys'.
            Run::Local(_) | Run::Plan(_) | Run::Server(_) => assert!(
                !keyed
                    || spec.name == "watch"
                    || spec.flags & flags::MOVABLEKEYS != 0
                    || spec
                        .key_specs
                        .iter()
                        .all(|k| k.flags & key_flags::NOT_KEY != 0),
                "{} routes without keys",
                spec.name
            ),
            Run::Key(_) | Run::Shard(_) => {
                assert!(keyed && spec.last_key == spec.first_key, "{}", spec.name);
                assert!(
                    spec.arity < 0 || spec.arity > spec.first_key,
                    "{}",
                    spec.name
                );
            }
            // A range to the end (`last_key < 0`), or a fixed run of keys
            // (LMOVE, SMOVE: `[1, 2, 1]`) the arity always provides.
            Run::Keys(..) | Run::ShardKeys(..) => assert!(
                keyed
                    && spec.step >= 1
                    && (spec.last_key < 0
                        || (spec.last_key > spec.first_key
                            && spec.arity.unsigned_abs() as i32 > spec.last_key)),
                "{}",
                spec.name
            ),
            Run::Movable(..) => assert!(spec.flags & flags::MOVABLEKEYS != 0, "{}", spec.name),
        }
        if keyed {
            let ks = spec.key_specs.first().map(|k| k.begin);
            assert_eq!(
                ks,
                Some(BeginSearch::Index(spec.first_key)),
                "{}",
                spec.name
            );
        }
    }
    for spec in COMMANDS {
        for sub in spec.subcommands {
            assert!(sub.name.starts_with(&format!("{}|", spec.name)));
        }
    }
}

#[test]
fn lookup_is_case_insensitive_and_bounded() {
    assert_eq!(lookup(b"GeT").map(|s| s.name), Some("get"));
    assert_eq!(lookup(b"INCRBYFLOAT").map(|s| s.name), Some("incrbyfloat"));
    assert!(lookup(b"").is_none());
    assert!(lookup(&[b'g'; 100]).is_none());
    assert!(lookup(b"command|info").is_none());
    assert_eq!(
        lookup_fullname(b"Command|Info").map(|s| s.name),
        Some("command|info")
    );
    assert!(lookup_fullname(b"get|x").is_none());
    assert!(lookup_fullname(b"command|info|x").is_none());
}

#[test]
fn lookup_finds_what_a_case_insensitive_search_finds() {
    let reference = |verb: &[u8]| {
        COMMANDS
            .iter()
            .find(|s| s.name.as_bytes().eq_ignore_ascii_case(verb))
            .map(|s| s.name)
    };
    for spec in COMMANDS {
        let name = spec.name.as_bytes();
        assert_eq!(lookup(name).map(|s| s.name), Some(spec.name));
        assert_eq!(
            lookup(&name.to_ascii_uppercase()).map(|s| s.name),
            Some(spec.name)
        );
        // Each byte flipped by 0x20 (a letter's other case, or another
        // character), dropped, or doubled.
        for i in 0..name.len() {
            let mut v = name.to_vec();
            v[i] ^= 0x20;
            assert_eq!(lookup(&v).map(|s| s.name), reference(&v), "{v:?}");
            let mut v = name.to_vec();
            v.remove(i);
            assert_eq!(lookup(&v).map(|s| s.name), reference(&v), "{v:?}");
            let mut v = name.to_vec();
            v.insert(i, name[i]);
            assert_eq!(lookup(&v).map(|s| s.name), reference(&v), "{v:?}");
        }
    }
}

#[test]
fn find_checks_arity_and_subcommands() {
    let f = |w: &[&str]| find(args(w).args()).map(|s| s.name);
    assert_eq!(f(&["get", "k"]), Ok("get"));
    assert_eq!(f(&["GET"]), Err(Rejected::Error(Error::WrongArity("get"))));
    assert_eq!(f(&["nope"]), Err(Rejected::UnknownCommand));
    assert_eq!(f(&["command"]), Ok("command"));
    assert_eq!(f(&["command", "INFO"]), Ok("command|info"));
    assert_eq!(f(&["command", "nope"]), Err(Rejected::UnknownSubcommand));
    assert_eq!(
        f(&["command", "count", "x"]),
        Err(Rejected::Error(Error::WrongArity("command|count")))
    );
    assert_eq!(
        f(&["mset", "a", "1", "b"]),
        Err(Rejected::Error(Error::WrongArity("mset")))
    );
    assert_eq!(f(&["flushdb", "x"]), Err(Rejected::Error(Error::Syntax)));
}

#[test]
fn resolve_gives_routes() {
    let r = Redis::new();
    let route = |w: &[&str]| r.resolve(args(w).args()).route;
    assert_eq!(route(&["GET", "k"]), Route::Key(1));
    assert_eq!(
        route(&["MGET", "a", "b"]),
        Route::Keys {
            first: 1,
            last: -1,
            step: 1
        }
    );
    assert_eq!(
        route(&["MSET", "a", "1"]),
        Route::Keys {
            first: 1,
            last: -1,
            step: 2
        }
    );
    assert_eq!(route(&["DBSIZE"]), Route::Plan);
    assert_eq!(route(&["PING"]), Route::Local);
    assert_eq!(route(&["GET"]), Route::Local);
    assert!(std::ptr::eq(r.resolve(args(&["GET"]).args()).cmd, &REJECT));
    assert!(std::ptr::eq(
        r.resolve(args(&["FLUSHALL", "x"]).args()).cmd,
        &REJECT
    ));
}

#[test]
fn docs_cover_exactly_the_table() {
    let names: std::collections::HashSet<&str> = COMMANDS
        .iter()
        .flat_map(|s| std::iter::once(s).chain(s.subcommands))
        .map(|s| s.name)
        .collect();
    let mut n = 0;
    for (name, d) in docs::all() {
        assert!(names.contains(name), "docs of {name}, not in the table");
        assert!(!d.summary.is_empty() && !d.group.is_empty(), "{name}");
        n += 1;
    }
    assert_eq!(n, names.len(), "a command listed twice in the docs");
}

#[test]
fn the_remembered_verb_answers_only_the_same_bytes() {
    // Each call below follows a hit on a verb it differs from by case, a
    // byte or its length: none may take the remembered command.
    let name = |v: &[u8]| lookup(v).map(|s| s.name);
    assert_eq!(name(b"get"), Some("get"));
    assert_eq!(name(b"GET"), Some("get"));
    assert_eq!(name(b"gez"), None);
    assert_eq!(name(b"ge"), None);
    assert_eq!(name(b"get\0"), None);
    assert_eq!(name(b"SET"), Some("set"));
    assert_eq!(name(b"getdel"), Some("getdel"));
    assert_eq!(name(b"getdex"), None);
    assert_eq!(name(b"get"), Some("get"));
}
