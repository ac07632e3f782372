//! The quicklist against a `VecDeque` model, across node boundaries.

use std::collections::VecDeque;

use super::*;

/// A tiny deterministic generator for the model test.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

fn elem(rng: &mut Lcg) -> Vec<u8> {
    // Mostly small, sometimes over a node's size on its own; mostly
    // compressible, sometimes noise.
    let len = match rng.next(20) {
        0 => 8192 + rng.next(100),
        1..=3 => 200 + rng.next(2000),
        _ => rng.next(12),
    };
    if rng.next(4) == 0 {
        return (0..len).map(|_| rng.next(256) as u8).collect();
    }
    let b = b'a' + rng.next(26) as u8;
    vec![b; len]
}

fn check_with(list: &List, model: &VecDeque<Vec<u8>>, enc: &Enc) {
    for node in list.nodes() {
        if node.unpacked().iter().any(|e| enc.is_large(e.len())) {
            assert_eq!(node.len(), 1, "a large element shares its node");
        }
    }
    assert_eq!(list.len(), model.len());
    let r = list.reader();
    let got: Vec<&[u8]> = r.iter().collect();
    let want: Vec<&[u8]> = model.iter().map(Vec::as_slice).collect();
    assert_eq!(got, want);
    let back: Vec<&[u8]> = r.iter().rev().collect();
    assert_eq!(back, want.iter().rev().copied().collect::<Vec<_>>());
    for node in list.nodes() {
        assert!(!node.is_empty(), "empty node left behind");
        assert!(node.bytes() <= 8192 || node.len() == 1, "oversized node");
        assert_eq!(node.len(), node.unpacked().len(), "node count");
        assert_eq!(node.bytes(), node.unpacked().bytes(), "node size");
    }
    check_compression(list);
}

/// The nodes within the depth of either end are raw; the ones between are
/// compressed unless compressing would not pay (`__quicklistCompressNode`).
fn check_compression(list: &List) {
    let d = list.compress_depth();
    let n = list.node_count();
    for (i, node) in list.nodes().enumerate() {
        let inner = d > 0 && i >= d && i < n.saturating_sub(d);
        if !inner {
            assert!(!node.is_compressed(), "node {i} of {n} at depth {d}");
        } else if !node.is_compressed() {
            let mut copy = Node::from(node.unpacked().into_owned());
            assert!(!copy.compress(), "node {i} of {n} at depth {d} left raw");
        }
    }
}

#[test]
fn matches_a_deque_model() {
    run_model(&crate::model::encoding::DEFAULT);
}

/// `list-compress-depth` 1..3: the same operations, inner nodes
/// compressed.
#[test]
fn compressed_lists_match_the_model() {
    for depth in 1..=3 {
        run_model(&Enc {
            list_compress: depth,
            ..crate::model::encoding::DEFAULT
        });
        run_model(&Enc {
            list_compress: depth,
            list_packed: 100,
            ..crate::model::encoding::DEFAULT
        });
    }
}

#[test]
fn large_elements_get_plain_nodes() {
    // DEBUG QUICKLIST-PACKED-THRESHOLD 100: every element of 100 bytes or
    // more sits alone in its node, whatever the operation put it there.
    let enc = Enc {
        list_packed: 100,
        ..crate::model::encoding::DEFAULT
    };
    run_model(&enc);
}

fn run_model(enc: &Enc) {
    let mut rng = Lcg(7);
    let mut list = List::new();
    let mut model: VecDeque<Vec<u8>> = VecDeque::new();
    for step in 0..4000 {
        let e = elem(&mut rng);
        match rng.next(10) {
            0 | 1 => {
                list.push(End::Left, &e, enc);
                model.push_front(e);
            }
            2 | 3 => {
                list.push(End::Right, &e, enc);
                model.push_back(e);
            }
            4 => assert_eq!(list.pop(End::Left).map(|b| b.to_vec()), model.pop_front()),
            5 => assert_eq!(list.pop(End::Right).map(|b| b.to_vec()), model.pop_back()),
            6 => {
                let i = rng.next(model.len() + 1);
                list.insert(i, &e, enc);
                model.insert(i, e);
            }
            7 if !model.is_empty() => {
                let i = rng.next(model.len());
                assert!(list.set(i, &e, enc));
                model[i] = e;
            }
            8 if !model.is_empty() => {
                let i = rng.next(model.len());
                assert_eq!(list.get(i).as_deref(), Some(&model[i][..]));
                let r = list.reader();
                let from: Vec<&[u8]> = r.iter_from(i).collect();
                let want: Vec<&[u8]> = model.range(i..).map(Vec::as_slice).collect();
                assert_eq!(from, want);
            }
            9 if !model.is_empty() => {
                let mut positions: Vec<usize> = (0..rng.next(5) + 1)
                    .map(|_| rng.next(model.len()))
                    .collect();
                positions.sort_unstable();
                positions.dedup();
                list.remove_positions(&positions, enc);
                for &p in positions.iter().rev() {
                    model.remove(p);
                }
            }
            _ => {
                let n = rng.next(4);
                let end = if rng.next(2) == 0 {
                    End::Left
                } else {
                    End::Right
                };
                list.drop_end(end, n);
                for _ in 0..n.min(model.len()) {
                    match end {
                        End::Left => model.pop_front(),
                        End::Right => model.pop_back(),
                    };
                }
            }
        }
        if step % 50 == 0 {
            check_with(&list, &model, enc);
        }
    }
    check_with(&list, &model, enc);
    assert!(list.get(list.len()).is_none());
    assert!(!list.set(list.len(), b"x", enc));
    assert_eq!(list.reader().iter_from(list.len()).count(), 0);
}

