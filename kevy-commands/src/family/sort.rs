//! SORT and SORT_RO (Redis's `sort.c`).
//!
//! `SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC]
//! [ALPHA] [STORE destination]` sorts the elements of a list or set
//! (numerically, or bytewise with ALPHA), by themselves or by the values of
//! the keys a BY pattern names (`weight_*`, or `hash_*->field`), and replies
//! the elements or the values GET patterns name (`#`: the element), or
//! stores them as a list.
//!
//! The work is a [`Job`]: built from the options and the source's elements,
//! it asks for the values its patterns name ([`Job::by_refs`],
//! [`Job::get_refs`]), sorts, and produces the output. The keys patterns
//! name live anywhere, so SORT is planned: when every key it may touch lives
//! on the source's shard (no pattern, or patterns with a `{tag}` before
//! their `*`), the whole command runs there, atomically; otherwise a
//! [`SortPlan`] loads the elements, fetches the BY values from their
//! shards, sorts on the origin, fetches the GET values, and stores the
//! result on the destination's shard, each a round.

use std::cmp::Ordering;

use kevy_rt::Args;

use crate::base::error::{cstr, Error, OpResult};
use crate::base::num::{int_arg, sort_score, I64_BUF};
use crate::base::resp;
use crate::base::resp::Reply;
use crate::family::opts::keyword;
use crate::model::types::list::{End, List};
use crate::model::value::{Bytes, Value};
use crate::store::db::{Clock, Db};

mod plan;

pub use crate::cross::keys::Source;
pub use plan::{check_sort, check_sort_ro, getkeys, getkeys_ro, plan_sort, plan_sort_ro, SortPlan};

/// A score that is not a number.
const BAD_SCORE: Error = Error::Message("ERR One or more scores can't be converted into double");

/// SORT's options, parsed as Redis's `sortCommandGeneric` does.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SortSpec {
    /// DESC.
    pub desc: bool,
    /// ALPHA.
    pub alpha: bool,
    /// LIMIT offset count (default `0, -1`).
    pub limit: (i64, i64),
    /// The last BY pattern.
    pub by: Option<Bytes>,
    /// A BY pattern without `*` was given: no sorting (kept even when a
    /// later BY has one, as in Redis).
    pub dontsort: bool,
    /// The GET patterns, in order.
    pub gets: Vec<Bytes>,
    /// STORE destination.
    pub store: Option<Bytes>,
    /// Called from a script: a set sorted BY a constant comes out sorted
    /// ALPHA, as with STORE, for a reproducible result.
    pub script: bool,
}

/// Parses SORT's options (SORT_RO's when `readonly`: no STORE).
pub fn parse(args: Args<'_>, readonly: bool) -> OpResult<SortSpec> {
    let mut s = SortSpec {
        limit: (0, -1),
        ..SortSpec::default()
    };
    let mut j = 2;
    while j < args.len() {
        let left = args.len() - j - 1;
        let arg = args.at(j);
        if keyword(arg, "asc") {
            s.desc = false;
        } else if keyword(arg, "desc") {
            s.desc = true;
        } else if keyword(arg, "alpha") {
            s.alpha = true;
        } else if keyword(arg, "limit") && left >= 2 {
            s.limit = (int_arg(args.at(j + 1))?, int_arg(args.at(j + 2))?);
            j += 2;
        } else if !readonly && keyword(arg, "store") && left >= 1 {
            s.store = Some(Bytes::from_slice(args.at(j + 1)));
            j += 1;
        } else if keyword(arg, "by") && left >= 1 {
            let p = args.at(j + 1);
            if memchr::memchr(b'*', cstr(p)).is_none() {
                s.dontsort = true;
            }
            s.by = Some(Bytes::from_slice(p));
            j += 1;
        } else if keyword(arg, "get") && left >= 1 {
            s.gets.push(Bytes::from_slice(args.at(j + 1)));
            j += 1;
        } else {
            return Err(Error::Syntax);
        }
        j += 1;
    }
    Ok(s)
}

