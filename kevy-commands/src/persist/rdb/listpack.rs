//! Redis's listpack (`listpack.c`): the blob a small hash, sorted set or
//! list node is saved as. [`Builder`] writes one entry by entry exactly as
//! `lpAppend` does (strings that are canonical integers stored as
//! integers); [`entries`] reads one back, checking every length against
//! the blob so a corrupt one is an error.

use super::{corrupt, Elem, RdbError};
use crate::base::num::parse_i64;

/// Header: total bytes (u32) and element count (u16).
const HEADER: usize = 6;
/// The end byte.
const EOF: u8 = 0xff;
/// The element count of a listpack holding 65,535 or more.
const COUNT_UNKNOWN: u16 = u16::MAX;

/// A listpack being written.
pub struct Builder {
    buf: Vec<u8>,
    count: usize,
}

impl Default for Builder {
    fn default() -> Builder {
        Builder::new()
    }
}

impl Builder {
    /// An empty listpack.
    pub fn new() -> Builder {
        let mut buf = Vec::with_capacity(64);
        buf.extend_from_slice(&[0; HEADER]);
        Builder { buf, count: 0 }
    }

    /// Appends `s` (as an integer when it is a canonical one, as Redis does).
    pub fn push(&mut self, s: &[u8]) {
        match parse_i64(s) {
            Some(n) if s.len() <= 20 => self.push_int(n),
            _ => self.push_str(s),
        }
    }

    /// Appends the integer `v` in the smallest integer encoding.
    pub fn push_int(&mut self, v: i64) {
        let start = self.buf.len();
        let b = &mut self.buf;
        if (0..=127).contains(&v) {
            b.push(v as u8);
        } else if (-4096..=4095).contains(&v) {
            let u = if v < 0 {
                ((1i64 << 13) + v) as u64
            } else {
                v as u64
            };
            b.push(((u >> 8) as u8) | 0xc0);
            b.push(u as u8);
        } else if (-32768..=32767).contains(&v) {
            b.push(0xf1);
            b.extend_from_slice(&(v as i16).to_le_bytes());
        } else if (-8_388_608..=8_388_607).contains(&v) {
            b.push(0xf2);
            b.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
        } else if i32::try_from(v).is_ok() {
            b.push(0xf3);
            b.extend_from_slice(&(v as i32).to_le_bytes());
        } else {
            b.push(0xf4);
            b.extend_from_slice(&v.to_le_bytes());
        }
        self.finish_entry(start);
    }

    /// Appends `s` as a string.
    pub fn push_str(&mut self, s: &[u8]) {
        let start = self.buf.len();
        let b = &mut self.buf;
        let n = s.len();
        if n < 64 {
            b.push(0x80 | n as u8);
        } else if n < 4096 {
            b.push(0xe0 | (n >> 8) as u8);
            b.push(n as u8);
        } else {
            b.push(0xf0);
            b.extend_from_slice(&(n as u32).to_le_bytes());
        }
        b.extend_from_slice(s);
        self.finish_entry(start);
    }

    /// Writes the back-length of the entry begun at `start`.
    fn finish_entry(&mut self, start: usize) {
        let l = (self.buf.len() - start) as u64;
        let b = &mut self.buf;
        if l <= 127 {
            b.push(l as u8);
        } else if l < 16383 {
            b.push((l >> 7) as u8);
            b.push((l & 127) as u8 | 128);
        } else if l < 2_097_151 {
            b.push((l >> 14) as u8);
            b.push(((l >> 7) & 127) as u8 | 128);
            b.push((l & 127) as u8 | 128);
        } else if l < 268_435_455 {
            b.push((l >> 21) as u8);
            b.push(((l >> 14) & 127) as u8 | 128);
            b.push(((l >> 7) & 127) as u8 | 128);
            b.push((l & 127) as u8 | 128);
        } else {
            b.push((l >> 28) as u8);
            b.push(((l >> 21) & 127) as u8 | 128);
            b.push(((l >> 14) & 127) as u8 | 128);
            b.push(((l >> 7) & 127) as u8 | 128);
            b.push((l & 127) as u8 | 128);
        }
        self.count += 1;
    }

    /// The finished listpack.
    pub fn finish(mut self) -> Vec<u8> {
        self.buf.push(EOF);
        let total = self.buf.len() as u32;
        self.buf[..4].copy_from_slice(&total.to_le_bytes());
        let count = if self.count < COUNT_UNKNOWN as usize {
            self.count as u16
        } else {
            COUNT_UNKNOWN
        };
        self.buf[4..6].copy_from_slice(&count.to_le_bytes());
        self.buf
    }
}

/// Bytes a back-length of `l` takes.
fn backlen_size(l: usize) -> usize {
    match l {
        0..=127 => 1,
        128..=16382 => 2,
        16383..=2_097_150 => 3,
        2_097_151..=268_435_454 => 4,
        _ => 5,
    }
}

/// Reads `n` bytes at `at`.
fn take(lp: &[u8], at: usize, n: usize) -> Result<&[u8], RdbError> {
    at.checked_add(n)
        .and_then(|end| lp.get(at..end))
        .ok_or_else(|| corrupt("listpack entry past its end"))
}

/// Sign-extends the low `bits` bits of `u`.
fn signed(u: u64, bits: u32) -> i64 {
    let shift = 64 - bits;
    ((u << shift) as i64) >> shift
}

