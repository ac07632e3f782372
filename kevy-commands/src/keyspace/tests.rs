//! Keyspace tests: a randomized run against a model, checking the values,
//! the deadlines and the volatile index after every step.

use std::collections::HashMap;
use std::time::Instant;

use super::*;

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
    let mut ks = Keyspace::new(2, 1);
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
