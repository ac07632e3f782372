//! How the differential suite compares two replies to one command: exactly,
//! or under the [`Rule`] that [`RULES`] names for commands whose reply Redis
//! does not fix byte for byte (see the suite's doc).

use crate::util::{array_items, bulk_body, integer};

/// How two replies to one command are compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Byte for byte.
    Exact,
    /// Arrays whose order Redis leaves undefined: equal once the elements are sorted.
    Unordered,
    /// A remaining time to live: equal, or both positive and within 1% (+1 for
    /// rounding to seconds) of each other. Sequences use large TTLs, so the few
    /// milliseconds between the two servers' replies are far inside that range, and
    /// any unit or offset mistake far outside it.
    Ttl,
    /// An absolute Unix time in seconds (or milliseconds with `true`): equal, or
    /// both in the future and, as times to live from now, agreeing like [`Rule::Ttl`].
    UnixTime(bool),
    /// Both integers, of any value.
    AnyInteger,
    /// Arrays of `field, value` pairs in no defined order: equal once the pairs are
    /// sorted.
    UnorderedPairs,
    /// A SCAN reply (`[cursor, [elements]]`): the same cursor, and the elements equal
    /// once sorted (as pairs with `true`).
    Scan(bool),
    /// Random picks: both errors and equal, or the same kind of reply and, for
    /// arrays, the same length.
    Random,
    /// HELLO's map: equal but for the value of `id` (each server numbers its
    /// own connections).
    Hello,
    /// ACL LOG's entries: equal but for `age-seconds` (timing) and
    /// `client-info` (each server's connection line), whose `user=` must
    /// still agree.
    AclLog,
}

/// Commands whose replies are not compared exactly, by name (upper case), or by
/// `"NAME SUBCOMMAND"`.
pub const RULES: &[(&str, Rule)] = &[
    ("KEYS", Rule::Unordered),
    ("TTL", Rule::Ttl),
    ("PTTL", Rule::Ttl),
    ("EXPIRETIME", Rule::UnixTime(false)),
    ("PEXPIRETIME", Rule::UnixTime(true)),
    ("COMMAND COUNT", Rule::AnyInteger),
    ("SMEMBERS", Rule::Unordered),
    ("SINTER", Rule::Unordered),
    ("SUNION", Rule::Unordered),
    ("SDIFF", Rule::Unordered),
    ("HKEYS", Rule::Unordered),
    ("HVALS", Rule::Unordered),
    ("HGETALL", Rule::UnorderedPairs),
    ("CONFIG GET", Rule::UnorderedPairs),
    ("SSCAN", Rule::Scan(false)),
    ("HSCAN", Rule::Scan(true)),
    ("ZSCAN", Rule::Scan(true)),
    ("SPOP", Rule::Random),
    ("SRANDMEMBER", Rule::Random),
    ("HRANDFIELD", Rule::Random),
    ("SCAN", Rule::Scan(false)),
    ("RANDOMKEY", Rule::Random),
    ("OBJECT IDLETIME", Rule::AnyInteger),
    ("HELLO", Rule::Hello),
    ("ACL LOG", Rule::AclLog),
];

fn rule_for(cmd: &[&str]) -> Rule {
    let name = cmd
        .first()
        .map(|s| s.to_ascii_uppercase())
        .unwrap_or_default();
    let full = match cmd.get(1) {
        Some(sub) => format!("{name} {}", sub.to_ascii_uppercase()),
        None => name.clone(),
    };
    RULES
        .iter()
        .find(|(n, _)| *n == full)
        .or_else(|| RULES.iter().find(|(n, _)| *n == name))
        .map_or(Rule::Exact, |&(_, r)| r)
}

