//! Client-side caching on a key's shard (Redis's `tracking.c`): which
//! clients read which keys of this shard ([`Table::remember`]), the
//! broadcast prefixes every shard keeps for BCAST clients, and the
//! invalidation messages a change sends ([`Table::invalidate`]), pushed
//! to the tracking connection (or its redirect target) through the
//! runtime's outbox and rendered on that connection's shard by its session
//! then (`Redis::render_push`: a RESP3 push, or a RESP2 message on
//! `__redis__:invalidate` to a subscribed redirect target, or nothing).

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::Ordering;

use kevy_rt::{ConnHandle, Outbox};

use crate::accounting::Shared;

/// Push tag of an invalidation (the payload is the RESP keys array, or a
/// null for "everything").
pub const TAG_INVALIDATE: u8 = 1;
/// Added to [`TAG_INVALIDATE`] when the message goes to a redirect target.
pub const TAG_REDIRECTED: u8 = 2;
/// To the tracking client itself: its redirect target is gone (the
/// payload is the target's id in decimal).
pub const TAG_REDIR_BROKEN: u8 = 4;

/// A tracking client as the key shards know it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Track {
    /// The tracking client's id.
    pub client: u64,
    /// Where its invalidations go (itself, or its redirect target).
    pub target: ConnHandle,
    /// The tracking client's own connection.
    pub own: ConnHandle,
    /// `target` is a redirect target.
    pub redirect: bool,
    /// The redirect target's client id (0: none).
    pub redir: u64,
    /// NOLOOP: not told of its own changes.
    pub noloop: bool,
    /// The tracking client speaks RESP3 (its "everything" null's shape).
    pub resp3: bool,
    /// It stopped tracking (or closed) since: kept in the key table, as
    /// Redis keeps a client's ids there until the key changes (INFO counts
    /// them), but told nothing.
    pub off: bool,
}

impl Track {
    fn tag(&self) -> u8 {
        TAG_INVALIDATE | if self.redirect { TAG_REDIRECTED } else { 0 }
    }

    /// Sends an invalidation (Redis's `sendTrackingMessage`): to the
    /// target, or — its redirect target gone — `tracking-redir-broken` to
    /// the tracking client itself.
    fn send(&self, payload: &[u8], to: &To<'_>) {
        if let Some(ahead) = to.ahead {
            if !self.redirect && ahead.client == self.client {
                ahead.write(payload);
                return;
            }
        }
        if self.redirect && !to.alive(self.redir) {
            let id = self.redir.to_string();
            to.outbox
                .push_rendered(self.own, TAG_REDIR_BROKEN, id.as_bytes());
            return;
        }
        to.outbox.push_rendered(self.target, self.tag(), payload);
    }
}

/// Where invalidations go: the shard's outbox, and the server's
/// connection registry (a redirect target may be gone).
pub struct To<'a> {
    /// The shard's outbox.
    pub outbox: &'a Outbox,
    /// The connections by client id.
    pub shared: &'a Shared,
    /// The command about to run, whose own client's invalidations go
    /// straight into its reply buffer, ahead of its reply.
    pub ahead: Option<&'a Ahead>,
}

/// Invalidations that must reach a client before the reply of the command
/// it is running: the keys a command's eviction removed before it ran
/// (Redis's `performEvictions` in `processCommand`, before `call`, so its
/// tracking messages are sent at once, where a key the command changes
/// itself is told after its reply). Written into the command's reply
/// buffer (on any shard: it travels to the connection in the command's
/// place in the reply order), rendered as the connection's session would.
#[derive(Debug, Default)]
pub struct Ahead {
    /// The running command's client.
    pub client: u64,
    /// It speaks RESP3 (else a client without redirection is told
    /// nothing, as [`render`](crate::family::tracking::render) does).
    pub resp3: bool,
    /// What goes into the command's reply buffer before its reply.
    pub out: RefCell<Vec<u8>>,
}

