//! Bitmap commands (Redis's `bitops.c`): SETBIT, GETBIT, BITCOUNT, BITPOS
//! and BITOP here, BITFIELD and BITFIELD_RO in [`bitfield`]; `bitmap/cross.rs` has
//! BITOP across shards and the string fetch LCS uses.
//!
//! Bit offsets are bounded like Redis's: a bit must fall within the 512 MB
//! string limit (`proto-max-bulk-len`).

use kevy_rt::Args;

use super::Call;
use crate::base::error::{cstr, Error, OpResult};
use crate::base::num::{int_arg, parse_i64, I64_BUF};
use crate::base::resp;
use crate::model::value::{Bytes, Value, MAX_STRING};
use crate::store::db::{Clock, Db};

mod bitfield;
mod cross;

pub use bitfield::{bitfield, bitfield_ro};
pub use cross::{execute_part, gather, plan_bitop, plan_lcs, BitsOp, BitsPlan};

/// A bad bit offset.
const BAD_OFFSET: Error = Error::Message("ERR bit offset is not an integer or out of range");
/// A SETBIT value other than 0 or 1.
const BAD_BIT: Error = Error::Message("ERR bit is not an integer or out of range");
/// A BITPOS bit other than 0 or 1.
const BAD_POS_BIT: Error = Error::Message("ERR The bit argument must be 1 or 0.");
/// BITOP NOT with several sources.
const NOT_ONE_KEY: Error = Error::Message("ERR BITOP NOT must be called with a single source key.");

/// Redis's `getBitOffsetFromArgument`: a bit offset (with `bits > 0`, also
/// `#n`, meaning `n * bits`) below 512 MB worth of bits.
pub(crate) fn bit_offset(arg: &[u8], bits: u32) -> OpResult<u64> {
    let hash = bits > 0 && arg.first() == Some(&b'#');
    let n = parse_i64(if hash { &arg[1..] } else { arg }).ok_or(BAD_OFFSET)?;
    let n = if hash { n.wrapping_mul(bits as i64) } else { n };
    if n < 0 || (n >> 3) as u64 >= MAX_STRING as u64 {
        return Err(BAD_OFFSET);
    }
    Ok(n as u64)
}

/// The string at `key` for a bit write, created or zero-padded so that bit
/// `maxbit` exists (Redis's `lookupStringForBitCommand`), and whether it
/// was created or grown (a change even when no bit changes).
pub(crate) fn string_for_write<'a>(
    db: &'a mut Db,
    key: &[u8],
    maxbit: u64,
    now: &Clock,
) -> OpResult<(&'a mut Bytes, bool)> {
    let len = (maxbit >> 3) as usize + 1;
    let mut grown = false;
    if db.get(key, now).is_none() {
        db.set(key, Value::raw(Bytes::from_elem(0, len)), now, false, None);
        grown = true;
    }
    let s = db.get(key, now).ok_or(Error::WrongType)?.make_raw()?;
    if s.len() < len {
        s.resize(len, 0);
        grown = true;
    }
    Ok((s, grown))
}

/// SETBIT key offset value
pub fn setbit(c: &mut Call<'_>) {
    let r = (|| -> OpResult<i64> {
        let offset = bit_offset(c.args.at(2), 0)?;
        let on = int_arg(c.args.at(3)).map_err(|_| BAD_BIT)?;
        if on & !1 != 0 {
            return Err(BAD_BIT);
        }
        let (s, grown) = string_for_write(c.db, c.args.at(1), offset, &c.now)?;
        let (byte, bit) = ((offset >> 3) as usize, 7 - (offset & 7) as u32);
        let old = (s[byte] >> bit) & 1;
        s[byte] = (s[byte] & !(1 << bit)) | ((on as u8) << bit);
        crate::store::changes::report(u64::from(grown || old as i64 != on));
        Ok(old as i64)
    })();
    match r {
        Ok(n) => resp::int(c.out, n),
        Err(e) => e.write(c.args, c.out),
    }
}

/// GETBIT key offset
pub fn getbit(c: &mut Call<'_>) {
    let r = bit_offset(c.args.at(2), 0).and_then(|offset| {
        let Some(v) = c.db.get(c.args.at(1), &c.now) else {
            return Ok(0);
        };
        let mut buf = I64_BUF;
        let s = v.as_bytes(&mut buf)?;
        let bit = s
            .get((offset >> 3) as usize)
            .map_or(0, |b| (b >> (7 - (offset & 7))) & 1);
        Ok(bit as i64)
    });
    match r {
        Ok(n) => resp::int(c.out, n),
        Err(e) => e.write(c.args, c.out),
    }
}

