//! Pub/sub: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, SSUBSCRIBE,
//! SUNSUBSCRIBE (local: the connection's shard keeps its subscriptions in
//! its [`Registry`]), PUBLISH, SPUBLISH and PUBSUB's subcommands (asked of
//! every shard and reduced on the origin), and RESET.
//!
//! A connection with any subscription is in subscribed mode: its output
//! class is Redis's pubsub class (`client-output-buffer-limit pubsub`), and
//! in RESP2 it may only run the commands [`allowed_when_subscribed`] lists.

use std::collections::HashSet;

use kevy_rt::{ConnHandle, Flow, Planned};

use super::opts::write_help;
use super::{Local, ServerCx};
use crate::base::resp;
use crate::base::resp::Reply;
use crate::cross::admin::{self as srv, ServerOp, ServerPlan, ServerReply};
use crate::cross::Plan;
use crate::session::Session;

pub use crate::cross::admin::{PubsubOp, PubsubPlan, PubsubReply};
pub use crate::shard::pubsub::{push_header, Kind, Registry, Sub, Subs};

/// The output class of subscribed connections (Redis's `pubsub`; 0 is
/// `normal`, 1 `replica`).
pub const PUBSUB_CLASS: usize = 2;

pub use crate::repl::REPLICA_CLASS;

/// True for the commands whose replies are pub/sub notifications
/// (`subscribe`, `unsubscribe`… confirmations): Redis writes them as
/// pushes, which CLIENT REPLY OFF and SKIP do not silence.
pub fn replies_as_pushes(name: &str) -> bool {
    matches!(
        name,
        "subscribe" | "ssubscribe" | "unsubscribe" | "sunsubscribe" | "psubscribe" | "punsubscribe"
    )
}

/// True for the commands a RESP2 client in subscribed mode may send.
pub fn allowed_when_subscribed(name: &str) -> bool {
    matches!(
        name,
        "ping"
            | "subscribe"
            | "ssubscribe"
            | "unsubscribe"
            | "sunsubscribe"
            | "psubscribe"
            | "punsubscribe"
            | "quit"
            | "reset"
    )
}

/// Redis's error for any other command in subscribed mode (RESP2).
pub fn write_refusal(out: &mut Vec<u8>, name: &str) {
    out.extend_from_slice(b"-ERR Can't execute '");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(
        b"': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n",
    );
}

fn sub_of(c: &Local<'_>) -> Sub {
    Sub {
        conn: c.cx.conn,
        resp3: c.out.resp3(),
    }
}

/// One subscribe-style confirmation: `kind-word channel count`.
fn confirm(out: &mut Reply<'_>, word: &[u8], channel: Option<&[u8]>, count: usize) {
    let resp3 = out.resp3();
    push_header(out, resp3, 3);
    resp::bulk(out, word);
    match channel {
        Some(ch) => resp::bulk(out, ch),
        None => resp::null(out),
    }
    resp::int(out, count as i64);
}

fn subscribe_kind(c: &mut Local<'_>, kind: Kind, word: &[u8]) -> Flow {
    let sub = sub_of(c);
    for ch in c.args.iter().skip(1) {
        if c.session.pubsub.set(kind).insert(ch.to_vec()) {
            c.shard.pubsub.subscribe(kind, ch, sub);
        }
        confirm(c.out, word, Some(ch), c.session.pubsub.count_of(kind));
    }
    c.session.subscribed = c.session.pubsub.any();
    Flow::Continue
}

fn unsubscribe_kind(c: &mut Local<'_>, kind: Kind, word: &[u8]) -> Flow {
    let conn = c.cx.conn;
    let names: Vec<Vec<u8>> = if c.args.len() == 1 {
        c.session.pubsub.set(kind).iter().cloned().collect()
    } else {
        c.args.iter().skip(1).map(<[u8]>::to_vec).collect()
    };
    let all = c.args.len() == 1;
    if all && names.is_empty() {
        confirm(c.out, word, None, c.session.pubsub.count_of(kind));
    }
    for ch in &names {
        if c.session.pubsub.set(kind).remove(ch) {
            c.shard.pubsub.unsubscribe(kind, ch, conn);
        }
        confirm(c.out, word, Some(ch), c.session.pubsub.count_of(kind));
    }
    c.session.subscribed = c.session.pubsub.any();
    Flow::Continue
}

