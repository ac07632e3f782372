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
