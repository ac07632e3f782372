//! An ACL user and its selectors, and the rules (`ACL SETUSER` words) that
//! change them, as Redis 7.0's `ACLSetUser` / `ACLSetSelector`.

use super::commands::{self, category};
use crate::base::sha256;

/// Read permission of a key pattern (`%R~`).
pub const READ: u8 = 1;
/// Write permission of a key pattern (`%W~`).
pub const WRITE: u8 = 2;
/// Both (`~`, `%RW~`).
pub const ALL: u8 = READ | WRITE;

/// A key pattern and what it allows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPattern {
    /// The glob pattern.
    pub pattern: Vec<u8>,
    /// [`READ`], [`WRITE`] or both.
    pub flags: u8,
}

/// One set of permissions: a user's root selector or a `(…)` one. A
/// command runs when any selector of its user allows it whole.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selector {
    /// Every key (`allkeys`, `~*`).
    pub all_keys: bool,
    /// Every channel (`allchannels`, `&*`).
    pub all_channels: bool,
    /// Every command, with no exception since (`allcommands`, `+@all`).
    pub all_commands: bool,
    /// `+@all` was the last whole-table rule: commands added later would be
    /// allowed (Redis's reserved bit; decides `+@all` or `-@all` first when
    /// the rules are described).
    pub future: bool,
    /// One bit per command id.
    pub bits: Vec<u64>,
    /// First arguments allowed of otherwise denied commands (`+select|0`),
    /// per command id.
    pub firstargs: Vec<(usize, Vec<Vec<u8>>)>,
    /// Key patterns, in the order added.
    pub patterns: Vec<KeyPattern>,
    /// Channel patterns, in the order added.
    pub channels: Vec<Vec<u8>>,
}

/// Why a rule was refused (Redis's errno values), with Redis's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleError {
    /// EINVAL.
    Syntax,
    /// ENOENT.
    Unknown,
    /// EEXIST.
    KeysAfterAll,
    /// EISDIR.
    ChannelsAfterAll,
    /// ENODEV.
    NoSuchPassword,
    /// EBADMSG.
    BadHash,
    /// ECHILD.
    SubcommandFirstArg,
    /// EALREADY.
    Duplicate,
}

impl RuleError {
    /// Redis's `ACLSetUserStringError` text.
    pub fn message(self) -> &'static str {
        match self {
            RuleError::Syntax => "Syntax error",
            RuleError::Unknown => "Unknown command or category name in ACL",
            RuleError::KeysAfterAll => {
                "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns"
            }
            RuleError::ChannelsAfterAll => {
                "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels"
            }
            RuleError::NoSuchPassword => {
                "The password you are trying to remove from the user does not exist"
            }
            RuleError::BadHash => {
                "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"
            }
            RuleError::SubcommandFirstArg => "Allowing first-arg of a subcommand is not supported",
            RuleError::Duplicate => {
                "Duplicate user found. A user can only be defined once in config files"
            }
        }
    }
}

fn has_spaces(s: &[u8]) -> bool {
    s.iter()
        .any(|&c| c.is_ascii_whitespace() || c == 0 || c == 0x0b)
}

fn eq(a: &[u8], b: &str) -> bool {
    a.eq_ignore_ascii_case(b.as_bytes())
}

impl Selector {
    /// An empty selector (no command, key or channel), with the channels
    /// `acl-pubsub-default` gives (`all_channels`).
    pub fn new(all_channels: bool) -> Selector {
        Selector {
            all_keys: false,
            all_channels,
            all_commands: false,
            future: false,
            bits: vec![0; commands::words()],
            firstargs: Vec::new(),
            patterns: Vec::new(),
            channels: Vec::new(),
        }
    }

    /// True when command `id`'s bit is set.
    #[inline]
    pub fn bit(&self, id: usize) -> bool {
        self.bits
            .get(id / 64)
            .is_some_and(|w| w & (1u64 << (id % 64)) != 0)
    }

