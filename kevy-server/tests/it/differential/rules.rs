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
    /// Stream replies holding clock readings (idle and delivery times,
    /// seen times, automatic IDs): line by line equal, except integers that
    /// are both Unix milliseconds within a minute of each other, idle times
    /// (after `idle`, or after the consumer in an XPENDING row) under 5
    /// seconds apart by at most 1 second, and IDs whose milliseconds are
    /// both such clock readings (with their bulk lengths).
    Clock,
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
    ("XADD", Rule::Clock),
    ("XPENDING", Rule::Clock),
    ("XINFO", Rule::Clock),
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
        Rule::Clock => clocks_agree(cmd, redis, kevy),
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

/// Unix milliseconds after 2001: a clock reading.
const EPOCH_MS: i64 = 1_000_000_000_000;

/// Two integers from clocks: both Unix milliseconds within a minute, or
/// (`idle`) both small durations within a second.
fn ms_agree(a: i64, b: i64, idle: bool) -> bool {
    if a >= EPOCH_MS && b >= EPOCH_MS {
        return a.abs_diff(b) <= 60_000;
    }
    idle && (0..5_000).contains(&a) && (0..5_000).contains(&b) && a.abs_diff(b) <= 1_000
}

/// The milliseconds of a `ms-seq` ID at or after [`EPOCH_MS`] and its sequence.
fn clock_id(line: &[u8]) -> Option<(i64, &[u8])> {
    let s = std::str::from_utf8(line).ok()?;
    let (ms, seq) = s.split_once('-')?;
    let ms: i64 = ms.parse().ok()?;
    seq.parse::<u64>().ok()?;
    (ms >= EPOCH_MS).then_some((ms, seq.as_bytes()))
}

/// [`Rule::Clock`]: line by line.
fn clocks_agree(cmd: &[&str], redis: &[u8], kevy: &[u8]) -> bool {
    let xpending = cmd
        .first()
        .is_some_and(|c| c.eq_ignore_ascii_case("xpending"));
    let a: Vec<&[u8]> = redis.split(|&c| c == b'\n').collect();
    let b: Vec<&[u8]> = kevy.split(|&c| c == b'\n').collect();
    if a.len() != b.len() {
        return false;
    }
    let line_ok = |i: usize| {
        let (x, y) = (a[i], b[i]);
        if x == y {
            return true;
        }
        let num = |l: &[u8]| {
            std::str::from_utf8(&l[1..])
                .ok()?
                .trim_end()
                .parse::<i64>()
                .ok()
        };
        match (x.first(), y.first()) {
            (Some(b':'), Some(b':')) => {
                let prev = if i > 0 { a[i - 1] } else { b"" };
                let idle = prev == b"idle\r"
                    || (xpending && !prev.starts_with(b":") && !prev.starts_with(b"*"));
                matches!((num(x), num(y)), (Some(p), Some(q)) if ms_agree(p, q, idle))
            }
            (Some(b'$'), Some(b'$')) => {
                let next = |l: &Vec<&[u8]>| {
                    l.get(i + 1)
                        .is_some_and(|n| clock_id(n.strip_suffix(b"\r").unwrap_or(n)).is_some())
                };
                next(&a) && next(&b)
            }
            _ => {
                let strip = |l: &[u8]| l.strip_suffix(b"\r").unwrap_or(l).to_vec();
                match (clock_id(&strip(x)), clock_id(&strip(y))) {
                    (Some((p, _)), Some((q, _))) => ms_agree(p, q, false),
                    _ => false,
                }
            }
        }
    };
    (0..a.len()).all(line_ok)
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