/// SUBSCRIBE channel [channel ...]
pub fn subscribe(c: &mut Local<'_>) -> Flow {
    subscribe_kind(c, Kind::Channel, b"subscribe")
}

/// UNSUBSCRIBE [channel [channel ...]]
pub fn unsubscribe(c: &mut Local<'_>) -> Flow {
    unsubscribe_kind(c, Kind::Channel, b"unsubscribe")
}

/// SSUBSCRIBE shardchannel [shardchannel ...]
pub fn ssubscribe(c: &mut Local<'_>) -> Flow {
    subscribe_kind(c, Kind::Shard, b"ssubscribe")
}

/// SUNSUBSCRIBE [shardchannel [shardchannel ...]]
pub fn sunsubscribe(c: &mut Local<'_>) -> Flow {
    unsubscribe_kind(c, Kind::Shard, b"sunsubscribe")
}

/// PSUBSCRIBE pattern [pattern ...]
pub fn psubscribe(c: &mut Local<'_>) -> Flow {
    let sub = sub_of(c);
    for p in c.args.iter().skip(1) {
        if !c.session.pubsub.patterns.iter().any(|q| q == p) {
            c.session.pubsub.patterns.push(p.to_vec());
            c.shard.pubsub.psubscribe(p, sub);
        }
        confirm(c.out, b"psubscribe", Some(p), c.session.pubsub.count());
    }
    c.session.subscribed = c.session.pubsub.any();
    Flow::Continue
}

/// PUNSUBSCRIBE [pattern [pattern ...]]
pub fn punsubscribe(c: &mut Local<'_>) -> Flow {
    let conn = c.cx.conn;
    let names: Vec<Vec<u8>> = if c.args.len() == 1 {
        c.session.pubsub.patterns.clone()
    } else {
        c.args.iter().skip(1).map(<[u8]>::to_vec).collect()
    };
    if c.args.len() == 1 && names.is_empty() {
        confirm(c.out, b"punsubscribe", None, c.session.pubsub.count());
    }
    for p in &names {
        if let Some(at) = c.session.pubsub.patterns.iter().position(|q| q == p) {
            c.session.pubsub.patterns.remove(at);
            c.shard.pubsub.punsubscribe(p, conn);
        }
        confirm(c.out, b"punsubscribe", Some(p), c.session.pubsub.count());
    }
    c.session.subscribed = c.session.pubsub.any();
    Flow::Continue
}

/// Drops every subscription of a connection (closed, or RESET), without
/// confirmations.
pub fn drop_all(reg: &mut Registry, session: &mut Session, conn: ConnHandle) {
    let subs = std::mem::take(&mut session.pubsub);
    for ch in &subs.channels {
        reg.unsubscribe(Kind::Channel, ch, conn);
    }
    for ch in &subs.shard_channels {
        reg.unsubscribe(Kind::Shard, ch, conn);
    }
    for p in &subs.patterns {
        reg.punsubscribe(p, conn);
    }
    session.subscribed = false;
}

/// The connection switched protocol (HELLO): its messages follow.
pub fn set_protocol(reg: &mut Registry, session: &Session, conn: ConnHandle) {
    let sub = Sub {
        conn,
        resp3: session.resp3,
    };
    for ch in &session.pubsub.channels {
        reg.resubscribe(Kind::Channel, ch, sub);
    }
    for ch in &session.pubsub.shard_channels {
        reg.resubscribe(Kind::Shard, ch, sub);
    }
    for p in &session.pubsub.patterns {
        reg.repsubscribe(p, sub);
    }
}

