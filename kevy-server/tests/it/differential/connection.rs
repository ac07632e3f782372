//! Connection and server commands: PING, ECHO, QUIT, COMMAND COUNT, SELECT,
//! HELLO, unknown and empty commands.

use super::{run_family, Seq};

pub const SEQUENCES: &[Seq] = &[
    // Cluster commands on a server without cluster mode: refused, after
    // the table's arity and subcommand checks.
    &[
        &["CLUSTER", "INFO"],
        &["cluster", "help"],
        &["CLUSTER", "KEYSLOT", "a"],
        &["CLUSTER", "KEYSLOT"],
        &["CLUSTER", "NOSUCH"],
        &["CLUSTER"],
        &["CLUSTER", "ADDSLOTS", "1", "2"],
        &["READONLY"],
        &["READWRITE"],
        &["READONLY", "x"],
        &["ASKING"],
        &["COMMAND", "INFO", "cluster|shards", "asking"],
        &["COMMAND", "COUNT"],
    ],
    // PING
    &[&["PING"], &["ping"], &["PiNg"]],
    &[&["PING", "hello"], &["PING", ""], &["PING", "with space\r\nand crlf"]],
    &[&["PING", "a", "b"], &["PING", "a", "b", "c"]],
    // ECHO
    &[&["ECHO", "hello"], &["ECHO", ""], &["echo", "\x00binary\u{ff}"]],
    &[&["ECHO"], &["ECHO", "a", "b"]],
    // QUIT: replies +OK and closes; what was written before stays.
    &[&["SET", "a", "1"], &["QUIT"], &["GET", "a"]],
    &[&["QUIT", "extra", "args"], &["PING"]],
    &[&["quit"], &["ECHO", "after"]],
    // COMMAND COUNT (its value is not compared).
    &[&["COMMAND", "COUNT"], &["command", "count"]],
    &[&["COMMAND", "COUNT", "x"]],
    // SELECT
    &[&["SELECT", "0"], &["SET", "a", "0"], &["GET", "a"]],
    &[
        &["SET", "a", "in0"],
        &["SELECT", "1"],
        &["GET", "a"],
        &["SET", "a", "in1"],
        &["SET", "b", "in1"],
        &["DBSIZE"],
        &["SELECT", "0"],
        &["GET", "a"],
        &["GET", "b"],
        &["DBSIZE"],
        &["SELECT", "15"],
        &["DBSIZE"],
    ],
    &[
        &["SELECT", "16"],
        &["SELECT", "-1"],
        &["SELECT", "x"],
        &["SELECT", "1.5"],
        &["SELECT", "99999999999999999999"],
        &["SELECT", ""],
        &["SELECT", " 1"],
        &["SELECT", "01"],
    ],
    &[&["SELECT"], &["SELECT", "0", "1"]],
    // SELECT is per connection: a new connection starts in db 0.
    &[
        &["SELECT", "3"],
        &["SET", "k", "three"],
        &["QUIT"],
        &["GET", "k"],
        &["SELECT", "3"],
        &["GET", "k"],
    ],
    // FLUSHDB empties only the selected database; FLUSHALL every one.
    &[
        &["SET", "a", "0"],
        &["SELECT", "2"],
        &["SET", "a", "2"],
        &["FLUSHDB"],
        &["GET", "a"],
        &["SELECT", "0"],
        &["GET", "a"],
        &["SELECT", "2"],
        &["SET", "a", "2"],
        &["FLUSHALL"],
        &["GET", "a"],
        &["SELECT", "0"],
        &["GET", "a"],
    ],
    // Unknown commands, with Redis's argument preview (128 bytes at most, newlines
    // turned into spaces).
    &[&["FOO"], &["foo", "a", "b"], &["NOSUCH", "x", "y", "z"]],
    &[
        &["FOO", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"],
        &["FOO", "0123456789012345678901234567890123456789", "0123456789012345678901234567890123456789", "0123456789012345678901234567890123456789", "0123456789012345678901234567890123456789"],
        &["LONGCOMMANDNAMEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE", "x"],
        &["FOO", "line\r\nbreak", "tab\there"],
        &["FOO\nBAR"],
        &["FOO", ""],
        &["FOO", "caf\u{e9}", "\x01\x7f"],
    ],
    // Arity errors name the command in lower case, however it was sent.
    &[&["GeT"], &["ECHO"], &["eChO", "a", "b"], &["SeLeCt"]],
    // The empty command name is unknown too.
    &[&[""], &["", "x"]],
    // An empty multibulk is skipped without a reply.
    &[&[], &["PING"], &[], &[], &["ECHO", "x"], &[]],
    // HELLO: the protocol switches for the connection, the reply is in the
    // new protocol (its `id` is not compared).
    &[
        &["HELLO"],
        &["GET", "missing"],
        &["HELLO", "3"],
        &["GET", "missing"],
        &["MGET", "missing", "x", "y"],
        &["HELLO"],
        &["hello", "2"],
        &["GET", "missing"],
        &["LPOP", "missing", "2"],
    ],
    &[
        &["HELLO", "4"],
        &["HELLO", "1"],
        &["HELLO", "0"],
        &["HELLO", "-3"],
        &["HELLO", "x"],
        &["HELLO", "3.0"],
        &["HELLO", "99999999999999999999"],
        &["HELLO", ""],
        &["HELLO", "4", "FOO"],
        &["HELLO", "3", "FOO"],
        &["HELLO", "3", "AUTH"],
        &["HELLO", "3", "AUTH", "default"],
        &["HELLO", "3", "auth", "bob", "pw"],
        &["HELLO", "3", "SETNAME"],
        &["HELLO", "3", "SETNAME", "a b"],
        &["HELLO", "3", "SETNAME", "a", "b"],
        &["GET", "missing"],
    ],
    // AUTH: the default user takes any password (no requirepass); SETNAME
    // names the connection as CLIENT SETNAME does.
    &[
        &["HELLO", "3", "AUTH", "default", "anything"],
        &["GET", "missing"],
        &["HELLO", "2", "AUTH", "default", "x", "SETNAME", "conn-1"],
        &["CLIENT", "GETNAME"],
        &["HELLO", "3", "SETNAME", "first", "SETNAME", "second"],
        &["CLIENT", "GETNAME"],
        &["HELLO", "3", "SETNAME", ""],
        &["CLIENT", "GETNAME"],
        &["HELLO", "2", "SETNAME", "bad\nname"],
        &["HELLO", "3", "AUTH", "nobody", "x", "SETNAME", "never"],
        &["CLIENT", "GETNAME"],
        &["GET", "missing"],
    ],
];

#[test]
fn connection() {
    run_family("connection", SEQUENCES);
}
