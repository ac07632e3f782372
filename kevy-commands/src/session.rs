//! A connection's state ([`Session`], kept on its shard) and the part of it
//! a command carries to other shards ([`Ctx`]).

use std::net::SocketAddr;

use kevy_rt::ClientFacts;

use crate::accounting::names::ClientName;
use crate::accounting::Who;

/// Per-connection state.
#[derive(Debug, Default)]
pub struct Session {
    /// The selected database.
    pub db: usize,
    /// The connection id.
    pub id: u64,
    /// The client's address (TCP).
    pub peer: Option<SocketAddr>,
    /// It came through the Unix socket.
    pub unix: bool,
    /// `CLIENT SETNAME`.
    pub name: Option<ClientName>,
    /// `CLIENT NO-EVICT on`.
    pub no_evict: bool,
    /// It ran `MONITOR`.
    pub monitor: bool,
    /// Replies are in RESP3 (`HELLO 3`).
    pub resp3: bool,
    /// `CLIENT REPLY OFF`.
    pub reply_off: bool,
    /// The current command's reply is dropped (`CLIENT REPLY SKIP` before it).
    reply_skip: bool,
    /// The next command's reply is dropped (`CLIENT REPLY SKIP` ran now).
    reply_skip_next: bool,
    /// Its pub/sub subscriptions.
    pub pubsub: crate::shard::pubsub::Subs,
    /// It has a subscription (subscribed mode).
    pub subscribed: bool,
    /// `MULTI` ran: commands are queued here until `EXEC` or `DISCARD`.
    pub multi: Option<Multi>,
    /// The keys `WATCH`ed: database and key (Redis's `c->watched_keys`).
    pub watched: Vec<(u32, Vec<u8>)>,
    /// Client-side caching (`CLIENT TRACKING ON`), if on.
    pub tracking: Option<Tracking>,
    /// This connection's push handle.
    pub conn: Option<kevy_rt::ConnHandle>,
    /// The ACL user's id (0: `default`).
    pub user: usize,
    /// It authenticated (or needed not: the default user was `nopass`
    /// when it connected).
    pub authenticated: bool,
    /// `user == 0 && authenticated` (the ACL fast path's one load).
    pub default_user: bool,
    /// The script being restarted runs with every shard locked (set by
    /// `Commands::restart`, taken when it is planned again).
    pub script_global: bool,
    /// `SCRIPT DEBUG`: its next `EVAL` starts a debugging session.
    pub script_debug: ScriptDebug,
}

/// A connection's `SCRIPT DEBUG` mode.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ScriptDebug {
    /// No debugging (`SCRIPT DEBUG NO`, the default).
    #[default]
    Off,
    /// `SCRIPT DEBUG YES`: a session whose writes are undone at its end
    /// (Redis: a forked child's).
    Yes,
    /// `SCRIPT DEBUG SYNC`.
    Sync,
}

/// A connection's `CLIENT TRACKING` state.
#[derive(Debug, Default, Clone)]
pub struct Tracking {
    /// The redirect target's id (0: none).
    pub redirect: u64,
    /// Where invalidations go.
    pub target: Option<kevy_rt::ConnHandle>,
    /// BCAST mode.
    pub bcast: bool,
    /// OPTIN mode.
    pub optin: bool,
    /// OPTOUT mode.
    pub optout: bool,
    /// NOLOOP.
    pub noloop: bool,
    /// `CLIENT CACHING` applies to this command.
    pub caching: bool,
    /// `CLIENT CACHING` was just given: applies to the next command.
    pub caching_next: bool,
    /// The BCAST prefixes.
    pub prefixes: Vec<Vec<u8>>,
    /// An invalidation found the redirect target gone (flag `R`; set
    /// where the message is rendered, on this connection's shard).
    pub broken: std::cell::Cell<bool>,
}

/// A transaction being queued (`MULTI` … `EXEC`).
#[derive(Debug, Default)]
pub struct Multi {
    /// The queued commands, in order (verb and arguments).
    pub queue: Vec<kevy_rt::OwnedArgs>,
    /// A command was refused while queuing: `EXEC` aborts (`EXECABORT`).
    pub dirty: bool,
}

impl Session {
    /// What the queued transaction and the watched keys hold (`CLIENT
    /// LIST`'s `multi-mem`, Redis's `multiStateMemOverhead`): the queued
    /// arguments with a pointer each, a slot per queued command, a list
    /// entry per watched key.
    pub fn multi_memory(&self) -> usize {
        /// `sizeof(multiCmd)`.
        const CMD: usize = 24;
        /// `sizeof(listNode) + sizeof(watchedKey)`.
        const WATCHED: usize = 56;
        let queued = self.multi.as_ref().map_or(0, |m| {
            m.queue
                .iter()
                .map(|a| CMD + a.args().iter().map(|x| x.len() + 8).sum::<usize>())
                .sum()
        });
        queued + self.watched.len() * WATCHED
    }

    /// Bytes the session holds besides its connection's buffers, counted
    /// for client eviction: [`Session::multi_memory`], the subscriptions (a
    /// table entry and the name each, as Redis counts its clients' pub/sub
    /// dictionaries) and the BCAST tracking prefixes (a radix-tree entry
    /// and the prefix each).
    pub fn memory(&self) -> usize {
        /// A prefix's entry in the client's prefix tree.
        const PREFIX: usize = 48;
        let prefixes = self.tracking.as_ref().map_or(0, |t| {
            t.prefixes.iter().map(|p| PREFIX + p.len()).sum::<usize>()
        });
        self.multi_memory() + self.pubsub.memory() + prefixes
    }

