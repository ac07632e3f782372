//! [`List`]: Redis's quicklist. A deque of [`Pack`] nodes, each at most
//! [`NODE_BYTES`] (8 KB, `list-max-listpack-size -2`) unless it holds one
//! larger element alone. A small list is one node: its elements in one buffer.
//!
//! Positions are 0-based from the head; callers convert Redis's negative
//! indexes first. Operations walk nodes from the nearer end, then entries
//! inside one node, like `quicklistGetIteratorAtIdx`.

use std::collections::VecDeque;

use super::pack::{entry_size, Pack};
use crate::base::bytes::Bytes;

/// Most bytes of entries in one node (Redis's `list-max-listpack-size -2`).
pub const NODE_BYTES: usize = 8 * 1024;

/// A list of byte strings.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct List {
    nodes: VecDeque<Pack>,
    len: usize,
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

/// True when a node of `bytes` bytes may take one more entry of `len` bytes.
#[inline]
fn fits(node: &Pack, len: usize) -> bool {
    node.is_empty() || node.bytes() + entry_size(len) <= NODE_BYTES
}

impl List {
    /// An empty list.
    pub fn new() -> List {
        List::default()
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
    pub fn push(&mut self, end: End, e: &[u8]) {
        match end {
            End::Left => match self.nodes.front_mut() {
                Some(node) if fits(node, e.len()) => node.push_front(e),
                _ => {
                    let mut node = Pack::new();
                    node.push_back(e);
                    self.nodes.push_front(node);
                }
            },
            End::Right => match self.nodes.back_mut() {
                Some(node) if fits(node, e.len()) => node.push_back(e),
                _ => {
                    let mut node = Pack::new();
                    node.push_back(e);
                    self.nodes.push_back(node);
                }
            },
        }
        self.len += 1;
    }

    /// Pops the element at `end`.
    pub fn pop(&mut self, end: End) -> Option<Bytes> {
        let e = match end {
            End::Left => {
                let node = self.nodes.front_mut()?;
                let e = node.pop_front();
                if node.is_empty() {
                    self.nodes.pop_front();
                }
                e
            }
            End::Right => {
                let node = self.nodes.back_mut()?;
                let e = node.pop_back();
                if node.is_empty() {
                    self.nodes.pop_back();
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

    /// Element `i`.
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        let (n, at) = self.locate(i)?;
        self.nodes.get(n)?.get(at)
    }

    /// Replaces element `i`; false when out of range.
    pub fn set(&mut self, i: usize, e: &[u8]) -> bool {
        let Some((n, at)) = self.locate(i) else {
            return false;
        };
        let Some(node) = self.nodes.get_mut(n) else {
            return false;
        };
        node.replace(at, e);
        self.split_if_big(n);
        true
    }

    /// Inserts `e` so it becomes element `i` (`i == len()` appends).
    pub fn insert(&mut self, i: usize, e: &[u8]) {
        if i >= self.len {
            return self.push(End::Right, e);
        }
        if i == 0 {
            return self.push(End::Left, e);
        }
        let Some((n, at)) = self.locate(i) else {
            return;
        };
        // Prefer the end of the previous node when `e` lands at a boundary.
        if at == 0 {
            if let Some(prev) = n.checked_sub(1).and_then(|p| self.nodes.get_mut(p)) {
                if fits(prev, e.len()) {
                    prev.push_back(e);
                    self.len += 1;
                    return;
                }
            }
        }
        if let Some(node) = self.nodes.get_mut(n) {
            node.insert(at, e);
            self.len += 1;
            self.split_if_big(n);
        }
    }

    /// Splits node `n` in two while it is over [`NODE_BYTES`] with more than
    /// one element.
    fn split_if_big(&mut self, n: usize) {
        let Some(node) = self.nodes.get_mut(n) else {
            return;
        };
        if node.bytes() <= NODE_BYTES || node.len() < 2 {
            return;
        }
        let tail = node.split_off(node.len() / 2);
        self.nodes.insert(n + 1, tail);
        self.split_if_big(n + 1);
        self.split_if_big(n);
    }

    /// Removes up to `n` elements from `end`.
    pub fn drop_end(&mut self, end: End, mut n: usize) {
        n = n.min(self.len);
        self.len -= n;
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
                match end {
                    End::Left => node.remove_range(0, n),
                    End::Right => node.remove_range(node.len() - n, n),
                }
                node.shrink();
                n = 0;
            }
        }
    }

    /// Removes the elements at `positions` (ascending, unique, in range;
    /// others are ignored), then merges nodes that fit together.
    pub fn remove_positions(&mut self, positions: &[usize]) {
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
                for (i, e) in node.iter().enumerate() {
                    if gone.peek() == Some(&i) {
                        gone.next();
                    } else {
                        kept.push_back(e);
                    }
                }
                self.len -= count - kept.len();
                *node = kept;
            }
            base += count;
            if k == positions.len() {
                break;
            }
        }
        self.compact();
    }

    /// Drops empty nodes and merges neighbours that fit in one node.
    fn compact(&mut self) {
        let old = std::mem::take(&mut self.nodes);
        for node in old {
            if node.is_empty() {
                continue;
            }
            match self.nodes.back_mut() {
                Some(last) if last.bytes() + node.bytes() <= NODE_BYTES => last.append(&node),
                _ => self.nodes.push_back(node),
            }
        }
    }

    /// Iterates from element `start` towards the tail (nothing when
    /// `start` is out of range).
    pub fn iter_from(&self, start: usize) -> impl Iterator<Item = &[u8]> + '_ {
        let (n, at) = self.locate(start).unwrap_or((self.nodes.len(), 0));
        self.nodes.range(n..).flat_map(Pack::iter).skip(at)
    }

    /// Iterates over every element, head to tail.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &[u8]> + '_ {
        self.nodes.iter().flat_map(Pack::iter)
    }
}

impl std::fmt::Debug for List {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.iter().map(String::from_utf8_lossy))
            .finish()
    }
}

#[cfg(test)]
mod tests;