/// Whether two replies to `cmd` agree under its [`Rule`].
pub fn agree(cmd: &[&str], redis: &[u8], kevy: &[u8]) -> bool {
    if redis == kevy {
        return true;
    }
    // Sorting elements never makes a RESP3 set agree with an array, or a map
    // with a flat array of pairs.
    if redis.first() != kevy.first() {
        return false;
    }
    match rule_for(cmd) {
        Rule::Exact => false,
        Rule::Hello => match (array_items(redis), array_items(kevy)) {
            (Some(a), Some(b)) if a.len() == b.len() => a
                .chunks(2)
                .zip(b.chunks(2))
                .all(|(x, y)| x[0] == y[0] && (x[0] == b"$2\r\nid\r\n" || x == y)),
            _ => false,
        },
        Rule::AclLog => match (array_items(redis), array_items(kevy)) {
            (Some(a), Some(b)) if a.len() == b.len() => {
                a.iter()
                    .zip(&b)
                    .all(|(x, y)| match (array_items(x), array_items(y)) {
                        (Some(x), Some(y)) if x.len() == 14 && y.len() == 14 => {
                            let user = |v: &[u8]| {
                                let t = String::from_utf8_lossy(bulk_body(v).unwrap_or_default())
                                    .into_owned();
                                t.split(' ')
                                    .find(|f| f.starts_with("user="))
                                    .map(str::to_owned)
                            };
                            (0..14).all(|i| i == 11 || i == 13 || x[i] == y[i])
                                && user(x[13]) == user(y[13])
                        }
                        _ => false,
                    })
            }
            _ => false,
        },
        Rule::Unordered => match (array_items(redis), array_items(kevy)) {
            (Some(mut a), Some(mut b)) => {
                a.sort_unstable();
                b.sort_unstable();
                a == b
            }
            _ => false,
        },
        Rule::Ttl => match (integer(redis), integer(kevy)) {
            (Some(a), Some(b)) => ttls_agree(a, b),
            _ => false,
        },
        Rule::UnixTime(millis) => match (integer(redis), integer(kevy)) {
            (Some(a), Some(b)) => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .expect("the clock is after 1970");
                let now = if millis {
                    now.as_millis()
                } else {
                    now.as_secs() as u128
                } as i64;
                ttls_agree(a - now, b - now)
            }
            _ => false,
        },
        Rule::AnyInteger => integer(redis).is_some() && integer(kevy).is_some(),
        Rule::UnorderedPairs => match (array_items(redis), array_items(kevy)) {
            (Some(a), Some(b)) => sorted_pairs(&a) == sorted_pairs(&b),
            _ => false,
        },
        Rule::Scan(pairs) => match (array_items(redis), array_items(kevy)) {
            (Some(a), Some(b)) if a.len() == 2 && b.len() == 2 => {
                let (ea, eb) = (array_items(a[1]), array_items(b[1]));
                a[0] == b[0]
                    && match (ea, eb) {
                        (Some(mut x), Some(mut y)) if !pairs => {
                            x.sort_unstable();
                            y.sort_unstable();
                            x == y
                        }
                        (Some(x), Some(y)) => sorted_pairs(&x) == sorted_pairs(&y),
                        _ => false,
                    }
            }
            _ => false,
        },
        Rule::Random => match (redis.first(), kevy.first()) {
            (Some(b'*' | b'~' | b'%'), _) => match (array_items(redis), array_items(kevy)) {
                (Some(a), Some(b)) => {
                    a.len() == b.len() && a.iter().zip(&b).all(|(x, y)| x.first() == y.first())
                }
                (None, None) => true,
                _ => false,
            },
            (Some(b'$'), _) => bulk_body(redis).is_some() == bulk_body(kevy).is_some(),
            _ => false,
        },
    }
}

/// The `field, value` pairs of an array's items, sorted.
fn sorted_pairs<'a>(items: &[&'a [u8]]) -> Option<Vec<(&'a [u8], &'a [u8])>> {
    if !items.len().is_multiple_of(2) {
        return None;
    }
    let mut pairs: Vec<_> = items.chunks(2).map(|p| (p[0], p[1])).collect();
    pairs.sort_unstable();
    Some(pairs)
}

/// Two times to live agree: both positive and within 1% (+1) of each other.
fn ttls_agree(a: i64, b: i64) -> bool {
    a > 0 && b > 0 && a.abs_diff(b) <= a.max(b) as u64 / 100 + 1
}

