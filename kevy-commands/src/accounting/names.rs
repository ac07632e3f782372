//! Client names (`CLIENT SETNAME`) as other shards see them.
//!
//! A name lives in its connection's session, on the connection's shard. A
//! command forwarded to another shard carries only the fact that its client
//! is named ([`Ctx::named`](crate::Ctx::named)); when that shard must write
//! the name down (a slow-log entry) it looks it up here. The registry is
//! touched only when a name is set or dropped and when a named client's
//! command is slow-logged elsewhere — never on the per-command path.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// Names of the named connections, by connection id.
#[derive(Debug, Default)]
pub struct Names {
    map: Mutex<HashMap<u64, Arc<[u8]>>>,
}

impl Names {
    fn lock(&self) -> MutexGuard<'_, HashMap<u64, Arc<[u8]>>> {
        match self.map.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// The name of connection `id`, if it has one.
    pub fn get(&self, id: u64) -> Option<Arc<[u8]>> {
        self.lock().get(&id).cloned()
    }

    /// Number of named connections.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// True when no connection is named.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A connection's name, registered in [`Names`] for as long as it lives
/// (the session drops it when the name changes or the connection closes).
#[derive(Debug)]
pub struct ClientName {
    bytes: Arc<[u8]>,
    id: u64,
    names: Arc<Names>,
}

impl ClientName {
    /// Registers `bytes` as the name of connection `id`. The caller drops
    /// the connection's previous name first.
    pub fn new(names: &Arc<Names>, id: u64, bytes: &[u8]) -> ClientName {
        let bytes: Arc<[u8]> = bytes.into();
        names.lock().insert(id, bytes.clone());
        ClientName {
            bytes,
            id,
            names: names.clone(),
        }
    }

    /// The name.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

impl Drop for ClientName {
    fn drop(&mut self) {
        let mut map = self.names.lock();
        if map
            .get(&self.id)
            .is_some_and(|b| Arc::ptr_eq(b, &self.bytes))
        {
            map.remove(&self.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_live_as_long_as_their_holder() {
        let names = Arc::new(Names::default());
        let a = ClientName::new(&names, 7, b"alpha");
        assert_eq!(names.get(7).as_deref(), Some(&b"alpha"[..]));
        drop(a);
        assert!(names.get(7).is_none() && names.is_empty());
        // Replacing: the old name goes first, the new one stays.
        let mut slot = Some(ClientName::new(&names, 8, b"one"));
        slot = None.or_else(|| {
            drop(slot.take());
            Some(ClientName::new(&names, 8, b"two"))
        });
        assert_eq!(names.get(8).as_deref(), Some(&b"two"[..]));
        assert_eq!(slot.as_ref().map(ClientName::bytes), Some(&b"two"[..]));
    }
}
