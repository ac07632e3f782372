//! Decoding (`rdbLoadRio`): [`Reader`] walks a byte slice (lengths,
//! strings, doubles; values by type in `object.rs`), [`load_rdb`] a whole
//! file. Every
//! length is checked against the bytes that remain before anything is
//! allocated for it.

use std::borrow::Cow;

use super::{corrupt, opcodes, RdbError, RDB_VERSION};
use crate::base::bytes::Bytes;
use crate::base::float::parse_double;
use crate::base::lzf;
use crate::model::encoding::Enc;
use crate::model::value::Value;

/// A cursor over RDB bytes.
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    /// Packed encodings are checked in full (Redis's
    /// `deep_integrity_validation`, `sanitize-dump-payload yes`): see
    /// [`Reader::deep`].
    deep: bool,
}

/// Most bytes an LZF stream can expand to per input byte (a 3-byte back
/// reference yields at most 264 bytes).
const LZF_MAX_RATIO: usize = 88;

impl<'a> Reader<'a> {
    /// A reader at the start of `data`, checking packed encodings in full.
    pub fn new(data: &'a [u8]) -> Reader<'a> {
        Reader {
            data,
            pos: 0,
            deep: true,
        }
    }

    /// Whether packed encodings are checked in full: `false` (Redis with
    /// `sanitize-dump-payload no`) leaves unread what kevy does not need
    /// to build the value (a listpack's back-lengths and count, a stream
    /// entry's record count), as Redis then checks only their headers.
    /// What kevy needs is checked either way. Ziplists and zipmaps, which
    /// Redis converts, are always checked in full.
    pub fn deep(mut self, deep: bool) -> Reader<'a> {
        self.deep = deep;
        self
    }

    /// True when checking in full ([`Reader::deep`]).
    pub fn is_deep(&self) -> bool {
        self.deep
    }

    /// Bytes read so far.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Bytes left.
    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], RdbError> {
        if n > self.remaining() {
            return Err(corrupt("unexpected end of data"));
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// One byte.
    pub fn byte(&mut self) -> Result<u8, RdbError> {
        Ok(self.take(1)?[0])
    }

    fn le_u64(&mut self, n: usize) -> Result<u64, RdbError> {
        let mut w = [0u8; 8];
        w[..n].copy_from_slice(self.take(n)?);
        Ok(u64::from_le_bytes(w))
    }

    /// A length or, when `.1`, a special string encoding (`rdbLoadLenByRef`).
    pub fn len_or_enc(&mut self) -> Result<(u64, bool), RdbError> {
        let b = self.byte()?;
        Ok(match b >> 6 {
            0 => ((b & 0x3f) as u64, false),
            1 => ((((b & 0x3f) as u64) << 8) | self.byte()? as u64, false),
            3 => ((b & 0x3f) as u64, true),
            _ => match b {
                0x80 => {
                    let s = self.take(4)?;
                    (u32::from_be_bytes([s[0], s[1], s[2], s[3]]) as u64, false)
                }
                0x81 => {
                    let mut w = [0u8; 8];
                    w.copy_from_slice(self.take(8)?);
                    (u64::from_be_bytes(w), false)
                }
                _ => return Err(corrupt("unknown length encoding")),
            },
        })
    }

    /// A plain length.
    pub fn length(&mut self) -> Result<u64, RdbError> {
        match self.len_or_enc()? {
            (n, false) => Ok(n),
            _ => Err(corrupt("encoded value where a length was expected")),
        }
    }

    /// A count of items that each take at least `min` bytes: refused when
    /// the rest of the input could not hold them.
    pub fn count(&mut self, min: usize) -> Result<usize, RdbError> {
        let n = self.length()?;
        if n > (self.remaining() / min.max(1)) as u64 {
            return Err(corrupt("count larger than the data"));
        }
        Ok(n as usize)
    }

    /// A string (`rdbGenericLoadStringObject`): verbatim, integer-encoded or
    /// LZF-compressed.
    pub fn string(&mut self) -> Result<Cow<'a, [u8]>, RdbError> {
        let (n, enc) = self.len_or_enc()?;
        if !enc {
            let n = usize::try_from(n).map_err(|_| corrupt("string too long"))?;
            return Ok(Cow::Borrowed(self.take(n)?));
        }
        let v = match n {
            0 => self.byte()? as i8 as i64,
            1 => self.le_u64(2)? as u16 as i16 as i64,
            2 => self.le_u64(4)? as u32 as i32 as i64,
            3 => {
                let clen = self.length()? as usize;
                let len = self.length()?;
                if clen > self.remaining() {
                    return Err(corrupt("unexpected end of data"));
                }
                if len > (clen as u64).saturating_mul(LZF_MAX_RATIO as u64) + 8 {
                    return Err(corrupt("LZF length impossible for its input"));
                }
                let c = self.take(clen)?;
                let out = lzf::decompress(c, len as usize)
                    .map_err(|_| corrupt("Invalid LZF compressed string"))?;
                if out.len() as u64 != len {
                    return Err(corrupt("Invalid LZF compressed string"));
                }
                return Ok(Cow::Owned(out));
            }
            _ => return Err(corrupt("unknown string encoding")),
        };
        Ok(Cow::Owned(v.to_string().into_bytes()))
    }

    /// A text double (`rdbLoadDoubleValue`, RDB type 3).
    pub fn text_double(&mut self) -> Result<f64, RdbError> {
        match self.byte()? {
            255 => Ok(f64::NEG_INFINITY),
            254 => Ok(f64::INFINITY),
            253 => Ok(f64::NAN),
            n => {
                let s = self.take(n as usize)?;
                parse_double(s).ok_or_else(|| corrupt("bad double"))
            }
        }
    }

    /// A binary double (`rdbLoadBinaryDoubleValue`).
    pub fn binary_double(&mut self) -> Result<f64, RdbError> {
        Ok(f64::from_bits(self.le_u64(8)?))
    }

    /// A millisecond time (`rdbLoadMillisecondTime`).
    pub fn ms(&mut self) -> Result<i64, RdbError> {
        Ok(self.le_u64(8)? as i64)
    }
}

