//! Client-side caching (Redis 7.0's `CLIENT TRACKING`, `CACHING`,
//! `GETREDIR`, `TRACKINGINFO` and the invalidation messages). The
//! connection's session holds its mode; every read command it sends
//! carries a [`Track`] in its context, and the key's shard remembers it
//! ([`crate::shard::tracking::Table`]); a change of the key, from any
//! shard's client, expiry or eviction, pushes an invalidation to the
//! tracking connection or its redirect target, rendered on that
//! connection's shard by [`render`].

use std::net::SocketAddr;

use kevy_rt::{Args, ConnHandle, Flow};

use super::Local;
use crate::accounting::{Registered, Shared, TrackTo};
use crate::base::resp;
use crate::family::spec::{flags, Run, Spec};
use crate::session::{Session, Tracking};
use crate::shard::notify::Notice;
use crate::shard::tracking::{To, Track, TAG_INVALIDATE, TAG_REDIRECTED, TAG_REDIR_BROKEN};
use crate::shard::ShardState;

/// Records connection `id` (its push handle and address; `None`: it
/// closed) in the server's registry, not tracking.
pub fn register(shared: &Shared, id: u64, conn: Option<(ConnHandle, Option<SocketAddr>)>) {
    let mut map = match shared.conns.lock() {
        Ok(m) => m,
        Err(p) => p.into_inner(),
    };
    match conn {
        Some((conn, peer)) => map.insert(
            id,
            Registered {
                conn,
                peer,
                tracking: None,
            },
        ),
        None => map.remove(&id),
    };
}

/// Records where connection `id`'s invalidations go while it tracks
/// (`None`: it stopped), for the key shards that look it up by id.
fn register_tracking(shared: &Shared, id: u64, to: Option<TrackTo>) {
    let mut map = match shared.conns.lock() {
        Ok(m) => m,
        Err(p) => p.into_inner(),
    };
    if let Some(r) = map.get_mut(&id) {
        r.tracking = to;
    }
}

/// Whether some tracking client sends its invalidations to connection
/// `id` (`REDIRECT id`): it holds `id`'s handle, so `id` may not move.
pub fn is_redirect_target(shared: &Shared, id: u64) -> bool {
    let map = match shared.conns.lock() {
        Ok(m) => m,
        Err(p) => p.into_inner(),
    };
    map.values()
        .any(|r| r.tracking.is_some_and(|t| t.redirect == id))
}

fn lookup(shared: &Shared, id: u64) -> Option<ConnHandle> {
    shared.registered(id).map(|r| r.conn)
}

/// Whether a read command of `session` registers its keys for tracking
/// (false: not tracking, BCAST, or OPTIN/OPTOUT says no for this command).
/// The key's shard looks the client's [`Track`] up by id ([`track_for`]).
#[inline]
pub fn tracks(session: &Session) -> bool {
    match session.tracking.as_ref() {
        None => false,
        Some(t) => !(t.bcast || (t.optin && !t.caching) || (t.optout && t.caching)),
    }
}

/// The [`Track`] of tracking client `client`, on any shard: at hand when
/// it lives on this one, else from the server's registry (`None`: it
/// stopped tracking or closed meanwhile).
pub fn track_for(shard: &ShardState, client: u64) -> Option<Track> {
    if let Some(t) = shard.tracking.homed.get(&client) {
        return Some(*t);
    }
    let r = shard.server.shared.registered(client)?;
    let to = r.tracking?;
    Some(Track {
        client,
        target: to.target.unwrap_or(r.conn),
        own: r.conn,
        redirect: to.redirect != 0,
        redir: to.redirect,
        noloop: to.noloop,
        // Read only for the "everything" message of a flush, which its own
        // shard sends (from `homed`).
        resp3: false,
        off: false,
    })
}

fn track(session: &Session, t: &Tracking) -> Track {
    let own = session.conn.unwrap_or(ConnHandle {
        shard: 0,
        idx: u32::MAX,
        gen: 0,
    });
    Track {
        client: session.id,
        target: t.target.unwrap_or(own),
        own,
        redirect: t.redirect != 0,
        redir: t.redirect,
        noloop: t.noloop,
        resp3: session.resp3,
        off: false,
    }
}

