//! The modified-key hook (Redis's `signalModifiedKey` and
//! `notifyKeyspaceEvent`): every change to a key of a shard goes through
//! [`Signals`], one per shard shared by its databases, which
//! - flags the `WATCH`es of the key as broken (only keys someone watches
//!   have an entry: [`Watches`]), and
//! - when keyspace notifications or client tracking are on, logs the key
//!   (and the event's class and name) for the shard layer to publish and
//!   invalidate after the command ([`Log`]).
//!
//! The databases call it from their own write paths (store, remove, take,
//! expire, persist, clear, lazy and active expiry, eviction); commands that
//! change a collection in place call [`crate::store::db::Db::notify`] with
//! the event Redis names. When nobody listens a write pays two loads and a
//! branch ([`Db::listening`](crate::store::db::Db)).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::ops::Range;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

/// Notification classes (Redis's `NOTIFY_*` bits).
pub mod class {
    /// `K`: `__keyspace@<db>__:<key>` messages.
    pub const KEYSPACE: u32 = 1 << 0;
    /// `E`: `__keyevent@<db>__:<event>` messages.
    pub const KEYEVENT: u32 = 1 << 1;
    /// `g`: generic commands (DEL, EXPIRE, RENAME…).
    pub const GENERIC: u32 = 1 << 2;
    /// `$`: string commands.
    pub const STRING: u32 = 1 << 3;
    /// `l`: list commands.
    pub const LIST: u32 = 1 << 4;
    /// `s`: set commands.
    pub const SET: u32 = 1 << 5;
    /// `h`: hash commands.
    pub const HASH: u32 = 1 << 6;
    /// `z`: sorted set commands.
    pub const ZSET: u32 = 1 << 7;
    /// `x`: expired keys.
    pub const EXPIRED: u32 = 1 << 8;
    /// `e`: evicted keys.
    pub const EVICTED: u32 = 1 << 9;
    /// `t`: stream commands.
    pub const STREAM: u32 = 1 << 10;
    /// `m`: key misses (not part of `A`).
    pub const KEY_MISS: u32 = 1 << 11;
    /// `d`: module events.
    pub const MODULE: u32 = 1 << 13;
    /// `n`: new keys (not part of `A`).
    pub const NEW: u32 = 1 << 14;
    /// `A`: `g$lshzxetd`.
    pub const ALL: u32 =
        GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE;
    /// No notification: a change that only breaks watches and invalidates
    /// tracked keys.
    pub const NONE: u32 = 0;
}

/// Redis's `keyspaceEventsStringToFlags`: `None` for a character that names
/// no class.
pub fn flags_of(classes: &str) -> Option<u32> {
    let mut flags = 0;
    for c in classes.chars() {
        flags |= match c {
            'A' => class::ALL,
            'g' => class::GENERIC,
            '$' => class::STRING,
            'l' => class::LIST,
            's' => class::SET,
            'h' => class::HASH,
            'z' => class::ZSET,
            'x' => class::EXPIRED,
            'e' => class::EVICTED,
            'K' => class::KEYSPACE,
            'E' => class::KEYEVENT,
            't' => class::STREAM,
            'm' => class::KEY_MISS,
            'd' => class::MODULE,
            'n' => class::NEW,
            _ => return None,
        };
    }
    Some(flags)
}

/// The text kevy keeps for `flags`: Redis's [`flags_text`], with `n` after
/// `A` when both are set (Redis's text hides `n` there, yet its flags keep
/// it: new-key events still fire).
pub fn flags_kept(flags: u32) -> String {
    let mut s = flags_text(flags);
    if flags & class::ALL == class::ALL && flags & class::NEW != 0 {
        s.insert(1, 'n');
    }
    s
}

/// Redis's `keyspaceEventsFlagsToString` (what `CONFIG GET` shows: `A`
/// stands for all of it and hides `n`).
pub fn flags_text(flags: u32) -> String {
    let mut s = String::new();
    if flags & class::ALL == class::ALL {
        s.push('A');
    } else {
        for (bit, c) in [
            (class::GENERIC, 'g'),
            (class::STRING, '$'),
            (class::LIST, 'l'),
            (class::SET, 's'),
            (class::HASH, 'h'),
            (class::ZSET, 'z'),
            (class::EXPIRED, 'x'),
            (class::EVICTED, 'e'),
            (class::STREAM, 't'),
            (class::MODULE, 'd'),
            (class::NEW, 'n'),
        ] {
            if flags & bit != 0 {
                s.push(c);
            }
        }
    }
    for (bit, c) in [
        (class::KEYSPACE, 'K'),
        (class::KEYEVENT, 'E'),
        (class::KEY_MISS, 'm'),
    ] {
        if flags & bit != 0 {
            s.push(c);
        }
    }
    s
}

