//! [`Quick`]: a list past one node, the deque of [`Node`]s with Redis's
//! quicklist rules: which node takes a push or an insert (`fits`), when a
//! node splits or merges, and which nodes stay compressed at
//! `list-compress-depth` ([`Quick::settle`] after each change).

use std::borrow::Cow;
use std::collections::VecDeque;
use std::ops::Range;

use super::node::Node;
use super::{End, COMPRESS_MAX};
use crate::base::bytes::Bytes;
use crate::model::encoding::Enc;
use crate::model::types::pack::{entry_size, Pack};

/// The nodes of a list past one node.
#[derive(Clone, Default)]
pub struct Quick {
    pub(super) nodes: VecDeque<Node>,
    pub(super) len: usize,
    /// `list-compress-depth` when the list grew past one node.
    pub(super) depth: usize,
}

/// True when `node` may take one more entry of `len` bytes: not when
/// either is large ([`Enc::is_large`]: a plain node holds one element).
#[inline]
pub(super) fn fits(node: &Pack, len: usize, enc: &Enc) -> bool {
    if node.is_empty() {
        return true;
    }
    enc.node_allows(node.len(), node.bytes() + entry_size(len))
        && !enc.is_large(len)
        && !is_plain(node, enc)
}

/// True when `node` is one large element (a plain node).
#[inline]
pub(super) fn is_plain(node: &Pack, enc: &Enc) -> bool {
    node.len() == 1 && node.get(0).is_some_and(|e| enc.is_large(e.len()))
}

/// [`is_plain`] for a node that may be compressed.
pub(super) fn is_plain_node(node: &Node, enc: &Enc) -> bool {
    // One entry of `n` bytes takes at least `n`: a node under the
    // threshold is not plain, and needs no decompressing to tell.
    node.len() == 1 && enc.is_large(node.bytes()) && is_plain(&node.unpacked(), enc)
}

/// [`fits`] for a node that may be compressed (decompressed only to tell
/// whether it is plain).
pub(super) fn fits_node(node: &Node, len: usize, enc: &Enc) -> bool {
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
pub(super) fn too_big(node: &Pack, enc: &Enc) -> bool {
    node.len() >= 2 && !enc.node_allows(node.len() - 1, node.bytes())
}

/// Makes room in `nodes` for one more node: exactly one while the deque
/// is small, an eighth more past 8 (a deque's default doubling would leave
/// a two-node list paying for four).
#[inline]
pub(super) fn room_for_one(nodes: &mut VecDeque<Node>) {
    if nodes.len() == nodes.capacity() {
        nodes.reserve_exact((nodes.len() / 8).max(1));
    }
}

impl Quick {
    /// A deque holding `node`, compressing at `depth`
    /// (`list-compress-depth`).
    pub(super) fn from_node(mut node: Pack, depth: usize) -> Quick {
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
    pub(super) fn settle(&mut self, touched: Range<usize>, added: usize) {
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
    pub(super) fn settle_all(&mut self) {
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
    pub(super) fn locate(&self, i: usize) -> Option<(usize, usize)> {
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
    pub(super) fn set_at(&mut self, n: usize, at: usize, e: &[u8], enc: &Enc) -> bool {
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
    pub(super) fn insert_at(&mut self, n: usize, at: usize, e: &[u8], enc: &Enc) -> usize {
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
    pub(super) fn split_if_big(&mut self, n: usize, enc: &Enc) {
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
    pub(super) fn compact(&mut self, enc: &Enc) {
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