/// Number of set bits.
fn popcount(s: &[u8]) -> i64 {
    let mut chunks = s.chunks_exact(8);
    let mut n: u64 = 0;
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        n += u64::from(u64::from_ne_bytes(w).count_ones());
    }
    n += chunks
        .remainder()
        .iter()
        .map(|b| u64::from(b.count_ones()))
        .sum::<u64>();
    n as i64
}

/// Whether a range is in bits: `BIT` / `BYTE`, or a syntax error.
fn unit(arg: &[u8]) -> OpResult<bool> {
    let a = cstr(arg);
    if a.eq_ignore_ascii_case(b"bit") {
        Ok(true)
    } else if a.eq_ignore_ascii_case(b"byte") {
        Ok(false)
    } else {
        Err(Error::Syntax)
    }
}

/// Redis's range arithmetic of BITCOUNT and BITPOS: the byte range and the
/// masks of the bits outside the range in its first and last byte.
fn byte_range(mut start: i64, mut end: i64, strlen: i64, isbit: bool) -> (i64, i64, u8, u8) {
    let totlen = if isbit { strlen << 3 } else { strlen };
    if start < 0 {
        start += totlen;
    }
    if end < 0 {
        end += totlen;
    }
    start = start.max(0);
    end = end.max(0);
    if end >= totlen {
        end = totlen - 1;
    }
    let (mut first_mask, mut last_mask) = (0u8, 0u8);
    if isbit && start <= end {
        first_mask = !((1u32 << (8 - (start & 7))) - 1) as u8;
        last_mask = ((1u32 << (7 - (end & 7))) - 1) as u8;
        start >>= 3;
        end >>= 3;
    }
    (start, end, first_mask, last_mask)
}

/// BITCOUNT key [start end [BYTE | BIT]]
pub fn bitcount(c: &mut Call<'_>) {
    let r = (|| -> OpResult<i64> {
        let Some(v) = c.db.get(c.args.at(1), &c.now) else {
            return Ok(0);
        };
        let mut buf = I64_BUF;
        let s = v.as_bytes(&mut buf)?;
        let strlen = s.len() as i64;
        let (start, end, first_mask, last_mask) = match c.args.len() {
            4 | 5 => {
                let start = int_arg(c.args.at(2))?;
                let end = int_arg(c.args.at(3))?;
                if start < 0 && end < 0 && start > end {
                    return Ok(0);
                }
                let isbit = c.args.len() == 5 && unit(c.args.at(4))?;
                byte_range(start, end, strlen, isbit)
            }
            2 => (0, strlen - 1, 0, 0),
            _ => return Err(Error::Syntax),
        };
        if start > end {
            return Ok(0);
        }
        let (start, end) = (start as usize, end as usize);
        let mut count = popcount(&s[start..=end]);
        count -= i64::from((s[start] & first_mask).count_ones());
        count -= i64::from((s[end] & last_mask).count_ones());
        Ok(count)
    })();
    match r {
        Ok(n) => resp::int(c.out, n),
        Err(e) => e.write(c.args, c.out),
    }
}

/// Redis's `redisBitpos`: the position of the first `bit` in `s`; looking
/// for 0 past the end finds the padding (`8 * len`), for 1 nothing (-1).
fn first_bit(s: &[u8], bit: bool) -> i64 {
    let skip = if bit { 0u8 } else { 0xFF };
    match s.iter().position(|&b| b != skip) {
        Some(i) => {
            let b = s[i];
            let within = if bit {
                b.leading_zeros()
            } else {
                b.leading_ones()
            };
            (i as i64) * 8 + i64::from(within)
        }
        None if bit => -1,
        None => (s.len() as i64) * 8,
    }
}

