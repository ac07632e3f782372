//! Command arguments: byte spans into a buffer, borrowed without copying.
//!
//! The decoder records where each argument lies in the connection's read buffer
//! ([`Span`]s); [`Args`] pairs those spans with the buffer so a handler reads its
//! arguments in place. A command forwarded to another shard is copied once into a
//! batch buffer and read there through the same type.

/// The largest offset a [`Span`] holds. Spans are 32-bit (half the size, twice
/// the spans per cache line), so what they point into is at most 4 GB: the
/// decoder refuses a request that would need more, and a forwarded batch that
/// would pass it is sent before it does.
pub const MAX_OFFSET: usize = u32::MAX as usize;

/// Where one argument lies in a buffer: `buf[start..end]`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Span {
    /// First byte of the argument.
    pub start: u32,
    /// One past the last byte of the argument.
    pub end: u32,
}

impl Span {
    /// The span `start..end`, whose offsets are known to fit (at most
    /// [`MAX_OFFSET`], as in a buffer no longer than that); offsets that come
    /// from outside go through [`Span::try_new`]. Debug builds check them.
    #[inline]
    pub fn new(start: usize, end: usize) -> Span {
        debug_assert!(start <= end && end <= MAX_OFFSET, "span {start}..{end}");
        Span {
            start: start as u32,
            end: end as u32,
        }
    }

    /// The span `start..end`, or `None` when an offset is past [`MAX_OFFSET`].
    #[inline]
    pub fn try_new(start: usize, end: usize) -> Option<Span> {
        Some(Span {
            start: u32::try_from(start).ok()?,
            end: u32::try_from(end).ok()?,
        })
    }

    /// Length of the argument in bytes.
    #[inline]
    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    /// True for an empty argument.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// The arguments of one command (the verb is argument 0), borrowed from a buffer.
#[derive(Clone, Copy)]
pub struct Args<'a> {
    buf: &'a [u8],
    spans: &'a [Span],
}

impl<'a> Args<'a> {
    /// Arguments made of `spans` into `buf`. Every span must lie inside `buf`.
    #[inline]
    pub fn new(buf: &'a [u8], spans: &'a [Span]) -> Args<'a> {
        Args { buf, spans }
    }

    /// Number of arguments, the verb included.
    #[inline]
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// True when there is no argument at all.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Argument `i`, or `None` past the end.
    #[inline]
    pub fn get(&self, i: usize) -> Option<&'a [u8]> {
        let s = self.spans.get(i)?;
        self.buf.get(s.start as usize..s.end as usize)
    }

    /// Argument `i`; an empty slice past the end (callers check arity first).
    #[inline]
    pub fn at(&self, i: usize) -> &'a [u8] {
        self.get(i).unwrap_or(&[])
    }

    /// Iterates over all arguments in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &'a [u8]> + 'a {
        let buf = self.buf;
        self.spans
            .iter()
            .map(move |s| buf.get(s.start as usize..s.end as usize).unwrap_or(&[]))
    }

    /// The arguments from index `from` on (the verb dropped when `from` is 1).
    pub fn skip(&self, from: usize) -> Args<'a> {
        Args {
            buf: self.buf,
            spans: self.spans.get(from..).unwrap_or(&[]),
        }
    }

    /// The buffer the arguments point into and their spans in it (e.g. to
    /// copy a run of short arguments in one go).
    #[inline]
    pub fn raw(&self) -> (&'a [u8], &'a [Span]) {
        (self.buf, self.spans)
    }

    /// Total number of argument bytes.
    pub fn byte_len(&self) -> usize {
        self.spans.iter().map(Span::len).sum()
    }

    /// Copies the arguments into an owned list.
    pub fn to_owned_args(&self) -> OwnedArgs {
        // Sized once: no regrowth while copying.
        let mut o = OwnedArgs::with_capacity(self.len(), self.byte_len());
        for a in self.iter() {
            o.push(a);
        }
        o
    }
}

impl std::fmt::Debug for Args<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.iter().map(String::from_utf8_lossy))
            .finish()
    }
}

/// An owned argument list: one byte buffer plus spans. Used for forwarded
/// commands, multi-shard parts and tests.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct OwnedArgs {
    buf: Vec<u8>,
    spans: Vec<Span>,
}

impl OwnedArgs {
    /// An empty list.
    pub fn new() -> OwnedArgs {
        OwnedArgs::default()
    }

    /// An empty list with room for `args` arguments of `bytes` bytes in all
    /// (pushing within that allocates nothing).
    pub fn with_capacity(args: usize, bytes: usize) -> OwnedArgs {
        OwnedArgs {
            buf: Vec::with_capacity(bytes),
            spans: Vec::with_capacity(args),
        }
    }

