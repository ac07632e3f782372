//! `rename-command old new` (a config-file directive, as in Redis): a
//! command taken out of the table under its name and, unless `new` is
//! empty, put back under `new`. The lines are applied in order while the
//! configuration loads ([`Renames::rename`]), then sealed for the server's
//! life ([`seal`]) before any command runs: a server without renames pays
//! one atomic load a lookup, and one with renames a scan of its few
//! renamed names.
//!
//! What is renamed is the verb clients, `MULTI` and scripts send; a
//! command's own name (in `COMMAND`, `INFO commandstats`, ACL categories)
//! stays the original one. The configuration (a layer below) reaches this
//! through [`hooks`]; the lines it applies wait in a process-wide list
//! until sealed (one server a process reads a configuration file).

use std::sync::{Mutex, OnceLock};

use super::Spec;

/// The renames of a configuration.
#[derive(Default)]
pub struct Renames {
    /// Commands no longer found under their own name.
    hidden: Vec<&'static Spec>,
    /// New names (lowercase) and the commands they find.
    added: Vec<(Vec<u8>, &'static Spec)>,
}

impl std::fmt::Debug for Renames {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let added: Vec<(String, &str)> = self
            .added
            .iter()
            .map(|(n, s)| (String::from_utf8_lossy(n).into_owned(), s.name))
            .collect();
        let hidden: Vec<&str> = self.hidden.iter().map(|s| s.name).collect();
        f.debug_struct("Renames")
            .field("hidden", &hidden)
            .field("added", &added)
            .finish()
    }
}

/// The renames in force, once sealed.
static SEALED: OnceLock<Renames> = OnceLock::new();

/// The configuration's lines applied so far, not yet sealed.
static PENDING: Mutex<Renames> = Mutex::new(Renames {
    hidden: Vec::new(),
    added: Vec::new(),
});

/// The configuration's way in ([`crate::config::RenameHooks`]).
pub fn hooks() -> crate::config::RenameHooks {
    crate::config::RenameHooks {
        rename: |old, new| {
            let mut pending = PENDING.lock().unwrap_or_else(|p| p.into_inner());
            pending.rename(old, new)
        },
        seal: || {
            let mut pending = PENDING.lock().unwrap_or_else(|p| p.into_inner());
            seal(std::mem::take(&mut *pending));
        },
    }
}

impl Renames {
    /// Applies `rename-command old new` (`new` empty: the command is only
    /// removed), with Redis's errors: `old` must name a command as the
    /// table stands (renames so far applied), `new` must not.
    pub fn rename(&mut self, old: &[u8], new: &[u8]) -> Result<(), String> {
        let Some(spec) = self.find(old) else {
            return Err("No such command in rename-command".into());
        };
        // Taken out first (as Redis does), so `rename-command get get`
        // stands; put back when the new name is taken.
        let added = self
            .added
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case(old))
            .map(|at| self.added.remove(at));
        if added.is_none() {
            self.hidden.push(spec);
        }
        if !new.is_empty() {
            if self.find(new).is_some() {
                match added {
                    Some(a) => self.added.push(a),
                    None => {
                        self.hidden.pop();
                    }
                }
                return Err("Target command name already exists".into());
            }
            self.added.push((new.to_ascii_lowercase(), spec));
        }
        Ok(())
    }

    /// Whether nothing is renamed.
    pub fn is_empty(&self) -> bool {
        self.hidden.is_empty() && self.added.is_empty()
    }

    /// The command `verb` names with these renames.
    pub(super) fn find(&self, verb: &[u8]) -> Option<&'static Spec> {
        if let Some(&(_, spec)) = self
            .added
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(verb))
        {
            return Some(spec);
        }
        let spec = super::lookup_own(verb)?;
        (!self.hidden.iter().any(|h| std::ptr::eq(*h, spec))).then_some(spec)
    }
}

/// Puts `renames` in force for the process's life (false when some
/// already are, or there are none).
pub fn seal(renames: Renames) -> bool {
    !renames.is_empty() && SEALED.set(renames).is_ok()
}

/// The renames in force, if any.
#[inline]
pub(super) fn sealed() -> Option<&'static Renames> {
    SEALED.get()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renames_apply_in_order_with_redis_errors() {
        let mut r = Renames::default();
        r.rename(b"flushdb", b"badger").expect("renamed");
        assert!(r.find(b"flushdb").is_none());
        assert_eq!(r.find(b"BADGER").map(|s| s.name), Some("flushdb"));
        // A renamed command is renamed again under its new name only.
        assert_eq!(
            r.rename(b"flushdb", b"x"),
            Err("No such command in rename-command".into())
        );
        r.rename(b"badger", b"otter").expect("renamed again");
        assert!(r.find(b"badger").is_none());
        assert_eq!(r.find(b"otter").map(|s| s.name), Some("flushdb"));
        // Removed, then its name reused.
        r.rename(b"set", b"").expect("removed");
        assert!(r.find(b"set").is_none());
        assert_eq!(
            r.rename(b"get", b"del"),
            Err("Target command name already exists".into())
        );
        r.rename(b"get", b"set").expect("renamed to a free name");
        assert_eq!(r.find(b"set").map(|s| s.name), Some("get"));
        assert!(r.find(b"get").is_none());
        assert_eq!(r.find(b"ping").map(|s| s.name), Some("ping"));
        assert_eq!(
            r.rename(b"nosuchcommand", b"x"),
            Err("No such command in rename-command".into())
        );
    }
}
