//! A node's compression: Redis's thresholds, and what comes back out.

use super::*;

/// A raw node of `entries`.
fn node_of(entries: &[&[u8]]) -> Node {
    let mut p = Pack::new();
    entries.iter().for_each(|e| p.push_back(e));
    Node::from(p)
}

/// Bytes that do not compress.
fn noise(n: usize) -> Vec<u8> {
    let mut x = 0x2545_f491_4f6c_dd1du64;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

#[test]
fn compresses_from_48_bytes_when_it_saves_8() {
    // 46 bytes of one letter: an entry of 48 bytes (length, bytes, length).
    let small = vec![b'a'; 45];
    let mut n = node_of(&[&small]);
    assert_eq!(n.bytes(), 47);
    assert!(!n.compress(), "under MIN_COMPRESS_BYTES");
    assert!(!n.is_compressed());
    let at_min = vec![b'a'; 46];
    let mut n = node_of(&[&at_min]);
    assert_eq!(n.bytes(), 48);
    assert!(n.compress(), "48 bytes of one letter compress");
    assert!(n.is_compressed());
    assert_eq!((n.len(), n.bytes()), (1, 48));
    assert!(n.capacity() < 48 - MIN_COMPRESS_IMPROVE);
    assert_eq!(n.unpacked().get(0), Some(&at_min[..]));
}

#[test]
fn incompressible_nodes_stay_raw() {
    for len in [48, 100, 8000] {
        let e = noise(len);
        let mut n = node_of(&[&e]);
        assert!(!n.compress(), "{len} bytes of noise");
        assert!(n.raw().is_some());
    }
    // Noise with a little repetition: saves under 8 bytes, stays raw.
    let mut e = noise(200);
    e.extend_from_slice(b"abcdefgh");
    let mut n = node_of(&[&e]);
    assert!(!n.compress());
}

#[test]
fn round_trips_through_compression() {
    let entries: Vec<Vec<u8>> = (0..500)
        .map(|i| format!("element-{}-{}", i % 17, "x".repeat(i % 40)).into_bytes())
        .collect();
    let refs: Vec<&[u8]> = entries.iter().map(Vec::as_slice).collect();
    let mut n = node_of(&refs);
    let (count, bytes) = (n.len(), n.bytes());
    assert!(n.compress());
    assert!(n.capacity() * 4 < bytes, "{} of {bytes}", n.capacity());
    assert_eq!((n.len(), n.bytes()), (count, bytes), "known compressed");
    let unpacked = n.unpacked();
    assert!(unpacked.iter().eq(refs.iter().copied()));
    // Changing it decompresses it in place.
    n.raw_mut().push_back(b"more");
    assert!(!n.is_compressed());
    assert_eq!(n.len(), count + 1);
    assert!(n.compress());
    let p = n.clone().into_pack();
    assert_eq!(p.get(count), Some(&b"more"[..]));
    n.decompress();
    assert_eq!(n.raw().map(Pack::len), Some(count + 1));
}
