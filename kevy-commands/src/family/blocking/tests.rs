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