/// RESET: leaves subscribed mode, selects database 0, RESP2, replies on,
/// no name; answers `+RESET`.
pub fn reset(c: &mut Local<'_>) -> Flow {
    drop_all(&mut c.shard.pubsub, c.session, c.cx.conn);
    c.session.multi = None;
    super::watch::unwatch_all(c.shard, c.session);
    super::tracking::disable(c.shard, c.session);
    c.session.db = 0;
    c.session.resp3 = false;
    c.session.replies_on();
    c.session.name = None;
    // Back to the default user, authenticated only if it needs no password.
    let free = c.shard.server.shared.config.live().acl.auth_free();
    c.session.set_user(0, free);
    c.out.set_resp3(false);
    resp::simple(c.out, b"RESET");
    Flow::Continue
}

/// PING's reply in RESP2 subscribed mode: `*2 pong <message or "">`.
pub fn subscribed_pong(out: &mut Vec<u8>, message: Option<&[u8]>) {
    resp::array(out, 2);
    resp::bulk(out, b"pong");
    resp::bulk(out, message.unwrap_or(b""));
}

fn ask_all(
    cx: &mut ServerCx<'_, '_>,
    op: PubsubOp,
    args: &[&[u8]],
    plan: PubsubPlan,
) -> Planned<Plan> {
    srv::broadcast(
        ServerOp::Pubsub(op),
        args,
        cx.router.nshards(),
        cx.parts,
        ServerPlan::Pubsub(plan),
    )
}

/// Sends a gathered PUBLISH or SPUBLISH (`argv`, run in database `db`)
/// to the replicas, as Redis does (their subscribers get the message too);
/// inside `EXEC` it joins the transaction's block.
pub fn to_replicas(shard: &mut crate::shard::ShardState, db: u32, argv: &[Vec<u8>]) {
    if shard.server.shared.replicas.feeding() {
        let argv: Vec<&[u8]> = argv.iter().map(Vec::as_slice).collect();
        shard.propagate_to_replicas(db, &argv);
    }
}

/// PUBLISH channel message
pub fn plan_publish(cx: &mut ServerCx<'_, '_>) -> Planned<Plan> {
    let (ch, msg) = (cx.args.at(1), cx.args.at(2));
    ask_all(
        cx,
        PubsubOp::Publish(Kind::Channel),
        &[ch, msg],
        PubsubPlan::Sum(cx.args.iter().map(<[u8]>::to_vec).collect()),
    )
}

/// SPUBLISH shardchannel message
pub fn plan_spublish(cx: &mut ServerCx<'_, '_>) -> Planned<Plan> {
    let (ch, msg) = (cx.args.at(1), cx.args.at(2));
    ask_all(
        cx,
        PubsubOp::Publish(Kind::Shard),
        &[ch, msg],
        PubsubPlan::Sum(cx.args.iter().map(<[u8]>::to_vec).collect()),
    )
}

fn plan_channels(cx: &mut ServerCx<'_, '_>, kind: Kind) -> Planned<Plan> {
    if cx.args.len() > 3 {
        return srv::error(&subcommand_error(cx.args.at(1)));
    }
    let pat: Vec<&[u8]> = cx.args.iter().skip(2).collect();
    ask_all(cx, PubsubOp::Channels(kind), &pat, PubsubPlan::Union)
}

fn plan_numsub(cx: &mut ServerCx<'_, '_>, kind: Kind) -> Planned<Plan> {
    let chans: Vec<&[u8]> = cx.args.iter().skip(2).collect();
    let names = chans.iter().map(|c| c.to_vec()).collect();
    ask_all(
        cx,
        PubsubOp::NumSub(kind),
        &chans,
        PubsubPlan::NumSub(names),
    )
}

fn subcommand_error(sub: &[u8]) -> Vec<u8> {
    let mut e = b"ERR unknown subcommand or wrong number of arguments for '".to_vec();
    e.extend_from_slice(sub);
    e.extend_from_slice(b"'. Try PUBSUB HELP.");
    e
}

/// PUBSUB CHANNELS \[pattern\]
pub fn plan_pubsub_channels(cx: &mut ServerCx<'_, '_>) -> Planned<Plan> {
    plan_channels(cx, Kind::Channel)
}

/// PUBSUB SHARDCHANNELS \[pattern\]
pub fn plan_pubsub_shardchannels(cx: &mut ServerCx<'_, '_>) -> Planned<Plan> {
    plan_channels(cx, Kind::Shard)
}

