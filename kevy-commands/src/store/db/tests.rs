//! ShardState tests: a randomized run against a model, checking the values,
//! the deadlines and the volatile index after every step.

use std::collections::HashMap;
use std::time::Instant;

use super::*;
use crate::shard::ShardState;

/// A deterministic generator for the randomized run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

#[test]
fn model_run_keeps_volatile_index_consistent() {
    let mut db = Db::new();
    let mut model: HashMap<Vec<u8>, (Value, Option<Ms>)> = HashMap::new();
    let mut rng = Lcg(7);
    let mut now: Ms = 1_000;
    for step in 0..20_000 {
        let key = format!("key:{}", rng.next(200)).into_bytes();
        // Drop what the model says has expired, as lazy expiry will.
        model.retain(|_, (_, at)| !is_expired(*at, &Clock::at(now)));
        let c = &Clock::at(now);
        match rng.next(8) {
            0 | 1 => {
                let at = (rng.next(2) == 0).then(|| now + rng.next(50) as Ms);
                let v = Value::string(format!("v{step}").as_bytes());
                db.set(&key, v.clone(), c, false, at);
                model.insert(key.clone(), (v, at));
            }
            2 => {
                let v = Value::Int(step);
                db.set(&key, v.clone(), c, true, None);
                let at = model.get(&key).and_then(|(_, at)| *at);
                model.insert(key.clone(), (v, at));
            }
            3 => assert_eq!(db.remove(&key, c), model.remove(&key).map(|(v, _)| v)),
            4 => {
                let at = now + rng.next(50) as Ms;
                let had = model.get_mut(&key).map(|e| e.1 = Some(at)).is_some();
                assert_eq!(db.expire(&key, at, c), had);
            }
            5 => {
                let had = model.get_mut(&key).map(|e| e.1.take().is_some());
                assert_eq!(db.persist(&key, c), had.unwrap_or(false));
            }
            6 => now += rng.next(10) as Ms,
            _ => {
                let len = db.volatile_len();
                if len > 0 {
                    db.expire_slot(rng.next(len as u64) as usize, now);
                }
            }
        }
        model.retain(|_, (_, at)| !is_expired(*at, &Clock::at(now)));
        let want = model.get(&key).map(|(v, at)| (v.clone(), *at));
        let got = db
            .get_with_deadline(&key, &Clock::at(now))
            .map(|(v, at)| (v.clone(), at));
        assert_eq!(got, want, "step {step}");
        db.assert_consistent();
    }
}

#[test]
fn active_expiry_reclaims_dead_keys_only() {
    let mut ks = ShardState::new(2, 1);
    // 800 keys die at 50, 200 live until 5000, spread over both databases.
    for i in 0..1000 {
        let key = format!("k{i}");
        let at = if i % 5 == 0 { 5_000 } else { 50 };
        ks.dbs[i % 2].set(
            key.as_bytes(),
            Value::Int(i as i64),
            &Clock::at(0),
            false,
            Some(at),
        );
    }
    ks.dbs[1].set(b"plain", Value::Int(1), &Clock::at(0), false, None);
    let budget = Instant::now() + std::time::Duration::from_secs(5);
    let mut removed = 0;
    for _ in 0..50 {
        removed += ks.active_expire(100, budget);
    }
    // Sampling stops once few samples are dead, so a few dead keys may stay.
    assert!((700..=800).contains(&removed), "removed {removed}");
    for db in &mut ks.dbs {
        db.assert_consistent();
    }
    for i in (0..1000).step_by(5) {
        assert!(
            ks.dbs[i % 2].contains(format!("k{i}").as_bytes(), &Clock::at(100)),
            "k{i}"
        );
    }
    assert!(ks.dbs[1].contains(b"plain", &Clock::at(100)));
}

#[test]
fn sparse_tables_shrink() {
    let mut db = Db::new();
    let c = &Clock::at(0);
    for i in 0..10_000 {
        db.set(
            format!("k{i}").as_bytes(),
            Value::Int(i),
            c,
            false,
            Some(100 + i),
        );
    }
    for i in 10..10_000 {
        db.remove(format!("k{i}").as_bytes(), c);
    }
    let before = db.table.capacity();
    db.shrink_if_sparse();
    assert!(
        db.table.capacity() < before / 8,
        "{} -> {}",
        before,
        db.table.capacity()
    );
    db.assert_consistent();
    for i in 0..10 {
        assert_eq!(
            db.get(format!("k{i}").as_bytes(), c),
            Some(&mut Value::Int(i))
        );
    }
}

