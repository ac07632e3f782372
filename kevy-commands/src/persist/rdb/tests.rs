//! Round trips of every type through the RDB encoders, Redis's own bytes,
//! and corrupt input (truncations, flipped bytes): an error, never a panic.

use super::chunk::AccessData;
use super::file::encode_dbs;
use super::*;
use crate::model::encoding::Enc;
use crate::model::types::hash::Hash;
use crate::model::types::list::{End, List};
use crate::model::types::set::Set;
use crate::model::value::{Bytes, Value};
use crate::model::zset::ZSet;
use crate::store::db::{Clock, Db};

fn list(n: usize, width: usize) -> Value {
    let mut l = List::new();
    let enc = Enc::default();
    for i in 0..n {
        let s = format!("{i:0width$}");
        l.push(End::Right, s.as_bytes(), &enc);
    }
    Value::List(l)
}

fn hash(n: usize, width: usize) -> Value {
    let mut h = Hash::new();
    for i in 0..n {
        h.set(
            format!("f{i}").as_bytes(),
            format!("{i:0width$}").as_bytes(),
            &Enc::default(),
        );
    }
    Value::Hash(h)
}

fn set(members: impl Iterator<Item = String>) -> Value {
    let mut s = Set::default();
    for (i, m) in members.enumerate() {
        if i == 0 {
            s = Set::for_member(m.as_bytes());
        }
        s.add(m.as_bytes(), &Enc::default());
    }
    Value::Set(s)
}

fn zset(n: usize, frac: bool) -> Value {
    let mut pairs: Vec<(Vec<u8>, f64)> = (0..n)
        .map(|i| {
            let s = if frac { i as f64 + 0.25 } else { i as f64 };
            (format!("m{i}").into_bytes(), s)
        })
        .collect();
    pairs.sort_by(|a, b| a.1.partial_cmp(&b.1).unwrap().then(a.0.cmp(&b.0)));
    Value::ZSet(ZSet::from_sorted(&pairs, &Enc::default()))
}

/// One value of every type and encoding, small and large.
pub(crate) fn samples() -> Vec<(&'static str, Value)> {
    vec![
        ("int", Value::Int(-123456789012)),
        ("int8", Value::Int(7)),
        ("str", Value::string(b"hello")),
        (
            "long",
            Value::Str(Bytes::from_slice(&b"abcdefgh".repeat(100))),
        ),
        ("empty", Value::Str(Bytes::from_slice(b""))),
        ("list-small", list(10, 3)),
        ("list-big", list(5000, 20)),
        ("hash-small", hash(10, 2)),
        ("hash-big", hash(1000, 2)),
        ("hash-long", hash(3, 100)),
        ("set-int", set((0..100).map(|i| (i * 1000).to_string()))),
        ("set-int-big", set((0..1000).map(|i| i.to_string()))),
        ("set-str", set((0..100).map(|i| format!("s{i}")))),
        ("zset-small", zset(10, true)),
        ("zset-int", zset(10, false)),
        ("zset-big", zset(500, true)),
    ]
}

fn dump_round_trip(v: &Value, compress: bool) -> Value {
    let p = dump::dump(v, compress);
    dump::restore(&p, &Enc::default(), true).unwrap()
}

#[test]
fn every_type_round_trips_through_dump() {
    for (name, v) in samples() {
        for compress in [false, true] {
            assert_eq!(&dump_round_trip(&v, compress), &v, "{name}");
        }
    }
}

#[test]
fn redis_dump_payloads() {
    // redis-server 7.0.15: SET k hello; DUMP k.
    let p = b"\x00\x05hello\n\x00cr\xdfve4 \n";
    assert_eq!(
        dump::restore(p, &Enc::default(), true),
        Ok(Value::string(b"hello"))
    );
    assert_eq!(dump::dump(&Value::string(b"hello"), true), p.to_vec());
    // HSET h a 1; DUMP h (a listpack).
    let h = b"\x10\x0c\x0c\x00\x00\x00\x02\x00\x81a\x02\x01\x01\xff\n\x00\x84\xa6\x93\xe8\xaa\x17\xe4\xdb";
    let mut want = Hash::new();
    want.set(b"a", b"1", &Enc::default());
    assert_eq!(
        dump::restore(h, &Enc::default(), true),
        Ok(Value::Hash(want.clone()))
    );
    assert_eq!(dump::dump(&Value::Hash(want), true), h.to_vec());
    let mut bad = p.to_vec();
    bad[3] ^= 1;
    assert_eq!(
        dump::restore(&bad, &Enc::default(), true),
        Err(dump::Refused::Payload)
    );
}

