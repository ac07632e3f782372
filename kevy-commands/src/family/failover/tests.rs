//! FAILOVER's arguments and the checks before a failover starts.

use super::{parse, Parsed};
use crate::repl::failover::Request;
use crate::testutil::{check, harness};

fn parsed(words: &[&str]) -> Result<Parsed, String> {
    let args = words.iter().collect::<kevy_rt::OwnedArgs>();
    parse(args.args()).map_err(|e| String::from_utf8_lossy(e).into_owned())
}

#[test]
fn arguments_are_read_as_redis_reads_them() {
    assert_eq!(parsed(&["FAILOVER", "abort"]), Ok(Parsed::Abort));
    assert_eq!(parsed(&["FAILOVER"]), Ok(Parsed::Start(Request::default())));
    assert_eq!(
        parsed(&["failover", "TIMEOUT", "50", "to", "h", "6380", "force"]),
        Ok(Parsed::Start(Request {
            target: Some(("h".into(), 6380)),
            timeout_ms: 50,
            force: true,
        }))
    );
    let syntax = Err("ERR syntax error".to_string());
    for bad in [
        &["FAILOVER", "abort", "x"][..],
        &["FAILOVER", "to"],
        &["FAILOVER", "to", "h"],
        &["FAILOVER", "timeout", "1", "timeout", "2"],
        &["FAILOVER", "force", "force"],
        &["FAILOVER", "bogus"],
        &["FAILOVER", "timeout", "1", "abort"],
    ] {
        assert_eq!(parsed(bad), syntax, "{bad:?}");
    }
    let not_int = Err("ERR value is not an integer or out of range".to_string());
    assert_eq!(parsed(&["FAILOVER", "timeout", "x"]), not_int);
    assert_eq!(parsed(&["FAILOVER", "to", "h", "p"]), not_int);
    assert_eq!(
        parsed(&["FAILOVER", "timeout", "0"]),
        Err("ERR FAILOVER timeout must be greater than 0".to_string())
    );
}

#[test]
fn a_primary_without_replicas_does_not_fail_over() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("FAILOVER", "-ERR FAILOVER requires connected replicas.\r\n"),
            (
                "FAILOVER TO h 1 FORCE",
                "-ERR FAILOVER requires connected replicas.\r\n",
            ),
            ("FAILOVER ABORT", "-ERR No failover in progress.\r\n"),
            (
                "FAILOVER TIMEOUT -1",
                "-ERR FAILOVER timeout must be greater than 0\r\n",
            ),
        ],
    );
}
