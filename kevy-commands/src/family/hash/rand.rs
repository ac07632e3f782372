//! HRANDFIELD: random fields, with Redis's reply shapes (a bulk without a
//! count; an array with one, distinct fields for a positive count, repeats
//! allowed for a negative one; pairs WITHVALUES).

use super::hash_mut;
use crate::base::error::{Error, OpResult};
use crate::base::random;
use crate::base::resp;
use crate::base::resp::Reply;
use crate::family::opts::{keyword, long_not_min, repeats_allowed, OUT_OF_RANGE};
use crate::family::Call;
use crate::model::types::hash::Hash;

/// Appends one pair: the field, and the value when `values`.
fn write_pair(out: &mut Reply<'_>, (f, v): (&[u8], &[u8]), values: bool) {
    if values {
        resp::pair(out);
    }
    resp::bulk(out, f);
    if values {
        resp::bulk(out, v);
    }
}

/// HRANDFIELD with a count `n` over `h` (Redis's
/// `hrandfieldWithCountCommand`).
/// `cap`: the reply size past which repeated picks stop (see
/// [`repeats_allowed`]).
fn write_random(
    out: &mut Reply<'_>,
    h: &Hash,
    n: i64,
    values: bool,
    cap: Option<usize>,
) -> OpResult<()> {
    // RESP3 nests each pair in its own array.
    let per = 1 + (values && !out.resp3()) as usize;
    let want = usize::try_from(n.unsigned_abs()).unwrap_or(usize::MAX);
    if n < 0 || n == 1 {
        let stop = repeats_allowed(n, out.len(), cap)?;
        // A packed hash walks to a position; index a snapshot of it instead.
        let snapshot: Vec<(&[u8], &[u8])> = if h.is_packed() {
            h.iter().collect()
        } else {
            Vec::new()
        };
        let pick = || match h.is_packed() {
            true => snapshot.get(random::below(snapshot.len())).copied(),
            false => h.random(),
        };
        resp::array(out, want * per);
        for _ in 0..want {
            if let Some(pair) = pick() {
                write_pair(out, pair, values);
            }
            if out.len() > stop {
                break;
            }
        }
    } else if want >= h.len() {
        resp::array(out, h.len() * per);
        h.iter().for_each(|pair| write_pair(out, pair, values));
    } else {
        let picks = h.distinct(want);
        resp::array(out, picks.len() * per);
        for pair in picks {
            write_pair(out, pair, values);
        }
    }
    Ok(())
}

/// HRANDFIELD key \[count \[WITHVALUES\]\]
pub fn hrandfield(c: &mut Call<'_>) {
    let out = &mut *c.out;
    let r: OpResult<_> = (|| {
        if c.args.len() >= 3 {
            let n = long_not_min(c.args.at(2))?;
            let values = match c.args.len() {
                3 => false,
                4 if keyword(c.args.at(3), "withvalues") => true,
                _ => return Err(Error::Syntax),
            };
            if values && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&n) {
                return Err(OUT_OF_RANGE);
            }
            let cap = c.db.limits().reply_cap();
            match hash_mut(c.db, c.args.at(1), &c.now)? {
                Some(h) if n != 0 => write_random(out, h, n, values, cap)?,
                _ => resp::array(out, 0),
            }
        } else {
            let h = hash_mut(c.db, c.args.at(1), &c.now)?;
            resp::bulk_or_null(out, h.and_then(|h| h.random()).map(|(f, _)| f));
        }
        Ok(())
    })();
    if let Err(e) = r {
        e.write(c.args, out);
    }
}
