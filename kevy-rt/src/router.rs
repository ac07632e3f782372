//! Key → shard routing: a plain function of the key bytes and the shard count.
//!
//! A key containing `{tag}` (a `{`, then a non-empty run up to the next `}`) is
//! routed by the tag alone, as Redis Cluster does, so related keys can be placed on
//! one shard: `{user:1}:name` and `{user:1}:mail` always share a shard.

/// Maps keys to shards. Cheap to copy; every shard holds the same one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Router {
    nshards: usize,
}

impl Router {
    /// A router over `nshards` shards (at least one).
    pub fn new(nshards: usize) -> Router {
        Router {
            nshards: nshards.max(1),
        }
    }

    /// Number of shards.
    #[inline]
    pub fn nshards(&self) -> usize {
        self.nshards
    }

    /// The shard that owns `key`.
    #[inline]
    pub fn shard_of(&self, key: &[u8]) -> usize {
        if self.nshards == 1 {
            return 0;
        }
        self.shard_of_hash(route_hash(key))
    }

    /// The shard that owns keys whose routing hash (`hash(hash_tag(key))`)
    /// is `h` (as [`LockSet::routes`](crate::LockSet::routes) gives them).
    #[inline]
    pub fn shard_of_hash(&self, h: u64) -> usize {
        if self.nshards == 1 {
            return 0;
        }
        // Multiply-shift range reduction: uniform for a well-mixed 64-bit hash.
        ((h as u128 * self.nshards as u128) >> 64) as usize
    }
}

/// The part of `key` that decides its shard: the first non-empty `{…}` section,
/// or the whole key.
#[inline]
pub fn hash_tag(key: &[u8]) -> &[u8] {
    if let Some(open) = find_byte(b'{', key) {
        if let Some(len) = find_byte(b'}', &key[open + 1..]) {
            if len > 0 {
                return &key[open + 1..open + 1 + len];
            }
        }
    }
    key
}

/// The first position of `byte` in `hay`. Keys are short: eight bytes at a
/// time in a word (no vector set-up, which costs memchr more than a short
/// key's whole scan), memchr past 64 bytes.
#[inline]
fn find_byte(byte: u8, hay: &[u8]) -> Option<usize> {
    if hay.len() > 64 {
        return memchr::memchr(byte, hay);
    }
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let pattern = LO * byte as u64;
    let mut chunks = hay.chunks_exact(8);
    let mut at = 0;
    for c in &mut chunks {
        let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]) ^ pattern;
        // Exact: the lowest set flag is the first zero byte of `w`.
        let zero = w.wrapping_sub(LO) & !w & HI;
        if zero != 0 {
            return Some(at + (zero.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| b == byte)
        .map(|i| at + i)
}

/// `hash(hash_tag(key))`, in one pass over the key when it has no `{`
/// (the usual key): the words hashed are also checked for the byte.
#[inline]
pub fn route_hash(key: &[u8]) -> u64 {
    key_and_route_hash(key).1
}

/// `(hash(key), route_hash(key))`, in one pass over the key when it has
/// no `{` (then both are the same hash): a lock's id and its routing hash
/// (`lock.rs`), which took a hash and a separate tag scan per key.
#[inline(always)]
pub(crate) fn key_and_route_hash(key: &[u8]) -> (u64, u64) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    const BRACES: u64 = ONES * b'{' as u64;
    let mut h = start(key.len());
    let mut braces = 0;
    let mut chunks = key.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        // Non-zero exactly when some byte of `w` is `{` (a zero byte of
        // `w ^ BRACES`).
        let x = w ^ BRACES;
        braces |= x.wrapping_sub(ONES) & !x & HIGHS;
        h = mix(h, w);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let w = tail(rest);
        // The padding bytes are zero, never `{`.
        let x = w ^ BRACES;
        braces |= x.wrapping_sub(ONES) & !x & HIGHS;
        h = mix(h, w);
    }
    let id = finish(h);
    if braces != 0 {
        return (id, hash(hash_tag(key)));
    }
    (id, id)
}

const K: u64 = 0x9E37_79B9_7F4A_7C15;

#[inline]
fn start(len: usize) -> u64 {
    (len as u64).wrapping_mul(K)
}

