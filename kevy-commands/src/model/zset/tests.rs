//! Sorted set structure tests: both encodings against a simple model.

use super::*;

/// A tiny deterministic generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// The model: members sorted by (score, member).
fn model_sorted(model: &[(Vec<u8>, f64)]) -> Vec<(Vec<u8>, f64)> {
    let mut v = model.to_vec();
    v.sort_by(|a, b| {
        a.1.partial_cmp(&b.1)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.0.cmp(&b.0))
    });
    v
}

fn contents(z: &ZSet) -> Vec<(Vec<u8>, f64)> {
    z.iter(0, false).map(|(m, s)| (m.to_vec(), s)).collect()
}

fn check(z: &ZSet, model: &[(Vec<u8>, f64)]) {
    let want = model_sorted(model);
    assert_eq!(contents(z), want);
    assert_eq!(z.len(), want.len());
    let back: Vec<_> = match z.len() {
        0 => Vec::new(),
        n => z.iter(n - 1, true).map(|(m, s)| (m.to_vec(), s)).collect(),
    };
    let mut rev = want.clone();
    rev.reverse();
    assert_eq!(back, rev);
    for (r, (m, s)) in want.iter().enumerate() {
        assert_eq!(z.rank(m, false), Some(r));
        assert_eq!(z.rank(m, true), Some(want.len() - 1 - r));
        assert_eq!(z.score(m), Some(*s));
        assert_eq!(z.get(r).map(|(m, _)| m.to_vec()), Some(m.clone()));
    }
    if let ZSet::Skip(k) = z {
        k.check();
    }
}

fn random_ops(seed: u64, members: u64, long: bool) {
    let mut rng = Rng(seed);
    let mut z = ZSet::default();
    let mut model: Vec<(Vec<u8>, f64)> = Vec::new();
    for step in 0..3000 {
        let id = rng.below(members);
        let mut m = format!("m{id}").into_bytes();
        if long && id.is_multiple_of(7) {
            m.extend(std::iter::repeat_n(b'x', 70));
        }
        let score = (rng.below(20) as f64) - 10.0;
        match rng.below(10) {
            0..=5 => {
                let r = z.add(
                    score,
                    &m,
                    AddFlags::default(),
                    &crate::model::encoding::DEFAULT,
                );
                match model.iter_mut().find(|(x, _)| *x == m) {
                    Some(e) => {
                        assert!(matches!(r, Ok(Added::Updated(_) | Added::Same(_))));
                        e.1 = score;
                    }
                    None => {
                        assert_eq!(r, Ok(Added::New(score)));
                        model.push((m, score));
                    }
                }
            }
            6 | 7 => {
                let was = model.iter().position(|(x, _)| *x == m);
                assert_eq!(z.remove(&m), was.is_some());
                if let Some(i) = was {
                    model.remove(i);
                }
            }
            8 => {
                let n = model.len();
                let (a, b) = (
                    rng.below(n as u64 + 2) as usize,
                    rng.below(n as u64 + 2) as usize,
                );
                let want = model_sorted(&model);
                let removed = z.remove_ranks(a, b);
                let keep: Vec<_> = want
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| !(a <= b && *i >= a && *i <= b))
                    .map(|(_, e)| e.clone())
                    .collect();
                assert_eq!(removed, want.len() - keep.len());
                model = keep;
            }
            _ => {
                let max = rng.below(2) == 1;
                let want = model_sorted(&model);
                let expect = if max { want.last() } else { want.first() }.cloned();
                let got = z.pop(max).map(|(m, s)| (m.to_vec(), s));
                assert_eq!(got, expect);
                if let Some((m, _)) = expect {
                    model.retain(|(x, _)| *x != m);
                }
            }
        }
        if step % 50 == 0 {
            check(&z, &model);
        }
    }
    check(&z, &model);
}

#[test]
fn random_small_sets_stay_compact() {
    random_ops(1, 40, false);
}

#[test]
fn random_large_sets() {
    random_ops(2, 600, false);
    random_ops(3, 60, true);
}