impl Ahead {
    fn write(&self, payload: &[u8]) {
        if self.resp3 {
            let mut out = self.out.borrow_mut();
            out.extend_from_slice(b">2\r\n$10\r\ninvalidate\r\n");
            out.extend_from_slice(payload);
        }
    }
}

impl To<'_> {
    /// Whether client `id` is still connected.
    fn alive(&self, id: u64) -> bool {
        self.shared.registered(id).is_some()
    }
}

/// Keys changed since the last broadcast, each with the client that
/// changed it last (0: none).
type Changed = BTreeMap<Box<[u8]>, u64>;

/// A shard's tracking state.
#[derive(Debug, Default)]
pub struct Table {
    /// Key → the clients that read it since it last changed.
    keys: HashMap<Box<[u8]>, Vec<Track>>,
    /// BCAST prefix → its clients.
    bcast: BTreeMap<Box<[u8]>, Vec<Track>>,
    /// BCAST prefix → keys changed since the last flush, with the client
    /// that changed each last (0: none, expiry or eviction).
    pending: BTreeMap<Box<[u8]>, Changed>,
    /// The tracking clients living on this shard (told "everything" on a
    /// flush).
    pub homed: HashMap<u64, Track>,
    /// `keys.len()` as last added to [`Shared::tracked_keys`].
    counted: usize,
}

/// The RESP array of `keys` (an invalidation's payload).
fn keys_payload<'a>(keys: impl ExactSizeIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = format!("*{}\r\n", keys.len()).into_bytes();
    for k in keys {
        out.extend_from_slice(format!("${}\r\n", k.len()).as_bytes());
        out.extend_from_slice(k);
        out.extend_from_slice(b"\r\n");
    }
    out
}

impl Table {
    /// Number of keys tracked here (INFO's `tracking_total_keys` share).
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when no key is tracked here.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Number of (key, client) pairs tracked here.
    pub fn items(&self) -> usize {
        self.keys.values().map(Vec::len).sum()
    }

    /// Number of BCAST prefixes.
    pub fn prefixes(&self) -> usize {
        self.bcast.len()
    }

    /// `t` read `key` (Redis's `trackingRememberKeys`); past `max` keys
    /// (this shard's share of `tracking-table-max-keys`, `None`: no limit)
    /// others are forgotten, their clients told as if they changed.
    pub fn remember(&mut self, t: Track, key: &[u8], max: Option<usize>, to: &To<'_>) {
        let v = self.keys.entry(key.into()).or_default();
        match v.iter_mut().find(|x| x.client == t.client) {
            Some(x) => *x = t,
            None => v.push(t),
        }
        self.count(to.shared);
        self.limit(max, Some(key), to);
    }

