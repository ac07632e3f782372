//! The timeout argument of the blocking commands, read as Redis reads it;
//! the list and sorted-set families' blocking forms check it at resolve
//! time ([`check_last`]) and read it when they park ([`timeout`]).

use std::time::Duration;

use kevy_rt::Args;

use crate::base::error::{Error, OpResult};
use crate::base::float::parse_bound;

/// `ERR timeout is not a float or out of range`.
pub(super) const NOT_FLOAT: Error = Error::Message("ERR timeout is not a float or out of range");
/// `ERR timeout is negative`.
pub(super) const NEGATIVE: Error = Error::Message("ERR timeout is negative");

/// Redis's `getTimeoutFromObjectOrReply` in seconds: a `long double`
/// (no leading space, no NaN; `inf` and hexadecimal accepted), times 1000
/// rounded up to whole milliseconds; 0 waits forever. Values past the
/// 64-bit range turn negative, as Redis's conversion does.
pub fn timeout(arg: &[u8]) -> OpResult<Option<Duration>> {
    if arg.is_empty() || arg[0].is_ascii_whitespace() || arg.len() >= 5 * 1024 {
        return Err(NOT_FLOAT);
    }
    let v = parse_bound(arg).filter(|v| !v.is_nan()).ok_or(NOT_FLOAT)?;
    let ms = (v * 1000.0).ceil();
    // Past the 64-bit range (2^63 as a double) Redis's cast gives a
    // negative number.
    if !ms.is_finite() || !(i64::MIN as f64..i64::MAX as f64).contains(&ms) {
        return Err(NEGATIVE);
    }
    match ms as i64 {
        n if n < 0 => Err(NEGATIVE),
        0 => Ok(None),
        n => Ok(Some(Duration::from_millis(n as u64))),
    }
}

/// The resolve-time check of a command whose timeout is its last argument.
pub fn check_last(args: Args<'_>) -> Result<(), Error> {
    timeout(args.at(args.len() - 1)).map(drop)
}
