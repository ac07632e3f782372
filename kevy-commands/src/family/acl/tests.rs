//! Unit tests of `acl`.
use crate::testutil::{check, harness};

#[test]
fn auth_and_acl_errors() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("AUTH x", "-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n"),
            ("AUTH default x", "+OK\r\n"),
            ("AUTH nobody x", "-WRONGPASS invalid username-password pair or user is disabled.\r\n"),
            ("AUTH a b c", "-ERR syntax error\r\n"),
            ("ACL WHOAMI", "$7\r\ndefault\r\n"),
            ("ACL DELUSER default", "-ERR The 'default' user cannot be removed\r\n"),
            ("ACL CAT nosuch", "-ERR Unknown category 'nosuch'\r\n"),
            ("ACL GENPASS 0", "-ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096\r\n"),
            ("ACL DRYRUN nobody get x", "-ERR User 'nobody' not found\r\n"),
            ("ACL SETUSER a +nosuch", "-ERR Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL\r\n"),
            ("ACL SETUSER a (~x", "-ERR Unmatched parenthesis in acl selector starting at '(~x'.\r\n"),
            ("ACL SETUSER a on nopass +get ~k*", "+OK\r\n"),
            ("ACL DRYRUN a get k1", "+OK\r\n"),
            ("ACL DRYRUN a get x", "$50\r\nThis user has no permissions to access the 'x' key\r\n"),
            ("ACL DRYRUN a set k1 v", "$53\r\nThis user has no permissions to run the 'set' command\r\n"),
            ("ACL USERS", "*2\r\n$1\r\na\r\n$7\r\ndefault\r\n"),
            ("ACL DELUSER a nobody", ":1\r\n"),
            ("ACL LOG RESET", "+OK\r\n"),
        ],
    );
}

#[test]
fn restricted_users_are_refused_on_every_shard() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("ACL SETUSER u on >p +@all -flushall ~a* resetchannels", "+OK\r\n"),
            ("AUTH u p", "+OK\r\n"),
            ("SET a1 v", "+OK\r\n"),
            ("SET b1 v", "-NOPERM this user has no permissions to access one of the keys used as arguments\r\n"),
            ("MSET a1 x a2 y a3 z", "+OK\r\n"),
            ("MSET a1 x b2 y", "-NOPERM this user has no permissions to access one of the keys used as arguments\r\n"),
            ("FLUSHALL", "-NOPERM this user has no permissions to run the 'flushall' command\r\n"),
            ("PUBLISH c m", "-NOPERM this user has no permissions to access one of the channels used as arguments\r\n"),
            ("ACL WHOAMI", "$1\r\nu\r\n"),
        ],
    );
}