    /// The session of a new connection.
    pub fn new(client: &ClientFacts) -> Session {
        Session {
            id: client.id,
            peer: client.peer,
            unix: client.unix,
            ..Session::default()
        }
    }

    /// Sets who the connection is (ACL user id, authenticated).
    pub fn set_user(&mut self, user: usize, authenticated: bool) {
        self.user = user;
        self.authenticated = authenticated;
        self.default_user = user == 0 && authenticated;
    }

    /// The connection's name, if it has one.
    pub fn name(&self) -> Option<&[u8]> {
        self.name.as_ref().map(ClientName::bytes)
    }

    /// Asks for the next command's reply to be dropped (`CLIENT REPLY SKIP`,
    /// which does nothing while replies are off).
    pub fn skip_next_reply(&mut self) {
        if !self.reply_off {
            self.reply_skip_next = true;
        }
    }

    /// Turns replies back on (`CLIENT REPLY ON`).
    pub fn replies_on(&mut self) {
        self.reply_off = false;
        self.reply_skip = false;
    }

    /// True when the current command's reply is to be dropped (a pure read:
    /// the runtime may build a command's context ahead of its turn).
    pub fn quiet(&self) -> bool {
        self.reply_off || self.reply_skip
    }

    /// Ends a command: true when its reply is to be dropped. A skip asked
    /// for by this command applies to the next one (Redis's `resetClient`).
    pub fn end_command(&mut self) -> bool {
        let quiet = self.quiet();
        self.reply_skip = std::mem::take(&mut self.reply_skip_next);
        if let Some(t) = self.tracking.as_mut() {
            t.caching = std::mem::take(&mut t.caching_next);
        }
        quiet
    }

    /// Who this connection is, for a slow-log entry.
    pub fn who(&self) -> Who<'_> {
        Who {
            id: self.id,
            peer: self.peer,
            unix: self.unix,
            name: self.name(),
            named: self.name.is_some(),
        }
    }
}

/// What a forwarded command needs from its connection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ctx {
    /// The selected database.
    pub db: u32,
    /// Drop the reply (`CLIENT REPLY OFF | SKIP`).
    pub quiet: bool,
    /// The connection has a name (looked up only for a slow-log entry).
    pub named: bool,
    /// It came through the Unix socket.
    pub unix: bool,
    /// The connection id: what a shard looks the rest up by (its address
    /// for a log entry, its tracking target) in the server's registry
    /// ([`crate::accounting::Shared::registered`]), so the context stays
    /// small (24 bytes: a forwarded command's ring item is one cache line).
    pub client: u64,
    /// Replies are in RESP3: a handler on any shard shapes its reply so.
    pub resp3: bool,
    /// In RESP2 subscribed mode: only pub/sub commands may run.
    pub subscribed: bool,
    /// A read command registers its keys for the tracking client
    /// (`family::tracking::track_for` finds where its invalidations go).
    pub track: bool,
    /// The ACL check the command needs: 0 none (the default user may do
    /// anything), else its user's id + 1, or `u32::MAX` before `AUTH`.
    pub acl: u32,
    /// Run by `EXEC` (Redis's `server.in_exec`: `BGREWRITEAOF` says it is
    /// scheduled, and nothing is refused for memory).
    pub in_exec: bool,
    /// Called by a script flagged `allow-oom`: nothing is refused for
    /// memory (Redis's `SCRIPT_ALLOW_OOM`).
    pub allow_oom: bool,
}

impl Ctx {
    /// Who sent the command, as another shard knows it (its address is
    /// looked up by id when an entry needs it).
    pub fn who(&self) -> Who<'static> {
        Who {
            id: self.client,
            peer: None,
            unix: self.unix,
            name: None,
            named: self.named,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Replies dropped for a sequence of commands, where `Some(f)` is a
    /// `CLIENT REPLY` acting on the session before its own end.
    fn run(cmds: &[Option<fn(&mut Session)>]) -> Vec<bool> {
        let mut s = Session::default();
        cmds.iter()
            .map(|c| {
                if let Some(f) = c {
                    f(&mut s);
                }
                s.end_command()
            })
            .collect()
    }

    /// Every forwarded command carries a context in a ring item, every
    /// reply an item back: one cache line and half of one.
    #[test]
    fn forwarded_items_stay_small() {
        assert!(std::mem::size_of::<Ctx>() <= 24);
        let (request, reply) = kevy_rt::testing::item_sizes::<crate::Redis>();
        assert!(request <= 64, "request item: {request} B");
        assert!(reply <= 32, "reply item: {reply} B");
    }

    #[test]
    fn reply_modes_follow_redis() {
        let off: fn(&mut Session) = |s| s.reply_off = true;
        let on: fn(&mut Session) = |s| s.replies_on();
        let skip: fn(&mut Session) = |s| s.skip_next_reply();
        // OFF, PING, SKIP, PING, ON, PING: only ON and the last PING answer.
        assert_eq!(
            run(&[Some(off), None, Some(skip), None, Some(on), None]),
            [true, true, true, true, false, false]
        );
        // SKIP, SKIP, PING, PING: the first PING is skipped, the second answers.
        assert_eq!(
            run(&[Some(skip), Some(skip), None, None]),
            [false, true, true, false]
        );
    }
}
