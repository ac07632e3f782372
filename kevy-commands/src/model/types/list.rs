//! [`List`]: Redis's quicklist. A deque of [`Pack`] nodes, each filled as
//! `list-max-listpack-size` allows ([`Enc::node_allows`]: 8 KB by default,
//! a size class or a count) unless it holds one larger element alone. A list that fits one node is that node alone
//! ([`List::One`]: its elements in one buffer sized to fit, no deque); it
//! becomes a deque of nodes ([`Quick`]) when it outgrows it, as Redis 7.0
//! keeps every list a quicklist.
//!
//! With `list-compress-depth` N the nodes more than N from either end
//! are kept LZF-compressed ([`node`]); the list decompresses a node it
//! changes and compresses it again after (`Quick::settle`). Reads go
//! through a [`Reader`], which decompresses a compressed node's copy the
//! first time the walk reaches it.
//!
//! Positions are 0-based from the head; callers convert Redis's negative
//! indexes first. Operations walk nodes from the nearer end, then entries
//! inside one node, like `quicklistGetIteratorAtIdx`.

use std::borrow::Cow;

use super::pack::{entry_size, Pack};
use crate::base::bytes::Bytes;
use crate::model::encoding::Enc;

pub mod node;
mod quick;
mod read;

pub use node::{Lzf, Node};
use quick::fits;
pub use quick::Quick;
pub use read::{NodeRef, Reader};

/// Redis's `COMPRESS_MAX`: the deepest `list-compress-depth` a list takes.
pub const COMPRESS_MAX: usize = (1 << 16) - 1;

/// A list of byte strings.
#[derive(Clone)]
pub enum List {
    /// At most one node's worth: the node itself.
    One(Pack),
    /// More: the deque of nodes (boxed: a small list pays only for its
    /// pack).
    Many(Box<Quick>),
}

/// Which end of a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// The head (`LEFT`).
    Left,
    /// The tail (`RIGHT`).
    Right,
}

impl End {
    /// The other end.
    pub fn other(self) -> End {
        match self {
            End::Left => End::Right,
            End::Right => End::Left,
        }
    }
}

impl Default for List {
    fn default() -> List {
        List::One(Pack::new())
    }
}

impl List {
    /// An empty list.
    pub fn new() -> List {
        List::default()
    }

    /// Number of elements.
    #[inline]
    pub fn len(&self) -> usize {
        match self {
            List::One(p) => p.len(),
            List::Many(q) => q.len,
        }
    }

    /// True when the list has no element.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of nodes (for tests and introspection).
    pub fn node_count(&self) -> usize {
        match self {
            List::One(p) => usize::from(!p.is_empty()),
            List::Many(q) => q.nodes.len(),
        }
    }

    /// The nodes, head to tail.
    pub fn nodes(&self) -> impl Iterator<Item = NodeRef<'_>> + '_ {
        let (one, many) = match self {
            List::One(p) => (Some(p).filter(|p| !p.is_empty()), None),
            List::Many(q) => (None, Some(q.nodes.iter())),
        };
        one.map(NodeRef::Raw)
            .into_iter()
            .chain(many.into_iter().flatten().map(Node::as_ref))
    }

    /// The `list-compress-depth` this list compresses at (0 for a list of
    /// one node, which has no inner node to compress).
    pub fn compress_depth(&self) -> usize {
        match self {
            List::One(_) => 0,
            List::Many(q) => q.depth,
        }
    }

    /// A reader of the elements.
    pub fn reader(&self) -> Reader<'_> {
        Reader::new(self)
    }

    /// Bytes of the deque's buffer of nodes (0 for a one-node list, which
    /// has none).
    pub fn overhead_bytes(&self) -> usize {
        match self {
            List::One(_) => 0,
            List::Many(q) => q.nodes.capacity() * std::mem::size_of::<Pack>(),
        }
    }

    /// Moves a one-node list to the deque of nodes, which compresses at
    /// `enc`'s `list-compress-depth` from then on.
    fn grow_to_many(&mut self, enc: &Enc) {
        if let List::One(p) = self {
            let q = Quick::from_node(std::mem::take(p), enc.list_compress);
            *self = List::Many(Box::new(q));
        }
    }

    /// Pushes `e` at `end`.
    pub fn push(&mut self, end: End, e: &[u8], enc: &Enc) {
        if let List::One(p) = self {
            if fits(p, e.len(), enc) {
                return match end {
                    End::Left => p.push_front(e),
                    End::Right => p.push_back(e),
                };
            }
            self.grow_to_many(enc);
        }
        if let List::Many(q) = self {
            q.push(end, e, enc);
        }
    }

    /// Pops the element at `end`.
    pub fn pop(&mut self, end: End) -> Option<Bytes> {
        match self {
            List::One(p) => match end {
                End::Left => p.pop_front(),
                End::Right => p.pop_back(),
            },
            List::Many(q) => q.pop(end),
        }
    }

    /// Element `i` (a copy when its node is compressed).
    pub fn get(&self, i: usize) -> Option<Cow<'_, [u8]>> {
        match self {
            List::One(p) => p.get(i).map(Cow::Borrowed),
            List::Many(q) => q.get(i),
        }
    }

    /// Replaces element `i`; false when out of range.
    pub fn set(&mut self, i: usize, e: &[u8], enc: &Enc) -> bool {
        if let List::One(p) = self {
            let Some(old) = p.get(i).map(<[u8]>::len) else {
                return false;
            };
            if p.len() < 2
                || (enc.node_allows(
                    p.len() - 1,
                    p.bytes() - entry_size(old) + entry_size(e.len()),
                ) && !enc.is_large(e.len()))
            {
                p.replace(i, e);
                return true;
            }
            self.grow_to_many(enc);
        }
        match self {
            List::Many(q) => q.set(i, e, enc),
            List::One(_) => false,
        }
    }

    /// Inserts `e` so it becomes element `i` (`i == len()` appends).
    pub fn insert(&mut self, i: usize, e: &[u8], enc: &Enc) {
        if let List::One(p) = self {
            if fits(p, e.len(), enc) {
                return p.insert(i.min(p.len()), e);
            }
            self.grow_to_many(enc);
        }
        if let List::Many(q) = self {
            q.insert(i, e, enc);
        }
    }

    /// Removes up to `n` elements from `end`.
    pub fn drop_end(&mut self, end: End, n: usize) {
        match self {
            List::One(p) => {
                let n = n.min(p.len());
                match end {
                    End::Left => p.remove_range(0, n),
                    End::Right => p.remove_range(p.len() - n, n),
                }
                p.shrink();
            }
            List::Many(q) => q.drop_end(end, n),
        }
    }

    /// Removes the elements at `positions` (ascending, unique, in range;
    /// others are ignored).
    pub fn remove_positions(&mut self, positions: &[usize], enc: &Enc) {
        match self {
            List::One(p) => {
                let mut gone = positions.iter().peekable();
                let mut kept = Pack::new();
                for (i, e) in p.iter().enumerate() {
                    while gone.next_if(|&&g| g < i).is_some() {}
                    if gone.next_if(|&&g| g == i).is_none() {
                        kept.push_back(e);
                    }
                }
                *p = kept;
            }
            List::Many(q) => q.remove_positions(positions, enc),
        }
    }
}

impl PartialEq for List {
    fn eq(&self, other: &List) -> bool {
        self.len() == other.len() && self.reader().iter().eq(other.reader().iter())
    }
}

impl Eq for List {}

impl std::fmt::Debug for List {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.reader().iter().map(String::from_utf8_lossy))
            .finish()
    }
}

#[cfg(test)]
mod tests;
