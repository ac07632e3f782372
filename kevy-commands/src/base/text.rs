//! Text helpers shared by the layers above: Redis's quoting of bytes
//! ([`repr`], its `sdscatrepr`) and its splitting of a line into words
//! ([`split_args`], its `sdssplitargs`).

/// Appends `s` quoted like Redis's `sdscatrepr`: `"…"` with `\\`, `\"`,
/// `\n`, `\r`, `\t`, `\a`, `\b` escaped and other non-printable bytes as
/// `\xhh`.
pub fn repr(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    for &c in s {
        match c {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'"' => out.extend_from_slice(b"\\\""),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            7 => out.extend_from_slice(b"\\a"),
            8 => out.extend_from_slice(b"\\b"),
            0x20..=0x7e => out.push(c),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(&[
                    b'\\',
                    b'x',
                    HEX[(c >> 4) as usize],
                    HEX[(c & 15) as usize],
                ]);
            }
        }
    }
    out.push(b'"');
}

/// Splits `line` into words as Redis's `sdssplitargs`: blanks separate
/// words; a `"` or `'` anywhere in a word opens a quoted stretch (in double
/// quotes `\xhh`, `\n`, `\r`, `\t`, `\b`, `\a` and `\<c>` escapes; in
/// single quotes only `\'`), whose closing quote must end the word. `None`
/// on an unterminated quote or a closing quote followed by more of the word.
pub fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut words = Vec::new();
    let mut i = 0;
    let at = |i: usize| line.get(i).copied();
    let blank = |c: u8| matches!(c, b' ' | b'\n' | b'\r' | b'\t' | 0x0b | 0x0c);
    loop {
        while at(i).is_some_and(blank) {
            i += 1;
        }
        if i >= line.len() {
            return Some(words);
        }
        let mut w = Vec::new();
        let (mut inq, mut insq) = (false, false);
        loop {
            let c = at(i);
            if inq {
                let hex = |k: usize| at(k).and_then(|h| (h as char).to_digit(16));
                match c? {
                    b'\\'
                        if at(i + 1) == Some(b'x')
                            && hex(i + 2).is_some()
                            && hex(i + 3).is_some() =>
                    {
                        w.push((hex(i + 2)? * 16 + hex(i + 3)?) as u8);
                        i += 3;
                    }
                    b'\\' if at(i + 1).is_some() => {
                        i += 1;
                        w.push(match line[i] {
                            b'n' => b'\n',
                            b'r' => b'\r',
                            b't' => b'\t',
                            b'b' => 8,
                            b'a' => 7,
                            other => other,
                        });
                    }
                    b'"' => {
                        if at(i + 1).is_some_and(|n| !blank(n)) {
                            return None;
                        }
                        i += 1;
                        break;
                    }
                    other => w.push(other),
                }
            } else if insq {
                match c? {
                    b'\\' if at(i + 1) == Some(b'\'') => {
                        w.push(b'\'');
                        i += 1;
                    }
                    b'\'' => {
                        if at(i + 1).is_some_and(|n| !blank(n)) {
                            return None;
                        }
                        i += 1;
                        break;
                    }
                    other => w.push(other),
                }
            } else {
                match c {
                    // A word ends where C's `sdssplitargs` ends it (not at
                    // \v or \f, which only separate words).
                    None | Some(b' ' | b'\n' | b'\r' | b'\t' | 0) => break,
                    Some(b'"') => inq = true,
                    Some(b'\'') => insq = true,
                    Some(other) => w.push(other),
                }
            }
            i += 1;
        }
        words.push(w);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repr_escapes_like_sdscatrepr() {
        let mut out = Vec::new();
        repr(&mut out, b"k\"a\x01\n\\\xff \x07\x08\t\r");
        assert_eq!(out, b"\"k\\\"a\\x01\\n\\\\\\xff \\a\\b\\t\\r\"".to_vec());
    }

    /// Redis's `sdssplitargs` (its behaviour in `redis-cli` and the
    /// function shebang): quotes may open mid-word, escapes, refusals.
    #[test]
    fn split_args_as_sdssplitargs() {
        let w = |l: &[u8]| {
            split_args(l).map(|v| {
                v.iter()
                    .map(|x| String::from_utf8_lossy(x).into_owned())
                    .collect::<Vec<_>>()
            })
        };
        assert_eq!(
            w(b"#!lua name=\"foo\""),
            Some(vec!["#!lua".into(), "name=foo".into()])
        );
        assert_eq!(
            w(b"  a 'b c'  \"d\\te\" "),
            Some(vec!["a".into(), "b c".into(), "d\te".into()])
        );
        assert_eq!(w(b"\"\\x41\\x4g\""), Some(vec!["Ax4g".into()]));
        assert_eq!(w(b"'it\\'s'"), Some(vec!["it's".into()]));
        assert_eq!(w(b""), Some(vec![]));
        assert_eq!(w(b"\"open"), None);
        assert_eq!(w(b"'open"), None);
        assert_eq!(w(b"\"a\"b"), None);
        assert_eq!(w(b"x\"a b\" y"), Some(vec!["xa b".into(), "y".into()]));
    }
}