/// Server-wide switches every database reads (inside the shared
/// [`Limits`](crate::store::limits::Limits)): the notification classes and
/// whether any client tracks keys.
#[derive(Debug, Default)]
pub struct Switches {
    /// `notify-keyspace-events` as class bits.
    pub notify: AtomicU32,
    /// Connections with tracking on (any shard).
    pub tracking: AtomicU32,
    /// `tracking-table-max-keys` (0: no limit).
    pub tracking_max_keys: std::sync::atomic::AtomicU64,
}

impl Switches {
    /// True when changes must be logged (notifications or tracking on).
    #[inline]
    pub fn logging(&self) -> bool {
        self.notify.load(Relaxed) != 0 || self.tracking.load(Relaxed) != 0
    }

    /// The notification classes.
    #[inline]
    pub fn notify(&self) -> u32 {
        self.notify.load(Relaxed)
    }

    /// True when some client tracks keys.
    #[inline]
    pub fn tracking(&self) -> bool {
        self.tracking.load(Relaxed) != 0
    }
}

/// One watcher of a key: a client (its id, its shard, the generation of
/// its watches there) and whether the key was already expired (present
/// but past its deadline) when it watched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Watcher {
    /// The client's id.
    pub client: u64,
    /// The shard the client lives on.
    pub home: u32,
    /// Its watches' generation (a later `UNWATCH` starts a new one).
    pub gen: u64,
    /// Redis's `watchedKey.expired`.
    pub expired: bool,
}

/// A watched key: its database index and bytes.
pub type WatchedKey = (u32, Box<[u8]>);

/// A shard's watched keys (Redis's `db->watched_keys` plus the clients'
/// lists), by database index and key.
#[derive(Debug, Default)]
pub struct Watches {
    /// `(db, key)` → its watchers.
    pub keys: HashMap<WatchedKey, Vec<Watcher>>,
    /// A client's watched keys here.
    pub clients: HashMap<u64, Vec<WatchedKey>>,
    /// Watchers one of whose keys changed (Redis's `CLIENT_DIRTY_CAS`),
    /// not yet told.
    pub broken: Vec<Watcher>,
}

impl Watches {
    /// `w` watches `key` of `db`. Watching a key twice is watching it once.
    pub fn watch(&mut self, w: Watcher, db: u32, key: &[u8]) {
        let mine = self.clients.entry(w.client).or_default();
        if mine.iter().any(|(d, k)| *d == db && &**k == key) {
            return;
        }
        mine.push((db, key.into()));
        self.keys.entry((db, key.into())).or_default().push(w);
    }

    /// Drops every watch of `client` here.
    pub fn unwatch(&mut self, client: u64) {
        if let Some(mine) = self.clients.remove(&client) {
            for (db, key) in mine {
                let k = (db, key);
                if let Some(ws) = self.keys.get_mut(&k) {
                    ws.retain(|w| w.client != client);
                    if ws.is_empty() {
                        self.keys.remove(&k);
                    }
                }
            }
        }
    }

    /// Redis's `touchWatchedKey`: `key` of `db` changed; `exists` says
    /// whether it is in the table now. A watcher that saw the key expired
    /// and finds it gone keeps its transaction (the expired key was deleted:
    /// no logical change).
    pub fn touch(&mut self, db: u32, key: &[u8], exists: bool) {
        let Some(ws) = self.keys.get_mut(&(db, Box::from(key))) else {
            return;
        };
        for w in ws.iter_mut() {
            if w.expired && !exists {
                w.expired = false;
                continue;
            }
            self.broken.push(*w);
        }
    }

    /// Every watched key of `db` (for Redis's `touchAllWatchedKeysInDb`).
    pub fn keys_of(&self, db: u32) -> Vec<Box<[u8]>> {
        self.keys
            .keys()
            .filter(|(d, _)| *d == db)
            .map(|(_, k)| k.clone())
            .collect()
    }

    /// Takes the broken watchers (one per client) and drops their watches
    /// here, as Redis's `unwatchAllKeys` on a dirty client.
    pub fn take_broken(&mut self) -> Vec<Watcher> {
        let mut b = std::mem::take(&mut self.broken);
        b.sort_by_key(|w| w.client);
        b.dedup_by_key(|w| w.client);
        for w in &b {
            self.unwatch(w.client);
        }
        b
    }
}

