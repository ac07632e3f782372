//! The RESP request decoder (`kevy_rt::resp::decode`), fed a pipeline twice:
//! whole, and in chunks the way a socket delivers it (resuming an incomplete
//! multibulk from the arguments found so far, as the reactor does). Both
//! must decode the same requests and stop on the same outcome (except a
//! line found too long before its end arrived, see below), and every
//! answer must be coherent (a request consumes 1..=buffered bytes, its spans
//! lie inside what it consumed, `Incomplete` asks for more than is there).
//!
//! Input: one control byte (limits and chunk size), then the pipeline.

#![no_main]

use kevy_rt::{Decoded, Limits, Span};
use libfuzzer_sys::fuzz_target;

/// What decoding a pipeline yields: each request's arguments, then how it stopped.
#[derive(Debug, PartialEq)]
enum Event {
    Command(Vec<Vec<u8>>),
    Skip,
    /// An incomplete tail (`need` is not compared: it depends on what is buffered).
    Incomplete,
    Error(Vec<u8>),
}

fn limits(ctl: u8) -> Limits {
    if ctl & 1 == 0 {
        Limits::default()
    } else {
        Limits {
            max_bulk_len: 64,
            max_multibulk_len: 8,
            max_inline_len: 32,
            ..Limits::default()
        }
    }
}

/// One decoding attempt at `buf[pos..]`, checked; `None` when incomplete.
fn step(buf: &mut [u8], pos: usize, spans: &mut Vec<Span>, l: &Limits) -> (Option<Event>, usize) {
    let len = buf.len() - pos;
    match kevy_rt::resp::decode(&mut buf[pos..], spans, l) {
        Decoded::Command { consumed } => {
            assert!(consumed > 0 && consumed <= len, "consumed {consumed} of {len}");
            for s in spans.iter() {
                assert!(s.start <= s.end && s.end as usize <= consumed, "span {s:?} past {consumed}");
            }
            let args = spans
                .iter()
                .map(|s| buf[pos + s.start as usize..pos + s.end as usize].to_vec())
                .collect();
            (Some(Event::Command(args)), consumed)
        }
        Decoded::Skip { consumed } => {
            assert!(consumed > 0 && consumed <= len, "skipped {consumed} of {len}");
            (Some(Event::Skip), consumed)
        }
        Decoded::Incomplete { need } => {
            assert!(need == 0 || need > len, "incomplete, needing {need} of {len}");
            (None, 0)
        }
        Decoded::Error(e) => (Some(Event::Error(e)), 0),
    }
}

fn whole(input: &[u8], l: &Limits) -> Vec<Event> {
    let mut buf = input.to_vec();
    let mut spans = Vec::new();
    let mut pos = 0;
    let mut events = Vec::new();
    while pos < buf.len() {
        spans.clear();
        match step(&mut buf, pos, &mut spans, l) {
            (Some(Event::Error(e)), _) => {
                events.push(Event::Error(e));
                return events;
            }
            (Some(ev), n) => {
                events.push(ev);
                pos += n;
            }
            (None, _) => {
                events.push(Event::Incomplete);
                return events;
            }
        }
    }
    events
}

fn chunked(input: &[u8], chunk: usize, l: &Limits) -> Vec<Event> {
    let mut buf = Vec::new();
    let mut spans = Vec::new();
    let mut pos = 0;
    let mut events = Vec::new();
    let mut fed = 0;
    let mut resume = false;
    while fed < input.len() {
        let end = (fed + chunk).min(input.len());
        buf.extend_from_slice(&input[fed..end]);
        fed = end;
        while pos < buf.len() {
            if !std::mem::take(&mut resume) {
                spans.clear();
            }
            match step(&mut buf, pos, &mut spans, l) {
                (Some(Event::Error(e)), _) => {
                    events.push(Event::Error(e));
                    return events;
                }
                (Some(ev), n) => {
                    events.push(ev);
                    pos += n;
                }
                (None, _) => {
                    resume = !spans.is_empty();
                    break;
                }
            }
        }
    }
    if pos < buf.len() {
        events.push(Event::Incomplete);
    }
    events
}

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, input)) = data.split_first() else {
        return;
    };
    let l = limits(ctl);
    let all = whole(input, &l);
    let chunk = (ctl >> 1) as usize + 1;
    let pieces = chunked(input, chunk, &l);
    // A header or inline line found too long before its end arrived is an
    // error only when it arrives in pieces (as in Redis: the length is
    // checked while no newline is buffered); what came before must agree.
    if let Some(Event::Error(e)) = pieces.last() {
        if e.windows(7).any(|w| w == b"too big") && all.len() >= pieces.len() - 1 {
            assert_eq!(all[..pieces.len() - 1], pieces[..pieces.len() - 1]);
            return;
        }
    }
    assert_eq!(all, pieces, "whole vs chunks of {chunk}");
});
