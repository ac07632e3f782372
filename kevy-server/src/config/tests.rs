//! Configuration tests: flags, config files with flags after them, errors
//! naming their line, and Redis's quoting of config lines.

use super::*;

fn parse(a: &[&str]) -> Result<Parsed, ConfigError> {
    Config::from_args(&a.iter().map(|s| s.to_string()).collect::<Vec<_>>())
}

fn run(a: &[&str]) -> Config {
    match parse(a) {
        Ok(Parsed::Run(c)) => *c,
        other => panic!("{other:?}"),
    }
}

fn is_err(r: Result<Parsed, ConfigError>) -> bool {
    r.is_err()
}

#[test]
fn flags() {
    let c = run(&["--port", "7000", "--bind=0.0.0.0", "--threads", "3"]);
    assert_eq!(
        (c.port(), c.bind().as_str(), c.threads()),
        (7000, "0.0.0.0", 3)
    );
    assert_eq!(c.listen_addrs(), [("0.0.0.0:7000".to_string(), false)]);
    assert_eq!(
        run(&["--bind", "::1"]).listen_addrs(),
        [("[::1]:6379".to_string(), false)]
    );
    assert_eq!(
        run(&["--bind", "* -::*"]).listen_addrs(),
        [
            ("0.0.0.0:6379".to_string(), false),
            ("[::]:6379".to_string(), true)
        ]
    );
    assert!(matches!(parse(&["--help"]), Ok(Parsed::Help)));
    assert!(is_err(parse(&["--port"])));
    assert!(is_err(parse(&["--port", "x"])));
    assert!(is_err(parse(&["--threads", "0"])));
    assert!(is_err(parse(&["--nope", "1"])));
    // Protected mode works with any bind (it refuses non-loopback clients).
    assert!(!is_err(parse(&[
        "--bind",
        "0.0.0.0",
        "--protected-mode",
        "yes"
    ])));
    let c = run(&["--requirepass", "x"]);
    assert!(!c.table().live().acl.auth_free());
}

#[test]
fn a_config_file_then_flags() {
    let dir = std::env::temp_dir().join(format!("kevy-conf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let inc = dir.join("inc.conf");
    std::fs::write(&inc, "databases 4\n").unwrap();
    let main = dir.join("kevy.conf");
    std::fs::write(
        &main,
        format!(
            "# comment\nport 7001\n  bind 127.0.0.1\nmaxclients 50\ntimeout 10\nsave \"\"\nappendonly no\nunixsocket \"{}/k.sock\"\nunixsocketperm 700\ninclude {}\nloglevel warning\n",
            dir.display(),
            inc.display()
        ),
    )
    .unwrap();
    let c = run(&[main.to_str().unwrap(), "--port", "7002"]);
    assert_eq!(c.port(), 7002);
    let t = c.table();
    let ints = ["maxclients", "timeout", "databases"].map(|n| t.get_i64(n));
    assert_eq!(ints, [50, 10, 4]);
    assert_eq!(c.unixsocketperm(), Some(0o700));
    assert_eq!(c.loglevel(), "warning");
    assert_eq!(t.file().as_deref(), Some(main.as_path()));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_lines_name_their_line() {
    let c = Config {
        redis: kevy_commands::Redis::new(),
    };
    let err = c
        .load_text("port 7000\n\nport abc\n", "x.conf")
        .unwrap_err()
        .0;
    assert!(err.contains("at line 3"), "{err}");
    assert!(err.contains(">>> 'port abc'"), "{err}");
    let err = c.load_text("frobnicate yes\n", "x.conf").unwrap_err().0;
    assert!(
        err.contains("Bad directive or wrong number of arguments"),
        "{err}"
    );
    let err = c
        .load_text("cluster-enabled yes\n", "x.conf")
        .unwrap_err()
        .0;
    assert!(err.contains("not implemented"), "{err}");
    let err = c
        .load_text("tls-dh-params-file x\n", "x.conf")
        .unwrap_err()
        .0;
    assert!(err.contains("ECDHE"), "{err}");
    let err = c
        .load_text("logfile \"unterminated\n", "x.conf")
        .unwrap_err()
        .0;
    assert!(err.contains("Unbalanced quotes"), "{err}");
}

#[test]
fn split_follows_redis_quoting() {
    assert_eq!(
        split::split(r#"a "b c" 'd\'e' "\x41\n""#).unwrap(),
        vec!["a", "b c", "d'e", "A\n"]
    );
    assert!(split::split(r#"a "b"c"#).is_err());
    assert_eq!(split::split(r#"save """#).unwrap(), vec!["save", ""]);
}

/// The command line is turned into config-file lines as Redis's `main`
/// does (Redis's introspection.tcl "command line arguments" tests).
#[test]
fn the_command_line_follows_redis_rules() {
    let err = |a: &[&str]| match parse(a) {
        Err(ConfigError(e)) => e,
        Ok(_) => panic!("{a:?} parsed"),
    };
    let has = |e: &str, line: &str, msg: &str| {
        assert!(e.contains(&format!(">>> '{line}'")), "{e}");
        assert!(e.contains(msg), "{e}");
    };
    has(&err(&["--port"]), "port", "wrong number of arguments");
    has(
        &err(&["--port", "6380", "--loglevel"]),
        "loglevel",
        "wrong number of arguments",
    );
    has(
        &err(&["--port", "6379", "6380"]),
        r#"port "6379" "6380""#,
        "wrong number of arguments",
    );
    // A `--word` right after a name given alone is its value.
    has(
        &err(&["--port", "--loglevel", "verbose"]),
        r#"port "--loglevel" "verbose""#,
        "wrong number of arguments",
    );
    has(
        &err(&["--port", "--bla", "--loglevel", "verbose"]),
        r#"port "--bla""#,
        "argument couldn't be parsed into an integer",
    );
    has(
        &err(&["--logfile", "--my--log--file", "--loglevel", "--bla"]),
        r#"loglevel "--bla""#,
        "argument(s) must be one of the following",
    );
    has(
        &err(&["--shutdown-on-sigint"]),
        "shutdown-on-sigint",
        "argument(s) must be one of the following",
    );
    // A name and its value in one word; a value quoted inside it.
    let c = run(&["--maxmemory 700mb", "--maxmemory-policy 'volatile-lru'"]);
    assert_eq!(c.table().get("maxmemory").as_deref(), Some("734003200"));
    assert_eq!(
        c.table().get("maxmemory-policy").as_deref(),
        Some("volatile-lru")
    );
    // `--save` alone, before another name or last, is `save ""`.
    for a in [
        &["--save", "--loglevel", "verbose"][..],
        &["--loglevel", "verbose", "--save"],
    ] {
        let c = run(a);
        assert_eq!(c.table().get("save").as_deref(), Some(""), "{a:?}");
        assert_eq!(
            c.table().get("loglevel").as_deref(),
            Some("verbose"),
            "{a:?}"
        );
    }
    // kevy's `--name=value`, and values needing quotes.
    let c = run(&["--port=7010", "--logfile", "a \"b\"\tc"]);
    assert_eq!(c.port(), 7010);
    assert_eq!(c.table().get("logfile").as_deref(), Some("a \"b\"\tc"));
}
