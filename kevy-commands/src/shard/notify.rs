//! What a shard does with its change log after each command
//! ([`ShardState::flush_signals`]): keyspace notifications published as
//! Redis's `notifyKeyspaceEvent` does (`__keyspace@<db>__:<key>` with the
//! event, `__keyevent@<db>__:<event>` with the key), to this shard's
//! subscribers at once and to every other shard's through a notice; and the
//! notices shards send each other ([`Notice`]): publish, watch, unwatch.

use crate::shard::pubsub::Kind;
use crate::shard::ShardState;
use crate::store::db::Clock;
use kevy_rt::ConnHandle;

use crate::shard::tracking::Track;
use crate::store::signal::{class, Log, Watcher};

/// A message between shards' command sets (sent with
/// [`kevy_rt::Outbox::notice`]): a tag byte, integers, then a
/// length-prefixed field or two.
#[derive(Debug, PartialEq, Eq)]
pub enum Notice<'a> {
    /// Publish `message` on `channel` to this shard's subscribers.
    Publish {
        /// The channel.
        channel: &'a [u8],
        /// The message.
        message: &'a [u8],
    },
    /// Client `client` of shard `home` watches `key` of `db` (sent to the
    /// key's shard), its watches' generation `gen`.
    Watch {
        /// The client's id.
        client: u64,
        /// Its shard.
        home: u32,
        /// Its watches' generation.
        gen: u64,
        /// The database.
        db: u32,
        /// The key.
        key: &'a [u8],
    },
    /// Client `client` watches nothing on this shard any more.
    Unwatch {
        /// The client's id.
        client: u64,
    },
    /// A key client `client` watched (generation `gen`) changed (sent to
    /// its shard).
    Dirty {
        /// The client's id.
        client: u64,
        /// The generation the watch had.
        gen: u64,
    },
    /// BCAST client `track` follows keys starting with `prefix`.
    Follow {
        /// The client.
        track: Track,
        /// The prefix.
        prefix: &'a [u8],
    },
    /// Publish keyspace event `event` (of `class`) for `key` of `db` (a
    /// multi-shard command's, named where the key lives).
    Event {
        /// The database.
        db: u32,
        /// The class.
        class: u32,
        /// The event name.
        event: &'a [u8],
        /// The key.
        key: &'a [u8],
    },
    /// Client `client` tracks nothing any more.
    Untrack {
        /// The client's id.
        client: u64,
    },
    /// A key client `client` watched (generation `gen`) expires at `at`
    /// unless it changes first (sent to its shard, for Redis's
    /// `isWatchedKeyExpired`).
    Deadline {
        /// The client's id.
        client: u64,
        /// The generation the watch had.
        gen: u64,
        /// The deadline, unix ms.
        at: i64,
    },
    /// Send the replication stream owed to this shard's replicas
    /// ([`crate::repl`]).
    ReplDrain,
    /// `tracking-table-max-keys` changed: forget tracked keys while the
    /// server tracks more.
    TrackingLimit,
}

/// What a client's shard knows of its watches: their generation, whether
/// one broke, and the deadlines of the watched keys that had one.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Cas {
    /// The generation (a new one after each unwatch).
    pub gen: u64,
    /// A watched key changed (Redis's `CLIENT_DIRTY_CAS`).
    pub dirty: bool,
    /// Deadlines of watched keys (they break the transaction once past).
    pub deadlines: Vec<i64>,
}

fn field(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(bytes);
}

fn take_field<'a>(b: &mut &'a [u8]) -> Option<&'a [u8]> {
    let n = u32::from_le_bytes(b.get(..4)?.try_into().ok()?) as usize;
    let f = b.get(4..4 + n)?;
    *b = &b[4 + n..];
    Some(f)
}

fn take_u64(b: &mut &[u8]) -> Option<u64> {
    let v = u64::from_le_bytes(b.get(..8)?.try_into().ok()?);
    *b = &b[8..];
    Some(v)
}

