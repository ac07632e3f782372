//! BITFIELD and BITFIELD_RO: signed and unsigned integers of 1 to 64 bits
//! (63 unsigned) at any bit offset, with GET, SET, INCRBY and the OVERFLOW
//! policies WRAP, SAT and FAIL, computed exactly as Redis's `bitops.c`.

use super::{bit_offset, string_for_write};
use crate::base::error::{cstr, Error, OpResult};
use crate::base::num::{int_arg, parse_i64, I64_BUF};
use crate::base::resp;
use crate::base::resp::Reply;
use crate::family::Call;

/// A bad type argument.
const BAD_TYPE: Error = Error::Message(
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.",
);
/// A bad OVERFLOW argument.
const BAD_OVERFLOW: Error = Error::Message("ERR Invalid OVERFLOW type specified");
/// A write through BITFIELD_RO.
const RO_ONLY_GET: Error = Error::Message("ERR BITFIELD_RO only supports the GET subcommand");

/// What to do on overflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Overflow {
    Wrap,
    Sat,
    Fail,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Opcode {
    Get,
    Set,
    IncrBy,
}

/// One parsed operation.
#[derive(Clone, Copy, Debug)]
struct FieldOp {
    offset: u64,
    value: i64,
    opcode: Opcode,
    overflow: Overflow,
    bits: u32,
    signed: bool,
}

/// Redis's `getBitfieldTypeFromArgument`: `i1`…`i64` or `u1`…`u63`.
fn field_type(arg: &[u8]) -> OpResult<(bool, u32)> {
    let signed = match arg.first() {
        Some(b'i') => true,
        Some(b'u') => false,
        _ => return Err(BAD_TYPE),
    };
    let bits = parse_i64(cstr(&arg[1..])).ok_or(BAD_TYPE)?;
    if bits < 1 || (signed && bits > 64) || (!signed && bits > 63) {
        return Err(BAD_TYPE);
    }
    Ok((signed, bits as u32))
}

/// Parses the operations (Redis's `bitfieldGeneric` first loop).
fn parse_ops(c: &Call<'_>) -> OpResult<Vec<FieldOp>> {
    let args = c.args;
    let mut ops = Vec::new();
    let mut overflow = Overflow::Wrap;
    let mut j = 2;
    while j < args.len() {
        let rem = args.len() - j - 1;
        let sub = cstr(args.at(j));
        let is = |w: &[u8]| sub.eq_ignore_ascii_case(w);
        let opcode = if is(b"get") && rem >= 2 {
            Opcode::Get
        } else if is(b"set") && rem >= 3 {
            Opcode::Set
        } else if is(b"incrby") && rem >= 3 {
            Opcode::IncrBy
        } else if is(b"overflow") && rem >= 1 {
            let t = cstr(args.at(j + 1));
            overflow = if t.eq_ignore_ascii_case(b"wrap") {
                Overflow::Wrap
            } else if t.eq_ignore_ascii_case(b"sat") {
                Overflow::Sat
            } else if t.eq_ignore_ascii_case(b"fail") {
                Overflow::Fail
            } else {
                return Err(BAD_OVERFLOW);
            };
            j += 2;
            continue;
        } else {
            return Err(Error::Syntax);
        };
        let (signed, bits) = field_type(args.at(j + 1))?;
        let offset = bit_offset(args.at(j + 2), bits)?;
        let value = if opcode == Opcode::Get {
            0
        } else {
            int_arg(args.at(j + 3))?
        };
        ops.push(FieldOp {
            offset,
            value,
            opcode,
            overflow,
            bits,
            signed,
        });
        j += if opcode == Opcode::Get { 3 } else { 4 };
    }
    Ok(ops)
}

/// Redis's `getUnsignedBitfield`.
fn get_unsigned(p: &[u8], mut offset: u64, bits: u32) -> u64 {
    let mut v = 0u64;
    for _ in 0..bits {
        let byte = p.get((offset >> 3) as usize).copied().unwrap_or(0);
        let bit = (byte >> (7 - (offset & 7))) & 1;
        v = (v << 1) | u64::from(bit);
        offset += 1;
    }
    v
}

/// Redis's `getSignedBitfield`.
fn get_signed(p: &[u8], offset: u64, bits: u32) -> i64 {
    let mut v = get_unsigned(p, offset, bits) as i64;
    if bits < 64 && v & (1i64 << (bits - 1)) != 0 {
        v |= -1i64 << bits;
    }
    v
}

/// Redis's `setUnsignedBitfield` (the bytes exist: the string was grown).
fn set_unsigned(p: &mut [u8], mut offset: u64, bits: u32, value: u64) {
    for j in 0..bits {
        let bitval = ((value >> (bits - 1 - j)) & 1) as u8;
        let bit = 7 - (offset & 7) as u32;
        if let Some(b) = p.get_mut((offset >> 3) as usize) {
            *b = (*b & !(1 << bit)) | (bitval << bit);
        }
        offset += 1;
    }
}

/// Redis's `checkUnsignedBitfieldOverflow`: `None` when `value + incr` fits,
/// else the value to store (`None` inside for FAIL).
fn unsigned_overflow(value: u64, incr: i64, bits: u32, ow: Overflow) -> Option<Option<u64>> {
    let max = if bits == 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    let maxincr = max.wrapping_sub(value) as i64;
    let minincr = value.wrapping_neg() as i64;
    let wrap = || value.wrapping_add(incr as u64) & !(u64::MAX << bits);
    if value > max || (incr > 0 && incr > maxincr) {
        Some(match ow {
            Overflow::Wrap => Some(wrap()),
            Overflow::Sat => Some(max),
            Overflow::Fail => None,
        })
    } else if incr < 0 && incr < minincr {
        Some(match ow {
            Overflow::Wrap => Some(wrap()),
            Overflow::Sat => Some(0),
            Overflow::Fail => None,
        })
    } else {
        None
    }
}

