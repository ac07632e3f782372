//! One shard's items and the memcached operations on them, with memcached's
//! rules for expiration, `flush_all`, CAS uniques and `incr`/`decr`.
//!
//! Expired items are dropped when touched and, once their time has come, by the
//! shard's tick (a heap of expiration times). There is no memory limit and no
//! eviction: the store holds what it is given.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use hashbrown::hash_map::EntryRef;
use hashbrown::HashMap;

use crate::num::{push_u64, strtoull};
use crate::stats::{Counters, ShardReport, Stat};
use crate::verbs::{item_size, Mode, Store as StoreCmd, ITEM_SIZE_MAX};

/// Exptimes above this many seconds (30 days) are absolute Unix times.
pub const REALTIME_MAXDELTA: i64 = 60 * 60 * 24 * 30;

/// One item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    /// The data, without its `\r\n`.
    pub data: Vec<u8>,
    /// Client flags.
    pub flags: u32,
    /// Unix second it expires at; 0 never.
    pub exp: u64,
    /// CAS unique.
    pub cas: u64,
    /// Unix second it was stored (for delayed `flush_all`).
    pub time: u64,
}

/// The outcome of a storage command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stored {
    /// `STORED`.
    Stored,
    /// `NOT_STORED`.
    NotStored,
    /// `EXISTS`: the CAS unique did not match.
    Exists,
    /// `NOT_FOUND`: `cas` of an absent item.
    NotFound,
}

impl Stored {
    /// The reply line.
    pub fn text(self) -> &'static str {
        match self {
            Stored::Stored => "STORED",
            Stored::NotStored => "NOT_STORED",
            Stored::Exists => "EXISTS",
            Stored::NotFound => "NOT_FOUND",
        }
    }
}

/// Why `incr`/`decr` failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithError {
    /// No such item.
    NotFound,
    /// The item's data is not a decimal number.
    NonNumeric,
}

/// Why a live item was not found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Miss {
    Absent,
    Expired,
    Flushed,
}

/// The absolute expiration time memcached derives from a sent exptime: 0 never;
/// negative already expired; up to 30 days relative to now; beyond, a Unix time
/// (already expired when not in the future).
pub fn expires_at(exptime: i32, now: u64) -> u64 {
    let e = if exptime < 0 {
        REALTIME_MAXDELTA + 1
    } else {
        exptime as i64
    };
    if e == 0 {
        0
    } else if e > REALTIME_MAXDELTA {
        e as u64
    } else {
        now + e as u64
    }
}

/// A shard's items.
#[derive(Debug)]
pub struct Store {
    id: u64,
    nshards: u64,
    items: HashMap<Vec<u8>, Item>,
    /// Last CAS counter handed out; uniques are `counter * nshards + id`, so
    /// they never repeat across shards.
    cas_counter: u64,
    /// memcached's `oldest_live`: items stored at or before this second are
    /// invalid once it has come (0: no delayed flush pending).
    oldest_live: u64,
    /// Expiration times, soonest first (stale entries are skipped).
    expiring: BinaryHeap<Reverse<(u64, Vec<u8>)>>,
    bytes: u64,
    /// The shard's counters.
    pub stats: Counters,
}

fn charge(key: &[u8], it: &Item) -> u64 {
    item_size(key.len(), it.flags, it.data.len()) as u64
}

impl Store {
    /// Shard `id` of `nshards`, empty.
    pub fn new(id: usize, nshards: usize) -> Store {
        Store {
            id: id as u64,
            nshards: nshards.max(1) as u64,
            items: HashMap::new(),
            cas_counter: 0,
            oldest_live: 0,
            expiring: BinaryHeap::new(),
            bytes: 0,
            stats: Counters::default(),
        }
    }

    /// Items held (expired ones not yet dropped included).
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when no item is held.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    fn next_cas(&mut self) -> u64 {
        self.cas_counter += 1;
        self.cas_counter * self.nshards + self.id
    }