/// After read command `cmd` (`args`) ran on its keys' shard: remembers
/// them for tracking client `client`.
pub fn remember(shard: &mut ShardState, client: u64, cmd: &'static Spec, args: Args<'_>) {
    if cmd.flags & flags::READONLY == 0 || cmd.flags & flags::PUBSUB != 0 {
        return;
    }
    if !matches!(cmd.run, Run::Key(_) | Run::Keys(..)) {
        return;
    }
    let Some(t) = track_for(shard, client) else {
        return;
    };
    let max = max_keys(shard);
    let to = To {
        outbox: &shard.outbox,
        shared: &shard.server.shared,
        ahead: None,
    };
    let table = &mut shard.tracking;
    cmd.route().for_each_key(args, |key| {
        table.remember(t, key, max, &to);
        true
    });
}

/// Remembers `keys` (a multi-shard read's share) for tracking client `client`.
pub fn remember_keys(shard: &mut ShardState, client: u64, keys: Args<'_>) {
    remember_each(shard, client, keys.iter());
}

/// Remembers each of `keys` for tracking client `client`.
pub fn remember_each<'k>(
    shard: &mut ShardState,
    client: u64,
    keys: impl Iterator<Item = &'k [u8]>,
) {
    let Some(t) = track_for(shard, client) else {
        return;
    };
    let max = max_keys(shard);
    let to = To {
        outbox: &shard.outbox,
        shared: &shard.server.shared,
        ahead: None,
    };
    for key in keys {
        shard.tracking.remember(t, key, max, &to);
    }
}

/// `tracking-table-max-keys` (`None`: no limit).
fn max_keys(shard: &ShardState) -> Option<usize> {
    shard.tracking_max_keys()
}

/// Renders an invalidation for the connection whose session is `session`
/// (Redis's `sendTrackingMessage`): a RESP3 push; a RESP2 message on
/// `__redis__:invalidate` for a subscribed redirect target; else nothing.
/// A broken redirect sets the tracking client's flag `R` and, in RESP3,
/// pushes `tracking-redir-broken` with the target's id.
pub fn render(session: &Session, tag: u8, payload: &[u8], out: &mut Vec<u8>) {
    if tag == TAG_REDIR_BROKEN {
        let Some(t) = session.tracking.as_ref() else {
            return; // Tracking turned off meanwhile.
        };
        t.broken.set(true);
        if session.resp3 {
            out.extend_from_slice(b">2\r\n$21\r\ntracking-redir-broken\r\n:");
            out.extend_from_slice(payload);
            out.extend_from_slice(b"\r\n");
        }
        return;
    }
    if tag & TAG_INVALIDATE == 0 {
        out.extend_from_slice(payload);
        return;
    }
    if session.resp3 {
        out.extend_from_slice(b">2\r\n$10\r\ninvalidate\r\n");
    } else if tag & TAG_REDIRECTED != 0 && session.subscribed {
        out.extend_from_slice(b"*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n");
    } else {
        return;
    }
    out.extend_from_slice(payload);
}

/// Sends `notice` to every shard.
fn everywhere(shard: &mut ShardState, notice: &Notice<'_>) {
    for s in 0..shard.nshards.max(1) {
        shard.send_notice(s, notice);
    }
}

