//! One connection as `CLIENT LIST` and `CLIENT INFO` show it, and the
//! `CLIENT KILL` filters that pick connections.

use std::time::Instant;

use kevy_rt::{Args, ClientFacts};

use crate::accounting::Shared;
use crate::base::error::cstr;
use crate::base::num::parse_i64;
use crate::family::connection::REJECT;
use crate::family::opts::keyword;
use crate::family::spec::Spec;
use crate::session::Session;

/// Redis's static reply buffer (`PROTO_REPLY_CHUNK_BYTES`): the output
/// fields show a connection's output buffer as Redis would hold it, its
/// first 16 KB in the buffer (`rbs`, `rbp`, `obl`), the rest in the reply
/// list (`oll` nodes of 16 KB, `omem` bytes).
const REPLY_CHUNK: usize = 16 * 1024;

/// Redis's output fields `(rbs, rbp, obl, oll, omem)` of connection `f`;
/// `own_slot`: one of its queued reply slots is the running command's own
/// (a multi-shard `CLIENT LIST` waiting for its parts), which Redis, running
/// the command, has not queued.
fn output_fields(f: &ClientFacts, own_slot: bool) -> [usize; 5] {
    let queued = f.replies_pending - usize::from(own_slot && f.replies_pending > 0);
    let listed = f.out_unsent.saturating_sub(REPLY_CHUNK);
    [
        f.reply_buf_size,
        f.reply_buf_peak,
        f.out_unsent.min(REPLY_CHUNK),
        queued + listed.div_ceil(REPLY_CHUNK),
        listed,
    ]
}

/// Appends the `CLIENT LIST` line of a connection (with its final `\n`), in
/// Redis 7.0's field order. `argv_mem` is the size of the arguments of the
/// command it is running (only the caller is running one); `own_slot`: see
/// `output_fields`.
pub fn write_line(
    out: &mut Vec<u8>,
    shared: &Shared,
    f: &ClientFacts,
    s: &Session,
    cmd: Option<&Spec>,
    argv_mem: usize,
    own_slot: bool,
) {
    let now = Instant::now();
    let (addr, laddr) = addresses(shared, f, s);
    let mut flags = String::new();
    if s.monitor {
        flags.push('O');
    } else if shared.replicas.is(s.id) {
        flags.push('S');
    }
    if shared.upstream.is_link(s.id) {
        flags.push('M');
    }
    if s.subscribed {
        flags.push('P');
    }
    if s.multi.is_some() {
        flags.push('x');
    }
    if f.blocked {
        flags.push('b');
    }
    if let Some(t) = s.tracking.as_ref() {
        flags.push('t');
        if t.broken.get() {
            flags.push('R');
        }
        if t.bcast {
            flags.push('B');
        }
    }
    if f.closing {
        flags.push('c');
    }
    if f.unix {
        flags.push('U');
    }
    if s.no_evict {
        flags.push('e');
    }
    if flags.is_empty() {
        flags.push('N');
    }
    let rbuf = f.query_buf + f.query_buf_free;
    let [rbs, rbp, obl, oll, omem] = output_fields(f, own_slot);
    let (sub, psub, ssub) = s.pubsub.counts();
    let line = format!("id={} addr={addr} laddr={laddr} fd={} name=", f.id, f.fd);
    out.extend_from_slice(line.as_bytes());
    out.extend_from_slice(s.name().unwrap_or_default());
    let rest = format!(
        " age={} idle={} flags={flags} db={} sub={sub} psub={psub} ssub={ssub} multi={} qbuf={} qbuf-free={} \
         argv-mem={argv_mem} multi-mem={} rbs={rbs} rbp={rbp} obl={obl} oll={oll} omem={omem} tot-mem={} events={} cmd={} \
         user={} redir={} resp={}\n",
        now.saturating_duration_since(f.created).as_secs(),
        now.saturating_duration_since(f.last_active).as_secs(),
        s.db,
        s.multi.as_ref().map_or(-1, |m| m.queue.len() as i64),
        f.query_buf,
        f.query_buf_free,
        s.multi_memory(),
        rbuf + f.out_capacity + argv_mem + s.memory(),
        if f.out_unsent > 0 { "rw" } else { "r" },
        // A refused request leaves no command, as in Redis.
        cmd.filter(|c| !std::ptr::eq(*c, &REJECT))
            .map_or("NULL", |c| c.name),
        String::from_utf8_lossy(&shared.config.live().acl.name_of(s.user)),
        s.tracking.as_ref().map_or(-1, |t| t.redirect as i64),
        if s.resp3 { 3 } else { 2 },
    );
    out.extend_from_slice(rest.as_bytes());
}

/// `(addr, laddr)` as Redis prints them: `ip:port`, or `<unixsocket>:0`
/// for both on a Unix-socket connection. The link applying the primary's
/// stream shows the primary's address, as Redis's master client does: so
/// `CLIENT KILL host:port` on a replica drops its link (which connects
/// again and continues from the backlog).
fn addresses(shared: &Shared, f: &ClientFacts, s: &Session) -> (String, String) {
    if shared.upstream.is_link(s.id) {
        if let Some((host, port)) = shared.upstream.master() {
            let local = f.local.map(|a| a.to_string()).unwrap_or_default();
            return (format!("{host}:{port}"), local);
        }
    }
    if f.unix {
        let a = shared.peer_id(None, true);
        return (a.clone(), a);
    }
    let fmt = |a: Option<std::net::SocketAddr>| a.map(|a| a.to_string()).unwrap_or_default();
    (fmt(f.peer), fmt(f.local))
}

