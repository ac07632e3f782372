//! Encoding values as Redis writes them (`rdbSaveObject` and its helpers):
//! [`Writer`] appends lengths, strings, doubles, values and whole
//! key–value pairs to a buffer.

use super::listpack::Builder;
use super::{opcodes, types};
use crate::base::float::fmt_d2string;
use crate::base::lzf;
use crate::base::num::{fmt_i64, parse_i64, I64_BUF};
use crate::model::types::hash::Hash;
use crate::model::types::set::{Member, Set};
use crate::model::value::Value;
use crate::model::zset::ZSet;

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
    fn string_lzf(&mut self, s: &[u8], force: bool) {
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

    /// The type byte Redis writes for `v` (`rdbSaveObjectType`).
    pub fn type_of(v: &Value) -> u8 {
        match v {
            Value::Int(_) | Value::Str(_) => types::STRING,
            Value::List(_) => types::LIST_QUICKLIST_2,
            Value::Set(s) if s.is_intset() => types::SET_INTSET,
            Value::Set(_) => types::SET,
            Value::ZSet(z) if z.is_packed() => types::ZSET_LISTPACK,
            Value::ZSet(_) => types::ZSET_2,
            Value::Hash(h) if h.is_packed() => types::HASH_LISTPACK,
            Value::Hash(_) => types::HASH,
            Value::Stream(_) => types::STREAM_LISTPACKS_2,
        }
    }

    /// The value's body (`rdbSaveObject`), without its type byte.
    pub fn value(&mut self, v: &Value) {
        match v {
            Value::Int(n) => self.int_string(*n),
            Value::Str(s) => self.string(s),
            Value::List(l) => {
                self.len(l.node_count() as u64);
                for node in l.nodes() {
                    // A compressed node is written compressed, whatever
                    // `rdbcompression` says (Redis's `rdbSaveLzfBlob`).
                    let lzf = node.is_compressed();
                    let pack = node.unpacked();
                    if let (1, Some(e)) = (pack.len(), pack.get(0)) {
                        if e.len() >= self.plain_from {
                            self.len(1); // QUICKLIST_NODE_CONTAINER_PLAIN
                            self.string_lzf(e, lzf);
                            continue;
                        }
                    }
                    self.len(2); // QUICKLIST_NODE_CONTAINER_PACKED
                    let mut lp = Builder::new();
                    pack.iter().for_each(|e| lp.push(e));
                    self.string_lzf(&lp.finish(), lzf);
                }
            }
            Value::Set(s) => self.set(s),
            Value::ZSet(z) => self.zset(z),
            Value::Hash(h) => self.hash(h),
            Value::Stream(s) => super::stream::write(self, s),
        }
    }

    fn set(&mut self, s: &Set) {
        match s {
            Set::Ints(i) => {
                let mut blob = Vec::with_capacity(8 + i.raw().len());
                blob.extend_from_slice(&(i.width() as u32).to_le_bytes());
                blob.extend_from_slice(&(i.len() as u32).to_le_bytes());
                blob.extend_from_slice(i.raw());
                self.string(&blob);
            }
            Set::Table(_) => {
                self.len(s.len() as u64);
                for m in s.iter() {
                    match m {
                        Member::Int(n) => {
                            let mut b = I64_BUF;
                            self.string(fmt_i64(n, &mut b));
                        }
                        Member::Bytes(b) => self.string(b),
                    }
                }
            }
        }
    }

    fn zset(&mut self, z: &ZSet) {
        if z.is_packed() {
            let mut lp = Builder::new();
            for (m, score) in z.iter(0, false) {
                lp.push(m);
                let mut buf = [0u8; 32];
                lp.push(fmt_d2string(score, &mut buf));
            }
            self.string(&lp.finish());
        } else {
            // Greatest first, as Redis walks its skiplist from the tail.
            self.len(z.len() as u64);
            for (m, score) in z.iter(z.len() - 1, true) {
                self.string(m);
                self.out.extend_from_slice(&score.to_le_bytes());
            }
        }
    }

    fn hash(&mut self, h: &Hash) {
        if h.is_packed() {
            let mut lp = Builder::new();
            for (f, v) in h.iter() {
                lp.push(f);
                lp.push(v);
            }
            self.string(&lp.finish());
        } else {
            self.len(h.len() as u64);
            for (f, v) in h.iter() {
                self.string(f);
                self.string(v);
            }
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
