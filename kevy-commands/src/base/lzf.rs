//! LZF, the compressor Redis uses for quicklist nodes (`list-compress-depth`)
//! and RDB strings: [`compress`] produces the bytes Redis's `lzf_compress`
//! does at Redis's settings (`HLOG` 16, `VERY_FAST`, a zeroed hash table),
//! and [`decompress`] reads any LZF stream, refusing corrupt ones.
//!
//! The format, a sequence of:
//! - `000LLLLL` and `L + 1` literal bytes (1..=32);
//! - `LLLooooo oooooooo`: copy `L + 2` bytes (3..=8) from `o + 1` back;
//! - `111ooooo LLLLLLLL oooooooo`: copy `L + 9` bytes from `o + 1` back.

/// Bits of the hash table's index (`HLOG`).
const HLOG: u32 = 16;
/// Entries of the hash table.
const HSIZE: usize = 1 << HLOG;
/// Longest literal run.
const MAX_LIT: usize = 1 << 5;
/// Farthest back-reference.
const MAX_OFF: usize = 1 << 13;
/// Longest back-reference, less 2.
const MAX_REF: usize = (1 << 8) + (1 << 3);

/// The hash table slot of the three bytes folded into `h` (`IDX` under
/// `VERY_FAST`).
#[inline]
fn idx(h: u32) -> usize {
    ((h >> (3 * 8 - HLOG)).wrapping_sub(h.wrapping_mul(5)) as usize) & (HSIZE - 1)
}

/// Writes `b` at `at` of `out` when it is there (the bounds checks below
/// keep every write inside; this keeps a mistake from panicking).
#[inline]
fn put(out: &mut [u8], at: usize, b: u8) {
    if let Some(slot) = out.get_mut(at) {
        *slot = b;
    }
}

/// Compresses `input` into at most `out_len` bytes, as Redis's
/// `lzf_compress(input, len, out, out_len)`: `None` when the result would
/// not fit (or for empty input or `out_len` 0).
pub fn compress(input: &[u8], out_len: usize) -> Option<Vec<u8>> {
    if input.is_empty() || out_len == 0 {
        return None;
    }
    compress_with(input, out_len, &mut vec![0u32; HSIZE])
}