/// One logged change: its database, key, class and event name (class
/// [`class::NONE`]: a change with no notification of its own).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    /// The database index.
    pub db: u32,
    /// The key's bytes in [`Log::bytes`].
    pub key: Range<usize>,
    /// The notification class.
    pub class: u32,
    /// The event name.
    pub event: &'static str,
}

/// Changes waiting for the shard layer (publishing, invalidation).
#[derive(Debug, Default)]
pub struct Log {
    /// The keys' bytes.
    pub bytes: Vec<u8>,
    /// The changes, in order.
    pub items: Vec<Item>,
    /// Databases flushed whole (tracking invalidates everything).
    pub flushed: bool,
}

impl Log {
    /// An event for `key`, its bytes stored (not yet in the item list: a
    /// command's notification whose change the store already signalled).
    pub fn item(&mut self, db: u32, key: &[u8], class: u32, event: &'static str) -> Item {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(key);
        Item {
            db,
            key: start..self.bytes.len(),
            class,
            event,
        }
    }

    /// The key of `item`.
    pub fn key(&self, item: &Item) -> &[u8] {
        self.bytes.get(item.key.clone()).unwrap_or(&[])
    }
}

/// A shard's hook: its watches and its log of changes.
#[derive(Debug, Default)]
pub struct Signals {
    /// Some key of this shard is watched.
    watching: Cell<bool>,
    /// The watches.
    watches: RefCell<Watches>,
    /// The changes not yet published.
    log: RefCell<Log>,
}

impl Signals {
    /// True when some key here is watched.
    #[inline]
    pub fn watching(&self) -> bool {
        self.watching.get()
    }

    /// Works on the watches (keeps [`Signals::watching`] in step).
    pub fn with_watches<R>(&self, f: impl FnOnce(&mut Watches) -> R) -> R {
        let mut w = self.watches.borrow_mut();
        let r = f(&mut w);
        self.watching
            .set(!w.keys.is_empty() || !w.broken.is_empty());
        r
    }

    /// Records a change of `key` in `db`: breaks its watches (`exists`:
    /// whether it is in the table now) and, when `log`, logs it.
    pub fn signal(
        &self,
        db: u32,
        key: &[u8],
        exists: bool,
        class: u32,
        event: &'static str,
        log: bool,
    ) {
        if self.watching.get() {
            self.watches.borrow_mut().touch(db, key, exists);
        }
        if log {
            let mut l = self.log.borrow_mut();
            let start = l.bytes.len();
            l.bytes.extend_from_slice(key);
            let end = l.bytes.len();
            l.items.push(Item {
                db,
                key: start..end,
                class,
                event,
            });
        }
    }

    /// Where the log ends now (see [`Signals::reorder`]).
    pub fn mark(&self) -> usize {
        self.log.borrow().items.len()
    }

    /// Replaces the items logged since `mark` with `f`'s rewrite of them
    /// (a command puts its events in Redis's order).
    pub fn reorder(&self, mark: usize, f: impl FnOnce(&mut Log, Vec<Item>) -> Vec<Item>) {
        let mut l = self.log.borrow_mut();
        let at = mark.min(l.items.len());
        let tail = l.items.split_off(at);
        let items = f(&mut l, tail);
        l.items.extend(items);
    }

    /// Logs an event that changes nothing (a key miss).
    pub fn log_event(&self, db: u32, key: &[u8], class: u32, event: &'static str) {
        let mut l = self.log.borrow_mut();
        let item = l.item(db, key, class, event);
        l.items.push(item);
    }

    /// Bytes the log holds allocated (what logging a change may grow).
    pub fn log_capacity(&self) -> usize {
        let l = self.log.borrow();
        l.bytes.capacity() + l.items.capacity() * std::mem::size_of::<Item>()
    }

    /// Notes that a database was flushed (tracking's "invalidate all").
    pub fn flushed(&self) {
        self.log.borrow_mut().flushed = true;
    }

    /// True when changes wait in the log, or broken watchers to be told.
    #[inline]
    pub fn pending(&self) -> bool {
        let l = self.log.borrow();
        !l.items.is_empty() || l.flushed || !self.watches.borrow().broken.is_empty()
    }

    /// Takes the log (leaving an empty one that keeps `spare`'s buffers).
    pub fn take_log(&self, spare: Log) -> Log {
        let mut spare = spare;
        spare.bytes.clear();
        spare.items.clear();
        spare.flushed = false;
        std::mem::replace(&mut *self.log.borrow_mut(), spare)
    }
}

#[cfg(test)]
mod tests;
