//! The `struct` library inside scripts (`struct.pack`, `struct.unpack`,
//! `struct.size`) against redis-server 7.0: every option, both byte
//! orders, alignment, integers of odd sizes, signedness, `c0`, `s`, the
//! position `unpack` returns, and each error text (with the quirks of
//! Redis's `lua_struct.c`).

use super::{run_family, Seq};

/// `EVAL body 0` for each body.
macro_rules! evals {
    ($($body:expr),* $(,)?) => { &[$(&["EVAL", $body, "0"]),*] };
}

pub const SEQUENCES: &[Seq] = &[
    evals![
        "return struct.pack('b', -1)",
        "return struct.pack('B', 255)",
        "return struct.pack('>h', 258)",
        "return struct.pack('<h', 258)",
        "return struct.pack('>H', 65535)",
        "return struct.pack('>l', -2)",
        "return struct.pack('<L', 1234567890123)",
        "return struct.pack('>T', 77)",
        "return struct.pack('>i', -5)",
        "return struct.pack('>I3', 70000)",
        "return struct.pack('<i3', -2)",
        "return struct.pack('>I12', 5)",
        "return struct.pack('<i12', -1)",
        "return struct.pack('>f', 1.5)",
        "return struct.pack('<d', -0.25)",
        "return struct.pack('>d', 1/0)",
        "return struct.pack('xbx', 7)",
        "return struct.pack('c3', 'abcdef')",
        "return struct.pack('c0', 'whole')",
        "return struct.pack('s', 'zero')",
        "return struct.pack('>!4 b i', 1, 2)",
        "return struct.pack('!b d', 1, 2)",
        "return struct.pack('!2 b h b l', 1, 2, 3, 4)",
        "return struct.pack(' > b < h ', 1, 2)",
        "return struct.pack('i', '42')",
        "return struct.pack('c2', 12345)",
        "return struct.pack('b', 3.9)",
        "return struct.pack('B', -3.9)",
        "return struct.pack('')",
    ],
    evals![
        "return {struct.unpack('b', '\\255')}",
        "return {struct.unpack('B', '\\255')}",
        "return {struct.unpack('>h', '\\1\\2')}",
        "return {struct.unpack('<h', '\\255\\255')}",
        "return {struct.unpack('>I3', struct.pack('>I3', 70000))}",
        "return {struct.unpack('<i3', struct.pack('<i3', -2))}",
        "return {struct.unpack('>l', struct.pack('>l', -123456789))}",
        "return {struct.unpack('<L', struct.pack('<L', 2^40))}",
        "return {struct.unpack('>i12', struct.pack('>i12', -1))}",
        "return tostring(struct.unpack('>f', struct.pack('>f', 1.5)))",
        "return tostring(struct.unpack('<d', struct.pack('<d', -0.25)))",
        "return {struct.unpack('c3', 'abcdef')}",
        "return {struct.unpack('c3', 'abcdef', 3)}",
        "return {struct.unpack('b c0', '\\3xyzw')}",
        "return {struct.unpack('s s', 'ab\\0cd\\0')}",
        "return {struct.unpack('xb', '\\1\\2')}",
        "return {struct.unpack('!4 b i', struct.pack('!4 b i', 9, 10))}",
        "return {struct.unpack('>HH', struct.pack('>HH', 1, 2))}",
        "return {struct.unpack('b', '\\1\\2', 2)}",
        "return {struct.unpack('b', '\\1\\2', '2')}",
        "return {struct.unpack('', 'abc')}",
    ],
    evals![
        "return struct.size('b h l')",
        "return struct.size('!b d')",
        "return struct.size('!4 b i b')",
        "return struct.size('c10 i3 x')",
        "return struct.size('>d<f')",
        "return struct.size('z')",
        "return struct.size('')",
    ],
    // errors
    evals![
        "return struct.pack('z', 1)",
        "return struct.pack('b', 'x')",
        "return struct.pack('b', {})",
        "return struct.pack('c5', 'ab')",
        "return struct.pack('s', nil)",
        "return struct.pack('b')",
        "return struct.pack('bb', 1)",
        "return struct.pack('bbb', 1)",
        "return struct.pack('s')",
        "return struct.pack('d')",
        "return struct.pack('i40', 1)",
        "return struct.pack('!3', 1)",
        "return struct.pack('i99999999999', 1)",
        "return struct.pack()",
        "return struct.pack(12)",
        "return struct.unpack('b', '')",
        "return struct.unpack('i', 'abc')",
        "return struct.unpack('c0', 'abc')",
        "return struct.unpack('b c0', '\\9ab')",
        "return struct.unpack('s', 'abc')",
        "return struct.unpack('b', 'abc', 0)",
        "return struct.unpack('b', 'abc', 'x')",
        "return struct.unpack('b', 'abc', 9)",
        "return struct.unpack('b')",
        "return struct.unpack('q', 'abc')",
        "return struct.size('s')",
        "return struct.size('c0')",
        "return struct.size('!5')",
        "return struct.size('?')",
        "return pcall(struct.pack, 'z')",
        "struct.pack = nil",
        "struct.x = 1",
        "return type(struct)",
    ],
];

#[test]
fn scripting_struct() {
    run_family("scripting_struct", SEQUENCES);
}
