//! Eviction: the LFU counter, the pool, each policy's choice of victim
//! (volatile-ttl the soonest deadline, volatile-* never a key without a
//! TTL), `-OOM` under noeviction, OBJECT FREQ and the memory settings.

use std::sync::Arc;

use super::*;
use crate::model::value::Value;
use crate::shard::ShardState;
use crate::store::db::{lru_ticks, now_ms, Clock};
use crate::store::lfu::{self, accessed, decayed, fresh, log_incr, minutes, INIT};
use crate::store::pool::{Pool, SIZE};
use crate::testutil::{harness, inline, run};

/// A keyspace of 2 databases following fresh limits with `policy`, every
/// key sampled at once (samples ≥ keys).
fn keyspace(policy: &str) -> (ShardState, Arc<Limits>) {
    let limits = Arc::new(Limits::new());
    limits.update("maxmemory-policy", policy);
    limits.update("maxmemory-samples", "64");
    let mut ks = ShardState::new(2, 42);
    ks.set_limits(&limits);
    ks.tick_clock(now_ms());
    (ks, limits)
}

fn set(ks: &mut ShardState, db: usize, key: &str, ttl_ms: Option<i64>) {
    let now = Clock::new();
    let at = ttl_ms.map(|t| now_ms() + t);
    ks.db(db)
        .set(key.as_bytes(), Value::string(b"value"), &now, false, at);
}

fn has(ks: &mut ShardState, db: usize, key: &str) -> bool {
    ks.db(db).contains(key.as_bytes(), &Clock::new())
}

/// Runs eviction passes until one finishes: a pass stops at Redis's time
/// limit with `Running` (a slow debug build under load may need several).
fn evict_until_done(ks: &mut ShardState) -> Outcome {
    for _ in 0..10_000 {
        match ks.perform_evictions() {
            Outcome::Running => continue,
            done => return done,
        }
    }
    Outcome::Running
}

#[test]
fn lfu_counter_grows_logarithmically() {
    // A fresh key starts at INIT; the first increments are certain.
    assert_eq!(log_incr(INIT, 10, 0.999), INIT + 1);
    assert_eq!(log_incr(0, 10, 0.999), 1);
    // At 15 with factor 10, p = 1/101.
    assert_eq!(log_incr(15, 10, 0.5), 15);
    assert_eq!(log_incr(15, 10, 0.009), 16);
    assert_eq!(log_incr(255, 0, 0.0), 255);
    // Redis's table for factor 10: ~10 after 100 hits, ~18 after 1000.
    let mut rng = 7u64;
    let mut c = 0;
    let mut after = Vec::new();
    for hit in 1..=1000 {
        c = log_incr(c, 10, lfu::unit(crate::base::random::xorshift(&mut rng)));
        if hit == 100 || hit == 1000 {
            after.push(c);
        }
    }
    assert!((8..=13).contains(&after[0]), "after 100 hits: {}", after[0]);
    assert!(
        (15..=22).contains(&after[1]),
        "after 1000 hits: {}",
        after[1]
    );
}

#[test]
fn lfu_counter_decays_per_period() {
    let data = (100 << 8) | 10;
    assert_eq!(decayed(data, 100, 1), 10);
    assert_eq!(decayed(data, 103, 1), 7);
    assert_eq!(decayed(data, 103, 2), 9);
    assert_eq!(decayed(data, 103, 0), 10, "decay time 0: no decay");
    assert_eq!(decayed(data, 200, 1), 0, "never below 0");
    // The 16-bit minute clock wraps.
    assert_eq!(decayed((65534 << 8) | 10, 1, 1), 8);
    // An access decays, then increments, then stamps the minute.
    assert_eq!(accessed(data, 103, 10, 1, 0.0), (103 << 8) | 8);
    assert_eq!(fresh(7), (7 << 8) | INIT);
    assert_eq!(minutes(600 * 3 + 599), 3);
}

#[test]
fn pool_keeps_the_best_candidates_in_order() {
    let mut p = Pool::default();
    for score in [5u64, 1, 9, 3] {
        p.offer(score, 0, format!("k{score}").as_bytes());
    }
    for score in 100..100 + SIZE as u64 {
        p.offer(score, 1, format!("k{score}").as_bytes());
    }
    assert_eq!(p.len(), SIZE);
    // Worse than everything in a full pool: not taken.
    p.offer(0, 0, b"worst");
    let mut popped = Vec::new();
    while let Some(e) = p.pop() {
        popped.push(e.score);
        p.recycle(e);
    }
    let want: Vec<u64> = (100..100 + SIZE as u64).rev().collect();
    assert_eq!(popped, want);
    assert!(p.is_empty());
}

