//! A seeded random mix of list, hash, set and string commands over a few keys on
//! both shards: types collide, keys empty and come back, multi-key commands cross
//! shards. Random picks are either full (SPOP of everything) or leave no trace
//! (SRANDMEMBER, HRANDFIELD), so both servers keep the same state.

type Cmd = Vec<String>;

/// `verb` followed by `args`.
fn with(verb: &str, args: impl IntoIterator<Item = String>) -> Cmd {
    std::iter::once(verb.to_string()).chain(args).collect()
}

fn random_mix(seed: u64, steps: usize) -> Vec<Cmd> {
    let mut x = seed;
    let mut next = move |n: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n
    };
    let long = "L".repeat(70);
    let values = ["0", "1", "-7", "42", "abc", "", "x", "3.5", "007", &long];
    let mut s = Vec::new();
    for _ in 0..steps {
        let kind = next(48);
        // Mostly keys of the command's own family, sometimes another's.
        let own = match kind {
            0..=15 => "l",
            16..=28 => "h",
            29..=41 => "s",
            _ => ["l", "h", "s"][next(3) as usize],
        };
        let mut key = || {
            let family = match next(12) {
                0 => ["l", "h", "s"][next(3) as usize],
                _ => own,
            };
            format!("{family}{}", next(5))
        };
        let (k, k2, k3) = (key(), key(), key());
        let mut val = || values[next(values.len() as u64) as usize].to_string();
        let (v, v2) = (val(), val());
        let n = (next(13) as i64 - 6).to_string();
        let ends = ["LEFT", "RIGHT"];
        let (e1, e2) = (ends[next(2) as usize], ends[next(2) as usize]);
        let c: Cmd = match kind {
            0 => with("LPUSH", [k, v, v2]),
            1 => with("RPUSH", [k, v]),
            2 => with(["LPUSHX", "RPUSHX"][next(2) as usize], [k, v]),
            3 => with(["LPOP", "RPOP"][next(2) as usize], [k]),
            4 => with(["LPOP", "RPOP"][next(2) as usize], [k, next(4).to_string()]),
            5 => with("LRANGE", [k, n, (next(9) as i64 - 3).to_string()]),
            6 => with("LINDEX", [k, n]),
            7 => with("LSET", [k, n, v]),
            8 => with(
                "LINSERT",
                [k, ["BEFORE", "AFTER"][next(2) as usize].into(), v, v2],
            ),
            9 => with("LREM", [k, n, v]),
            10 => with("LTRIM", [k, n, (next(9) as i64 - 3).to_string()]),
            11 => with(
                "LPOS",
                [
                    k,
                    v,
                    "RANK".into(),
                    ["1", "-1", "2"][next(3) as usize].into(),
                ],
            ),
            12 => with("LMOVE", [k, k2, e1.into(), e2.into()]),
            13 => with("RPOPLPUSH", [k, k2]),
            14 => with(
                "LMPOP",
                ["2".into(), k, k2, e1.into(), "COUNT".into(), "2".into()],
            ),
            15 => with("LLEN", [k]),
            16 => with("HSET", [k, v, v2]),
            17 => with("HSETNX", [k, v, v2]),
            18 => with("HGET", [k, v]),
            19 => with("HMGET", [k, v, v2]),
            20 => with("HDEL", [k, v, v2]),
            21 => with("HGETALL", [k]),
            22 => with("HINCRBY", [k, v, n]),
            23 => with("HINCRBYFLOAT", [k, v, v2]),
            24 => with(["HLEN", "HKEYS", "HVALS"][next(3) as usize], [k]),
            25 => with("HEXISTS", [k, v]),
            26 => with("HSTRLEN", [k, v]),
            27 => with("HRANDFIELD", [k, n, "WITHVALUES".into()]),
            28 => with("HSCAN", [k, "0".into(), "COUNT".into(), "1000".into()]),
            29 => with("SADD", [k, v, v2]),
            30 => with("SREM", [k, v]),
            31 => with("SMEMBERS", [k]),
            32 => with("SISMEMBER", [k, v]),
            33 => with("SMISMEMBER", [k, v, v2]),
            34 => with("SCARD", [k]),
            35 => with("SPOP", [k, "1000".into()]),
            36 => with("SRANDMEMBER", [k, n]),
            37 => with("SMOVE", [k, k2, v]),
            38 => with(["SINTER", "SUNION", "SDIFF"][next(3) as usize], [k, k2, k3]),
            39 => with(
                ["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"][next(3) as usize],
                [k, k2, k3],
            ),
            40 => with("SINTERCARD", ["2".into(), k, k2]),
            41 => with("SSCAN", [k, "0".into(), "COUNT".into(), "1000".into()]),
            42 => with("SET", [k, v]),
            43 => with(["GET", "TYPE", "STRLEN", "INCR"][next(4) as usize], [k]),
            44 => with("DEL", [k, k2]),
            45 => with("EXPIRE", [k, "100000".into()]),
            46 => with("TTL", [k]),
            _ => with("EXISTS", [k, k2, k3]),
        };
        s.push(c);
    }
    for family in ["l", "h", "s"] {
        for i in 0..5 {
            s.push(with("TYPE", [format!("{family}{i}")]));
        }
    }
    s
}

#[test]
fn mixed_mutated() {
    let mix = |seed: u64| {
        let seq = random_mix(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15), 600);
        super::seeded::mutated(seed, seq)
    };
    super::run_seeded("mixed collections mutated", &super::seeded::seeds(3), mix);
}

#[test]
fn mixed() {
    let mix = |seed: u64| random_mix(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15), 600);
    super::run_seeded("mixed collections", &super::seeded::seeds(6), mix);
}