thread_local! {
    /// The hash table [`compress_reusing`] keeps between calls.
    static TABLE: std::cell::RefCell<Vec<u32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// [`compress`] with a hash table kept from one call to the next instead
/// of a fresh zeroed one (256 KB to allocate and clear, more than the
/// compression of an 8 KB list node costs). Positions left by earlier
/// inputs are only candidates: a back-reference is taken only where the
/// bytes match, before the current position and within reach, so the
/// output is valid LZF of `input`, though not always the bytes Redis
/// writes. For list nodes, which only kevy reads back.
pub fn compress_reusing(input: &[u8], out_len: usize) -> Option<Vec<u8>> {
    if input.is_empty() || out_len == 0 {
        return None;
    }
    TABLE.with(|t| match t.try_borrow_mut() {
        Ok(mut table) => {
            if table.len() != HSIZE {
                *table = vec![0u32; HSIZE];
            }
            compress_with(input, out_len, &mut table)
        }
        Err(_) => compress(input, out_len),
    })
}

/// [`compress`] using `htab` (`HSIZE` slots) as its hash table.
fn compress_with(input: &[u8], out_len: usize, htab: &mut [u32]) -> Option<Vec<u8>> {
    let in_len = input.len();
    if in_len == 0 || out_len == 0 || htab.len() != HSIZE {
        return None;
    }
    // Positions of earlier three-byte sequences; 0 is "none" (and Redis
    // never refers back to position 0 either: `ref > in_data`).
    // Four bytes of slack past `out_len`: every write the checks allow
    // lands below `out_len + 3`.
    let mut out = vec![0u8; out_len + 4];
    let byte = |i: usize| u32::from(input.get(i).copied().unwrap_or(0));
    let (mut ip, mut op, mut lit) = (0usize, 1usize, 0usize);
    let mut hval = (byte(0) << 8) | byte(1);
    while ip + 2 < in_len {
        hval = (hval << 8) | byte(ip + 2);
        let slot = idx(hval);
        let r = htab[slot] as usize;
        htab[slot] = ip as u32;
        let off = ip.wrapping_sub(r).wrapping_sub(1);
        if r > 0
            && off < MAX_OFF
            && input[r + 2] == input[ip + 2]
            && input[r..r + 2] == input[ip..ip + 2]
        {
            let mut len = 2;
            let maxlen = (in_len - ip - len).min(MAX_REF);
            if op + 3 + 1 >= out_len && op - usize::from(lit == 0) + 3 + 1 >= out_len {
                return None;
            }
            put(&mut out, op - lit - 1, (lit as u8).wrapping_sub(1));
            op -= usize::from(lit == 0);
            // Redis first compares 16 bytes unrolled, without the length
            // check (it may run up to 2 bytes past `maxlen`), then byte by
            // byte up to `maxlen`.
            let mut done = false;
            if maxlen > 16 {
                for _ in 0..16 {
                    len += 1;
                    if input[r + len] != input[ip + len] {
                        done = true;
                        break;
                    }
                }
            }
            while !done {
                len += 1;
                done = len >= maxlen || input[r + len] != input[ip + len];
            }
            len -= 2;
            ip += 1;
            if len < 7 {
                put(&mut out, op, ((off >> 8) + (len << 5)) as u8);
                op += 1;
            } else {
                put(&mut out, op, ((off >> 8) + (7 << 5)) as u8);
                put(&mut out, op + 1, (len - 7) as u8);
                op += 2;
            }
            put(&mut out, op, off as u8);
            op += 2;
            lit = 0;
            ip += len + 1;
            if ip + 2 >= in_len {
                break;
            }
            ip -= 2;
            hval = (byte(ip) << 8) | byte(ip + 1);
            hval = (hval << 8) | byte(ip + 2);
            htab[idx(hval)] = ip as u32;
            ip += 1;
            hval = (hval << 8) | byte(ip + 2);
            htab[idx(hval)] = ip as u32;
            ip += 1;
        } else {
            if op >= out_len {
                return None;
            }
            lit += 1;
            put(&mut out, op, input[ip]);
            op += 1;
            ip += 1;
            if lit == MAX_LIT {
                put(&mut out, op - lit - 1, (lit - 1) as u8);
                lit = 0;
                op += 1;
            }
        }
    }
    if op + 3 > out_len {
        return None;
    }
    while ip < in_len {
        lit += 1;
        put(&mut out, op, input[ip]);
        op += 1;
        ip += 1;
        if lit == MAX_LIT {
            put(&mut out, op - lit - 1, (lit - 1) as u8);
            lit = 0;
            op += 1;
        }
    }
    put(&mut out, op - lit - 1, (lit as u8).wrapping_sub(1));
    op -= usize::from(lit == 0);
    if op > out_len {
        return None;
    }
    out.truncate(op);
    Some(out)
}

/// A corrupt or truncated LZF stream, or one longer than the room given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Corrupt;

/// Decompresses `input` into at most `out_len` bytes (Redis's
/// `lzf_decompress`; Redis always knows the original length).
pub fn decompress(input: &[u8], out_len: usize) -> Result<Vec<u8>, Corrupt> {
    let mut out: Vec<u8> = Vec::with_capacity(out_len);
    let mut ip = 0;
    while ip < input.len() {
        let ctrl = input[ip] as usize;
        ip += 1;
        if ctrl < 1 << 5 {
            let n = ctrl + 1;
            let lits = input.get(ip..ip + n).ok_or(Corrupt)?;
            if out.len() + n > out_len {
                return Err(Corrupt);
            }
            out.extend_from_slice(lits);
            ip += n;
        } else {
            let mut len = ctrl >> 5;
            if len == 7 {
                len += *input.get(ip).ok_or(Corrupt)? as usize;
                ip += 1;
            }
            let low = *input.get(ip).ok_or(Corrupt)? as usize;
            ip += 1;
            let back = ((ctrl & 0x1f) << 8) + low + 1;
            let len = len + 2;
            if out.len() + len > out_len || back > out.len() {
                return Err(Corrupt);
            }
            // Byte by byte: the source may overlap what is being written.
            let from = out.len() - back;
            for k in 0..len {
                let b = out[from + k];
                out.push(b);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
