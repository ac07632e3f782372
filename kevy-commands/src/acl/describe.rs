//! Users written back as rules (`ACL LIST`, `ACL GETUSER`, `ACL SAVE`),
//! as Redis 7.0's `ACLDescribeUser` does: flags, password hashes, then per
//! selector its keys, channels and the command rules that rebuild its
//! bitmap (`+@all`/`-@all`, the best-fitting categories, then single
//! commands).

use super::commands::{self, CATEGORIES};
use super::user::{KeyPattern, Selector, User, ALL, READ, WRITE};

/// One key pattern as written (`~p`, `%R~p`, `%W~p`).
pub fn key_pattern(p: &KeyPattern) -> Vec<u8> {
    let mut s = match p.flags {
        ALL => b"~".to_vec(),
        READ => b"%R~".to_vec(),
        WRITE => b"%W~".to_vec(),
        _ => b"~".to_vec(),
    };
    s.extend_from_slice(&p.pattern);
    s
}

/// The flags `ACL GETUSER` and `ACL LIST` show, in Redis's order.
pub fn flags(u: &User) -> Vec<&'static str> {
    let mut f = vec![if u.enabled { "on" } else { "off" }];
    if u.nopass {
        f.push("nopass");
    }
    match u.sanitize {
        Some(true) => f.push("skip-sanitize-payload"),
        Some(false) => f.push("sanitize-payload"),
        None => {}
    }
    f
}

fn count(s: &Selector, cat: u32) -> (usize, usize) {
    let (mut on, mut off) = (0, 0);
    for (id, c) in commands::all().iter().enumerate() {
        if c.cats & cat != 0 {
            if s.bit(id) {
                on += 1;
            } else {
                off += 1;
            }
        }
    }
    (on, off)
}

/// The command rules that rebuild the selector's bitmap
/// (`ACLDescribeSelectorCommandRules`).
pub fn command_rules(s: &Selector) -> String {
    let mut rules = String::new();
    let mut fake = Selector::new(false);
    let additive = !s.future;
    if additive {
        rules.push_str("-@all ");
        let _ = fake.apply(b"-@all");
    } else {
        rules.push_str("+@all ");
        let _ = fake.apply(b"+@all");
    }
    let mut temp = Selector::new(false);
    temp.bits = s.bits.clone();
    let mut applied = [false; CATEGORIES.len()];
    loop {
        let mut best = None;
        let (mut mindiff, mut maxsame) = (usize::MAX, 0);
        for (j, _) in CATEGORIES.iter().enumerate() {
            if applied[j] {
                continue;
            }
            let (on, off) = count(&temp, 1 << j);
            let (diff, same) = if additive { (off, on) } else { (on, off) };
            if same > diff && (diff < mindiff || (diff == mindiff && same > maxsame)) {
                best = Some(j);
                mindiff = diff;
                maxsame = same;
            }
        }
        let Some(j) = best else { break };
        let cat = 1u32 << j;
        fake.change_category(cat, additive);
        temp.change_category(cat, !additive);
        rules.push_str(if additive { "+@" } else { "-@" });
        rules.push_str(CATEGORIES[j]);
        rules.push(' ');
        applied[j] = true;
    }
    // Single commands, parents before their subcommands.
    for (id, c) in commands::all().iter().enumerate() {
        if c.parent.is_some() {
            continue;
        }
        single(s, &mut fake, id, &mut rules);
        for &sub in &c.subs {
            single(s, &mut fake, sub, &mut rules);
        }
        if !s.bit(id) {
            if let Some(args) = s.firstargs_of(id) {
                for a in args {
                    rules.push('+');
                    rules.push_str(c.name);
                    rules.push('|');
                    rules.push_str(&String::from_utf8_lossy(a));
                    rules.push(' ');
                }
            }
        }
    }
    rules.pop();
    rules
}

fn single(s: &Selector, fake: &mut Selector, id: usize, rules: &mut String) {
    let user = s.bit(id);
    if user != fake.bit(id) {
        rules.push(if user { '+' } else { '-' });
        rules.push_str(commands::get(id).map_or("", |c| c.name));
        rules.push(' ');
        fake.change(id, user);
    }
}

/// The keys part of `ACL GETUSER` (`~*` or the patterns, space-separated).
pub fn keys(s: &Selector) -> Vec<u8> {
    if s.all_keys {
        return b"~*".to_vec();
    }
    let parts: Vec<Vec<u8>> = s.patterns.iter().map(key_pattern).collect();
    parts.join(&b' ')
}

/// The channels part of `ACL GETUSER`.
pub fn channels(s: &Selector) -> Vec<u8> {
    if s.all_channels {
        return b"&*".to_vec();
    }
    let parts: Vec<Vec<u8>> = s
        .channels
        .iter()
        .map(|c| [b"&".as_slice(), c].concat())
        .collect();
    parts.join(&b' ')
}

/// One selector as rules (`ACLDescribeSelector`).
pub fn selector(s: &Selector) -> Vec<u8> {
    let mut res = Vec::new();
    if s.all_keys {
        res.extend_from_slice(b"~* ");
    } else {
        for p in &s.patterns {
            res.extend_from_slice(&key_pattern(p));
            res.push(b' ');
        }
    }
    if s.all_channels {
        res.extend_from_slice(b"&* ");
    } else {
        res.extend_from_slice(b"resetchannels ");
        for c in &s.channels {
            res.push(b'&');
            res.extend_from_slice(c);
            res.push(b' ');
        }
    }
    res.extend_from_slice(command_rules(s).as_bytes());
    res
}

/// The whole user as rules, without its name (`ACLDescribeUser`).
pub fn user(u: &User) -> Vec<u8> {
    let mut res = Vec::new();
    for f in flags(u) {
        res.extend_from_slice(f.as_bytes());
        res.push(b' ');
    }
    for p in &u.passwords {
        res.push(b'#');
        res.extend_from_slice(p.as_bytes());
        res.push(b' ');
    }
    for (i, s) in u.selectors.iter().enumerate() {
        if i == 0 {
            res.extend_from_slice(&selector(s));
        } else {
            res.extend_from_slice(b" (");
            res.extend_from_slice(&selector(s));
            res.push(b')');
        }
    }
    res
}
