//! Reading an AOF file's commands (Redis's `loadSingleAppendOnlyFile`):
//! RESP arrays of bulk strings, `#…` annotation lines skipped. The reader
//! tells a torn tail (the file ends inside a command: a crash while
//! writing) from a corruption (bytes that are no command), each with the
//! offset where the last complete command ends.

/// Why reading stopped early.
#[derive(Debug, PartialEq, Eq)]
pub enum Stop {
    /// The file ends inside a command; complete commands end at `valid`.
    Truncated {
        /// Where the last complete command ends.
        valid: u64,
    },
    /// Bytes that are not a command start at `at`.
    Corrupt {
        /// The offset of the bad bytes.
        at: u64,
    },
}

/// Upper bound of the arguments of one command and of one argument's
/// length, as Redis's loader checks (hostile files never allocate more).
const MAX_ARGS: i64 = 1 << 31;
const MAX_BULK: i64 = 1 << 32;

/// Calls `f(args, end offset)` with each command of `data` in order; stops
/// at the first error `f` returns. Returns how reading ended.
pub fn commands<E>(
    data: &[u8],
    mut f: impl FnMut(&[&[u8]], u64) -> Result<(), E>,
) -> Result<Result<(), Stop>, E> {
    let mut at = 0usize;
    let mut args: Vec<&[u8]> = Vec::new();
    while at < data.len() {
        let start = at;
        if data[at] == b'#' {
            match memchr::memchr(b'\n', &data[at..]) {
                Some(n) => {
                    at += n + 1;
                    continue;
                }
                None => {
                    return Ok(Err(Stop::Truncated {
                        valid: start as u64,
                    }))
                }
            }
        }
        if data[at] != b'*' {
            return Ok(Err(Stop::Corrupt { at: start as u64 }));
        }
        let n = match line_int(data, at + 1) {
            Line::Int(n, next) if (1..MAX_ARGS).contains(&n) => {
                at = next;
                n
            }
            Line::Short => {
                return Ok(Err(Stop::Truncated {
                    valid: start as u64,
                }))
            }
            _ => return Ok(Err(Stop::Corrupt { at: start as u64 })),
        };
        args.clear();
        for _ in 0..n {
            match data.get(at) {
                None => {
                    return Ok(Err(Stop::Truncated {
                        valid: start as u64,
                    }))
                }
                Some(b'$') => {}
                Some(_) => return Ok(Err(Stop::Corrupt { at: at as u64 })),
            }
            let len = match line_int(data, at + 1) {
                Line::Int(len, next) if (0..MAX_BULK).contains(&len) => {
                    at = next;
                    len as usize
                }
                Line::Short => {
                    return Ok(Err(Stop::Truncated {
                        valid: start as u64,
                    }))
                }
                _ => return Ok(Err(Stop::Corrupt { at: at as u64 })),
            };
            if data.len() < at + len + 2 {
                return Ok(Err(Stop::Truncated {
                    valid: start as u64,
                }));
            }
            if &data[at + len..at + len + 2] != b"\r\n" {
                return Ok(Err(Stop::Corrupt {
                    at: (at + len) as u64,
                }));
            }
            args.push(&data[at..at + len]);
            at += len + 2;
        }
        f(&args, at as u64)?;
    }
    Ok(Ok(()))
}

enum Line {
    Int(i64, usize),
    Short,
    Bad,
}

/// The integer of a `…\r\n` line starting at `at`, and where the next begins.
fn line_int(data: &[u8], at: usize) -> Line {
    let Some(rest) = data.get(at..) else {
        return Line::Short;
    };
    let Some(cr) = memchr::memchr(b'\r', rest) else {
        return if rest.len() > 24 {
            Line::Bad
        } else {
            Line::Short
        };
    };
    if cr > 20 {
        return Line::Bad;
    }
    match rest.get(cr + 1) {
        None => return Line::Short,
        Some(b'\n') => {}
        Some(_) => return Line::Bad,
    }
    match std::str::from_utf8(&rest[..cr])
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
    {
        Some(n) => Line::Int(n, at + cr + 2),
        None => Line::Bad,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(data: &[u8]) -> (Vec<Vec<Vec<u8>>>, Result<(), Stop>) {
        let mut got = Vec::new();
        let r = commands::<()>(data, |a, _| {
            got.push(a.iter().map(|x| x.to_vec()).collect());
            Ok(())
        })
        .unwrap();
        (got, r)
    }

    #[test]
    fn reads_commands_and_annotations() {
        let (got, r) = all(b"#TS:1\r\n*2\r\n$3\r\nDEL\r\n$1\r\na\r\n*1\r\n$4\r\nPING\r\n");
        assert_eq!(r, Ok(()));
        assert_eq!(got.len(), 2);
        assert_eq!(got[0], vec![b"DEL".to_vec(), b"a".to_vec()]);
    }

    #[test]
    fn tells_torn_tails_from_corruption() {
        let good = b"*2\r\n$3\r\nDEL\r\n$1\r\na\r\n";
        for cut in 1..good.len() {
            let mut d = good.to_vec();
            d.extend_from_slice(&good[..cut]);
            let (got, r) = all(&d);
            assert_eq!(got.len(), 1);
            assert_eq!(r, Err(Stop::Truncated { valid: 20 }), "cut {cut}");
        }
        let (_, r) = all(b"*2\r\n$3\r\nDEL\r\n$1\r\na\r\nxx*1\r\n");
        assert_eq!(r, Err(Stop::Corrupt { at: 20 }));
        let (_, r) = all(b"*1\r\n$3\r\nDELxx");
        assert_eq!(r, Err(Stop::Corrupt { at: 11 }));
        let (_, r) = all(b"*99999999999999999999999\r\n");
        assert_eq!(r, Err(Stop::Corrupt { at: 0 }));
    }
}
