//! The encodings Redis 7.0 still loads but no longer writes: the ziplist
//! (`ziplist.c`: lists, hashes and sorted sets of RDB types 10, 12, 13
//! and quicklist nodes of type 14), the zipmap (`zipmap.c`, type 9) and
//! the intset blob (`intset.c`, type 11, which 7.0 does write). Read-only,
//! every length checked against the blob.

use super::{corrupt, Elem, RdbError};

/// Reads `n` bytes at `at` of `b`.
fn take(b: &[u8], at: usize, n: usize) -> Result<&[u8], RdbError> {
    at.checked_add(n)
        .and_then(|end| b.get(at..end))
        .ok_or_else(|| corrupt("ziplist entry past its end"))
}

fn le(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w[..b.len()].copy_from_slice(b);
    u64::from_le_bytes(w)
}

/// Every entry of the ziplist `zl`.
pub fn ziplist(zl: &[u8]) -> Result<Vec<Elem<'_>>, RdbError> {
    if zl.len() < 11 {
        return Err(corrupt("ziplist too short"));
    }
    if le(&zl[0..4]) as usize != zl.len() {
        return Err(corrupt("ziplist length mismatch"));
    }
    let count = le(&zl[8..10]) as usize;
    let mut out = Vec::with_capacity(count.min(zl.len()));
    let mut p = 10;
    loop {
        let b = *zl.get(p).ok_or_else(|| corrupt("ziplist without end"))?;
        if b == 0xff {
            if p + 1 != zl.len() {
                return Err(corrupt("ziplist data after its end"));
            }
            break;
        }
        // The previous entry's length: 1 byte, or 0xfe and 4 bytes.
        p += if b == 0xfe { 5 } else { 1 };
        let e = *zl
            .get(p)
            .ok_or_else(|| corrupt("ziplist entry past its end"))?;
        let (elem, len) = match e >> 6 {
            0 => {
                let n = (e & 0x3f) as usize;
                (Elem::Str(take(zl, p + 1, n)?), 1 + n)
            }
            1 => {
                let lo = take(zl, p + 1, 1)?[0];
                let n = (((e & 0x3f) as usize) << 8) | lo as usize;
                (Elem::Str(take(zl, p + 2, n)?), 2 + n)
            }
            2 => {
                if e != 0x80 {
                    return Err(corrupt("bad ziplist string encoding"));
                }
                let l = take(zl, p + 1, 4)?;
                let n = u32::from_be_bytes([l[0], l[1], l[2], l[3]]) as usize;
                (Elem::Str(take(zl, p + 5, n)?), 5 + n)
            }
            _ => {
                let (width, v) = match e {
                    0xc0 => (2, le(take(zl, p + 1, 2)?) as u16 as i16 as i64),
                    0xd0 => (4, le(take(zl, p + 1, 4)?) as u32 as i32 as i64),
                    0xe0 => (8, le(take(zl, p + 1, 8)?) as i64),
                    0xf0 => {
                        let u = le(take(zl, p + 1, 3)?);
                        (3, ((u << 40) as i64) >> 40)
                    }
                    0xfe => (1, take(zl, p + 1, 1)?[0] as i8 as i64),
                    0xf1..=0xfd => (0, (e & 0x0f) as i64 - 1),
                    _ => return Err(corrupt("bad ziplist integer encoding")),
                };
                (Elem::Int(v), 1 + width)
            }
        };
        out.push(elem);
        p += len;
    }
    if count != u16::MAX as usize && count != out.len() {
        return Err(corrupt("ziplist count mismatch"));
    }
    Ok(out)
}

/// A zipmap length: one byte below 254, else 254 and a 32-bit length.
fn zipmap_len(zm: &[u8], p: &mut usize) -> Result<usize, RdbError> {
    let b = take(zm, *p, 1)?[0];
    if b < 254 {
        *p += 1;
        Ok(b as usize)
    } else if b == 254 {
        let n = le(take(zm, *p + 1, 4)?) as usize;
        *p += 5;
        Ok(n)
    } else {
        Err(corrupt("bad zipmap length"))
    }
}

