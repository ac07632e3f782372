//! The same scripts against kevy (2 shards) and Debian's real `memcached`
//! 1.6: replies must agree, once CAS uniques are renumbered by first
//! appearance (each server counts its own) and the version line is set aside.

use std::collections::HashMap;

use crate::util::{kevy, Raw, Real};

/// Renumbers the CAS uniques of `VALUE` lines by order of first appearance.
fn normalize(reply: &[u8]) -> String {
    let mut out = Vec::new();
    let mut uniques: HashMap<Vec<u8>, usize> = HashMap::new();
    let mut rest = reply;
    while let Some(nl) = rest.windows(2).position(|w| w == b"\r\n") {
        let line = &rest[..nl];
        rest = &rest[nl + 2..];
        let fields: Vec<&[u8]> = line.split(|&c| c == b' ').collect();
        if fields.first() == Some(&&b"VALUE"[..]) && fields.len() >= 4 {
            let len: usize = std::str::from_utf8(fields[3]).unwrap().parse().unwrap();
            out.extend_from_slice(&fields[..4].join(&b' '));
            if let Some(cas) = fields.get(4) {
                let n = uniques.len();
                let id = *uniques.entry(cas.to_vec()).or_insert(n);
                out.extend_from_slice(format!(" cas#{id}").as_bytes());
            }
            out.extend_from_slice(b"\r\n");
            out.extend_from_slice(&rest[..len + 2]);
            rest = &rest[len + 2..];
        } else {
            out.extend_from_slice(line);
            out.extend_from_slice(b"\r\n");
        }
    }
    out.extend_from_slice(rest);
    String::from_utf8_lossy(&out).into_owned()
}

/// Runs `steps` on one connection; `{cas}` in a step is replaced by the last
/// CAS unique this server sent on it.
fn run(addr: std::net::SocketAddr, steps: &[Vec<u8>]) -> String {
    let mut c = Raw::connect(addr);
    c.exchange(b"flush_all\r\n");
    let mut all = Vec::new();
    let mut last_cas = String::from("0");
    for step in steps {
        let step = String::from_utf8_lossy(step).replace("{cas}", &last_cas);
        let got = c.exchange(step.as_bytes());
        for line in String::from_utf8_lossy(&got).split("\r\n") {
            let f: Vec<&str> = line.split(' ').collect();
            if f[0] == "VALUE" && f.len() == 5 {
                last_cas = f[4].to_string();
            }
        }
        all.extend_from_slice(&got);
    }
    normalize(&all)
}

