//! Consumer groups (Redis's `streamCG`, `streamConsumer`, `streamNACK`):
//! a group's last-delivered ID and read counter, its pending entries list
//! (PEL: every entry delivered and not acknowledged, with its consumer,
//! delivery time and count) and its consumers, each with the IDs of its own
//! pending entries and the time it was last seen. Both lists are ordered
//! (`BTreeMap`), as Redis's radix trees are.

use std::collections::{BTreeMap, BTreeSet};

use super::id::StreamId;
use crate::model::value::Bytes;

/// `entries-read` unknown (Redis's `SCG_INVALID_ENTRIES_READ`).
pub const INVALID_READ: i64 = -1;

/// A pending entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Nack {
    /// Unix milliseconds of the last delivery.
    pub delivery_time: i64,
    /// Times delivered.
    pub delivery_count: u64,
    /// The consumer that owns it.
    pub consumer: Bytes,
}

/// A consumer of a group.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Consumer {
    /// Unix milliseconds it last read or claimed.
    pub seen_time: i64,
    /// Its pending entries.
    pub pel: BTreeSet<StreamId>,
}

/// A consumer group.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Group {
    /// The last ID delivered to the group.
    pub last_id: StreamId,
    /// Its logical read counter, or [`INVALID_READ`].
    pub entries_read: i64,
    /// Every pending entry of the group.
    pub pel: BTreeMap<StreamId, Nack>,
    /// Its consumers by name.
    pub consumers: BTreeMap<Bytes, Consumer>,
}

impl Group {
    /// A group starting after `last_id`.
    pub fn new(last_id: StreamId, entries_read: i64) -> Group {
        Group {
            last_id,
            entries_read,
            ..Group::default()
        }
    }

    /// The consumer `name`, its seen time refreshed to `now` when given
    /// (`streamLookupConsumer`).
    pub fn consumer(&mut self, name: &[u8], refresh: Option<i64>) -> Option<&mut Consumer> {
        let c = self.consumers.get_mut(name)?;
        if let Some(now) = refresh {
            c.seen_time = now;
        }
        Some(c)
    }

    /// Creates consumer `name` (seen now); false when it exists.
    pub fn create_consumer(&mut self, name: &[u8], now: i64) -> bool {
        if self.consumers.contains_key(name) {
            return false;
        }
        self.consumers.insert(
            Bytes::from_slice(name),
            Consumer {
                seen_time: now,
                pel: BTreeSet::new(),
            },
        );
        true
    }

    /// Looks consumer `name` up (refreshing it), creating it when missing;
    /// true when it was created.
    pub fn touch_consumer(&mut self, name: &[u8], now: i64) -> bool {
        if self.consumer(name, Some(now)).is_some() {
            return false;
        }
        self.create_consumer(name, now)
    }

    /// Removes consumer `name` and its pending entries; the number it had,
    /// or `None` when it does not exist.
    pub fn delete_consumer(&mut self, name: &[u8]) -> Option<usize> {
        let c = self.consumers.remove(name)?;
        for id in &c.pel {
            self.pel.remove(id);
        }
        Some(c.pel.len())
    }

    /// Acknowledges `id`; true when it was pending.
    pub fn ack(&mut self, id: StreamId) -> bool {
        match self.pel.remove(&id) {
            Some(nack) => {
                if let Some(c) = self.consumers.get_mut(&nack.consumer) {
                    c.pel.remove(&id);
                }
                true
            }
            None => false,
        }
    }

    /// Makes `id` pending for `consumer` (which exists), delivered at `now`:
    /// a new entry counts one delivery; one another consumer owned moves
    /// over with its count reset to 1 (as Redis's `streamReplyWithRange`).
    pub fn deliver(&mut self, id: StreamId, consumer: &[u8], now: i64) {
        match self.pel.get_mut(&id) {
            None => {
                self.pel.insert(
                    id,
                    Nack {
                        delivery_time: now,
                        delivery_count: 1,
                        consumer: Bytes::from_slice(consumer),
                    },
                );
            }
            Some(nack) => {
                let old = std::mem::replace(&mut nack.consumer, Bytes::from_slice(consumer));
                nack.delivery_time = now;
                nack.delivery_count = 1;
                if let Some(c) = self.consumers.get_mut(&old) {
                    c.pel.remove(&id);
                }
            }
        }
        if let Some(c) = self.consumers.get_mut(consumer) {
            c.pel.insert(id);
        }
    }

    /// Gives the pending entry `id` to `consumer` (which exists), as XCLAIM
    /// and XAUTOCLAIM do, with the delivery time and count given.
    pub fn claim(
        &mut self,
        id: StreamId,
        consumer: &[u8],
        time: i64,
        count: Option<u64>,
        bump: bool,
    ) {
        let Some(nack) = self.pel.get_mut(&id) else {
            return;
        };
        let old = std::mem::replace(&mut nack.consumer, Bytes::from_slice(consumer));
        nack.delivery_time = time;
        match count {
            Some(n) => nack.delivery_count = n,
            None if bump => nack.delivery_count += 1,
            None => {}
        }
        if old[..] != *consumer {
            if let Some(c) = self.consumers.get_mut(&old) {
                c.pel.remove(&id);
            }
        }
        if let Some(c) = self.consumers.get_mut(consumer) {
            c.pel.insert(id);
        }
    }
}
