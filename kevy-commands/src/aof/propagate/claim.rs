//! XCLAIM and XAUTOCLAIM as Redis 7.0 propagates them
//! (`streamPropagateXCLAIM`): one idempotent
//! `XCLAIM key group consumer 0 id TIME ms RETRYCOUNT n FORCE JUSTID LASTID id`
//! per entry claimed, from the pending entry as the command left it, so a
//! replay claims the same entries whatever their idle time is then; an
//! entry found deleted is logged as an `XCLAIM … JUSTID` that drops it from
//! the pending list again. A LASTID that claimed nothing is logged as
//! `XGROUP SETID … ENTRIESREAD …`. XREADGROUP likewise ([`read_effect`]).

use kevy_rt::Args;

use crate::model::stream::group::Nack;
use crate::model::stream::id::parse;
use crate::model::stream::Stream;

use super::{bulk_at, header};

/// Entry IDs, as their text.
type Ids = Vec<Vec<u8>>;

/// The commands to log for XCLAIM (`auto` false) or XAUTOCLAIM, answered
/// `reply`, on `stream` as they left it; `None` when the group is gone.
pub fn effect(
    auto: bool,
    args: Args<'_>,
    reply: &[u8],
    stream: &Stream,
) -> Option<Vec<Vec<Vec<u8>>>> {
    let (key, group_name, consumer) = (args.get(1)?, args.get(2)?, args.get(3)?);
    let group = stream.groups.get(group_name)?;
    let (claimed, deleted) = if auto {
        auto_ids(reply)?
    } else {
        (claim_ids(reply, 0)?.0, Vec::new())
    };
    let last = group.last_id.to_vec();
    let claimed_ids = claimed.clone();
    let mut out = Vec::new();
    for id in claimed {
        let Some(nack) = parse(&id, 0, true, false).and_then(|p| group.pel.get(&p.id)) else {
            continue;
        };
        out.push(xclaim(key, group_name, nack, id, &last));
    }
    // Entries found deleted left the pending list: XCLAIM's requested IDs
    // the stream no longer holds, XAUTOCLAIM's third reply.
    let gone: Vec<Vec<u8>> = if auto {
        deleted
    } else {
        args.iter()
            .skip(5)
            .map_while(|a| parse(a, 0, true, false).map(|p| (a, p.id)))
            .filter(|(_, id)| !stream.log.contains(*id))
            .map(|(a, _)| a.to_vec())
            .filter(|a| !claimed_ids.contains(a))
            .collect()
    };
    for id in gone {
        let argv = [
            &b"XCLAIM"[..],
            key,
            group_name,
            consumer,
            b"0",
            &id,
            b"JUSTID",
        ];
        out.push(argv.iter().map(|a| a.to_vec()).collect());
    }
    let lastid = args.iter().any(|a| a.eq_ignore_ascii_case(b"lastid"));
    if out.is_empty() && !auto && lastid {
        out.push(vec![
            b"XGROUP".to_vec(),
            b"SETID".to_vec(),
            key.to_vec(),
            group_name.to_vec(),
            last,
            b"ENTRIESREAD".to_vec(),
            group.entries_read.to_string().into_bytes(),
        ]);
    }
    Some(out)
}

/// The commands to log for XREADGROUP, answered `reply`, for the streams
/// of `streams` (name → stream as the read left it) it read from: per
/// entry delivered with `>`, the XCLAIM Redis propagates; with NOACK, the
/// group's new last ID (`XGROUP SETID … ENTRIESREAD …`) and a consumer it
/// created (`XGROUP CREATECONSUMER`, when `created`). History reads (an ID
/// other than `>`) log nothing, as in Redis.
pub fn read_effect<'s>(
    args: Args<'_>,
    reply: &[u8],
    created: bool,
    stream: &dyn Fn(&[u8]) -> Option<&'s Stream>,
) -> Option<Vec<Vec<Vec<u8>>>> {
    let word = |i: usize, w: &str| {
        args.get(i)
            .is_some_and(|a| a.eq_ignore_ascii_case(w.as_bytes()))
    };
    let (group_name, consumer) = (args.get(2)?, args.get(3)?);
    let mut noack = false;
    let mut i = 4;
    while i < args.len() && !word(i, "streams") {
        noack |= word(i, "noack");
        i += if word(i, "noack") { 1 } else { 2 };
    }
    let keys = args.len().checked_sub(i + 1)? / 2;
    let first = i + 1;
    let id_of = |key: &[u8]| {
        (0..keys)
            .find(|&k| args.at(first + k) == key)
            .map(|k| args.at(first + keys + k))
    };
    let mut out = Vec::new();
    for (key, ids) in read_ids(reply)? {
        if id_of(&key) != Some(b">".as_slice()) || ids.is_empty() {
            continue;
        }
        let Some(group) = stream(&key).and_then(|s| s.groups.get(group_name)) else {
            continue;
        };
        let last = group.last_id.to_vec();
        if noack {
            if created {
                out.push(
                    [
                        &b"XGROUP"[..],
                        b"CREATECONSUMER",
                        &key,
                        group_name,
                        consumer,
                    ]
                    .iter()
                    .map(|a| a.to_vec())
                    .collect(),
                );
            }
            out.push(vec![
                b"XGROUP".to_vec(),
                b"SETID".to_vec(),
                key.clone(),
                group_name.to_vec(),
                last,
                b"ENTRIESREAD".to_vec(),
                group.entries_read.to_string().into_bytes(),
            ]);
            continue;
        }
        for id in ids {
            if let Some(nack) = parse(&id, 0, true, false).and_then(|p| group.pel.get(&p.id)) {
                out.push(xclaim(&key, group_name, nack, id, &last));
            }
        }
    }
    Some(out)
}