/// Turns tracking off for `session` (Redis's `disableTracking`; RESET).
pub fn disable(shard: &mut ShardState, session: &mut Session) {
    if session.tracking.take().is_some() {
        let client = session.id;
        register_tracking(&shard.server.shared, client, None);
        everywhere(shard, &Notice::Untrack { client });
        shard.tracking.homed.remove(&client);
        shard.dbs[0]
            .limits()
            .switches
            .tracking
            .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// A connection closed: its tracking ends, its handle is forgotten.
pub fn closed(shared: &Shared, shard: &mut ShardState, session: &mut Session) {
    register(shared, session.id, None);
    disable(shard, session);
}

/// Redis's `checkPrefixCollisionsOrReply`: the error, if any.
fn collision(old: &[Vec<u8>], new: &[&[u8]]) -> Option<String> {
    let overlap = |a: &[u8], b: &[u8]| {
        let n = a.len().min(b.len());
        a[..n] == b[..n]
    };
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    for (i, p) in new.iter().enumerate() {
        if let Some(o) = old.iter().find(|o| overlap(o, p)) {
            return Some(format!(
                "ERR Prefix '{}' overlaps with an existing prefix '{}'. Prefixes for a single client must not overlap.",
                text(p),
                text(o)
            ));
        }
        if let Some(q) = new[i + 1..].iter().find(|q| overlap(p, q)) {
            return Some(format!(
                "ERR Prefix '{}' overlaps with another provided prefix '{}'. Prefixes for a single client must not overlap.",
                text(p),
                text(q)
            ));
        }
    }
    None
}

/// The options of `CLIENT TRACKING`.
#[derive(Default)]
struct Options<'a> {
    redirect: Option<i64>,
    bcast: bool,
    optin: bool,
    optout: bool,
    noloop: bool,
    prefixes: Vec<&'a [u8]>,
}

fn parse<'a>(args: Args<'a>) -> Result<Options<'a>, &'static [u8]> {
    let mut o = Options::default();
    let mut j = 3;
    while j < args.len() {
        let a = args.at(j);
        let more = j + 1 < args.len();
        if a.eq_ignore_ascii_case(b"redirect") && more {
            j += 1;
            if o.redirect.is_some() {
                return Err(b"ERR A client can only redirect to a single other client");
            }
            o.redirect = Some(
                crate::base::num::parse_i64(args.at(j))
                    .ok_or(&b"ERR value is not an integer or out of range"[..])?,
            );
        } else if a.eq_ignore_ascii_case(b"bcast") {
            o.bcast = true;
        } else if a.eq_ignore_ascii_case(b"optin") {
            o.optin = true;
        } else if a.eq_ignore_ascii_case(b"optout") {
            o.optout = true;
        } else if a.eq_ignore_ascii_case(b"noloop") {
            o.noloop = true;
        } else if a.eq_ignore_ascii_case(b"prefix") && more {
            j += 1;
            o.prefixes.push(args.at(j));
        } else {
            return Err(b"ERR syntax error");
        }
        j += 1;
    }
    Ok(o)
}

