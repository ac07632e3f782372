//! The memory settings every shard reads: `maxmemory`, the policy, the
//! sampling and LFU parameters (atomics in the config's `Live`, set by
//! `CONFIG SET` and the config file), and the [`MemoryGauge`] the embedder
//! installs to count memory.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicU8, Ordering::Relaxed};
use std::sync::OnceLock;

use crate::base::sys;

/// A `maxmemory-policy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// Evict keys with a time to live, least recently used first.
    VolatileLru,
    /// Evict keys with a time to live, least frequently used first.
    VolatileLfu,
    /// Evict random keys with a time to live.
    VolatileRandom,
    /// Evict keys with a time to live, soonest deadline first.
    VolatileTtl,
    /// Evict any key, least recently used first.
    AllkeysLru,
    /// Evict any key, least frequently used first.
    AllkeysLfu,
    /// Evict random keys.
    AllkeysRandom,
    /// Evict nothing: refuse writes over the limit.
    NoEviction,
}

/// Every policy with its name, in the order `CONFIG SET` lists them.
pub const POLICIES: [(&str, Policy); 8] = [
    ("volatile-lru", Policy::VolatileLru),
    ("volatile-lfu", Policy::VolatileLfu),
    ("volatile-random", Policy::VolatileRandom),
    ("volatile-ttl", Policy::VolatileTtl),
    ("allkeys-lru", Policy::AllkeysLru),
    ("allkeys-lfu", Policy::AllkeysLfu),
    ("allkeys-random", Policy::AllkeysRandom),
    ("noeviction", Policy::NoEviction),
];

impl Policy {
    /// The policy named `name` (lowercase).
    pub fn parse(name: &str) -> Option<Policy> {
        POLICIES.iter().find(|(n, _)| *n == name).map(|(_, p)| *p)
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        POLICIES[self as usize].0
    }

    /// True for the policies that only evict keys with a time to live.
    pub fn volatile(self) -> bool {
        matches!(
            self,
            Policy::VolatileLru
                | Policy::VolatileLfu
                | Policy::VolatileRandom
                | Policy::VolatileTtl
        )
    }

    /// True for the LFU policies (accesses count frequency, not recency).
    pub fn lfu(self) -> bool {
        matches!(self, Policy::VolatileLfu | Policy::AllkeysLfu)
    }

    fn from_index(i: u8) -> Policy {
        POLICIES
            .get(i as usize)
            .map_or(Policy::NoEviction, |(_, p)| *p)
    }
}

/// Where the bytes in use come from: the embedder's allocator.
pub trait MemoryGauge: Send + Sync {
    /// Bytes the process holds allocated now (`used_memory`). Cheap enough
    /// to call before every write while `maxmemory` is set.
    fn used(&self) -> u64;
    /// A running count of the calling thread's allocations minus its frees,
    /// in bytes: only differences mean something (what an eviction freed).
    fn thread_net(&self) -> i64;
}

/// The memory settings, shared by every shard (atomics, set by `CONFIG`).
pub struct Limits {
    maxmemory: AtomicU64,
    /// What `CONFIG SET maxmemory` found over the new limit, for every
    /// shard to free its share of ([`Limits::note_goal`]).
    goal: AtomicU64,
    /// Index into [`POLICIES`].
    policy: AtomicU8,
    samples: AtomicU32,
    tenacity: AtomicU32,
    lfu_log_factor: AtomicU32,
    lfu_decay_time: AtomicU32,
    lfu: AtomicBool,
    gauge: OnceLock<&'static dyn MemoryGauge>,
    /// The gauge's figure when it was installed (`used_memory_startup`).
    startup: AtomicU64,
    /// The encoding thresholds (settings every database reads, like
    /// these).
    pub encodings: crate::store::encodings::Encodings,
    /// Keyspace notification classes and tracking, read by every write.
    pub switches: crate::store::signal::Switches,
    /// The `lazyfree-lazy-*` settings.
    pub lazy: crate::store::lazyfree::Lazy,
    /// While clients are paused (`CLIENT PAUSE`, until this unix time in
    /// ms; 0: not paused) lookups keep expired keys: they read as missing
    /// but stay, uncounted, until the pause ends (Redis's `expireIfNeeded`
    /// keeps the dataset constant while paused).
    held_until: AtomicU64,
    /// The normal clients' output hard limit (`client-output-buffer-limit
    /// normal <hard> …`; 0: none): a reply of random picks with repeats
    /// stops growing past it, its client being closed for it anyway, as
    /// Redis's loop stops at `CLIENT_CLOSE_ASAP`.
    reply_cap: AtomicU64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::new()
    }
}

