//! Seeded random GEO sequences: points scattered over the world and
//! clustered around a few centres (with repeated coordinates, so distances
//! tie), sets past the compact encoding, and every search form with random
//! options, radii from meters to half the planet (where neighbour cells
//! repeat and the step estimate bottoms out), near-pole and antimeridian
//! centres, STORE / STOREDIST / GEOSEARCHSTORE into keys on both shards.
//!
//! 20 seeds by default; `KEVY_GEO_SEEDS=N` runs N (400 seeds, 238K
//! commands over both protocols, agreed with redis-server 7.0.15), and
//! `KEVY_DIFF_SEEDS` more as every seeded family (`seeded.rs`).

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

    /// A uniform double in `[lo, hi]`.
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Source keys: `k1` on shard 1, `k2` on shard 0.
pub const SOURCES: &[&str] = &["k1", "k2"];
/// Destinations: `a` on shard 1, `x` on shard 0.
pub const DESTS: &[&str] = &["a", "x"];
/// Cluster centres: Sicily, Paris, the antimeridian, near the poles, 0,0.
const CENTRES: &[(f64, f64)] = &[
    (13.361389, 38.115556),
    (2.3522, 48.8566),
    (179.95, -16.5),
    (-179.9, 65.1),
    (10.0, 84.9),
    (-70.0, -84.5),
    (0.0, 0.0),
];
const UNITS: &[&str] = &["m", "km", "mi", "ft", "KM", "M"];

/// A coordinate as a client would send it: a few decimals, or many.
fn num(r: &mut Rng, v: f64) -> String {
    match r.below(4) {
        0 => format!("{v:.0}"),
        1 => format!("{v:.3}"),
        _ => format!("{v}"),
    }
}

/// A point: anywhere, or near a centre.
fn point(r: &mut Rng) -> (String, String) {
    let (lon, lat) = if r.below(4) == 0 {
        (r.range(-180.0, 180.0), r.range(-85.05112878, 85.05112878))
    } else {
        let (cx, cy) = CENTRES[r.below(CENTRES.len())];
        let spread = [0.001, 0.05, 1.0, 5.0][r.below(4)];
        let lon = (cx + r.range(-spread, spread)).clamp(-180.0, 180.0);
        let lat = (cy + r.range(-spread, spread)).clamp(-85.05, 85.05);
        (lon, lat)
    };
    (num(r, lon), num(r, lat))
}

fn member(r: &mut Rng) -> String {
    if r.below(50) == 0 {
        format!("long{}{}", r.below(3), "p".repeat(64))
    } else {
        let pool = if r.below(4) == 0 { 200 } else { 100 };
        format!("p{}", r.below(pool))
    }
}

fn radius(r: &mut Rng) -> (String, &'static str) {
    let unit = UNITS[r.below(UNITS.len())];
    let meters = match r.below(6) {
        0 => r.range(0.0, 500.0),
        1 => r.range(0.0, 50_000.0),
        2 => r.range(0.0, 600_000.0),
        3 => r.range(0.0, 5_000_000.0),
        4 => r.range(5_000_000.0, 21_000_000.0),
        _ => [0.0, 1.0, 100.0, 20_037_726.37][r.below(4)],
    };
    let per = match unit {
        "km" | "KM" => 1000.0,
        "mi" => 1609.34,
        "ft" => 0.3048,
        _ => 1.0,
    };
    (num(r, meters / per), unit)
}

/// WITH… options, COUNT (ANY), ASC/DESC in a random order.
fn options(r: &mut Rng, with: bool) -> Vec<String> {
    let mut o: Vec<Vec<String>> = Vec::new();
    if with {
        for w in ["WITHCOORD", "WITHDIST", "WITHHASH"] {
            if r.below(2) == 0 {
                o.push(vec![w.into()]);
            }
        }
    }
    if r.below(2) == 0 {
        let n = [1, 2, 3, 5, 10, 50, 1000][r.below(7)];
        let mut c = vec!["COUNT".into(), n.to_string()];
        if r.below(3) == 0 {
            c.push("ANY".into());
        }
        o.push(c);
    }
    match r.below(3) {
        0 => o.push(vec!["ASC".into()]),
        1 => o.push(vec!["DESC".into()]),
        _ => {}
    }
    // Shuffle the groups.
    for i in (1..o.len()).rev() {
        let j = r.below(i + 1);
        o.swap(i, j);
    }
    o.concat()
}

