//! How much a write command adds to the change counter (INFO's
//! `rdb_changes_since_last_save`, Redis's `server.dirty`), read from its
//! arguments and its reply: a write that changed nothing (SETNX on an
//! existing key, DEL of missing keys, an error) adds nothing; MSET of N
//! keys adds N, LPUSH of N elements N, DEL the keys it deleted.
//!
//! Each command's rule is looked up once per counter index; the hot path
//! (SET) costs a table load and a look at the reply's first byte
//! (callgrind, `-P 16`: 3,144 → 3,084 instructions per SET when `+OK`
//! stopped needing the argument scan and the null checks).

use std::sync::OnceLock;

use kevy_rt::Args;

use super::{flags, ids};

/// What a write command adds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rule {
    /// Not a write: nothing.
    None,
    /// 1 unless the reply is an error (a write that always changes).
    Always,
    /// The integer reply (DEL, SADD, SREM…), else 1 unless error or null.
    Int,
    /// `(argc - from) / 2` unless the reply is an error (MSET, HSET).
    Pairs(usize),
    /// Like [`Rule::Pairs`], only when the reply is `:1` (MSETNX).
    PairsIf(usize),
    /// `argc - from` unless the reply is an error (LPUSH).
    Elems(usize),
    /// Like [`Rule::Elems`], only when the integer reply is positive (LPUSHX).
    ElemsIf(usize),
    /// Counted where it runs (FLUSHDB and FLUSHALL: the keys removed).
    Elsewhere,
    /// Elements of an array reply (pops with a count), 1 for a bulk, 0 for
    /// null or error.
    Count,
    /// SET: with `GET` the reply is the old value, so whether it wrote
    /// depends on `NX`/`XX` and on that reply being null.
    Set,
    /// What the command itself reported it changed (ZADD, ZINCRBY, GEOADD:
    /// updating a score or a position replies 0 yet changes the key, a
    /// no-op replies 0 too and changes nothing; SETBIT and BITFIELD: a new
    /// or longer string changes the key whatever the bits;
    /// [`store::changes`](crate::store::changes)).
    Reported,
}

fn rule_of(name: &str) -> Rule {
    use Rule::*;
    match name {
        "getset" | "setex" | "psetex" | "append" | "incr" | "decr" | "incrby" | "decrby"
        | "incrbyfloat" | "setrange" | "hincrby" | "hincrbyfloat" | "lset" | "pfmerge"
        | "bitop" | "rename" | "swapdb" | "sinterstore" | "sunionstore" | "sdiffstore"
        | "zunionstore" | "zinterstore" | "zdiffstore" | "zrangestore" | "geosearchstore"
        | "sort" => Always,
        "flushdb" | "flushall" => Elsewhere,
        // Each shard counts the keys it moved away.
        "migrate" => Elsewhere,
        // Their handlers report what changed (`store::changes`).
        "setbit" | "bitfield" => Reported,
        "mset" => Pairs(1),
        "msetnx" => PairsIf(1),
        "hset" | "hmset" => Pairs(2),
        "lpush" | "rpush" => Elems(2),
        "lpushx" | "rpushx" => ElemsIf(2),
        "lpop" | "rpop" | "spop" | "lmpop" | "getdel" | "lmove" | "rpoplpush" => Count,
        // The blocking pops' non-blocking form (inside MULTI).
        "blpop" | "brpop" | "blmpop" | "blmove" | "brpoplpush" | "bzpopmin" | "bzpopmax"
        | "bzmpop" => Count,
        "set" => Set,
        "zadd" | "zincrby" | "geoadd" => Reported,
        _ => Int,
    }
}

fn rules() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES.get_or_init(|| {
        (0..ids::count())
            .map(|id| match ids::spec_of(id) {
                Some(s) if s.flags & flags::WRITE != 0 => rule_of(s.name),
                _ => Rule::None,
            })
            .collect()
    })
}