impl std::fmt::Debug for Limits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limits")
            .field("maxmemory", &self.maxmemory())
            .field("policy", &self.policy())
            .finish_non_exhaustive()
    }
}

impl Limits {
    /// Redis's defaults: no limit, `noeviction`, 5 samples, tenacity 10,
    /// LFU log factor 10 and decay time 1.
    pub fn new() -> Limits {
        Limits {
            maxmemory: AtomicU64::new(0),
            goal: AtomicU64::new(0),
            policy: AtomicU8::new(Policy::NoEviction as u8),
            samples: AtomicU32::new(5),
            tenacity: AtomicU32::new(10),
            lfu_log_factor: AtomicU32::new(10),
            lfu_decay_time: AtomicU32::new(1),
            lfu: AtomicBool::new(false),
            gauge: OnceLock::new(),
            startup: AtomicU64::new(0),
            encodings: Default::default(),
            lazy: Default::default(),
            held_until: AtomicU64::new(0),
            reply_cap: AtomicU64::new(0),
            switches: {
                let s = crate::store::signal::Switches::default();
                s.tracking_max_keys.store(1_000_000, Relaxed);
                s
            },
        }
    }

    /// Holds expired keys until `until_ms` (a `CLIENT PAUSE`; the later of
    /// two pauses wins), or (`None`: `CLIENT UNPAUSE`) no longer.
    pub fn hold_expiry(&self, until_ms: Option<u64>) {
        match until_ms {
            Some(ms) => {
                self.held_until.fetch_max(ms, Relaxed);
            }
            None => self.held_until.store(0, Relaxed),
        }
    }

    /// True while expired keys are held at `now_ms` ([`Limits::hold_expiry`]).
    #[inline]
    pub fn expiry_held(&self, now_ms: i64) -> bool {
        now_ms < self.held_until.load(Relaxed) as i64
    }

    /// The limit in bytes (0: none).
    #[inline]
    pub fn maxmemory(&self) -> u64 {
        self.maxmemory.load(Relaxed)
    }

    /// Notes what is over the limit just set, as the shards will free it:
    /// each its share of this figure, read now, as Redis's `CONFIG SET`
    /// evicts once before replying — not of what each reads when it gets
    /// to it, which the first shard's eviction inflates (its invalidations
    /// on their way to many clients) into evicting far more.
    pub fn note_goal(&self) {
        let max = self.maxmemory();
        let over = if max == 0 {
            0
        } else {
            self.used().saturating_sub(max)
        };
        self.goal.store(over, Relaxed);
    }

    /// What the last `CONFIG SET maxmemory` found over the limit.
    pub fn goal(&self) -> u64 {
        self.goal.load(Relaxed)
    }

    /// The policy.
    pub fn policy(&self) -> Policy {
        Policy::from_index(self.policy.load(Relaxed))
    }

    /// True under an LFU policy.
    #[inline]
    pub fn lfu(&self) -> bool {
        self.lfu.load(Relaxed)
    }

    /// `lfu-log-factor` and `lfu-decay-time`.
    #[inline]
    pub fn lfu_params(&self) -> (u32, u32) {
        (
            self.lfu_log_factor.load(Relaxed),
            self.lfu_decay_time.load(Relaxed),
        )
    }

    /// `maxmemory-samples`.
    pub fn samples(&self) -> usize {
        self.samples.load(Relaxed).max(1) as usize
    }

