//! Unit tests of `blocking`.
use super::wait::{NEGATIVE, NOT_FLOAT};
use super::*;

#[test]
fn timeouts_parse_as_redis() {
    let ms = |s: &str| timeout(s.as_bytes()).map(|d| d.map(|d| d.as_millis()));
    assert_eq!(ms("0"), Ok(None));
    assert_eq!(ms("1"), Ok(Some(1000)));
    assert_eq!(ms("0.0001"), Ok(Some(1)));
    assert_eq!(ms("1.5e-3"), Ok(Some(2)));
    assert_eq!(ms("-0.0001"), Ok(None));
    assert_eq!(ms("0x10"), Ok(Some(16000)));
    assert_eq!(ms("-1"), Err(NEGATIVE));
    assert_eq!(ms("1e20"), Err(NEGATIVE));
    assert_eq!(ms("inf"), Err(NEGATIVE));
    assert_eq!(ms("9.3e15"), Err(NEGATIVE));
    assert_eq!(ms("abc"), Err(NOT_FLOAT));
    assert_eq!(ms("nan"), Err(NOT_FLOAT));
    assert_eq!(ms(" 1"), Err(NOT_FLOAT));
    assert_eq!(ms(""), Err(NOT_FLOAT));
}

#[test]
fn every_command_that_parks_passes_the_quick_test() {
    // `blocking` answers a park for flagged commands and for WAIT only:
    // the inline test in front of it must let all of them through.
    for spec in crate::table::COMMANDS {
        let parks = spec.flags & super::super::spec::flags::BLOCKING != 0 || spec.name == "wait";
        if parks {
            assert!(may_park(spec), "{}", spec.name);
        }
    }
    let get = crate::table::lookup(b"get").expect("in the table");
    assert!(!may_park(get));
}
