//! The configuration registry: every setting kevy knows, with Redis's names,
//! parsed and validated once here for both the server's config file / flags
//! and `CONFIG GET | SET | REWRITE`.
//!
//! A [`ConfigTable`] holds the current value of every [`Param`] as the
//! canonical text `CONFIG GET` shows. Settings with a live effect apply it
//! when set: connection settings go to the runtime's [`Settings`] (attached
//! by the first shard), hot settings read on every command (`slowlog-*`,
//! `latency-*`, `maxmemory*`, `lfu-*`) to lock-free atomics in [`Live`]. Settings that cannot
//! change while running are immutable, as in Redis; settings kevy does not
//! implement are refused with the reason, never accepted and ignored.
//!
//! `CONFIG` is not on the per-command path: the table sits behind a lock.

mod listen;
mod oom;
mod params;
mod rewrite;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use kevy_rt::Settings;

pub use listen::listen_addrs;
pub use params::{format_memory, memory, os_error, repr, Cx, Def, Kind, Param, PARAMS};

/// What `rename-command` lines do, installed by the command table (a layer
/// above this one: `table/rename.rs`) when the command set is made.
#[derive(Clone, Copy, Debug)]
pub struct RenameHooks {
    /// Applies one line (`old`, `new`), with Redis's error.
    pub rename: fn(&[u8], &[u8]) -> Result<(), String>,
    /// Puts the lines applied so far in force.
    pub seal: fn(),
}

static RENAMES: OnceLock<RenameHooks> = OnceLock::new();

/// Installs the `rename-command` hooks (once per process; later calls
/// change nothing).
pub fn install_rename_hooks(hooks: RenameHooks) {
    let _ = RENAMES.set(hooks);
}

/// `Param::flags`: cannot change while the server runs.
pub const IMMUTABLE: u32 = 1;
/// `Param::flags`: takes several words on a config-file line (`save 900 1`).
pub const WORDS: u32 = 2;
/// `Param::flags`: answered by name only, never matched by a `CONFIG GET`
/// glob (Redis's hidden settings, and kevy's own `threads`).
pub const HIDDEN: u32 = 4;
/// `Param::flags`: refused by `CONFIG SET` as Redis refuses its protected
/// settings unless `enable-protected-configs` allows the client (`yes`, or
/// `local` from a local connection); set from the config file or the
/// command line.
pub const PROTECTED: u32 = 8;
/// `Param::flags`: each config-file line adds to the value (`save 900 1`
/// then `save 300 10`), the first one replacing the built-in value;
/// `CONFIG SET` replaces it.
pub const ACCUMULATES: u32 = 16;
/// `Param::flags`: `CONFIG REWRITE` writes it even at its default (Redis
/// always writes `save`, so that the built-in rules are not assumed).
pub const ALWAYS_WRITTEN: u32 = 32;

/// The settings read on the per-command path, as atomics.
#[derive(Debug)]
pub struct Live {
    /// `slowlog-log-slower-than` in µs (negative: off).
    pub slowlog_slower_than: AtomicI64,
    /// `slowlog-max-len`.
    pub slowlog_max_len: AtomicU64,
    /// `latency-monitor-threshold` in ms (0: off).
    pub latency_threshold: AtomicU64,
    /// `latency-tracking`.
    pub latency_tracking: AtomicBool,
    /// `maxmemory`, `maxmemory-policy` and the other eviction settings,
    /// read by every shard (and the memory gauge).
    pub memory: Arc<crate::store::limits::Limits>,
    /// `maxmemory-clients`: bytes, or a percentage of `maxmemory`.
    pub client_memory: AtomicU64,
    /// `maxmemory-clients` is a percentage.
    pub client_memory_pct: AtomicBool,
    /// The users and the ACL log (`requirepass`, `acllog-max-len`,
    /// `acl-pubsub-default` change them).
    pub acl: Arc<crate::acl::Acl>,
}

