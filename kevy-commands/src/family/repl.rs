//! The primary's side of replication: `SYNC` and `PSYNC` attach the caller
//! as a replica (a full resynchronization: a snapshot of every shard, then
//! the stream of what the shards propagate, [`crate::repl`]), `REPLCONF`
//! takes what a replica says of itself, `ROLE` lists the replicas.
//!
//! The snapshot is taken by parts that lock every shard whole (the command
//! is isolated like FLUSHALL): each shard hands what it logged so far to
//! the replicas already attached, starts owing its later commands to the
//! new one, and encodes its keys — one step, so every command of the shard
//! is either in the snapshot or in the stream. The origin writes the RDB
//! file from the parts' keys as the reply (`$<length>` and the file, as a
//! disk-based Redis primary sends it); the stream follows it, pushed to the
//! connection after the replies it is owed. A `PSYNC` naming this
//! server's replication id (or its previous one, up to where that ends)
//! and an offset the backlog still holds gets `+CONTINUE` and the
//! backlog's bytes from there instead (`crate::repl::backlog`).

use kevy_rt::{Args, Flow, Planned};

use crate::base::num::parse_i64;
use crate::base::resp;
use crate::cross::admin::{self as srv, ServerOp, ServerPlan, ServerReply};
use crate::cross::Plan;
use crate::family::persist::cut::{file_info, options};
use crate::family::{Local, ServerCx};
use crate::shard::ShardState;

/// SYNC
///
/// PSYNC replicationid offset
///
/// The caller becomes a replica: the snapshot now (after `+FULLRESYNC
/// <replid> <offset>` for PSYNC), the stream after it. A replica asking
/// again gets nothing, as in Redis.
///
/// `PSYNC replid offset FAILOVER` (from a primary failing over to this
/// replica): with this replica's replication id, it stops following and
/// answers as a primary.
pub fn plan_sync(cx: &mut ServerCx<'_, '_>) -> Planned<Plan> {
    let shared = &cx.shard.server.shared;
    let id = cx.ctx.client;
    let psync = cx.args.at(0).eq_ignore_ascii_case(b"psync");
    if shared.replicas.is(id) {
        // Already a replica: ignored, as Redis ignores it.
        return srv::reply(Vec::new());
    }
    if psync && cx.args.len() > 3 && cx.args.at(3).eq_ignore_ascii_case(b"failover") {
        if !shared.upstream.active() {
            return srv::error(b"ERR PSYNC FAILOVER can't be sent to a master.");
        }
        if cx.args.at(1) != shared.repl_id().as_bytes() {
            return srv::error(b"ERR PSYNC FAILOVER replid must match my replid.");
        }
        become_primary(
            shared,
            &cx.shard.outbox,
            cx.router.nshards(),
            "failover request from a primary",
        );
    }
    if shared.failover.phase() != crate::repl::failover::Phase::None {
        return srv::error(b"NOMASTERLINK Can't SYNC while failing over");
    }
    if shared.upstream.active()
        && shared.upstream.state() != crate::repl::upstream::State::Connected
    {
        return srv::error(b"NOMASTERLINK Can't SYNC while not connected with my master");
    }
    let Some((conn, peer)) = shared
        .conns
        .lock()
        .ok()
        .and_then(|m| m.get(&id).map(|r| (r.conn, r.peer)))
    else {
        return srv::error(b"ERR the connection is not registered");
    };
    let ip = peer.map_or_else(|| "127.0.0.1".to_string(), |p| p.ip().to_string());
    let nshards = cx.router.nshards();
    if psync && cx.args.at(1) != b"?" {
        let from = parse_i64(cx.args.at(2))
            .filter(|&f| f >= 0)
            .map(|f| f as u64);
        match from.filter(|&f| shared.knows_stream(cx.args.at(1), f)) {
            Some(from) => {
                if let Some(bytes) =
                    shared
                        .replicas
                        .try_continue(id, conn, ip.clone(), nshards, from)
                {
                    shared.log.log(
                        crate::base::log::Level::Notice,
                        &format!(
                            "Partial resynchronization request from {ip} accepted. Sending {} bytes of backlog starting from offset {from}.",
                            bytes.len()
                        ),
                    );
                    let mut out = format!("+CONTINUE {}\r\n", shared.repl_id()).into_bytes();
                    out.extend_from_slice(&bytes);
                    return srv::reply(out);
                }
            }
            None => shared.replicas.refused_partial(),
        }
    }
    shared.replicas.keep_backlog(backlog_size(shared));
    let Some(offset) = shared.replicas.add(id, conn, ip, nshards) else {
        return srv::reply(Vec::new());
    };
    srv::broadcast(
        ServerOp::ReplCut,
        &[id.to_string().as_bytes()],
        nshards,
        cx.parts,
        ServerPlan::Sync { psync, offset, id },
    )
}

