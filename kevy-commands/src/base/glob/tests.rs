//! Glob tests: a table recorded from redis-server 7.0.15's KEYS, plus the
//! nocase mode (used by COMMAND LIST) and pathological patterns.

use super::stringmatch;

/// The subjects: each is stored as key `k<subject>`.
const SUBJECTS: &[&[u8]] = &[
    b"",
    b"a",
    b"b",
    b"c",
    b"x",
    b"ab",
    b"abc",
    b"abcabc",
    b"aXc",
    b"ac",
    b"*",
    b"?",
    b"a\\",
    b"\\",
    b"[",
    b"[a",
    b"]",
    b"^",
    b"-",
    b"a[",
    b"ab[c",
    b"xy",
    b"x]y",
    b"x^y",
    b"\xe9",
    b"\x7f",
    b"a\x00b",
    b"hello",
    b"hallo",
    b"hxllo",
    b"hllo",
    b"heeeello",
    b"A",
    b"Z",
    b"_",
    b"!",
    b"a.b",
    b"aab",
    b"acb",
    b"abcbc",
    b"**",
    b"a*b",
    b"aa",
];

/// (pattern, subjects it matches) as redis-server 7.0.15 answers
/// `KEYS k<pattern>` over the keys `k<subject>`.
const REDIS_CASES: &[(&[u8], &[usize])] = &[
    (
        b"*",
        &[
            0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
            24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42,
        ],
    ),
    (
        b"?",
        &[
            1, 2, 3, 4, 10, 11, 13, 14, 16, 17, 18, 24, 25, 32, 33, 34, 35,
        ],
    ),
    (b"??", &[5, 9, 12, 15, 19, 21, 40, 42]),
    (
        b"a*",
        &[1, 5, 6, 7, 8, 9, 12, 19, 20, 26, 36, 37, 38, 39, 41, 42],
    ),
    (b"*a", &[1, 15, 42]),
    (
        b"*a*",
        &[
            1, 5, 6, 7, 8, 9, 12, 15, 19, 20, 26, 28, 36, 37, 38, 39, 41, 42,
        ],
    ),
    (b"a?c", &[6, 8]),
    (b"[abc]", &[1, 2, 3]),
    (
        b"[^abc]",
        &[4, 10, 11, 13, 14, 16, 17, 18, 24, 25, 32, 33, 34, 35],
    ),
    (b"[a-c]", &[1, 2, 3]),
    (b"[c-a]", &[1, 2, 3]),
    (b"[^a-c]x", &[]),
    (b"\\*", &[10]),
    (b"\\?", &[11]),
    (b"a\\", &[12]),
    (b"\\", &[13]),
    (b"[", &[]),
    (b"[a", &[1]),
    (b"[a-", &[1, 18]),
    (b"[]", &[]),
    (b"[]]", &[]),
    (
        b"[^]",
        &[
            1, 2, 3, 4, 10, 11, 13, 14, 16, 17, 18, 24, 25, 32, 33, 34, 35,
        ],
    ),
    (b"a[", &[]),
    (b"ab[c", &[6]),
    (b"[\\]]", &[16]),
    (b"[\\", &[13]),
    (b"[a\\", &[1, 13]),
    (b"*[", &[]),
    (
        b"**",
        &[
            0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
            24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42,
        ],
    ),
    (b"***b", &[2, 5, 26, 36, 37, 38, 41]),
    (b"a**c", &[6, 7, 8, 9, 20, 39]),
    (
        b"*?",
        &[
            1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
            25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42,
        ],
    ),
    (
        b"?*",
        &[
            1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
            25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42,
        ],
    ),
    (b"[*]", &[10]),
    (b"[?]", &[11]),
    (b"[-]", &[18]),
    (b"[a-]", &[1, 16, 17, 34]),
    (b"[-a]", &[1, 18]),
    (b"x[^]y", &[22, 23]),
    (b"\\a", &[1]),
    (b"a\\*b", &[41]),
    (b"[\x80-\xff]", &[24]),
    (
        b"[\x00-\x7f]",
        &[1, 2, 3, 4, 10, 11, 13, 14, 16, 17, 18, 25, 32, 33, 34, 35],
    ),
    (
        b"[a-\xff]",
        &[1, 10, 11, 13, 14, 16, 17, 18, 32, 33, 34, 35],
    ),
    (
        b"[\xff-a]",
        &[1, 10, 11, 13, 14, 16, 17, 18, 32, 33, 34, 35],
    ),
    (b"*\x00*", &[26]),
    (b"h*llo", &[27, 28, 29, 30, 31]),
    (b"h[ae]llo", &[27, 28]),
    (b"h[^e]llo", &[28, 29]),
    (b"h[a-b]llo", &[28]),
    (b"[[]", &[14]),
    (b"[!a]", &[1, 35]),
    (b"a*b*c", &[6, 7, 20, 39]),
    (b"*abc", &[6, 7]),
    (b"abc*", &[6, 7, 39]),
    (b"*b*", &[2, 5, 6, 7, 20, 26, 36, 37, 38, 39, 41]),
    (b"[A-Z]", &[32, 33]),
    (b"[Z-a]", &[1, 13, 14, 16, 17, 33, 34]),
    (b"*.*", &[36]),
    (b"a?", &[5, 9, 12, 19, 42]),
];

#[test]
fn matches_like_redis() {
    for (pattern, hits) in REDIS_CASES {
        for (i, subject) in SUBJECTS.iter().enumerate() {
            let p = [b"k", *pattern].concat();
            let s = [b"k", *subject].concat();
            assert_eq!(
                stringmatch(&p, &s, false),
                hits.contains(&i),
                "pattern {:?} subject {:?}",
                String::from_utf8_lossy(pattern),
                String::from_utf8_lossy(subject)
            );
        }
    }
}

#[test]
fn nocase_folds_ascii_only() {
    assert!(stringmatch(b"GET*", b"getex", true));
    assert!(stringmatch(b"command|C*", b"command|count", true));
    assert!(stringmatch(b"[A-C]x", b"bX", true));
    assert!(!stringmatch(b"GET*", b"getex", false));
    assert!(!stringmatch(b"\xc9", b"\xe9", true));
}

#[test]
fn pathological_patterns_terminate() {
    let pattern = "a*".repeat(2000) + "b";
    let subject = "a".repeat(4000);
    assert!(!stringmatch(pattern.as_bytes(), subject.as_bytes(), false));
    let pattern = "*a".repeat(30) + "b";
    assert!(!stringmatch(pattern.as_bytes(), subject.as_bytes(), false));
}