#[test]
fn policies_parse_by_name() {
    for (name, p) in POLICIES {
        assert_eq!(Policy::parse(name), Some(p));
        assert_eq!(p.name(), name);
    }
    assert!(Policy::VolatileTtl.volatile() && !Policy::AllkeysLru.volatile());
    assert!(Policy::AllkeysLfu.lfu() && !Policy::VolatileTtl.lfu());
    assert_eq!(time_limit_us(10), 500);
    assert_eq!(time_limit_us(0), 0);
    assert_eq!(time_limit_us(11), 575);
    assert_eq!(time_limit_us(100), u64::MAX);
}

#[test]
fn lru_evicts_the_longest_idle_key() {
    let (mut ks, _) = keyspace("allkeys-lru");
    let t = lru_ticks(now_ms());
    for (i, key) in ["a", "b", "old", "c"].iter().enumerate() {
        ks.db(0)
            .set_lru_clock(if *key == "old" { t - 500 } else { t + i as u32 });
        set(&mut ks, 0, key, None);
    }
    ks.db(0).set_lru_clock(t + 10);
    assert!(matches!(
        ks.evict_one(Policy::AllkeysLru, None),
        Evicted::Freed(_)
    ));
    assert!(!has(&mut ks, 0, "old"));
    assert_eq!(ks.db(0).len(), 3);
    // A read makes a key recent again: the next victim is the oldest other.
    ks.db(0).get(b"a", &Clock::new());
    ks.evict_one(Policy::AllkeysLru, None);
    assert!(has(&mut ks, 0, "a") && !has(&mut ks, 0, "b"));
    assert_eq!(ks.evict.evicted, 2);
}

#[test]
fn lfu_evicts_the_least_frequently_used_key() {
    let (mut ks, limits) = keyspace("allkeys-lfu");
    assert!(limits.lfu());
    for key in ["a", "b", "rare", "c"] {
        set(&mut ks, 1, key, None);
    }
    for key in ["a", "b", "c"] {
        for _ in 0..3 {
            ks.db(1).get(key.as_bytes(), &Clock::new());
        }
    }
    assert_eq!(ks.db(1).frequency(b"rare", &Clock::new()), Some(INIT));
    assert!(ks.db(1).frequency(b"a", &Clock::new()).unwrap() > INIT);
    ks.evict_one(Policy::AllkeysLfu, None);
    assert!(!has(&mut ks, 1, "rare"));
    assert_eq!(ks.db(1).len(), 3);
}

#[test]
fn volatile_ttl_evicts_the_soonest_deadline_and_never_a_persistent_key() {
    let (mut ks, _) = keyspace("volatile-ttl");
    set(&mut ks, 0, "later", Some(100_000));
    set(&mut ks, 0, "soon", Some(10_000));
    set(&mut ks, 1, "latest", Some(900_000));
    set(&mut ks, 0, "persistent", None);
    ks.evict_one(Policy::VolatileTtl, None);
    assert!(!has(&mut ks, 0, "soon") && has(&mut ks, 0, "later"));
    ks.evict_one(Policy::VolatileTtl, None);
    assert!(!has(&mut ks, 0, "later") && has(&mut ks, 1, "latest"));
    ks.evict_one(Policy::VolatileTtl, None);
    assert!(!has(&mut ks, 1, "latest"));
    assert!(ks.evict_one(Policy::VolatileTtl, None) == Evicted::Nothing);
    assert!(has(&mut ks, 0, "persistent"));
}

#[test]
fn volatile_policies_evict_only_keys_with_a_ttl_then_fail() {
    for policy in [
        "volatile-lru",
        "volatile-lfu",
        "volatile-random",
        "volatile-ttl",
    ] {
        let (mut ks, limits) = keyspace(policy);
        for i in 0..20 {
            set(&mut ks, i % 2, &format!("ttl{i}"), Some(60_000));
            set(&mut ks, i % 2, &format!("keep{i}"), None);
        }
        // 1 byte: always over, whatever the allocator says.
        limits.update("maxmemory", "1");
        assert_eq!(evict_until_done(&mut ks), Outcome::Fail, "{policy}");
        assert_eq!(ks.evict.evicted, 20, "{policy}");
        for i in 0..20 {
            assert!(has(&mut ks, i % 2, &format!("keep{i}")), "{policy}");
            assert!(!has(&mut ks, i % 2, &format!("ttl{i}")), "{policy}");
        }
    }
}

