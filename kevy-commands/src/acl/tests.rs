//! Unit tests of `acl`.
use super::check::{check, Denied, Request};
use super::describe;
use super::user::{merge_selectors, split_args, RuleError, User};
use crate::family::spec::key_flags as kf;

fn setup() {
    crate::Redis::new();
}

fn user(rules: &[&str]) -> User {
    setup();
    let mut u = User::new(b"u", false);
    for r in rules {
        u.apply(r.as_bytes(), false).unwrap();
    }
    u
}

fn id(name: &str) -> usize {
    super::commands::lookup(name.as_bytes()).unwrap()
}

#[test]
fn key_flag_bits_match_the_table() {
    assert_eq!(super::key_flags::ACCESS, kf::ACCESS);
    assert_eq!(super::key_flags::UPDATE, kf::UPDATE);
    assert_eq!(super::key_flags::INSERT, kf::INSERT);
    assert_eq!(super::key_flags::DELETE, kf::DELETE);
    assert_eq!(super::key_flags::NOT_KEY, kf::NOT_KEY);
}

#[test]
fn rules_describe_as_redis() {
    let u = user(&["on", ">pw", "~foo*", "+get", "+set", "-@dangerous"]);
    assert_eq!(
        String::from_utf8(describe::user(&u)).unwrap(),
        "on #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 ~foo* resetchannels -@all +set +get"
            .replace("+set +get", &order(&["set", "get"]))
    );
    let d = User::default_user();
    assert_eq!(describe::user(&d), b"on nopass ~* &* +@all");
    let u = user(&["+@all", "-@dangerous", "allkeys"]);
    assert!(String::from_utf8(describe::user(&u))
        .unwrap()
        .ends_with("~* resetchannels +@all -@dangerous"));
}