fn s(v: &[&str]) -> Cmd {
    v.iter().map(|x| x.to_string()).collect()
}

/// A search's centre: FROMMEMBER or FROMLONLAT.
fn from(r: &mut Rng) -> Vec<String> {
    if r.below(2) == 0 {
        vec!["FROMMEMBER".into(), member(r)]
    } else {
        let (lon, lat) = point(r);
        vec!["FROMLONLAT".into(), lon, lat]
    }
}

/// A search's area: BYRADIUS or BYBOX.
fn by(r: &mut Rng) -> Vec<String> {
    let (rad, unit) = radius(r);
    if r.below(2) == 0 {
        vec!["BYRADIUS".into(), rad, unit.into()]
    } else {
        let (h, _) = radius(r);
        vec!["BYBOX".into(), rad, h, unit.into()]
    }
}

fn one(r: &mut Rng) -> Vec<Cmd> {
    let key = r.pick(SOURCES).to_string();
    let dst = r.pick(DESTS).to_string();
    let show = |k: &str| s(&["ZRANGE", k, "0", "-1", "WITHSCORES"]);
    match r.below(20) {
        0..=3 => {
            let mut c = s(&["GEOADD", &key]);
            for opt in ["NX", "XX", "CH"] {
                if r.below(10) == 0 {
                    c.push(opt.into());
                }
            }
            let n = if r.below(8) == 0 { 60 } else { 1 + r.below(5) };
            for _ in 0..n {
                let (lon, lat) = point(r);
                c.extend([lon, lat, member(r)]);
            }
            vec![c]
        }
        4 => {
            let mut c = s(&["GEOPOS", &key]);
            (0..1 + r.below(4)).for_each(|_| c.push(member(r)));
            vec![c]
        }
        5 => {
            let mut c = s(&["GEOHASH", &key]);
            (0..1 + r.below(4)).for_each(|_| c.push(member(r)));
            vec![c]
        }
        6 => {
            let mut c = s(&["GEODIST", &key, &member(r), &member(r)]);
            if r.below(2) == 0 {
                c.push(r.pick(UNITS).into());
            }
            vec![c]
        }
        7..=9 => {
            let verb = r.pick(&["GEORADIUS", "GEORADIUS_RO"]);
            let (lon, lat) = point(r);
            let (rad, unit) = radius(r);
            let mut c = s(&[verb, &key, &lon, &lat, &rad, unit]);
            c.extend(options(r, true));
            vec![c]
        }
        10..=11 => {
            let verb = r.pick(&["GEORADIUSBYMEMBER", "GEORADIUSBYMEMBER_RO"]);
            let (rad, unit) = radius(r);
            let mut c = s(&[verb, &key, &member(r), &rad, unit]);
            c.extend(options(r, true));
            vec![c]
        }
        12..=13 => {
            let verb = r.pick(&["GEORADIUS", "GEORADIUSBYMEMBER"]);
            let (rad, unit) = radius(r);
            let mut c = if verb == "GEORADIUS" {
                let (lon, lat) = point(r);
                s(&[verb, &key, &lon, &lat, &rad, unit])
            } else {
                s(&[verb, &key, &member(r), &rad, unit])
            };
            c.extend(options(r, false));
            c.push(r.pick(&["STORE", "STOREDIST"]).into());
            c.push(dst.clone());
            vec![c, show(&dst)]
        }
        14..=17 => {
            let mut c = s(&["GEOSEARCH", &key]);
            c.extend(from(r));
            c.extend(by(r));
            c.extend(options(r, true));
            vec![c]
        }
        18 => {
            let mut c = s(&["GEOSEARCHSTORE", &dst, &key]);
            c.extend(from(r));
            c.extend(by(r));
            c.extend(options(r, false));
            if r.below(2) == 0 {
                c.push("STOREDIST".into());
            }
            vec![c, show(&dst)]
        }
        _ => vec![s(&["ZREM", &key, &member(r), &member(r)])],
    }
}

