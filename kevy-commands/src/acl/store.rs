//! The server's users, shared by every shard: an immutable table behind an
//! `Arc`, replaced whole by each change (`ACL SETUSER`, `requirepass`…)
//! with a version bump. A shard keeps its own `Arc` ([`Cache`]) and
//! refreshes it only when the version moved, so a check takes no lock;
//! the default user's "may do anything" state is one atomic the
//! per-command context reads ([`Acl::open`]).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use super::log::Log;
use super::user::{RuleError, User};

/// The users: stable ids (the default user is 0; a deleted user's id is
/// never reused) and names in byte order (Redis's radix tree order).
#[derive(Clone, Debug)]
pub struct Users {
    by_id: Vec<Option<Arc<User>>>,
    names: BTreeMap<Vec<u8>, usize>,
}

impl Default for Users {
    fn default() -> Users {
        let mut names = BTreeMap::new();
        names.insert(b"default".to_vec(), 0);
        Users {
            by_id: vec![Some(Arc::new(User::default_user()))],
            names,
        }
    }
}

impl Users {
    /// User `id`, unless deleted.
    #[inline]
    pub fn get(&self, id: usize) -> Option<&User> {
        self.by_id.get(id).and_then(|u| u.as_deref())
    }

    /// The id of user `name`.
    pub fn id(&self, name: &[u8]) -> Option<usize> {
        self.names.get(name).copied()
    }

    /// User `name`.
    pub fn by_name(&self, name: &[u8]) -> Option<&User> {
        self.id(name).and_then(|i| self.get(i))
    }

    /// Every user with its id, by name.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &User)> {
        self.names
            .values()
            .filter_map(|&i| self.get(i).map(|u| (i, u)))
    }

    /// The number of users.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when there is no user (never: `default` cannot go).
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Puts `u` under its name (a new id for a new name).
    pub fn put(&mut self, u: User) -> usize {
        match self.names.get(&u.name) {
            Some(&i) => {
                self.by_id[i] = Some(Arc::new(u));
                i
            }
            None => {
                let i = self.by_id.len();
                self.names.insert(u.name.clone(), i);
                self.by_id.push(Some(Arc::new(u)));
                i
            }
        }
    }

    /// Removes user `name`; its id if it existed.
    pub fn remove(&mut self, name: &[u8]) -> Option<usize> {
        let i = self.names.remove(name)?;
        self.by_id[i] = None;
        Some(i)
    }

    /// Applies `rules` to user `name` (a new one when absent) all or
    /// nothing, as `ACLStringSetUser`; the failing rule on error.
    pub fn set_user(
        &mut self,
        name: &[u8],
        rules: &[Vec<u8>],
        pubsub_all: bool,
    ) -> Result<usize, (Vec<u8>, RuleError)> {
        let mut u = match self.by_name(name) {
            Some(u) => u.clone(),
            None => User::new(name, pubsub_all),
        };
        for r in rules {
            u.apply(r, pubsub_all).map_err(|e| (r.clone(), e))?;
        }
        Ok(self.put(u))
    }
}

/// The ACL state of the server.
#[derive(Debug)]
pub struct Acl {
    users: Mutex<Arc<Users>>,
    version: AtomicU64,
    open: AtomicBool,
    no_auth: AtomicBool,
    /// The ACL log.
    pub log: Mutex<Log>,
    /// `acllog-max-len`.
    pub log_max: AtomicU64,
    /// `acl-pubsub-default allchannels`.
    pub pubsub_all: AtomicBool,
    protected: AtomicBool,
}