/// The elements of the value SORT reads: a missing key is an empty list,
/// a type other than list, set or sorted set is `WrongType`.
pub fn load(v: Option<&Value>) -> OpResult<Source> {
    match v {
        None => Ok(Source {
            ordered: true,
            elems: Vec::new(),
        }),
        Some(Value::List(l)) => Ok(Source {
            ordered: true,
            elems: l.reader().iter().map(Bytes::from_slice).collect(),
        }),
        Some(Value::Set(s)) => Ok(Source {
            ordered: false,
            elems: s.iter().map(|m| m.to_bytes()).collect(),
        }),
        // A sorted set reads in score order, which BY nosort keeps (as Redis).
        Some(Value::ZSet(z)) => Ok(Source {
            ordered: true,
            elems: z
                .iter(0, false)
                .map(|(m, _)| Bytes::from_slice(m))
                .collect(),
        }),
        Some(Value::Int(_) | Value::Str(_) | Value::Hash(_) | Value::Stream(_)) => {
            Err(Error::WrongType)
        }
    }
}

/// A key a pattern names, and the hash field when it has `->field`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ref {
    /// The key.
    pub key: Vec<u8>,
    /// The hash field.
    pub field: Option<Vec<u8>>,
}

/// What a pattern gives for one element (Redis's `lookupKeyByPattern`).
enum Subst {
    /// `#`: the element itself.
    Elem,
    /// No `*`: nothing.
    Nothing,
    /// The value of a key (or of a hash field).
    Key(Ref),
}

/// Substitutes `elem` for the first `*` of `pattern`, with C's string rules:
/// `#` must be the whole C string, `*` and `->` are searched up to the first
/// NUL; `->` counts only with a field after it.
fn substitute(pattern: &[u8], elem: &[u8]) -> Subst {
    if pattern.first() == Some(&b'#') && pattern.get(1).is_none_or(|&c| c == 0) {
        return Subst::Elem;
    }
    let c = cstr(pattern);
    let Some(star) = memchr::memchr(b'*', c) else {
        return Subst::Nothing;
    };
    let arrow = memchr::memmem::find(&c[star + 1..], b"->")
        .map(|f| star + 1 + f)
        .filter(|&f| f + 2 < c.len());
    let post_end = arrow.unwrap_or(pattern.len());
    let mut key = Vec::with_capacity(post_end + elem.len());
    key.extend_from_slice(&pattern[..star]);
    key.extend_from_slice(elem);
    key.extend_from_slice(&pattern[star + 1..post_end]);
    Subst::Key(Ref {
        key,
        field: arrow.map(|f| pattern[f + 2..].to_vec()),
    })
}

/// The value a [`Ref`] names: a string, or a field of a hash; nothing for a
/// missing key or field or another type. The read counts as an access.
pub fn lookup(db: &mut Db, r: &Ref, now: &Clock) -> Option<Bytes> {
    let v = db.get(&r.key, now)?;
    match &r.field {
        Some(f) => v.as_hash().ok()?.get(f).map(Bytes::from_slice),
        None => {
            let mut buf = I64_BUF;
            v.as_bytes(&mut buf).ok().map(Bytes::from_slice)
        }
    }
}

/// One element and what it sorts by.
#[derive(Clone, Debug)]
struct Item {
    elem: Bytes,
    score: f64,
    /// ALPHA with BY: the BY value (none when missing).
    cmp: Option<Bytes>,
}

/// A SORT in progress; see the module docs.
#[derive(Clone, Debug)]
pub struct Job {
    items: Vec<Item>,
    /// The output window `start..=end` (Redis's signed bounds).
    start: i64,
    end: i64,
    dontsort: bool,
    alpha: bool,
    desc: bool,
    by: Option<Bytes>,
    gets: Vec<Bytes>,
    store: bool,
}

