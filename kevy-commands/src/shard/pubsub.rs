//! A shard's pub/sub registry (and a session's subscriptions, [`Subs`]): the subscriptions of the connections living
//! on this shard (channels, shard channels, patterns), and publishing to
//! them through the shard's [`Outbox`] (each subscriber's connection is on
//! this shard, so its messages are appended right after the part runs).
//!
//! A PUBLISH asks every shard (a part each): it reports how many of its
//! subscribers it reached, and the origin sums. Message bytes are Redis's:
//! `*3 message channel payload` (`>3` in RESP3), `*4 pmessage pattern
//! channel payload`, `*3 smessage channel payload`.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use kevy_rt::{ConnHandle, Outbox};

use crate::base::glob::stringmatch;
use crate::base::resp;

/// One subscriber: its connection and whether it speaks RESP3.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sub {
    /// The subscriber's connection.
    pub conn: ConnHandle,
    /// It reads RESP3 pushes (`>`), else RESP2 arrays.
    pub resp3: bool,
}

/// Which namespace a channel subscription is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `SUBSCRIBE` / `PUBLISH`.
    Channel,
    /// `SSUBSCRIBE` / `SPUBLISH`.
    Shard,
}

/// The subscriptions of one shard's connections.
#[derive(Debug, Default)]
pub struct Registry {
    outbox: Outbox,
    channels: HashMap<Vec<u8>, Vec<Sub>>,
    shard_channels: HashMap<Vec<u8>, Vec<Sub>>,
    /// Patterns with their subscribers, in order of first subscription.
    patterns: Vec<(Vec<u8>, Vec<Sub>)>,
    /// The server's count of subscriptions a keyspace event could reach
    /// (`Shared::key_listeners`): this registry adds its patterns and its
    /// `__key…` channels.
    key_listeners: Arc<AtomicUsize>,
}

/// Whether a keyspace event (`__keyspace@…`, `__keyevent@…`) could be
/// published on `channel`.
fn keyspace_channel(kind: Kind, channel: &[u8]) -> bool {
    kind == Kind::Channel && channel.starts_with(b"__key")
}

/// Writes the header of a pushed message of `n` elements.
pub fn push_header(out: &mut Vec<u8>, resp3: bool, n: usize) {
    out.push(if resp3 { b'>' } else { b'*' });
    out.extend_from_slice(n.to_string().as_bytes());
    out.extend_from_slice(b"\r\n");
}

impl Registry {
    /// Sends pushes through `outbox` (the shard's, from the runtime).
    pub fn set_outbox(&mut self, outbox: Outbox) {
        self.outbox = outbox;
    }

    /// Counts its keyspace subscriptions in `count` (the server's
    /// `Shared::key_listeners`), before any subscription.
    pub fn set_key_listeners(&mut self, count: Arc<AtomicUsize>) {
        self.key_listeners = count;
    }

    /// A subscription a keyspace event could reach came (`up`) or went.
    fn listener(&self, up: bool) {
        // Before the subscription is answered: an event caused after the
        // client read its answer finds the count raised.
        if up {
            self.key_listeners.fetch_add(1, Ordering::Release);
        } else {
            self.key_listeners.fetch_sub(1, Ordering::Release);
        }
    }

    fn map(&mut self, kind: Kind) -> &mut HashMap<Vec<u8>, Vec<Sub>> {
        match kind {
            Kind::Channel => &mut self.channels,
            Kind::Shard => &mut self.shard_channels,
        }
    }

    /// Adds `sub` to `channel`'s subscribers.
    pub fn subscribe(&mut self, kind: Kind, channel: &[u8], sub: Sub) {
        let subs = self.map(kind).entry(channel.to_vec()).or_default();
        let new = subs.is_empty();
        subs.push(sub);
        if new && keyspace_channel(kind, channel) {
            self.listener(true);
        }
    }

    /// Removes `conn` from `channel`'s subscribers (the channel goes when
    /// nobody is left, as in Redis).
    pub fn unsubscribe(&mut self, kind: Kind, channel: &[u8], conn: ConnHandle) {
        let map = self.map(kind);
        if let Some(subs) = map.get_mut(channel) {
            subs.retain(|s| s.conn != conn);
            if subs.is_empty() {
                map.remove(channel);
                if keyspace_channel(kind, channel) {
                    self.listener(false);
                }
            }
        }
    }

    /// Updates `sub`'s entry among `channel`'s subscribers (its protocol).
    pub fn resubscribe(&mut self, kind: Kind, channel: &[u8], sub: Sub) {
        if let Some(subs) = self.map(kind).get_mut(channel) {
            subs.iter_mut()
                .filter(|s| s.conn == sub.conn)
                .for_each(|s| *s = sub);
        }
    }

    /// Updates `sub`'s entry among `pattern`'s subscribers.
    pub fn repsubscribe(&mut self, pattern: &[u8], sub: Sub) {
        for (p, subs) in self.patterns.iter_mut() {
            if p == pattern {
                subs.iter_mut()
                    .filter(|s| s.conn == sub.conn)
                    .for_each(|s| *s = sub);
            }
        }
    }

    /// Adds `sub` to `pattern`'s subscribers.
    pub fn psubscribe(&mut self, pattern: &[u8], sub: Sub) {
        match self.patterns.iter_mut().find(|(p, _)| p == pattern) {
            Some((_, subs)) => subs.push(sub),
            None => {
                self.patterns.push((pattern.to_vec(), vec![sub]));
                self.listener(true);
            }
        }
    }

