//! INFO on the harness: sections, format, and figures summed over shards.

use super::*;
use crate::testutil::{harness, inline, keys_on_distinct_shards, run};

/// The INFO text of a reply (a bulk string).
fn text(reply: &[u8]) -> String {
    let s = String::from_utf8_lossy(reply).into_owned();
    let (head, body) = s.split_once("\r\n").unwrap_or_default();
    assert!(head.starts_with('$'), "{s}");
    assert_eq!(head[1..].parse::<usize>().ok(), Some(body.len() - 2));
    body[..body.len() - 2].to_string()
}

/// `(section, fields)` of an INFO text, checking its shape like an exporter:
/// `# Title` headers, `name:value` lines, an empty line between sections.
fn parse(text: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut out: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for (i, block) in text.split("\r\n\r\n").enumerate() {
        let mut lines = block.split("\r\n").filter(|l| !l.is_empty());
        let title = lines.next().unwrap_or_default();
        assert!(title.starts_with("# "), "block {i}: {block:?}");
        let fields = lines
            .map(|l| {
                let (k, v) = l
                    .split_once(':')
                    .unwrap_or_else(|| panic!("not name:value: {l:?}"));
                assert!(!k.is_empty() && !k.contains(' '), "{l:?}");
                (k.to_string(), v.to_string())
            })
            .collect();
        out.push((title[2..].to_string(), fields));
    }
    out
}

#[test]
fn sections_follow_redis() {
    let mut h = inline();
    let titles = |h: &mut kevy_rt::testing::Harness<crate::Redis>, args: &[&str]| -> Vec<String> {
        parse(&text(&run(h, args)))
            .into_iter()
            .map(|(t, _)| t)
            .collect()
    };
    run(&mut h, &["SET", "k", "v"]);
    let default = [
        "Server",
        "Clients",
        "Memory",
        "Persistence",
        "Stats",
        "Replication",
        "CPU",
        "Modules",
        "Errorstats",
        "Cluster",
        "Keyspace",
    ];
    assert_eq!(titles(&mut h, &["INFO"]), default);
    assert_eq!(titles(&mut h, &["INFO", "default"]), default);
    let all = titles(&mut h, &["INFO", "all"]);
    assert_eq!(all.len(), 13);
    assert_eq!(all[8..11], ["Commandstats", "Errorstats", "Latencystats"]);
    assert_eq!(titles(&mut h, &["INFO", "everything"]), all);
    assert_eq!(
        titles(&mut h, &["INFO", "keyspace", "SERVER"]),
        ["Server", "Keyspace"]
    );
    assert_eq!(run(&mut h, &["INFO", "foo", "bar"]), b"$0\r\n\r\n");
    let server = text(&run(&mut h, &["INFO", "server"]));
    assert!(server.starts_with("# Server\r\nredis_version:7.0.15\r\nredis_git_sha1:"));
    assert!(server.contains("\r\nkevy_version:"));
}

#[test]
fn numbers_are_numbers() {
    let mut h = harness();
    run(&mut h, &["SET", "k", "v"]);
    for (section, fields) in parse(&text(&run(&mut h, &["INFO", "everything"]))) {
        for (k, v) in fields {
            let textual = [
                "redis_version",
                "kevy_version",
                "redis_mode",
                "os",
                "monotonic_clock",
                "multiplexing_api",
                "process_supervised",
                "run_id",
                "executable",
                "config_file",
                "maxmemory_policy",
                "mem_allocator",
                "rdb_last_bgsave_status",
                "aof_last_bgrewrite_status",
                "atomicvar_api",
                "gcc_version",
                "aof_last_write_status",
                "role",
                "master_failover_state",
                "master_replid",
                "master_replid2",
            ];
            if textual.contains(&k.as_str()) || k.ends_with("_human") || k.ends_with("_perc") {
                continue;
            }
            if matches!(
                section.as_str(),
                "Commandstats" | "Errorstats" | "Latencystats" | "Keyspace"
            ) {
                for kv in v.split(',') {
                    let (_, n) = kv.split_once('=').unwrap_or_else(|| panic!("{k}:{v}"));
                    assert!(n.parse::<f64>().is_ok(), "{k}:{v}");
                }
                continue;
            }
            assert!(v.parse::<f64>().is_ok(), "{section}: {k}:{v}");
        }
    }
}