    /// The live item under `key`; a dead one is dropped on the way.
    fn live(&mut self, key: &[u8], now: u64) -> Result<&mut Item, Miss> {
        let flush_at = self.oldest_live;
        match self.items.entry_ref(key) {
            EntryRef::Vacant(_) => Err(Miss::Absent),
            EntryRef::Occupied(o) => {
                let it = o.get();
                let miss = if it.exp != 0 && it.exp <= now {
                    Miss::Expired
                } else if flush_at != 0 && now >= flush_at && it.time <= flush_at {
                    Miss::Flushed
                } else {
                    return Ok(o.into_mut());
                };
                let (k, it) = o.remove_entry();
                self.bytes -= charge(&k, &it);
                Err(miss)
            }
        }
    }

    /// Stores a new item (no live one exists under `key`).
    fn insert(&mut self, key: &[u8], data: &[u8], flags: u32, exp: u64, now: u64) {
        let cas = self.next_cas();
        let it = Item {
            data: data.to_vec(),
            flags,
            exp,
            cas,
            time: now,
        };
        self.bytes += charge(key, &it);
        if exp != 0 {
            self.expiring.push(Reverse((exp, key.to_vec())));
        }
        self.items.insert(key.to_vec(), it);
        self.stats.bump(Stat::TotalItems);
    }

    /// Replaces the live item under `key` in place (its allocation reused).
    fn overwrite(&mut self, key: &[u8], data: &[u8], flags: u32, exp: u64, now: u64) {
        let cas = self.next_cas();
        let Some(it) = self.items.get_mut(key) else {
            return self.insert(key, data, flags, exp, now);
        };
        let before = charge(key, it);
        it.data.clear();
        it.data.extend_from_slice(data);
        let old_exp = std::mem::replace(&mut it.exp, exp);
        (it.flags, it.cas, it.time) = (flags, cas, now);
        let after = charge(key, it);
        self.bytes = self.bytes - before + after;
        if exp != 0 && exp != old_exp {
            self.expiring.push(Reverse((exp, key.to_vec())));
        }
        self.stats.bump(Stat::TotalItems);
    }

    /// Runs a storage command whose data block is `data` (without `\r\n`).
    pub fn store(&mut self, key: &[u8], cmd: &StoreCmd, data: &[u8], now: u64) -> Stored {
        self.stats.bump(Stat::CmdSet);
        let exp = expires_at(cmd.exptime, now);
        let existing = self
            .live(key, now)
            .map(|it| (it.cas, it.flags, it.data.len()))
            .ok();
        match (cmd.mode, existing) {
            (Mode::Add, Some(_)) => Stored::NotStored,
            (Mode::Set | Mode::Add, None) => {
                self.insert(key, data, cmd.flags, exp, now);
                Stored::Stored
            }
            (Mode::Set | Mode::Replace, Some(_)) => {
                self.overwrite(key, data, cmd.flags, exp, now);
                Stored::Stored
            }
            (Mode::Replace | Mode::Append | Mode::Prepend, None) => Stored::NotStored,
            (Mode::Cas, None) => {
                self.stats.bump(Stat::CasMisses);
                Stored::NotFound
            }
            (Mode::Cas, Some((cas, _, _))) => {
                // A CAS unique of 0 never matches (memcached: "no CAS given").
                if cmd.cas != 0 && cmd.cas == cas {
                    self.stats.bump(Stat::CasHits);
                    self.overwrite(key, data, cmd.flags, exp, now);
                    Stored::Stored
                } else {
                    self.stats.bump(Stat::CasBadval);
                    Stored::Exists
                }
            }
            (Mode::Append | Mode::Prepend, Some((_, flags, len))) => {
                // The item keeps its flags and exptime; it must still fit.
                if item_size(key.len(), flags, len + data.len()) > ITEM_SIZE_MAX {
                    return Stored::NotStored;
                }
                let cas = self.next_cas();
                let Some(it) = self.items.get_mut(key) else {
                    return Stored::NotStored;
                };
                if cmd.mode == Mode::Append {
                    it.data.extend_from_slice(data);
                } else {
                    it.data.splice(0..0, data.iter().copied());
                }
                (it.cas, it.time) = (cas, now);
                self.bytes += data.len() as u64;
                self.stats.bump(Stat::TotalItems);
                Stored::Stored
            }
        }
    }

