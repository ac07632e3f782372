//! SORT's plan: the whole command on the source's shard when every key it
//! may touch lives there, rounds over the shards otherwise.

use kevy_rt::router::hash_tag;
use kevy_rt::{Args, Gather, OwnedArgs, Planned, Router};

use super::{parse, Job, Ref, SortSpec};
use crate::base::error::{cstr, Error};
use crate::base::resp;
use crate::base::resp::Reply;
use crate::cross::keys::{self, KeyOp, KeyPlan, KeyReply};
use crate::cross::{self, Part, PartReply, Plan};
use crate::family::opts::keyword;
use crate::family::spec::key_flags::{ACCESS, OW, RO, UPDATE};
use crate::model::value::Bytes;

/// The resolve-time check of SORT: its options.
pub fn check_sort(args: Args<'_>) -> Result<(), Error> {
    parse(args, false).map(|_| ())
}

/// The resolve-time check of SORT_RO: its options (no STORE).
pub fn check_sort_ro(args: Args<'_>) -> Result<(), Error> {
    parse(args, true).map(|_| ())
}

/// SORT's keys for `COMMAND GETKEYS` (Redis's `sortGetKeys`): the source,
/// and the last STORE destination, skipping the arguments of LIMIT, GET
/// and BY.
pub fn getkeys(args: Args<'_>) -> Vec<(usize, u32)> {
    let mut keys = vec![(1, RO | ACCESS)];
    let mut store = None;
    let mut i = 2;
    while i < args.len() {
        let a = args.at(i);
        if keyword(a, "limit") {
            i += 2;
        } else if keyword(a, "get") || keyword(a, "by") {
            i += 1;
        } else if keyword(a, "store") && i + 1 < args.len() {
            store = Some(i + 1);
        }
        i += 1;
    }
    keys.extend(store.map(|i| (i, OW | UPDATE)));
    keys
}

/// SORT_RO's keys for `COMMAND GETKEYS`: the source.
pub fn getkeys_ro(_: Args<'_>) -> Vec<(usize, u32)> {
    vec![(1, RO | ACCESS)]
}

/// The shard every key `pattern` names lives on, when that is known in
/// advance: a pattern naming no key (`#`, or no `*`) fits any shard; one
/// with a complete `{tag}` before its `*` lives on the tag's shard.
fn pattern_shard(pattern: &[u8], router: &Router) -> Option<Option<usize>> {
    let c = cstr(pattern);
    if c == b"#" {
        return Some(None);
    }
    let Some(star) = memchr::memchr(b'*', c) else {
        return Some(None);
    };
    let prefix = &pattern[..star];
    (hash_tag(prefix).len() < prefix.len()).then(|| Some(router.shard_of(prefix)))
}

/// SORT key \[BY pattern\] \[LIMIT offset count\] \[GET pattern ...\]
/// \[ASC|DESC\] \[ALPHA\] \[STORE destination\]
pub fn plan_sort(args: Args<'_>, router: &Router, parts: &mut Vec<(usize, Part)>) -> Planned<Plan> {
    plan_generic(args, router, parts, false)
}

/// SORT_RO key \[BY pattern\] \[LIMIT offset count\] \[GET pattern ...\]
/// \[ASC|DESC\] \[ALPHA\]
pub fn plan_sort_ro(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    plan_generic(args, router, parts, true)
}

fn plan_generic(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
    readonly: bool,
) -> Planned<Plan> {
    let home = router.shard_of(args.at(1));
    let spec = parse(args, readonly).ok().map(|mut s| {
        s.script = crate::store::db::in_script();
        s
    });
    let local = |p: &[u8]| pattern_shard(p, router).is_some_and(|s| s.is_none_or(|s| s == home));
    let whole = spec.as_ref().is_none_or(|s| {
        s.by.as_deref().is_none_or(|p| s.dontsort || local(p))
            && s.gets.iter().all(|g| local(g))
            && s.store
                .as_deref()
                .is_none_or(|d| router.shard_of(d) == home)
    });
    match spec {
        Some(spec) if !whole => {
            let args = [args.at(1)].into_iter().collect();
            parts.push((home, keys::part(KeyOp::SortLoad, args)));
            cross::held(Plan::of(SortPlan {
                spec,
                router: *router,
                stage: Stage::Load,
                job: None,
                slots: Vec::new(),
                stored: 0,
            }))
        }
        _ => {
            let op = KeyOp::SortWhole(readonly, crate::store::db::in_script());
            parts.push((home, keys::part(op, args.iter().collect())));
            keys::plan(KeyPlan::Whole)
        }
    }
}

/// The rounds of a cross-shard SORT.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    /// Reading the source's elements.
    Load,
    /// Fetching the BY values.
    By,
    /// Fetching the GET values.
    Get,
    /// Storing the result.
    Store,
}

/// A SORT whose keys live on several shards.
#[derive(Debug)]
pub struct SortPlan {
    spec: SortSpec,
    router: Router,
    stage: Stage,
    job: Option<Job>,
    /// Where each fetched value is: (part, position in the part).
    slots: Vec<(u32, u32)>,
    /// The length of the stored result.
    stored: usize,
}

