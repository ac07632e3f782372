//! The ACL log (`ACL LOG`): denied commands, keys, channels and failed
//! authentications, newest first; an event like one of the 10 newest
//! entries within a minute bumps that entry's count instead, as Redis's
//! `addACLLogEntry`.

use std::collections::VecDeque;

/// Entries closer in time than this are merged (ms).
const GROUPING_MS: u64 = 60_000;
/// How many of the newest entries a new event is compared with.
const SCAN: usize = 10;

/// Why an entry was logged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// A command was denied.
    Command,
    /// A key was denied.
    Key,
    /// A channel was denied.
    Channel,
    /// Authentication failed.
    Auth,
}

impl Reason {
    /// The word `ACL LOG` shows.
    pub fn name(self) -> &'static str {
        match self {
            Reason::Command => "command",
            Reason::Key => "key",
            Reason::Channel => "channel",
            Reason::Auth => "auth",
        }
    }
}

/// Where the denied command ran (the log's `context`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    /// Sent by the client.
    Toplevel,
    /// Queued in a transaction.
    Multi,
    /// Called by a script.
    Lua,
}

impl Context {
    /// The word `ACL LOG` shows.
    pub fn name(self) -> &'static str {
        match self {
            Context::Toplevel => "toplevel",
            Context::Multi => "multi",
            Context::Lua => "lua",
        }
    }
}

/// One entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Events merged into it.
    pub count: u64,
    /// Why.
    pub reason: Reason,
    /// Where the command ran.
    pub context: Context,
    /// The command, key or channel refused.
    pub object: Vec<u8>,
    /// The user.
    pub username: Vec<u8>,
    /// When (ms since the epoch), of the last event merged.
    pub ctime: u64,
    /// The client's `CLIENT LIST` line (last event's).
    pub client_info: Vec<u8>,
}

/// The log, newest first.
#[derive(Debug, Default)]
pub struct Log {
    entries: VecDeque<Entry>,
}

impl Log {
    /// Records an event, keeping at most `max` entries.
    pub fn add(&mut self, e: Entry, max: usize) {
        let found = self.entries.iter().take(SCAN).position(|c| {
            c.reason == e.reason
                && c.context == e.context
                && c.ctime.abs_diff(e.ctime) <= GROUPING_MS
                && c.object == e.object
                && c.username == e.username
        });
        if let Some(i) = found {
            if let Some(mut m) = self.entries.remove(i) {
                m.count += 1;
                m.ctime = e.ctime;
                m.client_info = e.client_info;
                self.entries.push_front(m);
            }
            return;
        }
        self.entries.push_front(e);
        self.entries.truncate(max);
    }

    /// The newest `n` entries.
    pub fn newest(&self, n: usize) -> impl Iterator<Item = &Entry> {
        self.entries.iter().take(n)
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// `ACL LOG RESET`.
    pub fn clear(&mut self) {
        self.entries.clear();
    }
}