/// The sequence of `seed`, ending with every key's contents.
pub fn sequence(seed: u64) -> Vec<Cmd> {
    let mut r = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    // Both sources start with p0..p99 (seeds 1-5: p0..p149, past the
    // compact encoding).
    let n = if seed <= 5 { 150 } else { 100 };
    let mut seq: Vec<Cmd> = SOURCES
        .iter()
        .map(|k| {
            let mut c = s(&["GEOADD", k]);
            for i in 0..n {
                let (lon, lat) = point(&mut r);
                c.extend([lon, lat, format!("p{i}")]);
            }
            c
        })
        .collect();
    seq.extend((0..250).flat_map(|_| one(&mut r)));
    for k in SOURCES.iter().chain(DESTS) {
        seq.push(s(&["ZRANGE", k, "0", "-1", "WITHSCORES"]));
        seq.push(s(&["OBJECT", "ENCODING", k]));
    }
    seq
}

/// Dense sets: 10,000 points over Sicily in `k1` and 3,000 around Paris in
/// `k2` (skiplists with hundreds of points per searched cell), then
/// searches of every form and size, and stores into the other shard.
pub fn large() -> Vec<Vec<Cmd>> {
    let mut r = Rng(0x5EED_6E01_A26E | 1);
    let mut seq = Vec::new();
    for (key, n, (cx, cy), (w, h)) in [
        ("k1", 10_000, (14.0, 37.45), (1.6, 0.85)),
        ("k2", 3_000, (2.35, 48.85), (0.3, 0.2)),
    ] {
        for batch in 0..n / 500 {
            let mut c = s(&["GEOADD", key]);
            for i in 0..500 {
                let lon = cx + r.range(-w, w);
                let lat = cy + r.range(-h, h);
                c.extend([
                    num(&mut r, lon),
                    num(&mut r, lat),
                    format!("p{}", batch * 500 + i),
                ]);
            }
            seq.push(c);
        }
    }
    for _ in 0..300 {
        let (key, (cx, cy), n) = if r.below(3) == 0 {
            ("k2", (2.35, 48.85), 3_000)
        } else {
            ("k1", (14.0, 37.45), 10_000)
        };
        let dst = r.pick(DESTS).to_string();
        let unit = r.pick(&["km", "mi", "m"]);
        let per = match unit {
            "km" => 1000.0,
            "mi" => 1609.34,
            _ => 1.0,
        };
        let rad = format!(
            "{:.3}",
            [500.0, 5_000.0, 30_000.0, 200_000.0][r.below(4)] * r.range(0.0, 1.0) / per
        );
        let lon = format!("{:.5}", cx + r.range(-1.0, 1.0));
        let lat = format!("{:.5}", cy + r.range(-0.5, 0.5));
        let from = if r.below(2) == 0 {
            vec!["FROMMEMBER".to_string(), format!("p{}", r.below(n))]
        } else {
            vec!["FROMLONLAT".to_string(), lon.clone(), lat.clone()]
        };
        let store = r.below(5) == 0;
        let mut c = match r.below(3) {
            0 => s(&["GEORADIUS", key, &lon, &lat, &rad, unit]),
            1 => s(&[
                "GEORADIUSBYMEMBER",
                key,
                &format!("p{}", r.below(n)),
                &rad,
                unit,
            ]),
            _ if store => {
                let mut c = s(&["GEOSEARCHSTORE", &dst, key]);
                c.extend(from);
                c.extend(s(&["BYRADIUS", &rad, unit]));
                c
            }
            _ => {
                let mut c = s(&["GEOSEARCH", key]);
                c.extend(from);
                if r.below(2) == 0 {
                    c.extend(s(&["BYRADIUS", &rad, unit]));
                } else {
                    let h = format!("{:.3}", r.range(0.0, 100_000.0) / per);
                    c.extend(s(&["BYBOX", &rad, &h, unit]));
                }
                c
            }
        };
        c.extend(options(&mut r, !store));
        if store && c[0] != "GEOSEARCHSTORE" {
            c.extend([r.pick(&["STORE", "STOREDIST"]).to_string(), dst.clone()]);
        }
        let stored = store.then(|| s(&["ZRANGE", &dst, "0", "-1", "WITHSCORES"]));
        seq.push(c);
        seq.extend(stored);
    }
    vec![seq]
}