#[test]
fn keys_live_through_their_deadline_millisecond() {
    let mut db = Db::new();
    db.set(b"k", Value::Int(1), &Clock::at(0), false, Some(10));
    assert!(db.contains(b"k", &Clock::at(10)));
    assert!(!db.contains(b"k", &Clock::at(11)));
    assert_eq!(db.len(), 0);
    db.assert_consistent();
}

/// A value of a random shape: integers, inline and heap strings, a hash.
fn random_value(rng: &mut Lcg, step: i64) -> Value {
    match rng.next(5) {
        0 => Value::Int(step),
        1 => Value::string(format!("v{step}").as_bytes()),
        2 => Value::Str(crate::model::value::Bytes::from_slice(&vec![
            b'x';
            17 + rng.next(100)
                as usize
        ])),
        3 => {
            let mut h = crate::model::types::hash::Hash::new();
            h.set(
                b"f",
                format!("{step}").as_bytes(),
                &crate::model::encoding::DEFAULT,
            );
            Value::Hash(h)
        }
        _ => Value::Str(crate::model::value::Bytes::new()),
    }
}

/// A key of 0 to 40 bytes drawn from a space of `n`.
fn random_key(rng: &mut Lcg, n: u64) -> Vec<u8> {
    let id = rng.next(n);
    let mut key = format!("{id}:").into_bytes();
    key.resize(key.len() + (id % 37) as usize, b'k');
    if id == 0 {
        key.clear();
    }
    key
}

#[test]
fn model_run_through_growth_and_shrink() {
    let mut db = Db::new();
    let mut model: HashMap<Vec<u8>, (Value, Option<Ms>)> = HashMap::new();
    let mut rng = Lcg(99);
    let mut now: Ms = 0;
    // Phases: grow to ~6000 keys, churn, then delete down to a few and shrink.
    for (phase, steps, space) in [(0, 12_000, 8_000), (1, 8_000, 8_000), (2, 12_000, 8_000)] {
        for step in 0..steps {
            let key = random_key(&mut rng, space);
            let c = &Clock::at(now);
            let op = match phase {
                0 => rng.next(4),     // mostly inserts
                2 => 4 + rng.next(2), // deletes and expiry
                _ => rng.next(7),
            };
            match op {
                0 | 1 => {
                    let v = random_value(&mut rng, step);
                    let at = (rng.next(4) == 0).then(|| now + 1 + rng.next(500) as Ms);
                    db.set(&key, v.clone(), c, false, at);
                    model.insert(key, (v, at));
                }
                2 => {
                    let v = random_value(&mut rng, step);
                    db.set(&key, v.clone(), c, true, None);
                    let at = model.get(&key).and_then(|e| e.1);
                    model.insert(key, (v, at));
                }
                3 => {
                    let at = now + 1 + rng.next(500) as Ms;
                    let had = model.get_mut(&key).map(|e| e.1 = Some(at)).is_some();
                    assert_eq!(db.expire(&key, at, c), had);
                }
                4 => assert_eq!(db.remove(&key, c), model.remove(&key).map(|e| e.0)),
                _ => {
                    now += rng.next(3) as Ms;
                    let c = &Clock::at(now);
                    model.retain(|_, e| !is_expired(e.1, c));
                    let len = db.volatile_len();
                    if len > 0 {
                        db.expire_slot(rng.next(len as u64) as usize, now);
                    }
                }
            }
            if step % 1000 == 0 {
                db.shrink_if_sparse();
            }
        }
        let c = &Clock::at(now);
        model.retain(|_, e| !is_expired(e.1, c));
        for (k, (v, at)) in &model {
            let got = db.get_with_deadline(k, c).map(|(v, at)| (v.clone(), at));
            assert_eq!(got, Some((v.clone(), *at)), "phase {phase} key {k:?}");
        }
        let mut live = 0;
        db.for_each_key(c, |k| {
            assert!(model.contains_key(k), "stray key {k:?}");
            live += 1;
        });
        assert_eq!(live, model.len());
        db.assert_consistent();
    }
    // Delete what is left but a few, and the table gives its memory back.
    let keys: Vec<Vec<u8>> = model.keys().skip(5).cloned().collect();
    let c = &Clock::at(now);
    for k in &keys {
        assert!(db.remove(k, c).is_some());
    }
    let before = db.table.capacity();
    db.shrink_if_sparse();
    assert!(
        db.table.capacity() < before / 8,
        "{before} -> {}",
        db.table.capacity()
    );
    db.assert_consistent();
    db.clear();
    assert!(db.is_empty() && db.volatile_len() == 0);
}
