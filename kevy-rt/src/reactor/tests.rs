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
