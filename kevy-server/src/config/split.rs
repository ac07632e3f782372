//! Splitting a configuration line into words with Redis's `sdssplitargs`
//! quoting: `"double \x41 \n quotes"` with escapes, `'single \' quotes'`.

/// The words of `line`, or `Err` for unbalanced quotes.
pub fn split(line: &str) -> Result<Vec<String>, ()> {
    let b = line.as_bytes();
    let mut words = Vec::new();
    let mut p = 0;
    loop {
        while p < b.len() && b[p].is_ascii_whitespace() {
            p += 1;
        }
        if p >= b.len() {
            return Ok(words);
        }
        let mut cur = Vec::new();
        let (mut inq, mut insq) = (false, false);
        loop {
            let c = b.get(p).copied();
            if inq {
                match c {
                    None => return Err(()),
                    Some(b'\\')
                        if b.get(p + 1) == Some(&b'x')
                            && hex(b.get(p + 2)).is_some()
                            && hex(b.get(p + 3)).is_some() =>
                    {
                        cur.push(
                            hex(b.get(p + 2)).unwrap_or(0) * 16 + hex(b.get(p + 3)).unwrap_or(0),
                        );
                        p += 3;
                    }
                    Some(b'\\') if p + 1 < b.len() => {
                        p += 1;
                        cur.push(match b[p] {
                            b'n' => b'\n',
                            b'r' => b'\r',
                            b't' => b'\t',
                            b'b' => 8,
                            b'a' => 7,
                            o => o,
                        });
                    }
                    Some(b'"') => {
                        if b.get(p + 1).is_some_and(|c| !c.is_ascii_whitespace()) {
                            return Err(());
                        }
                        p += 1;
                        break;
                    }
                    Some(o) => cur.push(o),
                }
            } else if insq {
                match c {
                    None => return Err(()),
                    Some(b'\\') if b.get(p + 1) == Some(&b'\'') => {
                        p += 1;
                        cur.push(b'\'');
                    }
                    Some(b'\'') => {
                        if b.get(p + 1).is_some_and(|c| !c.is_ascii_whitespace()) {
                            return Err(());
                        }
                        p += 1;
                        break;
                    }
                    Some(o) => cur.push(o),
                }
            } else {
                match c {
                    None | Some(b' ' | b'\n' | b'\r' | b'\t') => break,
                    Some(b'"') => inq = true,
                    Some(b'\'') => insq = true,
                    Some(o) => cur.push(o),
                }
            }
            p += 1;
        }
        words.push(String::from_utf8_lossy(&cur).into_owned());
    }
}

fn hex(c: Option<&u8>) -> Option<u8> {
    c.and_then(|&c| (c as char).to_digit(16)).map(|d| d as u8)
}