/// Client types (`CLIENT LIST TYPE`, `CLIENT KILL TYPE`), as Redis's
/// `getClientType` sorts them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientType {
    /// `normal`: every other connection (a monitor too, as in Redis).
    Normal,
    /// `master`: the link applying this server's primary's stream.
    Master,
    /// `replica` / `slave`: a replica attached here.
    Replica,
    /// `pubsub`: a subscribed connection.
    Pubsub,
}

/// Parses a client type name, Redis's `getClientTypeByName`.
pub fn client_type(name: &[u8]) -> Option<ClientType> {
    let n = cstr(name);
    [
        (&b"normal"[..], ClientType::Normal),
        (b"master", ClientType::Master),
        (b"replica", ClientType::Replica),
        (b"slave", ClientType::Replica),
        (b"pubsub", ClientType::Pubsub),
    ]
    .iter()
    .find(|(t, _)| n.eq_ignore_ascii_case(t))
    .map(|(_, k)| *k)
}

/// The type of the connection of session `s` (Redis's `getClientType`).
pub fn type_of(shared: &Shared, s: &Session) -> ClientType {
    if shared.upstream.is_link(s.id) {
        ClientType::Master
    } else if !s.monitor && shared.replicas.is(s.id) {
        ClientType::Replica
    } else if s.subscribed {
        ClientType::Pubsub
    } else {
        ClientType::Normal
    }
}

/// `CLIENT KILL`'s filters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// `CLIENT KILL addr:port`: kill that address, the caller included.
    pub old: Option<Vec<u8>>,
    /// `ID`.
    pub id: Option<u64>,
    /// `TYPE`.
    pub kind: Option<ClientType>,
    /// `ADDR`.
    pub addr: Option<Vec<u8>>,
    /// `LADDR`.
    pub laddr: Option<Vec<u8>>,
    /// `MAXAGE` (kevy accepts Redis 7.4's filter): connections older than
    /// this many seconds.
    pub max_age: Option<u64>,
    /// `SKIPME no`: the caller may be killed.
    pub kill_me: bool,
    /// `USER`: connections of that ACL user (checked to exist when planned).
    pub user: Option<Vec<u8>>,
}

/// Parses `CLIENT KILL`'s arguments (from index 2), with Redis's errors.
pub fn parse_filter(args: Args<'_>) -> Result<Filter, Vec<u8>> {
    if args.len() == 3 {
        return Ok(Filter {
            old: Some(args.at(2).to_vec()),
            kill_me: true,
            ..Filter::default()
        });
    }
    let mut f = Filter::default();
    let mut i = 2;
    while i < args.len() {
        let (opt, Some(val)) = (args.at(i), args.get(i + 1)) else {
            return Err(b"ERR syntax error".to_vec());
        };
        if keyword(opt, "id") {
            match parse_i64(val) {
                Some(n) if n > 0 => f.id = Some(n as u64),
                _ => return Err(b"ERR client-id should be greater than 0".to_vec()),
            }
        } else if keyword(opt, "type") {
            match client_type(val) {
                Some(t) => f.kind = Some(t),
                None => {
                    let mut m = b"ERR Unknown client type '".to_vec();
                    m.extend_from_slice(cstr(val));
                    m.push(b'\'');
                    return Err(m);
                }
            }
        } else if keyword(opt, "addr") {
            f.addr = Some(val.to_vec());
        } else if keyword(opt, "laddr") {
            f.laddr = Some(val.to_vec());
        } else if keyword(opt, "user") {
            f.user = Some(val.to_vec());
        } else if keyword(opt, "skipme") {
            if keyword(val, "yes") {
                f.kill_me = false;
            } else if keyword(val, "no") {
                f.kill_me = true;
            } else {
                return Err(b"ERR syntax error".to_vec());
            }
        } else if keyword(opt, "maxage") {
            match parse_i64(val) {
                Some(n) if n >= 0 => f.max_age = Some(n as u64),
                _ => return Err(b"ERR maxage is not an integer or out of range".to_vec()),
            }
        } else {
            return Err(b"ERR syntax error".to_vec());
        }
        i += 2;
    }
    Ok(f)
}

impl Filter {
    /// True when connection `f` (session `s`) is to be killed by caller
    /// `me`.
    pub fn matches(&self, shared: &Shared, f: &ClientFacts, s: &Session, me: u64) -> bool {
        let (addr, laddr) = addresses(shared, f, s);
        if let Some(a) = &self.old {
            return addr.as_bytes() == a.as_slice();
        }
        if self.id.is_some_and(|id| id != f.id)
            || self.kind.is_some_and(|k| k != type_of(shared, s))
            || self
                .addr
                .as_ref()
                .is_some_and(|a| addr.as_bytes() != a.as_slice())
            || self
                .laddr
                .as_ref()
                .is_some_and(|a| laddr.as_bytes() != a.as_slice())
            || (f.id == me && !self.kill_me)
        {
            return false;
        }
        match self.max_age {
            Some(max) => {
                Instant::now()
                    .saturating_duration_since(f.created)
                    .as_secs()
                    > max
            }
            None => true,
        }
    }
}
