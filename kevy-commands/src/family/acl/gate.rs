//! The permission gate every command of a restricted connection passes:
//! the connection's `Ctx::acl` code ([`code`]), `-NOAUTH` before
//! authentication, the check of a resolved command against its user's
//! selectors ([`check_user`]: command, keys through the key specs,
//! channels), `-NOPERM` texts as Redis writes them, and each denial
//! recorded in the ACL log with the client's line.

use kevy_rt::Args;
use smallvec::SmallVec;

use super::super::command::op_getkeys;
use super::super::spec::{catalog, flags, Spec};
use crate::acl::check::{self, Denied, Request};
use crate::acl::log::{Context, Entry, Reason};
use crate::acl::{Acl, Cache, User};
use crate::base::clock::now_ms;
use crate::session::Session;

/// `Ctx::acl` of a connection that has not authenticated.
pub const NOAUTH: u32 = u32::MAX;

/// The `Ctx::acl` code of a session: 0 when no check is needed.
#[inline]
pub fn code(acl: &Acl, s: &Session) -> u32 {
    Who::of(s).code(acl)
}

/// Who a connection is, as far as [`code`] asks: kept by a command that
/// is checked later than it was queued (`EXEC`).
#[derive(Clone, Copy, Debug)]
pub struct Who {
    default_user: bool,
    authenticated: bool,
    user: usize,
}

impl Who {
    /// The session's user now.
    #[inline]
    pub fn of(s: &Session) -> Who {
        Who {
            default_user: s.default_user,
            authenticated: s.authenticated,
            user: s.user,
        }
    }

    /// [`code`] for this user under the rules as they are now.
    #[inline]
    pub fn code(self, acl: &Acl) -> u32 {
        if self.default_user && acl.open() {
            0
        } else {
            slow_code(acl, self)
        }
    }
}

#[cold]
#[inline(never)]
fn slow_code(acl: &Acl, s: Who) -> u32 {
    if !s.authenticated && !acl.auth_free() {
        NOAUTH
    } else if !s.authenticated || s.user == 0 {
        if acl.open() {
            0
        } else {
            1
        }
    } else {
        s.user as u32 + 1
    }
}

/// Channels a command publishes or subscribes to: `(argument, pattern)`.
fn channels(spec: &Spec, args: Args<'_>) -> Vec<(usize, bool)> {
    match spec.name {
        "publish" | "spublish" => vec![(1, false)],
        "subscribe" | "ssubscribe" => (1..args.len()).map(|i| (i, false)).collect(),
        "psubscribe" => (1..args.len()).map(|i| (i, true)).collect(),
        _ => Vec::new(),
    }
}

/// Checks user `u` against a resolved command.
pub fn check_user(u: &User, spec: &'static Spec, args: Args<'_>) -> Result<(), Denied> {
    if u.unrestricted() {
        return Ok(());
    }
    with_request(u, spec, args, |r| check::check(u, r))
}

/// SORT / SORT_RO with a BY pattern or a GET option, run by a user no
/// selector of which reads every key: Redis's error for the first such
/// option, met as `sortCommandGeneric` parses (an earlier syntax or LIMIT
/// error is the handler's to answer).
/// SORT's own refusals ([`sort_denied`]).
const SORT_BY_DENIED: &[u8] =
    b"-ERR BY option of SORT denied due to insufficient ACL permissions.\r\n";
const SORT_GET_DENIED: &[u8] =
    b"-ERR GET option of SORT denied due to insufficient ACL permissions.\r\n";

/// True for a refusal SORT makes itself as it runs (Redis's
/// `sortCommandGeneric` replies it: a failed call, not a rejected one).
pub fn is_sort_refusal(err: &[u8]) -> bool {
    err == SORT_BY_DENIED || err == SORT_GET_DENIED
}

fn sort_denied(u: &User, spec: &'static Spec, args: Args<'_>) -> Option<&'static [u8]> {
    let readonly = match spec.name {
        "sort" => false,
        "sort_ro" => true,
        _ => return None,
    };
    if u.unrestricted() {
        return None;
    }
    let word = |a: &[u8], w: &str| a.eq_ignore_ascii_case(w.as_bytes());
    let int = |a: &[u8]| std::str::from_utf8(a).is_ok_and(|t| t.parse::<i64>().is_ok());
    let mut j = 2;
    let n = args.len();
    while j < n {
        let (a, left) = (args.at(j), n - j - 1);
        let denied: &'static [u8] = if word(a, "asc") || word(a, "desc") || word(a, "alpha") {
            j += 1;
            continue;
        } else if word(a, "limit") && left >= 2 {
            if !int(args.at(j + 1)) || !int(args.at(j + 2)) {
                return None;
            }
            j += 3;
            continue;
        } else if !readonly && word(a, "store") && left >= 1 {
            j += 2;
            continue;
        } else if word(a, "by") && left >= 1 {
            j += 2;
            if !args.at(j - 1).contains(&b'*') {
                continue;
            }
            SORT_BY_DENIED
        } else if word(a, "get") && left >= 1 {
            SORT_GET_DENIED
        } else {
            return None;
        };
        let full = with_request(u, spec, args, |r| check::reads_every_key(u, r));
        return (!full).then_some(denied);
    }
    None
}

