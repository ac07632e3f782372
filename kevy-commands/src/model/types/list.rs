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
use std::collections::VecDeque;
use std::ops::Range;

use super::pack::{entry_size, Pack};
use crate::base::bytes::Bytes;
use crate::model::encoding::Enc;

pub mod node;
mod read;

pub use node::{Lzf, Node};
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

/// The nodes of a list past one node.
#[derive(Clone, Default)]
pub struct Quick {
    nodes: VecDeque<Node>,
    len: usize,
    /// `list-compress-depth` when the list grew past one node.
    depth: usize,
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

/// True when `node` may take one more entry of `len` bytes: not when
/// either is large ([`Enc::is_large`]: a plain node holds one element).
#[inline]
fn fits(node: &Pack, len: usize, enc: &Enc) -> bool {
    if node.is_empty() {
        return true;
    }
    enc.node_allows(node.len(), node.bytes() + entry_size(len))
        && !enc.is_large(len)
        && !is_plain(node, enc)
}

/// True when `node` is one large element (a plain node).
#[inline]
fn is_plain(node: &Pack, enc: &Enc) -> bool {
    node.len() == 1 && node.get(0).is_some_and(|e| enc.is_large(e.len()))
}

/// [`is_plain`] for a node that may be compressed.
fn is_plain_node(node: &Node, enc: &Enc) -> bool {
    // One entry of `n` bytes takes at least `n`: a node under the
    // threshold is not plain, and needs no decompressing to tell.
    node.len() == 1 && enc.is_large(node.bytes()) && is_plain(&node.unpacked(), enc)
}

/// [`fits`] for a node that may be compressed (decompressed only to tell
/// whether it is plain).
fn fits_node(node: &Node, len: usize, enc: &Enc) -> bool {
    match node.raw() {
        Some(p) => fits(p, len, enc),
        None => {
            enc.node_allows(node.len(), node.bytes() + entry_size(len))
                && !enc.is_large(len)
                && !is_plain_node(node, enc)
        }
    }
}

/// True when `node` is over what one node may hold and can be split.
#[inline]
fn too_big(node: &Pack, enc: &Enc) -> bool {
    node.len() >= 2 && !enc.node_allows(node.len() - 1, node.bytes())
}

/// Makes room in `nodes` for one more node: exactly one while the deque
/// is small, an eighth more past 8 (a deque's default doubling would leave
/// a two-node list paying for four).
#[inline]
fn room_for_one(nodes: &mut VecDeque<Node>) {
    if nodes.len() == nodes.capacity() {
        nodes.reserve_exact((nodes.len() / 8).max(1));
    }
}

impl Quick {
    /// A deque holding `node`, compressing at `depth`
    /// (`list-compress-depth`).
    fn from_node(mut node: Pack, depth: usize) -> Quick {
        node.trim();
        let len = node.len();
        let mut nodes = VecDeque::new();
        if !node.is_empty() {
            room_for_one(&mut nodes);
            nodes.push_back(Node::from(node));
        }
        Quick {
            nodes,
            len,
            depth: depth.min(COMPRESS_MAX),
        }
    }

    /// Brings the nodes back to the compression the depth asks for after
    /// a change to them (`__quicklistCompress`): the `depth` nodes at each
    /// end raw; compressed, the nodes of `touched` between them and the
    /// `added + 1` nodes past the depth at each end (where nodes raw for
    /// being near an end land when `added` nodes came in nearer to it).
    /// Compression is only tried where [`Node::compress`] finds it worth
    /// it. Nothing to do at depth 0.
    fn settle(&mut self, touched: Range<usize>, added: usize) {
        let d = self.depth;
        if d == 0 {
            return;
        }
        let n = self.nodes.len();
        for i in 0..d.min(n) {
            for j in [i, n - 1 - i] {
                if let Some(node) = self.nodes.get_mut(j) {
                    node.decompress();
                }
            }
        }
        if n > 2 * d {
            let inner = d..n - d;
            let head = d..(d + added + 1).min(inner.end);
            let tail = (n - d).saturating_sub(added + 1).max(d)..inner.end;
            let touched = touched.start.max(d)..touched.end.min(inner.end);
            for i in head.chain(tail).chain(touched) {
                if let Some(node) = self.nodes.get_mut(i) {
                    node.compress();
                }
            }
        }
    }

    /// [`settle`](Self::settle) after a change to every node.
    fn settle_all(&mut self) {
        self.settle(0..self.nodes.len(), 0);
    }