#[test]
fn encodings_follow_redis_limits() {
    let mut z = ZSet::for_first_member(3, &crate::model::encoding::DEFAULT);
    for i in 0..crate::model::encoding::DEFAULT.zset_entries {
        z.add(
            i as f64,
            format!("{i}").as_bytes(),
            AddFlags::default(),
            &crate::model::encoding::DEFAULT,
        )
        .unwrap();
    }
    assert!(z.is_packed());
    z.add(
        0.5,
        b"one more",
        AddFlags::default(),
        &crate::model::encoding::DEFAULT,
    )
    .unwrap();
    assert!(!z.is_packed());
    z.remove(b"one more");
    assert!(!z.is_packed(), "deletions never convert back");
    let mut z = ZSet::default();
    z.add(
        1.0,
        &[b'a'; crate::model::encoding::DEFAULT.zset_value],
        AddFlags::default(),
        &crate::model::encoding::DEFAULT,
    )
    .unwrap();
    assert!(z.is_packed());
    z.add(
        1.0,
        &[b'a'; crate::model::encoding::DEFAULT.zset_value + 1],
        AddFlags::default(),
        &crate::model::encoding::DEFAULT,
    )
    .unwrap();
    assert!(!z.is_packed());
    assert!(!ZSet::for_first_member(
        crate::model::encoding::DEFAULT.zset_value + 1,
        &crate::model::encoding::DEFAULT
    )
    .is_packed());
    let small = ZSet::from_sorted(
        &[(b"a".as_slice(), 1.0), (b"b", 2.0)],
        &crate::model::encoding::DEFAULT,
    );
    assert!(small.is_packed());
    let long = [b'z'; 65];
    let big = ZSet::from_sorted(
        &[(b"a".as_slice(), -0.0), (&long[..], 2.0)],
        &crate::model::encoding::DEFAULT,
    );
    assert!(!big.is_packed());
    assert_eq!(big.rank(&long, false), Some(1));
    assert!(
        big.score(b"a").unwrap().is_sign_negative(),
        "a skiplist keeps -0"
    );
    let added = ZSet::from_sorted_added(
        &[(b"a".as_slice(), -0.0), (&long[..], 2.0)],
        false,
        &crate::model::encoding::DEFAULT,
    );
    assert!(!added.is_packed());
    assert!(
        added.score(b"a").unwrap().is_sign_positive(),
        "stored compact first"
    );
}

#[test]
fn add_flags_follow_zsetadd() {
    let mut z = ZSet::default();
    let f = |s: &str| {
        let mut f = AddFlags::default();
        for c in s.chars() {
            match c {
                'i' => f.incr = true,
                'n' => f.nx = true,
                'x' => f.xx = true,
                'g' => f.gt = true,
                'l' => f.lt = true,
                _ => {}
            }
        }
        f
    };
    assert_eq!(
        z.add(1.0, b"a", f("x"), &crate::model::encoding::DEFAULT),
        Ok(Added::Refused)
    );
    assert_eq!(
        z.add(1.0, b"a", f(""), &crate::model::encoding::DEFAULT),
        Ok(Added::New(1.0))
    );
    assert_eq!(
        z.add(5.0, b"a", f("n"), &crate::model::encoding::DEFAULT),
        Ok(Added::Refused)
    );
    assert_eq!(
        z.add(0.0, b"a", f("g"), &crate::model::encoding::DEFAULT),
        Ok(Added::Refused)
    );
    assert_eq!(
        z.add(3.0, b"a", f("g"), &crate::model::encoding::DEFAULT),
        Ok(Added::Updated(3.0))
    );
    assert_eq!(
        z.add(3.0, b"a", f(""), &crate::model::encoding::DEFAULT),
        Ok(Added::Same(3.0))
    );
    assert_eq!(
        z.add(2.0, b"a", f("il"), &crate::model::encoding::DEFAULT),
        Ok(Added::Refused)
    );
    assert_eq!(
        z.add(-2.0, b"a", f("il"), &crate::model::encoding::DEFAULT),
        Ok(Added::Updated(1.0))
    );
    assert_eq!(
        z.add(
            f64::INFINITY,
            b"a",
            f("i"),
            &crate::model::encoding::DEFAULT
        ),
        Ok(Added::Updated(f64::INFINITY))
    );
    assert_eq!(
        z.add(
            f64::NEG_INFINITY,
            b"a",
            f("i"),
            &crate::model::encoding::DEFAULT
        ),
        Err(NanScore)
    );
    assert_eq!(
        z.add(f64::NAN, b"b", f(""), &crate::model::encoding::DEFAULT),
        Err(NanScore)
    );
    assert_eq!(
        z.add(-0.0, b"z", f(""), &crate::model::encoding::DEFAULT),
        Ok(Added::New(-0.0))
    );
    assert_eq!(
        z.add(0.0, b"z", f(""), &crate::model::encoding::DEFAULT),
        Ok(Added::Same(0.0))
    );
}