/// BITPOS key bit [start [end [BYTE | BIT]]]
pub fn bitpos(c: &mut Call<'_>) {
    let r = (|| -> OpResult<i64> {
        let bit = int_arg(c.args.at(2))?;
        if bit != 0 && bit != 1 {
            return Err(BAD_POS_BIT);
        }
        let bit = bit == 1;
        let Some(v) = c.db.get(c.args.at(1), &c.now) else {
            return Ok(if bit { -1 } else { 0 });
        };
        let mut buf = I64_BUF;
        let s = v.as_bytes(&mut buf)?;
        let strlen = s.len() as i64;
        let argc = c.args.len();
        let (start, end, first_mask, last_mask, end_given) = match argc {
            4..=6 => {
                let start = int_arg(c.args.at(3))?;
                let isbit = argc == 6 && unit(c.args.at(5))?;
                let (end, given) = if argc >= 5 {
                    (int_arg(c.args.at(4))?, true)
                } else if isbit {
                    ((strlen << 3) + 7, false)
                } else {
                    (strlen - 1, false)
                };
                let (s0, e0, fm, lm) = byte_range(start, end, strlen, isbit);
                (s0, e0, fm, lm, given)
            }
            3 => (0, strlen - 1, 0, 0, false),
            _ => return Err(Error::Syntax),
        };
        if start > end {
            return Ok(-1);
        }
        let (mut start, end) = (start as usize, end as usize);
        let mut bytes = end - start + 1;
        let pos = 'found: {
            if first_mask != 0 {
                let mut b = if bit {
                    s[start] & !first_mask
                } else {
                    s[start] | first_mask
                };
                if last_mask != 0 && bytes == 1 {
                    b = if bit { b & !last_mask } else { b | last_mask };
                }
                let pos = first_bit(&[b], bit);
                if bytes == 1 || (pos != -1 && pos != 8) {
                    break 'found pos;
                }
                start += 1;
                bytes -= 1;
            }
            let cur = bytes - usize::from(last_mask != 0);
            if cur > 0 {
                let pos = first_bit(&s[start..start + cur], bit);
                if bytes == cur || (pos != -1 && pos != (cur as i64) << 3) {
                    break 'found pos;
                }
                start += cur;
                bytes -= cur;
            }
            let b = if bit {
                s[end] & !last_mask
            } else {
                s[end] | last_mask
            };
            first_bit(&[b], bit)
        };
        if end_given && !bit && pos == (bytes as i64) << 3 {
            return Ok(-1);
        }
        Ok(if pos != -1 {
            pos + ((start as i64) << 3)
        } else {
            pos
        })
    })();
    match r {
        Ok(n) => resp::int(c.out, n),
        Err(e) => e.write(c.args, c.out),
    }
}

/// A BITOP operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BitOp {
    /// AND.
    And,
    /// OR.
    Or,
    /// XOR.
    Xor,
    /// NOT.
    Not,
}

/// Parses BITOP's operation and checks NOT's single source: the errors
/// before any key is read.
pub(crate) fn parse_bitop(args: Args<'_>) -> OpResult<BitOp> {
    let name = cstr(args.at(1));
    let op = [
        (&b"and"[..], BitOp::And),
        (b"or", BitOp::Or),
        (b"xor", BitOp::Xor),
        (b"not", BitOp::Not),
    ]
    .into_iter()
    .find(|(n, _)| name.eq_ignore_ascii_case(n))
    .map(|(_, op)| op)
    .ok_or(Error::Syntax)?;
    if op == BitOp::Not && args.len() != 4 {
        return Err(NOT_ONE_KEY);
    }
    Ok(op)
}

/// BITOP's result over `srcs` (missing keys are empty).
pub(crate) fn compute_bitop(op: BitOp, srcs: &[&[u8]]) -> Vec<u8> {
    let maxlen = srcs.iter().map(|s| s.len()).max().unwrap_or(0);
    let mut res = vec![0u8; maxlen];
    for (j, out) in res.iter_mut().enumerate() {
        let byte = |s: &[u8]| s.get(j).copied().unwrap_or(0);
        let mut o = srcs.first().map_or(0, |s| byte(s));
        if op == BitOp::Not {
            o = !o;
        }
        for s in srcs.iter().skip(1) {
            match op {
                BitOp::And => o &= byte(s),
                BitOp::Or => o |= byte(s),
                BitOp::Xor => o ^= byte(s),
                BitOp::Not => {}
            }
        }
        *out = o;
    }
    res
}

/// Stores BITOP's result at `dst` (or deletes `dst` when it is empty).
pub(crate) fn store_string(db: &mut Db, dst: &[u8], res: &[u8], now: &Clock) {
    if res.is_empty() {
        db.remove(dst, now);
    } else {
        db.set(dst, Value::raw(Bytes::from_slice(res)), now, false, None);
    }
}

/// BITOP with every key on this shard.
fn op_bitop(db: &mut Db, args: Args<'_>, now: &Clock) -> OpResult<usize> {
    let op = parse_bitop(args)?;
    for key in args.iter().skip(3) {
        db.contains(key, now);
    }
    let res = {
        let view: &Db = db;
        let mut bufs = vec![I64_BUF; args.len() - 3];
        let mut srcs: Vec<&[u8]> = Vec::with_capacity(bufs.len());
        for (key, buf) in args.iter().skip(3).zip(bufs.iter_mut()) {
            match view.get_ref(key, now) {
                Some(v) => srcs.push(v.as_bytes(buf)?),
                None => srcs.push(&[]),
            }
        }
        compute_bitop(op, &srcs)
    };
    store_string(db, args.at(2), &res, now);
    Ok(res.len())
}

/// BITOP AND | OR | XOR | NOT destkey key [key ...]
pub fn bitop(c: &mut Call<'_>) {
    match op_bitop(c.db, c.args, &c.now) {
        Ok(n) => resp::int(c.out, n as i64),
        Err(e) => e.write(c.args, c.out),
    }
}

#[cfg(test)]
mod tests;
