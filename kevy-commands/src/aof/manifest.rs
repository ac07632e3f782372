//! Redis 7.0's AOF manifest (`appendonly.aof.manifest`): one line per file,
//! `file <name> seq <n> type <b|h|i>` (base, history, incremental), the
//! base first, then the incremental files in order. Names with spaces or
//! unprintable bytes are written quoted, as Redis's `sdscatrepr` does.

/// What a file of the manifest is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The base (a snapshot; RESP or RDB).
    Base,
    /// A file kept only until it is deleted (a rewrite's leftovers).
    History,
    /// Commands after the base.
    Incr,
}

/// One line of the manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The file name (inside the AOF directory).
    pub name: String,
    /// Its sequence number.
    pub seq: u64,
    /// What it is.
    pub kind: Kind,
}

/// A parsed manifest.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Manifest {
    /// The files, in the order they are listed.
    pub files: Vec<Entry>,
}

impl Manifest {
    /// The base file, if any.
    pub fn base(&self) -> Option<&Entry> {
        self.files.iter().find(|e| e.kind == Kind::Base)
    }

    /// The incremental files in replay order.
    pub fn incrs(&self) -> impl Iterator<Item = &Entry> {
        self.files.iter().filter(|e| e.kind == Kind::Incr)
    }

    /// The highest sequence number among files of `kind`.
    pub fn last_seq(&self, kind: Kind) -> u64 {
        self.files
            .iter()
            .filter(|e| e.kind == kind)
            .map(|e| e.seq)
            .max()
            .unwrap_or(0)
    }

    /// Parses a manifest as Redis's `aofLoadManifestFromFile` does, lines
    /// read 1,024 bytes at most: comments (`#` first) skipped; a line with
    /// no end (too long, or the last one unterminated), a blank line, fewer
    /// than six words or an odd count refused; keys case-insensitive,
    /// unknown ones ignored (forward compatibility); the file a bare name;
    /// one base at most; incremental files' sequence numbers increasing.
    /// The error names what is wrong and where, as Redis logs it.
    pub fn parse(text: &str) -> Result<Manifest, String> {
        let bytes = text.as_bytes();
        let mut m = Manifest::default();
        let (mut pos, mut linenum, mut maxseq) = (0usize, 0usize, 0i64);
        loop {
            if pos >= bytes.len() {
                if linenum == 0 {
                    return Err(fatal(None, "Found an empty AOF manifest"));
                }
                break;
            }
            let end = (pos + MAX_LINE).min(bytes.len());
            let cut = bytes[pos..end]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(end, |i| pos + i + 1);
            let buf = &bytes[pos..cut];
            pos = cut;
            linenum += 1;
            if buf.first() == Some(&b'#') {
                continue;
            }
            if !buf.contains(&b'\n') {
                return Err(fatal(None, "The AOF manifest file contains too long line"));
            }
            let line = String::from_utf8_lossy(buf);
            let line = line.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'));
            let at = Some((linenum, line));
            const INVALID: &str = "Invalid AOF manifest file format";
            if line.is_empty() {
                return Err(fatal(at, INVALID));
            }
            let words = split_words(line).ok_or_else(|| fatal(at, INVALID))?;
            if words.len() < 6 || words.len() % 2 != 0 {
                return Err(fatal(at, INVALID));
            }
            let (mut name, mut seq, mut kind) = (None, 0i64, None);
            for pair in words.chunks(2) {
                let value = &pair[1];
                if pair[0].eq_ignore_ascii_case("file") {
                    if value.contains(['/', '\\']) {
                        return Err(fatal(at, "File can't be a path, just a filename"));
                    }
                    name = Some(value.clone());
                } else if pair[0].eq_ignore_ascii_case("seq") {
                    seq = atoll(value);
                } else if pair[0].eq_ignore_ascii_case("type") {
                    kind = value.bytes().next();
                }
            }
            let (Some(name), Some(kind)) = (name, kind) else {
                return Err(fatal(at, INVALID));
            };
            if seq == 0 || kind == 0 {
                return Err(fatal(at, INVALID));
            }
            let kind = match kind {
                b'b' => {
                    if m.base().is_some() {
                        return Err(fatal(at, "Found duplicate base file information"));
                    }
                    Kind::Base
                }
                b'h' => Kind::History,
                b'i' => {
                    if seq <= maxseq {
                        return Err(fatal(at, "Found a non-monotonic sequence number"));
                    }
                    maxseq = seq;
                    Kind::Incr
                }
                _ => return Err(fatal(at, "Unknown AOF file type")),
            };
            m.files.push(Entry {
                name,
                seq: seq as u64,
                kind,
            });
        }
        Ok(m)
    }

    /// The manifest's text.
    pub fn render(&self) -> String {
        let mut s = String::new();
        for e in &self.files {
            let kind = match e.kind {
                Kind::Base => "b",
                Kind::History => "h",
                Kind::Incr => "i",
            };
            s.push_str(&format!(
                "file {} seq {} type {}\n",
                quote(&e.name),
                e.seq,
                kind
            ));
        }
        s
    }
}

