//! Strings as byte arrays: APPEND, STRLEN, GETRANGE, SETRANGE, with the
//! 512 MB limit of Redis's `checkStringLength`.

use crate::base::error::{Error, OpResult};
use crate::base::num::{int_arg, I64_BUF};
use crate::base::resp;
use crate::family::Call;
use crate::model::value::{Bytes, Value, MAX_STRING};
use crate::store::db::{Clock, Db};

/// Redis's `checkStringLength`: a string of `len + extra` bytes must fit.
fn check_len(len: usize, extra: usize) -> OpResult<()> {
    match len.checked_add(extra) {
        Some(total) if total <= MAX_STRING => Ok(()),
        _ => Err(Error::StringTooLong),
    }
}

/// Appends `data` to the string at `key` (created when missing).
fn op_append(db: &mut Db, key: &[u8], data: &[u8], now: &Clock) -> OpResult<usize> {
    match db.get(key, now) {
        Some(v) => {
            check_len(v.str_len()?, data.len())?;
            let s = v.make_raw()?;
            s.extend_from_slice(data);
            Ok(s.len())
        }
        None => {
            db.set(key, Value::string(data), now, false, None);
            Ok(data.len())
        }
    }
}

/// APPEND key value
pub fn append(c: &mut Call<'_>) {
    match op_append(c.db, c.args.at(1), c.args.at(2), &c.now) {
        Ok(n) => resp::int(c.out, n as i64),
        Err(e) => e.write(c.args, c.out),
    }
}

/// STRLEN key
pub fn strlen(c: &mut Call<'_>) {
    let r = match c.db.get(c.args.at(1), &c.now) {
        Some(v) => v.str_len(),
        None => Ok(0),
    };
    match r {
        Ok(n) => resp::int(c.out, n as i64),
        Err(e) => e.write(c.args, c.out),
    }
}

/// Redis's `getrangeCommand` index arithmetic: the byte range of a string of
/// `len` bytes that `start..=end` selects, if any.
fn range_of(start: i64, end: i64, len: usize) -> Option<std::ops::Range<usize>> {
    if start < 0 && end < 0 && start > end {
        return None;
    }
    let len = len as i128;
    let (mut start, mut end) = (start as i128, end as i128);
    if start < 0 {
        start += len;
    }
    if end < 0 {
        end += len;
    }
    start = start.max(0);
    end = end.max(0).min(len - 1);
    if start > end || len == 0 {
        return None;
    }
    Some(start as usize..end as usize + 1)
}

/// GETRANGE key start end
pub fn getrange(c: &mut Call<'_>) {
    let r = (|| -> OpResult<()> {
        let start = int_arg(c.args.at(2))?;
        let end = int_arg(c.args.at(3))?;
        let Some(v) = c.db.get(c.args.at(1), &c.now) else {
            c.out.extend_from_slice(resp::EMPTY_BULK);
            return Ok(());
        };
        let mut buf = I64_BUF;
        let s = v.as_bytes(&mut buf)?;
        match range_of(start, end, s.len()).and_then(|r| s.get(r)) {
            Some(part) => resp::bulk(c.out, part),
            None => c.out.extend_from_slice(resp::EMPTY_BULK),
        }
        Ok(())
    })();
    if let Err(e) = r {
        e.write(c.args, c.out);
    }
}

/// Writes `data` at `offset` of the string at `key`, zero-padding as needed.
fn op_setrange(
    db: &mut Db,
    key: &[u8],
    offset: usize,
    data: &[u8],
    now: &Clock,
) -> OpResult<usize> {
    let Some(v) = db.get(key, now) else {
        if data.is_empty() {
            return Ok(0);
        }
        check_len(offset, data.len())?;
        // Sized once, as Redis's `sdsnewlen(offset + len)`: growing a
        // buffer of `offset` zeros by the data doubled it.
        let mut s = Bytes::with_capacity(offset + data.len());
        s.resize(offset, 0);
        s.extend_from_slice(data);
        let len = s.len();
        db.set(key, Value::raw(s), now, false, None);
        return Ok(len);
    };
    let len = v.str_len()?;
    if data.is_empty() {
        return Ok(len);
    }
    check_len(offset, data.len())?;
    let s = v.make_raw()?;
    let end = offset + data.len();
    if s.len() < end {
        s.resize(end, 0);
    }
    s[offset..end].copy_from_slice(data);
    Ok(s.len())
}

/// SETRANGE key offset value
pub fn setrange(c: &mut Call<'_>) {
    let r = int_arg(c.args.at(2)).and_then(|off| {
        let off = usize::try_from(off).map_err(|_| Error::OffsetOutOfRange)?;
        op_setrange(c.db, c.args.at(1), off, c.args.at(3), &c.now)
    });
    match r {
        Ok(n) => resp::int(c.out, n as i64),
        Err(e) => e.write(c.args, c.out),
    }
}