impl Notice<'_> {
    /// The notice's bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let ints = |tag: u8, v: &[u64], out: &mut Vec<u8>| {
            out.push(tag);
            v.iter()
                .for_each(|n| out.extend_from_slice(&n.to_le_bytes()));
        };
        match *self {
            Notice::Publish { channel, message } => {
                ints(b'P', &[], &mut out);
                field(&mut out, channel);
                field(&mut out, message);
            }
            Notice::Watch {
                client,
                home,
                gen,
                db,
                key,
            } => {
                ints(b'W', &[client, home as u64, gen, db as u64], &mut out);
                field(&mut out, key);
            }
            Notice::Unwatch { client } => ints(b'U', &[client], &mut out),
            Notice::Dirty { client, gen } => ints(b'D', &[client, gen], &mut out),
            Notice::Deadline { client, gen, at } => ints(b'T', &[client, gen, at as u64], &mut out),
            Notice::Follow { track, prefix } => {
                let flags =
                    track.redirect as u64 | (track.noloop as u64) << 1 | (track.resp3 as u64) << 2;
                let (t, o) = (track.target, track.own);
                let v = [
                    track.client,
                    t.shard as u64,
                    t.idx as u64,
                    t.gen as u64,
                    flags,
                    o.shard as u64,
                    o.idx as u64,
                    o.gen as u64,
                    track.redir,
                ];
                ints(b'B', &v, &mut out);
                field(&mut out, prefix);
            }
            Notice::Untrack { client } => ints(b'X', &[client], &mut out),
            Notice::ReplDrain => ints(b'R', &[], &mut out),
            Notice::TrackingLimit => ints(b'L', &[], &mut out),
            Notice::Event {
                db,
                class,
                event,
                key,
            } => {
                ints(b'E', &[db as u64, class as u64], &mut out);
                field(&mut out, event);
                field(&mut out, key);
            }
        }
        out
    }

    /// Reads a notice; `None` for bytes no shard sent.
    pub fn decode(bytes: &[u8]) -> Option<Notice<'_>> {
        let (&tag, mut r) = bytes.split_first()?;
        let r = &mut r;
        Some(match tag {
            b'P' => Notice::Publish {
                channel: take_field(r)?,
                message: take_field(r)?,
            },
            b'W' => Notice::Watch {
                client: take_u64(r)?,
                home: take_u64(r)? as u32,
                gen: take_u64(r)?,
                db: take_u64(r)? as u32,
                key: take_field(r)?,
            },
            b'R' => Notice::ReplDrain,
            b'L' => Notice::TrackingLimit,
            b'U' => Notice::Unwatch {
                client: take_u64(r)?,
            },
            b'D' => Notice::Dirty {
                client: take_u64(r)?,
                gen: take_u64(r)?,
            },
            b'B' => {
                let client = take_u64(r)?;
                let target = ConnHandle {
                    shard: take_u64(r)? as u32,
                    idx: take_u64(r)? as u32,
                    gen: take_u64(r)? as u32,
                };
                let flags = take_u64(r)?;
                let own = ConnHandle {
                    shard: take_u64(r)? as u32,
                    idx: take_u64(r)? as u32,
                    gen: take_u64(r)? as u32,
                };
                let redir = take_u64(r)?;
                Notice::Follow {
                    track: Track {
                        client,
                        target,
                        own,
                        redir,
                        redirect: flags & 1 != 0,
                        noloop: flags & 2 != 0,
                        resp3: flags & 4 != 0,
                        off: false,
                    },
                    prefix: take_field(r)?,
                }
            }
            b'E' => Notice::Event {
                db: take_u64(r)? as u32,
                class: take_u64(r)? as u32,
                event: take_field(r)?,
                key: take_field(r)?,
            },
            b'X' => Notice::Untrack {
                client: take_u64(r)?,
            },
            b'T' => Notice::Deadline {
                client: take_u64(r)?,
                gen: take_u64(r)?,
                at: take_u64(r)? as i64,
            },
            _ => return None,
        })
    }
}

/// The static name of a store command's event (what [`Notice::Event`]
/// carries as bytes).
fn static_event(e: &[u8]) -> Option<&'static str> {
    const NAMES: &[&str] = &[
        "zunionstore",
        "zinterstore",
        "zdiffstore",
        "zrangestore",
        "geosearchstore",
        "sinterstore",
        "sunionstore",
        "sdiffstore",
        "set",
        "pfadd",
    ];
    NAMES.iter().copied().find(|n| n.as_bytes() == e)
}

impl ShardState {
    /// A family's one call when it changes `key` of database `db` (Redis's
    /// `signalModifiedKey` + `notifyKeyspaceEvent`): breaks its watches,
    /// invalidates tracked copies and, when class `class` is enabled,
    /// publishes `event` after the command (e.g. `class::STREAM`, `"xadd"`).
    /// Inside a handler that holds only the [`Db`](crate::store::db::Db),
    /// `db.notify(class, event, key)` is the same call.
    pub fn notify(&mut self, class: u32, event: &'static str, db: usize, key: &[u8]) {
        self.db(db).notify(class, event, key);
    }

    /// Sends `notice` to shard `to` (run at once when it is this one).
    pub fn send_notice(&mut self, to: usize, notice: &Notice<'_>) {
        if to == self.id {
            self.on_notice(notice);
        } else {
            self.outbox.notice(to as u32, &notice.encode());
        }
    }

