//! Server commands' deterministic replies: ROLE, MODULE, CONFIG GET/SET (values kevy and
//! the test redis-server share, and every error), CLIENT's errors and
//! per-connection settings, SLOWLOG, LATENCY, INFO, MEMORY USAGE, DEBUG
//! while disabled. Sequences that change a setting put it back. (CLIENT
//! REPLY OFF | SKIP leave commands without a reply, which sequences cannot
//! express: unit tests cover them.)

use super::{run_family, Seq};

pub const SEQUENCES: &[Seq] = &[
    // MODULE: no module loaded, its help, and LOAD/LOADEX/UNLOAD refused
    // while enable-module-command is off (the default).
    &[
        &["MODULE", "LIST"],
        &["MODULE", "HELP"],
        &["MODULE", "LOAD", "/nonexistent.so"],
        &["MODULE", "LOADEX", "/nonexistent.so", "CONFIG", "a", "b"],
        &["MODULE", "UNLOAD", "foo"],
        &["MODULE"],
        &["MODULE", "LIST", "x"],
        &["MODULE", "FOO"],
        &["MODULE", "LOAD"],
        &["MODULE", "UNLOAD"],
    ],
    // ROLE of a master without replicas, its arity, and inside MULTI.
    &[&["ROLE"], &["ROLE", "x"], &["MULTI"], &["ROLE"], &["EXEC"]],
    // LOLWUT: the version line, and Schotter's rows that use no random
    // numbers (two rows of squares or fewer), clamps and errors.
    &[
        &["LOLWUT"],
        &["lolwut", "5"],
        &["LOLWUT", "VERSION", "5", "40", "4", "2"],
        &["LOLWUT", "VERSION", "5", "66", "8", "1"],
        &["LOLWUT", "VERSION", "5", "0", "0", "0"],
        // One column, Redis's 20 squares a row, but two rows only: with
        // its default ten, rows 2-9 draw from redis-server's time-seeded
        // rand() and the two servers' pixels differed now and then.
        &["LOLWUT", "VERSION", "5", "1", "20", "2"],
        &["LOLWUT", "VERSION", "5", "5000", "300", "2"],
        &["LOLWUT", "version", "4"],
        &["LOLWUT", "VERSION", "7"],
        &["LOLWUT", "VERSION", "59"],
        &["LOLWUT", "VERSION", "-1"],
        &["LOLWUT", "VERSION", "x"],
        &["LOLWUT", "VERSION", "5", "x"],
        &["LOLWUT", "VERSION", "6", "10", "y"],
        &["LOLWUT", "VERSION"],
    ],
    // CONFIG GET of values both servers have.
    &[
        &["CONFIG", "GET", "maxclients"],
        &["CONFIG", "GET", "MAXCLIENTS"],
        &["CONFIG", "GET", "timeout", "tcp-keepalive"],
        &["CONFIG", "GET", "databases"],
        &["CONFIG", "GET", "save"],
        &["CONFIG", "GET", "appendonly"],
        &["CONFIG", "GET", "maxmemory"],
        &["CONFIG", "GET", "maxmemory-policy"],
        &["CONFIG", "GET", "slowlog-log-slower-than"],
        &["CONFIG", "GET", "slowlog-max-len"],
        &["CONFIG", "GET", "latency-monitor-threshold"],
        &["CONFIG", "GET", "latency-tracking-info-percentiles"],
        &["CONFIG", "GET", "hz"],
        &["CONFIG", "GET", "loglevel"],
        &["CONFIG", "GET", "no-such-setting"],
        &["CONFIG", "GET"],
    ],
    // CONFIG SET: live values, then every error.
    &[
        &["CONFIG", "SET", "slowlog-max-len", "5", "timeout", "7"],
        &["CONFIG", "GET", "slowlog-max-len"],
        &["CONFIG", "GET", "timeout"],
        &["CONFIG", "SET", "timeout", "8", "maxclients", "abc"],
        &["CONFIG", "GET", "timeout"],
        &["CONFIG", "SET", "slowlog-max-len", "128", "timeout", "0"],
        &["CONFIG", "SET", "maxclients", "0"],
        &["CONFIG", "SET", "tcp-keepalive", "-1"],
        &["CONFIG", "SET", "loglevel", "bogus"],
        &["CONFIG", "SET", "latency-tracking", "maybe"],
        &["CONFIG", "SET", "databases", "3"],
        &["CONFIG", "SET", "maxclients", "100", "maxclients", "200"],
        &["CONFIG", "SET", "nope", "1"],
        &["CONFIG", "SET", "maxclients", "10", "timeout"],
        &["CONFIG", "SET", "maxclients"],
        &["CONFIG", "SET", "save", "1 2 3"],
        &["CONFIG", "FOO"],
        &["CONFIG"],
    ],
    // CLIENT: per-connection settings and argument errors.
    &[
        &["CLIENT", "GETNAME"],
        &["CLIENT", "SETNAME", "a b"],
        &["CLIENT", "SETNAME", "caf\u{e9}"],
        &["CLIENT", "SETNAME", "conn-1"],
        &["CLIENT", "GETNAME"],
        &["CLIENT", "SETNAME", ""],
        &["CLIENT", "GETNAME"],
        &["CLIENT", "SETNAME"],
        &["CLIENT", "NO-EVICT", "on"],
        &["CLIENT", "NO-EVICT", "maybe"],
        &["CLIENT", "NO-EVICT", "off"],
        &["CLIENT", "REPLY", "FOO"],
        &["CLIENT", "FOO"],
        &["CLIENT"],
        &["CLIENT", "ID", "x"],
    ],
    &[
        &["CLIENT", "PAUSE", "abc"],
        &["CLIENT", "PAUSE", "-1"],
        &["CLIENT", "PAUSE", "10", "foo"],
        &["CLIENT", "PAUSE", "0", "WRITE"],
        &["CLIENT", "UNPAUSE"],
        &["CLIENT", "LIST", "TYPE", "x"],
        &["CLIENT", "LIST", "TYPE", "pubsub"],
        &["CLIENT", "LIST", "TYPE", "master"],
        &["CLIENT", "LIST", "ID", "abc"],
        &["CLIENT", "LIST", "ID", "999999"],
        &["CLIENT", "LIST", "foo"],
        &["CLIENT", "LIST", "TYPE", "normal", "ID", "1"],
    ],
    &[
        &["CLIENT", "KILL"],
        &["CLIENT", "KILL", "1.2.3.4:5"],
        &["CLIENT", "KILL", "a", "b", "c"],
        &["CLIENT", "KILL", "ID", "abc"],
        &["CLIENT", "KILL", "ID", "0"],
        &["CLIENT", "KILL", "ID", "999999"],
        &["CLIENT", "KILL", "TYPE", "foo"],
        &["CLIENT", "KILL", "TYPE", "pubsub"],
        &["CLIENT", "KILL", "SKIPME", "maybe"],
        &["CLIENT", "KILL", "USER", "nobody"],
        &["CLIENT", "KILL", "ADDR", "1.2.3.4:5", "SKIPME", "no"],
    ],
    // SLOWLOG and LATENCY with nothing slow.
    &[
        &["SLOWLOG", "RESET"],
        &["SLOWLOG", "LEN"],
        &["SLOWLOG", "GET", "0"],
        &["SLOWLOG", "GET", "x"],
        &["SLOWLOG", "GET", "-2"],
        &["SLOWLOG", "FOO"],
        &["LATENCY", "LATEST"],
        &["LATENCY", "HISTORY", "command"],
        &["LATENCY", "RESET"],
        &["LATENCY", "RESET", "a", "b"],
        &["LATENCY", "HISTORY"],
        &["LATENCY", "FOO"],
    ],
    // LATENCY DOCTOR and GRAPH where deterministic: monitoring off, then on
    // with nothing as slow as a second; no samples to graph.
    &[
        &["LATENCY", "RESET"],
        &["LATENCY", "DOCTOR"],
        &["LATENCY", "DOCTOR", "x"],
        &["LATENCY", "GRAPH", "command"],
        &["LATENCY", "GRAPH", "no-such-event"],
        &["LATENCY", "GRAPH"],
        &["LATENCY", "GRAPH", "a", "b"],
        &["LATENCY", "HELP"],
        &["CONFIG", "SET", "latency-monitor-threshold", "1000"],
        &["LATENCY", "DOCTOR"],
        &["LATENCY", "GRAPH", "command"],
        &["CONFIG", "SET", "latency-monitor-threshold", "0"],
        &["LATENCY", "DOCTOR"],
    ],
    // INFO of no known section; MEMORY USAGE's arguments; DEBUG disabled.
    &[
        &["INFO", "nosuchsection"],
        &["SET", "k", "v"],
        &["MEMORY", "USAGE", "nokey"],
        &["MEMORY", "USAGE", "k", "SAMPLES", "x"],
        &["MEMORY", "USAGE", "k", "SAMPLES", "-1"],
        &["MEMORY", "USAGE", "k", "FOO", "1"],
        &["MEMORY", "USAGE"],
        &["MEMORY", "PURGE"],
        &["MEMORY", "FOO"],
        &["DEBUG", "SLEEP", "0"],
        &["DEBUG", "OBJECT", "k"],
        &["MONITOR", "extra"],
        &["TIME", "x"],
        &["LASTSAVE", "x"],
    ],
    // FAILOVER on a primary without replicas: its arguments, then the
    // checks, in Redis's order; RESTORE-ASKING's arity.
    &[
        &["FAILOVER"],
        &["FAILOVER", "ABORT"],
        &["FAILOVER", "abort", "x"],
        &["FAILOVER", "TO"],
        &["FAILOVER", "TO", "h", "x"],
        &["FAILOVER", "TO", "h", "1", "TO", "h", "2"],
        &["FAILOVER", "TIMEOUT", "0"],
        &["FAILOVER", "TIMEOUT", "x"],
        &["FAILOVER", "TIMEOUT", "-5", "FORCE"],
        &["FAILOVER", "FORCE"],
        &["FAILOVER", "FORCE", "FORCE"],
        &["FAILOVER", "TO", "127.0.0.1", "1", "FORCE", "TIMEOUT", "10"],
        &["FAILOVER", "bogus"],
        &["RESTORE-ASKING", "k", "0"],
        &["SET", "k", "v"],
        &["GET", "k"],
    ],
    // Replies whose RESP3 shape differs: maps, sets, nulls, verbatim text.
    &[
        &["CONFIG", "GET", "no-such-setting"],
        &["CONFIG", "GET", "maxclients", "databases"],
        &["LATENCY", "HISTOGRAM", "no-such-command"],
        &["COMMAND", "INFO", "no-such-command", "get", "hello"],
        &["COMMAND", "DOCS", "no-such-command"],
        &[
            "COMMAND",
            "DOCS",
            "GET",
            "get",
            "Latency|Graph",
            "nope",
            "zadd",
        ],
        &["COMMAND", "DOCS", "latency|doctor", "latency|nope", "get|x"],
        &["COMMAND", "GETKEYSANDFLAGS", "SET", "k", "v", "GET"],
        &["CLIENT", "LIST", "TYPE", "pubsub"],
        &["CLIENT", "LIST", "ID", "999999"],
        &["CLIENT", "GETNAME"],
        &["MEMORY", "USAGE", "nokey"],
        &["OBJECT", "ENCODING", "nokey"],
        &["INFO", "nosuchsection"],
    ],
];

#[test]
fn server_commands_match_redis() {
    run_family("server", SEQUENCES);
}
