//! Encoding as Redis writes it (`rdbSaveKeyValuePair` and its helpers):
//! [`Writer`] appends lengths, strings, doubles, values (by type in
//! `object.rs`) and whole key–value pairs to a buffer.

use super::opcodes;
use crate::base::lzf;
use crate::base::num::{fmt_i64, parse_i64, I64_BUF};
use crate::model::value::Value;

/// A buffer values are encoded into.
#[derive(Debug)]
pub struct Writer {
    /// What was written.
    pub out: Vec<u8>,
    /// `rdbcompression`: LZF for strings past 20 bytes.
    pub compress: bool,
    /// A list node holding one element this long or longer is written as
    /// a plain node (Redis's `packed_threshold`).
    pub plain_from: usize,
}

/// What a key carries besides its value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Meta {
    /// The deadline, unix milliseconds.
    pub expire: Option<i64>,
    /// Seconds since the last access (written under an LRU policy).
    pub idle: Option<u64>,
    /// The LFU counter (written under an LFU policy).
    pub freq: Option<u8>,
}

/// The length of `v`'s body in an RDB file, as written now
/// (`rdbSavedObjectLen`: `DEBUG OBJECT`'s `serializedlength`).
pub fn serialized_len(v: &Value, compress: bool) -> usize {
    let mut w = Writer::new(compress);
    w.value(v);
    w.out.len()
}

/// The integer encoding of `v` when it fits 32 bits (`rdbEncodeInteger`).
fn encode_int(v: i64, buf: &mut [u8; 5]) -> usize {
    if let Ok(x) = i8::try_from(v) {
        buf[0] = 0xc0;
        buf[1] = x as u8;
        2
    } else if let Ok(x) = i16::try_from(v) {
        buf[0] = 0xc1;
        buf[1..3].copy_from_slice(&x.to_le_bytes());
        3
    } else if let Ok(x) = i32::try_from(v) {
        buf[0] = 0xc2;
        buf[1..5].copy_from_slice(&x.to_le_bytes());
        5
    } else {
        0
    }
}

impl Writer {
    /// An empty buffer.
    pub fn new(compress: bool) -> Writer {
        Writer {
            out: Vec::new(),
            compress,
            plain_from: crate::model::encoding::PACKED_THRESHOLD,
        }
    }

    /// One byte (a type or opcode).
    pub fn byte(&mut self, b: u8) {
        self.out.push(b);
    }

    /// A length (`rdbSaveLen`): 6, 14, 32 or 64 bits.
    pub fn len(&mut self, n: u64) {
        if n < 1 << 6 {
            self.out.push(n as u8);
        } else if n < 1 << 14 {
            self.out.push(((n >> 8) as u8) | 0x40);
            self.out.push(n as u8);
        } else if n <= u32::MAX as u64 {
            self.out.push(0x80);
            self.out.extend_from_slice(&(n as u32).to_be_bytes());
        } else {
            self.out.push(0x81);
            self.out.extend_from_slice(&n.to_be_bytes());
        }
    }

    /// A string (`rdbSaveRawString`): as an integer when it is a short
    /// canonical one that fits 32 bits, LZF-compressed when allowed and
    /// worth it, else verbatim.
    pub fn string(&mut self, s: &[u8]) {
        if s.len() <= 11 {
            if let Some(v) = parse_i64(s) {
                let mut buf = [0u8; 5];
                let n = encode_int(v, &mut buf);
                if n > 0 {
                    self.out.extend_from_slice(&buf[..n]);
                    return;
                }
            }
        }
        if self.compress && s.len() > 20 {
            if let Some(c) = lzf::compress(s, s.len() - 4) {
                self.out.push(0xc3);
                self.len(c.len() as u64);
                self.len(s.len() as u64);
                self.out.extend_from_slice(&c);
                return;
            }
        }
        self.len(s.len() as u64);
        self.out.extend_from_slice(s);
    }

    /// [`string`](Self::string), LZF-compressed whenever that saves room
    /// if `force` (a compressed list node: `rdbSaveLzfBlob`).
    pub(super) fn string_lzf(&mut self, s: &[u8], force: bool) {
        if !force || self.compress {
            return self.string(s);
        }
        let was = std::mem::replace(&mut self.compress, true);
        self.string(s);
        self.compress = was;
    }

    /// An integer string (`rdbSaveLongLongAsStringObject`).
    pub fn int_string(&mut self, v: i64) {
        let mut buf = [0u8; 5];
        let n = encode_int(v, &mut buf);
        if n > 0 {
            self.out.extend_from_slice(&buf[..n]);
        } else {
            let mut b = I64_BUF;
            let digits = fmt_i64(v, &mut b);
            self.len(digits.len() as u64);
            self.out.extend_from_slice(digits);
        }
    }

    /// A whole key (`rdbSaveKeyValuePair`): its deadline, access data, type,
    /// name and value.
    pub fn pair(&mut self, key: &[u8], v: &Value, meta: Meta) {
        if let Some(at) = meta.expire {
            self.byte(opcodes::EXPIRETIME_MS);
            self.out.extend_from_slice(&at.to_le_bytes());
        }
        if let Some(idle) = meta.idle {
            self.byte(opcodes::IDLE);
            self.len(idle);
        }
        if let Some(freq) = meta.freq {
            self.byte(opcodes::FREQ);
            self.byte(freq);
        }
        self.byte(Writer::type_of(v));
        self.string(key);
        self.value(v);
    }

    /// An AUX field with a string value.
    pub fn aux(&mut self, key: &str, val: &[u8]) {
        self.byte(opcodes::AUX);
        self.string(key.as_bytes());
        self.string(val);
    }
}
