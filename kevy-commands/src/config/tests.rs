//! The settings registry: parsing with Redis's errors, all-or-nothing
//! `CONFIG SET`, live effects, and `CONFIG REWRITE`'s text.

use std::sync::atomic::Ordering;

use super::*;

fn set(t: &ConfigTable, pairs: &[(&str, &str)]) -> Result<(), String> {
    let pairs: Vec<(&[u8], &[u8])> = pairs
        .iter()
        .map(|(k, v)| (k.as_bytes(), v.as_bytes()))
        .collect();
    t.set(&pairs, false)
        .map_err(|e| String::from_utf8_lossy(&e.message()).into_owned())
}

#[test]
fn values_parse_with_redis_errors() {
    let t = ConfigTable::new();
    let failed = |name: &str, why: &str| {
        format!("ERR CONFIG SET failed (possibly related to argument '{name}') - {why}")
    };
    assert_eq!(
        set(&t, &[("maxclients", "abc")]),
        Err(failed(
            "maxclients",
            "argument couldn't be parsed into an integer"
        ))
    );
    assert_eq!(
        set(&t, &[("maxclients", "0")]),
        Err(failed(
            "maxclients",
            "argument must be between 1 and 4294967295 inclusive"
        ))
    );
    assert_eq!(
        set(&t, &[("tcp-keepalive", "-1")]),
        Err(failed(
            "tcp-keepalive",
            "argument must be between 0 and 2147483647 inclusive"
        ))
    );
    assert_eq!(
        set(&t, &[("loglevel", "bogus")]),
        Err(failed(
            "loglevel",
            "argument(s) must be one of the following: debug, verbose, notice, warning"
        ))
    );
    assert_eq!(
        set(&t, &[("latency-tracking", "maybe")]),
        Err(failed("latency-tracking", "argument must be 'yes' or 'no'"))
    );
    assert_eq!(
        set(&t, &[("databases", "3")]),
        Err(failed("databases", "can't set immutable config"))
    );
    assert_eq!(
        set(&t, &[("maxclients", "100"), ("MAXCLIENTS", "200")]),
        Err(failed("MAXCLIENTS", "duplicate parameter"))
    );
    assert_eq!(
        set(&t, &[("nope", "1")]),
        Err("ERR Unknown option or number of arguments for CONFIG SET - 'nope'".into())
    );
    assert_eq!(
        set(&t, &[("save", "1 2 3")]),
        Err(failed("save", "Invalid save parameters"))
    );
    assert_eq!(set(&t, &[("save", "900 1")]), Ok(()));
    assert_eq!(t.get("save").as_deref(), Some("900 1"));
    assert_eq!(set(&t, &[("requirepass", "x")]), Ok(()));
    assert!(!t.live().acl.auth_free());
    assert_eq!(t.live().acl.authenticate(b"default", b"x"), Some(0));
    assert_eq!(set(&t, &[("maxmemory", "1gb")]), Ok(()));
    assert_eq!(t.get("maxmemory").as_deref(), Some("1073741824"));
    assert_eq!(t.live().memory.maxmemory(), 1 << 30);
    assert_eq!(set(&t, &[("maxmemory", "0mb"), ("save", "")]), Ok(()));
    assert_eq!(t.get("maxmemory").as_deref(), Some("0"));
    assert_eq!(set(&t, &[("LogLevel", "WARNING")]), Ok(()));
    assert_eq!(t.get("loglevel").as_deref(), Some("warning"));
}

#[test]
fn set_is_all_or_nothing_and_applies_live() {
    let t = ConfigTable::new();
    let settings = kevy_rt::Settings::new();
    t.attach(&settings);
    assert!(set(&t, &[("timeout", "10"), ("maxclients", "abc")]).is_err());
    assert_eq!(t.get("timeout").as_deref(), Some("0"));
    assert_eq!(settings.idle_timeout(), None);
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    t.on_change("loglevel", move |v| log.lock().unwrap().push(v.to_string()));
    let ok = set(
        &t,
        &[
            ("timeout", "10"),
            ("maxclients", "50"),
            ("tcp-keepalive", "0"),
            ("slowlog-log-slower-than", "-1"),
            ("slowlog-max-len", "7"),
            ("latency-monitor-threshold", "5"),
            ("latency-tracking", "no"),
            ("client-output-buffer-limit", "normal 1mb 0 0 pubsub 1 2 3"),
            ("loglevel", "debug"),
        ],
    );
    assert_eq!(ok, Ok(()));
    assert_eq!(
        settings.idle_timeout(),
        Some(std::time::Duration::from_secs(10))
    );
    assert_eq!(settings.max_clients(), 50);
    assert_eq!(settings.keepalive(), None);
    assert_eq!(settings.output_hard_limit(), Some(1 << 20));
    let live = t.live();
    assert_eq!(live.slowlog_slower_than.load(Ordering::Relaxed), -1);
    assert_eq!(live.slowlog_max_len.load(Ordering::Relaxed), 7);
    assert_eq!(live.latency_threshold.load(Ordering::Relaxed), 5);
    assert!(!live.latency_tracking.load(Ordering::Relaxed));
    assert_eq!(
        t.get("client-output-buffer-limit").as_deref(),
        Some("normal 1048576 0 0 slave 268435456 67108864 60 pubsub 1 2 3")
    );
    assert_eq!(*seen.lock().unwrap(), ["debug"]);
    let pubsub = settings.output_limit(2);
    assert_eq!(
        (pubsub.hard, pubsub.soft, pubsub.soft_for.as_secs()),
        (1, 2, 3)
    );
    // Soft limits hold for every class, the normal one's included.
    assert!(set(&t, &[("client-output-buffer-limit", "normal 0 1 1")]).is_ok());
    let normal = settings.output_limit(0);
    assert_eq!(
        (normal.hard, normal.soft, normal.soft_for.as_secs()),
        (0, 1, 1)
    );
    assert!(set(&t, &[("client-output-buffer-limit", "bogus 0 0 0")]).is_err());
}

