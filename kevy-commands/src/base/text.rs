//! Text helpers shared by the layers above: Redis's quoting of bytes
//! ([`repr`], its `sdscatrepr`).

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repr_escapes_like_sdscatrepr() {
        let mut out = Vec::new();
        repr(&mut out, b"k\"a\x01\n\\\xff \x07\x08\t\r");
        assert_eq!(out, b"\"k\\\"a\\x01\\n\\\\\\xff \\a\\b\\t\\r\"".to_vec());
    }
}