/// The longest manifest line Redis reads (`MANIFEST_MAX_LINE`).
const MAX_LINE: usize = 1024;

/// A manifest error as Redis logs it (`*** FATAL AOF MANIFEST FILE
/// ERROR ***`, the line and its number when there is one, the reason),
/// on one line.
fn fatal(at: Option<(usize, &str)>, err: &str) -> String {
    match at {
        Some((n, line)) => format!(
            "*** FATAL AOF MANIFEST FILE ERROR *** Reading the manifest file, at line {n}: >>> '{line}': {err}"
        ),
        None => format!("*** FATAL AOF MANIFEST FILE ERROR *** {err}"),
    }
}

/// C's `atoll`: leading blanks, a sign, digits; 0 when none.
fn atoll(s: &str) -> i64 {
    let t = s.trim_start();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let n = digits
        .bytes()
        .take_while(u8::is_ascii_digit)
        .fold(0i64, |n, d| {
            n.wrapping_mul(10).wrapping_add(i64::from(d - b'0'))
        });
    if neg {
        n.wrapping_neg()
    } else {
        n
    }
}

/// A name as `sdscatrepr` would write it when it needs quoting.
fn quote(name: &str) -> String {
    if name
        .bytes()
        .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
    {
        return name.to_string();
    }
    let mut s = String::from("\"");
    for b in name.bytes() {
        match b {
            b'\\' => s.push_str("\\\\"),
            b'"' => s.push_str("\\\""),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            b' '..=b'~' => s.push(b as char),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    s.push('"');
    s
}

/// Splits a line into words, `"quoted"` ones unescaped (`sdssplitargs`).
fn split_words(line: &str) -> Option<Vec<String>> {
    let words = crate::base::text::split_args(line.as_bytes())?;
    Some(
        words
            .iter()
            .map(|w| String::from_utf8_lossy(w).into_owned())
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_redis_lines() {
        let text = "file appendonly.aof.1.base.rdb seq 1 type b\n\
                    file appendonly.aof.1.incr.aof seq 1 type i\n\
                    file appendonly.aof.2.incr.aof seq 2 type i\n";
        let m = Manifest::parse(text).unwrap();
        assert_eq!(m.base().unwrap().name, "appendonly.aof.1.base.rdb");
        assert_eq!(m.incrs().count(), 2);
        assert_eq!(m.last_seq(Kind::Incr), 2);
        assert_eq!(m.render(), text);
    }

    #[test]
    fn quotes_and_refuses() {
        let m = Manifest {
            files: vec![Entry {
                name: "a b.aof".into(),
                seq: 3,
                kind: Kind::Incr,
            }],
        };
        let text = m.render();
        assert_eq!(text, "file \"a b.aof\" seq 3 type i\n");
        assert_eq!(Manifest::parse(&text).unwrap(), m);
        assert!(Manifest::parse("file x seq 1\n").is_err());
        assert!(Manifest::parse("file x seq 1 type q\n").is_err());
    }

    /// Redis's loader's refusals (its aof-multi-part unit), and what it
    /// lets through.
    #[test]
    fn refuses_what_redis_refuses() {
        let err = |t: &str| Manifest::parse(t).unwrap_err();
        let b = "file a.1.base.aof seq 1 type b\n";
        assert!(err("").ends_with("Found an empty AOF manifest"));
        assert!(err(&format!("{b}\nfile a.1.incr.aof seq 1 type i\n"))
            .ends_with("Invalid AOF manifest file format"));
        assert!(
            err("file a.2.incr.aof seq 2 type i\nfile a.1.incr.aof seq 1 type i\n")
                .ends_with("Found a non-monotonic sequence number")
        );
        assert!(err(&format!("{b}{b}")).ends_with("Found duplicate base file information"));
        assert!(err("file a seq 1 type x\n").ends_with("Unknown AOF file type"));
        assert!(err("filx a seq 1 type b\n").ends_with("Invalid AOF manifest file format"));
        assert!(err("file a type i\n").ends_with("Invalid AOF manifest file format"));
        assert!(err("file a seq 1 type i newkey\n").ends_with("Invalid AOF manifest file format"));
        assert!(err(&b.repeat(40).replace('\n', " ")).ends_with("contains too long line"));
        assert!(err("file a seq 1 type b").ends_with("contains too long line"));
        assert!(err("file dir/a seq 1 type b\n").ends_with("just a filename"));
        assert!(err("file a seq 0 type b\n").ends_with("Invalid AOF manifest file format"));
        // Comments, unknown keys, keys in any case.
        let m = Manifest::parse("# kevy\nFILE a seq 1 TYPE b newkey newvalue\n").unwrap();
        assert_eq!(m.base().map(|e| e.seq), Some(1));
        assert_eq!(
            err("file a.1.base.aof seq 1 type b\n\n"),
            "*** FATAL AOF MANIFEST FILE ERROR *** Reading the manifest file, at line 2: >>> '': Invalid AOF manifest file format"
        );
    }
}
