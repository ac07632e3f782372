//! Commands that search a list: LINSERT, LREM and LPOS.

use super::list_mut;
use crate::base::error::{Error, OpResult};
use crate::base::num::int_arg;
use crate::base::resp;
use crate::family::opts::{keyword, non_negative};
use crate::family::Call;
use crate::store::db::{Clock, Db};

/// Inserts `element` before (or `after`) the first `pivot` of the list at
/// `key`: the new length, -1 without the pivot, 0 without the key.
fn op_linsert(
    db: &mut Db,
    key: &[u8],
    after: bool,
    pivot: &[u8],
    element: &[u8],
    now: &Clock,
) -> OpResult<i64> {
    let enc = db.enc();
    let Some(l) = list_mut(db, key, now)? else {
        return Ok(0);
    };
    let Some(at) = l.reader().iter().position(|e| e == pivot) else {
        return Ok(-1);
    };
    l.insert(at + after as usize, element, &enc);
    Ok(l.len() as i64)
}

/// LINSERT key BEFORE | AFTER pivot element
pub fn linsert(c: &mut Call<'_>) {
    let r: OpResult<_> = (|| {
        let where_ = c.args.at(2);
        let after = if keyword(where_, "after") {
            true
        } else if keyword(where_, "before") {
            false
        } else {
            return Err(Error::Syntax);
        };
        let (key, pivot, element) = (c.args.at(1), c.args.at(3), c.args.at(4));
        op_linsert(c.db, key, after, pivot, element, &c.now)
    })();
    match r {
        Ok(n) => resp::int(c.out, n),
        Err(e) => e.write(c.args, c.out),
    }
}

/// Removes `count` occurrences of `element` (all for 0, from the tail for a
/// negative count) from the list at `key`; returns how many went.
fn op_lrem(db: &mut Db, key: &[u8], count: i64, element: &[u8], now: &Clock) -> OpResult<i64> {
    let enc = db.enc();
    let Some(l) = list_mut(db, key, now)? else {
        return Ok(0);
    };
    let limit = match count.unsigned_abs() {
        0 => usize::MAX,
        n => usize::try_from(n).unwrap_or(usize::MAX),
    };
    let r = l.reader();
    let mut positions: Vec<usize> = if count >= 0 {
        r.iter()
            .enumerate()
            .filter(|(_, e)| *e == element)
            .map(|(i, _)| i)
            .take(limit)
            .collect()
    } else {
        let len = l.len();
        r.iter()
            .rev()
            .enumerate()
            .filter(|(_, e)| *e == element)
            .map(|(i, _)| len - 1 - i)
            .take(limit)
            .collect()
    };
    if count < 0 {
        positions.reverse();
    }
    if !positions.is_empty() {
        l.remove_positions(&positions, &enc);
        if l.is_empty() {
            db.remove(key, now);
        }
    }
    Ok(positions.len() as i64)
}

/// LREM key count element
pub fn lrem(c: &mut Call<'_>) {
    let r = int_arg(c.args.at(2))
        .and_then(|count| op_lrem(c.db, c.args.at(1), count, c.args.at(3), &c.now));
    match r {
        Ok(n) => resp::int(c.out, n),
        Err(e) => e.write(c.args, c.out),
    }
}

/// LPOS's options. `count` is `None` without COUNT; `rank` keeps Redis's
/// arithmetic, including what `RANK -9223372036854775808` does in C (the
/// negation overflows, so every match ranks and COUNT never stops it).
#[derive(Clone, Copy, Debug)]
struct LposOpts {
    rank: i64,
    count: Option<i64>,
    maxlen: i64,
}

fn parse_lpos(c: &Call<'_>) -> OpResult<LposOpts> {
    let mut o = LposOpts {
        rank: 1,
        count: None,
        maxlen: 0,
    };
    let args = c.args;
    let mut j = 3;
    while j < args.len() {
        let (opt, more) = (args.at(j), j + 1 < args.len());
        if more && keyword(opt, "rank") {
            o.rank = int_arg(args.at(j + 1))?;
            if o.rank == 0 {
                return Err(Error::Message(
                    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the \
                     second ... or use negative to start from the end of the list",
                ));
            }
        } else if more && keyword(opt, "count") {
            let msg = Error::Message("ERR COUNT can't be negative");
            o.count = Some(non_negative(args.at(j + 1), msg)?);
        } else if more && keyword(opt, "maxlen") {
            let msg = Error::Message("ERR MAXLEN can't be negative");
            o.maxlen = non_negative(args.at(j + 1), msg)?;
        } else {
            return Err(Error::Syntax);
        }
        j += 2;
    }
    Ok(o)
}

/// The positions LPOS reports: `None` when the key is missing.
fn op_lpos(
    db: &mut Db,
    key: &[u8],
    element: &[u8],
    o: LposOpts,
    now: &Clock,
) -> OpResult<Option<Vec<i64>>> {
    let Some(l) = list_mut(db, key, now)? else {
        return Ok(None);
    };
    // A negative rank searches from the tail (i64::MIN stays negative).
    let (from_tail, rank) = if o.rank < 0 {
        (true, o.rank.wrapping_neg())
    } else {
        (false, o.rank)
    };
    let len = l.len();
    let limit = match o.maxlen {
        0 => usize::MAX,
        n => usize::try_from(n).unwrap_or(usize::MAX),
    };
    let r = l.reader();
    let elems: Box<dyn Iterator<Item = &[u8]>> = if from_tail {
        Box::new(r.iter().rev())
    } else {
        Box::new(r.iter())
    };
    let mut found = Vec::new();
    let mut matches: i64 = 0;
    for (index, e) in elems.take(limit).enumerate() {
        if e != element {
            continue;
        }
        matches += 1;
        if matches < rank {
            continue;
        }
        found.push(if from_tail { len - index - 1 } else { index } as i64);
        match o.count {
            None => break,
            Some(count) => {
                if count != 0 && matches.wrapping_sub(rank).wrapping_add(1) >= count {
                    break;
                }
            }
        }
    }
    Ok(Some(found))
}

/// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
pub fn lpos(c: &mut Call<'_>) {
    let r = parse_lpos(c)
        .and_then(|o| op_lpos(c.db, c.args.at(1), c.args.at(2), o, &c.now).map(|found| (o, found)));
    match r {
        Ok((o, found)) => match (o.count, found) {
            (None, found) => match found.and_then(|f| f.first().copied()) {
                Some(i) => resp::int(c.out, i),
                None => resp::null(c.out),
            },
            (Some(_), found) => {
                let found = found.unwrap_or_default();
                resp::array(c.out, found.len());
                for i in found {
                    resp::int(c.out, i);
                }
            }
        },
        Err(e) => e.write(c.args, c.out),
    }
}
