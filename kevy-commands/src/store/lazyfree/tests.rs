//! Unit tests of `lazyfree`.
use super::*;
use crate::model::encoding::Enc;

#[test]
fn effort_is_redis_free_effort() {
    assert_eq!(effort(&Value::string(b"hello")), 1);
    let enc = Enc::default();
    let mut set = crate::model::types::set::Set::default();
    for i in 0..10 {
        set.add(i.to_string().as_bytes(), &enc);
    }
    // An intset is one allocation.
    assert_eq!(effort(&Value::Set(set.clone())), 1);
    for i in 0..200 {
        set.add(format!("m{i}").as_bytes(), &enc);
    }
    assert_eq!(effort(&Value::Set(set)), 210);
}

#[test]
fn big_values_are_freed_in_the_background_and_counted() {
    let enc = Enc::default();
    let mut set = crate::model::types::set::Set::default();
    for i in 0..1000 {
        set.add(format!("m{i}").as_bytes(), &enc);
    }
    let before = freed();
    free(Value::Set(set));
    free(Value::string(b"small"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    // Another test may reset the counter meanwhile: wait for any progress.
    while freed() == before && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert_ne!(freed(), before);
}