/// A replica's cut on one shard (argument: its client id): what the shard
/// logged before goes to the replicas attached before, what it logs from
/// now on is owed to this one too, and its keys are the snapshot's share.
pub fn cut_part(shard: &mut ShardState, args: Args<'_>) -> ServerReply {
    let id = args.get(0).and_then(parse_i64).unwrap_or(0) as u64;
    if shard.aof.on {
        shard.hand_over_feed();
    }
    if !shard.aof.on {
        shard.set_propagating(true);
    }
    let me = shard.id;
    shard.server.shared.replicas.start(id, me);
    crate::family::persist::snapshot_part(shard)
}

/// Writes the snapshot, as the reply: `+FULLRESYNC <replid> <offset>`
/// first for PSYNC, then the RDB file as `$<length>` and its bytes (no
/// trailing CRLF, as a primary sends it).
pub fn gather(
    shard: &ShardState,
    psync: bool,
    offset: u64,
    id: u64,
    replies: Vec<ServerReply>,
    out: &mut Vec<u8>,
) {
    let shared = &shard.server.shared;
    let mut chunks = Vec::new();
    for r in replies {
        if let ServerReply::Chunks(c, _) = r {
            chunks.extend(c);
        }
    }
    let mut rdb = Vec::new();
    if let Err(e) =
        crate::persist::rdb::write_rdb(&mut rdb, options(shared), file_info(shared), &chunks)
    {
        shared.replicas.remove(id);
        resp::error(out, format!("ERR can't write the snapshot: {e}").as_bytes());
        return;
    }
    if psync {
        let offset = shared.replicas.synced_offset(id).unwrap_or(offset);
        out.extend_from_slice(format!("+FULLRESYNC {} {offset}\r\n", shared.repl_id()).as_bytes());
    }
    out.extend_from_slice(format!("${}\r\n", rdb.len()).as_bytes());
    out.extend_from_slice(&rdb);
}

/// REPLCONF option value [option value ...]
///
/// A replica's settings before its PSYNC (`listening-port`, `ip-address`,
/// `capa`, answered `+OK`) and its acknowledgements after it (`ACK`,
/// `FACK`, answered with nothing, as a primary never answers them).
pub fn replconf(c: &mut Local<'_>) -> Flow {
    let args = c.args;
    let outbox = c.shard.outbox.clone();
    if args.len().is_multiple_of(2) {
        resp::error(c.out, b"ERR syntax error");
        return Flow::Continue;
    }
    let replicas = &c.shard.server.shared.replicas;
    let id = c.session.id;
    if args.len() == 3 && args.at(1).eq_ignore_ascii_case(b"master-link") {
        // kevy's own: the replica link's loopback connection shows its
        // secret (crate::repl::upstream), and may then apply the stream.
        if c.shard.server.shared.upstream.claim_link(id, args.at(2)) {
            c.session.set_user(0, true);
            resp::ok(c.out);
        } else {
            resp::error(c.out, b"ERR Unrecognized REPLCONF option: master-link");
        }
        return Flow::Continue;
    }
    let mut i = 1;
    while i + 1 < args.len() {
        let (opt, val) = (args.at(i), args.at(i + 1));
        if opt.eq_ignore_ascii_case(b"ack") || opt.eq_ignore_ascii_case(b"fack") {
            if opt.eq_ignore_ascii_case(b"ack") {
                if let Some(acked) = parse_i64(val) {
                    // WAITs this acknowledgement completes end now.
                    replicas.note_ack(id, acked.max(0) as u64, |to| outbox.end_parked(to));
                }
            }
            return Flow::Continue;
        }
        if opt.eq_ignore_ascii_case(b"listening-port") {
            match parse_i64(val).and_then(|p| u16::try_from(p).ok()) {
                Some(p) => replicas.note_port(id, p),
                None => {
                    resp::error(c.out, b"ERR value is not an integer or out of range");
                    return Flow::Continue;
                }
            }
        } else if opt.eq_ignore_ascii_case(b"getack") {
            // Only a primary sends GETACK; kevy is never a replica.
            return Flow::Continue;
        } else if !(opt.eq_ignore_ascii_case(b"ip-address")
            || opt.eq_ignore_ascii_case(b"capa")
            || opt.eq_ignore_ascii_case(b"rdb-only")
            || opt.eq_ignore_ascii_case(b"rdb-filter-only"))
        {
            let msg = format!(
                "ERR Unrecognized REPLCONF option: {}",
                String::from_utf8_lossy(opt)
            );
            resp::error(c.out, msg.as_bytes());
            return Flow::Continue;
        }
        i += 2;
    }
    resp::ok(c.out);
    Flow::Continue
}

