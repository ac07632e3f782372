//! ACL rules: random `ACL SETUSER` rule lists against a fresh in-process
//! server of 2 shards, then the user's description read back and checked,
//! and random commands checked against it with `ACL DRYRUN`.
//!
//! Input: lines (`\n`). The first is the rules, separated by spaces
//! (selectors in parentheses may span several, as on the wire). Every later
//! line is a command for `ACL DRYRUN`, its words separated by spaces.
//!
//! Checked: no panic; when the rules are accepted, the user's `ACL LIST`
//! line, fed back as rules to a second user, describes it identically (the
//! description round-trips, as `ACL SAVE` / `ACL LOAD` rely on); `ACL
//! GETUSER` answers an array.

#![no_main]

use kevy_commands::Redis;
use kevy_rt::testing::Harness;
use libfuzzer_sys::fuzz_target;

/// Rules and DRYRUN commands per input at most.
const MAX_WORDS: usize = 64;
const MAX_DRYRUNS: usize = 16;

/// The user's line in an `ACL LIST` reply, after `user <name> `.
fn acl_line(list: &[u8], name: &[u8]) -> Option<Vec<u8>> {
    let mut want = b"user ".to_vec();
    want.extend_from_slice(name);
    want.push(b' ');
    // Bulk strings: `$len\r\n<line>\r\n`.
    let mut rest = list;
    while let Some(p) = rest.iter().position(|&b| b == b'$') {
        rest = &rest[p + 1..];
        let nl = rest.iter().position(|&b| b == b'\n')?;
        let len: usize = std::str::from_utf8(rest.get(..nl.checked_sub(1)?)?).ok()?.parse().ok()?;
        let line = rest.get(nl + 1..nl + 1 + len)?;
        if let Some(tail) = line.strip_prefix(want.as_slice()) {
            return Some(tail.to_vec());
        }
        rest = &rest[nl + 1 + len..];
    }
    None
}

fuzz_target!(|data: &[u8]| {
    let mut lines = data.split(|&b| b == b'\n');
    let Some(rules) = lines.next() else {
        return;
    };
    let mut h = Harness::new(Redis::default(), 2);
    let mut argv: Vec<&[u8]> = vec![b"ACL", b"SETUSER", b"fz"];
    argv.extend(rules.split(|&b| b == b' ').filter(|w| !w.is_empty()).take(MAX_WORDS));
    let reply = h.run(&argv);
    if reply != b"+OK\r\n" {
        assert!(reply.starts_with(b"-"), "SETUSER answered {:?}", String::from_utf8_lossy(&reply));
        return;
    }
    let getuser = h.run(&["ACL", "GETUSER", "fz"]);
    assert!(getuser.starts_with(b"*") || getuser.starts_with(b"%"), "GETUSER: {getuser:?}");
    let first = acl_line(&h.run(&["ACL", "LIST"]), b"fz").expect("fz in ACL LIST");
    // The description, as rules for a second user, describes it the same way.
    let mut again: Vec<&[u8]> = vec![b"ACL", b"SETUSER", b"fz2"];
    again.extend(first.split(|&b| b == b' ').filter(|w| !w.is_empty()));
    let reply = h.run(&again);
    assert_eq!(
        reply,
        b"+OK\r\n",
        "the description {:?} refused: {:?}",
        String::from_utf8_lossy(&first),
        String::from_utf8_lossy(&reply)
    );
    let second = acl_line(&h.run(&["ACL", "LIST"]), b"fz2").expect("fz2 in ACL LIST");
    assert_eq!(
        String::from_utf8_lossy(&first),
        String::from_utf8_lossy(&second),
        "the description does not round-trip"
    );
    for line in lines.take(MAX_DRYRUNS) {
        let mut argv: Vec<&[u8]> = vec![b"ACL", b"DRYRUN", b"fz"];
        argv.extend(line.split(|&b| b == b' ').filter(|w| !w.is_empty()).take(MAX_WORDS));
        let reply = h.run(&argv);
        assert!(
            reply.starts_with(b"+") || reply.starts_with(b"-") || reply.starts_with(b"$"),
            "DRYRUN answered {:?}",
            String::from_utf8_lossy(&reply)
        );
    }
});