/// `+a +b` in table order (the order single commands are described in).
fn order(names: &[&str]) -> String {
    let mut ids: Vec<(usize, &str)> = names.iter().map(|n| (id(n), *n)).collect();
    ids.sort();
    ids.iter()
        .map(|(_, n)| format!("+{n}"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn rule_errors() {
    setup();
    let mut u = User::new(b"u", false);
    assert_eq!(u.apply(b"+nosuch", false), Err(RuleError::Unknown));
    assert_eq!(u.apply(b"+@nosuch", false), Err(RuleError::Unknown));
    assert_eq!(u.apply(b"bogus", false), Err(RuleError::Syntax));
    assert_eq!(u.apply(b"<nope", false), Err(RuleError::NoSuchPassword));
    assert_eq!(u.apply(b"#abc", false), Err(RuleError::BadHash));
    assert_eq!(
        u.apply(b"+config|get|x", false),
        Err(RuleError::SubcommandFirstArg)
    );
    assert_eq!(u.apply(b"+config|", false), Err(RuleError::Syntax));
    assert_eq!(u.apply(b"%X~x", false), Err(RuleError::Syntax));
    u.apply(b"allkeys", false).unwrap();
    assert_eq!(u.apply(b"~x", false), Err(RuleError::KeysAfterAll));
    u.apply(b"&*", false).unwrap();
    assert_eq!(u.apply(b"&x", false), Err(RuleError::ChannelsAfterAll));
}

#[test]
fn selectors_merge_and_split() {
    let w: Vec<&[u8]> = vec![b"on", b"(~a", b"+get)", b"(+set ~b)"];
    assert_eq!(
        merge_selectors(&w).unwrap(),
        vec![b"on".to_vec(), b"(~a +get)".to_vec(), b"(+set ~b)".to_vec()]
    );
    let w: Vec<&[u8]> = vec![b"on", b"(~a", b"+get"];
    assert_eq!(merge_selectors(&w), Err(1));
    assert_eq!(
        split_args(b" ~a  '+get' \"x y\"").unwrap(),
        vec![b"~a".to_vec(), b"+get".to_vec(), b"x y".to_vec()]
    );
    assert!(split_args(b"'open").is_none());
}

#[test]
fn checks_commands_keys_and_channels() {
    let u = user(&[
        "+get", "+set", "%R~r*", "%W~w*", "~rw*", "&news.*", "+publish",
    ]);
    let get = id("get");
    let set = id("set");
    let req = |id: usize, args: &[&[u8]], keys: &[(usize, u32)], ch: &[(usize, bool)]| {
        let args: Vec<&[u8]> = args.to_vec();
        let keys = keys.to_vec();
        let ch = ch.to_vec();
        check(
            &u,
            &Request {
                id,
                args: &args,
                keys: Some(&keys),
                channels: &ch,
            },
        )
    };
    let read = kf::RO | kf::ACCESS;
    let write = kf::OW | kf::UPDATE;
    assert_eq!(req(get, &[b"get", b"r1"], &[(1, read)], &[]), Ok(()));
    assert_eq!(
        req(get, &[b"get", b"w1"], &[(1, read)], &[]),
        Err(Denied::Key(1))
    );
    assert_eq!(req(set, &[b"set", b"w1", b"v"], &[(1, write)], &[]), Ok(()));
    assert_eq!(
        req(set, &[b"set", b"r1", b"v"], &[(1, write)], &[]),
        Err(Denied::Key(1))
    );
    assert_eq!(
        req(set, &[b"set", b"rw1", b"v"], &[(1, write)], &[]),
        Ok(())
    );
    assert_eq!(
        req(id("del"), &[b"del", b"rw"], &[], &[]),
        Err(Denied::Command)
    );
    let publish = id("publish");
    assert_eq!(
        req(publish, &[b"publish", b"news.a", b"m"], &[], &[(1, false)]),
        Ok(())
    );
    assert_eq!(
        req(publish, &[b"publish", b"other", b"m"], &[], &[(1, false)]),
        Err(Denied::Channel(1))
    );
}

#[test]
fn passwords() {
    let mut u = user(&[">a", ">b"]);
    assert!(u.password_ok(b"a") && u.password_ok(b"b") && !u.password_ok(b"c"));
    u.apply(b"<a", false).unwrap();
    assert!(!u.password_ok(b"a"));
    u.apply(b"nopass", false).unwrap();
    assert!(u.password_ok(b"anything") && u.passwords.is_empty());
    u.apply(b"resetpass", false).unwrap();
    assert!(!u.password_ok(b"anything"));
}

#[test]
fn store_versions_and_ids() {
    setup();
    let acl = super::Acl::default();
    assert!(acl.open() && acl.auth_free());
    let v = acl.version();
    acl.set_requirepass("secret");
    assert!(acl.version() > v && acl.open() && !acl.auth_free());
    assert_eq!(acl.authenticate(b"default", b"secret"), Some(0));
    assert_eq!(acl.authenticate(b"default", b"nope"), None);
    let a = acl
        .modify(|u| u.set_user(b"a", &[b"on".to_vec(), b"nopass".to_vec()], false))
        .unwrap();
    acl.modify(|u| Ok::<_, ()>(u.remove(b"a"))).unwrap();
    let b = acl
        .modify(|u| u.set_user(b"a", &[b"on".to_vec()], false))
        .unwrap();
    assert_ne!(a, b, "a deleted user's id is never reused");
    let mut cache = super::Cache::default();
    assert!(cache.get(&acl).get(a).is_none());
    acl.modify(|u| u.set_user(b"default", &[b"-get".to_vec()], false))
        .unwrap();
    assert!(!acl.open());
}

#[test]
fn protected_mode_refuses_remote_clients_without_a_password() {
    setup();
    let acl = super::Acl::default();
    let remote: std::net::SocketAddr = "10.1.2.3:5000".parse().unwrap();
    let local4: std::net::SocketAddr = "127.0.0.1:5000".parse().unwrap();
    let local6: std::net::SocketAddr = "[::1]:5000".parse().unwrap();
    let other_loop: std::net::SocketAddr = "127.0.0.2:5000".parse().unwrap();
    assert!(acl.refuses(Some(remote)));
    assert!(
        acl.refuses(Some(other_loop)),
        "only 127.0.0.1 and ::1 are local"
    );
    assert!(!acl.refuses(Some(local4)) && !acl.refuses(Some(local6)) && !acl.refuses(None));
    acl.set_requirepass("pw");
    assert!(!acl.refuses(Some(remote)), "a password lifts it");
    acl.set_requirepass("");
    acl.set_protected(false);
    assert!(!acl.refuses(Some(remote)), "protected-mode no lifts it");
}

#[test]
fn revoked_channels_only_when_a_pattern_was_lost() {
    use super::check::{revoked_channels, subscriptions_ok};
    let old = user(&["resetchannels", "&a*", "&b"]);
    // A superset, or every channel: nobody to check.
    assert_eq!(
        revoked_channels(&user(&["resetchannels", "&b", "&a*", "&c"]), &old),
        None
    );
    assert_eq!(revoked_channels(&user(&["allchannels"]), &old), None);
    // `b` lost, even though a selector added another channel.
    assert_eq!(
        revoked_channels(&user(&["resetchannels", "&a*", "(~x &zz)"]), &old),
        Some(vec![b"a*".to_vec(), b"zz".to_vec()])
    );
    // From every channel to some: check against the new list.
    let all = user(&["allchannels"]);
    assert_eq!(
        revoked_channels(&user(&["resetchannels", "&n*"]), &all),
        Some(vec![b"n*".to_vec()])
    );
    assert_eq!(
        revoked_channels(&user(&["resetchannels"]), &all),
        Some(vec![])
    );
    // Channels match the patterns; patterns must be listed literally.
    let allowed = [b"n*".to_vec()];
    let ch = |v: &[&'static str]| v.iter().map(|s| s.as_bytes()).collect::<Vec<_>>();
    assert!(subscriptions_ok(&allowed, ch(&["news", "n"]), ch(&["n*"])));
    assert!(!subscriptions_ok(&allowed, ch(&["other"]), ch(&[])));
    assert!(!subscriptions_ok(&allowed, ch(&[]), ch(&["ne*"])));
    assert!(subscriptions_ok(&[], ch(&[]), ch(&[])));
}