/// A key read from a file.
#[derive(Debug)]
pub struct Loaded {
    /// Its database.
    pub db: usize,
    /// Its name.
    pub key: Bytes,
    /// Its value.
    pub value: Value,
    /// Its deadline (unix ms).
    pub expire: Option<i64>,
    /// Seconds idle (`IDLE` opcode).
    pub idle: Option<u64>,
    /// LFU counter (`FREQ` opcode).
    pub freq: Option<u8>,
}

/// What a load found besides the keys.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadInfo {
    /// The file's RDB version.
    pub version: u16,
    /// Keys handed to the sink.
    pub loaded: u64,
    /// Keys skipped because their deadline had passed.
    pub expired: u64,
    /// Keys the filter declined.
    pub skipped: u64,
    /// Empty collections skipped (Redis warns and skips them too).
    pub empty: u64,
    /// The names of the first 10 of them (Redis logs those).
    pub empty_keys: Vec<Vec<u8>>,
    /// AUX fields, in file order.
    pub aux: Vec<(Vec<u8>, Vec<u8>)>,
    /// Function libraries in the file.
    pub functions: u64,
    /// Their code (`FUNCTION2` entries), for the caller to load.
    pub libraries: Vec<Vec<u8>>,
    /// Bytes read.
    pub bytes: usize,
}

/// What a load checks besides the structure every value needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checks {
    /// The file's CRC-64, when it carries one (`rdbchecksum`).
    pub checksum: bool,
    /// Packed encodings in full ([`Reader::deep`]; `sanitize-dump-payload
    /// yes`).
    pub deep: bool,
}

/// Where a load failed inside the file: what a failed load reports after
/// its reason (Redis's `rdbReportError`, then `redis-check-rdb`'s lines).
pub const READING_AT: &str = "Internal error in RDB reading offset";

/// Loads a whole RDB file from `data`. Each key goes through `want(db,
/// key)` and, if wanted, to `sink`; with `now` set, keys whose deadline is
/// before it are dropped and counted as Redis's master does. Databases at
/// or past `databases` are an error, as in Redis. The checksum is verified
/// as `checks` says. An error past the header is told as Redis reports
/// it: its first line starts with [`READING_AT`] and the offset, the next
/// say which key was being read.
pub fn load_rdb(
    data: &[u8],
    enc: &Enc,
    databases: usize,
    now: Option<i64>,
    checks: Checks,
    want: impl FnMut(usize, &[u8]) -> bool,
    sink: impl FnMut(Loaded) -> Result<(), RdbError>,
) -> Result<LoadInfo, RdbError> {
    let Checks { checksum, deep } = checks;
    let mut r = Reader::new(data).deep(deep);
    let mut reading: Option<(Vec<u8>, u8)> = None;
    let out = load_body(
        &mut r,
        enc,
        databases,
        now,
        checksum,
        want,
        sink,
        &mut reading,
    );
    out.map_err(|e| {
        if e.0.starts_with("Wrong signature")
            || e.0.starts_with("Can't handle RDB format")
            || e.0.starts_with("FATAL:")
        {
            return e;
        }
        let mut msg = format!("{READING_AT} {} -> {e}", r.pos());
        if let Some((key, ty)) = reading {
            msg.push_str(&format!(
                "\n[additional info] Reading key '{}'\n[additional info] Reading type {ty}",
                String::from_utf8_lossy(&key)
            ));
        }
        RdbError(msg)
    })
}

