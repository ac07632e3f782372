//! Every setting of redis-server 7.0, differentially: `CONFIG GET *` lists
//! the same names on both servers; the hidden settings answer the same; and
//! `CONFIG SET` of each listed setting to a legal and to illegal values gets
//! the same reply from both — or, where kevy lacks the feature, kevy's
//! refusal with the reason listed in [`REFUSED`]. Accepted values read back
//! the same through `CONFIG GET`, and every setting is put back after.

use std::collections::BTreeSet;

use crate::util::{array_items, bulk_body, escape, kevy, Raw, RedisServer};

/// Redis's hidden settings: not listed by globs, answered by name.
const HIDDEN: &[&str] = &[
    "key-load-delay",
    "rdb-key-save-delay",
    "watchdog-period",
    "use-exit-on-panic",
    "loading-process-events-interval-bytes",
];

const REPL_TLS: &str = "replication over TLS is not implemented";
const TLS: &str = "kevy cannot change the TLS settings while it runs";
const TLS_KEY_PASS: &str = "encrypted private keys are not supported (rustls reads plain PEM keys)";
const TLS_DH: &str = "TLS uses ECDHE key exchange only (rustls has no finite-field DH)";
const AOF: &str = "kevy's append-only file does not take this setting yet";
const BG: &str = "kevy has no background rehashing or defragmentation";

/// Settings kevy refuses to change, with the reason its error ends with.
const REFUSED: &[(&str, &[&str])] = &[
    (
        TLS,
        &[
            "tls-port",
            "tls-session-cache-size",
            "tls-session-cache-timeout",
            "tls-auth-clients",
            "tls-prefer-server-ciphers",
            "tls-session-caching",
            "tls-cert-file",
            "tls-key-file",
            "tls-ca-cert-file",
            "tls-ca-cert-dir",
            "tls-protocols",
            "tls-ciphers",
            "tls-ciphersuites",
            "tls-cluster",
        ],
    ),
    (
        REPL_TLS,
        &[
            "tls-replication",
            "tls-client-cert-file",
            "tls-client-key-file",
            "tls-client-key-file-pass",
        ],
    ),
    (TLS_KEY_PASS, &["tls-key-file-pass"]),
    (TLS_DH, &["tls-dh-params-file"]),
    (AOF, &["aof-disable-auto-gc"]),
    (BG, &["activedefrag"]),
    (
        "kevy has no replicas to wait for at shutdown",
        &["shutdown-timeout"],
    ),
];

/// The legal value tried where the current value's flip (`yes`/`no`) or
/// successor (integers) does not fit or would disturb the test.
const LEGAL: &[(&str, &str)] = &[
    ("maxmemory", "100mb"),
    ("maxmemory-policy", "allkeys-lru"),
    ("maxmemory-clients", "10%"),
    ("timeout", "300"),
    ("appendonly", "no"),
    ("appendfsync", "always"),
    ("loglevel", "warning"),
    ("save", "3600 1 300 100"),
    ("client-output-buffer-limit", "normal 1mb 512kb 10"),
    ("latency-tracking-info-percentiles", "50 99"),
    ("notify-keyspace-events", "KEA"),
    ("oom-score-adj", "relative"),
    ("oom-score-adj-values", "0 100 800"),
    ("shutdown-on-sigint", "nosave now"),
    ("shutdown-on-sigterm", "save force"),
    ("acl-pubsub-default", "allchannels"),
    ("sanitize-dump-payload", "clients"),
    ("repl-diskless-load", "swapdb"),
    ("cluster-preferred-endpoint-type", "hostname"),
    ("propagation-error-behavior", "panic-on-replicas"),
    ("tls-auth-clients", "optional"),
    ("proc-title-template", "{title} kevy"),
    ("cluster-announce-hostname", "host-1.example"),
    ("cluster-announce-ip", "10.0.0.1"),
    ("replica-announce-ip", "10.0.0.2"),
    ("slave-announce-ip", "10.0.0.3"),
    ("bind-source-addr", "127.0.0.1"),
    ("ignore-warnings", "ARM64-COW-BUG"),
    ("requirepass", "secret"),
    ("masterauth", "secret"),
    ("masteruser", "someone"),
    ("dbfilename", "other.rdb"),
    ("hz", "20"),
];

/// Values no setting takes as they are (strings take them all).
const ILLEGAL: &[&str] = &["maybe-not", "-99999999999", "99999999999999999999"];

fn call(c: &mut Raw, args: &[&str]) -> Vec<u8> {
    c.call(args)
}

/// `CONFIG GET` pairs: (name, value).
fn config_get(c: &mut Raw, pattern: &str) -> Vec<(String, String)> {
    let reply = call(c, &["CONFIG", "GET", pattern]);
    let items = array_items(&reply).unwrap_or_else(|| panic!("CONFIG GET: {}", escape(&reply)));
    let text = |b: &[u8]| String::from_utf8_lossy(bulk_body(b).unwrap_or_default()).into_owned();
    items
        .chunks(2)
        .map(|kv| (text(kv[0]), text(kv[1])))
        .collect()
}

