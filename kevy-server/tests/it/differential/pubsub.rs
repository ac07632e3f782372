//! Pub/sub message bytes against redis-server 7.0, in RESP2 and RESP3: each
//! script drives several connections (subscribers and publishers) on both
//! servers in lockstep; every step's replies (or the messages a subscriber
//! reads) must be equal byte for byte. On kevy (2 shards) the connections
//! land on either shard, so messages cross shards.

use super::{Pair, Proto};
use crate::util::{escape, Raw};

/// One step: on connection `.0`, send `.1` (nothing when empty) and read
/// `.2` replies or messages.
type Step = (usize, &'static [&'static str], usize);

const SCRIPTS: &[&[Step]] = &[
    // Channels, subscribed-mode PING and refusals, unsubscribing.
    &[
        (0, &["SUBSCRIBE", "ch1", "ch2"], 2),
        (0, &["SUBSCRIBE", "ch1"], 1),
        (1, &["PUBLISH", "ch1", "hello"], 1),
        (0, &[], 1),
        (1, &["PUBLISH", "nobody", "x"], 1),
        (0, &["PING"], 1),
        (0, &["PING", "hi"], 1),
        (0, &["GET", "k"], 1),
        (0, &["SET", "k", "v"], 1),
        (0, &["CLIENT", "GETNAME"], 1),
        (0, &["NOSUCHCOMMAND"], 1),
        (0, &["UNSUBSCRIBE", "ch1"], 1),
        (1, &["PUBLISH", "ch1", "gone"], 1),
        (1, &["PUBLISH", "ch2", "still"], 1),
        (0, &[], 1),
        (0, &["UNSUBSCRIBE", "ch2", "other"], 2),
        (0, &["UNSUBSCRIBE"], 1),
        (0, &["PING"], 1),
        (0, &["GET", "k"], 1),
    ],
    // Several subscribers; a message to each, in publish order.
    &[
        (0, &["SUBSCRIBE", "room"], 1),
        (1, &["SUBSCRIBE", "room"], 1),
        (2, &["SUBSCRIBE", "room"], 1),
        (3, &["PUBLISH", "room", "one"], 1),
        (3, &["PUBLISH", "room", "two"], 1),
        (0, &[], 2),
        (1, &[], 2),
        (2, &[], 2),
        (3, &["PUBSUB", "NUMSUB", "room", "none"], 1),
        (3, &["PUBSUB", "NUMSUB"], 1),
        (3, &["PUBSUB", "CHANNELS"], 1),
        (3, &["PUBSUB", "CHANNELS", "r*"], 1),
        (3, &["PUBSUB", "CHANNELS", "x*"], 1),
        (1, &["UNSUBSCRIBE", "room"], 1),
        (3, &["PUBLISH", "room", "three"], 1),
        (0, &[], 1),
        (2, &[], 1),
    ],
    // Patterns.
    &[
        (0, &["PSUBSCRIBE", "news.*", "n?ws"], 2),
        (0, &["PSUBSCRIBE", "news.*"], 1),
        (1, &["PUBLISH", "news.sport", "goal"], 1),
        (0, &[], 1),
        (1, &["PUBLISH", "news", "flash"], 1),
        (0, &[], 1),
        (0, &["SUBSCRIBE", "news"], 1),
        (1, &["PUBLISH", "news", "both"], 1),
        (0, &[], 2),
        (1, &["PUBSUB", "NUMPAT"], 1),
        (2, &["PSUBSCRIBE", "news.*"], 1),
        (1, &["PUBSUB", "NUMPAT"], 1),
        (0, &["PUNSUBSCRIBE", "news.*", "zzz"], 2),
        (0, &["PUNSUBSCRIBE"], 1),
        (0, &["PUNSUBSCRIBE"], 1),
        (0, &["UNSUBSCRIBE"], 1),
    ],
    // Shard channels.
    &[
        (0, &["SSUBSCRIBE", "s1"], 1),
        (0, &["SUBSCRIBE", "c1"], 1),
        (1, &["SPUBLISH", "s1", "m"], 1),
        (0, &[], 1),
        (1, &["PUBLISH", "s1", "m"], 1),
        (1, &["SPUBLISH", "c1", "m"], 1),
        (1, &["PUBSUB", "SHARDCHANNELS"], 1),
        (1, &["PUBSUB", "SHARDCHANNELS", "s*"], 1),
        (1, &["PUBSUB", "SHARDNUMSUB", "s1", "s2"], 1),
        (1, &["PUBSUB", "CHANNELS"], 1),
        (0, &["SUNSUBSCRIBE"], 1),
        (0, &["SUNSUBSCRIBE"], 1),
        (0, &["UNSUBSCRIBE"], 1),
    ],
    // Errors, help, RESET.
    &[
        (0, &["PUBSUB", "HELP"], 1),
        (0, &["PUBSUB", "CHANNELS", "a", "b"], 1),
        (0, &["PUBSUB", "NOPE"], 1),
        (0, &["PUBSUB", "NUMPAT", "x"], 1),
        (0, &["PUBLISH", "a"], 1),
        (0, &["SUBSCRIBE"], 1),
        (0, &["SUBSCRIBE", "a"], 1),
        (0, &["RESET"], 1),
        (1, &["PUBLISH", "a", "x"], 1),
        (0, &["GET", "k"], 1),
        (0, &["RESET", "x"], 1),
    ],
];

fn run_script(pair: &Pair, proto: Proto, script: &[Step]) -> Result<usize, String> {
    let n = script.iter().map(|s| s.0).max().unwrap_or(0) + 1;
    let mut conns: Vec<(Raw, Raw)> = (0..n).map(|_| pair.connect_in(proto)).collect();
    for (at, (c, args, replies)) in script.iter().enumerate() {
        let (r, k) = &mut conns[*c];
        if !args.is_empty() {
            r.send(&crate::util::encode_str(args));
            k.send(&crate::util::encode_str(args));
        }
        let want: Vec<u8> = (0..*replies).flat_map(|_| r.reply()).collect();
        let got: Vec<u8> = (0..*replies).flat_map(|_| k.reply()).collect();
        if want != got {
            return Err(format!(
                "{proto:?} step {at} {args:?} on conn {c}:\n  redis: {}\n  kevy:  {}",
                escape(&want),
                escape(&got)
            ));
        }
    }
    Ok(script.len())
}

#[test]
fn pubsub_messages_match_redis_in_resp2_and_resp3() {
    let pair = Pair::start();
    let mut errors = Vec::new();
    let mut steps = 0;
    for proto in [Proto::Resp2, Proto::Resp3] {
        for script in SCRIPTS {
            match run_script(&pair, proto, script) {
                Ok(n) => steps += n,
                Err(e) => errors.push(e),
            }
        }
    }
    eprintln!("differential pubsub: {steps} steps compared");
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}
