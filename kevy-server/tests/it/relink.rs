//! A kevy replica pointed away from its primary and back at once, while
//! the primary streams: the link that ended applies nothing it reads
//! after its end (its thread may wait up to 100 ms in a read, and the
//! primary streams to it until it sees the connection close). Every write
//! then applies once, and the offsets agree, as Redis's stream-cgroups
//! unit checks after `REPLICAOF NO ONE` and `REPLICAOF` again.

use crate::replication::{info, kevy_in, scratch, wait_for, wait_link_up};
use crate::util::Raw;

#[test]
fn a_replica_pointed_back_at_once_applies_each_write_once() {
    let (pdir, rdir) = (scratch("relink-primary"), scratch("relink-replica"));
    let primary = kevy_in(&pdir);
    let replica = kevy_in(&rdir);
    let mut p = Raw::connect(primary.addr());
    let mut r = Raw::connect(replica.addr());
    let port = primary.addr().port().to_string();
    let offset = |c: &mut Raw| info(c, "replication", "master_repl_offset");
    for round in 0..12 {
        assert_eq!(r.call(&["REPLICAOF", "127.0.0.1", &port]), b"+OK\r\n");
        wait_link_up(&mut r);
        // At once: the previous round's link may still be reading.
        for _ in 0..3 {
            assert!(p.call(&["INCR", "counter"]).starts_with(b":"));
        }
        assert!(p
            .call(&["RPUSH", "log", &round.to_string()])
            .starts_with(b":"));
        wait_for("the replica at the primary's offset", || {
            offset(&mut p) == offset(&mut r)
        });
        assert_eq!(
            r.call(&["GET", "counter"]),
            p.call(&["GET", "counter"]),
            "round {round}: each INCR applied once"
        );
        assert_eq!(
            r.call(&["LRANGE", "log", "0", "-1"]),
            p.call(&["LRANGE", "log", "0", "-1"]),
            "round {round}"
        );
        assert_eq!(r.call(&["REPLICAOF", "NO", "ONE"]), b"+OK\r\n");
    }
    drop((p, r));
    primary.stop();
    replica.stop();
    let _ = std::fs::remove_dir_all(&pdir);
    let _ = std::fs::remove_dir_all(&rdir);
}
