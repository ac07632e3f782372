//! Unit tests of `wait`.
use kevy_rt::OwnedArgs;

use super::*;

fn args(w: &[&str]) -> OwnedArgs {
    w.iter().map(|s| s.as_bytes()).collect()
}

#[test]
fn parks_only_when_more_replicas_are_wanted_than_acknowledged() {
    let replicas = Replicas::default();
    let session = Session::default();
    let parks = |w: &[&str]| blocking(&replicas, &session, args(w).args());
    assert_eq!(parks(&["WAIT", "0", "0"]), None);
    assert_eq!(parks(&["WAIT", "-3", "100"]), None);
    assert_eq!(parks(&["WAIT", "1", "0"]), Some(Park { timeout: None }));
    assert_eq!(
        parks(&["WAIT", "2", "150"]),
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