/// Runs `f` on the check's view of a resolved command.
fn with_request<T>(
    u: &User,
    spec: &'static Spec,
    args: Args<'_>,
    f: impl FnOnce(&Request<'_>) -> T,
) -> T {
    let id = (catalog().id_of)(spec).unwrap_or(usize::MAX);
    let argv: SmallVec<[&[u8]; 8]> = args.iter().collect();
    // Keys and channels are looked up only when some selector restricts
    // them (the check reads neither otherwise): a user with `~*` and `&*`
    // pays for the command bit alone.
    let keys: Option<Vec<(usize, u32)>> =
        (spec.has_keys() && u.selectors.iter().any(|s| !s.all_keys)).then(|| {
            op_getkeys(args)
                .unwrap_or_default()
                .into_iter()
                .filter(|k| k.1 & crate::acl::key_flags::NOT_KEY == 0)
                .collect()
        });
    let ch = if u.selectors.iter().any(|s| !s.all_channels) {
        channels(spec, args)
    } else {
        Vec::new()
    };
    f(&Request {
        id,
        args: &argv,
        keys: keys.as_deref(),
        channels: &ch,
    })
}

/// What the gate needs besides the command: who is asking.
pub struct Asker<'a> {
    /// `Ctx::acl` (non-zero).
    pub code: u32,
    /// Queued in `MULTI` (the log's context).
    pub multi: bool,
    /// The client's `CLIENT LIST` line, made only for a log entry.
    pub info: &'a dyn Fn(&[u8]) -> Vec<u8>,
}

/// Checks a command of a restricted connection. `Some(error)` (the reply,
/// logged in the ACL log) when refused.
#[cold]
pub fn gate(
    acl: &Acl,
    cache: &mut Cache,
    who: &Asker<'_>,
    spec: &'static Spec,
    args: Args<'_>,
) -> Option<Vec<u8>> {
    gate_with(acl, cache, who, spec, args, false)
}

/// Checks a queued command again as `EXEC` runs it (Redis's `execCommand`
/// does, in case the rules changed since it was queued): `Some(error)`
/// with Redis's "ACLs rules changed" text, logged in the `multi` context.
#[cold]
pub fn gate_exec(
    acl: &Acl,
    cache: &mut Cache,
    who: &Asker<'_>,
    spec: &'static Spec,
    args: Args<'_>,
) -> Option<Vec<u8>> {
    gate_with(acl, cache, who, spec, args, true)
}

fn gate_with(
    acl: &Acl,
    cache: &mut Cache,
    who: &Asker<'_>,
    spec: &'static Spec,
    args: Args<'_>,
    at_exec: bool,
) -> Option<Vec<u8>> {
    if std::ptr::eq(spec, &super::super::connection::REJECT) {
        return None;
    }
    let id = if who.code == NOAUTH {
        if acl.auth_free() {
            0
        } else if spec.flags & flags::NO_AUTH == 0 {
            return Some(b"-NOAUTH Authentication required.\r\n".to_vec());
        } else {
            return None;
        }
    } else {
        who.code as usize - 1
    };
    let users = cache.get(acl);
    let Some(u) = users.get(id) else {
        return Some(perm_error(Denied::Command, spec, args));
    };
    let Err(denied) = check_user(u, spec, args) else {
        // SORT's own check runs as the command runs: at EXEC, not queued.
        return if who.multi && !at_exec {
            None
        } else {
            sort_denied(u, spec, args).map(<[u8]>::to_vec)
        };
    };
    let name = u.name.clone();
    let object = match denied {
        Denied::Command => spec.name.as_bytes().to_vec(),
        Denied::Key(i) | Denied::Channel(i) => args.at(i).to_vec(),
    };
    let reason = match denied {
        Denied::Command => Reason::Command,
        Denied::Key(_) => Reason::Key,
        Denied::Channel(_) => Reason::Channel,
    };
    let context = if who.multi || at_exec {
        Context::Multi
    } else {
        Context::Toplevel
    };
    log(acl, reason, context, object, (who.info)(&name), name);
    Some(if at_exec {
        exec_perm_error(denied)
    } else {
        perm_error(denied, spec, args)
    })
}

/// A call a script may not make: Redis's text, and what the ACL log
/// records of it once the run is known to count ([`log_script`]).
pub struct ScriptDenial {
    /// `scriptVerifyACL`'s message (`scriptCall` makes it an `ERR`).
    pub text: &'static str,
    reason: Reason,
    object: Vec<u8>,
    /// The user's name.
    pub user: Vec<u8>,
}