/// [`load_rdb`]'s work; `reading` is the key whose value is being read.
#[allow(clippy::too_many_arguments)]
fn load_body(
    r: &mut Reader<'_>,
    enc: &Enc,
    databases: usize,
    now: Option<i64>,
    checksum: bool,
    mut want: impl FnMut(usize, &[u8]) -> bool,
    mut sink: impl FnMut(Loaded) -> Result<(), RdbError>,
    reading: &mut Option<(Vec<u8>, u8)>,
) -> Result<LoadInfo, RdbError> {
    let data = r.data;
    let magic = r
        .take(9)
        .map_err(|_| RdbError("Wrong signature trying to load DB from file".into()))?;
    if &magic[..5] != b"REDIS" {
        return Err(RdbError(
            "Wrong signature trying to load DB from file".into(),
        ));
    }
    let version = std::str::from_utf8(&magic[5..])
        .ok()
        .and_then(|s| s.parse::<u16>().ok())
        .filter(|v| (1..=RDB_VERSION).contains(v))
        .ok_or_else(|| {
            RdbError(format!(
                "Can't handle RDB format version {}",
                String::from_utf8_lossy(&magic[5..])
            ))
        })?;
    let mut info = LoadInfo {
        version,
        ..LoadInfo::default()
    };
    let (mut db, mut expire, mut idle, mut freq) = (0usize, None, None, None);
    loop {
        let ty = r.byte()?;
        match ty {
            opcodes::EXPIRETIME => {
                let s = r.take(4)?;
                expire = Some(i32::from_le_bytes([s[0], s[1], s[2], s[3]]) as i64 * 1000);
                continue;
            }
            opcodes::EXPIRETIME_MS => {
                expire = Some(r.ms()?);
                continue;
            }
            opcodes::FREQ => {
                freq = Some(r.byte()?);
                continue;
            }
            opcodes::IDLE => {
                idle = Some(r.length()?);
                continue;
            }
            opcodes::EOF => break,
            opcodes::SELECTDB => {
                let n = r.length()?;
                if n >= databases as u64 {
                    return Err(RdbError(format!("FATAL: Data file was created with a Redis server configured to handle more than {databases} databases. Exiting")));
                }
                db = n as usize;
                continue;
            }
            opcodes::RESIZEDB => {
                r.length()?;
                r.length()?;
                continue;
            }
            opcodes::AUX => {
                let k = r.string()?.into_owned();
                let v = r.string()?.into_owned();
                info.aux.push((k, v));
                continue;
            }
            opcodes::MODULE_AUX => {
                return Err(RdbError("module data is not supported".into()));
            }
            opcodes::FUNCTION2 => {
                info.libraries.push(r.string()?.into_owned());
                info.functions += 1;
                continue;
            }
            opcodes::FUNCTION => {
                return Err(RdbError("Pre-release function format not supported".into()));
            }
            _ => {}
        }
        let key = r.string()?;
        let wanted = want(db, &key);
        *reading = Some((key.to_vec(), ty));
        let value = r.value(ty, enc)?;
        *reading = None;
        let (at, i, f) = (expire.take(), idle.take(), freq.take());
        let Some(value) = value else {
            if info.empty < 10 {
                info.empty_keys.push(key.into_owned());
            }
            info.empty += 1;
            continue;
        };
        if !wanted {
            info.skipped += 1;
            continue;
        }
        if let (Some(at), Some(now)) = (at, now) {
            if at < now {
                info.expired += 1;
                continue;
            }
        }
        info.loaded += 1;
        sink(Loaded {
            db,
            key: Bytes::from_slice(&key),
            value,
            expire: at,
            idle: i,
            freq: f,
        })?;
    }
    if version >= 5 {
        let end = r.pos();
        let stored = r.take(8).map_err(|_| corrupt("missing checksum"))?;
        let mut w = [0u8; 8];
        w.copy_from_slice(stored);
        let stored = u64::from_le_bytes(w);
        if checksum
            && super::dump::checking()
            && stored != 0
            && super::crc64::update(0, &data[..end]) != stored
        {
            return Err(RdbError("RDB CRC error".into()));
        }
    }
    info.bytes = r.pos();
    Ok(info)
}
