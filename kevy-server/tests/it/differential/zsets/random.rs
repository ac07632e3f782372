//! A seeded random mix of sorted set commands over a few keys on both
//! shards: both encodings (long members and many members force the
//! skiplist), scores with ties, `-0`, infinities and decimals, every range
//! form, removals until keys disappear, and the set operations.
//!
//! Lex ranges go to `l`, whose members all score 0: Redis leaves lex ranges
//! over differing scores unspecified (in a skiplist they depend on its
//! random levels).

type Cmd = Vec<String>;

/// xorshift64: the same sequence for the same seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Keys: `k1`, `a`, `c` on shard 1, `k2`, `b`, `x` on shard 0.
const KEYS: &[&str] = &["k1", "k2", "a", "b", "c", "x"];
const SCORES: &[&str] = &[
    "0", "1", "2", "2", "3", "-1", "1.5", "0.1", "-0", "inf", "-inf", "10", "2.5e3", "-7.25",
];
const BOUNDS: &[&str] = &[
    "0", "1", "(1", "2", "(2", "-inf", "+inf", "(-inf", "1.5", "(3", "10", "-1", "(0",
];
const LEX: &[&str] = &[
    "-", "+", "[m1", "(m1", "[m5", "(m3", "[m", "[n", "(m29", "[m10",
];
const NUMS: &[&str] = &["0", "1", "-1", "2", "-2", "5", "-5", "10", "100", "-100"];

fn member(r: &mut Rng) -> String {
    if r.below(40) == 0 {
        format!("long{}{}", r.below(3), "x".repeat(64))
    } else {
        format!("m{}", r.below(30))
    }
}

fn one(r: &mut Rng) -> Cmd {
    let key = r.pick(KEYS).to_string();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let mut c = match r.below(25) {
        24 => {
            // A bulk add from a wide pool: sets outgrow the compact encoding.
            let mut c = s(&["ZADD", &key]);
            for _ in 0..60 {
                c.push(r.pick(SCORES).into());
                c.push(format!("w{}", r.below(300)));
            }
            c
        }
        0..=4 => {
            let mut c = s(&["ZADD", &key]);
            for opt in ["NX", "XX", "GT", "LT", "CH"] {
                if r.below(8) == 0 {
                    c.push(opt.into());
                }
            }
            for _ in 0..1 + r.below(6) {
                c.push(r.pick(SCORES).into());
                c.push(member(r));
            }
            c
        }
        5 => s(&["ZINCRBY", &key, r.pick(SCORES), &member(r)]),
        6 => s(&["ZADD", &key, "INCR", r.pick(SCORES), &member(r)]),
        7 => s(&["ZREM", &key, &member(r), &member(r)]),
        8 => s(&["ZRANGE", &key, r.pick(NUMS), r.pick(NUMS), "WITHSCORES"]),
        9 => s(&["ZRANGE", &key, r.pick(NUMS), r.pick(NUMS), "REV"]),
        10 => {
            let mut c = s(&["ZRANGEBYSCORE", &key, r.pick(BOUNDS), r.pick(BOUNDS)]);
            if r.below(2) == 0 {
                c.extend(s(&["LIMIT", r.pick(NUMS), r.pick(NUMS)]));
            }
            c.push("WITHSCORES".into());
            c
        }
        11 => s(&[
            "ZREVRANGEBYSCORE",
            &key,
            r.pick(BOUNDS),
            r.pick(BOUNDS),
            "WITHSCORES",
        ]),
        12 => s(&["ZRANGE", "l", r.pick(LEX), r.pick(LEX), "BYLEX"]),
        13 => s(&["ZCOUNT", &key, r.pick(BOUNDS), r.pick(BOUNDS)]),
        14 => match r.below(2) {
            0 => s(&["ZLEXCOUNT", "l", r.pick(LEX), r.pick(LEX)]),
            _ => s(&["ZADD", "l", "0", &member(r), "0", &member(r)]),
        },
        15 => s(&["ZRANK", &key, &member(r)]),
        16 => s(&["ZREVRANK", &key, &member(r)]),
        17 => s(&["ZMSCORE", &key, &member(r), &member(r)]),
        18 => match r.below(3) {
            0 => s(&["ZREMRANGEBYRANK", &key, r.pick(NUMS), r.pick(NUMS)]),
            1 => s(&["ZREMRANGEBYSCORE", &key, r.pick(BOUNDS), r.pick(BOUNDS)]),
            _ => s(&["ZREMRANGEBYLEX", "l", r.pick(LEX), r.pick(LEX)]),
        },
        19 => s(&[
            r.pick(&["ZPOPMIN", "ZPOPMAX"]),
            &key,
            r.pick(&["0", "1", "3"]),
        ]),
        20 => s(&[
            "ZMPOP",
            "2",
            &key,
            r.pick(KEYS),
            r.pick(&["MIN", "MAX"]),
            "COUNT",
            "2",
        ]),
        21 => {
            let verb = r.pick(&["ZUNION", "ZINTER", "ZDIFF", "ZINTERCARD"]);
            let mut c = s(&[verb, "3", &key, r.pick(KEYS), r.pick(KEYS)]);
            if verb == "ZUNION" || verb == "ZINTER" {
                c.extend(s(&["WEIGHTS", r.pick(NUMS), "0.5", "1"]));
                c.extend(s(&["AGGREGATE", r.pick(&["SUM", "MIN", "MAX"])]));
            }
            if verb != "ZINTERCARD" {
                c.push("WITHSCORES".into());
            }
            c
        }
        22 => {
            let verb = r.pick(&["ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"]);
            s(&[verb, r.pick(KEYS), "2", &key, r.pick(KEYS)])
        }
        _ => s(&[
            "ZRANGESTORE",
            r.pick(KEYS),
            &key,
            r.pick(NUMS),
            r.pick(NUMS),
        ]),
    };
    if r.below(30) == 0 {
        c = s(&["ZSCAN", &key, "0", "COUNT", "1000"]);
    }
    c
}

/// The sequence of `seed`, ending with every key's full contents.
pub fn sequence(seed: u64) -> Vec<Cmd> {
    let mut r = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut seq: Vec<Cmd> = (0..400).map(|_| one(&mut r)).collect();
    for k in KEYS.iter().chain(&["l"]) {
        seq.push(vec![
            "ZRANGE".into(),
            k.to_string(),
            "0".into(),
            "-1".into(),
            "WITHSCORES".into(),
        ]);
        seq.push(vec!["TYPE".into(), k.to_string()]);
    }
    seq
}