#[test]
fn rules_tolerate_only_clock_drift_and_order() {
    assert!(agree(&["TTL", "a"], b":100000\r\n", b":99999\r\n"));
    assert!(!agree(&["TTL", "a"], b":100000\r\n", b":100000000\r\n"));
    assert!(!agree(&["TTL", "a"], b":-1\r\n", b":-2\r\n"));
    assert!(!agree(&["PTTL", "a"], b":5\r\n", b"$1\r\n5\r\n"));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let (a, b) = (
        format!(":{}\r\n", now + 100_000),
        format!(":{}\r\n", now + 99_999),
    );
    assert!(agree(&["EXPIRETIME", "a"], a.as_bytes(), b.as_bytes()));
    let c = format!(":{}\r\n", now + 1000);
    assert!(!agree(&["EXPIRETIME", "a"], a.as_bytes(), c.as_bytes()));
    assert!(agree(
        &["KEYS", "*"],
        b"*2\r\n$1\r\na\r\n$1\r\nb\r\n",
        b"*2\r\n$1\r\nb\r\n$1\r\na\r\n"
    ));
    assert!(!agree(
        &["MGET", "a", "b"],
        b"*2\r\n$1\r\na\r\n$1\r\nb\r\n",
        b"*2\r\n$1\r\nb\r\n$1\r\na\r\n"
    ));
    assert!(agree(&["command", "count"], b":240\r\n", b":57\r\n"));
    assert!(agree(
        &["HGETALL", "h"],
        b"*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n",
        b"*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\n1\r\n"
    ));
    assert!(!agree(
        &["HGETALL", "h"],
        b"*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n",
        b"*4\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nb\r\n$1\r\n1\r\n"
    ));
    assert!(agree(
        &["SSCAN", "s", "0"],
        b"*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n",
        b"*2\r\n$1\r\n0\r\n*2\r\n$1\r\nb\r\n$1\r\na\r\n"
    ));
    assert!(!agree(
        &["SSCAN", "s", "0"],
        b"*2\r\n$1\r\n0\r\n*1\r\n$1\r\na\r\n",
        b"*2\r\n$1\r\n5\r\n*1\r\n$1\r\na\r\n"
    ));
    assert!(agree(&["SPOP", "s"], b"$1\r\na\r\n", b"$1\r\nb\r\n"));
    assert!(!agree(&["SPOP", "s"], b"$1\r\na\r\n", b"$-1\r\n"));
    assert!(!agree(
        &["SRANDMEMBER", "s", "-2"],
        b"*2\r\n$1\r\na\r\n$1\r\na\r\n",
        b"*1\r\n$1\r\na\r\n"
    ));
    assert!(!agree(
        &["SRANDMEMBER", "s", "x"],
        b"-ERR x\r\n",
        b"-ERR y\r\n"
    ));
    assert!(!agree(&["COMMAND", "COUNT"], b":240\r\n", b"-ERR x\r\n"));
    // RESP3: sets and maps in hash order; their type must match.
    let (ab, ba) = (
        b"~2\r\n$1\r\na\r\n$1\r\nb\r\n",
        b"~2\r\n$1\r\nb\r\n$1\r\na\r\n",
    );
    assert!(agree(&["SMEMBERS", "s"], ab, ba));
    assert!(!agree(
        &["SMEMBERS", "s"],
        ab,
        b"*2\r\n$1\r\nb\r\n$1\r\na\r\n"
    ));
    assert!(agree(
        &["HGETALL", "h"],
        b"%2\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n,2\r\n",
        b"%2\r\n$1\r\nb\r\n,2\r\n$1\r\na\r\n$1\r\n1\r\n"
    ));
    assert!(!agree(
        &["HGETALL", "h"],
        b"%1\r\n$1\r\na\r\n$1\r\n1\r\n",
        b"*2\r\n$1\r\na\r\n$1\r\n1\r\n"
    ));
    let hello = |proto: u8, id: u32| {
        format!("%2\r\n$5\r\nproto\r\n:{proto}\r\n$2\r\nid\r\n:{id}\r\n").into_bytes()
    };
    assert!(agree(&["HELLO", "3"], &hello(3, 4), &hello(3, 12)));
    assert!(!agree(&["HELLO", "3"], &hello(3, 4), &hello(2, 4)));
}
