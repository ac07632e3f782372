//! A replica's refusals: nothing is refused on a primary; on a replica
//! whose link is down, `stale` commands pass, writes are left to their
//! `-READONLY`, and the rest resolve to the `-MASTERDOWN` stand-in only
//! while `replica-serve-stale-data` is `no`.

use std::sync::Arc;

use super::*;
use crate::table;

fn spec(args: &[&[u8]]) -> &'static Spec {
    let mut owned = kevy_rt::OwnedArgs::new();
    for a in args {
        owned.push(a);
    }
    table::find(owned.args()).expect("a command")
}

#[test]
fn a_stale_replica_refuses_what_is_not_flagged_stale() {
    table::install();
    let shared = Arc::new(Shared::new());
    let (get, echo, set) = (
        spec(&[b"get", b"k"]),
        spec(&[b"echo", b"m"]),
        spec(&[b"incr", b"k"]),
    );
    shared
        .config
        .load("replica-serve-stale-data", &["no"])
        .expect("setting");
    assert!(stale_refusal(&shared, get).is_none(), "a primary serves");
    assert!(!read_only_for(&shared, set.flags, 7));
    // Port 1: nothing listens, the link stays down.
    assert!(crate::repl::upstream::start(&shared, "127.0.0.1".into(), 1));
    assert!(running_stale(&shared));
    assert!(std::ptr::eq(
        stale_refusal(&shared, get).expect("refused"),
        &REFUSED_STALE
    ));
    assert!(stale_refusal(&shared, echo).is_none(), "echo is stale");
    assert!(stale_refusal(&shared, set).is_none(), "-READONLY first");
    assert!(read_only_for(&shared, set.flags, 7));
    assert!(!read_only_for(&shared, get.flags, 7));
    shared
        .config
        .load("replica-serve-stale-data", &["yes"])
        .expect("setting");
    assert!(!running_stale(&shared));
    assert!(stale_refusal(&shared, get).is_none());
    assert!(shared.upstream.stop());
    assert!(!read_only_for(&shared, set.flags, 7));
}