#[test]
fn figures_sum_over_shards() {
    let mut h = harness();
    let keys = keys_on_distinct_shards(&h, "k");
    for k in &keys {
        run(&mut h, &["SET", k, "1"]);
    }
    run(&mut h, &["SET", &keys[0], "2", "EX", "100"]);
    run(&mut h, &["SELECT", "3"]);
    run(&mut h, &["SET", &keys[1], "x"]);
    run(&mut h, &["LPUSH", &keys[1], "x"]);
    run(&mut h, &["GET"]);
    run(&mut h, &["NOSUCH"]);
    let info = text(&run(&mut h, &["INFO", "all"]));
    let sections = parse(&info);
    let field = |sec: &str, name: &str| -> String {
        sections
            .iter()
            .find(|(t, _)| t == sec)
            .and_then(|(_, f)| f.iter().find(|(k, _)| k == name))
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("{sec}/{name} in {info}"))
    };
    assert!(field("Keyspace", "db0").starts_with("keys=3,expires=1,avg_ttl="));
    let avg: u64 = field("Keyspace", "db0")
        .rsplit('=')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(avg > 90_000 && avg <= 100_000, "{avg}");
    assert_eq!(field("Keyspace", "db3"), "keys=1,expires=0,avg_ttl=0");
    let set = field("Commandstats", "cmdstat_set");
    assert!(set.starts_with("calls=5,usec="), "{set}");
    assert!(set.ends_with(",rejected_calls=0,failed_calls=0"), "{set}");
    let lpush = field("Commandstats", "cmdstat_lpush");
    assert!(
        lpush.ends_with("rejected_calls=0,failed_calls=1"),
        "{lpush}"
    );
    let get = field("Commandstats", "cmdstat_get");
    assert_eq!(
        get,
        "calls=0,usec=0,usec_per_call=0.00,rejected_calls=1,failed_calls=0"
    );
    assert_eq!(field("Errorstats", "errorstat_ERR"), "count=2");
    assert_eq!(field("Errorstats", "errorstat_WRONGTYPE"), "count=1");
    assert_eq!(field("Stats", "total_error_replies"), "3");
    // SET ×5, SELECT, LPUSH (the rejected ones do not count).
    assert_eq!(field("Stats", "total_commands_processed"), "7");
    let lat = field("Latencystats", "latency_percentiles_usec_set");
    assert!(
        lat.starts_with("p50=") && lat.contains(",p99=") && lat.contains(",p99.9="),
        "{lat}"
    );
    assert_eq!(field("Server", "kevy_shards"), "3");
    assert_eq!(field("Persistence", "aof_enabled"), "0");
    assert_eq!(field("Cluster", "cluster_enabled"), "0");
}

#[test]
fn section_names_parse() {
    let args = |w: &[&str]| w.iter().collect::<kevy_rt::OwnedArgs>();
    let s = Sections::parse(args(&["INFO", "CPU", "nonsense"]).args());
    assert!(s.has("cpu") && !s.has("server"));
    assert!(Sections::parse(args(&["INFO"]).args()).has("keyspace"));
    assert!(!Sections::parse(args(&["INFO"]).args()).has("commandstats"));
}

/// The value of `name` in `INFO everything`.
fn field(h: &mut impl crate::testutil::Drive, name: &str) -> String {
    let info = text(&run(h, &["INFO", "everything"]));
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")).map(str::to_string))
        .unwrap_or_else(|| panic!("no {name}"))
}

#[test]
fn hits_misses_and_changes_count_as_in_redis() {
    let mut h = harness();
    run(&mut h, &["SET", "a", "1"]);
    run(&mut h, &["SETNX", "a", "2"]);
    run(&mut h, &["MSET", "b", "1", "c", "2"]);
    run(&mut h, &["GET", "a"]);
    run(&mut h, &["GET", "zz"]);
    run(&mut h, &["EXISTS", "a", "zz"]);
    run(&mut h, &["DEL", "a", "zz"]);
    run(&mut h, &["LPUSH", "l", "1", "2", "3"]);
    run(&mut h, &["SET", "e", "1", "PX", "1"]);
    std::thread::sleep(std::time::Duration::from_millis(5));
    run(&mut h, &["GET", "e"]);
    // Same sequence on redis-server 7.0.15: hits 2, misses 3, expired 1,
    // changes SET 1 + MSET 2 + DEL 1 + LPUSH 3 + SET 1.
    assert_eq!(field(&mut h, "keyspace_hits"), "2");
    assert_eq!(field(&mut h, "keyspace_misses"), "3");
    assert_eq!(field(&mut h, "expired_keys"), "1");
    assert_eq!(field(&mut h, "rdb_changes_since_last_save"), "8");
    run(&mut h, &["CONFIG", "RESETSTAT"]);
    assert_eq!(field(&mut h, "keyspace_hits"), "0");
    assert_eq!(field(&mut h, "expired_keys"), "0");
    assert_eq!(field(&mut h, "rdb_changes_since_last_save"), "8");
    // What ZADD added or updated, not its reply (redis-server 7.0.15:
    // 2, 0, 1, 1, 0, 0, 0, 1, 0, 0).
    for (cmd, changes) in [
        (&["ZADD", "z", "1", "a", "2", "b"][..], 10),
        (&["ZADD", "z", "1", "a"], 10),
        (&["ZADD", "z", "3", "a"], 11),
        (&["ZADD", "z", "CH", "3", "a", "4", "b"], 12),
        (&["ZINCRBY", "z", "0", "a"], 12),
        (&["ZADD", "z", "INCR", "0", "a"], 12),
        (&["ZADD", "z", "XX", "5", "nope"], 12),
        (&["GEOADD", "g", "13.361389", "38.115556", "p"], 13),
        (&["GEOADD", "g", "13.361389", "38.115556", "p"], 13),
        (&["ZADD", "z", "GT", "1", "a"], 13),
    ] {
        run(&mut h, cmd);
        let got = field(&mut h, "rdb_changes_since_last_save");
        assert_eq!(got, changes.to_string(), "{cmd:?}");
    }
}
