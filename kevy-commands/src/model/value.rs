//! Values stored under keys.
//!
//! Strings come in Redis's two shapes: `Int` (Redis's "int" encoding: a
//! canonical decimal that fits an `i64`, stored without a buffer) and `Str`
//! (bytes, inline up to 16 bytes). Lists, hashes and sets are collections
//! from [`crate::model::types`]; sorted sets are [`ZSet`]s. Each collection is 24
//! bytes held in the value itself: its small encoding inline or in one
//! allocation sized to fit, its large one behind a box. Code that
//! needs a string goes through [`Value::as_bytes`] / [`Value::as_int`], which
//! answer `WrongType` for the other types; code that needs a collection goes
//! through [`Value::as_list_mut`] and its siblings.

use crate::base::error::{Error, OpResult};
use crate::base::num::{fmt_i64, parse_i64, I64_BUF};
use crate::model::stream::Stream;
use crate::model::types::{hash::Hash, list::List, set::Set};
use crate::model::zset::ZSet;

pub use crate::base::bytes::Bytes;

/// The longest string Redis accepts (`proto-max-bulk-len`, 512 MB).
pub const MAX_STRING: usize = 512 * 1024 * 1024;

/// A value held by a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// A string holding a canonical 64-bit integer.
    Int(i64),
    /// Any other string.
    Str(Bytes),
    /// A list.
    List(List),
    /// A hash.
    Hash(Hash),
    /// A set.
    Set(Set),
    /// A sorted set.
    ZSet(ZSet),
    /// A stream (boxed: its index and counters outgrow the value).
    Stream(Box<Stream>),
}

impl Value {
    /// A string value, integer-encoded when Redis would (`tryObjectEncoding`).
    #[inline]
    pub fn string(bytes: &[u8]) -> Value {
        if bytes.len() <= 20 {
            if let Some(n) = parse_i64(bytes) {
                return Value::Int(n);
            }
        }
        Value::Str(Bytes::from_slice(bytes))
    }

    /// The name `TYPE` reports.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Int(_) | Value::Str(_) => "string",
            Value::List(_) => "list",
            Value::Hash(_) => "hash",
            Value::Set(_) => "set",
            Value::ZSet(_) => "zset",
            Value::Stream(_) => "stream",
        }
    }

    /// The string's bytes (an integer is formatted into `buf`), or `WrongType`.
    #[inline]
    pub fn as_bytes<'a>(&'a self, buf: &'a mut [u8; 20]) -> OpResult<&'a [u8]> {
        match self {
            Value::Int(n) => Ok(fmt_i64(*n, buf)),
            Value::Str(s) => Ok(s),
            _ => Err(Error::WrongType),
        }
    }

    /// The string as an integer: `WrongType` for other types, `NotInteger` for
    /// strings that are not one.
    #[inline]
    pub fn as_int(&self) -> OpResult<i64> {
        match self {
            Value::Int(n) => Ok(*n),
            Value::Str(s) => parse_i64(s).ok_or(Error::NotInteger),
            _ => Err(Error::WrongType),
        }
    }

    /// The string's length, or `WrongType`.
    pub fn str_len(&self) -> OpResult<usize> {
        let mut buf = I64_BUF;
        self.as_bytes(&mut buf).map(<[u8]>::len)
    }

    /// The string as a growable buffer (an integer becomes its digits), for
    /// APPEND and SETRANGE; `WrongType` for other types. The string is
    /// [`raw`](Value::raw) from now on, as Redis's `dbUnshareStringValue`
    /// leaves it.
    pub fn make_raw(&mut self) -> OpResult<&mut Bytes> {
        if let Value::Int(n) = *self {
            let mut buf = I64_BUF;
            *self = Value::Str(Bytes::from_slice(fmt_i64(n, &mut buf)));
        }
        match self {
            Value::Str(s) => {
                mark_raw(s);
                Ok(s)
            }
            _ => Err(Error::WrongType),
        }
    }

    /// A copy, as Redis's `dupStringObject` makes it for COPY: a `raw`
    /// string stays `raw`.
    pub fn duplicate(&self) -> Value {
        match self {
            Value::Str(s) if !is_embstr(s) => Value::raw(s.clone()),
            v => v.clone(),
        }
    }

    /// A string Redis keeps in its `raw` encoding whatever its length
    /// (made by SETRANGE, SETBIT, BITOP, PFADD…, see [`Value::make_raw`]).
    pub fn raw(mut bytes: Bytes) -> Value {
        mark_raw(&mut bytes);
        Value::Str(bytes)
    }
}

/// Longest string Redis stores in one allocation with its header
/// (`OBJ_ENCODING_EMBSTR_SIZE_LIMIT`): up to it, a string made whole is
/// `embstr`.
pub const EMBSTR_MAX: usize = 44;