/// `XCLAIM key group consumer 0 id TIME … RETRYCOUNT … FORCE JUSTID LASTID …`.
fn xclaim(key: &[u8], group: &[u8], nack: &Nack, id: Vec<u8>, last: &[u8]) -> Vec<Vec<u8>> {
    vec![
        b"XCLAIM".to_vec(),
        key.to_vec(),
        group.to_vec(),
        nack.consumer.to_vec(),
        b"0".to_vec(),
        id,
        b"TIME".to_vec(),
        nack.delivery_time.to_string().into_bytes(),
        b"RETRYCOUNT".to_vec(),
        nack.delivery_count.to_string().into_bytes(),
        b"FORCE".to_vec(),
        b"JUSTID".to_vec(),
        b"LASTID".to_vec(),
        last.to_vec(),
    ]
}

/// XREADGROUP's reply (RESP2 `[[key, entries]…]` or a RESP3 map): each
/// key with the IDs of its entries.
fn read_ids(r: &[u8]) -> Option<Vec<(Vec<u8>, Ids)>> {
    if r.first() == Some(&b'_') {
        return Some(Vec::new());
    }
    let (kind, n, mut at) = header(r, 0)?;
    let mut out = Vec::new();
    match kind {
        b'*' if n < 0 => {}
        b'*' => {
            for _ in 0..n {
                let (_, inner) = array(r, at)?;
                let (key, next) = bulk_at(r, inner)?;
                let (ids, end) = claim_ids(r, next)?;
                out.push((key.to_vec(), ids));
                at = end;
            }
        }
        b'%' => {
            for _ in 0..n {
                let (key, next) = bulk_at(r, at)?;
                let (ids, end) = claim_ids(r, next)?;
                out.push((key.to_vec(), ids));
                at = end;
            }
        }
        _ => return None,
    }
    Some(out)
}

/// The IDs of a claim reply at `at` (entries `[id, fields]` or bare IDs),
/// and where it ends.
fn claim_ids(r: &[u8], at: usize) -> Option<(Vec<Vec<u8>>, usize)> {
    let (n, mut at) = array(r, at)?;
    let mut ids = Vec::with_capacity(n);
    for _ in 0..n {
        if r.get(at) == Some(&b'$') {
            let (id, next) = bulk_at(r, at)?;
            ids.push(id.to_vec());
            at = next;
        } else {
            let (m, inner) = array(r, at)?;
            let (id, mut next) = bulk_at(r, inner)?;
            ids.push(id.to_vec());
            for _ in 1..m {
                next = skip(r, next)?;
            }
            at = next;
        }
    }
    Some((ids, at))
}

/// XAUTOCLAIM's reply `[cursor, claimed, deleted]`: the claimed and the
/// deleted IDs.
fn auto_ids(r: &[u8]) -> Option<(Ids, Ids)> {
    let (n, at) = array(r, 0)?;
    if n != 3 {
        return None;
    }
    let at = skip(r, at)?;
    let (claimed, at) = claim_ids(r, at)?;
    let (deleted, _) = claim_ids(r, at)?;
    Some((claimed, deleted))
}

fn array(r: &[u8], at: usize) -> Option<(usize, usize)> {
    match header(r, at)? {
        (b'*' | b'~' | b'>', n, next) => Some((usize::try_from(n).unwrap_or(0), next)),
        _ => None,
    }
}

/// Where the value at `at` ends.
fn skip(r: &[u8], at: usize) -> Option<usize> {
    if !matches!(
        r.get(at)?,
        b'$' | b'=' | b'!' | b'*' | b'~' | b'>' | b'%' | b'|'
    ) {
        // A line with no length (`+`, `-`, `:`, `,`, `_`, `#`, `(`).
        return Some(at + memchr::memchr(b'\n', r.get(at..)?)? + 1);
    }
    let (kind, n, next) = header(r, at)?;
    match kind {
        b'$' | b'=' | b'!' if n >= 0 => Some(next + n as usize + 2),
        b'*' | b'~' | b'>' | b'%' | b'|' => {
            let items = if matches!(kind, b'%' | b'|') {
                2 * n
            } else {
                n
            };
            let mut at = next;
            for _ in 0..items.max(0) {
                at = skip(r, at)?;
            }
            Some(at)
        }
        _ => Some(next),
    }
}

