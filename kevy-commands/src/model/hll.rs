//! HyperLogLog, byte for byte as Redis 7.0's `hyperloglog.c` stores it in a
//! string value, so `GET` of an HLL key and every PFCOUNT match redis-server.
//!
//! Layout: a 16-byte header (`HYLL`, encoding, 3 unused bytes, the cached
//! cardinality in 8 little-endian bytes whose top bit marks it stale), then
//! the registers: 16384 (P = 14) registers of 6 bits. The dense encoding
//! packs them LSB first into 12288 bytes; the sparse encoding (`hll/sparse.rs`)
//! run-length codes them with ZERO, XZERO and VAL opcodes and is promoted to
//! dense when a register exceeds 32 or the string would pass
//! `hll-sparse-max-bytes` (3000). Elements hash with MurmurHash64A (seed
//! `0xadc83b19`); the estimate is Ertl's improved estimator (`hllCount`).

mod sparse;

use crate::base::bytes::Bytes;

/// Header bytes.
pub const HDR: usize = 16;
/// Register index bits.
const P: u32 = 14;
/// Bits of the hash left to count zeros in.
const Q: usize = 64 - P as usize;
/// Number of registers.
pub const REGISTERS: usize = 1 << P;
/// Bits per register.
const BITS: usize = 6;
/// Largest register value.
const REG_MAX: u32 = (1 << BITS) - 1;
/// Length of a dense HLL.
pub const DENSE_SIZE: usize = HDR + (REGISTERS * BITS).div_ceil(8);
/// Dense encoding tag.
const DENSE: u8 = 0;
/// Sparse encoding tag.
const SPARSE: u8 = 1;
/// `0.5 / ln(2)`.
const ALPHA_INF: f64 = 0.721_347_520_444_481_7;

/// The representation is corrupt (Redis's "INVALIDOBJ Corrupted HLL object
/// detected").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Corrupt;

