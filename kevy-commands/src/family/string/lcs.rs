//! LCS: the longest common subsequence of two strings, by Redis's dynamic
//! programming table (`lcsCommand`), with LEN, IDX, MINMATCHLEN and
//! WITHMATCHLEN. Keys on two shards are fetched to the origin first (see
//! [`crate::family::bitmap::plan_lcs`]).

use kevy_rt::Args;

use crate::base::error::{cstr, Error, OpResult};
use crate::base::num::{int_arg, I64_BUF};
use crate::base::resp;
use crate::base::resp::Reply;
use crate::family::Call;
use crate::model::value::MAX_STRING;

/// A key holding another type.
pub const LCS_NOT_STRINGS: &str = "ERR The specified keys must contain string values";
/// LEN together with IDX.
const LEN_AND_IDX: Error =
    Error::Message("ERR If you want both the length and indexes, please just use IDX.");
/// A table larger than `proto-max-bulk-len`.
const TABLE_TOO_BIG: Error =
    Error::Message("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
/// A table that could not be allocated.
const NO_MEMORY: Error =
    Error::Message("ERR Insufficient memory, failed allocating transient memory for LCS");

/// LCS's options.
struct LcsOpts {
    len: bool,
    idx: bool,
    withmatchlen: bool,
    minmatchlen: u64,
}

fn parse_opts(args: Args<'_>) -> OpResult<LcsOpts> {
    let mut o = LcsOpts {
        len: false,
        idx: false,
        withmatchlen: false,
        minmatchlen: 0,
    };
    let mut j = 3;
    while j < args.len() {
        let opt = cstr(args.at(j));
        let more = args.len() - 1 - j;
        if opt.eq_ignore_ascii_case(b"idx") {
            o.idx = true;
        } else if opt.eq_ignore_ascii_case(b"len") {
            o.len = true;
        } else if opt.eq_ignore_ascii_case(b"withmatchlen") {
            o.withmatchlen = true;
        } else if opt.eq_ignore_ascii_case(b"minmatchlen") && more > 0 {
            o.minmatchlen = int_arg(args.at(j + 1))?.max(0) as u64;
            j += 1;
        } else {
            return Err(Error::Syntax);
        }
        j += 1;
    }
    if o.len && o.idx {
        return Err(LEN_AND_IDX);
    }
    Ok(o)
}

/// Appends one IDX match: `[[a_start, a_end], [b_start, b_end], (len)]`.
fn write_match(out: &mut Vec<u8>, a: (u32, u32), b: (u32, u32), len: Option<u32>) {
    resp::array(out, 2 + usize::from(len.is_some()));
    resp::array(out, 2);
    resp::int(out, i64::from(a.0));
    resp::int(out, i64::from(a.1));
    resp::array(out, 2);
    resp::int(out, i64::from(b.0));
    resp::int(out, i64::from(b.1));
    if let Some(len) = len {
        resp::int(out, i64::from(len));
    }
}

/// LCS of `a` and `b` under the options of `args`, appended as the reply.
fn op_lcs(args: Args<'_>, a: &[u8], b: &[u8], out: &mut Reply<'_>) -> OpResult<()> {
    let o = parse_opts(args)?;
    let (alen, blen) = (a.len(), b.len());
    let cells = (alen as u64 + 1) * (blen as u64 + 1);
    if cells.saturating_mul(4) > MAX_STRING as u64 {
        return Err(TABLE_TOO_BIG);
    }
    let mut lcs: Vec<u32> = Vec::new();
    lcs.try_reserve_exact(cells as usize)
        .map_err(|_| NO_MEMORY)?;
    lcs.resize(cells as usize, 0);
    let w = blen + 1;
    for i in 1..=alen {
        for j in 1..=blen {
            lcs[i * w + j] = if a[i - 1] == b[j - 1] {
                lcs[(i - 1) * w + j - 1] + 1
            } else {
                lcs[(i - 1) * w + j].max(lcs[i * w + j - 1])
            };
        }
    }
    let total = lcs[alen * w + blen];
    let compute = o.idx || !o.len;
    let mut result = vec![0u8; if compute { total as usize } else { 0 }];
    let mut matches = Vec::new();
    let mut nmatches = 0usize;
    // Redis walks back from the end, emitting contiguous ranges.
    let (mut i, mut j, mut idx) = (alen, blen, total as usize);
    let alen32 = alen as u32;
    let (mut a_start, mut a_end, mut b_start, mut b_end) = (alen32, 0u32, 0u32, 0u32);
    while compute && i > 0 && j > 0 {
        let mut emit = false;
        if a[i - 1] == b[j - 1] {
            result[idx - 1] = a[i - 1];
            if a_start == alen32 {
                a_start = (i - 1) as u32;
                a_end = a_start;
                b_start = (j - 1) as u32;
                b_end = b_start;
            } else if a_start == i as u32 && b_start == j as u32 {
                a_start -= 1;
                b_start -= 1;
            } else {
                emit = true;
            }
            if a_start == 0 || b_start == 0 {
                emit = true;
            }
            idx -= 1;
            i -= 1;
            j -= 1;
        } else {
            if lcs[(i - 1) * w + j] > lcs[i * w + j - 1] {
                i -= 1;
            } else {
                j -= 1;
            }
            if a_start != alen32 {
                emit = true;
            }
        }
        let match_len = a_end.wrapping_sub(a_start).wrapping_add(1);
        if emit {
            if (o.minmatchlen == 0 || u64::from(match_len) >= o.minmatchlen) && o.idx {
                let len = o.withmatchlen.then_some(match_len);
                write_match(&mut matches, (a_start, a_end), (b_start, b_end), len);
                nmatches += 1;
            }
            a_start = alen32;
        }
    }
    if o.idx {
        resp::map(out, 2);
        resp::bulk(out, b"matches");
        resp::array(out, nmatches);
        out.extend_from_slice(&matches);
        resp::bulk(out, b"len");
        resp::int(out, i64::from(total));
    } else if o.len {
        resp::int(out, i64::from(total));
    } else {
        resp::bulk(out, &result);
    }
    Ok(())
}

/// Appends LCS's reply for the strings `a` and `b` (missing keys are empty),
/// errors included.
pub fn lcs_reply(args: Args<'_>, a: &[u8], b: &[u8], out: &mut Reply<'_>) {
    if let Err(e) = op_lcs(args, a, b, out) {
        e.write(args, out);
    }
}

/// LCS key1 key2 \[LEN\] \[IDX\] \[MINMATCHLEN min-match-len\] \[WITHMATCHLEN\]
pub fn lcs(c: &mut Call<'_>) {
    let (k1, k2) = (c.args.at(1), c.args.at(2));
    c.db.contains(k1, &c.now);
    c.db.contains(k2, &c.now);
    let view: &crate::store::db::Db = c.db;
    let (mut b1, mut b2) = (I64_BUF, I64_BUF);
    let a = view.get_ref(k1, &c.now).map(|v| v.as_bytes(&mut b1));
    let b = view.get_ref(k2, &c.now).map(|v| v.as_bytes(&mut b2));
    match (a.unwrap_or(Ok(&[])), b.unwrap_or(Ok(&[]))) {
        (Ok(a), Ok(b)) => lcs_reply(c.args, a, b, c.out),
        _ => Error::Message(LCS_NOT_STRINGS).write(c.args, c.out),
    }
}
