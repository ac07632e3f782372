//! DUMP payloads (`createDumpPayload`, `verifyDumpPayload`): the value's
//! type byte and body as in an RDB file, then the RDB version (2 bytes,
//! little-endian) and the CRC-64 of everything before it (8 bytes,
//! little-endian).

use super::read::Reader;
use super::write::Writer;
use super::{crc64, RdbError, RDB_VERSION};
use crate::model::encoding::Enc;
use crate::model::value::Value;

/// RESTORE's reply when the footer does not check.
pub const BAD_PAYLOAD: &str = "ERR DUMP payload version or checksum are wrong";
/// RESTORE's reply when the body does not decode.
pub const BAD_FORMAT: &str = "ERR Bad data format";

/// The DUMP payload of `v` (always LZF-compressed where it helps, as
/// Redis with `rdbcompression yes`; `compress` follows the setting).
pub fn dump(v: &Value, compress: bool) -> Vec<u8> {
    let mut w = Writer::new(compress);
    w.byte(Writer::type_of(v));
    w.value(v);
    w.out.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = crc64::update(0, &w.out);
    w.out.extend_from_slice(&crc.to_le_bytes());
    w.out
}

/// `DEBUG SET-SKIP-CHECKSUM-VALIDATION 1`: RESTORE payloads and RDB files
/// are taken without checking their CRC64 (Redis's
/// `skip_checksum_validation`, for tests that hand-craft corrupt payloads).
pub static SKIP_CHECKSUM: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// True while checksums are checked ([`SKIP_CHECKSUM`]).
pub fn checking() -> bool {
    !SKIP_CHECKSUM.load(std::sync::atomic::Ordering::Relaxed)
}

/// Checks a payload's footer: at least 10 bytes, a version not newer than
/// ours, and the checksum (unless [`SKIP_CHECKSUM`]).
pub fn verify(p: &[u8]) -> bool {
    if p.len() < 10 {
        return false;
    }
    let f = &p[p.len() - 10..];
    if u16::from_le_bytes([f[0], f[1]]) > RDB_VERSION {
        return false;
    }
    let mut w = [0u8; 8];
    w.copy_from_slice(&f[2..]);
    !checking() || crc64::update(0, &p[..p.len() - 8]) == u64::from_le_bytes(w)
}

/// Why a payload was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refused {
    /// The footer does not check ([`BAD_PAYLOAD`]).
    Payload,
    /// The body does not decode ([`BAD_FORMAT`]), for the reason given
    /// (what Redis logs at `verbose`), or is an empty collection (`None`:
    /// Redis logs nothing).
    Format(Option<RdbError>),
}

impl Refused {
    /// RESTORE's error reply.
    pub fn reply(&self) -> &'static str {
        match self {
            Refused::Payload => BAD_PAYLOAD,
            Refused::Format(_) => BAD_FORMAT,
        }
    }
}

/// The value in a payload (RESTORE). `deep`: packed encodings are checked
/// in full ([`Reader::deep`]; Redis's `sanitize-dump-payload`).
pub fn restore(p: &[u8], enc: &Enc, deep: bool) -> Result<Value, Refused> {
    if !verify(p) {
        return Err(Refused::Payload);
    }
    let body = &p[..p.len() - 10];
    let mut r = Reader::new(body).deep(deep);
    let decoded: Result<Option<Value>, RdbError> = r.byte().and_then(|ty| r.value(ty, enc));
    match decoded {
        Ok(Some(v)) => Ok(v),
        Ok(None) => Err(Refused::Format(None)),
        Err(e) => Err(Refused::Format(Some(e))),
    }
}
