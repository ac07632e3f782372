//! Unit tests of the backend choice.

use super::*;

#[test]
fn parse_names() {
    for b in [IoBackend::Epoll, IoBackend::Uring, IoBackend::Auto] {
        assert_eq!(IoBackend::parse(b.name()), Some(b));
    }
    assert_eq!(IoBackend::parse("IO_URING"), Some(IoBackend::Uring));
    assert_eq!(IoBackend::parse("kqueue"), None);
}

#[test]
fn auto_is_the_default() {
    assert_eq!(IoBackend::default(), IoBackend::Auto);
}
