//! BGSAVE's snapshot is taken slice by slice while each shard keeps
//! serving, yet the file is each shard's keyspace at one moment (its cut):
//! a client rewrites a set of hot keys round after round, in a fixed
//! order, during the save of a larger dataset; in the file, each shard's
//! hot keys read (in write order) round r up to some key and r - 1 after
//! it — never anything else — and a list and a hash changed in place each
//! round agree with them.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use kevy_rt::Router;

use crate::binary::Binary;
use crate::util::{encode_str, integer, Raw};

const HOT: usize = 1_500;

fn pipeline(c: &mut Raw, cmds: &[Vec<String>]) {
    let mut bytes = Vec::new();
    for cmd in cmds {
        let args: Vec<&str> = cmd.iter().map(String::as_str).collect();
        bytes.extend_from_slice(&encode_str(&args));
    }
    c.send(&bytes);
    for _ in cmds {
        c.reply();
    }
}

/// One round's writes: the list and the hash first, then every hot key.
fn round(r: u64) -> Vec<Vec<String>> {
    let mut cmds = vec![
        vec!["RPUSH".into(), "hot:list".into(), r.to_string()],
        vec![
            "HSET".into(),
            "hot:hash".into(),
            format!("f{r}"),
            r.to_string(),
        ],
    ];
    cmds.extend((0..HOT).map(|i| vec!["SET".into(), format!("hot:{i}"), r.to_string()]));
    cmds
}

fn get_int(c: &mut Raw, key: &str) -> u64 {
    let r = c.call(&["GET", key]);
    let body = crate::util::bulk_body(&r).unwrap_or_else(|| panic!("{key}: {r:?}"));
    std::str::from_utf8(body).unwrap().parse().unwrap()
}

#[test]
fn a_bgsave_under_writes_is_each_shards_keyspace_at_its_cut() {
    let dir = std::env::temp_dir().join(format!("kevy-rdbcut-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let d = dir.to_str().unwrap();
    let kevy = Binary::spawn_with(&["--port", "0", "--threads", "2", "--dir", d]);
    let addr = kevy.addr;
    let mut c = Raw::connect(addr);
    // The bulk the snapshot spends most of its slices on.
    for chunk in (0..200_000).collect::<Vec<_>>().chunks(2_000) {
        let mut mset = vec!["MSET".to_string()];
        for i in chunk {
            mset.push(format!("bulk:{i}"));
            mset.push(format!("value-{i}"));
        }
        pipeline(&mut c, &[mset]);
    }
    pipeline(&mut c, &round(1));
    let stop = Arc::new(AtomicBool::new(false));
    let rounds = Arc::new(AtomicU64::new(1));
    let writer = {
        let (stop, rounds) = (stop.clone(), rounds.clone());
        std::thread::spawn(move || {
            let mut w = Raw::connect(addr);
            while !stop.load(Ordering::Relaxed) {
                let r = rounds.load(Ordering::Relaxed) + 1;
                pipeline(&mut w, &round(r));
                rounds.store(r, Ordering::Relaxed);
            }
        })
    };
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(c.call(&["BGSAVE"]), b"+Background saving started\r\n");
    let started = rounds.load(Ordering::Relaxed);
    let mut done = false;
    for _ in 0..6000 {
        let info = String::from_utf8(c.call(&["INFO", "persistence"])).unwrap();
        if info.contains("rdb_bgsave_in_progress:0") && info.contains("rdb_saves:1") {
            done = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(done, "the background save did not finish");
    // A few more rounds after it, so writes surely ran during the save.
    let ended = rounds.load(Ordering::Relaxed);
    while rounds.load(Ordering::Relaxed) < ended + 2 {
        std::thread::sleep(Duration::from_millis(5));
    }
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();
    let last = rounds.load(Ordering::Relaxed);
    assert!(last > started, "the writer ran during the save");
    drop(kevy);
    // Load the file alone (SIGKILL above: no save at exit).
    let kevy = Binary::spawn_with(&["--port", "0", "--threads", "3", "--dir", d]);
    let mut c = Raw::connect(kevy.addr);
    assert_eq!(
        integer(&c.call(&["DBSIZE"])),
        Some(200_000 + HOT as i64 + 2)
    );
    assert_eq!(c.call(&["GET", "bulk:123456"]), b"$12\r\nvalue-123456\r\n");
    let router = Router::new(2);
    let shard = |k: &str| router.shard_of(k.as_bytes());
    let mut firsts = [None; 2];
    for (s, slot) in firsts.iter_mut().enumerate() {
        let values: Vec<u64> = (0..HOT)
            .map(|i| format!("hot:{i}"))
            .filter(|k| shard(k) == s)
            .map(|k| get_int(&mut c, &k))
            .collect();
        let (first, end) = (values[0], *values.last().unwrap());
        assert!(
            first >= started.saturating_sub(1),
            "shard {s}: an old value"
        );
        // Round r up to a point, r - 1 after it.
        assert!(
            first == end || first == end + 1,
            "shard {s}: {first}..{end}"
        );
        let switch = values
            .iter()
            .position(|&v| v != first)
            .unwrap_or(values.len());
        assert!(
            values[switch..].iter().all(|&v| v == end),
            "shard {s}: more than one switch: {values:?}"
        );
        *slot = Some((first, end));
    }
    // The list and the hash, changed in place, agree with their shard's keys.
    let (first, end) = firsts[shard("hot:list")].unwrap();
    let list = c.call(&["LRANGE", "hot:list", "0", "-1"]);
    let items = crate::util::array_items(&list).unwrap();
    let n = items.len() as u64;
    assert!(
        n == first || n == first + 1,
        "list {n} vs keys {first}..{end}"
    );
    assert!(
        first == end || n == first,
        "list {n} vs keys {first}..{end}"
    );
    for (i, item) in items.iter().enumerate() {
        assert_eq!(
            crate::util::bulk_body(item),
            Some((i + 1).to_string().as_bytes())
        );
    }
    let (first, end) = firsts[shard("hot:hash")].unwrap();
    let f = integer(&c.call(&["HLEN", "hot:hash"])).unwrap() as u64;
    assert!(
        f == first || f == first + 1,
        "hash {f} vs keys {first}..{end}"
    );
    assert!(
        first == end || f == first,
        "hash {f} vs keys {first}..{end}"
    );
    drop(kevy);
    let _ = std::fs::remove_dir_all(&dir);
}