#[test]
fn allkeys_policies_evict_everything_over_a_tiny_limit() {
    for policy in ["allkeys-lru", "allkeys-lfu", "allkeys-random"] {
        let (mut ks, limits) = keyspace(policy);
        for i in 0..50 {
            set(
                &mut ks,
                i % 2,
                &format!("k{i}"),
                (i % 3 == 0).then_some(60_000),
            );
        }
        limits.update("maxmemory", "1");
        assert_eq!(evict_until_done(&mut ks), Outcome::Fail, "{policy}");
        assert_eq!(ks.evict.evicted, 50, "{policy}");
        assert_eq!(ks.db(0).len() + ks.db(1).len(), 0, "{policy}");
        limits.update("maxmemory", "0");
        assert_eq!(ks.perform_evictions(), Outcome::Ok, "{policy}");
    }
}

const OOM_REPLY: &[u8] = b"-OOM command not allowed when used memory > 'maxmemory'.\r\n";

#[test]
fn noeviction_refuses_writes_but_serves_reads_and_deletes() {
    let mut h = harness();
    assert_eq!(run(&mut h, &["SET", "k", "v"]), b"+OK\r\n");
    assert_eq!(
        run(&mut h, &["MSET", "a", "1", "b", "2", "c", "3"]),
        b"+OK\r\n"
    );
    assert_eq!(
        run(&mut h, &["CONFIG", "SET", "maxmemory", "1"]),
        b"+OK\r\n"
    );
    assert_eq!(run(&mut h, &["SET", "k", "w"]), OOM_REPLY);
    assert_eq!(run(&mut h, &["APPEND", "k", "w"]), OOM_REPLY);
    assert_eq!(
        run(&mut h, &["MSET", "a", "1", "b", "2", "c", "3"]),
        OOM_REPLY
    );
    assert_eq!(run(&mut h, &["GET", "k"]), b"$1\r\nv\r\n");
    // Not denyoom: these may run.
    assert_eq!(run(&mut h, &["EXPIRE", "a", "100"]), b":1\r\n");
    assert_eq!(run(&mut h, &["DEL", "k", "a"]), b":2\r\n");
    let info = run(&mut h, &["INFO", "memory"]);
    let text = String::from_utf8_lossy(&info);
    assert!(text.contains("maxmemory:1\r\n"), "{text}");
    assert!(text.contains("maxmemory_human:1B\r\n"), "{text}");
    assert!(text.contains("maxmemory_policy:noeviction\r\n"), "{text}");
    assert_eq!(
        run(&mut h, &["CONFIG", "SET", "maxmemory", "0"]),
        b"+OK\r\n"
    );
    assert_eq!(run(&mut h, &["SET", "k", "w"]), b"+OK\r\n");
}

