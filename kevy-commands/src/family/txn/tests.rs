//! Unit tests of `txn`.
use kevy_rt::{LockSet, OwnedArgs};

use super::*;
use crate::table;

fn locks(cmd: &[&str]) -> Option<LockSet> {
    let args: OwnedArgs = cmd.iter().copied().collect();
    let spec = table::lookup_args(args.args())?;
    let mut l = LockSet::default();
    isolate(spec, args.args(), &mut l).then_some(l)
}

fn expect(reads: &[&str], writes: &[&str]) -> LockSet {
    let mut l = LockSet::default();
    for r in reads {
        l.read(r.as_bytes());
    }
    for w in writes {
        l.write(w.as_bytes());
    }
    l
}

#[test]
fn keys_and_modes_come_from_the_key_specs() {
    assert_eq!(
        locks(&["mset", "a", "1", "b", "2"]),
        Some(expect(&[], &["a", "b"]))
    );
    assert_eq!(locks(&["mget", "a", "b"]), Some(expect(&["a", "b"], &[])));
    assert_eq!(locks(&["del", "a", "b"]), Some(expect(&[], &["a", "b"])));
    let rename = locks(&["rename", "a", "b"]).unwrap();
    assert_eq!(rename, expect(&[], &["a", "b"]));
    // The destination first, as the key specs list it.
    let mut dest_first = expect(&[], &["d"]);
    dest_first.read(b"a");
    dest_first.read(b"b");
    let store = locks(&["sunionstore", "d", "a", "b"]).unwrap();
    assert_eq!(store, dest_first);
    let z = locks(&["zunionstore", "d", "2", "a", "b"]).unwrap();
    assert_eq!(z, dest_first);
    let sort = locks(&["sort", "a", "store", "d"]).unwrap();
    assert_eq!(sort, expect(&["a"], &["d"]));
}

#[test]
fn whole_keyspace_commands_lock_every_shard() {
    let mut all = LockSet::default();
    all.everything();
    assert_eq!(locks(&["flushall"]), Some(all.clone()));
    assert_eq!(locks(&["swapdb", "0", "1"]), Some(all));
}

#[test]
fn commands_without_keys_run_unlocked() {
    assert_eq!(locks(&["dbsize"]), None);
    assert_eq!(locks(&["keys", "*"]), None);
    assert_eq!(locks(&["scan", "0"]), None);
}
