//! The settings table: names, aliases, Redis's checks of the special
//! values, and kevy's refusals of what it does not have.

use super::*;
use crate::config::ConfigTable;

fn set(t: &ConfigTable, pairs: &[(&str, &str)]) -> Result<(), String> {
    let pairs: Vec<(&[u8], &[u8])> = pairs
        .iter()
        .map(|(k, v)| (k.as_bytes(), v.as_bytes()))
        .collect();
    t.set(&pairs, false)
        .map_err(|e| String::from_utf8_lossy(&e.message()).into_owned())
}

fn failed(name: &str, why: &str) -> Result<(), String> {
    Err(format!(
        "ERR CONFIG SET failed (possibly related to argument '{name}') - {why}"
    ))
}

#[test]
fn names_and_aliases_are_unique() {
    let mut all: Vec<&str> = PARAMS
        .iter()
        .flat_map(|p| std::iter::once(p.name).chain(p.alias))
        .collect();
    let n = all.len();
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), n);
    assert!(all
        .iter()
        .all(|n| !n.bytes().any(|c| c.is_ascii_uppercase())));
    // Every default passes its own parser (but `replicaof`'s: none is not
    // a line, `replicaof no one` is).
    for p in PARAMS.iter().filter(|p| p.name != "replicaof") {
        let d = p.default_value();
        let words: Vec<&str> = if p.flags & WORDS != 0 {
            d.split_whitespace().collect()
        } else {
            vec![d.as_str()]
        };
        let values: Vec<String> = PARAMS.iter().map(|p| p.default_value()).collect();
        // An accumulating setting's first line starts from nothing.
        let cur = if p.flags & crate::config::ACCUMULATES != 0 {
            ""
        } else {
            &d
        };
        let cx = Cx {
            cur,
            words: &words,
            file: true,
            values: &values,
        };
        assert_eq!(p.parse(&cx).as_deref(), Ok(d.as_str()), "{}", p.name);
    }
}

#[test]
fn features_kevy_lacks_take_only_their_default() {
    let t = ConfigTable::new();
    // Cluster mode cannot be turned on; its other settings are taken, as
    // Redis takes them outside cluster mode.
    assert_eq!(set(&t, &[("cluster-node-timeout", "1")]), Ok(()));
    assert!(t
        .load("cluster-enabled", &["yes"])
        .unwrap_err()
        .contains("cluster mode is not implemented"));
    // So are the settings a configuration written for Redis carries for
    // what kevy does its own way.
    for (name, v) in [
        ("io-threads", "4"),
        ("io-threads-do-reads", "yes"),
        ("activerehashing", "no"),
        ("dynamic-hz", "no"),
        ("jemalloc-bg-thread", "no"),
        ("active-defrag-cycle-max", "50"),
        ("sanitize-dump-payload", "yes"),
        ("ignore-warnings", "ARM64-COW-BUG"),
    ] {
        assert_eq!(t.load(name, &[v]), Ok(()), "{name}");
        assert_eq!(t.get(name).as_deref(), Some(v), "{name}");
    }
    assert!(t.load("activedefrag", &["yes"]).is_err());
    // `hz` is capped as Redis caps it.
    assert_eq!(set(&t, &[("hz", "1000")]), Ok(()));
    assert_eq!(t.get("hz").as_deref(), Some("500"));
    assert_eq!(set(&t, &[("hz", "0")]), Ok(()));
    assert_eq!(t.get("hz").as_deref(), Some("1"));
    // Replication's: `min-replicas-to-write` is kept (a primary refuses
    // writes by it), also through its alias.
    assert_eq!(set(&t, &[("min-slaves-to-write", "1")]), Ok(()));
    assert_eq!(t.get("min-replicas-to-write").as_deref(), Some("1"));
    // The settings that tune a primary's replicas are kept, as a primary
    // without replicas keeps them.
    assert_eq!(set(&t, &[("repl-timeout", "61")]), Ok(()));
    assert_eq!(t.get("repl-timeout").as_deref(), Some("61"));
    assert_eq!(set(&t, &[("slave-priority", "1")]), Ok(()));
    assert_eq!(t.get("replica-priority").as_deref(), Some("1"));
    assert_eq!(set(&t, &[("repl-ping-replica-period", "3600")]), Ok(()));
    // Redis's own check comes first.
    assert_eq!(
        set(&t, &[("repl-timeout", "0")]),
        failed(
            "repl-timeout",
            "argument must be between 1 and 2147483647 inclusive"
        )
    );
    // All or nothing: an accepted setting before a refused one is undone.
    assert!(set(&t, &[("timeout", "9"), ("activedefrag", "yes")]).is_err());
    assert_eq!(t.get("timeout").as_deref(), Some("0"));
    // The config file takes the same table.
    assert_eq!(t.load("slaveof", &["127.0.0.1", "6380"]), Ok(()));
    assert_eq!(t.get("replicaof").as_deref(), Some("127.0.0.1 6380"));
    assert_eq!(t.load("replicaof", &["no", "one"]), Ok(()));
    assert_eq!(t.load("tls-port", &["0"]), Ok(()));
    assert_eq!(t.load("tls-port", &["6380"]), Ok(()));
    assert_eq!(t.load("tls-auth-clients", &["optional"]), Ok(()));
    assert!(t.load("tls-auth-clients", &["maybe"]).is_err());
    assert!(t
        .load("tls-replication", &["yes"])
        .unwrap_err()
        .contains("replication"));
    assert!(t
        .load("tls-key-file-pass", &["x"])
        .unwrap_err()
        .contains("encrypted"));
    assert_eq!(t.load("tls-replication", &["no"]), Ok(()));
    assert_eq!(set(&t, &[("tls-port", "6380")]), Ok(()));
    assert_eq!(
        set(&t, &[("tls-port", "6381")]),
        failed(
            "tls-port",
            "kevy cannot change the TLS settings while it runs"
        )
    );
    assert_eq!(t.load("user", &["alice", "on", "+@all"]), Ok(()));
    assert_eq!(
        t.load("user", &["bob", "+nosuch"]),
        Err("Error in user declaration '+nosuch': Unknown command or category name in ACL".into())
    );
}