impl Job {
    /// Loads the vector as Redis does: LIMIT bounds clamped to the size, and
    /// for an ordered source with BY nosort only the window, walked from the
    /// tail for DESC.
    pub fn new(spec: &SortSpec, src: Source) -> Job {
        let (mut dontsort, mut alpha, mut by) = (spec.dontsort, spec.alpha, spec.by.clone());
        if dontsort && !src.ordered && (spec.store.is_some() || spec.script) {
            // A set has no order to keep: STORE sorts it, for a result that
            // replicas and scripts can reproduce.
            (dontsort, alpha, by) = (false, true, None);
        }
        let n = src.elems.len() as i64;
        let mut start = spec.limit.0.max(0).min(n);
        let count = spec.limit.1.max(-1).min(n);
        let mut end = if count < 0 { n - 1 } else { start + count - 1 };
        if start >= n {
            start = n - 1;
            end = n - 2;
        }
        if end >= n {
            end = n - 1;
        }
        let elems = if src.ordered && dontsort {
            if end >= start {
                let len = (end - start + 1) as usize;
                let from = start as usize;
                let picked: Vec<Bytes> = if spec.desc {
                    let upto = src.elems.len() - from;
                    src.elems[..upto].iter().rev().take(len).cloned().collect()
                } else {
                    src.elems.into_iter().skip(from).take(len).collect()
                };
                end -= start;
                start = 0;
                picked
            } else {
                Vec::new()
            }
        } else {
            src.elems
        };
        Job {
            items: elems
                .into_iter()
                .map(|elem| Item {
                    elem,
                    score: 0.0,
                    cmp: None,
                })
                .collect(),
            start,
            end,
            dontsort,
            alpha,
            desc: spec.desc,
            by,
            gets: spec.gets.clone(),
            store: spec.store.is_some(),
        }
    }

    /// The BY pattern, when the job sorts by one.
    fn sort_by(&self) -> Option<&[u8]> {
        (!self.dontsort).then_some(self.by.as_deref()).flatten()
    }

    /// The keys [`Job::sort`] reads, in the order it reads them.
    pub fn by_refs(&self) -> Vec<Ref> {
        let Some(by) = self.sort_by() else {
            return Vec::new();
        };
        self.items
            .iter()
            .filter_map(|it| match substitute(by, &it.elem) {
                Subst::Key(r) => Some(r),
                Subst::Elem | Subst::Nothing => None,
            })
            .collect()
    }

    /// Computes what each element sorts by (`fetch` gives the value of each
    /// of [`Job::by_refs`], in order) and sorts. A score that is not a
    /// number fails the whole command, as in Redis.
    pub fn sort(&mut self, mut fetch: impl FnMut(&Ref) -> Option<Bytes>) -> OpResult<()> {
        if self.dontsort {
            return Ok(());
        }
        let by = self.sort_by().map(<[u8]>::to_vec);
        let mut bad = false;
        for it in &mut self.items {
            let value = match &by {
                Some(p) => match substitute(p, &it.elem) {
                    Subst::Key(r) => fetch(&r),
                    Subst::Elem => Some(it.elem.clone()),
                    Subst::Nothing => None,
                },
                None => None,
            };
            if self.alpha {
                it.cmp = value;
                continue;
            }
            let scored = match (&by, &value) {
                (Some(_), None) => continue,
                (Some(_), Some(v)) => sort_score(v),
                (None, _) => sort_score(&it.elem),
            };
            match scored {
                Some(s) => it.score = s,
                None => bad = true,
            }
        }
        let (alpha, by_pattern, store, desc) = (self.alpha, by.is_some(), self.store, self.desc);
        let mut cmp = |a: &Item, b: &Item| {
            let o = compare(a, b, alpha, by_pattern, store);
            if desc {
                o.reverse()
            } else {
                o
            }
        };
        let last = self.items.len() as i64 - 1;
        if by_pattern && (self.start != 0 || self.end != last) {
            // Redis sorts only the window, with its own quicksort: equal
            // elements come out in that algorithm's order.
            let (l, r) = (self.start.max(0) as usize, self.end.max(0) as usize);
            crate::base::pqsort::pqsort(&mut self.items, &mut cmp, l, r);
        } else {
            // glibc's qsort, a merge sort: stable.
            self.items.sort_by(cmp);
        }
        if bad {
            return Err(BAD_SCORE);
        }
        Ok(())
    }

    /// The elements of the output window.
    fn window(&self) -> &[Item] {
        if self.end < self.start || self.start < 0 {
            return &[];
        }
        let (s, e) = (self.start as usize, self.end as usize);
        self.items.get(s..=e).unwrap_or(&[])
    }

    /// The keys [`Job::output`] reads, in the order it reads them.
    pub fn get_refs(&self) -> Vec<Ref> {
        let mut refs = Vec::new();
        for it in self.window() {
            for g in &self.gets {
                if let Subst::Key(r) = substitute(g, &it.elem) {
                    refs.push(r);
                }
            }
        }
        refs
    }

