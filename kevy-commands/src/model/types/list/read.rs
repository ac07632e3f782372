//! Reading a list whose inner nodes may be compressed: a [`Reader`] walks
//! the nodes and, the first time it reaches a compressed one, keeps a
//! decompressed copy for as long as the reader lives (the list itself is
//! not changed, as `quicklistNext` recompresses each node it leaves). A
//! list with no compressed node is read in place, at no cost.
//!
//! [`NodeRef`] is one node seen from outside (RDB, introspection, memory
//! accounting): raw or compressed, with its count and sizes.

use std::borrow::Cow;
use std::cell::OnceCell;

use super::node::{Lzf, Node};
use super::{List, Pack};

/// An empty pack to stand for a node that cannot be read (never: see
/// [`Reader::node`]).
static EMPTY: Pack = Pack::new();

/// Reads a list's elements; see the module doc.
pub struct Reader<'a> {
    list: &'a List,
    /// One slot per node, filled when a compressed node is first read
    /// (empty when the list compresses nothing).
    unpacked: Box<[OnceCell<Pack>]>,
}

impl<'a> Reader<'a> {
    /// A reader of `list`.
    pub fn new(list: &'a List) -> Reader<'a> {
        let unpacked = match list {
            List::Many(q) if q.depth > 0 => (0..q.nodes.len()).map(|_| OnceCell::new()).collect(),
            _ => Box::default(),
        };
        Reader { list, unpacked }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// True when the list has no element.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Number of nodes.
    fn node_count(&self) -> usize {
        match self.list {
            List::One(_) => 1,
            List::Many(q) => q.nodes.len(),
        }
    }

    /// The entries of node `n`, decompressed (once) if need be.
    fn node(&self, n: usize) -> &Pack {
        match self.list {
            List::One(p) => p,
            List::Many(q) => match q.nodes.get(n) {
                Some(node) => match node.raw() {
                    Some(p) => p,
                    // A compressed node exists only at a depth above 0,
                    // where every node has a slot.
                    None => match self.unpacked.get(n) {
                        Some(cell) => cell.get_or_init(|| node.unpacked().into_owned()),
                        None => &EMPTY,
                    },
                },
                None => &EMPTY,
            },
        }
    }

    /// Iterates over every element, head to tail.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &[u8]> + '_ {
        (0..self.node_count()).flat_map(move |n| self.node(n).iter())
    }

    /// Iterates from element `start` towards the tail (nothing when
    /// `start` is out of range).
    pub fn iter_from(&self, start: usize) -> impl Iterator<Item = &[u8]> + '_ {
        let (n, at) = match self.list {
            List::One(p) => (0, start.min(p.len())),
            List::Many(q) => q.locate(start).unwrap_or((q.nodes.len(), 0)),
        };
        (n..self.node_count())
            .flat_map(move |n| self.node(n).iter())
            .skip(at)
    }
}

/// One node of a list, as [`List::nodes`] shows it.
#[derive(Clone, Copy)]
pub enum NodeRef<'a> {
    /// A raw node.
    Raw(&'a Pack),
    /// A compressed node.
    Lzf(&'a Lzf),
}

impl Node {
    /// This node as a [`NodeRef`].
    pub fn as_ref(&self) -> NodeRef<'_> {
        match (self.raw(), self.lzf()) {
            (_, Some(z)) => NodeRef::Lzf(z),
            (Some(p), None) => NodeRef::Raw(p),
            (None, None) => NodeRef::Raw(&EMPTY),
        }
    }
}

impl<'a> NodeRef<'a> {
    /// Number of entries.
    pub fn len(&self) -> usize {
        match self {
            NodeRef::Raw(p) => p.len(),
            NodeRef::Lzf(z) => z.count(),
        }
    }

    /// True when the node holds no entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes of the entries uncompressed.
    pub fn bytes(&self) -> usize {
        match self {
            NodeRef::Raw(p) => p.bytes(),
            NodeRef::Lzf(z) => z.raw_len(),
        }
    }

    /// Bytes allocated for the contents (compressed ones: the compressed
    /// bytes).
    pub fn capacity(&self) -> usize {
        match self {
            NodeRef::Raw(p) => p.capacity(),
            NodeRef::Lzf(z) => z.data().len(),
        }
    }

    /// True when the node is stored compressed.
    pub fn is_compressed(&self) -> bool {
        matches!(self, NodeRef::Lzf(_))
    }

    /// The entries: borrowed when raw, decompressed otherwise.
    pub fn unpacked(&self) -> Cow<'a, Pack> {
        match *self {
            NodeRef::Raw(p) => Cow::Borrowed(p),
            NodeRef::Lzf(z) => Cow::Owned(z.unpack()),
        }
    }
}