    /// Makes room for `args` more arguments of `bytes` more bytes in all.
    pub fn reserve(&mut self, args: usize, bytes: usize) {
        self.buf.reserve(bytes);
        self.spans.reserve(args);
    }

    /// Empties the list, keeping its allocations (for reuse).
    pub fn clear(&mut self) {
        self.buf.clear();
        self.spans.clear();
    }

    /// Bytes the list has allocated.
    pub fn capacity_bytes(&self) -> usize {
        self.buf.capacity() + self.spans.capacity() * std::mem::size_of::<Span>()
    }

    /// Appends one argument, when the list's bytes stay within [`MAX_OFFSET`]
    /// (4 GB); false, and nothing appended, when they would not.
    #[must_use]
    pub fn try_push(&mut self, arg: &[u8]) -> bool {
        let start = self.buf.len();
        match Span::try_new(start, start + arg.len()) {
            Some(span) => {
                self.buf.extend_from_slice(arg);
                self.spans.push(span);
                true
            }
            None => false,
        }
    }

    /// Appends one argument. The list's bytes must stay within [`MAX_OFFSET`]
    /// (4 GB), as the arguments of one request always do (the decoder refuses
    /// larger requests); [`OwnedArgs::try_push`] checks.
    pub fn push(&mut self, arg: &[u8]) {
        let start = self.buf.len();
        self.buf.extend_from_slice(arg);
        self.spans.push(Span::new(start, self.buf.len()));
    }

    /// Appends `bytes` to the list's buffer without making an argument of
    /// them; returns where they start. [`OwnedArgs::push_within`] then
    /// picks arguments out of them: a run of short arguments copied in one
    /// go instead of one copy each. The list's bytes must stay within
    /// [`MAX_OFFSET`].
    pub fn push_bytes(&mut self, bytes: &[u8]) -> usize {
        let start = self.buf.len();
        self.buf.extend_from_slice(bytes);
        start
    }

    /// Appends the argument `start..end` of the list's bytes, put there by
    /// [`OwnedArgs::push_bytes`]; a range outside them reads as an empty
    /// argument.
    #[inline]
    pub fn push_within(&mut self, start: usize, end: usize) {
        self.spans
            .push(Span::try_new(start, end).unwrap_or_default());
    }

    /// Borrows the list as [`Args`].
    pub fn args(&self) -> Args<'_> {
        Args::new(&self.buf, &self.spans)
    }

    /// Number of arguments.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }
}

impl<A: AsRef<[u8]>> FromIterator<A> for OwnedArgs {
    fn from_iter<I: IntoIterator<Item = A>>(iter: I) -> OwnedArgs {
        let mut o = OwnedArgs::new();
        for a in iter {
            o.push(a.as_ref());
        }
        o
    }
}

impl std::fmt::Debug for OwnedArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.args().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owned_args_round_trip() {
        let o: OwnedArgs = ["SET", "k", ""].into_iter().collect();
        let a = o.args();
        assert_eq!(a.len(), 3);
        assert_eq!(a.at(0), b"SET");
        assert_eq!(a.at(2), b"");
        assert_eq!(a.get(3), None);
        assert_eq!(a.skip(1).at(0), b"k");
        assert_eq!(a.byte_len(), 4);
        assert_eq!(format!("{a:?}"), r#"["SET", "k", ""]"#);
    }

    #[test]
    fn spans_past_32_bits_are_refused() {
        assert_eq!(
            Span::try_new(7, MAX_OFFSET),
            Some(Span {
                start: 7,
                end: u32::MAX
            })
        );
        assert_eq!(Span::try_new(7, MAX_OFFSET + 1), None);
        assert_eq!(Span::try_new(MAX_OFFSET + 1, MAX_OFFSET + 2), None);
        // Not 0..1, as a truncating conversion would make it.
        assert_eq!(Span::try_new(1 << 32, (1 << 32) + 1), None);
        let mut o = OwnedArgs::new();
        assert!(o.try_push(b"abc"));
        assert_eq!(o.args().at(0), b"abc");
    }

    #[test]
    fn arguments_picked_out_of_copied_bytes() {
        let mut o = OwnedArgs::new();
        o.push(b"VERB");
        let at = o.push_bytes(b"$1\r\nk\r\n$2\r\nvv\r\n");
        o.push_within(at + 11, at + 13);
        o.push_within(at + 4, at + 5);
        // Out of range: empty, not a panic.
        o.push_within(at + 30, at + 40);
        let a = o.args();
        assert_eq!(a.len(), 4);
        assert_eq!(a.at(0), b"VERB");
        assert_eq!(a.at(1), b"vv");
        assert_eq!(a.at(2), b"k");
        assert_eq!(a.at(3), b"");
    }
}
