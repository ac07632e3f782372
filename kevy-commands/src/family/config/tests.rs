//! CONFIG on the harness, replies recorded from redis-server 7.0.15.

use crate::testutil::{check, harness, inline, items, run};

#[test]
fn get_set_and_errors() {
    let mut h = inline();
    check(
        &mut h,
        &[
            ("CONFIG GET maxclients", "*2\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n"),
            ("CONFIG GET MAXCLIENTS", "*2\r\n$10\r\nMAXCLIENTS\r\n$5\r\n10000\r\n"),
            ("CONFIG GET nope", "*0\r\n"),
            ("CONFIG GET maxclients timeout", "*4\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n$7\r\ntimeout\r\n$1\r\n0\r\n"),
            ("CONFIG SET maxclients 100", "+OK\r\n"),
            ("CONFIG GET maxclients", "*2\r\n$10\r\nmaxclients\r\n$3\r\n100\r\n"),
            ("CONFIG SET maxclients 10 timeout", "-ERR syntax error\r\n"),
            ("CONFIG SET", "-ERR wrong number of arguments for 'config|set' command\r\n"),
            (
                "CONFIG SET nope 1",
                "-ERR Unknown option or number of arguments for CONFIG SET - 'nope'\r\n",
            ),
            (
                "CONFIG SET maxclients 100 maxclients 200",
                "-ERR CONFIG SET failed (possibly related to argument 'maxclients') - duplicate parameter\r\n",
            ),
            (
                "CONFIG SET databases 3",
                "-ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config\r\n",
            ),
            (
                "CONFIG SET timeout 10 maxclients abc",
                "-ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument couldn't be parsed into an integer\r\n",
            ),
            ("CONFIG GET timeout", "*2\r\n$7\r\ntimeout\r\n$1\r\n0\r\n"),
            ("CONFIG REWRITE", "-ERR The server is running without a config file\r\n"),
            ("CONFIG FOO", "-ERR unknown subcommand 'FOO'. Try CONFIG HELP.\r\n"),
        ],
    );
    // The runtime's settings follow.
    let info = h.shard(1).server.info.clone();
    assert_eq!(info.map(|i| i.settings.max_clients()), Some(100));
    let help = items(&run(&mut h, &["CONFIG", "HELP"]));
    assert_eq!(help.len(), 11);
    assert!(help[0].starts_with("CONFIG <subcommand>"));
}

#[test]
fn resetstat_forgets_command_statistics() {
    let mut h = harness();
    for k in ["a", "b", "c"] {
        run(&mut h, &["SET", k, "1"]);
    }
    let stats = String::from_utf8_lossy(&run(&mut h, &["INFO", "commandstats"])).into_owned();
    assert!(stats.contains("cmdstat_set:calls=3,"), "{stats}");
    check(&mut h, &[("CONFIG RESETSTAT", "+OK\r\n")]);
    let stats = String::from_utf8_lossy(&run(&mut h, &["INFO", "commandstats"])).into_owned();
    // Only what ran since: the RESETSTAT itself is accounted after it ran.
    assert!(!stats.contains("cmdstat_set"), "{stats}");
    assert!(
        stats.contains("cmdstat_config|resetstat:calls=1,"),
        "{stats}"
    );
}
