//! Raw request bytes, as clients really send them: pipelines, inline commands with
//! quoting, empty requests, commands after QUIT. Each input goes over a fresh
//! connection, followed by a multibulk QUIT; everything both servers write until
//! they close must be equal.

use super::run_raw;

pub const INPUTS: &[&[u8]] = &[
    // Commands pipelined after QUIT are not answered.
    b"PING\r\nQUIT\r\nPING\r\nSET a 1\r\n",
    b"*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nQUIT\r\n*1\r\n$4\r\nPING\r\n",
    // Empty requests: empty multibulks, null multibulks, blank inline lines.
    b"*0\r\n*-1\r\n\r\n\n   \r\n\t\r\nPING\r\n*0\r\n",
    // LF-only inline lines.
    b"PING\nECHO x\nSET k v\nGET k\n",
    // Inline quoting: escapes in double quotes, single quotes, empty arguments.
    b"ECHO \"a\\x41\\tb\\n\"\r\nECHO 'x y'\r\nECHO \"\\\\\"\r\nECHO \"\"\r\nECHO ''\r\n",
    b"SET \"\" empty\r\nGET \"\"\r\nSET 'it\\'s' v\r\nGET \"it's\"\r\nECHO \"\\q\\x4\"\r\n",
    b"ECHO   spaced    out  \r\nECHO \"a b\" 'c d'\r\n",
    // Unknown and wrong-arity commands, inline and multibulk.
    b"FOO bar baz\r\nGET\r\n*1\r\n$3\r\nGET\r\n*3\r\n$3\r\nGET\r\n$1\r\na\r\n$1\r\nb\r\n",
    // The two bytes after a bulk payload are skipped, whatever they are.
    b"*2\r\n$4\r\nECHO\r\n$1\r\nxYZ*1\r\n$4\r\nPING\r\n",
    // Inline and multibulk mixed, over keys on both shards.
    b"MSET a 1 b 2 c 3 d 4\r\n*2\r\n$4\r\nINCR\r\n$1\r\na\r\nMGET a b c d e\r\nDEL a b c d\r\nDBSIZE\r\n",
    // SELECT pipelined with multi-shard commands: each runs in the db selected
    // when it was sent.
    b"SELECT 3\r\nMSET a 1 b 2 c 3 d 4\r\nSELECT 0\r\nMGET a b c d\r\nDBSIZE\r\nSELECT 3\r\nMGET a b c d\r\nDBSIZE\r\nDEL a b c\r\nSELECT 0\r\nEXISTS a b c d\r\nSELECT 3\r\nEXISTS a b c d\r\nKEYS *\r\nFLUSHDB\r\nDBSIZE\r\n",
    // MSETNX's two rounds are not overtaken by the pipelined commands after it.
    b"MSETNX a 1 b 2 c 3\r\nMGET a b c\r\nMSETNX c 9 d 9\r\nMGET c d\r\nMSETNX d 4 e 5\r\nDEL a b c d e\r\n",
    // Protocol errors: the reply, then the connection closes (QUIT never runs).
    b"PING\r\n*1\r\nfoo\r\n",
    b"SET a \"unbalanced\r\n",
    b"*2\r\n$3\r\nGET\r\n$-5\r\n",
];

#[test]
fn raw() {
    run_raw("raw", INPUTS);
}

/// `proto-max-bulk-len` changed while running, pipelined with the requests
/// it applies to: a bulk header past the new limit is a protocol error, a
/// payload under a raised one is taken (each input restores the default
/// before the next).
#[test]
fn bulk_length_limit_set_while_running() {
    let header = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1500000\r\n";
    let payload = [header.as_slice(), &vec![b'x'; 1_500_000], b"\r\n"].concat();
    let inputs: Vec<Vec<u8>> = vec![
        [b"CONFIG SET proto-max-bulk-len 1mb\r\n".as_slice(), header].concat(),
        [
            b"CONFIG SET proto-max-bulk-len 2mb\r\n".as_slice(),
            &payload,
            b"STRLEN k\r\nCONFIG GET proto-max-bulk-len\r\n",
            b"CONFIG SET proto-max-bulk-len 512mb\r\n",
        ]
        .concat(),
        [payload.as_slice(), b"STRLEN k\r\n"].concat(),
    ];
    let refs: Vec<&[u8]> = inputs.iter().map(Vec::as_slice).collect();
    run_raw("bulk-length", &refs);
}