#[test]
fn protected_and_running_settings() {
    let t = ConfigTable::new();
    for name in ["dir", "dbfilename"] {
        assert_eq!(
            set(&t, &[(name, "x")]),
            failed(name, "can't set protected config")
        );
    }
    // `enable-protected-configs yes` lets them be set; `local` only from a
    // local connection.
    let open = ConfigTable::new();
    assert_eq!(open.load("enable-protected-configs", &["yes"]), Ok(()));
    assert_eq!(set(&open, &[("dbfilename", "x.rdb")]), Ok(()));
    assert_eq!(open.get("dbfilename").as_deref(), Some("x.rdb"));
    let local = ConfigTable::new();
    assert_eq!(local.load("enable-protected-configs", &["local"]), Ok(()));
    let pairs: [(&[u8], &[u8]); 1] = [(b"dbfilename", b"y.rdb")];
    assert!(local.set(&pairs, false).is_err());
    assert_eq!(local.set(&pairs, true).map_err(|_| ()), Ok(()));
    assert_eq!(t.load("port", &["7000"]), Ok(()));
    assert_eq!(set(&t, &[("port", "7000")]), Ok(()));
    // Without a runtime attached there are no listeners to move: the value
    // is only recorded (a running server's are in the integration tests).
    assert_eq!(set(&t, &[("port", "7001")]), Ok(()));
    assert_eq!(t.get("port").as_deref(), Some("7001"));
    assert_eq!(set(&t, &[("bind", "")]), Ok(()));
    assert_eq!(t.get("bind").as_deref(), Some(""));
    assert_eq!(
        set(&t, &[("threads", "2")]),
        failed("threads", "can't set immutable config")
    );
}

#[test]
fn io_backend_is_chosen_at_start() {
    let t = ConfigTable::new();
    assert_eq!(
        t.get("io-backend"),
        Some(kevy_rt::IoBackend::from_env().name().to_string())
    );
    assert_eq!(t.load("io-backend", &["uring"]), Ok(()));
    assert_eq!(t.get("io-backend").as_deref(), Some("uring"));
    assert!(t.load("io-backend", &["kqueue"]).is_err());
    assert_eq!(
        set(&t, &[("io-backend", "epoll")]),
        failed("io-backend", "can't set immutable config")
    );
}

#[test]
fn move_after_is_a_count_set_at_start() {
    let t = ConfigTable::new();
    let want = server::env_count("KEVY_MOVE_AFTER", 64);
    assert_eq!(t.get("move-after"), Some(want.to_string()));
    assert_eq!(t.load("move-after", &["0"]), Ok(()));
    assert_eq!(t.get("move-after").as_deref(), Some("0"));
    assert!(t.load("move-after", &["-1"]).is_err());
    assert!(t.load("move-after", &["many"]).is_err());
    assert_eq!(
        set(&t, &[("move-after", "8")]),
        failed("move-after", "can't set immutable config")
    );
}

#[test]
fn txn_spin_is_microseconds_set_at_start() {
    let t = ConfigTable::new();
    let want = server::env_count("KEVY_TXN_SPIN_US", 50);
    assert_eq!(t.get("txn-spin-us"), Some(want.to_string()));
    assert_eq!(t.load("txn-spin-us", &["0"]), Ok(()));
    assert_eq!(t.get("txn-spin-us").as_deref(), Some("0"));
    assert!(t.load("txn-spin-us", &["-1"]).is_err());
    assert!(t.load("txn-spin-us", &["1000001"]).is_err());
    assert_eq!(
        set(&t, &[("txn-spin-us", "8")]),
        failed("txn-spin-us", "can't set immutable config")
    );
}

