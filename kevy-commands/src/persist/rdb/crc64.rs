//! Redis's CRC-64 (Jones polynomial, reflected, no final xor): the
//! checksum at the end of an RDB file and of a DUMP payload. Slice-by-8
//! tables built at compile time.

/// The reflected Jones polynomial (Redis's `crc64.c`).
const POLY: u64 = 0x95ac_9329_ac4b_c9b5;

const fn tables() -> [[u64; 256]; 8] {
    let mut t = [[0u64; 256]; 8];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u64;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 == 1 { (c >> 1) ^ POLY } else { c >> 1 };
            k += 1;
        }
        t[0][i] = c;
        i += 1;
    }
    let mut j = 1;
    while j < 8 {
        let mut i = 0;
        while i < 256 {
            let prev = t[j - 1][i];
            t[j][i] = (prev >> 8) ^ t[0][(prev & 0xff) as usize];
            i += 1;
        }
        j += 1;
    }
    t
}

static T: [[u64; 256]; 8] = tables();

/// Continues the checksum `crc` over `data` (`crc64(crc, data, len)`; start at 0).
pub fn update(mut crc: u64, data: &[u8]) -> u64 {
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let x = crc ^ u64::from_le_bytes(w);
        crc = T[7][(x & 0xff) as usize]
            ^ T[6][((x >> 8) & 0xff) as usize]
            ^ T[5][((x >> 16) & 0xff) as usize]
            ^ T[4][((x >> 24) & 0xff) as usize]
            ^ T[3][((x >> 32) & 0xff) as usize]
            ^ T[2][((x >> 40) & 0xff) as usize]
            ^ T[1][((x >> 48) & 0xff) as usize]
            ^ T[0][(x >> 56) as usize];
    }
    for &b in chunks.remainder() {
        crc = T[0][((crc ^ b as u64) & 0xff) as usize] ^ (crc >> 8);
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redis_check_value() {
        // crc64.c's own test: crc64(0, "123456789") = 0xe9c6d914c4b8d9ca.
        assert_eq!(update(0, b"123456789"), 0xe9c6_d914_c4b8_d9ca);
        let long = b"This is a test of the emergency broadcast system.".repeat(3);
        let whole = update(0, &long);
        let split = update(update(0, &long[..13]), &long[13..]);
        assert_eq!(whole, split);
    }
}