/// The capacity that marks a short string `raw`: more than any string of
/// at most [`EMBSTR_MAX`] bytes has when made whole (from a slice: its
/// length, or inline) or cloned (the next power of two: 64).
const RAW_CAPACITY: usize = 65;

/// Marks `s` as a string Redis calls `raw` whatever its length (see
/// [`RAW_CAPACITY`]).
fn mark_raw(s: &mut Bytes) {
    if s.capacity() < RAW_CAPACITY {
        s.reserve_exact(RAW_CAPACITY - s.len());
    }
}

/// Whether `s` is a short string Redis would hold as `embstr` (a string
/// changed in place is marked raw by its capacity, `RAW_CAPACITY`).
pub fn is_embstr(s: &Bytes) -> bool {
    s.len() <= EMBSTR_MAX && s.capacity() < RAW_CAPACITY
}

/// Access to streams.
impl Value {
    /// The stream, mutably, or `WrongType`.
    #[inline]
    pub fn as_stream_mut(&mut self) -> OpResult<&mut Stream> {
        match self {
            Value::Stream(s) => Ok(s),
            _ => Err(Error::WrongType),
        }
    }

    /// The stream, or `WrongType`.
    #[inline]
    pub fn as_stream(&self) -> OpResult<&Stream> {
        match self {
            Value::Stream(s) => Ok(s),
            _ => Err(Error::WrongType),
        }
    }
}

/// Access to the collection types: the collection, or `WrongType`.
impl Value {
    /// The list, or `WrongType`.
    #[inline]
    pub fn as_list(&self) -> OpResult<&List> {
        match self {
            Value::List(l) => Ok(l),
            _ => Err(Error::WrongType),
        }
    }

    /// The list, mutably, or `WrongType`.
    #[inline]
    pub fn as_list_mut(&mut self) -> OpResult<&mut List> {
        match self {
            Value::List(l) => Ok(l),
            _ => Err(Error::WrongType),
        }
    }

    /// The hash, or `WrongType`.
    #[inline]
    pub fn as_hash(&self) -> OpResult<&Hash> {
        match self {
            Value::Hash(h) => Ok(h),
            _ => Err(Error::WrongType),
        }
    }

    /// The hash, mutably, or `WrongType`.
    #[inline]
    pub fn as_hash_mut(&mut self) -> OpResult<&mut Hash> {
        match self {
            Value::Hash(h) => Ok(h),
            _ => Err(Error::WrongType),
        }
    }

    /// The set, or `WrongType`.
    #[inline]
    pub fn as_set(&self) -> OpResult<&Set> {
        match self {
            Value::Set(s) => Ok(s),
            _ => Err(Error::WrongType),
        }
    }

    /// The set, mutably, or `WrongType`.
    #[inline]
    pub fn as_set_mut(&mut self) -> OpResult<&mut Set> {
        match self {
            Value::Set(s) => Ok(s),
            _ => Err(Error::WrongType),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_strings_stay_raw_and_whole_ones_embstr() {
        for len in [0, 5, 16, 17, 33, 40, 44] {
            let whole = Value::string(&vec![b'x'; len]);
            let Value::Str(s) = whole.clone() else {
                panic!("a string")
            };
            assert!(is_embstr(&s), "clone of {len} bytes");
            let mut v = whole;
            v.make_raw().unwrap();
            let Value::Str(s) = v.duplicate() else {
                panic!("a string")
            };
            assert!(!is_embstr(&s), "copy of a raw {len} bytes");
        }
        let Value::Str(s) = Value::raw(Bytes::from_slice(b"abc")) else {
            panic!("a string")
        };
        assert!(!is_embstr(&s));
    }

    #[test]
    fn int_encoding_round_trips() {
        assert_eq!(Value::string(b"123"), Value::Int(123));
        assert_eq!(Value::string(b"-9223372036854775808"), Value::Int(i64::MIN));
        assert!(matches!(Value::string(b"0123"), Value::Str(_)));
        assert!(matches!(Value::string(b"+1"), Value::Str(_)));
        assert!(matches!(
            Value::string(b"9223372036854775808"),
            Value::Str(_)
        ));
        let mut buf = I64_BUF;
        assert_eq!(Value::Int(-7).as_bytes(&mut buf), Ok(&b"-7"[..]));
        let mut v = Value::Int(42);
        v.make_raw().map(|s| s.push(b'x')).unwrap();
        assert_eq!(v, Value::Str(Bytes::from_slice(b"42x")));
        assert_eq!(v.as_int(), Err(Error::NotInteger));
    }

    /// Every collection sits in the value itself (its small encoding
    /// inline or in one allocation), so a value stays 32 bytes.
    #[test]
    fn collections_fit_the_value() {
        use std::mem::size_of;
        assert_eq!(size_of::<Value>(), 32);
        assert_eq!(size_of::<List>(), 24);
        assert_eq!(size_of::<Hash>(), 24);
        assert_eq!(size_of::<Set>(), 24);
        assert_eq!(size_of::<ZSet>(), 24);
    }
}
