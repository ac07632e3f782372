//! Unit tests of `wait`.
use kevy_rt::OwnedArgs;

use super::*;

fn args(w: &[&str]) -> OwnedArgs {
    w.iter().map(|s| s.as_bytes()).collect()
}

#[test]
fn parks_only_when_replicas_are_wanted() {
    assert_eq!(blocking(args(&["WAIT", "0", "0"]).args()), None);
    assert_eq!(blocking(args(&["WAIT", "-3", "100"]).args()), None);
    assert_eq!(
        blocking(args(&["WAIT", "1", "0"]).args()),
        Some(Park { timeout: None })
    );
    assert_eq!(
        blocking(args(&["WAIT", "2", "150"]).args()),
        Some(Park {
            timeout: Some(Duration::from_millis(150))
        })
    );
}

#[test]
fn errors_are_redis_texts_in_its_order() {
    let e = |w: &[&str]| check(args(w).args()).unwrap_err();
    assert_eq!(e(&["WAIT", "x", "-1"]), Error::NotInteger);
    assert_eq!(
        e(&["WAIT", "1", "1.5"]),
        Error::Message("ERR timeout is not an integer or out of range")
    );
    assert_eq!(
        e(&["WAIT", "1", "-1"]),
        Error::Message("ERR timeout is negative")
    );
}