    /// While the server's tracking tables hold more than `max` keys
    /// (`tracking-table-max-keys`, `None`: no limit), forgets keys of this
    /// shard other than `keep`, their clients told as if they changed
    /// (Redis's `trackingLimitUsedSlots`, run on the cron and before
    /// commands: the limit may have been lowered since).
    pub fn limit(&mut self, max: Option<usize>, keep: Option<&[u8]>, to: &To<'_>) {
        let Some(max) = max else {
            return;
        };
        let total = &to.shared.tracked_keys;
        loop {
            let now = total.load(Ordering::Relaxed);
            if now <= max {
                break;
            }
            let Some(victim) = self.keys.keys().find(|k| Some(&***k) != keep).cloned() else {
                break;
            };
            // Each removal is claimed on the server's count first: shards
            // over the limit at once (one remembering a key, another on
            // its tick) remove the excess between them, not each of them.
            if total
                .compare_exchange(now, now - 1, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
            {
                continue;
            }
            self.counted -= 1;
            self.tell(&victim, 0, to);
        }
    }

    /// Brings [`Shared::tracked_keys`] up to date with this table.
    fn count(&mut self, shared: &Shared) {
        let now = self.keys.len();
        if now > self.counted {
            shared
                .tracked_keys
                .fetch_add(now - self.counted, Ordering::Relaxed);
        } else if now < self.counted {
            shared
                .tracked_keys
                .fetch_sub(self.counted - now, Ordering::Relaxed);
        }
        self.counted = now;
    }

    /// BCAST client `t` follows keys starting with `prefix` here.
    pub fn follow(&mut self, t: Track, prefix: &[u8]) {
        let subs = self.bcast.entry(prefix.into()).or_default();
        subs.retain(|x| x.client != t.client);
        subs.push(t);
    }

    /// Forgets client `client` (tracking off, or gone): its BCAST
    /// prefixes go; the keys it read keep it, turned off, until they
    /// change (Redis's lazy `disableTracking`).
    pub fn forget(&mut self, client: u64) {
        for v in self.keys.values_mut() {
            for t in v.iter_mut().filter(|t| t.client == client) {
                t.off = true;
            }
        }
        self.bcast.retain(|_, v| {
            v.retain(|t| t.client != client);
            !v.is_empty()
        });
        self.homed.remove(&client);
    }

    /// `key` changed, by client `writer` (0: none): tells its readers
    /// (Redis's `trackingInvalidateKey`) and notes it for the BCAST
    /// prefixes it matches.
    pub fn invalidate(&mut self, key: &[u8], writer: u64, to: &To<'_>) {
        for (prefix, _) in self.bcast.iter() {
            if key.starts_with(prefix) {
                self.pending
                    .entry(prefix.clone())
                    .or_default()
                    .insert(key.into(), writer);
            }
        }
        self.tell(key, writer, to);
    }

    fn tell(&mut self, key: &[u8], writer: u64, to: &To<'_>) {
        let Some(readers) = self.keys.remove(key) else {
            return;
        };
        self.count(to.shared);
        let payload = keys_payload(std::iter::once(key));
        for t in readers {
            if t.off || (t.noloop && t.client == writer) {
                continue;
            }
            t.send(&payload, to);
        }
    }

    /// Sends the BCAST invalidations gathered since the last call (Redis's
    /// `trackingBroadcastInvalidationMessages`, run once per loop iteration
    /// from `beforeSleep`: one array per prefix holding every key of it
    /// changed in the iteration, keys a NOLOOP client changed itself last
    /// left out).
    #[inline]
    pub fn broadcast(&mut self, to: &To<'_>) {
        if !self.pending.is_empty() {
            self.send_pending(to);
        }
    }

    #[cold]
    fn send_pending(&mut self, to: &To<'_>) {
        for (prefix, keys) in std::mem::take(&mut self.pending) {
            let Some(subs) = self.bcast.get(&prefix) else {
                continue;
            };
            for t in subs {
                let mine = |w: &u64| t.noloop && *w == t.client;
                let n = keys.values().filter(|w| !mine(w)).count();
                if n == 0 {
                    continue;
                }
                let list: Vec<&[u8]> = keys
                    .iter()
                    .filter(|(_, w)| !mine(w))
                    .map(|(k, _)| &**k)
                    .collect();
                t.send(&keys_payload(list.into_iter()), to);
            }
        }
    }

    /// Forgets every tracked key (a flush: Redis frees its whole tracking
    /// table then, whether or not any client still tracks).
    pub fn drop_keys(&mut self, shared: &Shared) {
        self.keys.clear();
        self.count(shared);
    }

    /// A database was flushed (Redis's `trackingInvalidateKeysOnFlush`):
    /// the tracking clients living here are told "everything" (a null),
    /// and this shard forgets its tracked keys.
    pub fn flushed(&mut self, to: &To<'_>) {
        for t in self.homed.values() {
            let null: &[u8] = if t.resp3 { b"_\r\n" } else { b"$-1\r\n" };
            t.send(null, to);
        }
        self.drop_keys(to.shared);
    }
}