    fn set_bit(&mut self, id: usize, on: bool) {
        if let Some(w) = self.bits.get_mut(id / 64) {
            if on {
                *w |= 1u64 << (id % 64);
            } else {
                *w &= !(1u64 << (id % 64));
                self.all_commands = false;
            }
        }
    }

    /// Allows or denies a command and its subcommands (`ACLChangeSelectorPerm`).
    pub fn change(&mut self, id: usize, on: bool) {
        self.set_bit(id, on);
        self.firstargs.retain(|(i, _)| *i != id);
        if let Some(c) = commands::get(id) {
            for &s in &c.subs {
                self.set_bit(s, on);
            }
        }
    }

    /// Allows or denies every command of a category.
    pub fn change_category(&mut self, cat: u32, on: bool) {
        for (id, c) in commands::all().iter().enumerate() {
            if c.cats & cat != 0 {
                self.change(id, on);
            }
        }
    }

    /// The first arguments allowed for command `id`.
    pub fn firstargs_of(&self, id: usize) -> Option<&[Vec<u8>]> {
        self.firstargs
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, v)| v.as_slice())
    }

    /// Applies one selector rule (`ACLSetSelector`).
    pub fn apply(&mut self, op: &[u8]) -> Result<(), RuleError> {
        if eq(op, "allkeys") || op == b"~*" {
            self.all_keys = true;
            self.patterns.clear();
        } else if eq(op, "resetkeys") {
            self.all_keys = false;
            self.patterns.clear();
        } else if eq(op, "allchannels") || op == b"&*" {
            self.all_channels = true;
            self.channels.clear();
        } else if eq(op, "resetchannels") {
            self.all_channels = false;
            self.channels.clear();
        } else if eq(op, "allcommands") || eq(op, "+@all") {
            self.bits.iter_mut().for_each(|w| *w = u64::MAX);
            self.all_commands = true;
            self.future = true;
            self.firstargs.clear();
        } else if eq(op, "nocommands") || eq(op, "-@all") {
            self.bits.iter_mut().for_each(|w| *w = 0);
            self.all_commands = false;
            self.future = false;
            self.firstargs.clear();
        } else if op[0] == b'~' || op[0] == b'%' {
            self.add_key_pattern(op)?;
        } else if op[0] == b'&' {
            if self.all_channels {
                return Err(RuleError::ChannelsAfterAll);
            }
            let pat = &op[1..];
            if has_spaces(pat) {
                return Err(RuleError::Syntax);
            }
            if !self.channels.iter().any(|c| c == pat) {
                self.channels.push(pat.to_vec());
            }
            self.all_channels = false;
        } else if op[0] == b'+' && op.get(1) != Some(&b'@') {
            self.allow_command(&op[1..])?;
        } else if op[0] == b'-' && op.get(1) != Some(&b'@') {
            let id = commands::lookup(&op[1..]).ok_or(RuleError::Unknown)?;
            self.change(id, false);
        } else if (op[0] == b'+' || op[0] == b'-') && op.get(1) == Some(&b'@') {
            let cat = category(&op[2..]).ok_or(RuleError::Unknown)?;
            self.change_category(cat, op[0] == b'+');
        } else {
            return Err(RuleError::Syntax);
        }
        Ok(())
    }

    fn add_key_pattern(&mut self, op: &[u8]) -> Result<(), RuleError> {
        if self.all_keys {
            return Err(RuleError::KeysAfterAll);
        }
        let mut flags = 0;
        let mut offset = 1;
        if op[0] == b'%' {
            while offset < op.len() {
                let c = op[offset].to_ascii_uppercase();
                if c == b'R' && flags & READ == 0 {
                    flags |= READ;
                } else if c == b'W' && flags & WRITE == 0 {
                    flags |= WRITE;
                } else if op[offset] == b'~' {
                    offset += 1;
                    break;
                } else {
                    return Err(RuleError::Syntax);
                }
                offset += 1;
            }
        } else {
            flags = ALL;
        }
        let pat = op.get(offset..).unwrap_or(b"");
        if has_spaces(pat) {
            return Err(RuleError::Syntax);
        }
        match self.patterns.iter_mut().find(|p| p.pattern == pat) {
            Some(p) => p.flags |= flags,
            None => self.patterns.push(KeyPattern {
                pattern: pat.to_vec(),
                flags,
            }),
        }
        self.all_keys = false;
        Ok(())
    }

    fn allow_command(&mut self, name: &[u8]) -> Result<(), RuleError> {
        let Some(bar) = name.iter().rposition(|&c| c == b'|') else {
            let id = commands::lookup(name).ok_or(RuleError::Unknown)?;
            self.change(id, true);
            return Ok(());
        };
        let (cmd, sub) = (&name[..bar], &name[bar + 1..]);
        let id = commands::lookup(cmd).ok_or(RuleError::Unknown)?;
        let info = commands::get(id).ok_or(RuleError::Unknown)?;
        if info.parent.is_some() {
            return Err(RuleError::SubcommandFirstArg);
        }
        if sub.is_empty() {
            return Err(RuleError::Syntax);
        }
        if !info.subs.is_empty() {
            let sid = commands::lookup(name).ok_or(RuleError::Unknown)?;
            self.change(sid, true);
            return Ok(());
        }
        match self.firstargs.iter_mut().find(|(i, _)| *i == id) {
            Some((_, list)) => {
                if !list.iter().any(|a| a.eq_ignore_ascii_case(sub)) {
                    list.push(sub.to_vec());
                }
            }
            None => self.firstargs.push((id, vec![sub.to_vec()])),
        }
        Ok(())
    }
}