impl Default for Live {
    fn default() -> Live {
        Live {
            slowlog_slower_than: AtomicI64::new(10_000),
            slowlog_max_len: AtomicU64::new(128),
            latency_threshold: AtomicU64::new(0),
            latency_tracking: AtomicBool::new(true),
            memory: Arc::new(crate::store::limits::Limits::new()),
            client_memory: AtomicU64::new(0),
            client_memory_pct: AtomicBool::new(false),
            acl: Arc::new(crate::acl::Acl::default()),
        }
    }
}

type Hook = Box<dyn Fn(&str) + Send + Sync>;

struct State {
    /// By index into [`PARAMS`].
    values: Vec<String>,
    /// The file the server started from (`CONFIG REWRITE` target).
    file: Option<PathBuf>,
    /// Users declared by `user` lines so far (each may be declared once).
    users: Vec<Vec<u8>>,
    /// Settings whose lines accumulate (`save`) that a line has set: the
    /// first line replaces the built-in value, later ones add to it.
    accumulated: Vec<usize>,
}

/// Why a `CONFIG SET` failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SetError {
    /// No such setting (the name as given).
    Unknown(Vec<u8>),
    /// The setting (name as given) refused its value, with Redis's reason.
    Failed(Vec<u8>, String),
}

impl SetError {
    /// The error reply's text, as Redis 7.0 words it.
    pub fn message(&self) -> Vec<u8> {
        let mut m = Vec::new();
        match self {
            SetError::Unknown(name) => {
                m.extend_from_slice(
                    b"ERR Unknown option or number of arguments for CONFIG SET - '",
                );
                m.extend_from_slice(name);
                m.push(b'\'');
            }
            SetError::Failed(name, why) => {
                m.extend_from_slice(b"ERR CONFIG SET failed (possibly related to argument '");
                m.extend_from_slice(name);
                m.extend_from_slice(b"') - ");
                m.extend_from_slice(why.as_bytes());
            }
        }
        m
    }
}

/// Every setting's current value, shared by all shards and the server.
pub struct ConfigTable {
    state: RwLock<State>,
    live: Live,
    settings: OnceLock<Arc<Settings>>,
    hooks: Mutex<Vec<(&'static str, Hook)>>,
    oom: oom::Oom,
}

impl std::fmt::Debug for ConfigTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfigTable").finish_non_exhaustive()
    }
}

impl Default for ConfigTable {
    fn default() -> ConfigTable {
        ConfigTable::new()
    }
}

/// Whether a protected command (DEBUG, MODULE) may run, or a protected
/// setting be changed, by its `enable-…` setting: `yes`, or `local` for a
/// caller on the Unix socket or a loopback address (`local`).
pub fn protected_enabled(setting: Option<&str>, local: bool) -> bool {
    match setting {
        Some("yes") => true,
        Some("local") => local,
        _ => false,
    }
}

/// A `CONFIG SET`'s view of one setting: its new value when the call sets
/// it (its position among the call's settings `idx`, new values `new`),
/// else its current one (`values`, every setting's).
fn value_in_set(name: &str, idx: &[usize], new: &[String], values: &[String]) -> String {
    match idx.iter().position(|&i| PARAMS[i].name == name) {
        Some(k) => new[k].clone(),
        None => find(name.as_bytes())
            .and_then(|i| values.get(i).cloned())
            .unwrap_or_default(),
    }
}

/// The index of setting `name` (or an alias), case-insensitively.
pub fn find(name: &[u8]) -> Option<usize> {
    entry(name).map(|(i, _)| i)
}

/// The index of setting `name` (or an alias), case-insensitively, and the
/// name it is registered under (the alias when `name` is one), which Redis
/// names in its errors.
pub fn entry(name: &[u8]) -> Option<(usize, &'static str)> {
    PARAMS.iter().enumerate().find_map(|(i, p)| {
        std::iter::once(p.name)
            .chain(p.alias)
            .find(|n| n.as_bytes().eq_ignore_ascii_case(name))
            .map(|n| (i, n))
    })
}