fn step_sets() -> Vec<Vec<Vec<u8>>> {
    let big = [
        &b"set big 0 0 2000000\r\n"[..],
        &[b'x'; 2_000_000],
        b"\r\nget big\r\n",
    ]
    .concat();
    let sets: Vec<Vec<&[u8]>> = vec![
        vec![b"set a 5 0 3\r\nabc\r\nget a\r\ngets a\r\n"],
        vec![b"set n 0 0 20\r\n18446744073709551615\r\nincr n 2\r\nget n\r\ndecr n 100\r\n"],
        vec![b"set n 0 0 3\r\n 1x\r\nincr n 1\r\nset n 0 0 2\r\n1 \r\nincr n 1\r\nset n 0 0 2\r\n-1\r\nincr n 1\r\n"],
        vec![b"set n 0 0 3\r\n+12\r\nincr n +1\r\nincr n 01\r\nincr n 18446744073709551616\r\nincr n -0\r\n"],
        vec![b"add x 0 0 1\r\ny\r\nadd x 0 0 1\r\nw\r\nreplace nope 0 0 1\r\nq\r\nappend nope 0 0 1\r\nq\r\n"],
        vec![b"set x 3 0 1\r\ny\r\nappend x 7 0 2\r\nqq\r\nprepend x 0 0 2\r\npp\r\ngets x\r\n"],
        vec![b"set c 0 0 1\r\nv\r\ngets c\r\n", b"cas c 9 0 2 {cas}\r\nv2\r\ncas c 9 0 2 {cas}\r\nv3\r\ngets c\r\n"],
        vec![b"cas nope 0 0 1 1\r\nc\r\ncas c 0 0 1 abc\r\nc\r\ncas c 0 0 1 -1\r\nc\r\ncas c 0 0 1\r\n"],
        vec![b"set t 0 0 1\r\nz\r\ntouch t 10\r\ntouch nope 10\r\ntouch t -1\r\nget t\r\n"],
        vec![b"set t 0 0 1\r\nz\r\ngat 100 t nope\r\ngats 0 t\r\ngat -1 t\r\nget t\r\n"],
        vec![b"set e 0 -1 1\r\nz\r\nset f 0 2592001 1\r\nz\r\nset g 0 2592000 1\r\nz\r\nget e f g\r\n"],
        vec![b"set d 0 0 1\r\nz\r\ndelete d\r\ndelete d\r\ndelete d 0\r\ndelete d 0 noreply\r\ndelete a b c\r\ndelete\r\n"],
        vec![b"set x 0 0 1\r\nz\r\nflush_all\r\nget x\r\nflush_all 0 noreply\r\nflush_all -1\r\nflush_all 1 2\r\n"],
        vec![b"set\tk 0 0 1\r\nz\r\nset k\t0 0 1\r\nz\r\nget a\tb\r\n  get a\r\nget a\n"],
        vec![b"set tt 0 0 2 3 4 5 6\r\nzz\r\nset x -1 0 1\r\nz\r\nincr x\r\ntouch x\r\n"],
        vec![b"set a 0 0 3\r\nabc\rXget a\r\nset a 0 0 2\r\nab\nget a\r\n"],
        vec![b"verbosity 1 noreply\r\nverbosity abc\r\nverbosity 1 2 3\r\nstats nonsense\r\nstats reset\r\n"],
        vec![b"incr a 1 noreply\r\ndecr a 1 junk\r\ndecr a 1 noreply extra\r\nset e 0 0 0\r\n\r\nincr e 1\r\n"],
        vec![b"get a\x00b\r\nset a 0 0 1\r\n\x00\r\nget a\r\nincr a 1\x00\r\n"],
        vec![&big],
        vec![b"set m 0 0 1\r\n5\r\nincr m 18446744073709551615\r\nget m\r\n"],
    ];
    sets.into_iter()
        .map(|steps| steps.into_iter().map(<[u8]>::to_vec).collect())
        .collect()
}

#[test]
fn replies_agree_with_real_memcached() {
    let real = Real::start();
    let server = kevy(2);
    for steps in step_sets() {
        let want = run(real.addr, &steps);
        let got = run(server.addr(), &steps);
        let shown: Vec<_> = steps
            .iter()
            .map(|s| String::from_utf8_lossy(&s[..s.len().min(80)]))
            .collect();
        assert_eq!(got, want, "steps {shown:?}");
    }
    server.stop();
}

#[test]
fn many_keys_over_shards_agree_with_real_memcached() {
    let real = Real::start();
    let server = kevy(3);
    let mut script = Vec::new();
    for i in 0..300 {
        script.extend_from_slice(
            format!("set key:{i} {i} 0 {}\r\n{i}\r\n", i.to_string().len()).as_bytes(),
        );
    }
    script.extend_from_slice(b"get");
    for i in (0..320).rev() {
        script.extend_from_slice(format!(" key:{i}").as_bytes());
    }
    script.extend_from_slice(b"\r\ngets key:1 key:2 key:1\r\n");
    for i in 0..300 {
        script.extend_from_slice(
            format!("incr key:{i} {i}\r\ndelete key:{} noreply\r\n", i * 7 % 300).as_bytes(),
        );
    }
    script.extend_from_slice(b"get key:0 key:100 key:299\r\n");
    let script = [script];
    let want = run(real.addr, &script);
    let got = run(server.addr(), &script);
    assert_eq!(got, want);
    server.stop();
}