    /// A storage command too large to store: a `set` drops the old item.
    pub fn too_large(&mut self, key: &[u8], set: bool, now: u64) {
        self.stats.bump(Stat::StoreTooLarge);
        if set && self.live(key, now).is_ok() {
            if let Some((k, it)) = self.items.remove_entry(key) {
                self.bytes -= charge(&k, &it);
            }
        }
    }

    /// Looks `key` up for a `get`-family command, counting hits and misses,
    /// and appends its `VALUE` block when found; `touch` sets a new exptime.
    pub fn get_into(
        &mut self,
        key: &[u8],
        with_cas: bool,
        touch: Option<i32>,
        now: u64,
        out: &mut Vec<u8>,
    ) {
        self.stats.bump(Stat::CmdGet);
        if touch.is_some() {
            self.stats.bump(Stat::CmdTouch);
        }
        let new_exp = touch.map(|t| expires_at(t, now));
        match self.live(key, now) {
            Ok(it) => {
                if let Some(exp) = new_exp {
                    it.exp = exp;
                }
                write_value(out, key, it, with_cas);
                let touched = new_exp.filter(|&e| e != 0);
                self.stats.bump(Stat::GetHits);
                if touch.is_some() {
                    self.stats.bump(Stat::TouchHits);
                }
                if let Some(exp) = touched {
                    self.expiring.push(Reverse((exp, key.to_vec())));
                }
            }
            Err(miss) => {
                self.stats.bump(Stat::GetMisses);
                if touch.is_some() {
                    self.stats.bump(Stat::TouchMisses);
                }
                match miss {
                    Miss::Expired => self.stats.bump(Stat::GetExpired),
                    Miss::Flushed => self.stats.bump(Stat::GetFlushed),
                    Miss::Absent => {}
                }
            }
        }
    }

    /// `delete`: true when an item was removed.
    pub fn delete(&mut self, key: &[u8], now: u64) -> bool {
        let hit = self.live(key, now).is_ok();
        if hit {
            if let Some((k, it)) = self.items.remove_entry(key) {
                self.bytes -= charge(&k, &it);
            }
        }
        self.stats.bump(if hit {
            Stat::DeleteHits
        } else {
            Stat::DeleteMisses
        });
        hit
    }

    /// `touch`: true when the item exists (its CAS unique is kept).
    pub fn touch(&mut self, key: &[u8], exptime: i32, now: u64) -> bool {
        let exp = expires_at(exptime, now);
        self.stats.bump(Stat::CmdTouch);
        let hit = match self.live(key, now) {
            Ok(it) => {
                it.exp = exp;
                true
            }
            Err(_) => false,
        };
        if hit && exp != 0 {
            self.expiring.push(Reverse((exp, key.to_vec())));
        }
        self.stats.bump(if hit {
            Stat::TouchHits
        } else {
            Stat::TouchMisses
        });
        hit
    }

