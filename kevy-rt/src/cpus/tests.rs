//! Tests of shard CPU placement: Redis-syntax CPU lists, `Auto`'s choice,
//! placing a thread and unpinning what it starts.

use super::*;

#[test]
fn cpu_lists_parse_as_redis_reads_them() {
    assert_eq!(parse_cpu_list("3"), Some(vec![3]));
    assert_eq!(parse_cpu_list("0-3"), Some(vec![0, 1, 2, 3]));
    assert_eq!(parse_cpu_list("0-7:2"), Some(vec![0, 2, 4, 6]));
    assert_eq!(parse_cpu_list("1,4-5, 9"), Some(vec![1, 4, 5, 9]));
    for bad in ["", "x", "3-1", "1-", "-1", "0-3:0", "0-3:x", "1,,2", "5000"] {
        assert_eq!(parse_cpu_list(bad), None, "{bad:?}");
    }
}

#[test]
fn names_parse_back() {
    for c in [
        ShardCpus::Auto,
        ShardCpus::Any,
        ShardCpus::List(vec![1, 3, 5]),
    ] {
        assert_eq!(ShardCpus::parse(&c.name()), Some(c));
    }
    assert_eq!(ShardCpus::parse("NONE"), Some(ShardCpus::Any));
    assert_eq!(ShardCpus::parse(""), Some(ShardCpus::Any));
    assert_eq!(ShardCpus::parse("0-1"), Some(ShardCpus::List(vec![0, 1])));
    assert_eq!(ShardCpus::parse("sometimes"), None);
}

#[test]
fn auto_gives_each_shard_a_cpu_only_when_there_is_one_per_shard() {
    let allowed = [2, 3, 5];
    let auto = ShardCpus::Auto;
    assert_eq!(auto.cpu_of(0, 3, &allowed), Some(2));
    assert_eq!(auto.cpu_of(1, 3, &allowed), Some(3));
    assert_eq!(auto.cpu_of(2, 3, &allowed), Some(5));
    // More shards than CPUs, more CPUs than shards, or one shard: the
    // kernel places them.
    assert_eq!(auto.cpu_of(0, 4, &allowed), None);
    assert_eq!(auto.cpu_of(0, 2, &allowed), None);
    assert_eq!(auto.cpu_of(0, 1, &allowed[..1]), None);
    assert_eq!(ShardCpus::Any.cpu_of(0, 2, &allowed), None);
    // A list is used round robin, whatever the process may use.
    let list = ShardCpus::List(vec![7, 9]);
    assert_eq!(list.cpu_of(0, 4, &allowed), Some(7));
    assert_eq!(list.cpu_of(3, 4, &allowed), Some(9));
}

#[cfg(target_os = "linux")]
#[test]
fn a_thread_placed_on_one_cpu_can_be_unpinned() {
    remember();
    let all = allowed_cpus();
    assert!(!all.is_empty());
    std::thread::spawn(move || {
        place(&all[..1]).unwrap();
        assert_eq!(current_cpus().unwrap(), all[..1].to_vec());
        // A thread started now inherits the one CPU...
        let inherited = std::thread::spawn(|| {
            let one = current_cpus().unwrap();
            unpin();
            (one, current_cpus().unwrap())
        })
        .join()
        .unwrap();
        assert_eq!(inherited.0, all[..1].to_vec());
        // ...until it unpins itself.
        assert_eq!(inherited.1, all);
    })
    .join()
    .unwrap();
}
