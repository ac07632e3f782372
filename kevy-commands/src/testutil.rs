//! The one helper every family's tests go through: a [`Harness`] over three
//! shards, and `run` returning a command's exact reply bytes.

use kevy_rt::testing::Harness;

use crate::Redis;
use kevy_rt::{Commands, Gather};

use crate::keyspace::Keyspace as DriveKeyspace;

/// Shards in test harnesses: enough for keys to land on different shards.
pub const SHARDS: usize = 3;

/// A fresh three-shard harness with Redis's defaults.
pub fn harness() -> Harness<Redis> {
    Harness::new(Redis::new(), SHARDS)
}

/// Runs `args` and returns the reply bytes.
pub fn run(h: &mut Harness<Redis>, args: &[&str]) -> Vec<u8> {
    h.run(args)
}

/// Runs `args` given as raw bytes and returns the reply bytes.
pub fn run_bytes(h: &mut Harness<Redis>, args: &[&[u8]]) -> Vec<u8> {
    h.run(args)
}

/// Splits a command line on spaces; `"…"` quotes one argument (no escapes).
pub fn split(line: &str) -> Vec<String> {
    let (mut args, mut cur, mut quoted, mut any) = (Vec::new(), String::new(), false, false);
    for ch in line.chars() {
        match ch {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            ' ' if !quoted => {
                if any {
                    args.push(std::mem::take(&mut cur));
                }
                any = false;
            }
            _ => {
                cur.push(ch);
                any = true;
            }
        }
    }
    if any {
        args.push(cur);
    }
    args
}

/// Asserts the reply of each `(command, reply)` pair, in order (commands are
/// split by [`split`]). The replies are redis-server 7.0.15's, byte for byte.
pub fn check(h: &mut Harness<Redis>, script: &[(&str, &str)]) {
    for (cmd, want) in script {
        let args = split(cmd);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let got = run(h, &args);
        assert_eq!(String::from_utf8_lossy(&got), *want, "command: {cmd}");
    }
}

/// Like [`check`], for replies that are not text: compared as bytes.
pub fn check_bytes(h: &mut Harness<Redis>, script: &[(&str, &[u8])]) {
    for (cmd, want) in script {
        let args = split(cmd);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let got = run(h, &args);
        assert_eq!(got, *want, "command: {cmd}");
    }
}

/// Keys that land on pairwise different shards of the harness router, with the
/// given prefix (so tests can be sure a command really spans shards).
pub fn keys_on_distinct_shards(h: &Harness<Redis>, prefix: &str) -> Vec<String> {
    let router = h.router();
    let mut seen = [false; SHARDS];
    let mut keys = Vec::new();
    for i in 0.. {
        let k = format!("{prefix}{i}");
        let s = router.shard_of(k.as_bytes());
        if !seen[s] {
            seen[s] = true;
            keys.push(k);
            if keys.len() == SHARDS {
                break;
            }
        }
    }
    keys
}

/// The elements of a RESP array reply, flattened one level (a nested array,
/// like SCAN's, yields its own elements after the outer ones before it);
/// integers and bulks become their text, a null bulk becomes `"(nil)"`.
pub fn items(reply: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(reply);
    let mut lines = text.split("\r\n");
    let mut out = Vec::new();
    while let Some(line) = lines.next() {
        match line.as_bytes().first() {
            Some(b'$') if line == "$-1" => out.push("(nil)".into()),
            Some(b'$') => out.push(lines.next().unwrap_or_default().to_string()),
            Some(b':') | Some(b'+') | Some(b'-') => out.push(line[1..].to_string()),
            _ => {}
        }
    }
    out
}

/// Runs `words` as a planned command, calling `between(round, shards)`
/// before each round after the first.
pub fn drive(
    shards: &mut [DriveKeyspace],
    router: &kevy_rt::Router,
    words: &[&str],
    mut between: impl FnMut(usize, &mut [DriveKeyspace]),
) -> String {
    let redis = Redis::new();
    let args: kevy_rt::OwnedArgs = words.iter().collect();
    let spec = crate::table::find(args.args()).expect("a valid command");
    let ctx = crate::Ctx::default();
    let mut parts = Vec::new();
    // The connection lives on shard 0: plans are made and gathered there.
    let mut planned = redis.plan(&mut shards[0], ctx, spec, args.args(), router, &mut parts);
    let mut out = Vec::new();
    let mut round = 0;
    loop {
        if round > 0 {
            between(round, shards);
        }
        let replies = parts
            .drain(..)
            .map(|(s, p)| {
                redis.execute_part(&mut shards[s], ctx, p, &mut kevy_rt::ClientsOf::none())
            })
            .collect();
        let g = redis.gather(
            &mut shards[0],
            &mut planned.plan,
            replies,
            router,
            &mut parts,
            &mut out,
        );
        round += 1;
        if g == Gather::Done {
            break;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
