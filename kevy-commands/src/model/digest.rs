//! Redis's dataset digest (`DEBUG DIGEST`, `DEBUG DIGEST-VALUE`): SHA-1
//! based, with unordered collections folded by XOR and ordered ones (lists,
//! the key/value pair) by feedback, so a kevy dataset and a Redis dataset
//! holding the same data give the same 40 hex digits (`debug.c`'s
//! `xorObjectDigest` and `computeDatasetDigest`).

use crate::base::float::fmt_double;
use crate::base::num::{fmt_i64, I64_BUF};
use crate::model::value::Value;

/// A 20-byte SHA-1 digest.
pub type Digest = [u8; 20];

fn sha1(data: &[u8]) -> Digest {
    sha1_smol::Sha1::from(data).digest().bytes()
}

/// `digest ^= SHA1(data)`: order-independent accumulation.
pub fn xor(digest: &mut Digest, data: &[u8]) {
    let h = sha1(data);
    digest.iter_mut().zip(h).for_each(|(d, h)| *d ^= h);
}

/// `digest = SHA1(digest ^ SHA1(data))`: order-dependent accumulation.
pub fn mix(digest: &mut Digest, data: &[u8]) {
    xor(digest, data);
    *digest = sha1(digest);
}

/// The digest of one member with its score or value (a zset or hash entry).
fn pair(a: &[u8], b: &[u8]) -> Digest {
    let mut d = [0; 20];
    mix(&mut d, a);
    mix(&mut d, b);
    d
}

/// Redis's type number of a value (`OBJ_STRING` …).
fn type_code(v: &Value) -> u32 {
    match v {
        Value::Int(_) | Value::Str(_) => 0,
        Value::List(_) => 1,
        Value::Set(_) => 2,
        Value::ZSet(_) => 3,
        Value::Hash(_) => 4,
        Value::Stream(_) => 6,
    }
}

/// Folds value `v` (with a deadline or not) into `digest`, as
/// `xorObjectDigest` does.
pub fn value(digest: &mut Digest, v: &Value, volatile: bool) {
    mix(digest, &type_code(v).to_be_bytes());
    let mut ibuf = I64_BUF;
    match v {
        Value::Int(n) => mix(digest, fmt_i64(*n, &mut ibuf)),
        Value::Str(s) => mix(digest, s),
        Value::List(l) => l.reader().iter().for_each(|e| mix(digest, e)),
        Value::Set(s) => s.iter().for_each(|m| xor(digest, m.bytes(&mut ibuf))),
        Value::ZSet(z) => {
            let mut fbuf = [0u8; 32];
            for (m, score) in z.iter(0, false) {
                let d = pair(m, fmt_double(score, &mut fbuf));
                xor(digest, &d);
            }
        }
        Value::Hash(h) => h.iter().for_each(|(f, val)| xor(digest, &pair(f, val))),
        // Entries in order: `ms.seq`, then each field and value (groups are
        // not part of the digest, as in Redis).
        Value::Stream(st) => {
            use crate::model::stream::StreamId;
            st.log.walk(StreamId::MIN, StreamId::MAX, false, |e| {
                mix(digest, format!("{}.{}", e.id.ms, e.id.seq).as_bytes());
                for (f, val) in e.pairs() {
                    mix(digest, f);
                    mix(digest, val);
                }
                true
            });
        }
    }
    if volatile {
        xor(digest, b"!!expire!!");
    }
}

/// The digest of one key and its value; a database's digest is the
/// [`xor`] of these (so SHA-1 of each, as `xorDigest` does).
pub fn entry(key: &[u8], v: &Value, volatile: bool) -> Digest {
    let mut d = [0; 20];
    mix(&mut d, key);
    value(&mut d, v, volatile);
    d
}

/// Combines per-database digests (each the [`xor`] of its entries'
/// digests, the raw XOR of what several shards gathered) into the dataset digest: each
/// non-empty database, in ascending order, mixes its number in first.
pub fn dataset(dbs: impl IntoIterator<Item = (u32, Digest)>) -> Digest {
    let mut final_ = [0; 20];
    for (db, d) in dbs {
        mix(&mut final_, &db.to_be_bytes());
        final_.iter_mut().zip(d).for_each(|(f, d)| *f ^= d);
    }
    final_
}

/// Lower-case hex of a digest.
pub fn hex(d: &Digest) -> [u8; 40] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0; 40];
    for (i, b) in d.iter().enumerate() {
        out[2 * i] = HEX[(b >> 4) as usize];
        out[2 * i + 1] = HEX[(b & 15) as usize];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_dataset_is_zero() {
        assert_eq!(&hex(&dataset([])), &[b'0'; 40]);
    }

    #[test]
    fn sha1_known_answer() {
        assert_eq!(
            &hex(&sha1(b"abc")),
            b"a9993e364706816aba3e25717850c26c9cd0d89d"
        );
    }

    #[test]
    fn set_order_does_not_matter_but_list_order_does() {
        let (mut a, mut b) = ([0; 20], [0; 20]);
        xor(&mut a, b"x");
        xor(&mut a, b"y");
        xor(&mut b, b"y");
        xor(&mut b, b"x");
        assert_eq!(a, b);
        let (mut a, mut b) = ([0; 20], [0; 20]);
        mix(&mut a, b"x");
        mix(&mut a, b"y");
        mix(&mut b, b"y");
        mix(&mut b, b"x");
        assert_ne!(a, b);
    }
}