/// One ACL user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// The user name.
    pub name: Vec<u8>,
    /// `on` (else `off`).
    pub enabled: bool,
    /// `nopass`: any password works.
    pub nopass: bool,
    /// `skip-sanitize-payload` (`Some(true)`), `sanitize-payload`
    /// (`Some(false)`), or neither.
    pub sanitize: Option<bool>,
    /// SHA-256 hex of each password, in the order added.
    pub passwords: Vec<String>,
    /// The root selector first, then the `(…)` ones.
    pub selectors: Vec<Selector>,
}

impl User {
    /// A new user as `ACL SETUSER` creates it: off, no password, nothing
    /// allowed (channels as `acl-pubsub-default` says).
    pub fn new(name: &[u8], all_channels: bool) -> User {
        User {
            name: name.to_vec(),
            enabled: false,
            nopass: false,
            sanitize: None,
            passwords: Vec::new(),
            selectors: vec![Selector::new(all_channels)],
        }
    }

    /// The `default` user of a fresh server: on, nopass, everything allowed.
    pub fn default_user() -> User {
        let mut u = User::new(b"default", false);
        for op in ["+@all", "~*", "&*", "on", "nopass"] {
            let _ = u.apply(op.as_bytes(), false);
        }
        u
    }

    /// The root selector.
    pub fn root(&self) -> &Selector {
        &self.selectors[0]
    }

    /// True when it can run anything on any key and channel without a check.
    pub fn unrestricted(&self) -> bool {
        let r = self.root();
        r.all_commands && r.all_keys && r.all_channels
    }

    /// True when `password` is one of its passwords (or it is `nopass`).
    pub fn password_ok(&self, password: &[u8]) -> bool {
        if self.nopass {
            return true;
        }
        let h = sha256::hex(password);
        // Compare every stored hash in full (no early exit on a byte).
        self.passwords.iter().fold(false, |found, p| {
            let diff = p.bytes().zip(h.bytes()).fold(0u8, |d, (a, b)| d | (a ^ b));
            found | (diff == 0 && p.len() == h.len())
        })
    }

