//! `oom-score-adj` on the `kevy-server` binary: the process's
//! `/proc/PID/oom_score_adj` follows the setting as Redis's does — the
//! primary's value, the replica's while following a primary, added to the
//! score the process started with (or as is, `absolute`), and that score
//! back once disabled.

use crate::binary::Binary;
use crate::replication::scratch;
use crate::util::Raw;

fn score(pid: u32) -> i64 {
    std::fs::read_to_string(format!("/proc/{pid}/oom_score_adj"))
        .expect("oom_score_adj")
        .trim()
        .parse()
        .expect("a number")
}

#[test]
fn oom_score_follows_the_setting_and_the_role() {
    // The child starts with this process's score.
    let base: i64 = std::fs::read_to_string("/proc/self/oom_score_adj")
        .expect("oom_score_adj")
        .trim()
        .parse()
        .expect("a number");
    let dir = scratch("oom-score");
    let server = Binary::spawn_in(
        &dir,
        &[
            "--oom-score-adj",
            "yes",
            "--oom-score-adj-values",
            "10 20 30",
        ],
    );
    let pid = server.pid();
    let mut c = Raw::connect(server.addr);
    // Set from the start (at the first tick).
    crate::replication::wait_for("the configured score", || score(pid) == base + 10);
    let ok = |c: &mut Raw, args: &[&str]| assert_eq!(c.call(args), b"+OK\r\n", "{args:?}");
    ok(
        &mut c,
        &["CONFIG", "SET", "oom-score-adj-values", "15 25 35"],
    );
    assert_eq!(score(pid), base + 15);
    ok(&mut c, &["REPLICAOF", "127.0.0.1", "1"]);
    assert_eq!(score(pid), base + 25);
    ok(&mut c, &["REPLICAOF", "NO", "ONE"]);
    assert_eq!(score(pid), base + 15);
    ok(&mut c, &["CONFIG", "SET", "oom-score-adj", "absolute"]);
    assert_eq!(score(pid), 15);
    ok(&mut c, &["CONFIG", "SET", "oom-score-adj", "no"]);
    assert_eq!(score(pid), base);
    // Disabled, a new value leaves the score alone; both set in one call
    // take effect together.
    ok(&mut c, &["CONFIG", "SET", "oom-score-adj-values", "9 9 9"]);
    assert_eq!(score(pid), base);
    ok(
        &mut c,
        &[
            "CONFIG",
            "SET",
            "oom-score-adj-values",
            "7 8 9",
            "oom-score-adj",
            "relative",
        ],
    );
    assert_eq!(score(pid), base + 7);
    // Enabled again after a change from outside while disabled: that
    // score is the new base, and comes back on disabling.
    ok(&mut c, &["CONFIG", "SET", "oom-score-adj", "no"]);
    assert_eq!(score(pid), base);
    let outside = base + 22;
    std::fs::write(format!("/proc/{pid}/oom_score_adj"), format!("{outside}\n"))
        .expect("raise the server's score");
    ok(&mut c, &["CONFIG", "SET", "oom-score-adj", "yes"]);
    assert_eq!(score(pid), outside + 7);
    ok(&mut c, &["CONFIG", "SET", "oom-score-adj", "no"]);
    assert_eq!(score(pid), outside);
    drop(c);
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