/// Redis's `MurmurHash64A` (little-endian reads).
pub fn murmur64a(key: &[u8], seed: u64) -> u64 {
    const M: u64 = 0xc6a4_a793_5bd1_e995;
    const R: u32 = 47;
    let mut h = seed ^ (key.len() as u64).wrapping_mul(M);
    let mut chunks = key.chunks_exact(8);
    for c in &mut chunks {
        let mut k = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h ^= k;
        h = h.wrapping_mul(M);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        for (i, &b) in rest.iter().enumerate() {
            h ^= u64::from(b) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^ (h >> R)
}

/// Redis's `hllPatLen`: the register of `ele` and the length of its
/// `000…1` pattern.
fn pat_len(ele: &[u8]) -> (usize, u8) {
    let hash = murmur64a(ele, 0xadc8_3b19);
    let index = (hash as usize) & (REGISTERS - 1);
    let rest = (hash >> P) | (1u64 << Q);
    (index, rest.trailing_zeros() as u8 + 1)
}

/// Redis's `isHLLObjectOrReply` checks on the string's bytes.
pub fn is_valid(s: &[u8]) -> bool {
    s.len() >= HDR
        && &s[..4] == b"HYLL"
        && s[4] <= SPARSE
        && (s[4] != DENSE || s.len() == DENSE_SIZE)
}

/// True in the dense encoding.
pub fn is_dense(s: &[u8]) -> bool {
    s.get(4) == Some(&DENSE)
}

/// A new, empty HLL: sparse, all registers in XZERO opcodes.
pub fn new_hll() -> Bytes {
    let mut s = Bytes::from_slice(b"HYLL");
    s.resize(HDR, 0);
    s[4] = SPARSE;
    let mut left = REGISTERS;
    while left > 0 {
        let n = left.min(sparse::XZERO_MAX_LEN);
        s.extend_from_slice(&sparse::xzero(n));
        left -= n;
    }
    s
}

/// The cached cardinality, when valid.
pub fn cached(s: &[u8]) -> Option<u64> {
    let card: [u8; 8] = s.get(8..16)?.try_into().ok()?;
    (card[7] & 0x80 == 0).then(|| u64::from_le_bytes(card))
}

/// Stores `card` as the cached cardinality.
pub fn set_cache(s: &mut [u8], card: u64) {
    if let Some(c) = s.get_mut(8..16) {
        c.copy_from_slice(&card.to_le_bytes());
    }
}

/// Marks the cached cardinality stale.
pub fn invalidate(s: &mut [u8]) {
    if let Some(b) = s.get_mut(15) {
        *b |= 0x80;
    }
}

/// Register `i` of dense registers `r` (Redis's `HLL_DENSE_GET_REGISTER`).
fn dense_get(r: &[u8], i: usize) -> u8 {
    let byte = i * BITS / 8;
    let fb = (i * BITS) & 7;
    let b0 = u32::from(r.get(byte).copied().unwrap_or(0));
    let b1 = u32::from(r.get(byte + 1).copied().unwrap_or(0));
    (((b0 >> fb) | (b1 << (8 - fb))) & REG_MAX) as u8
}

/// Sets register `i` of dense registers `r` (`HLL_DENSE_SET_REGISTER`).
fn dense_set(r: &mut [u8], i: usize, v: u8) {
    let byte = i * BITS / 8;
    let fb = (i * BITS) & 7;
    let v = u32::from(v);
    if let Some(b) = r.get_mut(byte) {
        *b &= !(REG_MAX << fb) as u8;
        *b |= (v << fb) as u8;
    }
    if let Some(b) = r.get_mut(byte + 1) {
        *b &= !(REG_MAX >> (8 - fb)) as u8;
        *b |= (v >> (8 - fb)) as u8;
    }
}

/// Raises dense register `i` to `count`; true when it changed.
fn dense_raise(r: &mut [u8], i: usize, count: u8) -> bool {
    if count > dense_get(r, i) {
        dense_set(r, i, count);
        true
    } else {
        false
    }
}

/// Raises register `index` to `count` in either encoding (a sparse HLL may
/// be promoted): true when the register changed.
pub fn set_register(
    s: &mut Bytes,
    index: usize,
    count: u8,
    max_sparse: usize,
) -> Result<bool, Corrupt> {
    match s.get(4) {
        Some(&DENSE) => Ok(dense_raise(
            s.get_mut(HDR..).unwrap_or(&mut []),
            index,
            count,
        )),
        Some(&SPARSE) => sparse::set(s, index, count, max_sparse),
        _ => Err(Corrupt),
    }
}

/// Adds `ele` (Redis's `hllAdd`): true when a register changed. A sparse
/// HLL longer than `max_sparse` bytes after it turns dense.
pub fn add(s: &mut Bytes, ele: &[u8], max_sparse: usize) -> Result<bool, Corrupt> {
    let (index, count) = pat_len(ele);
    set_register(s, index, count, max_sparse)
}

/// Converts a sparse HLL to dense (nothing for a dense one).
pub fn to_dense(s: &mut Bytes) -> Result<(), Corrupt> {
    if is_dense(s) {
        return Ok(());
    }
    let (Some(hdr), Some(ops)) = (s.get(..HDR), s.get(HDR..)) else {
        return Err(Corrupt);
    };
    let mut dense = Bytes::from_elem(0, DENSE_SIZE);
    dense[..HDR].copy_from_slice(hdr);
    dense[4] = DENSE;
    let regs = &mut dense[HDR..];
    sparse::for_each_run(ops, |idx, len, val| {
        if val > 0 {
            for i in idx..idx + len {
                dense_set(regs, i, val);
            }
        }
    })?;
    *s = dense;
    Ok(())
}

/// Raises `max[i]` to every register of the HLL `s` (Redis's `hllMerge`).
pub fn merge_into(max: &mut [u8; REGISTERS], s: &[u8]) -> Result<(), Corrupt> {
    let r = s.get(HDR..).unwrap_or(&[]);
    if is_dense(s) {
        for (i, m) in max.iter_mut().enumerate() {
            *m = (*m).max(dense_get(r, i));
        }
        return Ok(());
    }
    sparse::for_each_run(r, |idx, len, val| {
        for m in &mut max[idx..idx + len] {
            *m = (*m).max(val);
        }
    })
}

/// The 16384 registers, one per byte (PFDEBUG GETREG).
pub fn registers(s: &[u8]) -> Result<Box<[u8; REGISTERS]>, Corrupt> {
    let mut regs = Box::new([0u8; REGISTERS]);
    merge_into(&mut regs, s)?;
    Ok(regs)
}

/// The sparse opcodes of `s` in PFDEBUG DECODE's notation; `None` when `s`
/// is dense.
pub fn describe_sparse(s: &[u8]) -> Option<String> {
    (!is_dense(s)).then(|| sparse::describe(s.get(HDR..).unwrap_or(&[])))
}

/// Redis's PFSELFTEST checks: every dense register keeps the value written
/// to it (with its neighbours intact), and the estimate of sparse and dense
/// HLLs fed with up to 100,000 distinct elements stays within the
/// error Redis allows (`5 * 1.04 / sqrt(m)`, relative). `Err` names the
/// first failed check.
pub fn self_test(mut random: impl FnMut() -> u64) -> Result<(), String> {
    let mut regs = vec![0u8; DENSE_SIZE - HDR];
    let mut want = vec![0u8; REGISTERS];
    for round in 0..20 {
        for (i, w) in want.iter_mut().enumerate() {
            let v = (random() & REG_MAX as u64) as u8;
            *w = v;
            dense_set(&mut regs, i, v);
        }
        for (i, &w) in want.iter().enumerate() {
            let got = dense_get(&regs, i);
            if got != w {
                return Err(format!(
                    "TESTFAILED Register error at round {round}, index {i}: {got} instead of {w}"
                ));
            }
        }
    }
    let relerr = 1.04 / (REGISTERS as f64).sqrt();
    let mut sparse = new_hll();
    let mut dense = new_hll();
    to_dense(&mut dense).map_err(|_| "TESTFAILED dense conversion".to_string())?;
    let seed = random();
    let mut checkpoint = 1u64;
    for j in 1..=100_000u64 {
        let ele = (j ^ seed).to_le_bytes();
        add(&mut sparse, &ele, 3000).map_err(|_| "TESTFAILED sparse add".to_string())?;
        add(&mut dense, &ele, 3000).map_err(|_| "TESTFAILED dense add".to_string())?;
        if j != checkpoint {
            continue;
        }
        checkpoint *= if checkpoint < 1000 { 10 } else { 100 };
        let c1 = count(&sparse).map_err(|_| "TESTFAILED sparse count".to_string())?;
        let c2 = count(&dense).map_err(|_| "TESTFAILED dense count".to_string())?;
        if c1 != c2 {
            return Err(format!(
                "TESTFAILED sparse and dense disagree: {c1} vs {c2}"
            ));
        }
        let maxerr = (relerr * 5.0 * j as f64).max(1.0);
        let err = (c2 as f64 - j as f64).abs();
        if err > maxerr {
            return Err(format!(
                "TESTFAILED Too big error. card:{j} abserr:{err} maxerr:{maxerr}"
            ));
        }
    }
    Ok(())
}

/// Ertl's `sigma`.
fn sigma(mut x: f64) -> f64 {
    if x == 1.0 {
        return f64::INFINITY;
    }
    let (mut y, mut z) = (1.0, x);
    loop {
        x *= x;
        let prev = z;
        z += x * y;
        y += y;
        if prev == z {
            return z;
        }
    }
}

/// Ertl's `tau`.
fn tau(mut x: f64) -> f64 {
    if x == 0.0 || x == 1.0 {
        return 0.0;
    }
    let (mut y, mut z) = (1.0, 1.0 - x);
    loop {
        x = x.sqrt();
        let prev = z;
        y *= 0.5;
        z -= (1.0 - x) * (1.0 - x) * y;
        if prev == z {
            return z / 3.0;
        }
    }
}

/// The estimate from a register histogram (the second half of `hllCount`).
fn estimate(histo: &[u32; 64]) -> u64 {
    let m = REGISTERS as f64;
    let mut z = m * tau((m - f64::from(histo[Q + 1])) / m);
    for &h in histo[1..=Q].iter().rev() {
        z += f64::from(h);
        z *= 0.5;
    }
    z += m * sigma(f64::from(histo[0]) / m);
    (ALPHA_INF * m * m / z).round() as u64
}

/// The estimated cardinality of the HLL `s` (Redis's `hllCount`).
pub fn count(s: &[u8]) -> Result<u64, Corrupt> {
    let mut histo = [0u32; 64];
    let r = s.get(HDR..).unwrap_or(&[]);
    if is_dense(s) {
        for i in 0..REGISTERS {
            histo[dense_get(r, i) as usize] += 1;
        }
    } else {
        sparse::for_each_run(r, |_, len, val| histo[val as usize] += len as u32)?;
    }
    Ok(estimate(&histo))
}

/// The estimated cardinality of registers held one per byte (PFCOUNT of
/// several keys).
pub fn count_raw(max: &[u8; REGISTERS]) -> u64 {
    let mut histo = [0u32; 64];
    for &v in max.iter() {
        histo[(v & 63) as usize] += 1;
    }
    estimate(&histo)
}

#[cfg(test)]
mod tests;