#[test]
fn range_searches() {
    for big in [false, true] {
        let mut z = if big {
            ZSet::for_first_member(
                crate::model::encoding::DEFAULT.zset_value + 1,
                &crate::model::encoding::DEFAULT,
            )
        } else {
            ZSet::default()
        };
        for i in 0..20 {
            z.add(
                (i / 2) as f64,
                format!("m{i:02}").as_bytes(),
                AddFlags::default(),
                &crate::model::encoding::DEFAULT,
            )
            .unwrap();
        }
        assert_eq!(z.first_not(|_, s| s < 3.0), 6);
        assert_eq!(z.first_not(|_, s| s <= 3.0), 8);
        assert_eq!(z.last_where(|_, s| s <= 3.0), Some(7));
        assert_eq!(z.last_where(|_, s| s < 0.0), None);
        assert_eq!(z.first_not(|_, _| true), 20);
        assert_eq!(z.first_not(|m, _| m < b"m05".as_slice()), 5);
        assert_eq!(z.iter(18, false).count(), 2);
        assert_eq!(z.iter(20, false).count(), 0);
        assert_eq!(z.iter(20, true).count(), 0);
        let mut seen = Vec::new();
        let mut cursor = 0;
        loop {
            cursor = z.scan(cursor, 3, |m, _| seen.push(m.to_vec()));
            if cursor == 0 {
                break;
            }
        }
        seen.sort();
        assert_eq!(seen.len(), 20);
    }
}

/// Every score kind and both member-length forms read back exactly, walked
/// either way, and a small set's entries are a few bytes each.
#[test]
fn pack_stores_scores_in_their_shortest_exact_form() {
    let scores = [
        0.0,
        -0.0,
        1.0,
        -128.0,
        127.0,
        300.0,
        -40_000.0,
        2_147_483_647.0,
        -2_147_483_648.0,
        4_294_967_296.0,
        1.5,
        0.1,
        -2.5e-300,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::MAX,
        1e300,
    ];
    let mut p = Pack::default();
    let mut model: Vec<(Vec<u8>, f64)> = Vec::new();
    for (i, &s) in scores.iter().enumerate() {
        let member = vec![b'a' + i as u8; [0, 1, 30, 31, 64, 255][i % 6]];
        p.insert(s, &member);
        model.push((member, if s == 0.0 { 0.0 } else { s }));
    }
    model.sort_by(|a, b| a.1.partial_cmp(&b.1).unwrap().then(a.0.cmp(&b.0)));
    let fwd: Vec<(Vec<u8>, f64)> = p
        .iter_from(0)
        .map(|e| (e.member.to_vec(), e.score))
        .collect();
    assert_eq!(fwd, model);
    let mut back: Vec<(Vec<u8>, f64)> = p
        .iter_back_from(p.last())
        .map(|e| (e.member.to_vec(), e.score))
        .collect();
    back.reverse();
    assert_eq!(back, model);
    assert!(p
        .iter_from(0)
        .all(|e| e.score.to_bits() != (-0.0f64).to_bits()));
    let mut small = Pack::default();
    for j in 0..10 {
        small.insert(j as f64, format!("member:{j}").as_bytes());
    }
    assert_eq!(small.bytes(), 10 * (8 + 1 + 2));
    assert_eq!(std::mem::size_of::<ZSet>(), 24);
}