    /// Removes `conn` from `pattern`'s subscribers.
    pub fn punsubscribe(&mut self, pattern: &[u8], conn: ConnHandle) {
        if let Some(at) = self.patterns.iter().position(|(p, _)| p == pattern) {
            let subs = &mut self.patterns[at].1;
            subs.retain(|s| s.conn != conn);
            if subs.is_empty() {
                self.patterns.remove(at);
                self.listener(false);
            }
        }
    }

    /// Pushes `message` to this shard's subscribers of `channel` (and, for
    /// [`Kind::Channel`], of every matching pattern); answers how many got it.
    pub fn publish(&self, kind: Kind, channel: &[u8], message: &[u8]) -> i64 {
        let mut n = 0;
        let (map, label): (_, &[u8]) = match kind {
            Kind::Channel => (&self.channels, b"$7\r\nmessage\r\n"),
            Kind::Shard => (&self.shard_channels, b"$8\r\nsmessage\r\n"),
        };
        if let Some(subs) = map.get(channel) {
            for s in subs {
                self.outbox.push_with(s.conn, |o| {
                    push_header(o, s.resp3, 3);
                    o.extend_from_slice(label);
                    resp::bulk(o, channel);
                    resp::bulk(o, message);
                });
                n += 1;
            }
        }
        if kind == Kind::Shard {
            return n;
        }
        for (pattern, subs) in &self.patterns {
            if !stringmatch(pattern, channel, false) {
                continue;
            }
            for s in subs {
                self.outbox.push_with(s.conn, |o| {
                    push_header(o, s.resp3, 4);
                    o.extend_from_slice(b"$8\r\npmessage\r\n");
                    resp::bulk(o, pattern);
                    resp::bulk(o, channel);
                    resp::bulk(o, message);
                });
                n += 1;
            }
        }
        n
    }

    /// The channels with subscribers here matching `pattern` (all if none).
    pub fn channels(&self, kind: Kind, pattern: Option<&[u8]>) -> Vec<Vec<u8>> {
        let map = match kind {
            Kind::Channel => &self.channels,
            Kind::Shard => &self.shard_channels,
        };
        map.keys()
            .filter(|c| pattern.is_none_or(|p| stringmatch(p, c, false)))
            .cloned()
            .collect()
    }

    /// The number of subscribers here of each channel.
    pub fn numsub(&self, kind: Kind, channels: &[&[u8]]) -> Vec<i64> {
        let map = match kind {
            Kind::Channel => &self.channels,
            Kind::Shard => &self.shard_channels,
        };
        channels
            .iter()
            .map(|c| map.get(*c).map_or(0, |s| s.len() as i64))
            .collect()
    }

    /// The patterns with subscribers here.
    pub fn patterns(&self) -> Vec<Vec<u8>> {
        self.patterns.iter().map(|(p, _)| p.clone()).collect()
    }

    /// Hashes of the channels, patterns and shard channels with
    /// subscribers here (the same on every shard: INFO counts names
    /// subscribed on several shards once).
    pub fn name_hashes(&self) -> [Vec<u64>; 3] {
        let hash = |name: &[u8]| {
            use std::hash::{Hash, Hasher};
            let mut h = std::hash::DefaultHasher::new();
            name.hash(&mut h);
            h.finish()
        };
        [
            self.channels.keys().map(|c| hash(c)).collect(),
            self.patterns.iter().map(|(p, _)| hash(p)).collect(),
            self.shard_channels.keys().map(|c| hash(c)).collect(),
        ]
    }
}

/// A connection's subscriptions (kept in its session).
#[derive(Debug, Default)]
pub struct Subs {
    pub(crate) channels: HashSet<Vec<u8>>,
    pub(crate) shard_channels: HashSet<Vec<u8>>,
    /// In subscription order (Redis keeps a list).
    pub(crate) patterns: Vec<Vec<u8>>,
}

impl Subs {
    /// `clientSubscriptionsCount`: channels and patterns.
    pub(crate) fn count(&self) -> usize {
        self.channels.len() + self.patterns.len()
    }

    pub(crate) fn count_of(&self, kind: Kind) -> usize {
        match kind {
            Kind::Channel => self.count(),
            Kind::Shard => self.shard_channels.len(),
        }
    }

    pub(crate) fn set(&mut self, kind: Kind) -> &mut HashSet<Vec<u8>> {
        match kind {
            Kind::Channel => &mut self.channels,
            Kind::Shard => &mut self.shard_channels,
        }
    }

    /// `(channels, patterns, shard channels)` subscribed to (CLIENT LIST's
    /// `sub`, `psub`, `ssub`).
    pub fn counts(&self) -> (usize, usize, usize) {
        (
            self.channels.len(),
            self.patterns.len(),
            self.shard_channels.len(),
        )
    }

    /// What the subscriptions hold: a table entry and the name each.
    pub fn memory(&self) -> usize {
        /// A dictionary entry and its bucket.
        const ENTRY: usize = 32;
        let names = |set: &HashSet<Vec<u8>>| set.iter().map(|n| ENTRY + n.len()).sum::<usize>();
        names(&self.channels)
            + names(&self.shard_channels)
            + self.patterns.iter().map(|p| ENTRY + p.len()).sum::<usize>()
    }

    /// Any subscription at all (subscribed mode).
    pub fn any(&self) -> bool {
        self.count() + self.shard_channels.len() > 0
    }
}
