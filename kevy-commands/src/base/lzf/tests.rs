//! LZF against bytes redis-server wrote, round trips, and bad input.

use super::*;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Strings and the LZF payloads redis-server 7.0.15 wrote for them in
/// `DUMP` (its RDB string encoding gives `lzf_compress` `len - 4` bytes).
fn redis_vectors() -> Vec<(Vec<u8>, Vec<u8>)> {
    let a = format!("{}hello world hello world", "abcabcabcabc".repeat(10));
    let b: String = (0..60).map(|i| format!("item:{},", i % 13)).collect();
    vec![
        (
            a.into_bytes(),
            hex("0361626361e06b020b68656c6c6f20776f726c6420e0000b016c64"),
        ),
        (
            b.into_bytes(),
            hex(concat!(
                "076974656d3a302c6940060031800600328006003380060034800600358006",
                "003680060037800600388006003980060031c046a0470031a048c0168025a0",
                "14e0ff5de1257701372c",
            )),
        ),
    ]
}

#[test]
fn compress_matches_redis_and_decompresses_its_bytes() {
    for (plain, packed) in redis_vectors() {
        assert_eq!(
            decompress(&packed, plain.len()).as_deref(),
            Ok(&plain[..]),
            "Redis's bytes decompress"
        );
        assert_eq!(
            compress(&plain, plain.len() - 4).as_deref(),
            Some(&packed[..]),
            "same bytes as lzf_compress"
        );
    }
}

#[test]
fn round_trips() {
    let mut rng = 0x1234_5678_9abc_def0u64;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    for n in [
        1usize, 2, 3, 4, 5, 31, 32, 33, 34, 100, 264, 300, 4096, 9000, 70_000,
    ] {
        // Text from a small alphabet (compressible) and runs of one byte.
        let text: Vec<u8> = (0..n).map(|_| b"abcd efg"[(next() % 8) as usize]).collect();
        let runs = vec![b'z'; n];
        for input in [text, runs] {
            match compress(&input, input.len() + 64) {
                Some(c) => assert_eq!(decompress(&c, n).unwrap(), input, "n={n}"),
                None => panic!("n={n}: fits in len + 64"),
            }
        }
    }
}

#[test]
fn incompressible_input_is_refused_when_it_would_grow() {
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let noise: Vec<u8> = (0..1000)
        .map(|_| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng as u8
        })
        .collect();
    assert_eq!(compress(&noise, noise.len()), None);
    // Given room, it comes back as literal runs (32 bytes + 1 each).
    let c = compress(&noise, 2000).unwrap();
    assert!(c.len() > noise.len());
    assert_eq!(decompress(&c, noise.len()).unwrap(), noise);
    assert_eq!(compress(b"", 10), None);
    assert_eq!(compress(b"abc", 0), None);
}

#[test]
fn corrupt_streams_are_errors() {
    let c = compress(&[b'q'; 500], 500).unwrap();
    // Too little room for the output.
    assert_eq!(decompress(&c, 499), Err(Corrupt));
    // Truncated anywhere: an error or a shorter output, never a panic.
    for cut in 0..c.len() {
        if let Ok(out) = decompress(&c[..cut], 500) {
            assert!(out.len() < 500);
        }
    }
    // A back-reference before the start.
    assert_eq!(decompress(&[0x20, 0x05], 10), Err(Corrupt));
    // A literal run past the end of the input.
    assert_eq!(decompress(&[0x05, b'a'], 10), Err(Corrupt));
    // Every byte string of length 3 decodes or fails without panicking.
    for a in 0..=255u8 {
        for b in [0u8, 1, 31, 32, 200, 255] {
            let _ = decompress(&[a, b, 7], 64);
        }
    }
}

/// A table kept from earlier inputs (longer, shorter, unrelated) still
/// gives streams that decompress to the input.
#[test]
fn a_reused_table_still_round_trips() {
    let mut rng = 0x0123_4567_89ab_cdefu64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    for round in 0..200 {
        let n = [1usize, 3, 5, 47, 48, 100, 1000, 8192, 20_000][round % 9];
        let alphabet = if round % 2 == 0 { 4 } else { 256 };
        let input: Vec<u8> = (0..n).map(|_| (next() % alphabet) as u8).collect();
        for room in [n, n + 64] {
            let fresh = compress(&input, room);
            match compress_reusing(&input, room) {
                Some(c) => {
                    assert!(c.len() <= room);
                    assert_eq!(decompress(&c, n).unwrap(), input, "round {round}");
                }
                // Only where a fresh table finds too little as well:
                // both compress small alphabets.
                None => assert!(alphabet == 256 || fresh.is_none(), "round {round}"),
            }
        }
    }
    assert_eq!(compress_reusing(b"", 10), None);
}
