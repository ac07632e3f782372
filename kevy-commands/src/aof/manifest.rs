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

    /// Parses a manifest; the error names what is wrong, as Redis's loader.
    pub fn parse(text: &str) -> Result<Manifest, String> {
        let mut m = Manifest::default();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let words = split_words(line).ok_or("Invalid AOF manifest file format")?;
            if words.len() % 2 != 0 {
                return Err("Invalid AOF manifest file format".into());
            }
            let (mut name, mut seq, mut kind) = (None, None, None);
            for pair in words.chunks(2) {
                match pair[0].as_str() {
                    "file" => name = Some(pair[1].clone()),
                    "seq" => seq = pair[1].parse::<u64>().ok(),
                    "type" => {
                        kind = match pair[1].as_str() {
                            "b" => Some(Kind::Base),
                            "h" => Some(Kind::History),
                            "i" => Some(Kind::Incr),
                            _ => None,
                        }
                    }
                    _ => {}
                }
            }
            match (name, seq, kind) {
                (Some(name), Some(seq), Some(kind)) => m.files.push(Entry { name, seq, kind }),
                _ => return Err("Invalid AOF manifest file format".into()),
            }
        }
        if m.files.iter().filter(|e| e.kind == Kind::Base).count() > 1 {
            return Err("Found duplicate base file information".into());
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
}