fn refusal(name: &str) -> Option<&'static str> {
    REFUSED
        .iter()
        .find(|(_, names)| names.contains(&name))
        .map(|(why, _)| *why)
}

/// The legal value tried for `name`, whose value on Redis is `cur`.
fn legal(name: &str, cur: &str) -> String {
    if let Some((_, v)) = LEGAL.iter().find(|(n, _)| *n == name) {
        return v.to_string();
    }
    if name == "port" {
        // A port free right now (the one after redis-server's may belong
        // to another test's server, and both would refuse it alike).
        return std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port().to_string())
            .unwrap_or_else(|_| (cur.parse::<u16>().unwrap_or(6379) + 1).to_string());
    }
    match cur {
        "yes" => "no".into(),
        "no" => "yes".into(),
        _ => match cur.parse::<i64>() {
            Ok(n) => (n + 1).to_string(),
            // Strings: any text; `dir` its own current directory.
            Err(_) => cur.to_string(),
        },
    }
}

#[test]
fn config_get_star_lists_the_same_settings_and_set_answers_the_same() {
    let redis = RedisServer::start();
    let kevy = kevy();
    let mut r = Raw::connect(redis.addr());
    let mut k = Raw::connect(kevy.addr());

    let names = |pairs: &[(String, String)]| -> BTreeSet<String> {
        pairs.iter().map(|(n, _)| n.clone()).collect()
    };
    let r_all = config_get(&mut r, "*");
    let k_all = config_get(&mut k, "*");
    let (rn, kn) = (names(&r_all), names(&k_all));
    let missing: Vec<_> = rn.difference(&kn).collect();
    let extra: Vec<_> = kn.difference(&rn).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "CONFIG GET * differs: kevy lacks {missing:?}, kevy adds {extra:?}"
    );
    assert!(rn.len() > 150, "Redis lists {} settings", rn.len());

    for name in HIDDEN {
        assert_eq!(
            escape(&call(&mut k, &["CONFIG", "GET", name])),
            escape(&call(&mut r, &["CONFIG", "GET", name])),
            "CONFIG GET {name}"
        );
    }

    let mut mismatches = Vec::new();
    let mut refused_seen = BTreeSet::new();
    let mut compared = 0;
    for (name, cur) in &r_all {
        let k_cur = config_get(&mut k, name)
            .pop()
            .map(|(_, v)| v)
            .unwrap_or_default();
        let mut values = vec![legal(name, cur)];
        values.extend(ILLEGAL.iter().map(|v| v.to_string()));
        for value in &values {
            compared += 1;
            // Each server moves to a free port of its own (the same one
            // would be taken for the second).
            let (rr, kr) = if name == "port" && value == &values[0] {
                let kr = call(&mut k, &["CONFIG", "SET", name, value]);
                (
                    call(&mut r, &["CONFIG", "SET", name, &legal(name, cur)]),
                    kr,
                )
            } else {
                let rr = call(&mut r, &["CONFIG", "SET", name, value]);
                (rr, call(&mut k, &["CONFIG", "SET", name, value]))
            };
            if rr == kr {
                if rr == b"+OK\r\n" && name != "port" {
                    let (rg, kg) = (config_get(&mut r, name), config_get(&mut k, name));
                    if rg != kg {
                        mismatches.push(format!("{name} {value:?}: GET {rg:?} vs {kg:?}"));
                    }
                }
            } else {
                let prefix =
                    format!("-ERR CONFIG SET failed (possibly related to argument '{name}') - ");
                let kt = String::from_utf8_lossy(&kr);
                let ok = refusal(name)
                    .is_some_and(|why| kt.starts_with(&prefix) && kt.trim_end().ends_with(why));
                if ok {
                    refused_seen.insert(name.clone());
                } else {
                    mismatches.push(format!(
                        "{name} {value:?}: redis {} kevy {}",
                        escape(&rr),
                        escape(&kr)
                    ));
                }
            }
            // Back to where each server was.
            call(&mut r, &["CONFIG", "SET", name, cur]);
            call(&mut k, &["CONFIG", "SET", name, &k_cur]);
        }
    }
    // The list of refusals is exact: each one listed was met.
    for (why, names) in REFUSED {
        for name in *names {
            if !refused_seen.contains(*name) {
                mismatches.push(format!("{name}: listed as refused ({why}) but never was"));
            }
        }
    }
    println!(
        "differential CONFIG: {} settings listed, {compared} CONFIG SET compared, {} differ",
        rn.len(),
        mismatches.len()
    );
    assert!(
        mismatches.is_empty(),
        "{} differences:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

/// CONFIG GET with several patterns, and CONFIG SET of several settings:
/// all or nothing, with Redis 7's errors (the first bad name wins; a bad
/// value names the setting as registered; the earlier ones roll back).
const SEQUENCES: &[crate::differential::Seq] = &[
    &[
        &["CONFIG", "GET", "maxmemory", "timeout", "maxclients"],
        &["CONFIG", "GET", "max*", "MAXMEMORY", "maxmemory-policy"],
        &["CONFIG", "GET", "slave*"],
        &["CONFIG", "GET", "*replica*", "slaveof"],
        &["CONFIG", "GET", "SLAVEOF", "replicaof"],
        &["CONFIG", "GET", "lua-time-limit", "busy-reply-threshold"],
        &["CONFIG", "GET", "key-load*", "KEY-LOAD-DELAY"],
        &["CONFIG", "GET", "watchdog-period", "use-exit-on-panic"],
        &["CONFIG", "GET", "no-such", "tls-p?rt", "cluster-[ae]*"],
        &["CONFIG", "GET", "notify-keyspace-events", "oom-score-adj*"],
        &[
            "CONFIG",
            "GET",
            "client-output-buffer-limit",
            "shutdown-on-*",
        ],
    ],
    &[
        // Several at once, read back.
        &[
            "CONFIG",
            "SET",
            "maxmemory",
            "10mb",
            "timeout",
            "30",
            "slowlog-max-len",
            "7",
        ],
        &["CONFIG", "GET", "maxmemory", "timeout", "slowlog-max-len"],
        // A bad value: nothing changes, the setting named in lowercase.
        &["CONFIG", "SET", "maxmemory", "20mb", "TIMEOUT", "abc"],
        &["CONFIG", "SET", "Slave-Read-Only", "maybe"],
        &["CONFIG", "GET", "maxmemory", "timeout"],
        // Name errors: the first one wins, named as given.
        &["CONFIG", "SET", "maxmemory", "1mb", "maxmemory", "2mb"],
        &[
            "CONFIG",
            "SET",
            "maxmemory",
            "1mb",
            "MAXMEMORY",
            "2mb",
            "nope",
            "1",
        ],
        &[
            "CONFIG",
            "SET",
            "nope",
            "1",
            "maxmemory",
            "1mb",
            "maxmemory",
            "2mb",
        ],
        &["CONFIG", "SET", "timeout", "1", "databases", "4"],
        &["CONFIG", "SET", "Daemonize", "no", "nope", "1"],
        &["CONFIG", "SET", "slaveof", "no one"],
        &["CONFIG", "SET", "dir", "/tmp"],
        &["CONFIG", "SET", "dbfilename", "x.rdb"],
        &["CONFIG", "SET", "timeout", "1", "io-threads", "2"],
        &["CONFIG", "SET", "enable-debug-command", "yes"],
        &["CONFIG", "GET", "maxmemory", "timeout"],
        // A setting and its alias are not duplicates (kevy takes only
        // these two's defaults).
        &[
            "CONFIG",
            "SET",
            "lua-time-limit",
            "5000",
            "busy-reply-threshold",
            "5000",
        ],
        &[
            "CONFIG",
            "SET",
            "slave-read-only",
            "yes",
            "replica-read-only",
            "yes",
        ],
        &["CONFIG", "GET", "busy-reply-threshold", "slave-read-only"],
        &[
            "CONFIG",
            "SET",
            "maxmemory",
            "0",
            "timeout",
            "0",
            "slowlog-max-len",
            "128",
        ],
        &["CONFIG", "SET", "maxmemory"],
        &["CONFIG", "SET", "maxmemory", "1", "timeout"],
        // Special values' checks.
        &["CONFIG", "SET", "oom-score-adj-values", "1 2"],
        &["CONFIG", "SET", "oom-score-adj-values", "0 3000 1"],
        &["CONFIG", "SET", "notify-keyspace-events", "KEAQ"],
        &["CONFIG", "SET", "shutdown-on-sigint", "save nosave"],
        &["CONFIG", "SET", "shutdown-on-sigterm", "often"],
        &["CONFIG", "SET", "proc-title-template", "{nope}"],
        &["CONFIG", "SET", "proc-title-template", "{title}"],
        &["CONFIG", "SET", "proc-title-template", "{title"],
        &["CONFIG", "SET", "cluster-announce-hostname", "bad host"],
        &["CONFIG", "SET", "maxmemory-clients", "101%"],
        &["CONFIG", "SET", "maxmemory-clients", "-5%"],
        &["CONFIG", "SET", "client-output-buffer-limit", "bogus 1 2 3"],
        &["CONFIG", "SET", "client-output-buffer-limit", "pubsub 1 2"],
        &[
            "CONFIG",
            "SET",
            "client-output-buffer-limit",
            "pubsub x 2 3",
        ],
        &["CONFIG", "SET", "save", "1 2 3"],
        &["CONFIG", "SET", "appendfilename", "a/b"],
        &["CONFIG", "SET", "maxmemory", "kb"],
        &["CONFIG", "GET", "maxmemory"],
        &["CONFIG", "SET", "maxmemory", "0"],
    ],
];

#[test]
fn config_get_and_set_of_several_settings() {
    crate::differential::run_family("config", SEQUENCES);
}