#[test]
fn older_encodings_load() {
    let sign = |mut c: Vec<u8>| {
        c.extend_from_slice(&6u16.to_le_bytes());
        let crc = crc64::update(0, &c);
        c.extend_from_slice(&crc.to_le_bytes());
        c
    };
    // RDB_TYPE_ZSET: text doubles (and the special inf byte).
    let p = sign(vec![
        types::ZSET,
        2,
        1,
        b'a',
        3,
        b'1',
        b'.',
        b'5',
        1,
        b'b',
        254,
    ]);
    let want = ZSet::from_sorted(
        &[(b"a".to_vec(), 1.5), (b"b".to_vec(), f64::INFINITY)],
        &Enc::default(),
    );
    assert_eq!(
        dump::restore(&p, &Enc::default(), true),
        Ok(Value::ZSet(want))
    );
    // RDB_TYPE_LIST: plain elements, one integer-encoded.
    let p = sign(vec![types::LIST, 2, 1, b'x', 0xc0, 5]);
    let mut l = List::new();
    l.push(End::Right, b"x", &Enc::default());
    l.push(End::Right, b"5", &Enc::default());
    assert_eq!(dump::restore(&p, &Enc::default(), true), Ok(Value::List(l)));
    // RDB_TYPE_HASH_ZIPMAP.
    let zm = [1u8, 1, b'f', 1, 0, b'v', 255];
    let mut c = vec![types::HASH_ZIPMAP, zm.len() as u8];
    c.extend_from_slice(&zm);
    let mut h = Hash::new();
    h.set(b"f", b"v", &Enc::default());
    assert_eq!(
        dump::restore(&sign(c), &Enc::default(), true),
        Ok(Value::Hash(h))
    );
    // Duplicates and NaN are corruption.
    let p = sign(vec![types::SET, 2, 1, b'a', 1, b'a']);
    assert_eq!(
        dump::restore(&p, &Enc::default(), true).map_err(|e| e.reply()),
        Err(dump::BAD_FORMAT)
    );
    let p = sign(vec![types::ZSET, 1, 1, b'a', 253]);
    assert_eq!(
        dump::restore(&p, &Enc::default(), true).map_err(|e| e.reply()),
        Err(dump::BAD_FORMAT)
    );
}

#[test]
fn whole_file_round_trips() {
    let mut dbs: Vec<Db> = (0..3).map(|_| Db::new()).collect();
    let now = Clock::new();
    for (i, (name, v)) in samples().into_iter().enumerate() {
        let at = (i % 3 == 0).then_some(now.ms() + 100_000 + i as i64);
        dbs[i % 3].set(name.as_bytes(), v, &now, false, at);
    }
    let chunks = encode_dbs(&dbs, true, AccessData::None);
    let mut file = Vec::new();
    write_rdb(&mut file, Options::default(), FileInfo::default(), &chunks).unwrap();
    assert!(file.starts_with(b"REDIS0010"));
    let mut back: Vec<Db> = (0..3).map(|_| Db::new()).collect();
    let info = load_rdb(
        &file,
        &Enc::default(),
        16,
        Some(now.ms()),
        Checks {
            checksum: true,
            deep: true,
        },
        |_, _| true,
        |l| {
            back[l.db].set(&l.key, l.value, &now, false, l.expire);
            Ok(())
        },
    )
    .unwrap();
    assert_eq!(info.loaded, samples().len() as u64);
    for (i, (name, v)) in samples().into_iter().enumerate() {
        let got = back[i % 3].get_with_deadline(name.as_bytes(), &now);
        let want_at = (i % 3 == 0).then_some(now.ms() + 100_000 + i as i64);
        assert_eq!(
            got.map(|(v, at)| (v.clone(), at)),
            Some((v, want_at)),
            "{name}"
        );
    }
}

#[test]
fn function_libraries_are_function2_entries() {
    let long = b"#!lua name=long\nredis.register_function('f', function() return 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' end)".to_vec();
    let info = FileInfo {
        aof_base: true,
        functions: vec![long.clone(), b"#!lua name=s\n".to_vec()],
        ..FileInfo::default()
    };
    let mut file = Vec::new();
    write_rdb(&mut file, Options::default(), info, &[]).unwrap();
    // After the AUX fields, before EOF: opcode 245, then the code as an
    // RDB string (compressed when long, as `rdbSaveRawString`).
    let mut short = vec![opcodes::FUNCTION2, 13];
    short.extend_from_slice(b"#!lua name=s\n");
    short.push(opcodes::EOF);
    assert!(file.windows(short.len()).any(|w| w == short));
    let got = load_rdb(
        &file,
        &Enc::default(),
        16,
        None,
        Checks {
            checksum: true,
            deep: true,
        },
        |_, _| true,
        |_| Ok(()),
    )
    .unwrap();
    assert_eq!(got.functions, 2);
    assert_eq!(got.libraries, vec![long, b"#!lua name=s\n".to_vec()]);
    assert!(got.aux.contains(&(b"aof-base".to_vec(), b"1".to_vec())));
}