#[test]
fn config_files_load_into_the_same_table() {
    let t = ConfigTable::new();
    assert_eq!(t.load("port", &["7000"]), Ok(()));
    assert_eq!(t.load("databases", &["4"]), Ok(()));
    assert_eq!(t.load("save", &[""]), Ok(()));
    assert_eq!(t.load("maxmemory-clients", &["0%"]), Ok(()));
    assert_eq!(t.get("maxmemory-clients").as_deref(), Some("0"));
    assert_eq!(t.load("maxmemory-clients", &["10%"]), Ok(()));
    assert_eq!(t.get("maxmemory-clients").as_deref(), Some("10%"));
    assert_eq!(t.load("maxmemory-clients", &["1mb"]), Ok(()));
    assert_eq!(t.get("maxmemory-clients").as_deref(), Some("1048576"));
    assert_eq!(
        t.load("maxmemory-clients", &["x"]),
        Err("argument must be a memory or percent value".into())
    );
    // One argument holding several words is split, as `--save "900 1"` is.
    assert_eq!(t.load("save", &["900 1 300 10"]), Ok(()));
    assert_eq!(t.get("save").as_deref(), Some("900 1 300 10"));
    assert_eq!(
        t.load("save", &["1 2 3"]),
        Err("Invalid save parameters".into())
    );
    assert_eq!(t.load("bind", &["-127.0.0.1"]), Ok(()));
    assert_eq!(t.load("unixsocketperm", &["700"]), Ok(()));
    assert_eq!(
        t.load("latency-tracking-info-percentiles", &["50", "99.99"]),
        Ok(())
    );
    assert_eq!(
        t.get("latency-tracking-info-percentiles").as_deref(),
        Some("50 99.99")
    );
    assert_eq!(t.get("bind").as_deref(), Some("-127.0.0.1"));
    assert_eq!(t.get("unixsocketperm").as_deref(), Some("700"));
    assert!(t.load("port", &["1", "2"]).is_err());
    assert!(t
        .load("frobnicate", &["1"])
        .unwrap_err()
        .contains("Bad directive"));
    assert!(t.load("tls-port", &["65536"]).is_err());
    assert_eq!(t.load("tls-cluster", &["yes"]), Ok(()));
    assert_eq!(t.load("bind", &["127.0.0.1", "-::1"]), Ok(()));
    assert_eq!(t.get("bind").as_deref(), Some("127.0.0.1 -::1"));
    let seventeen: Vec<String> = (0..17).map(|i| format!("127.0.0.{i}")).collect();
    let seventeen: Vec<&str> = seventeen.iter().map(String::as_str).collect();
    assert_eq!(
        t.load("bind", &seventeen),
        Err("Too many bind addresses specified.".into())
    );
    assert_eq!(t.load("bind", &["0.0.0.0"]), Ok(()));
    assert!(t.load("protected-mode", &["yes"]).is_ok());
    assert!(t.live().acl.protected());
    assert!(t.load("protected-mode", &["no"]).is_ok());
    assert!(!t.live().acl.protected());
    assert_eq!(memory("5mb"), Some(5 << 20));
    assert_eq!(memory("1K"), Some(1000));
    assert_eq!(memory("-1"), None);
    // As Redis's memtoull: no digits are 0, overflow saturates.
    assert_eq!(memory("kb"), Some(0));
    assert_eq!(memory(""), Some(0));
    assert_eq!(memory("99999999999999999999"), Some(u64::MAX));
    assert_eq!(memory("-1"), None);
    assert_eq!(memory("+1"), None);
    assert_eq!(memory("1x"), None);
    assert_eq!(format_memory(1 << 30), "1gb");
    assert_eq!(format_memory(3 << 20), "3mb");
    assert_eq!(format_memory(1000), "1000");
}

