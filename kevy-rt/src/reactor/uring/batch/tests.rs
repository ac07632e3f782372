//! The wait policy's decisions.

use super::*;

fn batch(usec: u32, max: u32) -> Batch {
    Batch {
        usec,
        max,
        cqes: 0,
        arrivals: 0,
    }
}

#[test]
fn a_quiet_shard_waits_for_one() {
    let mut b = batch(50, 16);
    // A lone client: its receive and the send of the last reply.
    b.cqes = 2;
    b.arrivals = 1;
    assert_eq!(b.next(1_000_000), (1, 0));
    assert_eq!(b.next(1_000_000), (1, 0), "nothing reaped: one");
}

#[test]
fn a_busy_shard_waits_for_as_many_as_last_time_within_the_bound() {
    let mut b = batch(50, 16);
    b.cqes = 7;
    b.arrivals = 4;
    assert_eq!(b.next(1_000_000), (7, 50));
    // The counts start over.
    assert_eq!((b.cqes, b.arrivals), (0, 0));
    b.cqes = 40;
    b.arrivals = 20;
    assert_eq!(b.next(1_000_000), (16, 50), "capped");
}

#[test]
fn never_past_the_timeout_nor_when_off() {
    let mut b = batch(50, 16);
    b.cqes = 7;
    b.arrivals = 4;
    assert_eq!(b.next(50), (1, 0), "a timer due within the bound");
    let mut off = batch(0, 16);
    off.cqes = 7;
    off.arrivals = 4;
    assert_eq!(off.next(1_000_000), (1, 0));
}
