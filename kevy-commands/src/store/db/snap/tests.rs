//! Incremental snapshots against a copy taken at the cut: whatever the
//! commands do between slices (overwrites, in-place changes, removals,
//! deadlines, expiry, growth and rehashing, a flush), the snapshot decodes
//! to exactly the keys, values and deadlines the database held at the cut.

use std::collections::BTreeMap;

use super::super::*;
use crate::model::encoding::Enc;
use crate::model::types::list::{End, List};
use crate::persist::rdb::chunk::{AccessData, DbChunk};
use crate::persist::rdb::file::{write_rdb, FileInfo};
use crate::persist::rdb::{load_rdb, Checks, Options};

type State = BTreeMap<Vec<u8>, (Value, Option<Ms>)>;

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

const NOW: Ms = 1_000_000;

fn state(db: &Db) -> State {
    let mut out = State::new();
    db.for_each_to_save(|k, v, at, _, _| {
        out.insert(k.to_vec(), (v.clone(), at));
    });
    out
}

fn decoded(chunk: Option<DbChunk>, db: usize) -> State {
    let chunks: Vec<DbChunk> = chunk.into_iter().collect();
    assert!(chunks.iter().all(|c| c.db == db));
    let mut file = Vec::new();
    write_rdb(&mut file, Options::default(), FileInfo::default(), &chunks).unwrap();
    let mut out = State::new();
    load_rdb(
        &file,
        &Enc::default(),
        16,
        None,
        Checks {
            checksum: true,
            deep: true,
        },
        |_, _| true,
        |l| {
            out.insert(l.key.to_vec(), (l.value, l.expire));
            Ok(())
        },
    )
    .unwrap();
    out
}

fn list(items: usize) -> Value {
    let mut l = List::new();
    for i in 0..items {
        l.push(End::Right, format!("item{i}").as_bytes(), &Enc::default());
    }
    Value::List(l)
}

fn filled(n: usize) -> Db {
    let mut db = Db::new();
    let c = Clock::at(NOW);
    for i in 0..n {
        let key = format!("key:{i}");
        let v = if i % 5 == 0 {
            list(i % 7 + 1)
        } else {
            Value::string(format!("value-{i}").as_bytes())
        };
        let at = (i % 3 == 0).then_some(NOW + 10_000 + i as Ms);
        db.set(key.as_bytes(), v, &c, false, at);
    }
    // Already expired at the cut: left out.
    db.set(b"dead", Value::Int(1), &c, false, Some(NOW - 1));
    db
}

/// One random change through the database's public API.
fn mutate(db: &mut Db, rng: &mut Lcg, step: u64, size: usize) {
    let c = Clock::at(NOW + step as Ms);
    let key = format!("key:{}", rng.next(size as u64 * 2)).into_bytes();
    match rng.next(9) {
        0 => db.set(&key, Value::Int(step as i64), &c, false, None),
        1 => db.set(&key, Value::Int(-1), &c, true, Some(NOW + 99)),
        2 => {
            db.remove(&key, &c);
        }
        3 => {
            if let Some(Value::List(l)) = db.get(&key, &c) {
                l.push(End::Left, b"pushed", &Enc::default());
            } else if let Some(v) = db.get(&key, &c) {
                *v = Value::string(b"changed in place");
            }
        }
        4 => {
            db.expire(&key, NOW + 5, &c);
        }
        5 => {
            db.persist(&key, &c);
        }
        6 => {
            db.take(&key, &c);
        }
        7 => {
            // Expiry: lazily (a lookup later than the deadline) or actively.
            let late = Clock::at(NOW + 20_000);
            db.contains(&key, &late);
            let len = db.volatile_len();
            if len > 0 {
                db.expire_slot(rng.next(len as u64) as usize, NOW + 20_000);
            }
        }
        _ => {
            // Growth (a resize moves every node), then removals (tombstones,
            // a rehash in place, a shrink).
            for i in 0..64 {
                db.set(
                    format!("grow:{step}:{i}").as_bytes(),
                    Value::Int(1),
                    &c,
                    false,
                    None,
                );
            }
            for i in 0..64 {
                db.remove(format!("grow:{step}:{i}").as_bytes(), &c);
            }
            db.shrink_if_sparse();
        }
    }
}