/// REPLICAOF host port | NO ONE (and its old name, SLAVEOF)
///
/// Follows the primary at `host:port` (a link thread: the snapshot, then
/// the stream; writes from clients are refused while `replica-read-only`),
/// or stops following one (`NO ONE`: a primary again, with a new
/// replication id).
pub fn replicaof(c: &mut Local<'_>) -> Flow {
    let (host, port) = (c.args.at(1), c.args.at(2));
    let shared = c.shard.server.shared.clone();
    if shared.failover.phase() != crate::repl::failover::Phase::None {
        resp::error(c.out, b"ERR REPLICAOF not allowed while failing over.");
        return Flow::Continue;
    }
    if host.eq_ignore_ascii_case(b"no") && port.eq_ignore_ascii_case(b"one") {
        become_primary(
            &shared,
            &c.shard.outbox,
            c.shard.nshards,
            "user request from client",
        );
        resp::ok(c.out);
        return Flow::Continue;
    }
    if shared.replicas.is(c.session.id) {
        resp::error(c.out, b"ERR Command is not valid when client is a replica.");
        return Flow::Continue;
    }
    let Some(port) = parse_i64(port) else {
        resp::error(c.out, b"ERR value is not an integer or out of range");
        return Flow::Continue;
    };
    let host = String::from_utf8_lossy(host).into_owned();
    if !crate::repl::upstream::start(&shared, host, port.clamp(0, 65535) as u16) {
        resp::simple(c.out, b"OK Already connected to specified master");
        return Flow::Continue;
    }
    oom_class(&shared, true);
    resp::ok(c.out);
    Flow::Continue
}

/// The backlog's size (`repl-backlog-size`).
pub fn backlog_size(shared: &crate::accounting::Shared) -> usize {
    shared.config.get_i64("repl-backlog-size").max(1) as usize
}

/// Stops following a primary, if this server follows one: a primary
/// again (Redis's `replicationUnsetMaster`), its stream going on from
/// what it applied, under a new replication id that keeps the old one as
/// its previous: its old primary and its own replicas may go on with a
/// partial resynchronization.
pub fn become_primary(
    shared: &crate::accounting::Shared,
    outbox: &kevy_rt::Outbox,
    nshards: usize,
    why: &str,
) {
    let applied = shared.upstream.offset();
    if shared.upstream.stop() {
        shared.replicas.disconnect_all(outbox);
        oom_class(shared, false);
        shared
            .replicas
            .promote(applied, backlog_size(shared), nshards);
        shared.shift_repl_id(shared.replicas.offset());
        shared.log.log(
            crate::base::log::Level::Notice,
            &format!("MASTER MODE enabled ({why})"),
        );
    }
}

/// The OOM score of a primary or a replica (`oom-score-adj`), logged when
/// it cannot be set, as Redis logs it.
fn oom_class(shared: &crate::accounting::Shared, replica: bool) {
    if let Err(why) = shared.config.oom_refresh(replica) {
        shared.log.log(crate::base::log::Level::Warning, &why);
    }
}