/// Redis's `checkSignedBitfieldOverflow`, like [`unsigned_overflow`].
fn signed_overflow(value: i64, incr: i64, bits: u32, ow: Overflow) -> Option<Option<i64>> {
    let max = if bits == 64 {
        i64::MAX
    } else {
        (1i64 << (bits - 1)) - 1
    };
    let min = -max - 1;
    let maxincr = (max as u64).wrapping_sub(value as u64) as i64;
    let minincr = min.wrapping_sub(value);
    let wrap = || {
        let msb = 1u64 << (bits - 1);
        let mut c = (value as u64).wrapping_add(incr as u64);
        if bits < 64 {
            let mask = u64::MAX << bits;
            if c & msb != 0 {
                c |= mask;
            } else {
                c &= !mask;
            }
        }
        c as i64
    };
    let big = bits != 64;
    if value > max || (big && incr > maxincr) || (value >= 0 && incr > 0 && incr > maxincr) {
        Some(match ow {
            Overflow::Wrap => Some(wrap()),
            Overflow::Sat => Some(max),
            Overflow::Fail => None,
        })
    } else if value < min || (big && incr < minincr) || (value < 0 && incr < 0 && incr < minincr) {
        Some(match ow {
            Overflow::Wrap => Some(wrap()),
            Overflow::Sat => Some(min),
            Overflow::Fail => None,
        })
    } else {
        None
    }
}

/// Runs a SET or INCRBY on `p`, appending its reply.
/// Runs a SET or INCRBY on `p`, appending its reply; true when it changed
/// the field (an overflow FAIL changes nothing).
fn write_op(p: &mut [u8], op: &FieldOp, out: &mut Reply<'_>) -> bool {
    let incr = op.opcode == Opcode::IncrBy;
    if op.signed {
        let old = get_signed(p, op.offset, op.bits);
        let (candidate, delta) = if incr { (old, op.value) } else { (op.value, 0) };
        let new = match signed_overflow(candidate, delta, op.bits, op.overflow) {
            None => candidate.wrapping_add(delta),
            Some(Some(v)) => v,
            Some(None) => {
                resp::null(out);
                return false;
            }
        };
        resp::int(out, if incr { new } else { old });
        set_unsigned(p, op.offset, op.bits, new as u64);
        new != old
    } else {
        let old = get_unsigned(p, op.offset, op.bits);
        let (candidate, delta) = if incr {
            (old, op.value)
        } else {
            (op.value as u64, 0)
        };
        let new = match unsigned_overflow(candidate, delta, op.bits, op.overflow) {
            None => candidate.wrapping_add(delta as u64),
            Some(Some(v)) => v,
            Some(None) => {
                resp::null(out);
                return false;
            }
        };
        resp::int(out, if incr { new as i64 } else { old as i64 });
        set_unsigned(p, op.offset, op.bits, new);
        new != old
    }
}

/// Runs a GET on `src` (missing: all zeros), appending its reply.
fn get_op(src: &[u8], op: &FieldOp, out: &mut Reply<'_>) {
    let byte = op.offset >> 3;
    let mut buf = [0u8; 9];
    for (i, b) in buf.iter_mut().enumerate() {
        match src.get((byte + i as u64) as usize) {
            Some(&v) => *b = v,
            None => break,
        }
    }
    let rel = op.offset - byte * 8;
    if op.signed {
        resp::int(out, get_signed(&buf, rel, op.bits));
    } else {
        resp::int(out, get_unsigned(&buf, rel, op.bits) as i64);
    }
}

fn bitfield_generic(c: &mut Call<'_>, readonly_cmd: bool) -> OpResult<()> {
    let ops = parse_ops(c)?;
    let writes = ops.iter().any(|o| o.opcode != Opcode::Get);
    if !writes {
        crate::store::changes::report(0);
        let mut buf = I64_BUF;
        let src = match c.db.get(c.args.at(1), &c.now) {
            Some(v) => v.as_bytes(&mut buf)?,
            None => &[],
        };
        resp::array(c.out, ops.len());
        for op in &ops {
            get_op(src, op, c.out);
        }
        return Ok(());
    }
    if readonly_cmd {
        return Err(RO_ONLY_GET);
    }
    let highest = ops
        .iter()
        .filter(|o| o.opcode != Opcode::Get)
        .map(|o| o.offset + u64::from(o.bits) - 1)
        .max()
        .unwrap_or(0);
    // Created or grown: every write counts as a change (Redis's `dirty`).
    let (s, grown) = string_for_write(c.db, c.args.at(1), highest, &c.now)?;
    resp::array(c.out, ops.len());
    let mut changes = 0;
    for op in &ops {
        match op.opcode {
            Opcode::Get => get_op(s, op, c.out),
            _ => changes += u64::from(write_op(s, op, c.out) || grown),
        }
    }
    // What the change counter and the append-only file take (the reply
    // cannot show it): the writes that changed something.
    crate::store::changes::report(changes);
    Ok(())
}

/// BITFIELD key [GET encoding offset | [OVERFLOW WRAP | SAT | FAIL] SET encoding offset value | INCRBY encoding offset increment ...]
pub fn bitfield(c: &mut Call<'_>) {
    if let Err(e) = bitfield_generic(c, false) {
        e.write(c.args, c.out);
    }
}

/// BITFIELD_RO key [GET encoding offset ...]
pub fn bitfield_ro(c: &mut Call<'_>) {
    if let Err(e) = bitfield_generic(c, true) {
        e.write(c.args, c.out);
    }
}