impl Default for Acl {
    fn default() -> Acl {
        Acl {
            users: Mutex::new(Arc::new(Users::default())),
            version: AtomicU64::new(1),
            open: AtomicBool::new(true),
            no_auth: AtomicBool::new(true),
            log: Mutex::new(Log::default()),
            log_max: AtomicU64::new(128),
            pubsub_all: AtomicBool::new(false),
            protected: AtomicBool::new(true),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

impl Acl {
    /// The current users.
    pub fn users(&self) -> Arc<Users> {
        lock(&self.users).clone()
    }

    /// Changes the users: `f` edits a copy, which replaces the table when
    /// it returns `Ok` (then every shard picks it up at its next check).
    pub fn modify<R, E>(&self, f: impl FnOnce(&mut Users) -> Result<R, E>) -> Result<R, E> {
        let mut g = lock(&self.users);
        let mut next = Users::clone(&g);
        let r = f(&mut next)?;
        let d = next.get(0);
        self.open.store(
            d.is_some_and(|d| d.enabled && d.unrestricted()),
            Ordering::Relaxed,
        );
        self.no_auth
            .store(d.is_some_and(|d| d.enabled && d.nopass), Ordering::Relaxed);
        *g = Arc::new(next);
        self.version.fetch_add(1, Ordering::Release);
        Ok(r)
    }

    /// The table's version (moves at every change).
    #[inline]
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    /// True when the default user is on and may run anything on anything:
    /// its connections skip the check.
    #[inline]
    pub fn open(&self) -> bool {
        self.open.load(Ordering::Relaxed)
    }

    /// True when connections need no `AUTH` (the default user is on and
    /// `nopass`: Redis's `authRequired` is false).
    #[inline]
    pub fn auth_free(&self) -> bool {
        self.no_auth.load(Ordering::Relaxed)
    }

    /// `requirepass`: the default user's password (`resetpass`, then
    /// `>password`, or `nopass` for an empty one).
    pub fn set_requirepass(&self, password: &str) {
        let _ = self.modify(|u| {
            let mut rules = vec![b"resetpass".to_vec()];
            if password.is_empty() {
                rules.push(b"nopass".to_vec());
            } else {
                rules.push([b">".as_slice(), password.as_bytes()].concat());
            }
            u.set_user(b"default", &rules, false).map(|_| ())
        });
    }

    /// Checks a user name and password (`ACLCheckUserCredentials`): the
    /// user's id when they match and it is on.
    pub fn authenticate(&self, name: &[u8], password: &[u8]) -> Option<usize> {
        let users = self.users();
        let id = users.id(name)?;
        let u = users.get(id)?;
        (u.enabled && u.password_ok(password)).then_some(id)
    }

    /// The name of user `id` (empty when deleted).
    pub fn name_of(&self, id: usize) -> Vec<u8> {
        self.users()
            .get(id)
            .map(|u| u.name.clone())
            .unwrap_or_default()
    }

    /// `protected-mode`.
    pub fn set_protected(&self, on: bool) {
        self.protected.store(on, Ordering::Relaxed);
    }

    /// `protected-mode yes`.
    pub fn protected(&self) -> bool {
        self.protected.load(Ordering::Relaxed)
    }

    /// Whether a new connection from `peer` (`None`: the Unix socket) is
    /// refused by protected mode: it is on, the default user has no
    /// password, and the client is not local (exactly `127.0.0.1` or `::1`,
    /// as Redis's `islocalClient`).
    pub fn refuses(&self, peer: Option<std::net::SocketAddr>) -> bool {
        if !self.protected() || !self.auth_free() {
            return false;
        }
        match peer {
            None => false,
            Some(a) => {
                let ip = match a.ip() {
                    std::net::IpAddr::V6(v6) => v6
                        .to_ipv4_mapped()
                        .map_or(std::net::IpAddr::V6(v6), std::net::IpAddr::V4),
                    v4 => v4,
                };
                ip != std::net::IpAddr::from([127, 0, 0, 1])
                    && ip != std::net::IpAddr::from(std::net::Ipv6Addr::LOCALHOST)
            }
        }
    }

    /// The ACL log, locked.
    pub fn log(&self) -> MutexGuard<'_, Log> {
        lock(&self.log)
    }
}

/// A shard's copy of the users, refreshed when the version moved.
#[derive(Debug, Default)]
pub struct Cache {
    version: u64,
    users: Arc<Users>,
}

impl Cache {
    /// The current users (one atomic load when unchanged).
    #[inline]
    pub fn get(&mut self, acl: &Acl) -> &Users {
        let v = acl.version();
        if v != self.version {
            self.users = acl.users();
            self.version = v;
        }
        &self.users
    }
}
