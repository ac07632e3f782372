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

/// Every entry of the ziplist `zl`, checked as Redis 7.0 checks every
/// ziplist it loads (`ziplistValidateIntegrity` with `deep`, which it
/// always asks for, since it converts them): the header's byte count, the
/// end byte, the tail offset inside the blob and pointing at the last
/// entry, each entry's header (an encoding Redis knows) and length inside
/// the blob, each entry's record of the previous entry's length, and the
/// count when the header knows it.
pub fn ziplist(zl: &[u8]) -> Result<Vec<Elem<'_>>, RdbError> {
    const HEADER: usize = 10;
    if zl.len() < HEADER + 1 {
        return Err(corrupt("ziplist too short"));
    }
    if le(&zl[0..4]) as usize != zl.len() {
        return Err(corrupt("ziplist length mismatch"));
    }
    let last = zl.len() - 1;
    if zl[last] != 0xff {
        return Err(corrupt("ziplist without end"));
    }
    let tail = le(&zl[4..8]) as usize;
    if tail > last {
        return Err(corrupt("ziplist tail past its end"));
    }
    let count = le(&zl[8..10]) as usize;
    let mut out = Vec::with_capacity(count.min(zl.len()));
    let mut p = HEADER;
    let (mut prev, mut prev_len) = (None, 0usize);
    while zl[p] != 0xff {
        // The previous entry's length: 1 byte, or 0xfe and 4 bytes.
        let (prev_size, recorded) = if zl[p] < 0xfe {
            (1, zl[p] as usize)
        } else {
            (5, le(take(zl, p + 1, 4)?) as usize)
        };
        if recorded != prev_len {
            return Err(corrupt("ziplist entry's previous length is wrong"));
        }
        let at = p + prev_size;
        if at > last {
            return Err(corrupt("ziplist entry past its end"));
        }
        // `ZIP_ENTRY_ENCODING`: a string's encoding is its top two bits.
        let e = zl[at];
        let enc = if e < 0xc0 { e & 0xc0 } else { e };
        let (head, len) = match enc {
            0x00 => (1, (e & 0x3f) as usize),
            0x40 => (
                2,
                ((e as usize & 0x3f) << 8) | take(zl, at + 1, 1)?[0] as usize,
            ),
            0x80 => {
                let l = take(zl, at + 1, 4)?;
                (5, u32::from_be_bytes([l[0], l[1], l[2], l[3]]) as usize)
            }
            0xc0 => (1, 2),
            0xd0 => (1, 4),
            0xe0 => (1, 8),
            0xf0 => (1, 3),
            0xfe => (1, 1),
            0xf1..=0xfd => (1, 0),
            _ => return Err(corrupt("bad ziplist entry encoding")),
        };
        let body = at + head;
        let end = body
            .checked_add(len)
            .filter(|&end| end <= last)
            .ok_or_else(|| corrupt("ziplist entry past its end"))?;
        let data = &zl[body..end];
        out.push(match enc {
            0x00 | 0x40 | 0x80 => Elem::Str(data),
            0xc0 => Elem::Int(le(data) as u16 as i16 as i64),
            0xd0 => Elem::Int(le(data) as u32 as i32 as i64),
            0xe0 => Elem::Int(le(data) as i64),
            0xf0 => Elem::Int(((le(data) << 40) as i64) >> 40),
            0xfe => Elem::Int(data[0] as i8 as i64),
            _ => Elem::Int((e & 0x0f) as i64 - 1),
        });
        prev = Some(p);
        prev_len = end - p;
        p = end;
    }
    if p != last {
        return Err(corrupt("ziplist data after its end"));
    }
    if prev.is_some_and(|prev| prev != tail) {
        return Err(corrupt("ziplist tail offset is wrong"));
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

/// The field/value pairs of the zipmap `zm`, flattened, checked as Redis
/// checks a zipmap (`zipmapValidateIntegrity` with `deep`, always asked
/// for): the end byte, every length inside the blob, at least one pair,
/// and the count in the header unless it says "254 or more".
pub fn zipmap(zm: &[u8]) -> Result<Vec<Elem<'_>>, RdbError> {
    if zm.len() < 2 || zm[zm.len() - 1] != 255 {
        return Err(corrupt("zipmap without end"));
    }
    let mut out = Vec::new();
    let mut p = 1;
    loop {
        if *zm.get(p).ok_or_else(|| corrupt("zipmap without end"))? == 255 {
            if p + 1 != zm.len() {
                return Err(corrupt("zipmap data after its end"));
            }
            break;
        }
        let n = zipmap_len(zm, &mut p)?;
        out.push(Elem::Str(take(zm, p, n)?));
        p += n;
        let n = zipmap_len(zm, &mut p)?;
        let free = take(zm, p, 1)?[0] as usize;
        out.push(Elem::Str(take(zm, p + 1, n)?));
        p += 1 + n + free;
    }
    let pairs = out.len() / 2;
    if pairs == 0 || (zm[0] < 254 && zm[0] as usize != pairs) {
        return Err(corrupt("zipmap count mismatch"));
    }
    Ok(out)
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
            &[0x02, 0xc0, 0x2c, 0x01],
            &[0x04, 0xf0, 0xc0, 0xbd, 0xf0],
        ];
        for e in entries {
            zl.extend_from_slice(e);
        }
        zl.push(0xff);
        let n = zl.len() as u32;
        zl[0..4].copy_from_slice(&n.to_le_bytes());
        zl[4..8].copy_from_slice(&19u32.to_le_bytes()); // the last entry
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
        // What Redis checks beyond the lengths: each entry's record of the
        // previous one's length, the tail offset, the count.
        let mut bad = zl.clone();
        bad[13] = 0x02; // the second entry says the first took 2 bytes
        assert!(ziplist(&bad).is_err());
        let mut bad = zl.clone();
        bad[4] = 15; // the tail offset at the third entry
        assert!(ziplist(&bad).is_err());
        let mut bad = zl.clone();
        bad[8] = 3;
        assert!(ziplist(&bad).is_err());
        // A string header's low bits past its top two are ignored, as in
        // Redis (`ZIP_ENTRY_ENCODING`): 0x81 is a 32-bit length.
        let mut zl = vec![0u8; 10];
        zl.extend_from_slice(&[0x00, 0x81, 0, 0, 0, 2, b'h', b'i', 0xff]);
        let n = zl.len() as u32;
        zl[0..4].copy_from_slice(&n.to_le_bytes());
        zl[4..8].copy_from_slice(&10u32.to_le_bytes());
        zl[8..10].copy_from_slice(&1u16.to_le_bytes());
        assert_eq!(ziplist(&zl).unwrap(), vec![Elem::Str(b"hi")]);
    }

    #[test]
    fn zipmap_and_intset() {
        let zm = [1u8, 1, b'f', 2, 0, b'v', b'1', 255];
        assert_eq!(
            zipmap(&zm).unwrap(),
            vec![Elem::Str(b"f"), Elem::Str(b"v1")]
        );
        // A count that disagrees (but 254: "count them"), and no pair.
        assert!(zipmap(&[2u8, 1, b'f', 2, 0, b'v', b'1', 255]).is_err());
        assert!(zipmap(&[254u8, 1, b'f', 2, 0, b'v', b'1', 255]).is_ok());
        assert!(zipmap(&[0u8, 255]).is_err());
        let mut blob = vec![2, 0, 0, 0, 2, 0, 0, 0];
        blob.extend_from_slice(&(-5i16).to_le_bytes());
        blob.extend_from_slice(&7i16.to_le_bytes());
        assert_eq!(intset(&blob).unwrap(), vec![-5, 7]);
        blob.swap(8, 10);
        blob.swap(9, 11);
        assert!(intset(&blob).is_err());
    }
}