#[cfg(test)]
fn id(ms: u64, seq: u64) -> crate::model::stream::StreamId {
    crate::model::stream::StreamId::new(ms, seq)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::stream::group::Group;

    fn text(cmds: &[Vec<Vec<u8>>]) -> Vec<String> {
        cmds.iter()
            .map(|c| {
                c.iter()
                    .map(|a| String::from_utf8_lossy(a))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    fn stream() -> Stream {
        let mut s = Stream::new();
        for i in [id(1, 0), id(5, 0)] {
            s.log
                .append(&[b"f", b"v"], Some(i), true, 0, Default::default())
                .unwrap();
        }
        let mut g = Group::new(id(5, 0), 3);
        g.pel.insert(
            id(1, 0),
            Nack {
                delivery_time: 1000,
                delivery_count: 2,
                consumer: b"bob"[..].into(),
            },
        );
        s.groups.insert(b"g"[..].into(), g);
        s
    }

    #[test]
    fn each_claimed_entry_is_logged_with_its_time_and_count() {
        let args: kevy_rt::OwnedArgs = [
            &b"XCLAIM"[..],
            b"s",
            b"g",
            b"bob",
            b"3600000",
            b"1-0",
            b"2-0",
        ]
        .into_iter()
        .collect();
        // Entries with fields, RESP2; 2-0 was not claimed (and the stream
        // holds no entry: logged as a JUSTID claim that drops it).
        let reply = b"*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n";
        let got = text(&effect(false, args.args(), reply, &stream()).unwrap());
        assert_eq!(
            got[0],
            "XCLAIM s g bob 0 1-0 TIME 1000 RETRYCOUNT 2 FORCE JUSTID LASTID 5-0"
        );
        assert_eq!(got[1..], ["XCLAIM s g bob 0 2-0 JUSTID"]);
    }

    #[test]
    fn xautoclaim_logs_claimed_and_deleted_entries() {
        let args: kevy_rt::OwnedArgs = [
            &b"XAUTOCLAIM"[..],
            b"s",
            b"g",
            b"bob",
            b"10",
            b"0",
            b"JUSTID",
        ]
        .into_iter()
        .collect();
        let reply = b"*3\r\n$3\r\n0-0\r\n*1\r\n$3\r\n1-0\r\n*1\r\n$3\r\n3-0\r\n";
        let got = text(&effect(true, args.args(), reply, &stream()).unwrap());
        assert_eq!(
            got,
            [
                "XCLAIM s g bob 0 1-0 TIME 1000 RETRYCOUNT 2 FORCE JUSTID LASTID 5-0",
                "XCLAIM s g bob 0 3-0 JUSTID"
            ]
        );
    }

    #[test]
    fn a_lastid_that_claimed_nothing_sets_the_group() {
        let args: kevy_rt::OwnedArgs = [
            &b"XCLAIM"[..],
            b"s",
            b"g",
            b"bob",
            b"10",
            b"5-0",
            b"LASTID",
            b"5-0",
        ]
        .into_iter()
        .collect();
        let got = effect(false, args.args(), b"*0\r\n", &stream()).unwrap();
        assert_eq!(text(&got), ["XGROUP SETID s g 5-0 ENTRIESREAD 3"]);
    }

    #[test]
    fn a_group_read_is_logged_as_the_claims_it_made() {
        let args: kevy_rt::OwnedArgs = [
            &b"XREADGROUP"[..],
            b"GROUP",
            b"g",
            b"bob",
            b"COUNT",
            b"1",
            b"STREAMS",
            b"s",
            b"t",
            b">",
            b"0",
        ]
        .into_iter()
        .collect();
        let s = stream();
        let reply = b"*2\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n\
                      *2\r\n$1\r\nt\r\n*0\r\n";
        let got = read_effect(args.args(), reply, false, &|k| (k == b"s").then_some(&s)).unwrap();
        assert_eq!(
            text(&got),
            ["XCLAIM s g bob 0 1-0 TIME 1000 RETRYCOUNT 2 FORCE JUSTID LASTID 5-0"]
        );
        let noack: kevy_rt::OwnedArgs = [
            &b"XREADGROUP"[..],
            b"GROUP",
            b"g",
            b"bob",
            b"NOACK",
            b"STREAMS",
            b"s",
            b">",
        ]
        .into_iter()
        .collect();
        let map = b"%1\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n5-0\r\n*0\r\n";
        let got = read_effect(noack.args(), map, true, &|_| Some(&s)).unwrap();
        assert_eq!(
            text(&got),
            [
                "XGROUP CREATECONSUMER s g bob",
                "XGROUP SETID s g 5-0 ENTRIESREAD 3"
            ]
        );
    }
}