#[inline]
fn mix(h: u64, w: u64) -> u64 {
    (h ^ w).wrapping_mul(K).rotate_left(29)
}

/// The last 1-7 bytes as a zero-padded little-endian word.
#[inline]
fn tail(rest: &[u8]) -> u64 {
    let mut w = 0u64;
    for (i, &b) in rest.iter().enumerate() {
        w |= (b as u64) << (8 * i);
    }
    w
}

/// A fast 64-bit hash of a short byte string (keys are usually under 64 bytes).
#[inline]
pub fn hash(bytes: &[u8]) -> u64 {
    let mut h = start(bytes.len());
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        h = mix(h, w);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        h = mix(h, tail(rest));
    }
    finish(h)
}

/// Final avalanche (murmur3 fmix64) so the high bits used by the range
/// reduction are well mixed.
#[inline]
fn finish(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_and_route_hash_agree_with_their_parts() {
        let keys: &[&[u8]] = &[
            b"",
            b"k",
            b"key:000000012345",
            b"key:0000000123456",
            b"{user1000}.following",
            b"foo{}{bar}",
            b"foo{bar}{zap}",
            b"0123456{",
            b"01234567{a}",
        ];
        for &k in keys {
            assert_eq!(key_and_route_hash(k), (hash(k), route_hash(k)), "{k:?}");
        }
    }

    #[test]
    fn hash_tags() {
        assert_eq!(hash_tag(b"{user1000}.following"), b"user1000");
        assert_eq!(hash_tag(b"foo{}{bar}"), b"foo{}{bar}");
        assert_eq!(hash_tag(b"foo{{bar}}zap"), b"{bar");
        assert_eq!(hash_tag(b"foo{bar}{zap}"), b"bar");
        assert_eq!(hash_tag(b"plain"), b"plain");
        let r = Router::new(4);
        assert_eq!(r.shard_of(b"{a}x"), r.shard_of(b"{a}y"));
    }

    #[test]
    fn route_hash_is_the_hash_of_the_tag() {
        let keys: &[&[u8]] = &[
            b"",
            b"k",
            b"key:000000012345",
            b"key:0000000123456",
            b"{user1000}.following",
            b"0123456{x}",
            b"01234567{x}",
            b"0123456789abcdef{",
            b"0123456789abcde{}",
            b"foo{}{bar}",
            b"\xfb\x7b\xfa\x7a{}",
            b"{",
            b"abc{",
        ];
        for key in keys {
            assert_eq!(route_hash(key), hash(hash_tag(key)), "{key:?}");
        }
        for n in 0..40 {
            for at in 0..n {
                let mut key = vec![b'a'; n];
                key[at] = b'{';
                assert_eq!(route_hash(&key), hash(hash_tag(&key)), "{key:?}");
                key[n - 1] = b'}';
                assert_eq!(route_hash(&key), hash(hash_tag(&key)), "{key:?}");
            }
        }
    }

    #[test]
    fn find_byte_agrees_with_memchr() {
        // Every length up to past the word path's limit, the byte at every
        // position (and absent), among look-alikes (0x7a/0x7c, 0xfb, 0x00).
        for len in 0..80 {
            for at in 0..=len {
                let mut hay: Vec<u8> = (0..len)
                    .map(|i| [0x7a, 0x7c, 0xfb, 0, b'x'][i % 5])
                    .collect();
                if at < len {
                    hay[at] = b'{';
                    if at + 3 < len {
                        hay[at + 3] = b'{';
                    }
                }
                assert_eq!(
                    find_byte(b'{', &hay),
                    memchr::memchr(b'{', &hay),
                    "{len} {at}"
                );
                assert_eq!(find_byte(0, &hay), memchr::memchr(0, &hay), "{len} {at}");
            }
        }
    }

    #[test]
    fn spreads_keys_evenly() {
        for n in [2usize, 3, 4, 8] {
            let r = Router::new(n);
            let mut counts = vec![0usize; n];
            for i in 0..100_000 {
                counts[r.shard_of(format!("key:{i}").as_bytes())] += 1;
            }
            let expect = 100_000 / n;
            for c in counts {
                assert!(c > expect * 9 / 10 && c < expect * 11 / 10, "{n}: {c}");
            }
        }
    }
}