crate::cross::family_plan!(SortPlan => SortPlan::gather);

impl SortPlan {
    /// One round of the SORT.
    pub fn gather(
        &mut self,
        replies: Vec<PartReply>,
        next: &mut Vec<(usize, Part)>,
        out: &mut Reply<'_>,
    ) -> Gather {
        match self.step(replies, next, out) {
            Ok(g) => g,
            Err(e) => {
                e.write(Args::new(&[], &[]), out);
                Gather::Done
            }
        }
    }

    fn step(
        &mut self,
        replies: Vec<PartReply>,
        next: &mut Vec<(usize, Part)>,
        out: &mut Reply<'_>,
    ) -> Result<Gather, Error> {
        if self.stage == Stage::Load {
            let src = match replies.into_iter().next().and_then(keys::into_reply) {
                Some(KeyReply::Loaded(r)) => r?,
                _ => return Err(INTERNAL),
            };
            let job = Job::new(&self.spec, src);
            let refs = job.by_refs();
            self.job = Some(job);
            if !refs.is_empty() {
                return Ok(self.fetch(refs, Stage::By, next));
            }
            return self.sorted(Vec::new(), next, out);
        }
        match self.stage {
            Stage::By => self.sorted(self.values(replies)?, next, out),
            Stage::Get => self.output(self.values(replies)?, next, out),
            Stage::Load | Stage::Store => {
                resp::int(out, self.stored as i64);
                Ok(Gather::Done)
            }
        }
    }

    /// Sorts with the BY values, then fetches the GET values (or outputs).
    fn sorted(
        &mut self,
        by: Vec<Option<Bytes>>,
        next: &mut Vec<(usize, Part)>,
        out: &mut Reply<'_>,
    ) -> Result<Gather, Error> {
        let job = self.job.as_mut().ok_or(INTERNAL)?;
        let mut by = by.into_iter();
        job.sort(|_| by.next().flatten())?;
        let refs = job.get_refs();
        if !refs.is_empty() {
            return Ok(self.fetch(refs, Stage::Get, next));
        }
        self.output(Vec::new(), next, out)
    }

    /// Replies the output, or stores it on the destination's shard.
    fn output(
        &mut self,
        got: Vec<Option<Bytes>>,
        next: &mut Vec<(usize, Part)>,
        out: &mut Reply<'_>,
    ) -> Result<Gather, Error> {
        let job = self.job.as_ref().ok_or(INTERNAL)?;
        let mut got = got.into_iter();
        let output = job.output(|_| got.next().flatten());
        let Some(dst) = &self.spec.store else {
            resp::array(out, output.len());
            output
                .iter()
                .for_each(|v| resp::bulk_or_null(out, v.as_deref()));
            return Ok(Gather::Done);
        };
        self.stored = output.len();
        let empty = Bytes::new();
        let args: OwnedArgs = std::iter::once(&dst[..])
            .chain(output.iter().map(|v| &v.as_ref().unwrap_or(&empty)[..]))
            .collect();
        next.push((
            self.router.shard_of(dst),
            keys::part(KeyOp::SortStore, args),
        ));
        self.stage = Stage::Store;
        Ok(Gather::Again)
    }

    /// Sends the lookups of `refs` to their shards.
    fn fetch(&mut self, refs: Vec<Ref>, stage: Stage, next: &mut Vec<(usize, Part)>) -> Gather {
        let mut groups: Vec<Option<OwnedArgs>> = (0..self.router.nshards()).map(|_| None).collect();
        let mut owner = Vec::with_capacity(refs.len());
        for r in &refs {
            let shard = self.router.shard_of(&r.key);
            let group = groups[shard].get_or_insert_with(OwnedArgs::new);
            owner.push((shard, (group.len() / 3) as u32));
            let (flag, field): (&[u8], &[u8]) = match &r.field {
                Some(f) => (b"f", f),
                None => (b"", b""),
            };
            group.push(&r.key);
            group.push(flag);
            group.push(field);
        }
        let mut part_of = vec![0u32; groups.len()];
        for (shard, group) in groups.into_iter().enumerate() {
            if let Some(args) = group {
                part_of[shard] = next.len() as u32;
                next.push((shard, keys::part(KeyOp::SortFetch, args)));
            }
        }
        self.slots = owner
            .into_iter()
            .map(|(s, pos)| (part_of[s], pos))
            .collect();
        self.stage = stage;
        Gather::Again
    }

    /// The fetched values, in the order of the refs.
    fn values(&self, replies: Vec<PartReply>) -> Result<Vec<Option<Bytes>>, Error> {
        let mut parts: Vec<Vec<Option<Bytes>>> = Vec::with_capacity(replies.len());
        for r in replies {
            match keys::into_reply(r) {
                Some(KeyReply::Values(v)) => parts.push(v),
                _ => return Err(INTERNAL),
            }
        }
        Ok(self
            .slots
            .iter()
            .map(|&(p, i)| {
                parts
                    .get_mut(p as usize)
                    .and_then(|v| v.get_mut(i as usize))
                    .and_then(Option::take)
            })
            .collect())
    }
}

/// A round answered with something unexpected.
const INTERNAL: Error = Error::Message("ERR internal error: bad SORT part");