    /// The depth this list compresses at (`list-compress-depth`).
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Number of elements.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when the list has no element.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of nodes (for tests and introspection).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Pushes `e` at `end`.
    pub fn push(&mut self, end: End, e: &[u8], enc: &Enc) {
        match end {
            End::Left => match self.nodes.front_mut().map(Node::raw_mut) {
                Some(node) if fits(node, e.len(), enc) => node.push_front(e),
                full => {
                    // A full node gives back its spare bytes.
                    if let Some(full) = full {
                        full.trim();
                    }
                    let mut node = Pack::new();
                    node.push_back(e);
                    room_for_one(&mut self.nodes);
                    self.nodes.push_front(Node::from(node));
                    self.settle(0..0, 1);
                }
            },
            End::Right => match self.nodes.back_mut().map(Node::raw_mut) {
                Some(node) if fits(node, e.len(), enc) => node.push_back(e),
                full => {
                    if let Some(full) = full {
                        full.trim();
                    }
                    let mut node = Pack::new();
                    node.push_back(e);
                    room_for_one(&mut self.nodes);
                    self.nodes.push_back(Node::from(node));
                    self.settle(0..0, 1);
                }
            },
        }
        self.len += 1;
    }

    /// Pops the element at `end`.
    pub fn pop(&mut self, end: End) -> Option<Bytes> {
        let e = match end {
            End::Left => {
                let node = self.nodes.front_mut()?.raw_mut();
                let e = node.pop_front();
                if node.is_empty() {
                    self.nodes.pop_front();
                    self.settle(0..0, 0);
                }
                e
            }
            End::Right => {
                let node = self.nodes.back_mut()?.raw_mut();
                let e = node.pop_back();
                if node.is_empty() {
                    self.nodes.pop_back();
                    self.settle(0..0, 0);
                }
                e
            }
        }?;
        self.len -= 1;
        Some(e)
    }

    /// The node holding element `i` and `i`'s position in it.
    fn locate(&self, i: usize) -> Option<(usize, usize)> {
        if i >= self.len {
            return None;
        }
        if i < self.len / 2 {
            let mut left = i;
            for (n, node) in self.nodes.iter().enumerate() {
                if left < node.len() {
                    return Some((n, left));
                }
                left -= node.len();
            }
        } else {
            // Count from the tail: element i is `from_tail` before the end.
            let mut from_tail = self.len - i;
            for (n, node) in self.nodes.iter().enumerate().rev() {
                if from_tail <= node.len() {
                    return Some((n, node.len() - from_tail));
                }
                from_tail -= node.len();
            }
        }
        None
    }

    /// Element `i` (a copy when its node is compressed).
    pub fn get(&self, i: usize) -> Option<Cow<'_, [u8]>> {
        let (n, at) = self.locate(i)?;
        let node = self.nodes.get(n)?;
        match node.raw() {
            Some(p) => p.get(at).map(Cow::Borrowed),
            None => node.unpacked().get(at).map(|e| Cow::Owned(e.to_vec())),
        }
    }

    /// Replaces element `i`; false when out of range.
    pub fn set(&mut self, i: usize, e: &[u8], enc: &Enc) -> bool {
        let Some((n, at)) = self.locate(i) else {
            return false;
        };
        let before = self.nodes.len();
        let done = self.set_at(n, at, e, enc);
        let added = self.nodes.len() - before;
        self.settle(n..n + 1 + added, added);
        done
    }

    /// [`set`](Self::set) of entry `at` of node `n`, leaving compression
    /// to the caller.
    fn set_at(&mut self, n: usize, at: usize, e: &[u8], enc: &Enc) -> bool {
        let Some(node) = self.nodes.get_mut(n).map(Node::raw_mut) else {
            return false;
        };
        if enc.is_large(e.len()) && node.len() > 1 {
            // The element leaves its node for a plain node of its own.
            let tail = node.split_off(at);
            let mut tail = tail;
            tail.remove_range(0, 1);
            let mut plain = Pack::new();
            plain.push_back(e);
            let mut at_node = n + 1;
            if node.is_empty() {
                self.nodes.remove(n);
                at_node = n;
            }
            self.nodes.insert(at_node, Node::from(plain));
            if !tail.is_empty() {
                self.nodes.insert(at_node + 1, Node::from(tail));
            }
            return true;
        }
        node.replace(at, e);
        self.split_if_big(n, enc);
        true
    }

    /// Inserts `e` so it becomes element `i` (`i == len()` appends).
    pub fn insert(&mut self, i: usize, e: &[u8], enc: &Enc) {
        if i >= self.len {
            return self.push(End::Right, e, enc);
        }
        if i == 0 {
            return self.push(End::Left, e, enc);
        }
        let Some((n, at)) = self.locate(i) else {
            return;
        };
        let before = self.nodes.len();
        let first = self.insert_at(n, at, e, enc);
        let added = self.nodes.len() - before;
        self.settle(first..n + 1 + added, added);
    }