/// `CLIENT TRACKING <ON | OFF> [REDIRECT client-id] [PREFIX prefix [PREFIX
/// prefix ...]] [BCAST] [OPTIN] [OPTOUT] [NOLOOP]`
pub fn tracking(c: &mut Local<'_>) -> Flow {
    let o = match parse(c.args) {
        Ok(o) => o,
        Err(e) => {
            resp::error(c.out, e);
            return Flow::Continue;
        }
    };
    let shared = c.shard.server.shared.clone();
    let mut target = None;
    if let Some(id) = o.redirect {
        // Redis validates the target after parsing every option.
        match u64::try_from(id).ok().and_then(|id| lookup(&shared, id)) {
            Some(conn) => target = Some(conn),
            None => {
                resp::error(
                    c.out,
                    b"ERR The client ID you want redirect to does not exist",
                );
                return Flow::Continue;
            }
        }
    }
    let on = c.args.at(2);
    if on.eq_ignore_ascii_case(b"off") {
        disable(c.shard, c.session);
        resp::ok(c.out);
        return Flow::Continue;
    }
    if !on.eq_ignore_ascii_case(b"on") {
        resp::error(c.out, b"ERR syntax error");
        return Flow::Continue;
    }
    let old = c.session.tracking.as_ref();
    let err: Option<String> = if !o.bcast && !o.prefixes.is_empty() {
        Some("ERR PREFIX option requires BCAST mode to be enabled".into())
    } else if old.is_some_and(|t| t.bcast != o.bcast) {
        Some("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.".into())
    } else if o.bcast && (o.optin || o.optout) {
        Some("ERR OPTIN and OPTOUT are not compatible with BCAST".into())
    } else if o.optin && o.optout {
        Some("ERR You can't specify both OPTIN mode and OPTOUT mode".into())
    } else if old.is_some_and(|t| (o.optin && t.optout) || (o.optout && t.optin)) {
        Some("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.".into())
    } else if o.bcast {
        collision(old.map_or(&[][..], |t| &t.prefixes), &o.prefixes)
    } else {
        None
    };
    if let Some(e) = err {
        resp::error(c.out, e.as_bytes());
        return Flow::Continue;
    }
    let was = c.session.tracking.is_some();
    let mut t = c.session.tracking.take().unwrap_or_default();
    t.redirect = o.redirect.unwrap_or(0) as u64;
    t.target = target;
    t.broken.set(false);
    t.bcast = o.bcast;
    t.optin = o.optin;
    t.optout = o.optout;
    t.noloop = o.noloop;
    let mut new: Vec<&[u8]> = o.prefixes.clone();
    if o.bcast && new.is_empty() {
        new.push(b"");
    }
    for p in &new {
        if !t.prefixes.iter().any(|x| x.as_slice() == *p) {
            t.prefixes.push(p.to_vec());
        }
    }
    if !was {
        c.shard.dbs[0]
            .limits()
            .switches
            .tracking
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    let tr = track(c.session, &t);
    c.shard.tracking.homed.insert(c.session.id, tr);
    let to = TrackTo {
        target: t.target,
        redirect: t.redirect,
        noloop: t.noloop,
    };
    register_tracking(&shared, c.session.id, Some(to));
    if t.bcast {
        // Every shard follows the prefixes (again, with the new options).
        let prefixes = t.prefixes.clone();
        for p in &prefixes {
            everywhere(
                c.shard,
                &Notice::Follow {
                    track: tr,
                    prefix: p,
                },
            );
        }
    }
    c.session.tracking = Some(t);
    resp::ok(c.out);
    Flow::Continue
}

/// CLIENT CACHING <YES | NO>
pub fn caching(c: &mut Local<'_>) -> Flow {
    let Some(t) = c.session.tracking.as_mut() else {
        resp::error(c.out, b"ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled");
        return Flow::Continue;
    };
    let opt = c.args.at(2);
    if opt.eq_ignore_ascii_case(b"yes") {
        if !t.optin {
            resp::error(
                c.out,
                b"ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.",
            );
            return Flow::Continue;
        }
    } else if opt.eq_ignore_ascii_case(b"no") {
        if !t.optout {
            resp::error(
                c.out,
                b"ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.",
            );
            return Flow::Continue;
        }
    } else {
        resp::error(c.out, b"ERR syntax error");
        return Flow::Continue;
    }
    t.caching_next = true;
    resp::ok(c.out);
    Flow::Continue
}

/// CLIENT GETREDIR
pub fn getredir(c: &mut Local<'_>) -> Flow {
    let n = c
        .session
        .tracking
        .as_ref()
        .map_or(-1, |t| t.redirect as i64);
    resp::int(c.out, n);
    Flow::Continue
}

/// CLIENT TRACKINGINFO
pub fn trackinginfo(c: &mut Local<'_>) -> Flow {
    let t = c.session.tracking.as_ref();
    let mut fl: Vec<&[u8]> = vec![if t.is_some() { b"on" } else { b"off" }];
    if let Some(t) = t {
        if t.bcast {
            fl.push(b"bcast");
        }
        if t.optin {
            fl.push(b"optin");
            if t.caching {
                fl.push(b"caching-yes");
            }
        }
        if t.optout {
            fl.push(b"optout");
            if t.caching {
                fl.push(b"caching-no");
            }
        }
        if t.noloop {
            fl.push(b"noloop");
        }
        if t.broken.get() {
            fl.push(b"broken_redirect");
        }
    }
    resp::map(c.out, 3);
    resp::bulk(c.out, b"flags");
    resp::set(c.out, fl.len());
    fl.iter().for_each(|f| resp::bulk(c.out, f));
    resp::bulk(c.out, b"redirect");
    resp::int(c.out, t.map_or(-1, |t| t.redirect as i64));
    resp::bulk(c.out, b"prefixes");
    let prefixes: Vec<Vec<u8>> = t.map(|t| t.prefixes.clone()).unwrap_or_default();
    let mut sorted = prefixes;
    sorted.sort();
    resp::array(c.out, sorted.len());
    sorted.iter().for_each(|p| resp::bulk(c.out, p));
    Flow::Continue
}
