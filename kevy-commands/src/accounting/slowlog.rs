//! The slow log (`SLOWLOG`): each shard logs the commands it ran that took
//! at least `slowlog-log-slower-than` microseconds. Entry ids come from one
//! counter shared by all shards, so `SLOWLOG GET` merges the shards' logs
//! into one global order (newest first), exactly as a single log would be.
//! Every shard keeps at most `slowlog-max-len` entries: the newest
//! `slowlog-max-len` overall are always among them.

use std::collections::VecDeque;

use kevy_rt::{Args, Span};

use crate::base::resp;

/// Arguments kept per entry (Redis's `SLOWLOG_ENTRY_MAX_ARGC`).
const MAX_ARGC: usize = 32;
/// Bytes kept per argument (Redis's `SLOWLOG_ENTRY_MAX_STRING`).
const MAX_STRING: usize = 128;

/// One logged command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Global, increasing id.
    pub id: u64,
    /// Unix time in seconds when it was logged.
    pub time: i64,
    /// How long it ran, in microseconds.
    pub usec: u64,
    /// Its arguments, shortened like Redis's.
    pub args: Vec<Vec<u8>>,
    /// The client's address (`ip:port`).
    pub peer: String,
    /// The client's name.
    pub name: Vec<u8>,
}

impl Entry {
    /// An entry for a command of `argc` arguments whose first ones (at
    /// least the first 32, each cut to at most 128 bytes) are `args` as
    /// `(kept bytes, original length)`, shortened the way Redis's
    /// `slowlogCreateEntry` does.
    pub fn new<'a>(
        time: i64,
        usec: u64,
        args: impl Iterator<Item = (&'a [u8], usize)>,
        argc: usize,
        peer: String,
        name: &[u8],
    ) -> Entry {
        let kept = argc.min(MAX_ARGC);
        let mut out = Vec::with_capacity(kept);
        for (j, (a, len)) in args.enumerate().take(kept) {
            if kept != argc && j == kept - 1 {
                out.push(format!("... ({} more arguments)", argc - kept + 1).into_bytes());
            } else if len > MAX_STRING {
                let mut s = a[..MAX_STRING.min(a.len())].to_vec();
                s.extend_from_slice(format!("... ({} more bytes)", len - MAX_STRING).as_bytes());
                out.push(s);
            } else {
                out.push(a.to_vec());
            }
        }
        Entry {
            id: 0,
            time,
            usec,
            args: out,
            peer,
            name: name.to_vec(),
        }
    }

    /// Appends the entry as `SLOWLOG GET` shows it.
    pub fn write(&self, out: &mut Vec<u8>) {
        resp::array(out, 6);
        resp::int(out, self.id as i64);
        resp::int(out, self.time);
        resp::int(out, self.usec as i64);
        resp::array(out, self.args.len());
        for a in &self.args {
            resp::bulk(out, a);
        }
        resp::bulk(out, self.peer.as_bytes());
        resp::bulk(out, &self.name);
    }
}

/// The arguments of a command kept in case it turns out slow (a planned
/// command's arguments are gone by the time its duration is known): the
/// first 32, each cut to 128 bytes, back to back, with their original
/// lengths. Two allocations, whatever the command.
///
/// Usually (short arguments in one stretch of the request's buffer) the
/// stretch and the arguments' spans are copied as they are, and each
/// argument is located and cut only when an entry is made, which is rare:
/// two copies per planned command.
#[derive(Debug)]
pub struct Captured {
    buf: Vec<u8>,
    /// `(start, end)` in `buf` and original length of each kept argument
    /// (when `spans` is empty).
    meta: Vec<Kept>,
    /// The kept arguments' spans in the request's buffer, whose stretch
    /// from offset `lo` on `buf` holds.
    spans: Vec<Span>,
    lo: u32,
    argc: usize,
}

/// Where a kept argument is in a capture's buffer, and its original length.
type Kept = (u32, u32, u32);

impl Captured {
    /// Keeps what a slow-log entry of `args` would show, the arguments at
    /// the positions in `hidden` (credentials: MIGRATE's AUTH, HELLO's)
    /// shown as `(redacted)`.
    pub fn new(args: Args<'_>, hidden: &[usize]) -> Captured {
        Captured::new_in(args, hidden, Spare::default())
    }

