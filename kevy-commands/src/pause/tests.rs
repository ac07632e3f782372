//! What `CLIENT PAUSE` holds, by the rules of Redis 7.0's `processCommand`
//! (its own `unit/pause` tests: PFCOUNT and PUBLISH wait, scripts wait
//! unless they declare `no-writes`).

use kevy_rt::OwnedArgs;

use super::pausable;
use crate::session::{Multi, Session};
use crate::table;
use crate::testutil::{harness, run};

#[test]
fn a_write_pause_holds_writes_and_what_may_replicate() {
    let mut h = harness();
    run(
        &mut h,
        &["SCRIPT", "LOAD", "#!lua flags=no-writes\nreturn 2"],
    );
    run(&mut h, &["SCRIPT", "LOAD", "return 3"]);
    run(
        &mut h,
        &[
            "FUNCTION",
            "LOAD",
            "#!lua name=lib\nredis.register_function{function_name='ro', callback=function() return 1 end, flags={'no-writes'}}\nredis.register_function('rw', function() return 1 end)",
        ],
    );
    let redis = h.commands();
    let session = Session::default();
    let held = |words: &[&str], writes_only: bool| {
        let a: OwnedArgs = words.iter().collect();
        let spec = table::find(a.args()).unwrap_or(&table::REJECT);
        pausable(redis, &session, spec, a.args(), writes_only)
    };
    let sha = |body: &str| crate::script::sha1_hex(body.as_bytes());
    for w in [
        &["SET", "k", "v"][..],
        &["DEL", "k"],
        &["PFCOUNT", "h"],
        &["PUBLISH", "c", "m"],
        &["SPUBLISH", "c", "m"],
        &["EVAL", "return 1", "0"],
        &["EVAL", "#!lua\nreturn 1", "0"],
        &["EVALSHA", &sha("return 3"), "0"],
        &["FCALL", "rw", "0"],
        &["FCALL", "nosuch", "0"],
    ] {
        assert!(held(w, true), "{w:?}");
    }
    for w in [
        &["GET", "k"][..],
        &["CLIENT", "UNPAUSE"],
        &["EVAL", "#!lua flags=no-writes\nreturn 1", "0"],
        &["EVALSHA", &sha("#!lua flags=no-writes\nreturn 2"), "0"],
        &["EVALSHA", &"0".repeat(40), "0"],
        &["EVAL_RO", "return 1", "0"],
        &["FCALL", "ro", "0"],
        &["FCALL_RO", "ro", "0"],
        &["GET"],
    ] {
        assert!(!held(w, true), "{w:?}");
    }
    assert!(held(&["GET", "k"], false) && held(&["CLIENT", "UNPAUSE"], false));
    assert!(!held(&["GET"], false));
}

#[test]
fn a_write_pause_holds_exec_by_what_it_queued() {
    let h = harness();
    let redis = h.commands();
    let exec = |queued: &[&[&str]]| {
        let mut session = Session::default();
        session.multi = Some(Multi {
            queue: queued.iter().map(|w| w.iter().collect()).collect(),
            dirty: false,
        });
        let a: OwnedArgs = ["EXEC"].iter().collect();
        let spec = table::find(a.args()).unwrap_or(&table::REJECT);
        pausable(redis, &session, spec, a.args(), true)
    };
    assert!(!exec(&[&["PING"], &["GET", "FOO"]]));
    assert!(!exec(&[&["EVAL", "#!lua flags=no-writes\nreturn 12", "0"]]));
    assert!(exec(&[&["GET", "k"], &["SET", "k", "v"]]));
    assert!(exec(&[&["EVAL", "#!lua\nreturn 12", "0"]]));
    assert!(exec(&[&["PUBLISH", "c", "m"]]));
}