/// The integer a reply starting with `:` holds.
fn int_reply(reply: &[u8]) -> i64 {
    let end = reply
        .iter()
        .position(|&c| c == b'\r')
        .unwrap_or(reply.len());
    std::str::from_utf8(&reply[1.min(end)..end])
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// True for a null reply (`$-1`, `*-1`, `_`): a bulk or array length is
/// negative only there.
#[inline]
fn is_null(reply: &[u8]) -> bool {
    match reply.first() {
        Some(b'_') => true,
        Some(b'$' | b'*') => reply.get(1) == Some(&b'-'),
        _ => false,
    }
}

/// What command `id`, run with `argc` arguments and replying `reply`,
/// adds to the change counter.
#[inline]
pub fn dirty(id: usize, args: Args<'_>, argc: usize, reply: &[u8]) -> u64 {
    let first = reply.first().copied().unwrap_or(b'-');
    if first == b'-' || first == b'!' {
        return 0;
    }
    let rule = rules().get(id).copied().unwrap_or(Rule::None);
    match rule {
        Rule::None | Rule::Elsewhere => 0,
        Rule::Always => 1,
        Rule::Int => match first {
            b':' => int_reply(reply).max(0) as u64,
            b'$' | b'*' | b'_' => !is_null(reply) as u64,
            _ => 1,
        },
        Rule::Pairs(from) => (argc.saturating_sub(from) / 2) as u64,
        Rule::PairsIf(from) => match int_reply(reply) {
            1 => (argc.saturating_sub(from) / 2) as u64,
            _ => 0,
        },
        Rule::Elems(from) => argc.saturating_sub(from) as u64,
        Rule::ElemsIf(from) => match first == b':' && int_reply(reply) > 0 {
            true => argc.saturating_sub(from) as u64,
            false => 0,
        },
        Rule::Count => match first {
            _ if is_null(reply) => 0,
            b'*' => int_reply(reply).max(0) as u64,
            _ => 1,
        },
        // `+OK`: a SET without GET that wrote (the common case, decided on
        // one byte: this runs after every SET).
        Rule::Set if first == b'+' => 1,
        Rule::Set => {
            let has = |word: &[u8]| args.iter().skip(3).any(|a| a.eq_ignore_ascii_case(word));
            let null = is_null(reply);
            if !has(b"get") {
                !null as u64
            } else if has(b"nx") {
                null as u64
            } else if has(b"xx") {
                !null as u64
            } else {
                1
            }
        }
        Rule::Reported => crate::store::changes::last(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(name: &str, argc: usize, reply: &[u8]) -> u64 {
        with(name, &[&b"x"[..]; 4], argc, reply)
    }

    fn with(name: &str, args: &[&[u8]], argc: usize, reply: &[u8]) -> u64 {
        let spec = crate::table::lookup_fullname(name.as_bytes()).expect("known");
        let owned: kevy_rt::OwnedArgs = args.iter().copied().collect();
        dirty(
            ids::id_of(spec).expect("indexed"),
            owned.args(),
            argc,
            reply,
        )
    }

    #[test]
    fn writes_whose_reply_hides_the_change_still_count() {
        let set = |args: &[&[u8]], reply: &[u8]| with("set", args, args.len(), reply);
        assert_eq!(set(&[b"SET", b"k", b"v", b"GET"], b"$-1\r\n"), 1);
        assert_eq!(set(&[b"SET", b"k", b"v", b"get"], b"$1\r\na\r\n"), 1);
        assert_eq!(set(&[b"SET", b"k", b"v", b"NX", b"GET"], b"$-1\r\n"), 1);
        assert_eq!(set(&[b"SET", b"k", b"v", b"NX", b"GET"], b"$1\r\na\r\n"), 0);
        assert_eq!(set(&[b"SET", b"k", b"v", b"XX", b"GET"], b"$1\r\na\r\n"), 1);
        assert_eq!(set(&[b"SET", b"k", b"v", b"GET", b"XX"], b"_\r\n"), 0);
        assert_eq!(set(&[b"SET", b"k", b"v", b"NX"], b"$-1\r\n"), 0);
        assert_eq!(set(&[b"SET", b"k", b"v", b"GET"], b"-WRONGTYPE x\r\n"), 0);
    }

    #[test]
    fn counts_like_redis() {
        assert_eq!(of("set", 3, b"+OK\r\n"), 1);
        assert_eq!(of("set", 4, b"$-1\r\n"), 0);
        assert_eq!(of("setnx", 3, b":0\r\n"), 0);
        assert_eq!(of("mset", 7, b"+OK\r\n"), 3);
        assert_eq!(of("msetnx", 5, b":0\r\n"), 0);
        assert_eq!(of("msetnx", 5, b":1\r\n"), 2);
        assert_eq!(of("del", 4, b":2\r\n"), 2);
        assert_eq!(of("incr", 2, b":5\r\n"), 1);
        assert_eq!(of("incr", 2, b"-ERR x\r\n"), 0);
        assert_eq!(of("lpush", 5, b":9\r\n"), 3);
        assert_eq!(of("lpushx", 5, b":0\r\n"), 0);
        assert_eq!(of("hset", 6, b":0\r\n"), 2);
        assert_eq!(of("lpop", 3, b"*2\r\n$1\r\na\r\n$1\r\nb\r\n"), 2);
        assert_eq!(of("get", 2, b"$1\r\na\r\n"), 0);
        assert_eq!(of("flushall", 1, b"+OK\r\n"), 0);
        // SETBIT reports whether it changed a bit or made the string
        // (its `:0` reply cannot tell); an error counts nothing.
        crate::store::changes::report(1);
        assert_eq!(of("setbit", 4, b":0\r\n"), 1);
        assert_eq!(of("setbit", 4, b"-ERR x\r\n"), 0);
        crate::store::changes::report(0);
        assert_eq!(of("setbit", 4, b":0\r\n"), 0);
    }
}