    /// Applies one rule (`ACLSetUser`); `pubsub_all` is
    /// `acl-pubsub-default allchannels`.
    pub fn apply(&mut self, op: &[u8], pubsub_all: bool) -> Result<(), RuleError> {
        if op.is_empty() {
            return Ok(());
        }
        if eq(op, "on") {
            self.enabled = true;
        } else if eq(op, "off") {
            self.enabled = false;
        } else if eq(op, "skip-sanitize-payload") {
            self.sanitize = Some(true);
        } else if eq(op, "sanitize-payload") {
            self.sanitize = Some(false);
        } else if eq(op, "nopass") {
            self.nopass = true;
            self.passwords.clear();
        } else if eq(op, "resetpass") {
            self.nopass = false;
            self.passwords.clear();
        } else if op[0] == b'>' || op[0] == b'#' {
            let hash = if op[0] == b'>' {
                sha256::hex(&op[1..])
            } else {
                valid_hash(&op[1..])?
            };
            if !self.passwords.contains(&hash) {
                self.passwords.push(hash);
            }
            self.nopass = false;
        } else if op[0] == b'<' || op[0] == b'!' {
            let hash = if op[0] == b'<' {
                sha256::hex(&op[1..])
            } else {
                valid_hash(&op[1..])?
            };
            let at = self
                .passwords
                .iter()
                .position(|p| *p == hash)
                .ok_or(RuleError::NoSuchPassword)?;
            self.passwords.remove(at);
        } else if op[0] == b'(' && op[op.len() - 1] == b')' {
            let mut s = Selector::new(pubsub_all);
            let inner = &op[1..op.len() - 1];
            for word in split_args(inner).ok_or(RuleError::Syntax)? {
                s.apply(&word)?;
            }
            self.selectors.push(s);
        } else if eq(op, "clearselectors") {
            self.selectors.truncate(1);
        } else if eq(op, "reset") {
            for r in ["resetpass", "resetkeys", "resetchannels"] {
                self.apply(r.as_bytes(), pubsub_all)?;
            }
            if pubsub_all {
                self.apply(b"allchannels", pubsub_all)?;
            }
            for r in ["off", "sanitize-payload", "clearselectors", "-@all"] {
                self.apply(r.as_bytes(), pubsub_all)?;
            }
        } else {
            self.selectors[0].apply(op)?;
        }
        Ok(())
    }
}

fn valid_hash(h: &[u8]) -> Result<String, RuleError> {
    if h.len() != 64 || !h.iter().all(|c| matches!(c, b'a'..=b'f' | b'0'..=b'9')) {
        return Err(RuleError::BadHash);
    }
    Ok(String::from_utf8_lossy(h).into_owned())
}

/// Splits a selector's inside on spaces, with Redis's quoting
/// (`sdssplitargs`); `None` on unbalanced quotes.
pub fn split_args(s: &[u8]) -> Option<Vec<Vec<u8>>> {
    crate::base::text::split_args(s)
}

/// Joins selector rules spread over several words (`(~a` `+get)`) into
/// one, as `ACLMergeSelectorArguments`; the index of an unclosed `(` on
/// error.
pub fn merge_selectors(words: &[&[u8]]) -> Result<Vec<Vec<u8>>, usize> {
    let mut out = Vec::new();
    let mut open: Option<(usize, Vec<u8>)> = None;
    for (j, w) in words.iter().enumerate() {
        if let Some((_, sel)) = open.as_mut() {
            sel.push(b' ');
            sel.extend_from_slice(w);
            if w.last() == Some(&b')') {
                out.push(open.take().map(|(_, s)| s).unwrap_or_default());
            }
            continue;
        }
        if w.first() == Some(&b'(') && w.last() != Some(&b')') {
            open = Some((j, w.to_vec()));
            continue;
        }
        if w.first() == Some(&b'(') && w.len() == 1 {
            open = Some((j, w.to_vec()));
            continue;
        }
        out.push(w.to_vec());
    }
    match open {
        Some((j, _)) => Err(j),
        None => Ok(out),
    }
}
