//! Streams: a seeded random mix with small node limits (so trims cut nodes
//! where Redis does) over two streams on both shards: explicit and `ms-*`
//! IDs, deletes, exact and approximate trims, groups read, acknowledged and
//! claimed.
//!
//! With two shards, `h` lives on shard 1, `s` on shard 0.

/// A seeded xorshift.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn cmd(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

/// A random mix on two streams (one per shard) with small nodes: explicit
/// and `ms-*` IDs, deletes, exact and approximate trims, groups read,
/// acknowledged and claimed, checked through XRANGE, XINFO and XPENDING.
fn random_mix(seed: u64) -> Vec<Vec<String>> {
    let mut r = Rng(seed);
    let mut s = vec![
        cmd(&["CONFIG", "SET", "stream-node-max-entries", "4"]),
        cmd(&["CONFIG", "SET", "stream-node-max-bytes", "200"]),
        cmd(&["XGROUP", "CREATE", "s", "g", "0", "MKSTREAM"]),
        cmd(&["XGROUP", "CREATE", "h", "g", "0", "MKSTREAM"]),
    ];
    let mut ms = [1u64, 1u64];
    for _ in 0..300 {
        let k = r.below(2) as usize;
        let key = ["s", "h"][k];
        let id = |r: &mut Rng, ms: &mut [u64; 2]| {
            ms[k] += r.below(3);
            match r.below(3) {
                0 => format!("{}-*", ms[k]),
                1 => format!("{}-{}", ms[k], r.below(4)),
                _ => format!("{}", ms[k]),
            }
        };
        let pick = |r: &mut Rng, ms: &[u64; 2]| format!("{}-{}", r.below(ms[k] + 1), r.below(3));
        let c = match r.below(20) {
            0..=7 => {
                let id = id(&mut r, &mut ms);
                let mut c = cmd(&["XADD", key]);
                if r.below(6) == 0 {
                    c.extend(cmd(&["MAXLEN", ["=", "~"][r.below(2) as usize]]));
                    c.push(format!("{}", r.below(12)));
                }
                c.push(id);
                for f in 0..1 + r.below(3) {
                    c.push(if r.below(2) == 0 {
                        "f".into()
                    } else {
                        format!("f{f}")
                    });
                    c.push(format!("{}", r.below(1000)));
                }
                c
            }
            8 => vec![
                "XDEL".into(),
                key.into(),
                pick(&mut r, &ms),
                pick(&mut r, &ms),
            ],
            9 => vec![
                "XTRIM".into(),
                key.into(),
                "MAXLEN".into(),
                ["=", "~"][r.below(2) as usize].into(),
                format!("{}", r.below(10)),
            ],
            10 => vec![
                "XTRIM".into(),
                key.into(),
                "MINID".into(),
                ["=", "~"][r.below(2) as usize].into(),
                pick(&mut r, &ms),
            ],
            11 | 12 => cmd(&[
                "XREADGROUP",
                "GROUP",
                "g",
                ["c1", "c2"][r.below(2) as usize],
                "COUNT",
                "2",
                "STREAMS",
                "s",
                "h",
                ">",
                ">",
            ]),
            13 => vec![
                "XACK".into(),
                key.into(),
                "g".into(),
                pick(&mut r, &ms),
                pick(&mut r, &ms),
            ],
            14 => vec![
                "XCLAIM".into(),
                key.into(),
                "g".into(),
                "c3".into(),
                "0".into(),
                pick(&mut r, &ms),
                "JUSTID".into(),
            ],
            15 => vec![
                "XAUTOCLAIM".into(),
                key.into(),
                "g".into(),
                "c1".into(),
                "0".into(),
                pick(&mut r, &ms),
                "COUNT".into(),
                "3".into(),
            ],
            16 => cmd(&["XRANGE", key, "-", "+"]),
            17 => cmd(&["XINFO", "STREAM", key]),
            18 => cmd(&["XPENDING", key, "g"]),
            _ => cmd(&["XINFO", "GROUPS", key]),
        };
        s.push(c);
    }
    s.push(cmd(&["XREVRANGE", "s", "+", "-"]));
    s.push(cmd(&["XREVRANGE", "h", "+", "-"]));
    s.push(cmd(&["XREAD", "STREAMS", "s", "h", "0", "0"]));
    s.push(cmd(&["CONFIG", "SET", "stream-node-max-entries", "100"]));
    s.push(cmd(&["CONFIG", "SET", "stream-node-max-bytes", "4096"]));
    s
}

#[test]
fn streams_random() {
    let mix = |seed: u64| random_mix(seed.wrapping_mul(7919));
    super::run_seeded("streams random", &super::seeded::seeds(6), mix);
}