#[test]
fn small_lists_are_one_node() {
    let mut list = List::new();
    for i in 0..100 {
        list.push(
            End::Right,
            format!("element {i}").as_bytes(),
            &crate::model::encoding::DEFAULT,
        );
    }
    assert_eq!(list.node_count(), 1);
    for i in 0..1000 {
        list.push(
            End::Left,
            format!("element {i}").as_bytes(),
            &crate::model::encoding::DEFAULT,
        );
    }
    assert!(list.node_count() > 1);
    list.drop_end(End::Left, 1000);
    assert_eq!(list.len(), 100);
}

/// `list-max-listpack-size`: a count bounds entries per node, a size class
/// bytes per node, and every operation keeps to it.
#[test]
fn nodes_follow_the_fill() {
    use crate::model::encoding::{Enc, DEFAULT};
    for (fill, max_count, max_bytes) in [
        (1, 1, 8192),
        (3, 3, 8192),
        (-1, usize::MAX, 4096),
        (-5, usize::MAX, 65536),
        (0, 1, 8192),
    ] {
        let enc = Enc {
            list_fill: fill,
            ..DEFAULT
        };
        let mut rng = Lcg(fill.unsigned_abs() as u64 + 11);
        let mut list = List::new();
        let mut model: VecDeque<Vec<u8>> = VecDeque::new();
        for _ in 0..1500 {
            let e = vec![b'a' + rng.next(26) as u8; rng.next(300)];
            match rng.next(6) {
                0 | 1 => {
                    list.push(End::Left, &e, &enc);
                    model.push_front(e);
                }
                2 | 3 => {
                    list.push(End::Right, &e, &enc);
                    model.push_back(e);
                }
                4 if !model.is_empty() => {
                    let i = rng.next(model.len() + 1);
                    list.insert(i, &e, &enc);
                    model.insert(i, e);
                }
                _ if !model.is_empty() => {
                    let i = rng.next(model.len());
                    list.set(i, &e, &enc);
                    model[i] = e;
                }
                _ => {}
            }
        }
        let gone: Vec<usize> = (0..model.len()).filter(|i| i % 3 == 0).collect();
        list.remove_positions(&gone, &enc);
        for &i in gone.iter().rev() {
            model.remove(i);
        }
        let r = list.reader();
        let got: Vec<&[u8]> = r.iter().collect();
        let want: Vec<&[u8]> = model.iter().map(Vec::as_slice).collect();
        assert_eq!(got, want, "fill {fill}");
        assert!(list.node_count() > 1, "fill {fill}: many nodes");
        for node in list.nodes() {
            assert!(
                node.len() <= max_count,
                "fill {fill}: {} entries",
                node.len()
            );
            assert!(
                node.bytes() <= max_bytes || node.len() == 1,
                "fill {fill}: {} bytes",
                node.bytes()
            );
        }
    }
}

/// 10,000 similar items at depth 1: every node but the two ends is
/// compressed, the list takes a fraction of its raw size, and every read
/// sees the elements.
#[test]
fn compression_saves_memory() {
    let at = |depth| Enc {
        list_compress: depth,
        ..crate::model::encoding::DEFAULT
    };
    let items: Vec<String> = (0..10_000)
        .map(|i| format!("item-number-{i:06}-payload-abcdefghij"))
        .collect();
    let build = |enc: &Enc| {
        let mut l = List::new();
        items
            .iter()
            .for_each(|e| l.push(End::Right, e.as_bytes(), enc));
        l
    };
    let raw = build(&at(0));
    let packed = build(&at(1));
    assert_eq!(raw, packed);
    let n = packed.node_count();
    let compressed = packed.nodes().filter(|n| n.is_compressed()).count();
    assert_eq!(compressed, n - 2, "all inner nodes of {n}");
    let size = |l: &List| l.nodes().map(|n| n.capacity()).sum::<usize>();
    assert!(
        size(&packed) * 4 < size(&raw),
        "{} vs {}",
        size(&packed),
        size(&raw)
    );
    assert_eq!(packed.get(5000).as_deref(), Some(items[5000].as_bytes()));
    let r = packed.reader();
    assert!(r
        .iter_from(9990)
        .eq(items[9990..].iter().map(|s| s.as_bytes())));
    // Depth 3 keeps three raw at each end; popping everything leaves none.
    let mut deep = build(&at(3));
    let raw_nodes = deep.nodes().filter(|n| !n.is_compressed()).count();
    assert_eq!(raw_nodes, 6);
    while deep.pop(End::Left).is_some() {
        check_compression(&deep);
    }
    assert_eq!(deep.node_count(), 0);
}