    /// Runs a notice another shard (or this one) sent.
    pub fn on_notice(&mut self, notice: &Notice<'_>) {
        match *notice {
            Notice::TrackingLimit => self.limit_tracking(),
            Notice::ReplDrain => {
                let shard = self.id as u32;
                let replicas = &self.server.shared.replicas;
                // The last drain's pushes were delivered (right after the
                // notice that posted them).
                replicas.release(std::mem::take(&mut self.repl_taken));
                for (conn, bytes) in replicas.drain(shard) {
                    self.outbox.push(conn, &bytes);
                    self.repl_taken += bytes.capacity() as u64;
                }
            }
            Notice::Publish { channel, message } => {
                self.pubsub.publish(Kind::Channel, channel, message);
            }
            Notice::Watch {
                client,
                home,
                gen,
                db,
                key,
            } => {
                let now = Clock::new();
                let Some(d) = self.dbs.get(db as usize) else {
                    return;
                };
                let expired = d.is_expired_key(key, &now);
                let at = d.ttl_ref(key, &now).flatten();
                let w = Watcher {
                    client,
                    home,
                    gen,
                    expired,
                };
                self.sig.with_watches(|ws| ws.watch(w, db, key));
                if let Some(at) = at {
                    self.send_notice(home as usize, &Notice::Deadline { client, gen, at });
                }
            }
            Notice::Unwatch { client } => {
                self.sig.with_watches(|w| w.unwatch(client));
            }
            Notice::Dirty { client, gen } => {
                if let Some(c) = self.cas.get_mut(&client).filter(|c| c.gen == gen) {
                    c.dirty = true;
                }
            }
            Notice::Deadline { client, gen, at } => {
                if let Some(c) = self.cas.get_mut(&client).filter(|c| c.gen == gen) {
                    c.deadlines.push(at);
                }
            }
            Notice::Follow { track, prefix } => self.tracking.follow(track, prefix),
            Notice::Untrack { client } => self.tracking.forget(client),
            Notice::Event {
                db,
                class,
                event,
                key,
            } => {
                if let (Some(event), Some(d)) = (static_event(event), self.dbs.get(db as usize)) {
                    if d.in_table(key) {
                        d.signals().log_event(db, key, class, event);
                    }
                }
            }
        }
    }

    /// The generation of client `client`'s watches (starting them).
    pub fn watch_gen(&mut self, client: u64) -> u64 {
        let next = &mut self.next_gen;
        self.cas
            .entry(client)
            .or_insert_with(|| {
                *next += 1;
                Cas {
                    gen: *next,
                    ..Cas::default()
                }
            })
            .gen
    }

    /// Client `client`'s `EXEC` check, on its own shard after the locks of
    /// its transaction (watched keys included) were granted: true when a
    /// watched key changed, or is past a deadline it had when watched
    /// (Redis's `isWatchedKeyExpired`). Forgets its watches here.
    pub fn watch_broken(&mut self, client: u64) -> bool {
        let Some(c) = self.cas.remove(&client) else {
            return false;
        };
        let now = crate::store::db::now_ms();
        c.dirty || c.deadlines.iter().any(|&at| at < now)
    }

    /// Publishes what the last command changed (keyspace notifications);
    /// nothing to do unless notifications or tracking are on.
    /// `writer`: the client whose command made the changes (0: none), for
    /// tracking's NOLOOP.
    #[inline]
    pub fn flush_signals(&mut self, writer: u64) {
        if (self.sig.watching() || self.dbs[0].limits().switches.logging()) && self.sig.pending() {
            self.publish_log(writer, None);
        }
    }

    /// Publishes what an eviction before a command changed, before the
    /// command runs: the invalidations for the command's own client go into
    /// its reply buffer (`ahead`), ahead of its reply, as Redis sends them
    /// from `performEvictions` before `call`.
    #[cold]
    pub fn flush_signals_ahead(&mut self, ahead: &super::tracking::Ahead) {
        if (self.sig.watching() || self.dbs[0].limits().switches.logging()) && self.sig.pending() {
            self.publish_log(ahead.client, Some(ahead));
        }
    }

