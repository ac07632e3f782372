//! The sparse HLL encoding: opcodes after the header run-length code the
//! registers. `00xxxxxx` (ZERO) is 1 to 64 zero registers, `01xxxxxx
//! yyyyyyyy` (XZERO) 1 to 16384, `1vvvvvxx` (VAL) 1 to 4 registers of value 1
//! to 32. [`set`] is Redis's `hllSparseSet`, opcode splitting and merging
//! included, so the bytes match redis-server after any sequence of adds.

use super::{dense_raise, to_dense, Corrupt, HDR, REGISTERS};
use crate::base::bytes::Bytes;

/// Longest XZERO run.
pub const XZERO_MAX_LEN: usize = 16384;
/// Longest ZERO run.
const ZERO_MAX_LEN: usize = 64;
/// Largest value a VAL opcode holds.
const VAL_MAX_VALUE: u8 = 32;
/// Longest VAL run.
const VAL_MAX_LEN: usize = 4;

fn is_zero(b: u8) -> bool {
    b & 0xc0 == 0
}

fn is_xzero(b: u8) -> bool {
    b & 0xc0 == 0x40
}

fn is_val(b: u8) -> bool {
    b & 0x80 != 0
}

fn val_value(b: u8) -> u8 {
    ((b >> 2) & 0x1f) + 1
}

fn val_len(b: u8) -> usize {
    (b & 0x3) as usize + 1
}

fn val(value: u8, len: usize) -> u8 {
    ((value - 1) << 2 | (len as u8 - 1)) | 0x80
}

fn zero(len: usize) -> u8 {
    (len - 1) as u8
}

/// An XZERO opcode for `len` registers.
pub fn xzero(len: usize) -> [u8; 2] {
    let l = len - 1;
    [((l >> 8) as u8) | 0x40, (l & 0xff) as u8]
}

/// The opcode at `p` of `ops`: registers covered, value, bytes taken. A
/// truncated XZERO reads a 0 second byte, as Redis reads the string's NUL.
fn decode(ops: &[u8], p: usize) -> (usize, u8, usize) {
    let b = ops[p];
    if is_zero(b) {
        ((b & 0x3f) as usize + 1, 0, 1)
    } else if is_xzero(b) {
        let b2 = ops.get(p + 1).copied().unwrap_or(0) as usize;
        ((((b & 0x3f) as usize) << 8 | b2) + 1, 0, 2)
    } else {
        (val_len(b), val_value(b), 1)
    }
}

/// The opcodes of `ops` as PFDEBUG DECODE lists them: `z:len` (ZERO),
/// `Z:len` (XZERO), `v:value,len` (VAL), space separated.
pub fn describe(ops: &[u8]) -> String {
    let mut out = Vec::new();
    let mut p = 0;
    while p < ops.len() {
        let b = ops[p];
        let (run, value, oplen) = decode(ops, p);
        out.push(if is_zero(b) {
            format!("z:{run}")
        } else if is_xzero(b) {
            format!("Z:{run}")
        } else {
            format!("v:{value},{run}")
        });
        p += oplen;
    }
    out.join(" ")
}

/// Calls `f(first register, run length, value)` for each opcode of `ops`,
/// checking that they cover exactly the 16384 registers.
pub fn for_each_run(ops: &[u8], mut f: impl FnMut(usize, usize, u8)) -> Result<(), Corrupt> {
    let (mut idx, mut p) = (0, 0);
    while p < ops.len() {
        let (run, value, oplen) = decode(ops, p);
        if run + idx > REGISTERS {
            return Err(Corrupt);
        }
        f(idx, run, value);
        idx += run;
        p += oplen;
    }
    if idx == REGISTERS {
        Ok(())
    } else {
        Err(Corrupt)
    }
}

/// The opcodes replacing a split one (at most XZERO, VAL, XZERO).
type Seq = smallvec::SmallVec<[u8; 5]>;

/// Appends a ZERO or XZERO opcode for `len` registers.
fn zeros(seq: &mut Seq, len: usize) {
    if len > ZERO_MAX_LEN {
        seq.extend_from_slice(&xzero(len));
    } else {
        seq.push(zero(len));
    }
}

/// Promotes to dense and sets the register there.
fn promote(s: &mut Bytes, index: usize, count: u8) -> Result<bool, Corrupt> {
    to_dense(s)?;
    Ok(dense_raise(&mut s[HDR..], index, count))
}

/// Raises register `index` to `count` in a sparse HLL: Redis's
/// `hllSparseSet`. True when the register changed. A sparse HLL growing
/// past `max_bytes` (`hll-sparse-max-bytes`) turns dense.
pub fn set(s: &mut Bytes, index: usize, count: u8, max_bytes: usize) -> Result<bool, Corrupt> {
    if count > VAL_MAX_VALUE {
        return promote(s, index, count);
    }
    // Step 1: the opcode covering `index`.
    let mut end = s.len();
    let (mut p, mut first, mut prev, mut span) = (HDR, 0usize, None, 0usize);
    while p < end {
        let (run, _, oplen) = decode(s, p);
        span = run;
        if index < first + span {
            break;
        }
        prev = Some(p);
        p += oplen;
        first += span;
    }
    if span == 0 || p >= end {
        return Err(Corrupt);
    }
    let b = s[p];
    let (xz, z, v) = (is_xzero(b), is_zero(b), is_val(b));
    let (runlen, _, oldlen) = decode(s, p);
    'updated: {
        // Cases A and B: a VAL opcode.
        if v {
            if val_value(b) >= count {
                return Ok(false);
            }
            if runlen == 1 {
                s[p] = val(count, 1);
                break 'updated;
            }
        }
        // Case C: a ZERO of one register.
        if z && runlen == 1 {
            s[p] = val(count, 1);
            break 'updated;
        }
        // Case D: split the opcode into up to three.
        let last = first + span - 1;
        let mut seq: Seq = Seq::new();
        if z || xz {
            if index != first {
                zeros(&mut seq, index - first);
            }
            seq.push(val(count, 1));
            if index != last {
                zeros(&mut seq, last - index);
            }
        } else {
            let cur = val_value(b);
            if index != first {
                seq.push(val(cur, index - first));
            }
            seq.push(val(count, 1));
            if index != last {
                seq.push(val(cur, last - index));
            }
        }
        // Step 3: substitute the sequence for the old opcode.
        if seq.len() > oldlen && s.len() + (seq.len() - oldlen) > max_bytes {
            return promote(s, index, count);
        }
        let old_end = (p + oldlen).min(s.len());
        s.drain(p..old_end);
        s.insert_many(p, seq.iter().copied());
        end = s.len();
    }
    // Step 4: merge adjacent VAL opcodes of equal value, up to 5 opcodes
    // from the one before the change.
    let mut q = prev.unwrap_or(HDR);
    let mut scan = 5;
    while q < end && scan > 0 {
        scan -= 1;
        let b = s[q];
        if is_xzero(b) {
            q += 2;
            continue;
        }
        if is_zero(b) {
            q += 1;
            continue;
        }
        if q + 1 < end && is_val(s[q + 1]) {
            let (v1, v2) = (val_value(b), val_value(s[q + 1]));
            let len = val_len(b) + val_len(s[q + 1]);
            if v1 == v2 && len <= VAL_MAX_LEN {
                s[q + 1] = val(v1, len);
                s.remove(q);
                end -= 1;
                continue;
            }
        }
        q += 1;
    }
    super::invalidate(s);
    Ok(true)
}