/// The field/value pairs of the zipmap `zm`, flattened.
pub fn zipmap(zm: &[u8]) -> Result<Vec<Elem<'_>>, RdbError> {
    let mut out = Vec::new();
    let mut p = 1;
    loop {
        if *zm.get(p).ok_or_else(|| corrupt("zipmap without end"))? == 255 {
            if p + 1 != zm.len() {
                return Err(corrupt("zipmap data after its end"));
            }
            return Ok(out);
        }
        let n = zipmap_len(zm, &mut p)?;
        out.push(Elem::Str(take(zm, p, n)?));
        p += n;
        let n = zipmap_len(zm, &mut p)?;
        let free = take(zm, p, 1)?[0] as usize;
        out.push(Elem::Str(take(zm, p + 1, n)?));
        p += 1 + n + free;
    }
}

/// The members of an intset blob (encoding, count, then the members),
/// which must be strictly ascending.
pub fn intset(blob: &[u8]) -> Result<Vec<i64>, RdbError> {
    if blob.len() < 8 {
        return Err(corrupt("intset too short"));
    }
    let width = le(&blob[0..4]) as usize;
    let count = le(&blob[4..8]) as usize;
    if !matches!(width, 2 | 4 | 8) {
        return Err(corrupt("bad intset encoding"));
    }
    if count == 0 || count.checked_mul(width) != Some(blob.len() - 8) {
        return Err(corrupt("intset length mismatch"));
    }
    let mut out = Vec::with_capacity(count);
    for c in blob[8..].chunks_exact(width) {
        let v = match width {
            2 => le(c) as u16 as i16 as i64,
            4 => le(c) as u32 as i32 as i64,
            _ => le(c) as i64,
        };
        if out.last().is_some_and(|&last| last >= v) {
            return Err(corrupt("intset not sorted"));
        }
        out.push(v);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redis_ziplist() {
        // A Redis 3.2 ziplist of "a", 1, 300, -1000000 (built by hand from
        // ziplist.c's layout).
        let mut zl = vec![0u8; 10];
        let entries: &[&[u8]] = &[
            &[0x00, 0x01, b'a'],
            &[0x03, 0xf2],
            &[0x03, 0xc0, 0x2c, 0x01],
            &[0x04, 0xf0, 0xc0, 0xbd, 0xf0],
        ];
        for e in entries {
            zl.extend_from_slice(e);
        }
        zl.push(0xff);
        let n = zl.len() as u32;
        zl[0..4].copy_from_slice(&n.to_le_bytes());
        zl[8..10].copy_from_slice(&4u16.to_le_bytes());
        let got = ziplist(&zl).unwrap();
        assert_eq!(
            got,
            vec![
                Elem::Str(b"a"),
                Elem::Int(1),
                Elem::Int(300),
                Elem::Int(-1_000_000)
            ]
        );
        for cut in 0..zl.len() {
            assert!(ziplist(&zl[..cut]).is_err());
        }
    }

    #[test]
    fn zipmap_and_intset() {
        let zm = [2u8, 1, b'f', 2, 0, b'v', b'1', 255];
        assert_eq!(
            zipmap(&zm).unwrap(),
            vec![Elem::Str(b"f"), Elem::Str(b"v1")]
        );
        let mut blob = vec![2, 0, 0, 0, 2, 0, 0, 0];
        blob.extend_from_slice(&(-5i16).to_le_bytes());
        blob.extend_from_slice(&7i16.to_le_bytes());
        assert_eq!(intset(&blob).unwrap(), vec![-5, 7]);
        blob.swap(8, 10);
        blob.swap(9, 11);
        assert!(intset(&blob).is_err());
    }
}