    /// `incr`/`decr` as memcached does them: the data must parse as an
    /// unsigned 64-bit decimal (`strtoull`, so leading spaces and a `+` pass);
    /// `incr` wraps, `decr` stops at 0. A shorter result is written over the
    /// old digits padded with spaces (the length stays); a longer one makes the
    /// item longer. Either way the item gets a new CAS unique.
    pub fn arith(
        &mut self,
        key: &[u8],
        incr: bool,
        delta: u64,
        now: u64,
    ) -> Result<u64, ArithError> {
        let (hit, miss) = if incr {
            (Stat::IncrHits, Stat::IncrMisses)
        } else {
            (Stat::DecrHits, Stat::DecrMisses)
        };
        let cas = (self.cas_counter + 1) * self.nshards + self.id;
        let it = match self.live(key, now) {
            Ok(it) => it,
            Err(_) => {
                self.stats.bump(miss);
                return Err(ArithError::NotFound);
            }
        };
        let value = if it.data.is_empty() {
            None
        } else {
            strtoull(&it.data)
        };
        let Some(value) = value else {
            return Err(ArithError::NonNumeric);
        };
        let new = if incr {
            value.wrapping_add(delta)
        } else {
            value.saturating_sub(delta)
        };
        let mut digits = Vec::with_capacity(20);
        push_u64(&mut digits, new);
        let old_len = it.data.len();
        let mut grew = 0;
        if digits.len() <= old_len {
            it.data[..digits.len()].copy_from_slice(&digits);
            it.data[digits.len()..].fill(b' ');
        } else {
            it.data.clear();
            it.data.extend_from_slice(&digits);
            grew = (digits.len() - old_len) as u64;
        }
        (it.cas, it.time) = (cas, now);
        self.cas_counter += 1;
        self.bytes += grew;
        self.stats.bump(hit);
        Ok(new)
    }

    /// `flush_all [delay]` on this shard: with no (or a past) delay every item
    /// goes now; otherwise items stored up to the second before the deadline
    /// become invalid when it comes.
    pub fn flush(&mut self, delay: i32, now: u64) {
        let deadline = if delay > 0 {
            expires_at(delay, now)
        } else {
            now
        };
        let oldest_live = deadline.saturating_sub(1);
        if oldest_live <= now {
            self.items.clear();
            self.items.shrink_to(0);
            self.expiring.clear();
            self.bytes = 0;
            self.oldest_live = 0;
        } else {
            self.oldest_live = oldest_live;
        }
    }

    /// Periodic work: drops items whose time has come, and applies a delayed
    /// flush once its deadline has passed.
    pub fn tick(&mut self, now: u64) {
        while let Some(Reverse((exp, _))) = self.expiring.peek() {
            if *exp > now {
                break;
            }
            let Some(Reverse((exp, key))) = self.expiring.pop() else {
                break;
            };
            // Skip stale entries: the item may have a new exptime by now.
            if self.items.get(&key).is_some_and(|it| it.exp == exp) {
                if let Some((k, it)) = self.items.remove_entry(&key) {
                    self.bytes -= charge(&k, &it);
                }
            }
        }
        if self.expiring.len() > 2 * self.items.len() + 1024 {
            let live = self.items.iter().filter(|(_, it)| it.exp != 0);
            self.expiring = live.map(|(k, it)| Reverse((it.exp, k.clone()))).collect();
        }
        if self.oldest_live != 0 && now >= self.oldest_live {
            let oldest = self.oldest_live;
            let mut freed = 0;
            self.items.retain(|k, it| {
                let keep = it.time > oldest;
                if !keep {
                    freed += charge(k, it);
                }
                keep
            });
            self.bytes -= freed;
            // Items stored from now on are newer than the deadline.
            if now > oldest {
                self.oldest_live = 0;
            }
        }
    }

    /// This shard's share of `stats`.
    pub fn report(&self) -> ShardReport {
        ShardReport {
            counters: self.stats,
            curr_items: self.items.len() as u64,
            bytes: self.bytes,
        }
    }

    /// `stats reset`: the counters start again from zero.
    pub fn reset_stats(&mut self) {
        self.stats = Counters::default();
    }
}

/// Appends `VALUE <key> <flags> <bytes>[ <cas>]\r\n<data>\r\n`.
pub fn write_value(out: &mut Vec<u8>, key: &[u8], it: &Item, with_cas: bool) {
    out.extend_from_slice(b"VALUE ");
    out.extend_from_slice(key);
    out.push(b' ');
    push_u64(out, it.flags as u64);
    out.push(b' ');
    push_u64(out, it.data.len() as u64);
    if with_cas {
        out.push(b' ');
        push_u64(out, it.cas);
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&it.data);
    out.extend_from_slice(b"\r\n");
}
