//! Whether a user may run a command (`ACLCheckAllUserCommandPerm`): some
//! selector must allow the command, every key it names (with the access
//! its key spec declares) and every channel it publishes or subscribes to.

use super::commands;
use super::key_flags;
use super::user::{Selector, User, READ, WRITE};
use crate::base::glob::stringmatch;

/// Why a command was denied, and the argument at fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Denied {
    /// The command (`reason` "command").
    Command,
    /// A key, at this argument (`reason` "key").
    Key(usize),
    /// A channel, at this argument (`reason` "channel").
    Channel(usize),
}

impl Denied {
    fn rank(self) -> (u8, usize) {
        match self {
            Denied::Command => (0, 0),
            Denied::Key(i) => (1, i),
            Denied::Channel(i) => (2, i),
        }
    }
}

/// A channel a command names: its argument index and whether it is a
/// pattern (`PSUBSCRIBE`).
pub type ChannelRef = (usize, bool);

/// What the check needs of a command.
pub struct Request<'a> {
    /// The command's id.
    pub id: usize,
    /// The arguments (verb included).
    pub args: &'a [&'a [u8]],
    /// Keys as `(argument index, key-spec flags)`; `None` when the command
    /// names no key.
    pub keys: Option<&'a [(usize, u32)]>,
    /// Channels it publishes or subscribes to.
    pub channels: &'a [ChannelRef],
}

fn key_ok(s: &Selector, key: &[u8], spec_flags: u32) -> bool {
    if s.all_keys {
        return true;
    }
    let mut need = 0;
    if spec_flags & key_flags::ACCESS != 0 {
        need |= READ;
    }
    if spec_flags & (key_flags::INSERT | key_flags::DELETE | key_flags::UPDATE) != 0 {
        need |= WRITE;
    }
    s.patterns
        .iter()
        .any(|p| p.flags & need == need && stringmatch(&p.pattern, key, false))
}

/// True when a plain channel (or, `pattern`, a channel pattern matched
/// literally) is allowed by the selector's list.
pub fn channel_ok(list: &[Vec<u8>], channel: &[u8], pattern: bool) -> bool {
    list.iter().any(|p| {
        if pattern {
            p.as_slice() == channel
        } else {
            stringmatch(p, channel, false)
        }
    })
}

fn selector_check(s: &Selector, r: &Request<'_>) -> Result<(), Denied> {
    let info = commands::get(r.id);
    let no_auth = info.is_some_and(|c| c.no_auth);
    if !s.all_commands && !no_auth && !s.bit(r.id) {
        let idx = if info.is_some_and(|c| c.parent.is_some()) {
            2
        } else {
            1
        };
        let allowed = r.args.get(idx).is_some_and(|arg| {
            r.args.len() >= 2
                && s.firstargs_of(r.id)
                    .is_some_and(|l| l.iter().any(|a| a.eq_ignore_ascii_case(arg)))
        });
        if !allowed {
            return Err(Denied::Command);
        }
    }
    if !s.all_keys {
        if let Some(keys) = r.keys {
            for &(at, flags) in keys {
                if let Some(key) = r.args.get(at) {
                    if !key_ok(s, key, flags) {
                        return Err(Denied::Key(at));
                    }
                }
            }
        }
    }
    if !s.all_channels {
        for &(at, pattern) in r.channels {
            if let Some(ch) = r.args.get(at) {
                if !channel_ok(&s.channels, ch, pattern) {
                    return Err(Denied::Channel(at));
                }
            }
        }
    }
    Ok(())
}

/// Checks a request against every selector of `u`: allowed when one allows
/// it; otherwise the most relevant denial (a channel over a key over the
/// command, the later argument first), as Redis picks it.
pub fn check(u: &User, r: &Request<'_>) -> Result<(), Denied> {
    let mut worst = Denied::Command;
    for s in &u.selectors {
        match selector_check(s, r) {
            Ok(()) => return Ok(()),
            Err(d) => {
                if d.rank() > worst.rank() {
                    worst = d;
                }
            }
        }
    }
    Err(worst)
}

/// True when some selector of `u` that allows the request reads every key
/// (`allkeys`, or a `*` pattern with read permission): Redis's
/// `ACLUserCheckCmdWithUnrestrictedKeyAccess` with `CMD_KEY_ACCESS`, which
/// SORT asks before it reads keys its BY and GET patterns make.
pub fn reads_every_key(u: &User, r: &Request<'_>) -> bool {
    u.selectors.iter().any(|s| {
        selector_check(s, r).is_ok()
            && (s.all_keys
                || s.patterns
                    .iter()
                    .any(|p| p.flags & READ == READ && p.pattern == b"*"))
    })
}

/// The channel patterns a user's subscribers must now keep to after a
/// change from `old` to `new` (Redis's `ACLKillPubsubClientsIfNeeded`):
/// `None` when no subscription can have lost its permission (some selector
/// of `new` allows every channel, or `new`'s patterns include every one of
/// `old`'s); otherwise every pattern of `new`, which a subscriber's
/// channels and patterns are checked against ([`channel_ok`]).
pub fn revoked_channels(new: &User, old: &User) -> Option<Vec<Vec<u8>>> {
    if new.selectors.iter().any(|s| s.all_channels) {
        return None;
    }
    let upcoming: Vec<Vec<u8>> = new
        .selectors
        .iter()
        .flat_map(|s| s.channels.iter().cloned())
        .collect();
    let kept = old
        .selectors
        .iter()
        .all(|s| !s.all_channels && s.channels.iter().all(|c| upcoming.contains(c)));
    (!kept).then_some(upcoming)
}

/// True when a subscriber to `channels` (plain and shard channels) and
/// `patterns` keeps to the channel patterns `allowed`.
pub fn subscriptions_ok<'a>(
    allowed: &[Vec<u8>],
    channels: impl IntoIterator<Item = &'a [u8]>,
    patterns: impl IntoIterator<Item = &'a [u8]>,
) -> bool {
    patterns.into_iter().all(|p| channel_ok(allowed, p, true))
        && channels.into_iter().all(|c| channel_ok(allowed, c, false))
}