    /// Applies the value `v` (canonical text) of setting `name`; false
    /// when `name` is not a memory setting.
    pub fn update(&self, name: &str, v: &str) -> bool {
        let n = || v.parse::<u64>().unwrap_or(0);
        match name {
            "maxmemory" => self.maxmemory.store(n(), Relaxed),
            "maxmemory-policy" => {
                let p = Policy::parse(v).unwrap_or(Policy::NoEviction);
                self.policy.store(p as u8, Relaxed);
                self.lfu.store(p.lfu(), Relaxed);
            }
            "maxmemory-samples" => self.samples.store(n() as u32, Relaxed),
            "maxmemory-eviction-tenacity" => self.tenacity.store(n() as u32, Relaxed),
            "lfu-log-factor" => self.lfu_log_factor.store(n() as u32, Relaxed),
            "lfu-decay-time" => self.lfu_decay_time.store(n() as u32, Relaxed),
            "lazyfree-lazy-eviction" => self.lazy.eviction.store(v == "yes", Relaxed),
            "lazyfree-lazy-expire" => self.lazy.expire.store(v == "yes", Relaxed),
            "lazyfree-lazy-server-del" => self.lazy.server_del.store(v == "yes", Relaxed),
            "lazyfree-lazy-user-del" => self.lazy.user_del.store(v == "yes", Relaxed),
            "lazyfree-lazy-user-flush" => self.lazy.user_flush.store(v == "yes", Relaxed),
            "tracking-table-max-keys" => self.switches.tracking_max_keys.store(n(), Relaxed),
            "client-output-buffer-limit" => {
                let hard = v.split(' ').nth(1).and_then(|h| h.parse().ok());
                self.reply_cap.store(hard.unwrap_or(0), Relaxed);
            }
            "notify-keyspace-events" => self
                .switches
                .notify
                .store(crate::store::signal::flags_of(v).unwrap_or(0), Relaxed),
            _ => return self.encodings.update(name, v),
        }
        true
    }

    /// The size past which a reply of repeated random picks stops (the
    /// normal clients' output hard limit), if one is set.
    pub fn reply_cap(&self) -> Option<usize> {
        match self.reply_cap.load(Relaxed) {
            0 => None,
            n => Some(usize::try_from(n).unwrap_or(usize::MAX)),
        }
    }

    /// Installs the gauge `used_memory` and eviction read (the first one
    /// wins); false when one was already installed.
    pub fn set_gauge(&self, gauge: &'static dyn MemoryGauge) -> bool {
        let set = self.gauge.set(gauge).is_ok();
        if set {
            self.startup.store(gauge.used(), Relaxed);
        }
        set
    }

    /// The gauge's figure when it was installed, if there is one.
    pub fn startup(&self) -> Option<u64> {
        self.gauge().map(|_| self.startup.load(Relaxed))
    }

    /// The installed gauge.
    #[inline]
    pub fn gauge(&self) -> Option<&'static dyn MemoryGauge> {
        self.gauge.get().copied()
    }

    /// Bytes in use: the gauge's figure, else the allocator's statistics,
    /// else the resident size.
    pub fn used(&self) -> u64 {
        match self.gauge() {
            Some(g) => g.used(),
            None => sys::allocated_bytes().unwrap_or_else(sys::rss_bytes),
        }
    }

    /// How long one eviction call may run, in µs (Redis's
    /// `evictionTimeLimitUs`): 50 µs per tenacity step up to 10, then 15%
    /// more per step, unlimited at 100.
    pub fn time_limit_us(&self) -> u64 {
        time_limit_us(self.tenacity.load(Relaxed))
    }
}

/// Redis's `evictionTimeLimitUs` for `tenacity`.
pub fn time_limit_us(tenacity: u32) -> u64 {
    match tenacity {
        0..=10 => 50 * tenacity as u64,
        11..=99 => (500.0 * 1.15f64.powi(tenacity as i32 - 10)) as u64,
        _ => u64::MAX,
    }
}