    /// [`insert`](Self::insert) at entry `at` of node `n`, leaving
    /// compression to the caller; returns the first node it changed.
    fn insert_at(&mut self, n: usize, at: usize, e: &[u8], enc: &Enc) -> usize {
        // Prefer the end of the previous node when `e` lands at a boundary.
        if at == 0 {
            if let Some(prev) = n.checked_sub(1).and_then(|p| self.nodes.get_mut(p)) {
                if fits_node(prev, e.len(), enc) {
                    prev.raw_mut().push_back(e);
                    self.len += 1;
                    return n - 1;
                }
            }
        }
        let lands_on_plain = self
            .nodes
            .get(n)
            .is_some_and(|node| is_plain_node(node, enc));
        if enc.is_large(e.len()) || lands_on_plain {
            // A plain node of its own, splitting the node it lands in (a
            // small element before a plain node gets a node of its own
            // too: the plain node takes nothing else).
            let mut plain = Pack::new();
            plain.push_back(e);
            let Some(node) = self.nodes.get_mut(n).map(Node::raw_mut) else {
                return n;
            };
            if at > 0 {
                let tail = node.split_off(at);
                self.nodes.insert(n + 1, Node::from(tail));
                self.nodes.insert(n + 1, Node::from(plain));
            } else {
                self.nodes.insert(n, Node::from(plain));
            }
            self.len += 1;
            return n;
        }
        if let Some(node) = self.nodes.get_mut(n).map(Node::raw_mut) {
            node.insert(at, e);
            self.len += 1;
            self.split_if_big(n, enc);
        }
        n
    }

    /// Splits node `n` in two while it holds more than one node may, with
    /// more than one element.
    fn split_if_big(&mut self, n: usize, enc: &Enc) {
        let Some(node) = self.nodes.get_mut(n).map(Node::raw_mut) else {
            return;
        };
        if !too_big(node, enc) {
            return;
        }
        let tail = node.split_off(node.len() / 2);
        self.nodes.insert(n + 1, Node::from(tail));
        self.split_if_big(n + 1, enc);
        self.split_if_big(n, enc);
    }

    /// Removes up to `n` elements from `end`.
    pub fn drop_end(&mut self, end: End, mut n: usize) {
        n = n.min(self.len);
        self.len -= n;
        let before = self.nodes.len();
        while n > 0 {
            let node = match end {
                End::Left => self.nodes.front_mut(),
                End::Right => self.nodes.back_mut(),
            };
            let Some(node) = node else {
                break;
            };
            if node.len() <= n {
                n -= node.len();
                match end {
                    End::Left => self.nodes.pop_front(),
                    End::Right => self.nodes.pop_back(),
                };
            } else {
                let node = node.raw_mut();
                match end {
                    End::Left => node.remove_range(0, n),
                    End::Right => node.remove_range(node.len() - n, n),
                }
                node.shrink();
                n = 0;
            }
        }
        if self.nodes.len() != before {
            self.settle(0..0, 0);
        }
    }

    /// Removes the elements at `positions` (ascending, unique, in range;
    /// others are ignored), then merges nodes that fit together.
    pub fn remove_positions(&mut self, positions: &[usize], enc: &Enc) {
        let (mut base, mut k) = (0, 0);
        for node in self.nodes.iter_mut() {
            let count = node.len();
            let first = k;
            while k < positions.len() && positions[k] < base + count {
                k += 1;
            }
            if k > first {
                let mut gone = positions[first..k]
                    .iter()
                    .map(|p| p.wrapping_sub(base))
                    .peekable();
                let mut kept = Pack::new();
                for (i, e) in node.unpacked().iter().enumerate() {
                    if gone.peek() == Some(&i) {
                        gone.next();
                    } else {
                        kept.push_back(e);
                    }
                }
                self.len -= count - kept.len();
                *node = Node::from(kept);
            }
            base += count;
            if k == positions.len() {
                break;
            }
        }
        self.compact(enc);
    }

    /// Drops empty nodes and merges neighbours that fit in one node (a
    /// compressed node is decompressed only to merge), then compresses
    /// what the depth asks for.
    fn compact(&mut self, enc: &Enc) {
        let old = std::mem::take(&mut self.nodes);
        for node in old {
            if node.is_empty() {
                continue;
            }
            match self.nodes.back_mut() {
                Some(last)
                    if enc
                        .node_allows(last.len() + node.len() - 1, last.bytes() + node.bytes())
                        && !is_plain_node(last, enc)
                        && !is_plain_node(&node, enc) =>
                {
                    last.raw_mut().append(&node.unpacked())
                }
                _ => self.nodes.push_back(node),
            }
        }
        self.settle_all();
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