/// PUBSUB NUMSUB [channel [channel ...]]
pub fn plan_pubsub_numsub(cx: &mut ServerCx<'_, '_>) -> Planned<Plan> {
    plan_numsub(cx, Kind::Channel)
}

/// PUBSUB SHARDNUMSUB [shardchannel [shardchannel ...]]
pub fn plan_pubsub_shardnumsub(cx: &mut ServerCx<'_, '_>) -> Planned<Plan> {
    plan_numsub(cx, Kind::Shard)
}

/// PUBSUB NUMPAT
pub fn plan_pubsub_numpat(cx: &mut ServerCx<'_, '_>) -> Planned<Plan> {
    ask_all(cx, PubsubOp::Patterns, &[], PubsubPlan::NumPat)
}

const PUBSUB_HELP: &[&str] = &[
    "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CHANNELS [<pattern>]",
    "    Return the currently active channels matching a <pattern> (default: '*').",
    "NUMPAT",
    "    Return number of subscriptions to patterns.",
    "NUMSUB [<channel> ...]",
    "    Return the number of subscribers for the specified channels, excluding",
    "    pattern subscriptions(default: no channels).",
    "SHARDCHANNELS [<pattern>]",
    "    Return the currently active shard level channels matching a <pattern> (default: '*').",
    "SHARDNUMSUB [<shardchannel> ...]",
    "    Return the number of subscribers for the specified shard level channel(s)",
    "HELP",
    "    Prints this help.",
];

/// PUBSUB HELP
pub fn pubsub_help(c: &mut Local<'_>) -> Flow {
    write_help(c.out, PUBSUB_HELP);
    Flow::Continue
}

/// Runs a pub/sub part on its shard.
pub fn part(reg: &Registry, op: PubsubOp, args: kevy_rt::Args<'_>) -> ServerReply {
    ServerReply::Pubsub(match op {
        PubsubOp::Publish(kind) => PubsubReply::Count(reg.publish(kind, args.at(0), args.at(1))),
        PubsubOp::Channels(kind) => {
            PubsubReply::Names(reg.channels(kind, (!args.is_empty()).then(|| args.at(0))))
        }
        PubsubOp::NumSub(kind) => {
            let chans: Vec<&[u8]> = args.iter().collect();
            PubsubReply::Counts(reg.numsub(kind, &chans))
        }
        PubsubOp::Patterns => PubsubReply::Names(reg.patterns()),
    })
}

/// Reduces the parts of a pub/sub command into its reply.
pub fn gather(plan: &PubsubPlan, replies: Vec<ServerReply>, out: &mut Reply<'_>) {
    let replies = replies.into_iter().filter_map(|r| match r {
        ServerReply::Pubsub(p) => Some(p),
        _ => None,
    });
    match plan {
        PubsubPlan::Sum(_) => {
            let n = replies
                .map(|r| match r {
                    PubsubReply::Count(n) => n,
                    _ => 0,
                })
                .sum();
            resp::int(out, n);
        }
        PubsubPlan::Union | PubsubPlan::NumPat => {
            let mut seen = HashSet::new();
            let mut names = Vec::new();
            for r in replies {
                if let PubsubReply::Names(v) = r {
                    for name in v {
                        if seen.insert(name.clone()) {
                            names.push(name);
                        }
                    }
                }
            }
            if matches!(plan, PubsubPlan::NumPat) {
                resp::int(out, names.len() as i64);
            } else {
                resp::array(out, names.len());
                names.iter().for_each(|n| resp::bulk(out, n));
            }
        }
        PubsubPlan::NumSub(chans) => {
            let mut sums = vec![0i64; chans.len()];
            for r in replies {
                if let PubsubReply::Counts(v) = r {
                    sums.iter_mut().zip(v).for_each(|(s, n)| *s += n);
                }
            }
            resp::array(out, chans.len() * 2);
            for (ch, n) in chans.iter().zip(sums) {
                resp::bulk(out, ch);
                resp::int(out, n);
            }
        }
    }
}

#[cfg(test)]
mod tests;
