//! Redis's glob matcher (`stringmatchlen` in `util.c`), reproduced exactly:
//! `*`, `?`, `[abc]`, `[^abc]`, `[a-z]` (reversed ranges too), `\` escapes, and
//! the same treatment of malformed patterns (an unclosed `[` matches what it
//! has seen so far; a trailing `\` is literal). Bytes compare as C's signed
//! `char`, which matters for ranges over bytes ≥ 0x80.

/// True when `string` matches the glob `pattern`; `nocase` folds ASCII case.
pub fn stringmatch(pattern: &[u8], string: &[u8], nocase: bool) -> bool {
    let mut skip_longer = false;
    matches(pattern, string, nocase, &mut skip_longer, 0)
}

/// Recursion depth at which Redis gives up on a pattern (no match).
const MAX_NESTING: usize = 1000;

#[inline]
fn at(s: &[u8], i: usize) -> u8 {
    s.get(i).copied().unwrap_or(0)
}

#[inline]
fn fold(c: u8, nocase: bool) -> u8 {
    if nocase {
        c.to_ascii_lowercase()
    } else {
        c
    }
}

fn matches(
    mut p: &[u8],
    mut s: &[u8],
    nocase: bool,
    skip_longer: &mut bool,
    nesting: usize,
) -> bool {
    if nesting > MAX_NESTING {
        return false;
    }
    while !p.is_empty() && !s.is_empty() {
        match p[0] {
            b'*' => {
                while at(p, 1) == b'*' {
                    p = &p[1..];
                }
                if p.len() == 1 {
                    return true;
                }
                while !s.is_empty() {
                    if matches(&p[1..], s, nocase, skip_longer, nesting + 1) {
                        return true;
                    }
                    if *skip_longer {
                        return false;
                    }
                    s = &s[1..];
                }
                *skip_longer = true;
                return false;
            }
            b'?' => s = &s[1..],
            b'[' => {
                p = &p[1..];
                let not = at(p, 0) == b'^';
                if not {
                    p = &p[1..];
                }
                let c = s[0];
                let mut hit = false;
                loop {
                    if at(p, 0) == b'\\' && p.len() >= 2 {
                        p = &p[1..];
                        if p[0] == c {
                            hit = true;
                        }
                    } else if at(p, 0) == b']' {
                        break;
                    } else if p.is_empty() {
                        // Unclosed class: stop on the last byte, as Redis
                        // steps back before the shared advance below.
                        break;
                    } else if p.len() >= 3 && p[1] == b'-' {
                        let (mut lo, mut hi) = (p[0] as i8 as i32, p[2] as i8 as i32);
                        if lo > hi {
                            std::mem::swap(&mut lo, &mut hi);
                        }
                        let mut ch = c as i8 as i32;
                        if nocase {
                            lo = fold_i(lo);
                            hi = fold_i(hi);
                            ch = fold_i(ch);
                        }
                        p = &p[2..];
                        if ch >= lo && ch <= hi {
                            hit = true;
                        }
                    } else if fold(p[0], nocase) == fold(c, nocase) {
                        hit = true;
                    }
                    p = &p[1..];
                }
                if not {
                    hit = !hit;
                }
                if !hit {
                    return false;
                }
                s = &s[1..];
                if p.is_empty() {
                    // The unclosed class consumed the whole pattern.
                    return s.is_empty();
                }
            }
            b'\\' => {
                if p.len() >= 2 {
                    p = &p[1..];
                }
                if fold(p[0], nocase) != fold(s[0], nocase) {
                    return false;
                }
                s = &s[1..];
            }
            c => {
                if fold(c, nocase) != fold(s[0], nocase) {
                    return false;
                }
                s = &s[1..];
            }
        }
        p = &p[1..];
        if s.is_empty() {
            while at(p, 0) == b'*' {
                p = &p[1..];
            }
            break;
        }
    }
    p.is_empty() && s.is_empty()
}

/// C's `tolower` on a (signed) `char` value in the C locale.
fn fold_i(c: i32) -> i32 {
    if (b'A' as i32..=b'Z' as i32).contains(&c) {
        c + 32
    } else {
        c
    }
}

#[cfg(test)]
mod tests;