    /// The output: the window's elements, or for each of them the value of
    /// each GET pattern (`fetch` gives those of [`Job::get_refs`], in order).
    pub fn output(&self, mut fetch: impl FnMut(&Ref) -> Option<Bytes>) -> Vec<Option<Bytes>> {
        let window = self.window();
        if self.gets.is_empty() {
            return window.iter().map(|it| Some(it.elem.clone())).collect();
        }
        let mut out = Vec::with_capacity(window.len() * self.gets.len());
        for it in window {
            for g in &self.gets {
                out.push(match substitute(g, &it.elem) {
                    Subst::Elem => Some(it.elem.clone()),
                    Subst::Nothing => None,
                    Subst::Key(r) => fetch(&r),
                });
            }
        }
        out
    }
}

/// Redis's `sortCompare` (before DESC): numeric scores with ties broken by
/// the elements' bytes; ALPHA by the BY values (missing ones first) or by
/// the elements, as C strings (`strcoll` in the C locale) unless storing.
fn compare(a: &Item, b: &Item, alpha: bool, by_pattern: bool, store: bool) -> Ordering {
    let text = |x: &[u8], y: &[u8]| {
        if store {
            x.cmp(y)
        } else {
            cstr(x).cmp(cstr(y))
        }
    };
    if !alpha {
        return match a.score.partial_cmp(&b.score) {
            Some(Ordering::Equal) | None => a.elem.cmp(&b.elem),
            Some(o) => o,
        };
    }
    if !by_pattern {
        return text(&a.elem, &b.elem);
    }
    match (&a.cmp, &b.cmp) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => text(x, y),
    }
}

/// Writes SORT's reply, or stores the output at `store` and replies its
/// length.
fn finish(
    db: &mut Db,
    store: Option<&[u8]>,
    output: Vec<Option<Bytes>>,
    now: &Clock,
    out: &mut Reply<'_>,
) {
    match store {
        Some(dst) => {
            let n = output.len();
            let values: Vec<Bytes> = output.into_iter().map(Option::unwrap_or_default).collect();
            op_store(db, dst, values.iter().map(|v| &v[..]), now);
            resp::int(out, n as i64);
        }
        None => {
            resp::array(out, output.len());
            output
                .iter()
                .for_each(|v| resp::bulk_or_null(out, v.as_deref()));
        }
    }
}

/// The whole of SORT on one shard (`readonly`: SORT_RO; `script`: called
/// from a script).
pub fn op_sort(
    db: &mut Db,
    args: Args<'_>,
    (readonly, script): (bool, bool),
    now: &Clock,
    out: &mut Reply<'_>,
) {
    let r = (|| -> OpResult<_> {
        let mut spec = parse(args, readonly)?;
        spec.script = script;
        let src = op_load(db, args.at(1), now)?;
        let mut job = Job::new(&spec, src);
        job.sort(|r| lookup(db, r, now))?;
        let output = job.output(|r| lookup(db, r, now));
        Ok((spec.store, output))
    })();
    match r {
        Ok((store, output)) => finish(db, store.as_deref(), output, now, out),
        Err(e) => e.write(args, out),
    }
}

/// Reads the elements SORT sorts from `key` (the read counts as an access).
pub fn op_load(db: &mut Db, key: &[u8], now: &Clock) -> OpResult<Source> {
    let v = db.get(key, now);
    let v = v.map(|v| {
        if let Value::ZSet(z) = v {
            z.convert();
        }
        &*v
    });
    load(v)
}

/// Looks up `key, flag, field` triples (flag `f`: a hash field).
pub fn op_fetch(db: &mut Db, args: Args<'_>, now: &Clock) -> Vec<Option<Bytes>> {
    (0..args.len() / 3)
        .map(|i| {
            let r = Ref {
                key: args.at(3 * i).to_vec(),
                field: (args.at(3 * i + 1) == b"f").then(|| args.at(3 * i + 2).to_vec()),
            };
            lookup(db, &r, now)
        })
        .collect()
}

/// Stores SORT's result: `key` becomes a list of `values` (without a time
/// to live), or is deleted when there are none.
pub fn op_store<'v>(db: &mut Db, key: &[u8], values: impl Iterator<Item = &'v [u8]>, now: &Clock) {
    let mut list = List::new();
    let enc = db.enc();
    values.for_each(|v| list.push(End::Right, v, &enc));
    if list.is_empty() {
        db.remove(key, now);
    } else {
        db.set(key, Value::List(list), now, false, None);
    }
}

#[cfg(test)]
mod tests;
