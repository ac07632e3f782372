//! The `FUNCTION DUMP` payload, as Redis writes it: per library the
//! `RDB_OPCODE_FUNCTION2` type byte (245) and the library's code as an RDB
//! string (LZF-compressed past 20 bytes when that saves room, as with
//! `rdbcompression yes`), then RDB version 10 as two little-endian bytes
//! and the CRC64 (Jones) of everything before, little-endian. This is the
//! minimal RDB framing the functions need; the RDB format proper belongs
//! to persistence.

use crate::base::lzf;

/// `RDB_OPCODE_FUNCTION2`.
const FUNCTION2: u8 = 245;
/// `RDB_OPCODE_FUNCTION_PRE_GA`.
const FUNCTION_PRE_GA: u8 = 246;
/// The RDB version written (Redis 7.0's).
const RDB_VERSION: u16 = 10;

/// The payload of libraries whose codes are `codes`.
pub(crate) fn dump(codes: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for code in codes {
        out.push(FUNCTION2);
        string(code, &mut out);
    }
    out.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = crc64(0, &out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// The library codes of a payload, or Redis's error reply text.
pub(crate) fn undump(p: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let bad = || "ERR DUMP payload version or checksum are wrong".to_string();
    if p.len() < 10 {
        return Err(bad());
    }
    let (body, footer) = p.split_at(p.len() - 10);
    let version = u16::from_le_bytes([footer[0], footer[1]]);
    let crc = u64::from_le_bytes(footer[2..10].try_into().map_err(|_| bad())?);
    if version > RDB_VERSION || crc64(0, &p[..p.len() - 8]) != crc {
        return Err(bad());
    }
    let mut at = 0;
    let mut codes = Vec::new();
    while at < body.len() {
        let t = body[at];
        at += 1;
        if t == FUNCTION_PRE_GA {
            return Err("ERR Pre-GA function format not supported".into());
        }
        if t != FUNCTION2 {
            return Err("ERR given type is not a function".into());
        }
        let code =
            read_string(body, &mut at).ok_or("ERR failed loading the given functions payload")?;
        codes.push(code);
    }
    Ok(codes)
}

/// `rdbSaveLen`.
fn len(n: u64, out: &mut Vec<u8>) {
    if n < 64 {
        out.push(n as u8);
    } else if n < 16384 {
        out.push(0x40 | (n >> 8) as u8);
        out.push(n as u8);
    } else if n <= u32::MAX as u64 {
        out.push(0x80);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    } else {
        out.push(0x81);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

/// `rdbSaveRawString` with compression on.
fn string(s: &[u8], out: &mut Vec<u8>) {
    if s.len() > 20 {
        if let Some(c) = lzf::compress(s, s.len() - 4) {
            out.push(0xC3);
            len(c.len() as u64, out);
            len(s.len() as u64, out);
            out.extend_from_slice(&c);
            return;
        }
    }
    len(s.len() as u64, out);
    out.extend_from_slice(s);
}

/// A length or an encoding (`rdbLoadLenByRef`): `(n, encoded)`.
fn read_len(p: &[u8], at: &mut usize) -> Option<(u64, bool)> {
    let b = *p.get(*at)?;
    *at += 1;
    match b >> 6 {
        0 => Some(((b & 0x3f) as u64, false)),
        1 => {
            let b2 = *p.get(*at)?;
            *at += 1;
            Some(((((b & 0x3f) as u64) << 8) | b2 as u64, false))
        }
        2 if b == 0x80 => {
            let v = u32::from_be_bytes(p.get(*at..*at + 4)?.try_into().ok()?);
            *at += 4;
            Some((v as u64, false))
        }
        2 if b == 0x81 => {
            let v = u64::from_be_bytes(p.get(*at..*at + 8)?.try_into().ok()?);
            *at += 8;
            Some((v, false))
        }
        3 => Some(((b & 0x3f) as u64, true)),
        _ => None,
    }
}

/// `rdbGenericLoadStringObject`.
fn read_string(p: &[u8], at: &mut usize) -> Option<Vec<u8>> {
    let (n, encoded) = read_len(p, at)?;
    if !encoded {
        let s = p.get(*at..*at + n as usize)?.to_vec();
        *at += n as usize;
        return Some(s);
    }
    match n {
        0 => {
            let v = *p.get(*at)? as i8;
            *at += 1;
            Some(v.to_string().into_bytes())
        }
        1 => {
            let v = i16::from_le_bytes(p.get(*at..*at + 2)?.try_into().ok()?);
            *at += 2;
            Some(v.to_string().into_bytes())
        }
        2 => {
            let v = i32::from_le_bytes(p.get(*at..*at + 4)?.try_into().ok()?);
            *at += 4;
            Some(v.to_string().into_bytes())
        }
        3 => {
            let (clen, _) = read_len(p, at)?;
            let (olen, _) = read_len(p, at)?;
            let c = p.get(*at..*at + clen as usize)?;
            *at += clen as usize;
            lzf::decompress(c, olen as usize).ok()
        }
        _ => None,
    }
}

/// Redis's `crc64` (Jones polynomial, reflected, no final xor).
pub(crate) fn crc64(mut crc: u64, data: &[u8]) -> u64 {
    const POLY: u64 = 0x95ac_9329_ac4b_c9b5;
    for &b in data {
        crc ^= b as u64;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ POLY
            } else {
                crc >> 1
            };
        }
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc64_check_value() {
        assert_eq!(crc64(0, b"123456789"), 0xe9c6_d914_c4b8_d9ca);
    }

    #[test]
    fn empty_dump_is_redis_bytes() {
        // redis-server 7.0.15's FUNCTION DUMP with no library.
        assert_eq!(dump(&[]), b"\n\x00]\x9b\\@\x0f\x7f\xa2\xda");
    }

    #[test]
    fn round_trip() {
        let codes = vec![b"#!lua name=a\nredis.register_function('f', function() return 1 end) -- padding padding".to_vec()];
        assert_eq!(undump(&dump(&codes)).unwrap(), codes);
        assert!(undump(b"garbage!!!!!").is_err());
    }
}