    /// [`Captured::new`] into `buf` and `meta` (emptied first: recycled
    /// buffers, [`SlowLog::capture`]).
    fn new_in(args: Args<'_>, hidden: &[usize], (mut buf, mut meta, mut spans): Spare) -> Captured {
        let kept = args.len().min(MAX_ARGC);
        buf.clear();
        meta.clear();
        spans.clear();
        if hidden.is_empty() {
            if let Some(lo) = copy_whole(args.raw(), kept, &mut buf, &mut spans) {
                return Captured {
                    buf,
                    meta,
                    spans,
                    lo,
                    argc: args.len(),
                };
            }
        }
        buf.clear();
        spans.clear();
        meta.reserve(kept);
        for (i, a) in args.iter().take(kept).enumerate() {
            let a = if hidden.contains(&i) {
                crate::accounting::REDACTED
            } else {
                a
            };
            let start = buf.len() as u32;
            buf.extend_from_slice(&a[..a.len().min(MAX_STRING)]);
            meta.push((
                start,
                buf.len() as u32,
                a.len().min(u32::MAX as usize) as u32,
            ));
        }
        Captured {
            buf,
            meta,
            spans,
            lo: 0,
            argc: args.len(),
        }
    }

    /// The entry for these arguments.
    pub fn entry(&self, time: i64, usec: u64, peer: String, name: &[u8]) -> Entry {
        if self.meta.is_empty() {
            // The stretch as copied: each argument whole in it, cut by
            // `Entry::new`.
            let args = self.spans.iter().map(|s| {
                let (start, end) = ((s.start - self.lo) as usize, (s.end - self.lo) as usize);
                (self.buf.get(start..end).unwrap_or_default(), s.len())
            });
            return Entry::new(time, usec, args, self.argc, peer, name);
        }
        let args = self.meta.iter().map(|&(start, end, len)| {
            let a = self
                .buf
                .get(start as usize..end as usize)
                .unwrap_or_default();
            (a, len as usize)
        });
        Entry::new(time, usec, args, self.argc, peer, name)
    }
}

/// The common case of [`Captured::new`]: the first `kept` arguments lie
/// within a few kilobytes of the request's buffer, `raw`: that stretch is
/// copied in one go (the framing between arguments with it), and their
/// spans with it (located in the copy when an entry is made). The stretch's
/// first offset; `None`, with `buf` and `kept_spans` to be cleared, when
/// they do not.
fn copy_whole(
    (raw, spans): (&[u8], &[Span]),
    kept: usize,
    buf: &mut Vec<u8>,
    kept_spans: &mut Vec<Span>,
) -> Option<u32> {
    let spans = &spans[..kept.min(spans.len())];
    let (Some(first), Some(last)) = (spans.first(), spans.last()) else {
        return Some(0);
    };
    let (lo, hi) = (first.start, last.end);
    if hi < lo || (hi - lo) as usize > kept * (MAX_STRING + 16) || hi as usize > raw.len() {
        return None;
    }
    if !spans
        .iter()
        .all(|s| s.start >= lo && s.end <= hi && s.start <= s.end)
    {
        return None;
    }
    kept_spans.extend_from_slice(spans);
    buf.extend_from_slice(&raw[lo as usize..hi as usize]);
    Some(lo)
}