#[test]
fn shard_sched_is_a_policy_set_at_start() {
    let t = ConfigTable::new();
    let want = kevy_rt::ShardSched::from_env().name();
    assert_eq!(t.get("shard-sched").as_deref(), Some(want));
    assert_eq!(t.load("shard-sched", &["normal"]), Ok(()));
    assert_eq!(t.get("shard-sched").as_deref(), Some("normal"));
    assert!(t.load("shard-sched", &["fifo"]).is_err());
    assert_eq!(
        set(&t, &[("shard-sched", "batch")]),
        failed("shard-sched", "can't set immutable config")
    );
}

#[test]
fn cpu_lists_are_set_at_start() {
    let _serial = crate::base::cpus::TEST_LOCK
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let t = ConfigTable::new();
    let want = kevy_rt::ShardCpus::from_env().name();
    assert_eq!(t.get("shard-cpus"), Some(want));
    assert_eq!(t.load("shard-cpus", &["0-3:2"]), Ok(()));
    assert_eq!(t.get("shard-cpus").as_deref(), Some("0-3:2"));
    assert_eq!(t.load("shard-cpus", &["any"]), Ok(()));
    assert!(t.load("shard-cpus", &["3-1"]).is_err());
    for name in [
        "server_cpulist",
        "bio_cpulist",
        "aof_rewrite_cpulist",
        "bgsave_cpulist",
    ] {
        assert_eq!(t.get(name).as_deref(), Some(""));
        assert_eq!(t.load(name, &["0,1"]), Ok(()), "{name}");
        assert_eq!(t.get(name).as_deref(), Some("0,1"));
        assert!(t.load(name, &["1-"]).is_err(), "{name}");
        assert_eq!(t.load(name, &[""]), Ok(()), "{name}");
        assert_eq!(
            set(&t, &[(name, "0")]),
            failed(name, "can't set immutable config")
        );
    }
}

#[test]
fn special_values_parse_as_redis() {
    let t = ConfigTable::new();
    let err = |name: &str, v: &str| -> String { set(&t, &[(name, v)]).unwrap_err() };
    assert!(err("oom-score-adj-values", "1 2").ends_with("- wrong number of arguments"));
    assert!(err("oom-score-adj-values", "0 2001 0")
        .ends_with("- Invalid oom-score-adj-values, elements must be between -2000 and 2000."));
    assert_eq!(set(&t, &[("oom-score-adj-values", "0 100 800")]), Ok(()));
    assert_eq!(t.get("oom-score-adj-values").as_deref(), Some("0 100 800"));
    assert_eq!(set(&t, &[("oom-score-adj-values", "0 200 800")]), Ok(()));
    assert!(err("notify-keyspace-events", "KEAQ")
        .ends_with("- Invalid event class character. Use 'Ag$lshzxeKEtmdn'."));
    assert_eq!(set(&t, &[("notify-keyspace-events", "")]), Ok(()));
    assert!(err("shutdown-on-sigint", "save nosave")
        .ends_with("- shutdown options SAVE and NOSAVE can't be used simultaneously"));
    assert!(err("shutdown-on-sigint", "often").ends_with(
        "- argument(s) must be one of the following: default, save, nosave, now, force"
    ));
    assert_eq!(set(&t, &[("shutdown-on-sigint", "DEFAULT")]), Ok(()));
    for bad in ["{nope}", "{title}", "{title", "{", " {server-mode} "] {
        assert!(
            err("proc-title-template", bad)
                .ends_with("- template format is invalid or contains unknown variables"),
            "{bad}"
        );
    }
    assert_eq!(set(&t, &[("proc-title-template", "{{x {port}")]), Ok(()));
    assert_eq!(t.get("proc-title-template").as_deref(), Some("{{x {port}"));
    assert!(err("cluster-announce-hostname", "a b")
        .ends_with("- Hostnames may only contain alphanumeric characters, hyphens or dots"));
    assert!(err("cluster-announce-hostname", &"a".repeat(256))
        .ends_with("- Hostnames must be less than 256 characters"));
    assert!(err("maxmemory-clients", "101%")
        .ends_with("- percentage argument must be less or equal to 100"));
    assert!(err("latency-tracking-info-percentiles", "50 x")
        .ends_with("- Invalid latency-tracking-info-percentiles parameters"));
    assert!(
        err("latency-tracking-info-percentiles", "50 101").ends_with(
            "- latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
        )
    );
    assert!(err("appendfilename", "a").ends_with("- can't set immutable config"));
    assert_eq!(
        t.load("appendfilename", &["a/b"]),
        Err("appendfilename can't be a path, just a filename".into())
    );
    assert_eq!(
        t.load("appenddirname", &[""]),
        Err("appenddirname can't be empty".into())
    );
    assert_eq!(
        t.load("replicaof", &["host", "70000"]),
        Err("Invalid master port".into())
    );
    assert_eq!(
        t.load("replicaof", &["host"]),
        Err("wrong number of arguments".into())
    );
}