#[test]
fn a_snapshot_is_the_database_at_the_cut_whatever_happens_between_slices() {
    for (seed, size, budget) in [(1, 2_000, 7), (2, 500, 1), (3, 5_000, 300), (4, 50, 1000)] {
        let mut db = filled(size);
        let mut rng = Lcg(seed);
        let want = state(&db);
        db.begin_snapshot(4, SnapFormat::Rdb, seed % 2 == 0, AccessData::None, 0);
        let mut step = 0;
        while !db.snapshot_step(budget) {
            for _ in 0..rng.next(20) {
                step += 1;
                mutate(&mut db, &mut rng, step, size);
            }
        }
        assert!(
            step > 0 || budget >= size,
            "changes happened during the snapshot"
        );
        let got = decoded(db.take_snapshot(), 4);
        assert_eq!(got.len(), want.len(), "seed {seed}");
        assert!(
            got == want,
            "seed {seed}: the snapshot differs from the cut"
        );
        assert!(!db.snapshot_running());
        db.assert_consistent();
        // A second snapshot (the marks flipped back) sees the changes.
        let want = state(&db);
        db.begin_snapshot(0, SnapFormat::Rdb, true, AccessData::None, 0);
        while !db.snapshot_step(budget) {
            mutate(&mut db, &mut rng, step + 1, size);
        }
        assert!(
            decoded(db.take_snapshot(), 0) == want,
            "seed {seed}: second snapshot"
        );
    }
}

#[test]
fn a_flush_during_a_snapshot_keeps_the_cut() {
    let mut db = filled(1_000);
    let want = state(&db);
    db.begin_snapshot(2, SnapFormat::Rdb, true, AccessData::Lru, 0);
    assert!(!db.snapshot_step(10));
    db.clear();
    db.set(b"after", Value::Int(1), &Clock::at(NOW), false, None);
    assert!(db.snapshot_step(10));
    assert!(decoded(db.take_snapshot(), 2) == want);
    // An empty database's snapshot is complete at once, with no chunk.
    let mut empty = Db::new();
    empty.begin_snapshot(0, SnapFormat::Rdb, true, AccessData::None, 0);
    assert!(empty.snapshot_step(1));
    assert_eq!(empty.take_snapshot(), None);
}

#[test]
fn a_resp_snapshot_holds_each_key_of_the_cut_as_commands() {
    let size = 1_500;
    let mut db = filled(size);
    let mut rng = Lcg(9);
    let want = state(&db);
    db.begin_snapshot(3, SnapFormat::Resp, true, AccessData::None, 0);
    let mut step = 0;
    while !db.snapshot_step(5) {
        for _ in 0..rng.next(20) {
            step += 1;
            mutate(&mut db, &mut rng, step, size);
        }
    }
    let chunk = db.take_snapshot().expect("keys");
    assert_eq!((chunk.db, chunk.keys as usize), (3, want.len()));
    // Every key of the cut is there as the commands recreating it, and
    // nothing else is.
    let mut total = 0;
    for (key, (value, at)) in &want {
        let mut cmds = Vec::new();
        crate::persist::resp::write_key(&mut cmds, key, value, *at);
        assert!(
            chunk.bytes.windows(cmds.len()).any(|w| w == &cmds[..]),
            "{}",
            String::from_utf8_lossy(key)
        );
        total += cmds.len();
    }
    assert_eq!(chunk.bytes.len(), total);
}

#[test]
fn a_key_save_delay_paces_the_slices() {
    let mut db = filled(40);
    let want = state(&db);
    // One key per step at most, and none until the delay has passed.
    db.begin_snapshot(0, SnapFormat::Rdb, true, AccessData::None, 1_000);
    let mut steps = 0;
    while !db.snapshot_step(1 << 20) {
        steps += 1;
        std::thread::sleep(std::time::Duration::from_micros(1_100));
    }
    assert!(
        steps >= want.len() - 1,
        "{steps} steps for {} keys",
        want.len()
    );
    assert!(decoded(db.take_snapshot(), 0) == want);
}

#[test]
fn a_discarded_snapshot_yields_nothing_and_leaves_every_key_to_the_next() {
    let size = 2_000;
    let mut db = filled(size);
    let mut rng = Lcg(5);
    // Paced: the given-up snapshot has taken a few keys only.
    db.begin_snapshot(1, SnapFormat::Rdb, false, AccessData::None, 1_000_000);
    assert!(!db.snapshot_step(10));
    for step in 0..50 {
        mutate(&mut db, &mut rng, step, size);
    }
    db.discard_snapshot();
    // Unpaced now, and taking without encoding.
    while !db.snapshot_step(64) {}
    assert!(db.take_snapshot().is_none());
    assert!(!db.snapshot_running());
    let want = state(&db);
    db.begin_snapshot(1, SnapFormat::Rdb, false, AccessData::None, 0);
    while !db.snapshot_step(100) {}
    assert!(decoded(db.take_snapshot(), 1) == want);
}