/// Checks a call a script makes against its caller's user `code`
/// (`Ctx::acl`, non-zero; Redis's `scriptVerifyACL`): the denial, if any.
#[cold]
pub fn gate_script(
    acl: &Acl,
    cache: &mut Cache,
    code: u32,
    spec: &'static Spec,
    args: Args<'_>,
) -> Option<ScriptDenial> {
    let id = if code == NOAUTH { 0 } else { code as usize - 1 };
    let users = cache.get(acl);
    let u = users.get(id)?;
    let denied = check_user(u, spec, args).err()?;
    let (reason, object, text) = match denied {
        Denied::Command => (
            Reason::Command,
            spec.name.as_bytes().to_vec(),
            "The user executing the script can't run this command or subcommand",
        ),
        Denied::Key(i) => (
            Reason::Key,
            args.at(i).to_vec(),
            "The user executing the script can't access at least one of the keys mentioned in the command arguments",
        ),
        Denied::Channel(i) => (
            Reason::Channel,
            args.at(i).to_vec(),
            "The user executing the script can't publish to the channel mentioned in the command",
        ),
    };
    Some(ScriptDenial {
        text,
        reason,
        object,
        user: u.name.clone(),
    })
}

/// Records a script's denied call in the ACL log, in the `lua` context,
/// with the caller's `CLIENT LIST` line `info`.
pub fn log_script(acl: &Acl, d: ScriptDenial, info: Vec<u8>) {
    log(acl, d.reason, Context::Lua, d.object, info, d.user);
}

/// Redis's `execCommand` text for a queued command no longer allowed.
fn exec_perm_error(d: Denied) -> Vec<u8> {
    let reason: &[u8] = match d {
        Denied::Command => b"no permission to execute the command or subcommand",
        Denied::Key(_) => b"no permission to touch the specified keys",
        Denied::Channel(_) => b"no permission to access one of the channels used as arguments",
    };
    [
        b"-NOPERM ACLs rules changed between the moment the transaction was accumulated \
          and the EXEC call. This command is no longer allowed for the following reason: "
            .as_slice(),
        reason,
        b"\r\n",
    ]
    .concat()
}

pub(super) fn log(
    acl: &Acl,
    reason: Reason,
    context: Context,
    object: Vec<u8>,
    info: Vec<u8>,
    user: Vec<u8>,
) {
    let max = acl.log_max.load(std::sync::atomic::Ordering::Relaxed) as usize;
    acl.log().add(
        Entry {
            count: 1,
            reason,
            context,
            object,
            username: user,
            ctime: now_ms() as u64,
            client_info: info,
        },
        max,
    );
}

fn perm_error(d: Denied, spec: &Spec, _args: Args<'_>) -> Vec<u8> {
    let text = match d {
        Denied::Command => format!(
            "-NOPERM this user has no permissions to run the '{}' command\r\n",
            spec.name
        ),
        Denied::Key(_) => {
            "-NOPERM this user has no permissions to access one of the keys used as arguments\r\n"
                .to_string()
        }
        Denied::Channel(_) => {
            "-NOPERM this user has no permissions to access one of the channels used as arguments\r\n"
                .to_string()
        }
    };
    text.into_bytes()
}

/// A connection's `CLIENT LIST` line without its newline (what a log
/// entry records), on the connection's shard.
pub fn client_line(
    shared: &crate::accounting::Shared,
    facts: &kevy_rt::ClientFacts,
    s: &Session,
    cmd: Option<&Spec>,
) -> Vec<u8> {
    let mut line = Vec::new();
    super::super::client::line::write_line(&mut line, shared, facts, s, cmd, 0, false);
    if line.last() == Some(&b'\n') {
        line.pop();
    }
    line
}

/// What a log entry records of a client on another shard, which knows its
/// id, address, database and protocol only.
pub fn remote_info(
    shared: &crate::accounting::Shared,
    ctx: &crate::session::Ctx,
    cmd: &Spec,
    user: &[u8],
) -> Vec<u8> {
    let addr = match (ctx.unix, shared.peer_of(ctx.client)) {
        (true, _) => "/unixsocket:0".to_string(),
        (_, Some(p)) => p.to_string(),
        _ => String::new(),
    };
    format!(
        "id={} addr={addr} laddr= fd=-1 name= age=0 idle=0 flags=N db={} sub=0 psub=0 ssub=0 multi=-1 \
         qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r \
         cmd={} user={} redir=-1 resp={}",
        ctx.client,
        ctx.db,
        cmd.name,
        String::from_utf8_lossy(user),
        if ctx.resp3 { 3 } else { 2 }
    )
    .into_bytes()
}