#[test]
fn corrupt_files_are_errors() {
    let mut db = Db::new();
    let now = Clock::new();
    for (name, v) in samples().into_iter().filter(|(n, _)| !n.ends_with("big")) {
        db.set(name.as_bytes(), v, &now, false, Some(now.ms() + 1_000_000));
    }
    let chunks = encode_dbs(std::slice::from_ref(&db), true, AccessData::None);
    let mut file = Vec::new();
    write_rdb(&mut file, Options::default(), FileInfo::default(), &chunks).unwrap();
    let load = |data: &[u8], checksum: bool| {
        load_rdb(
            data,
            &Enc::default(),
            16,
            None,
            Checks {
                checksum,
                deep: true,
            },
            |_, _| true,
            |_| Ok(()),
        )
    };
    assert!(load(&file, true).is_ok());
    // Every truncation fails.
    let step = (file.len() / 150).max(1);
    for cut in (0..file.len()).step_by(step) {
        assert!(load(&file[..cut], true).is_err(), "cut at {cut}");
    }
    // Flipped bytes: caught by the checksum, and without it never a panic.
    let mut x = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..300 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let mut c = file.clone();
        let i = (x as usize) % c.len();
        c[i] ^= (x >> 32) as u8 | 1;
        assert!(load(&c, true).is_err());
        let _ = load(&c, false);
    }
}

#[test]
fn corrupt_payloads_are_errors() {
    for (_, v) in samples() {
        let p = dump::dump(&v, true);
        let body = &p[..p.len() - 10];
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..100 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let mut c = body.to_vec();
            if x & 1 == 0 {
                c.truncate((x as usize >> 8) % c.len());
            } else {
                let i = (x as usize >> 8) % c.len();
                c[i] ^= (x >> 40) as u8 | 1;
            }
            // Re-sign so the body itself is parsed.
            c.extend_from_slice(&RDB_VERSION.to_le_bytes());
            let crc = crc64::update(0, &c);
            c.extend_from_slice(&crc.to_le_bytes());
            let _ = dump::restore(&c, &Enc::default(), true);
            let _ = dump::restore(&c, &Enc::default(), false);
        }
    }
    // Huge claimed lengths do not allocate.
    let mut c = vec![
        types::LIST,
        0x81,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
    ];
    c.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = crc64::update(0, &c);
    c.extend_from_slice(&crc.to_le_bytes());
    assert_eq!(
        dump::restore(&c, &Enc::default(), true).map_err(|e| e.reply()),
        Err(dump::BAD_FORMAT)
    );
    let mut c = vec![
        types::STRING,
        0xc3,
        0x01,
        0x80,
        0x7f,
        0xff,
        0xff,
        0xff,
        0x00,
    ];
    c.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = crc64::update(0, &c);
    c.extend_from_slice(&crc.to_le_bytes());
    assert_eq!(
        dump::restore(&c, &Enc::default(), true).map_err(|e| e.reply()),
        Err(dump::BAD_FORMAT)
    );
}

#[test]
fn a_file_synced_as_it_goes_holds_every_byte_written() {
    use std::io::Write;
    let path = std::env::temp_dir().join(format!("kevy-autosync-{}", std::process::id()));
    let data: Vec<u8> = (0..9 << 20).map(|i: u32| (i % 251) as u8).collect();
    for on in [true, false] {
        let f = std::fs::File::create(&path).unwrap();
        let mut w = std::io::BufWriter::with_capacity(1 << 20, super::file::AutoSync::new(f, on));
        for part in data.chunks(300_001) {
            w.write_all(part).unwrap();
        }
        let f = w.into_inner().unwrap().file;
        f.sync_all().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), data, "on: {on}");
    }
    let _ = std::fs::remove_file(&path);
}

#[test]
fn shallow_checks_leave_what_redis_leaves() {
    let sign = |mut c: Vec<u8>| {
        c.extend_from_slice(&RDB_VERSION.to_le_bytes());
        let crc = crc64::update(0, &c);
        c.extend_from_slice(&crc.to_le_bytes());
        c
    };
    // HSET h a 1 as a listpack whose count says 3 and whose first
    // back-length is wrong: Redis (and kevy) take it under
    // `sanitize-dump-payload no`, refuse it under `yes`, with Redis's
    // reason.
    let lp = [0x0c, 0, 0, 0, 3, 0, 0x81, b'a', 3, 0x01, 1, 0xff];
    let mut c = vec![types::HASH_LISTPACK, lp.len() as u8];
    c.extend_from_slice(&lp);
    let p = sign(c);
    let mut want = Hash::new();
    want.set(b"a", b"1", &Enc::default());
    assert_eq!(
        dump::restore(&p, &Enc::default(), false),
        Ok(Value::Hash(want))
    );
    assert_eq!(
        dump::restore(&p, &Enc::default(), true),
        Err(dump::Refused::Format(Some(RdbError(
            "Hash listpack integrity check failed.".into()
        ))))
    );
    // A ziplist is always checked in full: Redis converts it. Its second
    // entry says the first took 14 bytes (`quicklist big ziplist prev
    // len` of Redis's tests).
    let zl = b"\x13\x00\x00\x00\x0e\x00\x00\x00\x02\x00\x00\x02a\x00\x0e\x02b\x00\xff";
    let mut c = vec![types::LIST_QUICKLIST, 1, zl.len() as u8];
    c.extend_from_slice(zl);
    let p = sign(c);
    for deep in [false, true] {
        assert_eq!(
            dump::restore(&p, &Enc::default(), deep),
            Err(dump::Refused::Format(Some(RdbError(
                "Ziplist integrity check failed.".into()
            ))))
        );
    }
}