/// ROLE
///
/// `master`, the stream's offset, and each replica as `[ip, port,
/// acknowledged offset]`; on a replica `slave`, the primary's host and
/// port, the link's state and the offset applied.
pub fn role(c: &mut Local<'_>) -> Flow {
    let up = &c.shard.server.shared.upstream;
    if let Some((host, port)) = up.master() {
        use crate::repl::upstream::State;
        let state: &[u8] = match up.state() {
            State::Connect | State::None => b"connect",
            State::Sync => b"sync",
            State::Connected => b"connected",
        };
        resp::array(c.out, 5);
        resp::bulk(c.out, b"slave");
        resp::bulk(c.out, host.as_bytes());
        resp::int(c.out, i64::from(port));
        resp::bulk(c.out, state);
        resp::int(c.out, up.offset() as i64);
        return Flow::Continue;
    }
    let replicas = &c.shard.server.shared.replicas;
    let shown = replicas.shown();
    resp::array(c.out, 3);
    resp::bulk(c.out, b"master");
    resp::int(c.out, replicas.offset() as i64);
    resp::array(c.out, shown.len());
    for r in shown {
        resp::array(c.out, 3);
        resp::bulk(c.out, r.ip.as_bytes());
        resp::bulk(c.out, r.port.to_string().as_bytes());
        resp::bulk(c.out, r.acked.to_string().as_bytes());
    }
    Flow::Continue
}

/// The primary's `PING` to its replicas every `repl-ping-replica-period`
/// seconds, and `REPLCONF GETACK *` after a `WAIT` parked (from any
/// shard's tick: whichever finds it due sends it); a `FAILOVER`'s checks.
pub fn ping_replicas(shard: &mut ShardState) {
    let shared = shard.server.shared.clone();
    if !shared.upstream.booted() {
        // `replicaof` in the configuration: a replica from the start.
        let wanted = shared.config.get("replicaof").unwrap_or_default();
        let mut replica = false;
        if let Some((host, port)) = wanted.split_once(' ') {
            if let Ok(port) = port.parse::<u16>() {
                replica = crate::repl::upstream::start(&shared, host.to_string(), port);
            }
        }
        // The configured OOM score, from the start.
        oom_class(&shared, replica);
    }
    let now = crate::base::clock::now_ms().max(0) as u64;
    // Shards log their commands while a replica or a backlog needs them,
    // and on a replica (whose backlog starts whole when it is promoted).
    if (shared.replicas.feeding() || shared.upstream.active()) && !shard.aof.on {
        shard.set_propagating(true);
    }
    if shared.replicas.take_doomed() {
        shared.replicas.disconnect_all(&shard.outbox);
    }
    let ttl = shared.config.get_i64("repl-backlog-ttl").max(0) as u64;
    if shared.replicas.expire_backlog(now, ttl) {
        // As Redis: a primary that freed its backlog takes a new history.
        shared.change_repl_id();
        shared.clear_repl_id2();
    }
    let settings = shard.server.info.as_ref().map(|i| &*i.settings);
    crate::repl::failover::tick(&shared, settings, now);
    if shared.replicas.take_want_ack() {
        send(shard, &[b"REPLCONF", b"GETACK", b"*"]);
    }
    // The good replicas, counted again (lags grow with time alone).
    let setting = |name: &str| {
        shared
            .config
            .get(name)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    shared.replicas.set_minimum(
        setting("min-replicas-to-write"),
        setting("min-replicas-max-lag"),
    );
    let period = shared
        .config
        .get("repl-ping-replica-period")
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(10);
    // No ping while failing over: it would move the stream's offset that
    // the replicas are catching up with (Redis skips it too).
    let failing_over = shared.failover.phase() != crate::repl::failover::Phase::None;
    if shared.replicas.ping_due(now, period.saturating_mul(1000)) && !failing_over {
        send(shard, &[b"PING"]);
    }
}

/// Appends `argv` to every online replica's stream and tells their shards.
fn send(shard: &mut ShardState, argv: &[&[u8]]) {
    let mut told = Vec::new();
    shard.server.shared.replicas.command(argv, |s| told.push(s));
    shard.tell_replica_shards(told);
}