/// Pairs each argument with its length, for [`Entry::new`].
pub fn with_lens<'a>(args: Args<'a>) -> impl Iterator<Item = (&'a [u8], usize)> + 'a {
    args.iter().map(|a| (a, a.len()))
}

/// One shard's slow log, newest entry first.
#[derive(Debug, Default)]
pub struct SlowLog {
    entries: VecDeque<Entry>,
    /// Buffers of finished captures, for the next ones (no allocation per
    /// planned command once warm).
    spare: Vec<Spare>,
}

/// A finished capture's buffers (its `buf`, `meta` and `spans`).
type Spare = (Vec<u8>, Vec<Kept>, Vec<Span>);

/// Spare capture buffers kept per shard (about one per planned command in
/// flight on it).
const MAX_SPARE: usize = 256;

impl SlowLog {
    /// [`Captured::new`], in recycled buffers when there are some.
    pub fn capture(&mut self, args: Args<'_>, hidden: &[usize]) -> Captured {
        let spare = self.spare.pop().unwrap_or_default();
        Captured::new_in(args, hidden, spare)
    }

    /// Takes back the buffers of a capture no longer needed.
    pub fn recycle(&mut self, c: Captured) {
        // At most 32 arguments of 128 bytes each: a capture's buffers stay
        // small, so the spares hold little memory.
        if self.spare.len() < MAX_SPARE {
            self.spare.push((c.buf, c.meta, c.spans));
        }
    }

    /// Adds `e`, keeping at most `max_len` entries.
    pub fn push(&mut self, e: Entry, max_len: usize) {
        self.entries.push_front(e);
        self.entries.truncate(max_len);
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Drops every entry.
    pub fn reset(&mut self) {
        self.entries.clear();
    }

    /// The newest `n` entries.
    pub fn newest(&self, n: usize) -> Vec<Entry> {
        self.entries.iter().take(n).cloned().collect()
    }
}

/// Merges per-shard newest-first lists into the newest `n` overall.
pub fn merge(mut lists: Vec<Vec<Entry>>, n: usize) -> Vec<Entry> {
    let mut all: Vec<Entry> = lists.drain(..).flatten().collect();
    all.sort_unstable_by_key(|e| std::cmp::Reverse(e.id));
    all.truncate(n);
    all
}

#[cfg(test)]
mod tests {
    use kevy_rt::OwnedArgs;

    use super::*;

    #[test]
    fn long_commands_are_cut_like_redis() {
        let big = "x".repeat(130);
        let mut words: Vec<String> = vec!["RPUSH".into(), big];
        words.extend((0..40).map(|i| i.to_string()));
        let args: OwnedArgs = words.iter().collect();
        let e = Entry::new(2, 3, with_lens(args.args()), 42, "1.2.3.4:5".into(), b"");
        assert_eq!(e.args.len(), 32);
        let c = Captured::new(args.args(), &[]).entry(2, 3, "1.2.3.4:5".into(), b"");
        assert_eq!(c, e);
        assert_eq!(
            e.args[1],
            format!("{}... (2 more bytes)", "x".repeat(128)).into_bytes()
        );
        assert_eq!(e.args[31], b"... (11 more arguments)".to_vec());
        assert_eq!(e.args[30], b"28".to_vec());
    }

    #[test]
    fn a_capture_in_recycled_buffers_is_the_same() {
        let mut log = SlowLog::default();
        let long: OwnedArgs = ["MSET", "k1", &"v".repeat(300), "k2", "w"].iter().collect();
        let short: OwnedArgs = ["AUTH", "secret"].iter().collect();
        let c = log.capture(long.args(), &[]);
        assert_eq!(
            c.entry(1, 2, "p".into(), b""),
            Captured::new(long.args(), &[]).entry(1, 2, "p".into(), b"")
        );
        log.recycle(c);
        // The longer capture's leftovers never show in the next one.
        let c = log.capture(short.args(), &[1]);
        let e = c.entry(1, 2, "p".into(), b"n");
        assert_eq!(
            e,
            Captured::new(short.args(), &[1]).entry(1, 2, "p".into(), b"n")
        );
        assert_eq!(e.args, [b"AUTH".to_vec(), b"(redacted)".to_vec()]);
        // Arguments inside a request's framing, copied in one stretch.
        let raw = b"*3\r\n$4\r\nMGET\r\n$1\r\na\r\n$0\r\n\r\n";
        let spans = [
            kevy_rt::Span::new(8, 12),
            kevy_rt::Span::new(18, 19),
            kevy_rt::Span::new(25, 25),
        ];
        let framed = Args::new(raw, &spans);
        let e = log.capture(framed, &[]).entry(1, 2, "p".into(), b"");
        assert_eq!(e.args, [b"MGET".to_vec(), b"a".to_vec(), Vec::new()]);
    }

    #[test]
    fn merge_is_global_newest_first() {
        let e = |id| Entry {
            id,
            time: 0,
            usec: 0,
            args: vec![],
            peer: String::new(),
            name: vec![],
        };
        let mut a = SlowLog::default();
        let mut b = SlowLog::default();
        for id in [1, 4, 5] {
            a.push(e(id), 2);
        }
        for id in [2, 3, 6] {
            b.push(e(id), 2);
        }
        assert_eq!(a.len(), 2);
        let got: Vec<u64> = merge(vec![a.newest(10), b.newest(10)], 3)
            .iter()
            .map(|e| e.id)
            .collect();
        assert_eq!(got, [6, 5, 4]);
    }
}
