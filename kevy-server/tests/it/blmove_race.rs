//! BLMOVE between shards under contention: movers park on a source list
//! on one shard with the destination on the other (so a serve finishes
//! with a cross-shard LMOVE), while producers push one element at a time,
//! most pushes followed at once by an RPOP of the same source. A serve
//! that finishes on another shard takes nothing yet, so one push serves
//! every parked mover and their moves race for the element (and with the
//! RPOP): a move that finds the source emptied must park its call again,
//! never answer null early (the movers wait forever: any null is early).
//! Every element ends moved or stolen exactly once.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::util::{bulk_body, encode_str, escape, kevy, key_on, Raw};

const MOVERS: usize = 8;
const PRODUCERS: usize = 2;
const ELEMENTS: usize = 2_000;

#[test]
fn blmove_across_shards_reparks_instead_of_answering_null() {
    let server = kevy();
    let addr = server.addr();
    let src = key_on(0, "race:src:");
    let dst = key_on(1, "race:dst:");
    let moved = Arc::new(Mutex::new(Vec::new()));
    let stolen = Arc::new(Mutex::new(Vec::new()));
    let early_nulls = Arc::new(AtomicUsize::new(0));

    let movers: Vec<_> = (0..MOVERS)
        .map(|_| {
            let (src, dst) = (src.clone(), dst.clone());
            let (moved, early_nulls) = (moved.clone(), early_nulls.clone());
            std::thread::spawn(move || {
                let mut c = Raw::connect(addr);
                loop {
                    let r = c.call(&["BLMOVE", &src, &dst, "RIGHT", "LEFT", "0"]);
                    let Some(e) = bulk_body(&r) else {
                        assert!(r == b"$-1\r\n", "BLMOVE answered {}", escape(&r));
                        early_nulls.fetch_add(1, Ordering::Relaxed);
                        continue;
                    };
                    if e == b"stop" {
                        return;
                    }
                    moved.lock().unwrap().push(e.to_vec());
                }
            })
        })
        .collect();
    // Each producer pushes one element and, in the same write, pops one
    // back: the pop runs right after the push's serve claimed a mover, in
    // the window before that mover's cross-shard move takes the element.
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|t| {
            let src = src.clone();
            let stolen = stolen.clone();
            std::thread::spawn(move || {
                let mut c = Raw::connect(addr);
                for i in 0..ELEMENTS / PRODUCERS {
                    let e = format!("{t}:{i}");
                    let mut bytes = encode_str(&["LPUSH", &src, &e]);
                    if i % 4 != 0 {
                        bytes.extend(encode_str(&["RPOP", &src]));
                    }
                    c.send(&bytes);
                    c.reply();
                    if i % 4 != 0 {
                        if let Some(e) = bulk_body(&c.reply()) {
                            stolen.lock().unwrap().push(e.to_vec());
                        }
                    }
                }
            })
        })
        .collect();
    for t in producers {
        t.join().unwrap();
    }
    let mut p = Raw::connect(addr);
    // Only the movers take from the source now: one stop each, behind
    // whatever is left.
    let stops: Vec<&str> = std::iter::repeat_n("stop", MOVERS).collect();
    let mut push = vec!["LPUSH", src.as_str()];
    push.extend(&stops);
    p.call(&push);
    for t in movers {
        t.join().unwrap();
    }

    assert_eq!(
        early_nulls.load(Ordering::Relaxed),
        0,
        "BLMOVE answered null early"
    );
    assert_eq!(p.call(&["LLEN", &src]), b":0\r\n");
    let moved = moved.lock().unwrap().clone();
    let stolen = stolen.lock().unwrap().clone();
    let mut seen = HashSet::new();
    for e in moved.iter().chain(&stolen) {
        assert!(seen.insert(e.clone()), "{} delivered twice", escape(e));
    }
    assert_eq!(seen.len(), ELEMENTS, "elements lost");
    let len = p.call(&["LLEN", &dst]);
    assert_eq!(len, format!(":{}\r\n", moved.len() + MOVERS).into_bytes());
    println!(
        "BLMOVE race: {} moved, {} stolen, no early null",
        moved.len(),
        stolen.len()
    );
}