#[test]
fn allkeys_lru_evicts_and_counts_in_info() {
    let mut h = harness();
    for i in 0..30 {
        run(&mut h, &["SET", &format!("k{i}"), "v"]);
    }
    run(
        &mut h,
        &["CONFIG", "SET", "maxmemory-policy", "allkeys-lru"],
    );
    run(&mut h, &["CONFIG", "SET", "maxmemory", "1"]);
    // Everything on the shards written to goes, then the write is refused.
    assert_eq!(run(&mut h, &["SET", "k0", "v"]), OOM_REPLY);
    run(&mut h, &["CONFIG", "SET", "maxmemory", "0"]);
    let info = run(&mut h, &["INFO", "stats"]);
    let text = String::from_utf8_lossy(&info);
    let evicted: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("evicted_keys:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    assert!(evicted > 0, "{text}");
    run(&mut h, &["CONFIG", "RESETSTAT"]);
    let text = String::from_utf8_lossy(&run(&mut h, &["INFO", "stats"])).into_owned();
    assert!(text.contains("evicted_keys:0\r\n"), "{text}");
}

#[test]
fn object_freq_and_idletime_follow_the_policy() {
    let mut h = harness();
    let no_lfu = b"-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n";
    let lfu = b"-ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n";
    run(&mut h, &["SET", "k", "v"]);
    assert_eq!(run(&mut h, &["OBJECT", "FREQ", "k"]), no_lfu);
    assert_eq!(run(&mut h, &["OBJECT", "IDLETIME", "k"]), b":0\r\n");
    run(
        &mut h,
        &["CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"],
    );
    assert_eq!(run(&mut h, &["OBJECT", "IDLETIME", "k"]), lfu);
    run(&mut h, &["SET", "k2", "v"]);
    assert_eq!(run(&mut h, &["OBJECT", "FREQ", "k2"]), b":5\r\n");
    run(&mut h, &["GET", "k2"]);
    assert_eq!(run(&mut h, &["OBJECT", "FREQ", "k2"]), b":6\r\n");
    // OBJECT itself is not an access; TOUCH is.
    assert_eq!(run(&mut h, &["OBJECT", "FREQ", "k2"]), b":6\r\n");
    run(&mut h, &["TOUCH", "k2"]);
    let f = run(&mut h, &["OBJECT", "FREQ", "k2"]);
    assert!(f == b":6\r\n" || f == b":7\r\n");
    assert_eq!(run(&mut h, &["OBJECT", "FREQ", "missing"]), b"$-1\r\n");
    run(
        &mut h,
        &["CONFIG", "SET", "maxmemory-policy", "volatile-lru"],
    );
    assert_eq!(run(&mut h, &["OBJECT", "FREQ", "k2"]), no_lfu);
}

#[test]
fn settings_take_redis_units_and_ranges() {
    let mut h = inline();
    assert_eq!(
        run(&mut h, &["CONFIG", "SET", "maxmemory", "50mb"]),
        b"+OK\r\n"
    );
    assert_eq!(
        run(&mut h, &["CONFIG", "GET", "maxmemory"]),
        b"*2\r\n$9\r\nmaxmemory\r\n$8\r\n52428800\r\n"
    );
    assert_eq!(
        run(&mut h, &["CONFIG", "SET", "maxmemory", "1g"]),
        b"+OK\r\n"
    );
    assert_eq!(
        run(&mut h, &["CONFIG", "GET", "maxmemory"]),
        b"*2\r\n$9\r\nmaxmemory\r\n$10\r\n1000000000\r\n"
    );
    assert_eq!(
        run(&mut h, &["CONFIG", "SET", "maxmemory-samples", "0"]),
        b"-ERR CONFIG SET failed (possibly related to argument 'maxmemory-samples') - argument must be between 1 and 2147483647 inclusive\r\n"
    );
    for (name, value) in [
        ("maxmemory-samples", "10"),
        ("maxmemory-eviction-tenacity", "100"),
        ("lfu-log-factor", "0"),
        ("lfu-decay-time", "0"),
    ] {
        assert_eq!(run(&mut h, &["CONFIG", "SET", name, value]), b"+OK\r\n");
    }
    let limits = h.shard(0).evict.limits().clone();
    assert_eq!(limits.maxmemory(), 1_000_000_000);
    assert_eq!(limits.samples(), 10);
    assert_eq!(limits.time_limit_us(), u64::MAX);
    assert_eq!(limits.lfu_params(), (0, 0));
    run(&mut h, &["CONFIG", "SET", "maxmemory", "0"]);
}

#[test]
fn lru_orders_accesses_within_one_tick() {
    let (mut ks, _) = keyspace("allkeys-lru");
    for key in ["first", "second", "third", "fourth"] {
        set(&mut ks, 0, key, None);
    }
    ks.db(0).get(b"first", &Clock::new());
    ks.evict_one(Policy::AllkeysLru, None);
    assert!(has(&mut ks, 0, "first") && !has(&mut ks, 0, "second"));
    ks.evict_one(Policy::AllkeysLru, None);
    assert!(has(&mut ks, 0, "first") && !has(&mut ks, 0, "third"));
}

/// A gauge the test sets: `used` as stored, and frees never measured (an
/// eviction frees 0 bytes as far as the loop knows).
struct FixedGauge(std::sync::atomic::AtomicU64);

impl MemoryGauge for FixedGauge {
    fn used(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
    fn thread_net(&self) -> i64 {
        0
    }
}

/// A read a little over the limit evicts no key bigger than the shard's
/// share of the excess (a write does); well over, it evicts.
#[test]
fn a_read_evicts_no_more_than_its_share() {
    let (mut ks, limits) = keyspace("allkeys-random");
    let gauge: &'static FixedGauge = Box::leak(Box::new(FixedGauge(0.into())));
    assert!(limits.set_gauge(gauge));
    limits.update("maxmemory", "1000000");
    let now = Clock::new();
    ks.db(0)
        .set(b"big", Value::string(&[b'x'; 10_000]), &now, false, None);
    // 2,000 bytes over: the 10 KB value stays for a read…
    gauge
        .0
        .store(1_002_000, std::sync::atomic::Ordering::Relaxed);
    ks.evict_before();
    assert!(has(&mut ks, 0, "big"));
    assert_eq!(ks.evict.evicted, 0);
    // …and 20,000 over, it goes.
    gauge
        .0
        .store(1_020_000, std::sync::atomic::Ordering::Relaxed);
    ks.evict_before();
    assert!(!has(&mut ks, 0, "big"));
    assert_eq!(ks.evict.evicted, 1);
    // A write 2,000 over evicts whatever it takes.
    ks.db(0)
        .set(b"big", Value::string(&[b'x'; 10_000]), &now, false, None);
    gauge
        .0
        .store(1_002_000, std::sync::atomic::Ordering::Relaxed);
    assert_eq!(evict_until_done(&mut ks), Outcome::Fail);
    assert!(!has(&mut ks, 0, "big"));
    assert_eq!(ks.evict.evicted, 2);
}

/// A gauge whose every eviction frees 500 bytes (each removal reads the
/// thread's count twice, 500 apart).
struct StepGauge(std::sync::atomic::AtomicU64, std::sync::atomic::AtomicI64);

impl MemoryGauge for StepGauge {
    fn used(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
    fn thread_net(&self) -> i64 {
        self.1.fetch_sub(500, std::sync::atomic::Ordering::Relaxed)
    }
}

/// An allkeys-random keyspace of 100 keys whose memory a [`StepGauge`]
/// measures.
fn stepped_keyspace() -> (ShardState, Arc<Limits>, &'static StepGauge) {
    let (mut ks, limits) = keyspace("allkeys-random");
    let gauge: &'static StepGauge = Box::leak(Box::new(StepGauge(0.into(), 0.into())));
    assert!(limits.set_gauge(gauge));
    for i in 0..100 {
        set(&mut ks, 0, &format!("k{i}"), None);
    }
    (ks, limits, gauge)
}

/// `CONFIG SET maxmemory` frees what was over when it was set, not what
/// is over when the shard gets to it: the first shard's eviction may have
/// grown memory meanwhile (its invalidations on their way to many
/// tracking clients), and evicting that too drained the keyspace.
#[test]
fn a_lowered_limit_frees_what_was_over_when_it_was_set() {
    let (mut ks, limits, gauge) = stepped_keyspace();
    gauge
        .0
        .store(1_010_000, std::sync::atomic::Ordering::Relaxed);
    limits.update("maxmemory", "1000000");
    limits.note_goal();
    assert_eq!(limits.goal(), 10_000);
    // By the time this shard evicts, memory looks half a megabyte over.
    gauge
        .0
        .store(1_500_000, std::sync::atomic::Ordering::Relaxed);
    ks.evict_nudged();
    assert_eq!(ks.evict.evicted, 20, "10,000 bytes at 500 a key");
    assert_eq!(ks.db(0).len(), 80);
    // Under the limit by then: nothing.
    gauge.0.store(900_000, std::sync::atomic::Ordering::Relaxed);
    ks.evict_nudged();
    assert_eq!(ks.evict.evicted, 20);
}

/// Between commands, memory over the limit is mostly output on its way
/// (an eviction's own invalidations to tracking clients): the tick evicts
/// only to finish an eviction cut short for time, as Redis's
/// `evictionTimeProc`. Evicting for every excess it saw fed on those
/// invalidations until the keyspace was gone.
#[test]
fn the_tick_only_finishes_an_eviction_cut_short() {
    let (mut ks, limits, gauge) = stepped_keyspace();
    limits.update("maxmemory", "1000000");
    gauge
        .0
        .store(1_100_000, std::sync::atomic::Ordering::Relaxed);
    ks.evict_tick();
    assert_eq!(ks.evict.evicted, 0, "no eviction was running");
    // No time at all: a write's eviction stops after its first 16 keys.
    limits.update("maxmemory-eviction-tenacity", "0");
    assert_eq!(ks.perform_evictions(), Outcome::Running);
    assert_eq!(ks.evict.evicted, 16);
    ks.evict_tick();
    assert_eq!(ks.evict.evicted, 32, "the tick goes on with it");
    // Under the limit: done; over again, the tick leaves it to commands.
    gauge.0.store(900_000, std::sync::atomic::Ordering::Relaxed);
    assert_eq!(ks.perform_evictions(), Outcome::Ok);
    gauge
        .0
        .store(1_100_000, std::sync::atomic::Ordering::Relaxed);
    ks.evict_tick();
    assert_eq!(ks.evict.evicted, 32);
}