#[test]
fn get_matches_names_and_globs_once() {
    let t = ConfigTable::new();
    let names = |pats: &[&str]| -> Vec<String> {
        let pats: Vec<&[u8]> = pats.iter().map(|p| p.as_bytes()).collect();
        t.matching(&pats)
            .into_iter()
            .map(|(n, _)| String::from_utf8_lossy(&n).into_owned())
            .collect()
    };
    assert_eq!(names(&["MAXCLIENTS"]), ["MAXCLIENTS"]);
    assert_eq!(
        names(&["maxclients", "max*"]),
        [
            "maxclients",
            "maxmemory",
            "maxmemory-policy",
            "maxmemory-clients",
            "maxmemory-samples",
            "maxmemory-eviction-tenacity"
        ]
    );
    assert_eq!(
        names(&["slowlog-*"]),
        ["slowlog-log-slower-than", "slowlog-max-len"]
    );
    assert!(names(&["nope"]).is_empty());
    // A glob lists every name and alias, never a hidden setting; a hidden
    // setting answers to its exact name.
    let all = names(&["*"]);
    let visible: usize = PARAMS
        .iter()
        .filter(|p| p.flags & HIDDEN == 0)
        .map(|p| 1 + usize::from(p.alias.is_some()))
        .sum();
    assert_eq!(all.len(), visible);
    assert!(all.iter().any(|n| n == "slaveof") && all.iter().any(|n| n == "replicaof"));
    assert!(!all.iter().any(|n| n == "threads" || n == "key-load-delay"));
    assert_eq!(names(&["key-load-delay"]), ["key-load-delay"]);
    assert_eq!(names(&["maxclients", "MAXCLIENTS", "max*"]).len(), 6);
}

#[test]
fn rewrite_keeps_the_file_and_updates_values() {
    let t = ConfigTable::new();
    for (n, v) in [
        ("port", "7001"),
        ("maxclients", "20"),
        ("loglevel", "warning"),
    ] {
        assert_eq!(t.load(n, &[v]), Ok(()));
    }
    assert_eq!(
        set(&t, &[("maxclients", "30"), ("slowlog-max-len", "9")]),
        Ok(())
    );
    let old = "# my server\nport 7001\n\n\n# limits\nmaxclients 20\nmaxclients 25\nrename-me later\nloglevel warning\n";
    let values = t.read().values.clone();
    let new = rewrite::rewrite(old, &values, false);
    assert_eq!(
        new,
        "# my server\nport 7001\n\n# limits\nmaxclients 30\nrename-me later\nloglevel warning\n\
         # Generated by CONFIG REWRITE\nsave 3600 1\nsave 300 100\nsave 60 10000\nslowlog-max-len 9\n"
    );
    // A second rewrite changes nothing, and does not sign twice.
    assert_eq!(rewrite::rewrite(&new, &values, false), new);
    // Save rules: a line each (the file's first `save` line is replaced,
    // the rest are added after it), `save ""` for none.
    assert_eq!(set(&t, &[("save", "900 1 300 10")]), Ok(()));
    let values = t.read().values.clone();
    assert_eq!(
        rewrite::rewrite("save 1 1\nport 7001\n", &values, false)
            .lines()
            .filter(|l| l.starts_with("save"))
            .collect::<Vec<_>>(),
        ["save 900 1", "save 300 10"]
    );
    assert_eq!(set(&t, &[("save", "")]), Ok(()));
    let values = t.read().values.clone();
    assert!(rewrite::rewrite("port 1\n", &values, false).contains("\nsave \"\"\n"));
    // No bind address: `bind ""`, which a config file reads back as none.
    assert_eq!(set(&t, &[("bind", "")]), Ok(()));
    let values = t.read().values.clone();
    assert!(rewrite::rewrite("port 1\n", &values, false).contains("\nbind \"\"\n"));
    let file = ConfigTable::new();
    assert_eq!(file.load("bind", &[""]), Ok(()));
    assert_eq!(file.get("bind").as_deref(), Some(""));
    assert!(file.load("bind", &[]).is_err());
}

#[test]
fn rewrite_writes_the_recorded_file() {
    let t = ConfigTable::new();
    assert_eq!(
        t.rewrite(false),
        Err("ERR The server is running without a config file".to_string())
    );
    let dir = std::env::temp_dir().join(format!("kevy-rewrite-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("k.conf");
    std::fs::write(&path, "# hello\ndbfilename \"x.rdb\"\n").unwrap();
    t.set_file(&path);
    // dbfilename is protected from CONFIG SET, as in Redis.
    assert_eq!(t.load("dbfilename", &["y y.rdb"]), Ok(()));
    assert_eq!(set(&t, &[("timeout", "3")]), Ok(()));
    assert_eq!(t.rewrite(false), Ok(()));
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        text,
        "# hello\ndbfilename \"y y.rdb\"\n# Generated by CONFIG REWRITE\ntimeout 3\n\
         save 3600 1\nsave 300 100\nsave 60 10000\n"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