    #[cold]
    fn publish_log(&mut self, writer: u64, ahead: Option<&super::tracking::Ahead>) {
        for w in self.sig.with_watches(|ws| ws.take_broken()) {
            let n = Notice::Dirty {
                client: w.client,
                gen: w.gen,
            };
            self.send_notice(w.home as usize, &n);
        }
        let log = self.sig.take_log(Log::default());
        if self.dbs[0].limits().switches.tracking() {
            let to = super::tracking::To {
                outbox: &self.outbox,
                shared: &self.server.shared,
                ahead,
            };
            if log.flushed {
                self.tracking.flushed(&to);
            }
            for item in &log.items {
                // An expiry or eviction has no writer, even when the
                // client's own access expired the key (Redis's
                // `signalModifiedKey(NULL, …)`): NOLOOP does not hide it.
                let by = match item.class {
                    class::EXPIRED | class::EVICTED => 0,
                    _ => writer,
                };
                self.tracking.invalidate(log.key(item), by, &to);
            }
            // BCAST clients are told once per loop iteration
            // (`Redis::before_replies`), one array per prefix.
        }
        let flags = self.dbs[0].limits().switches.notify();
        // Nobody anywhere could hear an event (no pattern, no `__key…`
        // channel): nothing to build or send to the other shards.
        if flags == 0
            || self
                .server
                .shared
                .key_listeners
                .load(std::sync::atomic::Ordering::Acquire)
                == 0
        {
            return;
        }
        for item in &log.items {
            if item.class == class::NONE || flags & item.class == 0 {
                continue;
            }
            let key = log.key(item);
            let db = item.db.to_string();
            if flags & class::KEYSPACE != 0 {
                let mut chan = Vec::with_capacity(16 + db.len() + key.len());
                chan.extend_from_slice(b"__keyspace@");
                chan.extend_from_slice(db.as_bytes());
                chan.extend_from_slice(b"__:");
                chan.extend_from_slice(key);
                self.publish_everywhere(&chan, item.event.as_bytes());
            }
            if flags & class::KEYEVENT != 0 {
                let mut chan = Vec::with_capacity(16 + db.len() + item.event.len());
                chan.extend_from_slice(b"__keyevent@");
                chan.extend_from_slice(db.as_bytes());
                chan.extend_from_slice(b"__:");
                chan.extend_from_slice(item.event.as_bytes());
                self.publish_everywhere(&chan, key);
            }
        }
    }

    /// `tracking-table-max-keys` (`None`: no limit).
    pub fn tracking_max_keys(&self) -> Option<usize> {
        let max = self.dbs[0]
            .limits()
            .switches
            .tracking_max_keys
            .load(std::sync::atomic::Ordering::Relaxed) as usize;
        (max != 0).then_some(max)
    }

    /// Forgets this shard's tracked keys while the server tracks more than
    /// `tracking-table-max-keys` (Redis's `trackingLimitUsedSlots`): on the
    /// tick, and on every shard when the limit changes.
    pub fn limit_tracking(&mut self) {
        let Some(max) = self.tracking_max_keys() else {
            return;
        };
        let tracked = self
            .server
            .shared
            .tracked_keys
            .load(std::sync::atomic::Ordering::Relaxed);
        if tracked <= max || self.tracking.is_empty() {
            return;
        }
        let to = super::tracking::To {
            outbox: &self.outbox,
            shared: &self.server.shared,
            ahead: None,
        };
        self.tracking.limit(Some(max), None, &to);
    }

    /// Sends the BCAST invalidations of this loop iteration (Redis's
    /// `beforeSleep`); one emptiness check when there are none.
    #[inline]
    pub fn broadcast_tracking(&mut self) {
        let to = super::tracking::To {
            outbox: &self.outbox,
            shared: &self.server.shared,
            ahead: None,
        };
        self.tracking.broadcast(&to);
    }

    /// Publishes on every shard (this one at once).
    fn publish_everywhere(&mut self, channel: &[u8], message: &[u8]) {
        self.pubsub.publish(Kind::Channel, channel, message);
        if self.nshards > 1 {
            let bytes = Notice::Publish { channel, message }.encode();
            for s in (0..self.nshards).filter(|&s| s != self.id) {
                self.outbox.notice(s as u32, &bytes);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_round_trip() {
        for n in [
            Notice::Publish {
                channel: b"__keyspace@0__:k",
                message: b"set",
            },
            Notice::Watch {
                client: 7,
                home: 1,
                gen: 4,
                db: 3,
                key: b"key",
            },
            Notice::Unwatch { client: 9 },
            Notice::Dirty { client: 9, gen: 2 },
            Notice::Follow {
                track: Track {
                    client: 3,
                    target: ConnHandle {
                        shard: 1,
                        idx: 2,
                        gen: 3,
                    },
                    own: ConnHandle {
                        shard: 0,
                        idx: 5,
                        gen: 6,
                    },
                    redirect: true,
                    redir: 12,
                    noloop: false,
                    resp3: true,
                    off: false,
                },
                prefix: b"user:",
            },
            Notice::Untrack { client: 3 },
            Notice::Event {
                db: 2,
                class: 8,
                event: b"set",
                key: b"k",
            },
            Notice::Deadline {
                client: 9,
                gen: 2,
                at: 1_700_000_000_000,
            },
        ] {
            assert_eq!(Notice::decode(&n.encode()), Some(n));
        }
        assert_eq!(Notice::decode(b"Pxx"), None);
        assert_eq!(Notice::decode(b""), None);
    }
}