/// Every entry of the listpack `lp`, checked: the header's byte count, the
/// end byte, each entry's encoding and length inside the blob. With
/// `deep` (Redis's `lpValidateIntegrity` with `deep`, what
/// `sanitize-dump-payload yes` asks for) also each entry's back-length and
/// the count when the header knows it; without, those two are not read,
/// as Redis reads only the header then (an entry that does not decode is
/// an error either way: kevy builds its own structure from them).
pub fn entries(lp: &[u8], deep: bool) -> Result<Vec<Elem<'_>>, RdbError> {
    if lp.len() < HEADER + 1 {
        return Err(corrupt("listpack too short"));
    }
    let total = u32::from_le_bytes([lp[0], lp[1], lp[2], lp[3]]) as usize;
    if total != lp.len() {
        return Err(corrupt("listpack length mismatch"));
    }
    if lp[total - 1] != EOF {
        return Err(corrupt("listpack without end"));
    }
    let count = u16::from_le_bytes([lp[4], lp[5]]);
    let mut out = Vec::with_capacity((count as usize).min(lp.len()));
    let mut p = HEADER;
    loop {
        let b = *lp.get(p).ok_or_else(|| corrupt("listpack without end"))?;
        if b == EOF {
            if p + 1 != lp.len() {
                return Err(corrupt("listpack data after its end"));
            }
            break;
        }
        let (elem, len) = if b & 0x80 == 0 {
            (Elem::Int((b & 0x7f) as i64), 1)
        } else if b & 0xc0 == 0x80 {
            let n = (b & 0x3f) as usize;
            (Elem::Str(take(lp, p + 1, n)?), 1 + n)
        } else if b & 0xe0 == 0xc0 {
            let lo = take(lp, p + 1, 1)?[0];
            let u = (((b & 0x1f) as u64) << 8) | lo as u64;
            (Elem::Int(signed(u, 13)), 2)
        } else if b & 0xf0 == 0xe0 {
            let lo = take(lp, p + 1, 1)?[0];
            let n = (((b & 0x0f) as usize) << 8) | lo as usize;
            (Elem::Str(take(lp, p + 2, n)?), 2 + n)
        } else {
            match b {
                0xf0 => {
                    let l = take(lp, p + 1, 4)?;
                    let n = u32::from_le_bytes([l[0], l[1], l[2], l[3]]) as usize;
                    (Elem::Str(take(lp, p + 5, n)?), 5 + n)
                }
                0xf1..=0xf4 => {
                    let width = [2usize, 3, 4, 8][(b - 0xf1) as usize];
                    let raw = take(lp, p + 1, width)?;
                    let mut w = [0u8; 8];
                    w[..width].copy_from_slice(raw);
                    let v = signed(u64::from_le_bytes(w), width as u32 * 8);
                    (Elem::Int(v), 1 + width)
                }
                _ => return Err(corrupt("bad listpack encoding")),
            }
        };
        let back = take(lp, p + len, backlen_size(len))?;
        if deep {
            // The back-length: 7 bits per byte, most significant first,
            // every byte but the first with its top bit set (it is read
            // backwards: the top bit says another byte precedes).
            let mut v: usize = 0;
            for (i, &x) in back.iter().enumerate() {
                if (x & 128 != 0) != (i > 0) {
                    return Err(corrupt("listpack back-length mismatch"));
                }
                v = (v << 7) | (x & 127) as usize;
            }
            if v != len {
                return Err(corrupt("listpack back-length mismatch"));
            }
        }
        out.push(elem);
        p += len + back.len();
    }
    if deep && count != COUNT_UNKNOWN && count as usize != out.len() {
        return Err(corrupt("listpack count mismatch"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_every_encoding() {
        let big = vec![b'x'; 5000];
        let mid = vec![b'y'; 300];
        let items: Vec<Vec<u8>> = vec![
            b"0".to_vec(),
            b"127".to_vec(),
            b"128".to_vec(),
            b"-4096".to_vec(),
            b"4095".to_vec(),
            b"-32768".to_vec(),
            b"32767".to_vec(),
            b"8388607".to_vec(),
            b"-8388608".to_vec(),
            b"2147483647".to_vec(),
            b"-9223372036854775808".to_vec(),
            b"007".to_vec(),
            b"".to_vec(),
            b"hello".to_vec(),
            mid.clone(),
            big.clone(),
        ];
        let mut b = Builder::new();
        items.iter().for_each(|i| b.push(i));
        let lp = b.finish();
        let back: Vec<Vec<u8>> = entries(&lp, true)
            .unwrap()
            .into_iter()
            .map(|e| e.to_vec())
            .collect();
        assert_eq!(back, items);
    }

    #[test]
    fn redis_bytes() {
        // What redis-server 7.0 stores for HSET h a 1 (DUMP's listpack).
        let mut b = Builder::new();
        b.push(b"a");
        b.push(b"1");
        assert_eq!(
            b.finish(),
            [0x0c, 0, 0, 0, 2, 0, 0x81, b'a', 2, 0x01, 1, 0xff]
        );
    }

    #[test]
    fn corrupt_is_an_error() {
        let mut b = Builder::new();
        b.push(b"abc");
        b.push(b"12345");
        let lp = b.finish();
        for cut in 0..lp.len() {
            assert!(entries(&lp[..cut], true).is_err());
        }
        for i in 0..lp.len() {
            for x in [0u8, 0x7f, 0x80, 0xff] {
                let mut c = lp.clone();
                c[i] = x;
                let _ = entries(&c, true);
                let _ = entries(&c, false);
            }
        }
    }
}
