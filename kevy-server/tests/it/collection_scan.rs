//! SSCAN, HSCAN and ZSCAN over tables (600 members) while members are
//! removed and added between calls, compared with redis-server 7.0: every
//! member present for the whole scan comes back, each once, and a removed
//! one does not (fakeredis's "delete key while scanning" tests rely on
//! it).

use crate::util::{array_items, bulk_body, same_as_redis, Raw};

/// What a scan of `key` with `scan` (SSCAN/HSCAN/ZSCAN) saw, after
/// members were removed and added between its first and second calls:
/// (original members returned, distinct ones among them, whether a removed
/// one came back, whether every kept one came back).
fn scan_with_churn(c: &mut Raw, scan: &str, key: &str, pairs: bool) -> (usize, usize, bool, bool) {
    let mut seen: Vec<Vec<u8>> = Vec::new();
    let page = |c: &mut Raw, cursor: &str, seen: &mut Vec<Vec<u8>>| -> String {
        let reply = c.call(&[scan, key, cursor, "COUNT", "10"]);
        let items = array_items(&reply).expect("scan reply");
        let next = bulk_body(items[0]).expect("cursor");
        let elems = array_items(items[1]).expect("elements");
        let step = if pairs { 2 } else { 1 };
        for e in elems.iter().step_by(step) {
            seen.push(bulk_body(e).expect("member").to_vec());
        }
        String::from_utf8_lossy(next).into_owned()
    };
    let mut cursor = page(c, "0", &mut seen);
    // Remove members not returned yet; add new ones.
    let gone: Vec<String> = (0..600)
        .map(|i| format!("m{i}"))
        .filter(|m| !seen.contains(&m.as_bytes().to_vec()))
        .step_by(9)
        .collect();
    for m in &gone {
        match scan {
            "SSCAN" => c.call(&["SREM", key, m]),
            "HSCAN" => c.call(&["HDEL", key, m]),
            _ => c.call(&["ZREM", key, m]),
        };
    }
    for i in 0..30 {
        let m = format!("new{i}");
        match scan {
            "SSCAN" => c.call(&["SADD", key, &m]),
            "HSCAN" => c.call(&["HSET", key, &m, "v"]),
            _ => c.call(&["ZADD", key, "1", &m]),
        };
    }
    while cursor != "0" {
        cursor = page(c, &cursor, &mut seen);
    }
    let removed_back = gone.iter().any(|m| seen.contains(&m.as_bytes().to_vec()));
    let kept_all = (0..600)
        .map(|i| format!("m{i}"))
        .filter(|m| !gone.contains(m))
        .all(|m| seen.contains(&m.into_bytes()));
    let old: Vec<&Vec<u8>> = seen.iter().filter(|m| m.starts_with(b"m")).collect();
    let distinct: std::collections::HashSet<&&Vec<u8>> = old.iter().collect();
    (old.len(), distinct.len(), removed_back, kept_all)
}

fn session(addr: std::net::SocketAddr) -> Vec<(usize, usize, bool, bool)> {
    let mut c = Raw::connect(addr);
    let members: Vec<String> = (0..600).map(|i| format!("m{i}")).collect();
    let mut sadd = vec!["SADD", "s"];
    let mut hset = vec!["HSET", "h"];
    let mut zadd = vec!["ZADD", "z"];
    for (i, m) in members.iter().enumerate() {
        sadd.push(m);
        hset.extend([m.as_str(), "v"]);
        zadd.extend([["1", "2", "3"][i % 3], m.as_str()]);
    }
    c.call(&sadd);
    c.call(&hset);
    c.call(&zadd);
    vec![
        scan_with_churn(&mut c, "SSCAN", "s", false),
        scan_with_churn(&mut c, "HSCAN", "h", true),
        scan_with_churn(&mut c, "ZSCAN", "z", true),
    ]
}

#[test]
fn collection_scans_survive_removals_mid_scan() {
    let got = same_as_redis(session);
    for (old, distinct_old, removed_back, kept_all) in got {
        assert_eq!(old, distinct_old, "a member came twice");
        assert!(!removed_back && kept_all);
    }
}