impl ConfigTable {
    /// Every setting at its default.
    pub fn new() -> ConfigTable {
        ConfigTable {
            state: RwLock::new(State {
                values: PARAMS.iter().map(|p| p.default_value()).collect(),
                file: None,
                users: Vec::new(),
                accumulated: Vec::new(),
            }),
            live: Live::default(),
            settings: OnceLock::new(),
            hooks: Mutex::new(Vec::new()),
            oom: oom::Oom::default(),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        match self.state.read() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        match self.state.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// The hot settings.
    #[inline]
    pub fn live(&self) -> &Live {
        &self.live
    }

    /// The runtime's settings, once a shard attached them.
    pub fn settings(&self) -> Option<&Arc<Settings>> {
        self.settings.get()
    }

    /// Connects the runtime's live settings (done by each shard as it
    /// starts; the first one wins) and brings them to the table's values.
    pub fn attach(&self, settings: &Arc<Settings>) {
        if self.settings.set(settings.clone()).is_ok() {
            let values = self.read().values.clone();
            for (p, v) in PARAMS.iter().zip(values.iter()) {
                if p.apply.is_some() {
                    let _ = self.apply(p, v);
                }
            }
            self.sync_client_memory();
        }
    }

    /// Calls `f` with the new value whenever `name` is set by `CONFIG SET`.
    pub fn on_change(&self, name: &'static str, f: impl Fn(&str) + Send + Sync + 'static) {
        match self.hooks.lock() {
            Ok(mut h) => h.push((name, Box::new(f))),
            Err(p) => p.into_inner().push((name, Box::new(f))),
        }
    }

    /// The current value of `name` (canonical text), if it is a setting.
    pub fn get(&self, name: &str) -> Option<String> {
        let i = find(name.as_bytes())?;
        let p = &PARAMS[i];
        if let Some(get) = p.get {
            return Some(get());
        }
        self.read().values.get(i).map(|v| shown(p.name, v))
    }

    /// The current value of an integer setting (0 when it is not one).
    pub fn get_i64(&self, name: &str) -> i64 {
        self.get(name).and_then(|v| v.parse().ok()).unwrap_or(0)
    }

    /// True when a yes/no setting is `yes`.
    pub fn get_bool(&self, name: &str) -> bool {
        self.get(name).is_some_and(|v| v == "yes")
    }

    /// Settings matching any of `patterns`, as Redis's `CONFIG GET`: an
    /// exact name (or alias, or hidden setting) as given; a glob matched
    /// case-insensitively against every name and alias that is not hidden,
    /// an alias listed beside its setting. Each name once
    /// (case-insensitively), in the order of the patterns (a glob's matches
    /// in table order): `(name, value)`.
    pub fn matching(&self, patterns: &[&[u8]]) -> Vec<(Vec<u8>, String)> {
        let state = self.read();
        let mut out: Vec<(usize, Vec<u8>)> = Vec::new();
        let seen = |out: &[(usize, Vec<u8>)], name: &[u8]| {
            out.iter().any(|(_, n)| n.eq_ignore_ascii_case(name))
        };
        for pat in patterns {
            let glob = pat.iter().any(|c| matches!(c, b'*' | b'?' | b'['));
            if !glob {
                if !seen(&out, pat) {
                    if let Some(i) = find(pat) {
                        out.push((i, pat.to_vec()));
                    }
                }
                continue;
            }
            for (i, p) in PARAMS.iter().enumerate() {
                if p.flags & HIDDEN != 0 {
                    continue;
                }
                for name in std::iter::once(p.name).chain(p.alias) {
                    let name = name.as_bytes();
                    if !seen(&out, name) && crate::base::glob::stringmatch(pat, name, true) {
                        out.push((i, name.to_vec()));
                    }
                }
            }
        }
        out.into_iter()
            .map(|(i, name)| {
                let v = match PARAMS[i].get {
                    Some(get) => get(),
                    None => shown(PARAMS[i].name, &state.values[i]),
                };
                (name, v)
            })
            .collect()
    }

    /// Sets one directive from a config file or a command-line flag
    /// (`name` lowercase, `words` its arguments). Immutable settings are
    /// allowed here: the server is not running yet.
    pub fn load(&self, name: &str, words: &[&str]) -> Result<(), String> {
        if name == "user" {
            return self.load_user(words);
        }
        if name == "rename-command" {
            let [old, new] = words else {
                return Err("Bad directive or wrong number of arguments".into());
            };
            return match RENAMES.get() {
                Some(hooks) => (hooks.rename)(old.as_bytes(), new.as_bytes()),
                None => Err("'rename-command' is not supported here".into()),
            };
        }
        if let Some(why) = params::refused(name) {
            return Err(why);
        }
        let Some(i) = find(name.as_bytes()) else {
            return Err("Bad directive or wrong number of arguments".into());
        };
        let p = &PARAMS[i];
        if p.flags & WORDS == 0 && words.len() != 1 {
            return Err("wrong number of arguments".into());
        }
        let state = self.read();
        // A first line of an accumulating setting starts from nothing.
        let first = p.flags & ACCUMULATES != 0 && !state.accumulated.contains(&i);
        let v = p.parse(&Cx {
            cur: if first { "" } else { &state.values[i] },
            words,
            file: true,
            values: &state.values,
        })?;
        drop(state);
        if first {
            self.write().accumulated.push(i);
        }
        if let Some(set) = p.set {
            set(&v)?;
        }
        self.write().values[i] = v.clone();
        if self.settings.get().is_some() && p.apply.is_some() {
            self.apply(p, &v)?;
        }
        self.live_update(p, &v);
        Ok(())
    }

    /// Puts the configuration's `rename-command`s in force for the
    /// process's life (`table/rename.rs`): once the configuration is
    /// loaded, before any command runs.
    pub fn seal_renames(&self) {
        if let Some(hooks) = RENAMES.get() {
            (hooks.seal)();
        }
    }

    /// A `user name rules…` line: creates or changes the user, all or
    /// nothing, with Redis's error for the first bad rule.
    fn load_user(&self, words: &[&str]) -> Result<(), String> {
        let Some((name, rules)) = words.split_first() else {
            return Err("wrong number of arguments".into());
        };
        if name.bytes().any(|c| c.is_ascii_whitespace() || c == 0) {
            return Err("Usernames can't contain spaces or null characters".into());
        }
        if self.read().users.iter().any(|u| u == name.as_bytes()) {
            return Err(format!(
                "Error in user declaration '{name}': Duplicate user found. \
                 A user can only be defined once in config files"
            ));
        }
        // A declared user starts from nothing, as Redis's
        // `ACLLoadConfiguredUsers` resets it first (the default user too).
        let rules: Vec<&[u8]> = std::iter::once(b"reset".as_slice())
            .chain(rules.iter().map(|r| r.as_bytes()))
            .collect();
        let merged = crate::acl::user::merge_selectors(&rules).map_err(|i| {
            format!(
                "Unmatched parenthesis in acl selector starting at '{}'.",
                String::from_utf8_lossy(rules[i])
            )
        })?;
        let acl = &self.live.acl;
        let all = acl.pubsub_all.load(Ordering::Relaxed);
        acl.modify(|u| u.set_user(name.as_bytes(), &merged, all))
            .map(|_| self.write().users.push(name.as_bytes().to_vec()))
            .map_err(|(r, e)| {
                format!(
                    "Error in user declaration '{}': {}",
                    String::from_utf8_lossy(&r),
                    e.message()
                )
            })
    }

    /// `CONFIG SET name value [name value …]`: all or nothing, as Redis 7.
    /// Every name is checked first (the first unknown, immutable or
    /// duplicate one fails the command, named as given), then every value
    /// is parsed (a failure names the setting as registered: lowercase, the
    /// alias when one was used), then the effects apply; a failure puts the
    /// old values back. A setting and its alias are not duplicates (Redis
    /// registers them apart): the later one wins.
    /// `local`: the client is on a local connection (loopback or Unix
    /// socket), for `enable-protected-configs local`.
    pub fn set(&self, pairs: &[(&[u8], &[u8])], local: bool) -> Result<(), SetError> {
        let protected_ok =
            protected_enabled(self.get("enable-protected-configs").as_deref(), local);
        let mut idx = Vec::with_capacity(pairs.len());
        let mut names: Vec<&'static str> = Vec::with_capacity(pairs.len());
        for (name, _) in pairs {
            let Some((i, registered)) = entry(name) else {
                return Err(SetError::Unknown(name.to_vec()));
            };
            let flags = PARAMS[i].flags;
            if flags & IMMUTABLE != 0 || (flags & PROTECTED != 0 && !protected_ok) {
                let why = if flags & IMMUTABLE != 0 {
                    "can't set immutable config"
                } else {
                    "can't set protected config"
                };
                return Err(SetError::Failed(name.to_vec(), why.into()));
            }
            if names.contains(&registered) {
                return Err(SetError::Failed(
                    name.to_vec(),
                    "duplicate parameter".into(),
                ));
            }
            idx.push(i);
            names.push(registered);
        }
        let mut state = self.write();
        let old: Vec<String> = idx.iter().map(|&i| state.values[i].clone()).collect();
        let mut new = Vec::with_capacity(idx.len());
        for (k, &i) in idx.iter().enumerate() {
            let p = &PARAMS[i];
            let value = String::from_utf8_lossy(pairs[k].1);
            let words: Vec<&str> = if p.flags & WORDS != 0 {
                value.split_whitespace().collect()
            } else {
                vec![&*value]
            };
            let cx = Cx {
                cur: &old[k],
                words: &words,
                file: false,
                values: &state.values,
            };
            match p.parse(&cx) {
                Ok(v) => new.push(v),
                Err(why) => return Err(SetError::Failed(names[k].as_bytes().to_vec(), why)),
            }
        }
        // Effects, undone in reverse on the first failure.
        for k in 0..idx.len() {
            let p = &PARAMS[idx[k]];
            let done = match p.set {
                Some(set) => set(&new[k]),
                None => Ok(()),
            }
            .and_then(|()| self.apply(p, &new[k]));
            if let Err(why) = done {
                self.undo(&idx[..k], &old);
                return Err(SetError::Failed(names[k].as_bytes().to_vec(), why));
            }
        }
        if let Err((k, why)) = self.oom_adjust(&idx, &new, &state.values) {
            self.undo(&idx, &old);
            let _ = self.oom_adjust(&idx, &old, &state.values);
            return Err(SetError::Failed(names[k].as_bytes().to_vec(), why));
        }
        if let Err((k, why)) = self.relisten(&idx, &old, &new, &state.values) {
            self.undo(&idx, &old);
            let _ = self.oom_adjust(&idx, &old, &state.values);
            return Err(SetError::Failed(names[k].as_bytes().to_vec(), why));
        }
        for (k, &i) in idx.iter().enumerate() {
            state.values[i] = new[k].clone();
            self.live_update(&PARAMS[i], &new[k]);
        }
        drop(state);
        let hooks = match self.hooks.lock() {
            Ok(h) => h,
            Err(p) => p.into_inner(),
        };
        for (k, &i) in idx.iter().enumerate() {
            for (name, f) in hooks.iter() {
                if *name == PARAMS[i].name {
                    f(&new[k]);
                }
            }
        }
        Ok(())
    }

    /// Undoes the effects of the settings at `idx` (their old values
    /// `old`), last first: a `CONFIG SET` that failed after them.
    fn undo(&self, idx: &[usize], old: &[String]) {
        for (j, &i) in idx.iter().enumerate().rev() {
            let q = &PARAMS[i];
            if let Some(set) = q.set {
                let _ = set(&old[j]);
            }
            let _ = self.apply(q, &old[j]);
        }
    }

    /// Brings the runtime's settings in line with `p`'s value `v`.
    fn apply(&self, p: &Param, v: &str) -> Result<(), String> {
        match (self.settings.get(), p.apply) {
            (Some(s), Some(apply)) => apply(s, v),
            _ => Ok(()),
        }
    }

    fn live_update(&self, p: &Param, v: &str) {
        let l = &self.live;
        match p.name {
            "slowlog-log-slower-than" => l
                .slowlog_slower_than
                .store(v.parse().unwrap_or(10_000), Ordering::Relaxed),
            "slowlog-max-len" => l
                .slowlog_max_len
                .store(v.parse().unwrap_or(128), Ordering::Relaxed),
            "latency-monitor-threshold" => l
                .latency_threshold
                .store(v.parse().unwrap_or(0), Ordering::Relaxed),
            "latency-tracking" => l.latency_tracking.store(v == "yes", Ordering::Relaxed),
            "maxmemory-clients" => {
                let (n, pct) = match v.strip_suffix('%') {
                    Some(p) => (p.parse().unwrap_or(0), true),
                    None => (v.parse().unwrap_or(0), false),
                };
                l.client_memory.store(n, Ordering::Relaxed);
                l.client_memory_pct.store(pct, Ordering::Relaxed);
                self.sync_client_memory();
            }
            "client-query-buffer-limit" => {
                if let Some(settings) = self.settings.get() {
                    settings.set_max_query_buffer(v.parse().unwrap_or(u64::MAX));
                }
            }
            "proto-max-bulk-len" => {
                if let Some(settings) = self.settings.get() {
                    settings.set_max_bulk_len(v.parse().unwrap_or(u64::MAX));
                }
            }
            "requirepass" => l.acl.set_requirepass(v),
            "protected-mode" => l.acl.set_protected(v == "yes"),
            "acllog-max-len" => l
                .acl
                .log_max
                .store(v.parse().unwrap_or(128), Ordering::Relaxed),
            "acl-pubsub-default" => l
                .acl
                .pubsub_all
                .store(v == "allchannels", Ordering::Relaxed),
            name => {
                l.memory.update(name, v);
                if name == "maxmemory" {
                    self.sync_client_memory();
                    // Every shard evicts its share at once (Redis's
                    // `updateMaxmemory` runs `performEvictions`).
                    l.memory.note_goal();
                    if let Some(settings) = self.settings.get() {
                        settings.nudge();
                    }
                }
            }
        }
    }

    /// Hands `maxmemory-clients` to the runtime in bytes: a size, or a
    /// percentage of `maxmemory` (no limit while `maxmemory` is 0).
    fn sync_client_memory(&self) {
        let Some(settings) = self.settings.get() else {
            return;
        };
        // Called with the state locked: reads only the live copies.
        let n = self.live.client_memory.load(Ordering::Relaxed);
        let bytes = if self.live.client_memory_pct.load(Ordering::Relaxed) {
            self.live.memory.maxmemory() / 100 * n
        } else {
            n
        };
        settings.set_max_client_memory(bytes);
    }

    /// Records the config file the server started from (absolute).
    pub fn set_file(&self, path: &Path) {
        self.write().file = Some(path.to_path_buf());
    }

    /// The config file the server started from.
    pub fn file(&self) -> Option<PathBuf> {
        self.read().file.clone()
    }

    /// `CONFIG REWRITE`: rewrites the config file in place, Redis-style;
    /// `all` writes the settings at their default too.
    pub fn rewrite(&self, all: bool) -> Result<(), String> {
        let state = self.read();
        let Some(path) = state.file.clone() else {
            return Err("ERR The server is running without a config file".into());
        };
        let old = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(format!("ERR Rewriting config file: {e}")),
        };
        let text = rewrite::rewrite(&old, &state.values, all);
        drop(state);
        rewrite::replace_file(&path, &text).map_err(|e| format!("ERR Rewriting config file: {e}"))
    }
}

/// A setting's value as `CONFIG GET` shows it: as kept, but for
/// `notify-keyspace-events`, whose kept text names `n` even after `A`
/// (Redis keeps the flag but does not show it there).
fn shown(name: &str, v: &str) -> String {
    match name {
        "notify-keyspace-events" => {
            crate::store::signal::flags_text(crate::store::signal::flags_of(v).unwrap_or(0))
        }
        _ => v.to_string(),
    }
}

#[cfg(test)]
mod tests;
